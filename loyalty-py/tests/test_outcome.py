"""Every getter of ``Outcome`` shows what the core's JSON form of the outcome says, for every kind
of effect: the getters read the core's projections (``loyalty_core::Effect``'s methods) and
derive nothing. Also the operation table the runners read (``loyalty.OPERATIONS``)."""

from __future__ import annotations

import inspect
import json
from decimal import Decimal
from typing import Any, Dict, List

import loyalty
from conftest import FALCON, T0

PROGRAM = {
    **FALCON,
    "campaigns": [{"name": "Coffee week", "from": T0, "to": T0 + 86_400, "categories": ["coffee"],
                   "multiplier": "2", "bonus_rate": "0.05"}],
    "stamps": [{"name": "Tenth coffee", "category": "coffee", "min_amount": "1", "card_size": 1,
                "reward_points": "3"}],
    "achievements": [{"name": "First", "orders": 1, "points": "2"}, {"name": "Joined", "referrals": 1, "points": "1"}],
    "surveys": {"points": "4"},
    "rewards": [{"name": "Mug", "points": "5", "stock": 9}],
}


def outcomes() -> List[loyalty.Outcome]:
    """One outcome of every effect kind (an order with every part: commission, campaign bonus,
    stamp, achievement, level change)."""
    e = loyalty.Engine(PROGRAM)
    return [
        e.enroll(1, T0, 1),
        e.enroll(2, T0, 2, referrer=1),
        e.order(3, T0 + 60, 2, "3000", lines=[{"category": "coffee", "amount": "100"}, {"amount": "2900"}]),
        e.refund(4, T0 + 60, 3, "100"),
        e.transfer(5, T0 + 60, 2, 1, "10"),
        e.adjust(6, T0 + 60, 1, "-3", "typo"),
        e.survey(7, T0 + 60, 2, 9, "north"),
        e.redeem(8, T0 + 60, 2, "Mug", 2),
        e.cancel(9, T0 + 60, 8),
        e.tick(T0 + 120),
        e.configure(10, T0 + 120, PROGRAM),
        e.hold(11, T0 + 120, 2, "20"),
        e.order(12, T0 + 120, 2, "100", "15", hold=11),
        e.hold(13, T0 + 120, 2, "10"),
        e.release(14, T0 + 120, 13),
        e.order(15, T0 + 120, 1, "50", "40", offline=("till-1", T0 + 100)),
    ]


def dec(v: Any) -> Decimal:
    return Decimal(str(v))


def expected(j: Dict[str, Any]) -> Dict[str, Any]:
    """What each getter should show, read from the JSON form alone."""
    kind = j["effect"]
    member = j.get("from") if kind == "transferred" else j.get("member")
    points = j.get("points_spent") if kind == "ordered" else j.get("points", "0")
    refund = kind == "refunded"
    return {
        "effect": kind,
        "member": member,
        "recipient": j.get("to"),
        "order": j.get("order"),
        "points": dec(points),
        "fee": dec(j.get("fee", "0")),
        "cash": dec(j.get("cash", "0")),
        "accrued": dec(j.get("accrued", "0")),
        "refunded": dec(j.get("amount", "0")),
        "points_returned": dec(j.get("points_returned", "0")),
        "accrual_clawed": dec(j.get("accrual_clawed", "0")),
        "commissions": [(c["member"], c["depth"], dec(c["points"]))
                        for c in j.get("commissions_clawed" if refund else "commissions", [])],
        "campaign_bonuses": [(b["campaign"], dec(b["points"]))
                             for b in j.get("campaign_bonuses_clawed" if refund else "campaign_bonuses", [])],
        "stamps": j.get("stamps_taken" if refund else "stamps", []),
        "stamp_rewards": dec(j.get("stamp_rewards", "0")),
        "achievements": [(a["member"], a["achievement"], dec(a["points"])) for a in j.get("achievements", [])],
        "tier_changes": [(t["member"], t["from"], t["to"]) for t in j.get("tier_changes", [])],
        "member_kind": j.get("kind"),
        "reward": j.get("reward"),
        "quantity": j.get("quantity"),
        "redemption": j.get("redemption"),
    }


def shown(o: loyalty.Outcome) -> Dict[str, Any]:
    return {
        "effect": o.effect, "member": o.member, "recipient": o.recipient, "order": o.order,
        "points": o.points, "fee": o.fee, "cash": o.cash, "accrued": o.accrued, "refunded": o.refunded,
        "points_returned": o.points_returned, "accrual_clawed": o.accrual_clawed,
        "commissions": [(c.member, c.depth, c.points) for c in o.commissions],
        "campaign_bonuses": o.campaign_bonuses, "stamps": o.stamps, "stamp_rewards": o.stamp_rewards,
        "achievements": o.achievements,
        "tier_changes": [(t.member, t.from_tier, t.to_tier) for t in o.tier_changes],
        "member_kind": o.member_kind, "reward": o.reward, "quantity": o.quantity, "redemption": o.redemption,
    }


def test_every_getter_shows_the_cores_json_for_every_effect_kind() -> None:
    seen = set()
    for o in outcomes():
        j = json.loads(o.to_json())["effect"]
        assert shown(o) == expected(j), j
        seen.add(o.effect)
    assert seen == {"enrolled", "ordered", "refunded", "transferred", "adjusted", "surveyed", "redeemed",
                    "cancelled", "ticked", "configured", "held", "released"}


def test_the_order_exercises_every_part() -> None:
    """The comparison above would pass vacuously on empty lists: the order has them all."""
    order = outcomes()[2]
    assert order.commissions and order.campaign_bonuses and order.stamps and order.achievements
    assert order.tier_changes and order.stamp_rewards > 0


def test_operations_lists_every_kind_with_its_method() -> None:
    """The runners call ``getattr(engine, kind)`` with the table's fields by name (``from``,
    ``to`` and ``program`` under their Python names): each kind has such a method."""
    python_names = {"from": "sender", "to": "recipient", "program": "program_source"}
    assert set(loyalty.OPERATIONS) == {"enroll", "order", "refund", "transfer", "adjust", "tick", "configure",
                                       "survey", "redeem", "cancel", "hold", "release"}
    for kind, fields in loyalty.OPERATIONS.items():
        params = inspect.signature(getattr(loyalty.Engine, kind)).parameters
        for name, _ in fields:
            assert python_names.get(name, name) in params, (kind, name)
    assert loyalty.OPERATIONS["redeem"] == [("id", "u64"), ("at", "i64"), ("member", "u64"), ("reward", "str"),
                                           ("quantity", "u64")]


def test_redeem_and_cancel() -> None:
    e = loyalty.Engine(PROGRAM)
    e.enroll(1, T0, 1)
    e.adjust(2, T0, 1, "20")
    assert e.stock_left("Mug") == 9
    out = e.redeem(3, T0 + 1, 1, "Mug", 3)
    assert (out.effect, out.points, out.reward, out.quantity) == ("redeemed", Decimal("15"), "Mug", 3)
    assert e.member(1).available == Decimal("5") and e.stock_left("Mug") == 6
    assert e.totals().redeemed == Decimal("15")
    assert e.redeem(3, T0 + 9, 1, "Mug", 3).to_json() == out.to_json()  # a retry: the same outcome
    assert e.cancel(4, T0 + 2, 3).points == Decimal("15")
    assert e.member(1).available == Decimal("20") and e.stock_left("Mug") == 9
    assert e.totals().redeemed == 0
    try:
        e.cancel(5, T0 + 2, 3)
    except loyalty.UnknownRedemption as why:
        assert "3" in str(why)
    else:
        raise AssertionError("a cancelled redemption cannot be cancelled again")
    try:
        e.stock_left("Umbrella")
    except loyalty.InvalidInput as why:
        assert "Umbrella" in str(why)
    else:
        raise AssertionError("an unknown reward is InvalidInput")
    e.verify()


def test_the_binding_table_is_complete() -> None:
    """docs/architecture.md's table of every operation and query in Rust, C and Python: each
    kind of the core's table has a row, and every name in it exists (a C function in the
    header, a Python `Engine` member, a Rust `pub fn` or item of loyalty-core)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "architecture.md").read_text()
    section = doc.split("### Every operation and query in the three bindings", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in section.splitlines() if line.startswith("| ") and not line.startswith("| operation")]
    assert {row[0] for row in rows} >= set(loyalty.OPERATIONS)
    header = (root / "loyalty-ffi" / "include" / "loyalty.h").read_text()
    core = "\n".join(p.read_text() for p in (root / "loyalty-core" / "src").rglob("*.rs"))
    for what, rust, c, python in rows:
        for name in re.findall(r"`(loyalty_\w+)`", c):
            assert re.search(rf"\b{name}\(", header), (what, name)
        for name in re.findall(r"`(\w+)`", python):
            assert hasattr(loyalty.Engine, name) or hasattr(loyalty, name), (what, name)
        for name in re.findall(r"`(\w+)[`(]", rust):
            assert re.search(rf"pub (fn|const) {name}\b|pub struct {name}\b|{name}\(", core), (what, name)


def test_hostile_redeem_and_cancel_fields_are_clear_errors_that_change_nothing() -> None:
    """SPEC v3's new fields (issue 23): negative, zero, huge, wrong type, unknown names and ids,
    and ids of other kinds; each refusal names what was wrong, and the state is as before."""
    e = loyalty.Engine(PROGRAM)
    e.enroll(1, T0, 1)
    e.adjust(2, T0, 1, "20")
    e.redeem(3, T0, 1, "Mug", 1)
    digest = e.state_digest()
    bad: List[Any] = [
        (lambda: e.redeem(10, T0, 1, "Mug", 0), loyalty.InvalidInput, "quantity"),
        (lambda: e.redeem(10, T0, 1, "Mug", -1), loyalty.InvalidInput, "-1"),
        (lambda: e.redeem(10, T0, 1, "Mug", 2**70), loyalty.InvalidInput, "quantity"),
        (lambda: e.redeem(10, T0, 1, "Mug", 1_000_001), loyalty.InvalidInput, "1000001"),
        (lambda: e.redeem(10, T0, 1, "Mug", True), TypeError, "quantity"),
        (lambda: e.redeem(10, T0, 1, "Mug", 1.0), TypeError, "quantity"),
        (lambda: e.redeem(10, T0, 1, "Mug", "1"), TypeError, "quantity"),
        (lambda: e.redeem(10, T0, 1, "Umbrella"), loyalty.InvalidInput, "Umbrella"),
        (lambda: e.redeem(10, T0, 1, ""), loyalty.InvalidInput, "reward"),
        (lambda: e.redeem(10, T0, 1, 7), TypeError, "reward"),
        (lambda: e.redeem(10, T0, 9, "Mug"), loyalty.UnknownMember, "9"),
        (lambda: e.redeem(10, T0, 1, "Mug", 5), loyalty.InsufficientPoints, "Mug"),
        (lambda: e.redeem(3, T0, 1, "Mug", 2), loyalty.IdConflict, "3"),
        (lambda: e.cancel(10, T0, 999), loyalty.UnknownRedemption, "999"),
        (lambda: e.cancel(10, T0, 2), loyalty.UnknownRedemption, "2"),  # an adjustment's id
        (lambda: e.cancel(10, T0, 1), loyalty.UnknownRedemption, "1"),  # an enrolment's id
        (lambda: e.cancel(10, T0, -3), loyalty.InvalidInput, "redemption"),
        (lambda: e.cancel(10, T0, 2**64), loyalty.InvalidInput, "redemption"),
        (lambda: e.cancel(10, T0, "3"), TypeError, "redemption"),
    ]
    assert_refused(e, bad, digest)
    e.cancel(10, T0, 3)
    try:
        e.cancel(11, T0, 3)  # cancelled already
    except loyalty.UnknownRedemption as why:
        assert "3" in str(why)
    else:
        raise AssertionError("a redemption is cancelled once")


def test_hostile_checkout_fields_are_clear_errors_that_change_nothing() -> None:
    """SPEC 9.1 and 9.7's fields: holds of bad amounts, unknown or closed holds, captures beyond
    the hold, offline origins of the wrong shape, time or length; each refusal names what was
    wrong, and the state is as before."""
    e = loyalty.Engine({**PROGRAM, "holds": {"ttl_seconds": 600}})
    e.enroll(1, T0, 1)
    e.enroll(2, T0, 2)
    e.adjust(3, T0, 1, "50")
    e.hold(4, T0, 1, "30")
    assert (e.member(1).available, e.member(1).held) == (Decimal("20.00"), Decimal("30.00"))
    digest = e.state_digest()
    bad: List[Any] = [
        (lambda: e.hold(10, T0, 1, "0"), loyalty.InvalidAmount, "0"),
        (lambda: e.hold(10, T0, 1, "-5"), loyalty.InvalidAmount, "-5"),
        (lambda: e.hold(10, T0, 1, "1.001"), loyalty.InvalidAmount, "1.001"),
        (lambda: e.hold(10, T0, 1, 2.5), TypeError, "float"),
        (lambda: e.hold(10, T0, 1, "21"), loyalty.InsufficientPoints, "21"),
        (lambda: e.hold(10, T0, 9, "1"), loyalty.UnknownMember, "9"),
        (lambda: e.hold(4, T0, 1, "5"), loyalty.IdConflict, "4"),
        (lambda: e.release(10, T0, 3), loyalty.UnknownHold, "3"),  # an adjustment's id
        (lambda: e.release(10, T0, 999), loyalty.UnknownHold, "999"),
        (lambda: e.release(10, T0, -1), loyalty.InvalidInput, "hold"),
        (lambda: e.release(10, T0, "4"), TypeError, "hold"),
        (lambda: e.order(10, T0, 2, "100", "5", hold=4), loyalty.UnknownHold, "4"),  # not member 2's
        (lambda: e.order(10, T0, 1, "100", "31", hold=4), loyalty.InsufficientPoints, "31"),
        (lambda: e.order(10, T0, 1, "100", "5", hold="4"), TypeError, "hold"),
        (lambda: e.order(10, T0, 1, "100", "5", offline=("till", T0 + 1)), loyalty.InvalidInput, "recorded_at"),
        (lambda: e.order(10, T0, 1, "100", "5", offline=("", T0)), loyalty.InvalidInput, "terminal"),
        (lambda: e.order(10, T0, 1, "100", "5", offline=("x" * 65, T0)), loyalty.InvalidInput, "terminal"),
        (lambda: e.order(10, T0, 1, "100", "5", offline=("till", T0), hold=4), loyalty.InvalidInput, "hold"),
        (lambda: e.order(10, T0, 1, "100", "5", offline={"terminal": "t"}), loyalty.InvalidInput, "recorded_at"),
        (lambda: e.order(10, T0, 1, "100", "5", offline={"terminal": "t", "recorded_at": T0, "x": 1}),
         loyalty.InvalidInput, "terminal"),
        (lambda: e.order(10, T0, 1, "100", "5", offline="till"), TypeError, "offline"),
        (lambda: e.order(10, T0, 1, "100", "5", offline=(7, T0)), TypeError, "terminal"),
        (lambda: e.order(10, T0, 1, "10", "11", offline=("till", T0)), loyalty.InvalidAmount, "11"),
    ]
    assert_refused(e, bad, digest)
    # A sale made offline is never refused for want of balance: the shortfall is debt.
    e.order(10, T0 + 5, 1, "100", "50", offline={"terminal": "till", "recorded_at": T0})
    # 50 cash at 3%, and the "First" order achievement's 2 points, paid on the debt.
    assert e.member(1).available == Decimal("-30.00") + Decimal("1.50") + Decimal("2.00")
    assert e.totals().overdraft == Decimal("30.00")
    e.tick(T0 + 600)  # hold 4 times out: its 30 points repay the debt
    assert (e.member(1).available, e.member(1).held) == (Decimal("3.50"), Decimal("0.00"))
    e.verify()


def assert_refused(e: loyalty.Engine, bad: List[Any], digest: int) -> None:
    """Each `(call, error, named)` raises `error` with `named` in its message, and the state is
    as it was (`digest`)."""
    for call, error, named in bad:
        try:
            call()
        except error as why:
            assert named in str(why), (named, str(why))
        else:
            raise AssertionError(f"{named}: no {error.__name__}")
        assert e.state_digest() == digest
