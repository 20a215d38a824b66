"""One exception class per SPEC error name, each a LoyaltyError (a ValueError) carrying the
core's message, each reachable through the API; a failed call changes nothing."""

from __future__ import annotations

from typing import Callable, Dict, Tuple

import pytest

import loyalty
from conftest import FALCON, T0

SPEC_NAMES = [
    "InvalidConfig", "InvalidAmount", "UnknownMember", "MemberExists", "UnknownReferrer", "SelfReferral",
    "InsufficientPoints", "RedemptionCap", "BelowMinimum", "AboveMaximum", "DailyLimit", "TransfersDisabled",
    "TierTooLow", "SelfTransfer", "UnknownOrder", "RefundExceedsOrder", "TimeWentBackwards", "IdConflict",
    "InvalidInput", "OutOfStock", "UnknownRedemption", "UnknownHold",
]


def test_every_spec_name_has_its_own_class() -> None:
    assert sorted(loyalty.ERRORS) == sorted(SPEC_NAMES)
    for name in SPEC_NAMES:
        cls = getattr(loyalty, name)
        assert cls.__name__ == name
        assert issubclass(cls, loyalty.LoyaltyError) and issubclass(cls, ValueError)
        assert cls is not loyalty.LoyaltyError
    assert len({getattr(loyalty, n) for n in SPEC_NAMES}) == len(SPEC_NAMES)


def test_the_stubs_declare_exactly_the_cores_error_classes() -> None:
    """`_loyalty.pyi` is written by hand: it must name the classes of the core's error table
    (``loyalty.ERRORS``, made from ``loyalty_core::error_kinds!``), in the table's order."""
    import re
    from pathlib import Path

    stub = (Path(loyalty.__file__).parent / "_loyalty.pyi").read_text()
    declared = re.findall(r"^class (\w+)\(LoyaltyError\)", stub, re.M)
    assert declared == list(loyalty.ERRORS)
    for name in declared:
        assert f'    "{name}",' in stub, f"{name} is missing from the stub's __all__"


def engine() -> loyalty.Engine:
    program = dict(FALCON)
    program["transfers"] = {"min_points": "10", "max_points": "500", "daily_limit": "600", "min_tier": "Wolf"}
    program["redemption"] = {"max_share": "0.5", "min_points": "5"}
    program["rewards"] = [{"name": "Mug", "points": "10", "stock": 1}]
    e = loyalty.Engine(program)
    e.enroll(1, T0, 1)
    e.enroll(2, T0, 2, referrer=1)
    e.order(3, T0, 1, "20000")
    return e


Call = Callable[[loyalty.Engine], object]


def nothing(e: loyalty.Engine) -> None:
    return None


# name: (what sets the stage, the call that must fail)
CASES: Dict[str, Tuple[Call, Call]] = {
    "InvalidConfig": (nothing, lambda e: e.configure(90, T0, {"tiers": {"levels": []}})),
    "InvalidAmount": (nothing, lambda e: e.order(90, T0, 1, "10.001")),
    "UnknownMember": (nothing, lambda e: e.order(90, T0, 99, "10")),
    "MemberExists": (nothing, lambda e: e.enroll(90, T0, 1)),
    "UnknownReferrer": (nothing, lambda e: e.enroll(90, T0, 5, referrer=77)),
    "SelfReferral": (nothing, lambda e: e.enroll(90, T0, 5, referrer=5)),
    "InsufficientPoints": (nothing, lambda e: e.order(90, T0, 2, "100", "10")),
    "RedemptionCap": (nothing, lambda e: e.order(90, T0, 1, "100", "51")),
    "BelowMinimum": (nothing, lambda e: e.order(90, T0, 1, "100", "4")),
    "AboveMaximum": (nothing, lambda e: e.transfer(90, T0, 1, 2, "501")),
    "DailyLimit": (lambda e: e.transfer(89, T0, 1, 2, "500"), lambda e: e.transfer(90, T0, 1, 2, "101")),
    "TransfersDisabled": (
        lambda e: e.configure(89, T0, {**FALCON, "transfers": {"enabled": False}}),
        lambda e: e.transfer(90, T0, 1, 2, "10"),
    ),
    "TierTooLow": (nothing, lambda e: e.transfer(90, T0, 2, 1, "10")),
    "SelfTransfer": (nothing, lambda e: e.transfer(90, T0, 1, 1, "10")),
    "UnknownOrder": (nothing, lambda e: e.refund(90, T0, 12345, "1")),
    "RefundExceedsOrder": (nothing, lambda e: e.refund(90, T0, 3, "20000.01")),
    "TimeWentBackwards": (nothing, lambda e: e.order(90, T0 - 1, 1, "10")),
    "IdConflict": (nothing, lambda e: e.order(3, T0, 1, "20001")),
    "InvalidInput": (nothing, lambda e: e.enroll(90, T0, 5, birthday="02-30")),
    "OutOfStock": (nothing, lambda e: e.redeem(90, T0, 1, "Mug", 2)),
    "UnknownRedemption": (nothing, lambda e: e.cancel(90, T0, 3)),
    "UnknownHold": (nothing, lambda e: e.release(90, T0, 3)),
}


def snapshot(e: loyalty.Engine) -> Tuple[object, ...]:
    views = [(m.available, m.pending, m.qualifying, m.tier, m.orders) for m in map(e.member, e.member_ids())]
    t = e.totals()
    return (views, t.issued, t.redeemed, t.fees, t.liability, e.clock, len(e))


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_each_error_is_raised_with_its_class_and_changes_nothing(name: str) -> None:
    e = engine()
    setup, call = CASES[name]
    setup(e)
    before = snapshot(e)
    with pytest.raises(getattr(loyalty, name)) as info:
        call(e)
    assert str(info.value), "the exception carries the core's message"
    assert snapshot(e) == before
    e.verify()


def test_messages_name_the_offending_value() -> None:
    e = engine()
    with pytest.raises(loyalty.InvalidAmount, match="10.001"):
        e.order(90, T0, 1, "10.001")
    with pytest.raises(loyalty.UnknownMember, match="99"):
        e.order(90, T0, 99, "10")
    with pytest.raises(loyalty.InvalidConfig, match="transfer"):
        loyalty.Engine({**FALCON, "transfer": {"enabled": False}})
    with pytest.raises(loyalty.InvalidInput, match="02-30"):
        e.enroll(90, T0, 5, birthday="02-30")


def test_a_rejected_operation_changes_nothing() -> None:
    e = engine()
    before = (e.member(1).available, e.totals().issued, e.clock)
    with pytest.raises(loyalty.UnknownMember):
        e.order(90, T0 + 86400, 99, "10")
    assert (e.member(1).available, e.totals().issued, e.clock) == before
    # The id stays unused.
    assert e.order(90, T0, 1, "10").effect == "ordered"


def test_catching_the_base_class_catches_all() -> None:
    e = engine()
    for name in ("UnknownMember", "SelfTransfer", "InvalidAmount"):
        with pytest.raises(loyalty.LoyaltyError):
            CASES[name][1](e)
