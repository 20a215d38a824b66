"""Journal records, replay, snapshots, statements and the file store, from Python."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import loyalty
from conftest import DAY, FALCON, T0

OPS = [
    {"op": "enroll", "id": 1, "at": T0, "member": 1},
    {"op": "enroll", "id": 2, "at": T0, "member": 2, "referrer": 1},
    {"op": "order", "id": 3, "at": T0, "member": 2, "amount": "1000"},
    {"op": "order", "id": 4, "at": T0 + DAY, "member": 2, "amount": "100", "points": "30"},
    {"op": "refund", "id": 5, "at": T0 + 2 * DAY, "order": 3, "amount": Decimal("500")},
]


def test_replay_rebuilds_the_same_state() -> None:
    engine = loyalty.Engine(FALCON)
    journal = [engine.apply_journaled(op) for op in OPS]
    assert json.loads(journal[2])["op"]["op"] == "order"
    replayed = loyalty.Engine.replay(FALCON, journal)
    assert replayed.state_digest() == engine.state_digest()
    assert loyalty.Engine.replay(FALCON, [json.loads(line) for line in journal]).state_digest() == engine.state_digest()
    restored = loyalty.Engine.from_snapshot_json(engine.snapshot_json())
    assert restored.state_digest() == engine.state_digest()
    binary = engine.snapshot_bytes()
    assert isinstance(binary, bytes) and len(binary) < len(engine.snapshot_json())
    assert loyalty.Engine.from_snapshot_bytes(binary).state_digest() == engine.state_digest()
    assert restored.member(2).available == engine.member(2).available
    lines = loyalty.statement(2, journal)
    assert [line["what"] for line in lines] == ["accrual", "spent", "accrual", "clawback"]
    assert Decimal(lines[-1]["balance"]) == engine.member(2).available


def test_damaged_journals_and_snapshots_raise() -> None:
    engine = loyalty.Engine(FALCON)
    journal = [engine.apply_journaled(op) for op in OPS]
    newer = json.loads(journal[0])
    newer["version"] = 2
    with pytest.raises(loyalty.InvalidInput, match="newer"):
        loyalty.Engine.replay(FALCON, [newer])
    with pytest.raises(loyalty.InvalidInput):
        loyalty.Engine.replay(FALCON, ["{not json"])
    with pytest.raises(loyalty.InvalidInput):
        loyalty.Engine.from_snapshot_json(engine.snapshot_json()[:100])
    with pytest.raises(loyalty.InvalidInput):
        loyalty.Engine.from_snapshot_bytes(engine.snapshot_bytes()[:100])


def test_a_doctored_snapshot_is_refused_naming_what_is_wrong() -> None:
    engine = loyalty.Engine(FALCON)
    for op in OPS:
        engine.apply(op)
    doctored = json.loads(engine.snapshot_json())
    doctored["engine"]["members"][1]["referrer"] = 99  # the totals still balance
    with pytest.raises(loyalty.InvalidInput, match="referrer.*99"):
        loyalty.Engine.from_snapshot_json(json.dumps(doctored))


def test_an_empty_store_path_is_refused_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OSError, match="empty directory name"):
        loyalty.Store("", FALCON)
    assert list(tmp_path.iterdir()) == []


def test_the_store_survives_reopening(tmp_path: Path) -> None:
    store = loyalty.Store(tmp_path, FALCON)
    for op in OPS[:4]:
        store.apply(op)
    store.snapshot()
    store.apply(OPS[4])
    with pytest.raises(loyalty.UnknownMember):
        store.apply({"op": "order", "id": 6, "at": T0 + 2 * DAY, "member": 9, "amount": "1"})
    digest, records, available = store.state_digest(), store.records, store.member(2).available
    assert available == Decimal("-12.90")  # 30 earned, 30 spent, 2.10 earned, 15 clawed back
    del store
    again = loyalty.Store(tmp_path, FALCON, sync="never")
    assert (again.state_digest(), again.records) == (digest, records) == (digest, 5)
    assert again.member(2).available == available
    assert len(again.journal()) == 5
    # One writer per directory: a second handle is refused while the first is open.
    with pytest.raises(OSError, match="lock"):
        loyalty.Store(tmp_path, FALCON)
    del again
    # A torn tail (a write cut short) is dropped on opening.
    journal = tmp_path / "journal.log"
    journal.write_bytes(journal.read_bytes()[:-3])
    torn = loyalty.Store(tmp_path, FALCON, sync=10)
    assert torn.records == 4
    with pytest.raises(loyalty.InvalidInput):
        loyalty.Store(tmp_path, FALCON, sync="sometimes")


def test_engines_pickle_and_copy_through_the_binary_snapshot() -> None:
    import copy
    import pickle

    engine = loyalty.Engine(FALCON)
    for op in OPS:
        engine.apply(op)
    for twin in (pickle.loads(pickle.dumps(engine)), copy.copy(engine), copy.deepcopy(engine)):
        assert twin.state_digest() == engine.state_digest()
        assert twin.member(2).available == engine.member(2).available
    # A copy is a branch: what happens to it leaves the original as it was.
    branch, before = copy.copy(engine), engine.state_digest()
    branch.order(10, T0 + 3 * DAY, 2, "400")
    assert branch.state_digest() != before == engine.state_digest()
    assert branch.member(2).orders == engine.member(2).orders + 1
