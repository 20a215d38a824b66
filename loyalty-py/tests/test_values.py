"""Decimal in and out, never float; ids and times; program sources."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import loyalty
from conftest import FALCON, T0


def test_amounts_accept_decimal_int_and_str(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    assert falcon.order(2, T0, 1, Decimal("100.50")).accrued == Decimal("3.01")
    assert falcon.order(3, T0, 1, 100).accrued == Decimal("3.00")
    assert falcon.order(4, T0, 1, "100").accrued == Decimal("3.00")
    # Decimal in exponent form and with trailing zeros.
    assert falcon.order(5, T0, 1, Decimal("1E+2")).accrued == Decimal("3")
    assert falcon.order(6, T0, 1, Decimal("100.000")).cash == Decimal("100")


def test_results_are_decimals_at_the_programs_scale(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    outcome = falcon.order(2, T0, 1, "1000")
    assert isinstance(outcome.accrued, Decimal)
    assert str(outcome.accrued) == "30.00"
    member = falcon.member(1)
    assert isinstance(member.available, Decimal) and str(member.available) == "30.00"
    assert str(falcon.totals().issued) == "30.00"


@pytest.mark.parametrize("bad", [0.1, 1.5, float("nan"), True])
def test_floats_and_bools_are_refused_with_a_type_error(falcon: loyalty.Engine, bad: object) -> None:
    falcon.enroll(1, T0, 1)
    with pytest.raises(TypeError, match="amount"):
        falcon.order(2, T0, 1, bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="points"):
        falcon.order(2, T0, 1, "10", bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        falcon.adjust(2, T0, 1, bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        falcon.order(2, T0, 1, "10", lines=[("a", bad)])  # type: ignore[list-item]
    assert falcon.member(1).orders == 0


def test_float_message_says_why(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    with pytest.raises(TypeError, match="floats are inexact"):
        falcon.order(2, T0, 1, 268.28)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["abc", "1e5", "", "NaN", "1.000000000000000000000000000001", Decimal("NaN"), Decimal("Infinity")])
def test_malformed_decimals_are_invalid_amounts(falcon: loyalty.Engine, bad: object) -> None:
    falcon.enroll(1, T0, 1)
    with pytest.raises(loyalty.InvalidAmount):
        falcon.order(2, T0, 1, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "named", "why"),
    [
        (Decimal("1e100000000"), "1E+100000000", "too large"),
        (Decimal("1e999999999"), "1E+999999999", "too large"),
        (Decimal("-1e999999999"), "-1E+999999999", "too large"),
        (Decimal("1e-999999999"), "1E-999999999", "too many digits"),
        (Decimal("1e40"), "10000000000000000000000000000000000000000", "too large"),
        (10**100000, "an int of 332193 bits", "too large"),
        (10**40, "10000000000000000000000000000000000000000", "too large"),
        ("1" * 40, "1" * 40, "too large"),
        ("0." + "0" * 40 + "1", "0." + "0" * 40 + "1", "too many digits"),
    ],
    ids=lambda v: type(v).__name__,  # str() of a 100 000-digit int is refused by Python
)
def test_out_of_range_amounts_name_the_value_briefly_and_why(
    falcon: loyalty.Engine, bad: object, named: str, why: str
) -> None:
    falcon.enroll(1, T0, 1)
    with pytest.raises(loyalty.InvalidAmount) as raised:
        falcon.order(2, T0, 1, bad)  # type: ignore[arg-type]
    message = str(raised.value)
    assert named in message and why in message, message
    assert len(message) < 200
    assert falcon.member(1).orders == 0


def test_huge_ints_and_negative_zero(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    with pytest.raises(loyalty.InvalidAmount):
        falcon.order(2, T0, 1, 10**40)
    with pytest.raises(loyalty.InvalidAmount):
        falcon.order(2, T0, 1, "-0")
    with pytest.raises(loyalty.InvalidInput):
        falcon.order(-1, T0, 1, "1")
    with pytest.raises(loyalty.InvalidInput):
        falcon.order(2**64, T0, 1, "1")
    with pytest.raises(loyalty.InvalidInput):
        falcon.order(2, 2**63, 1, "1")
    assert falcon.enroll(2**64 - 1, T0, 2**64 - 1).member == 2**64 - 1


def test_aware_datetimes_are_times_and_naive_ones_are_refused(falcon: loyalty.Engine) -> None:
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    falcon.enroll(1, at, 1)
    assert falcon.clock == T0
    plus3 = timezone(timedelta(hours=3))
    falcon.order(2, datetime(2026, 1, 1, 5, 0, 0, 999999, tzinfo=plus3), 1, "10")
    assert falcon.clock == T0 + 2 * 3600
    with pytest.raises(loyalty.InvalidInput, match="naive"):
        falcon.order(3, datetime(2026, 1, 2), 1, "10")
    with pytest.raises(TypeError):
        falcon.tick("2026-01-02")  # type: ignore[arg-type]


def test_programs_come_from_dicts_json_text_and_files(tmp_path: Path) -> None:
    assert loyalty.Engine(FALCON).program["tiers"]["levels"][1]["name"] == "Wolf"
    assert len(loyalty.Engine(json.dumps(FALCON)).program["tiers"]["levels"]) == 3
    path = tmp_path / "falcon.json"
    path.write_text(json.dumps(FALCON))
    assert loyalty.Engine(path).program["name"] == "Falcon Club"
    assert loyalty.Engine(str(path)).program["name"] == "Falcon Club"
    toml = tmp_path / "club.toml"
    toml.write_text('name = "Club"\n[[tiers.levels]]\nname = "A"\nthreshold = "0"\naccrual_rate = "0.1"\n')
    assert loyalty.Engine(toml).program["name"] == "Club"
    toml.write_text("name = ")
    with pytest.raises(loyalty.InvalidConfig):
        loyalty.Engine(toml)
    # Decimals are welcome in a dict; floats are not.
    levels = [{"name": "A", "threshold": 0, "accrual_rate": Decimal("0.1")}]
    assert loyalty.Engine({"tiers": {"levels": levels}}).program["tiers"]["levels"][0]["accrual_rate"] == "0.1"
    with pytest.raises(loyalty.InvalidConfig, match="float"):
        loyalty.Engine({"tiers": {"levels": [{"name": "A", "threshold": 0, "accrual_rate": 0.1}]}})
    with pytest.raises(TypeError):
        loyalty.Engine(42)  # type: ignore[arg-type]


def test_messages_name_the_value_the_caller_passed(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    with pytest.raises(loyalty.InvalidInput, match=r"score 10000000000000000000000000000000000000000 is not"):
        falcon.survey(2, T0, 1, 10**40)
    with pytest.raises(loyalty.InvalidInput, match=r"n -1 is not a count"):
        falcon.leaderboard(-1)
    with pytest.raises(TypeError, match="n must be an int"):
        falcon.leaderboard("3")  # type: ignore[arg-type]
    # An integer beyond 64 bits is named by its digits, not as a float the caller never wrote
    # (issue 26, item 12: it travels as a string, since JSON readers take it as a float).
    with pytest.raises(loyalty.InvalidAmount, match=r"'10000000000000000000000000000000000000000' is too large"):
        falcon.apply({"op": "order", "id": 3, "at": T0, "member": 1, "amount": 10**40})
    # A huge value is named by its first characters, not copied whole.
    with pytest.raises(loyalty.InvalidInput) as raised:
        falcon.member(10**1000)
    assert len(str(raised.value)) < 200, str(raised.value)
    assert falcon.member(1).orders == 0


def test_expiring_soon_answers_and_refuses_bad_days_changing_nothing() -> None:
    e = loyalty.Engine({"expiry_days": 30, "points_scale": 2,
                        "tiers": {"levels": [{"name": "Guest", "threshold": "0", "accrual_rate": "0.1"}]}})
    e.enroll(1, T0, 1)
    e.order(2, T0, 1, "100.50")
    points, next_ = e.expiring(1, 30)
    assert isinstance(points, Decimal) and str(points) == "10.05" and next_ == T0 + 30 * 86_400
    assert e.expiring(1, 29) == (Decimal("0.00"), None)
    digest = e.state_digest()
    for days, error in [(-1, loyalty.InvalidInput), (36_501, loyalty.InvalidInput), (2**70, loyalty.InvalidInput),
                        (True, TypeError), (1.5, TypeError), ("30", TypeError)]:
        with pytest.raises(error) as why:
            e.expiring(1, days)  # type: ignore[arg-type]
        assert "days" in str(why.value)
    with pytest.raises(loyalty.UnknownMember, match="9"):
        e.expiring(9, 30)
    with pytest.raises(loyalty.UnknownMember):
        e.expiring(9, -1)  # the member is checked first, as the SPEC lists
    assert e.state_digest() == digest


def test_text_arguments_of_the_wrong_type_are_type_errors_naming_the_argument(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    digest = falcon.state_digest()
    for call, named in [
        (lambda: falcon.adjust(2, T0, 1, "1", 5), "reason"),
        (lambda: falcon.nps(segment=3), "segment"),
        (lambda: falcon.nps(member_kind=1), "member_kind"),
    ]:
        with pytest.raises(TypeError, match=named):
            call()
    assert falcon.state_digest() == digest
    assert falcon.adjust(2, T0, 1, "1", None).points == Decimal("1")
