"""The batch API agrees row by row with per-call results."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import List, Optional, Tuple

import pytest

import loyalty
from conftest import FALCON, T0

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
    with pytest.raises(loyalty.InvalidInput, match="same length"):
        e.order_batch([1, 2], [T0], [1, 2], ["10", "10"])
    assert e.member(1).orders == 0 and e.member(2).orders == 0


def test_numpy_columns_are_accepted() -> None:
    np = pytest.importorskip("numpy")
    e = population(3)
    result = e.order_batch(np.arange(1000, 1003), np.full(3, T0), np.array([1, 2, 3]), np.array([100, 200, 300]))
    assert result.errors == [None, None, None]
    assert e.member(3).available == Decimal("9.00")
