"""Batches from columns: every operation a simulation drives, with per-row errors, giving the
same state as the per-call API."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import loyalty
from conftest import DAY, FALCON, T0


def per_call() -> loyalty.Engine:
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
    assert engine.state_digest() == per_call().state_digest()


def test_a_rejected_row_is_reported_and_the_others_run() -> None:
    engine = per_call()
    before = engine.member(1).available
    result = engine.transfer_batch([8, 9, 10], [T0 + DAY] * 3, [1, 1, 9], [2, 1, 1], ["1", "1", "1"])
    assert result.errors == [None, "SelfTransfer", "UnknownMember"]
    assert result.accepted == 1
    assert engine.member(1).available == before - 1
    refunds = engine.refund_batch([11, 12], [T0 + DAY] * 2, [4, 99], ["600", "1"])
    assert refunds.errors == ["RefundExceedsOrder", "UnknownOrder"]


def test_a_bad_value_raises_naming_its_row_before_anything_runs() -> None:
    engine = per_call()
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
    engine = per_call()
    columns = engine.member_columns()
    assert columns["member"] == [1, 2, 3]
    assert columns["referrer"] == [None, 1, 2]
    assert columns["tier"] == ["Bunny", "Bunny", "Bunny"]
    assert columns["available"] == [engine.member(m).available for m in (1, 2, 3)]
    assert all(isinstance(v, Decimal) for v in columns["available"] + columns["pending"] + columns["qualifying"])
    assert columns["orders"] == [0, 1, 1]
    assert columns["referrals"] == [1, 1, 0]
    assert loyalty.Engine(FALCON).member_columns()["member"] == []
