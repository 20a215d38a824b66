"""Offline terminals from Python (docs/offline.md): sales within the allowance, a restart, a sync
that applies each sale once, and the refusals, each changing nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import loyalty

T0 = 1_767_225_600
PROGRAM = {"name": "Bakery", "tiers": {"levels": [{"name": "Regular", "threshold": "0", "accrual_rate": "0.05"}]},
           "offline": {"max_points_per_order": "30", "max_points_per_terminal": "40"}}


def test_an_offline_morning_syncs_once(tmp_path: Path) -> None:
    centre = loyalty.Engine(PROGRAM)
    centre.enroll(1, T0, 1)
    centre.order(2, T0, 1, "1000")  # 50 points
    till = loyalty.Terminal.create(str(tmp_path / "till"), 3, "till-3", loyalty.Terminal.cache_of(centre))
    assert till.allowance(1) == Decimal("30.00")
    sale, redeemed, estimate = till.order(T0 + 60, 1, "100", "30")
    assert (sale, redeemed, estimate) == (3 << 48, Decimal("30.00"), Decimal("3.50"))
    assert till.allowance(1) == Decimal("10.00")  # the terminal's 40, less the 30 spent
    with pytest.raises(loyalty.InsufficientPoints):
        till.order(T0 + 60, 1, "100", "11")
    with pytest.raises(loyalty.TimeWentBackwards):
        till.order(T0, 1, "100")
    with pytest.raises(loyalty.UnknownOrder):
        till.refund(T0 + 60, 2, "10")  # sold online
    with pytest.raises(TypeError):
        till.order(T0 + 60, 1, 10.5)
    till.enroll(T0 + 60, 9, referrer=1)
    assert till.pending == 2
    del till
    with pytest.raises(ValueError):
        loyalty.Terminal(str(tmp_path / "till"), 4)  # another terminal's queue
    till = loyalty.Terminal(str(tmp_path / "till"), 3)
    with pytest.raises(loyalty.TimeWentBackwards):
        till.batch(T0)  # dated before the sale: the centre would refuse it for good
    assert [json.loads(op)["op"] for op in till.batch(T0 + 120)] == ["order", "enroll"]
    assert till.sync(T0 + 120, centre) == 2
    assert till.sync(T0 + 180, centre) == 0  # nothing pending: nothing sent twice
    assert centre.member(1).available == Decimal("23.50")
    assert centre.is_member(9)
    till.refresh(loyalty.Terminal.cache_of(centre))
    assert till.allowance(1) == Decimal("23.50")
    with pytest.raises(loyalty.StoreCorrupt):
        till.refresh("{}")
    centre.verify()


def test_an_offline_refund_stays_within_the_sale(tmp_path: Path) -> None:
    centre = loyalty.Engine(PROGRAM)
    centre.enroll(1, T0, 1)
    till = loyalty.Terminal.create(str(tmp_path / "till"), 5, "till-5", loyalty.Terminal.cache_of(centre))
    sale, _, _ = till.order(T0 + 60, 1, "80")
    till.refund(T0 + 60, sale, "50")
    with pytest.raises(loyalty.RefundExceedsOrder):
        till.refund(T0 + 60, sale, "30.01")  # 30 left
    with pytest.raises(loyalty.InvalidAmount):
        till.refund(T0 + 60, sale, "0")
    till.refund(T0 + 60, sale, "30")
    assert till.pending == 3
    assert till.sync(T0 + 120, centre) == 3
    assert (centre.member(1).available, centre.member(1).qualifying) == (Decimal("0.00"), Decimal("0.00"))


def test_a_sync_through_the_hosts_transport_marks_only_what_was_answered(tmp_path: Path) -> None:
    centre = loyalty.Engine(PROGRAM)
    centre.enroll(1, T0, 1)
    centre.order(2, T0, 1, "1000")  # 50 points
    till = loyalty.Terminal.create(str(tmp_path / "till"), 6, "till-6", loyalty.Terminal.cache_of(centre))
    till.order(T0 + 60, 1, "100", "30")
    till.enroll(T0 + 60, 9)

    def lost(batch: list[str]) -> list[object]:
        for op in batch:  # the centre applied them; the answers never came back
            centre.apply(json.loads(op))
        raise ConnectionError("the answers were lost")

    with pytest.raises(ConnectionError):
        till.sync(T0 + 120, lost)
    assert till.pending == 2 and centre.member(1).available == Decimal("23.50")

    def behind(batch: list[str]) -> list[object]:
        return [loyalty.TimeWentBackwards("the centre's clock is ahead")] * len(batch)

    assert till.sync(T0 + 120, behind) == 0
    with pytest.raises(ValueError):
        till.sync(T0 + 120, lambda batch: [None] * (len(batch) + 1))
    with pytest.raises(TypeError):
        till.sync(T0 + 120, "centre")  # type: ignore[arg-type]
    assert till.pending == 2

    def network(batch: list[str]) -> list[object]:
        answers: list[object] = []
        for op in batch:
            try:
                answers.append(centre.apply(json.loads(op)))
            except loyalty.LoyaltyError as e:
                answers.append(e)
        return answers

    assert till.sync(T0 + 180, network) == 2  # sent again: the centre answers as the first time
    assert till.pending == 0 and centre.member(1).available == Decimal("23.50")
    assert till.sync(T0 + 240, network) == 0
