"""Checked by `mypy --strict` against the stubs (not run by pytest): how a typed back-end uses
the package."""

from __future__ import annotations

from datetime import datetime, timezone
import array
from decimal import Decimal
from typing import List, Optional

import loyalty


def checkout(engine: loyalty.Engine, order_id: int, member: int, amount: Decimal, points: Decimal) -> Decimal:
    try:
        outcome = engine.order(order_id, datetime.now(timezone.utc), member, amount, points)
    except loyalty.InsufficientPoints:
        outcome = engine.order(order_id, datetime.now(timezone.utc), member, amount)
    earned: Decimal = outcome.accrued + sum((c.points for c in outcome.commissions), Decimal(0))
    return earned


def two_phase(engine: loyalty.Engine, hold_id: int, member: int, amount: Decimal, points: Decimal, paid: bool) -> Decimal:
    """Points held while the card is charged, then captured or given back."""
    engine.hold(hold_id, datetime.now(timezone.utc), member, points)
    try:
        if paid:
            return engine.order(hold_id + 1, datetime.now(timezone.utc), member, amount, points, hold=hold_id).accrued
        engine.release(hold_id + 1, datetime.now(timezone.utc), hold_id)
    except loyalty.UnknownHold:  # timed out meanwhile
        pass
    held: Decimal = engine.member(member).held
    grace: Optional[int] = engine.member(member).grace_until
    overdraft: Decimal = engine.totals().overdraft
    engine.order(hold_id + 2, 0, member, amount, offline=("till-1", 0))
    return held + overdraft + (grace or 0)


def statement(engine: loyalty.Engine, member: int) -> str:
    m: loyalty.Member = engine.member(member)
    nxt: Optional[str] = m.next_tier
    return f"{m.tier} {m.available} {nxt or '-'} {m.to_next}"


def simulate(engine: loyalty.Engine, members: List[int]) -> int:
    result: loyalty.BatchResult = engine.order_batch(
        list(range(1, len(members) + 1)), [0] * len(members), members, [Decimal("10")] * len(members)
    )
    errors: List[Optional[str]] = result.errors
    first: Optional[loyalty.Outcome] = result.outcome(0)
    return result.accepted + len(errors) + (0 if first is None else 1)


def simulate_minor(engine: loyalty.Engine, members: List[int]) -> int:
    n = len(members)
    result = engine.order_batch_minor(
        array.array("q", range(1, n + 1)), array.array("q", [0] * n), array.array("q", members),
        array.array("q", [1000] * n), points_minor=None, keep_outcomes=False,
    )
    return result.accepted


def report(engine: loyalty.Engine) -> Optional[Decimal]:
    nps: loyalty.Nps = engine.nps(segment="hair", member_kind="regular")
    totals: loyalty.Totals = engine.totals()
    assert totals.issued >= totals.liability
    return nps.score


def main() -> None:
    engine = loyalty.Engine({"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}})
    engine.enroll(1, 0, 1, birthday="01-10")
    print(checkout(engine, 2, 1, Decimal("10"), Decimal("0")), statement(engine, 1), simulate(engine, [1]), report(engine))
    price: Decimal = engine.price(1, lines=[("coffee", "3.50"), {"category": None, "amount": Decimal("2")}])
    print(price, engine.clock, engine.leaderboard(3))
    error: type[loyalty.LoyaltyError] = loyalty.ERRORS["InvalidAmount"]
    print(error.__name__)
