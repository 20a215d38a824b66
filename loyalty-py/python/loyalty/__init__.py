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

from ._loyalty import (
    AboveMaximum,
    BatchResult,
    BelowMinimum,
    Commission,
    DailyLimit,
    Engine,
    IdConflict,
    InsufficientPoints,
    InvalidAmount,
    InvalidConfig,
    InvalidInput,
    LoyaltyError,
    Member,
    MemberExists,
    Nps,
    Outcome,
    Posting,
    Provisional,
    RedemptionCap,
    RefundExceedsOrder,
    SelfReferral,
    SelfTransfer,
    Store,
    StoreCorrupt,
    StoreForked,
    StorePoisoned,
    TierChange,
    TierTooLow,
    TimeWentBackwards,
    Totals,
    TransfersDisabled,
    UnknownMember,
    UnknownOrder,
    UnknownReferrer,
    statement,
)

__version__ = "0.1.0"

#: Every exception class, by SPEC error name.
ERRORS = {
    cls.__name__: cls
    for cls in (
        InvalidConfig, InvalidAmount, UnknownMember, MemberExists, UnknownReferrer, SelfReferral,
        InsufficientPoints, RedemptionCap, BelowMinimum, AboveMaximum, DailyLimit, TransfersDisabled,
        TierTooLow, SelfTransfer, UnknownOrder, RefundExceedsOrder, TimeWentBackwards, IdConflict,
        InvalidInput,
    )
}

__all__ = [
    "AboveMaximum", "BatchResult", "BelowMinimum", "Commission", "DailyLimit", "ERRORS", "Engine",
    "IdConflict", "InsufficientPoints", "InvalidAmount", "InvalidConfig", "InvalidInput",
    "LoyaltyError", "Member", "MemberExists", "Nps", "Outcome", "Posting", "Provisional", "RedemptionCap",
    "RefundExceedsOrder", "SelfReferral", "SelfTransfer", "Store", "StoreCorrupt",
    "StoreForked", "StorePoisoned", "TierChange", "TierTooLow",
    "TimeWentBackwards", "Totals", "TransfersDisabled", "UnknownMember", "UnknownOrder",
    "UnknownReferrer", "statement",
]
