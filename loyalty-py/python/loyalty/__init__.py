"""loyalty: an embeddable loyalty-program engine.

Points for paid orders, spending and transferring them, referral commissions, levels reached by
spend or points, club prices, campaigns, birthday gifts, stamp cards, achievements, closed
programmes and NPS, computed exactly (``decimal.Decimal`` in and out, never ``float``) by the
Rust core.

>>> import loyalty
>>> engine = loyalty.Engine({"tiers": {"levels": [
...     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}})
>>> engine.enroll(1, 1767225600, member=7).effect
'enrolled'
>>> engine.order(2, 1767229200, member=7, amount="1000.00").accrued
Decimal('30.00')
"""

from ._loyalty import *  # noqa: F403  (the native module: its classes, functions and exceptions)

__version__ = "0.1.0"

#: Every exception class of a SPEC error kind, by name: one per row of the core's error table
#: (``loyalty_core::error_kinds!``), in code order.
ERRORS = {cls.__name__: cls for cls in LoyaltyError.__subclasses__()}  # noqa: F405
