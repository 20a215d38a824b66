"""The batch API agrees row by row with per-call results."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import List, Optional, Tuple

import numpy as np
import pytest

import loyalty
from conftest import DAY, FALCON, T0

Row = Tuple[int, int, int, str, str]


def population(n: int) -> loyalty.Engine:
    e = loyalty.Engine(FALCON)
    for m in range(1, n + 1):
        e.enroll(m, T0, m, referrer=m - 1 if m > 1 else None)
    return e


def rows(n: int, seed: int) -> List[Row]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        member = rng.randint(1, 60)  # some unknown members
        amount = rng.choice(["0", "10.001", str(rng.randint(1, 500000) / 100)])
        points = rng.choice(["0", "0", "5", "50.5"])
        out.append((10_000 + i, T0 + i, member, amount, points))
    return out


def per_call(e: loyalty.Engine, row: Row) -> Tuple[Optional[str], Optional[Decimal]]:
    try:
        out = e.order(row[0], row[1], row[2], row[3], row[4])
        return None, out.accrued
    except loyalty.LoyaltyError as err:
        return type(err).__name__, None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_matches_per_call_results(seed: int) -> None:
    data = rows(400, seed)
    one, many = population(50), population(50)
    expected = [per_call(one, r) for r in data]
    result = many.order_batch(*zip(*data))
    assert len(result) == len(data)
    assert result.errors == [err for err, _ in expected]
    assert result.accepted == sum(1 for err, _ in expected if err is None)
    assert {e for e in result.errors if e} >= {"UnknownMember", "InvalidAmount"}
    for i, (err, accrued) in enumerate(expected):
        outcome = result.outcome(i)
        assert (outcome is None) == (err is not None)
        if outcome is not None:
            assert outcome.accrued == accrued
    for m in one.member_ids():
        a, b = one.member(m), many.member(m)
        assert (a.available, a.qualifying, a.tier) == (b.available, b.qualifying, b.tier)
    assert repr(one.totals()) == repr(many.totals())


def test_batch_without_outcomes_and_with_default_points() -> None:
    e = population(3)
    result = e.order_batch([1001, 1002], [T0, T0], [1, 2], [Decimal("100"), 250], keep_outcomes=False)
    assert result.errors == [None, None]
    with pytest.raises(ValueError, match="keep_outcomes"):
        result.outcome(0)
    assert e.member(2).available == Decimal("7.50")


def test_bad_input_raises_before_anything_is_applied() -> None:
    e = population(3)
    with pytest.raises(TypeError, match="float"):
        e.order_batch([1, 2], [T0, T0], [1, 2], ["10", 1.5])
    with pytest.raises(loyalty.InvalidInput, match="ats has 1 rows, ids 2"):
        e.order_batch([1, 2], [T0], [1, 2], ["10", "10"])
    assert e.member(1).orders == 0 and e.member(2).orders == 0


def test_numpy_columns_are_accepted() -> None:
    e = population(3)
    result = e.order_batch(np.arange(1000, 1003), np.full(3, T0), np.array([1, 2, 3]), np.array([100, 200, 300]))
    assert result.errors == [None, None, None]
    assert e.member(3).available == Decimal("9.00")


# Enrolments, refunds and transfers from columns; members as columns.

def per_call_engine() -> loyalty.Engine:
    engine = loyalty.Engine(FALCON)
    engine.enroll(1, T0, 1)
    engine.enroll(2, T0, 2, referrer=1)
    engine.enroll(3, T0, 3, referrer=2)
    engine.order(4, T0 + 1, 2, "1000")
    engine.order(5, T0 + 2, 3, "200")
    engine.refund(6, T0 + DAY, 4, "500")
    engine.transfer(7, T0 + DAY, 2, 1, "5")
    return engine


def test_batches_give_the_state_the_per_call_api_gives() -> None:
    engine = loyalty.Engine(FALCON)
    enrolled = engine.enroll_batch([1, 2, 3], [T0] * 3, [1, 2, 3], [None, 1, 2])
    assert enrolled.errors == [None, None, None]
    ordered = engine.order_batch(np.array([4, 5]), np.array([T0 + 1, T0 + 2]), np.array([2, 3]), ["1000", "200"])
    assert ordered.accepted == 2
    refunded = engine.refund_batch([6], [T0 + DAY], [4], [Decimal("500")])
    clawed = refunded.outcome(0)
    assert clawed is not None and clawed.accrual_clawed == Decimal("15.00")
    sent = engine.transfer_batch([7], [T0 + DAY], [2], [1], ["5"], keep_outcomes=False)
    assert sent.errors == [None]
    with pytest.raises(ValueError, match="outcomes were not kept"):
        sent.outcome(0)
    assert engine.state_digest() == per_call_engine().state_digest()


def test_a_rejected_row_is_reported_and_the_others_run() -> None:
    engine = per_call_engine()
    before = engine.member(1).available
    result = engine.transfer_batch([8, 9, 10], [T0 + DAY] * 3, [1, 1, 9], [2, 1, 1], ["1", "1", "1"])
    assert result.errors == [None, "SelfTransfer", "UnknownMember"]
    assert result.accepted == 1
    assert engine.member(1).available == before - 1
    refunds = engine.refund_batch([11, 12], [T0 + DAY] * 2, [4, 99], ["600", "1"])
    assert refunds.errors == ["RefundExceedsOrder", "UnknownOrder"]


def test_a_bad_value_raises_naming_its_row_before_anything_runs() -> None:
    engine = per_call_engine()
    digest = engine.state_digest()
    with pytest.raises(loyalty.InvalidAmount, match=r"row 1: amounts"):
        engine.refund_batch([8, 9], [T0 + DAY] * 2, [5, 5], ["1", "x"])
    with pytest.raises(TypeError, match=r"row 2: referrers must be an int"):
        engine.enroll_batch([8, 9, 10], [T0 + DAY] * 3, [4, 5, 6], [None, 1, "2"])  # type: ignore[list-item]
    with pytest.raises(loyalty.InvalidInput, match="senders has 1 rows, ids 2"):
        engine.transfer_batch([8, 9], [T0, T0], [1], [2, 2], ["1", "1"])
    with pytest.raises(loyalty.InvalidInput, match="referrers has 1 rows"):
        engine.enroll_batch([8, 9], [T0, T0], [4, 5], [None])
    assert engine.state_digest() == digest


def test_members_come_out_as_columns() -> None:
    engine = per_call_engine()
    columns = engine.member_columns()
    assert columns["member"] == [1, 2, 3]
    assert columns["referrer"] == [None, 1, 2]
    assert columns["tier"] == ["Bunny", "Bunny", "Bunny"]
    assert columns["available"] == [engine.member(m).available for m in (1, 2, 3)]
    assert all(isinstance(v, Decimal) for v in columns["available"] + columns["pending"] + columns["qualifying"])
    assert columns["orders"] == [0, 1, 1]
    assert columns["referrals"] == [1, 1, 0]
    assert loyalty.Engine(FALCON).member_columns()["member"] == []


# Orders from integer columns in minor units, through the buffer protocol (issue 11).

def test_minor_unit_columns_give_what_decimal_columns_give() -> None:
    import array

    rows = [(1000 + i, T0 + i, 1 + i % 3, 125 + 37 * i) for i in range(60)]
    by_decimal = population(3)
    expected = by_decimal.order_batch(
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
        [Decimal(r[3]) / 100 for r in rows],
    )
    for columns in (
        [np.array([r[k] for r in rows], dtype=np.int64) for k in range(4)],
        [array.array("q", [r[k] for r in rows]) for k in range(4)],
    ):
        by_minor = population(3)
        result = by_minor.order_batch_minor(*columns)
        assert result.errors == expected.errors
        assert [o.to_json() for o in map(result.outcome, range(len(rows))) if o] == [
            o.to_json() for o in map(expected.outcome, range(len(rows))) if o
        ]
        assert by_minor.state_digest() == by_decimal.state_digest()


def test_minor_unit_points_and_rejections_per_row() -> None:
    e = population(3)
    e.order_batch_minor(np.array([900]), np.array([T0]), np.array([1]), np.array([100_000]))
    result = e.order_batch_minor(
        np.array([901, 902, 903]), np.array([T0, T0, T0]), np.array([1, 1, 9]),
        np.array([10_000, -5, 100]), points_minor=np.array([1_000, 0, 0]),
    )
    assert result.errors == [None, "InvalidAmount", "UnknownMember"]
    ordered = result.outcome(0)
    assert ordered is not None and ordered.points == Decimal("10.00")


def test_minor_unit_columns_refuse_what_they_cannot_read() -> None:
    e = population(3)
    with pytest.raises(TypeError, match="amounts_minor must be a buffer of 64-bit integers"):
        e.order_batch_minor(np.array([1]), np.array([T0]), np.array([1]), np.array([1.5]))
    with pytest.raises(TypeError, match="ids must be a buffer"):
        e.order_batch_minor([1], np.array([T0]), np.array([1]), np.array([100]))
    with pytest.raises(loyalty.InvalidInput, match="row 0: ids -1 is not an id"):
        e.order_batch_minor(np.array([-1]), np.array([T0]), np.array([1]), np.array([100]))
    with pytest.raises(loyalty.InvalidInput, match="one length"):
        e.order_batch_minor(np.array([1, 2]), np.array([T0]), np.array([1]), np.array([100]))
    with pytest.raises(TypeError, match="one-dimensional"):
        e.order_batch_minor(np.array([[1]]), np.array([[T0]]), np.array([[1]]), np.array([[100]]))
    assert e.member(1).orders == 0
