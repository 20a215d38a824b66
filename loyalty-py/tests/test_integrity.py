"""Issue 26 from Python: a forked child cannot write through its parent's store; batch columns
in another byte order or type are refused; a refused journal record changes nothing; binary
snapshots and pickles carry a checksum; store damage is its own exception naming the file;
decimals are plain."""

from __future__ import annotations

import array
import json
import os
import pickle
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import loyalty

np = pytest.importorskip("numpy")

PROGRAM: dict[str, Any] = {
    "tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.05"}]},
}
T0 = 1_767_225_600


def filled(directory: Path, orders: int = 3) -> loyalty.Store:
    store = loyalty.Store(directory, PROGRAM)
    store.apply({"op": "enroll", "id": 1, "at": T0, "member": 7})
    for i in range(orders):
        store.apply({"op": "order", "id": 10 + i, "at": T0 + i, "member": 7, "amount": "100"})
    return store


def test_a_forked_child_cannot_write_through_the_parents_store(tmp_path: Path) -> None:
    store = filled(tmp_path)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: every write is refused, reads answer
        code = 0
        try:
            store.apply({"op": "order", "id": 100, "at": T0 + 10, "member": 7, "amount": "1"})
            code = 1
        except loyalty.StoreForked as e:
            os.write(write, str(e).encode())
        except BaseException:
            code = 2
        if store.member(7).orders != 3:
            code = 3
        os._exit(code)
    os.close(write)
    message = os.read(read, 4096).decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, message
    assert "fork" in message and str(tmp_path) in message
    # The parent goes on; id 100 was never written by the child.
    outcome = store.apply({"op": "order", "id": 100, "at": T0 + 10, "member": 7, "amount": "2"})
    assert outcome.accrued == Decimal("0.10")
    assert len(store.journal()) == 5
    assert issubclass(loyalty.StoreForked, OSError)


def test_batch_columns_must_be_native_int64(tmp_path: Path) -> None:
    engine = loyalty.Engine(PROGRAM)
    engine.enroll(1, T0, member=7)
    ids = np.array([100, 101], dtype=np.int64)
    ats = np.array([T0, T0], dtype=np.int64)
    members = np.array([7, 7], dtype=np.int64)
    cents = np.array([1000, 2000], dtype=np.int64)
    digest = engine.state_digest()
    for bad, fmt in [
        (ids.astype(">i8"), ">"),
        (ids.astype(np.int32), "i"),
        (ids.astype(np.float64), "d"),
        (ids.astype(np.uint64), "L"),
    ]:
        with pytest.raises(TypeError, match=r"ids .*format") as info:
            engine.order_batch_minor(bad, ats, members, cents)
        assert fmt in str(info.value)
        assert engine.state_digest() == digest
    # Strided (non-contiguous) columns are read element by element, correctly.
    wide = np.array([100, -1, 101, -1], dtype=np.int64)[::2]
    assert not wide.flags["C_CONTIGUOUS"]
    result = engine.order_batch_minor(wide, ats, members, cents)
    assert result.accepted == 2 and result.errors == [None, None]
    assert engine.member(7).available == Decimal("1.50")  # 5 % of 10.00 and of 20.00
    assert engine.order_batch_minor(array.array("q", [102]), array.array("q", [T0]),
                                    array.array("q", [7]), array.array("q", [100])).accepted == 1


def test_replay_onto_keeps_nothing_of_a_refused_record() -> None:
    source = loyalty.Engine(PROGRAM)
    journal = [
        source.apply_journaled(op)
        for op in [{"op": "enroll", "id": 1, "at": T0, "member": 7},
                   {"op": "order", "id": 2, "at": T0, "member": 7, "amount": "100"}]
    ]
    engine = loyalty.Engine(PROGRAM)
    engine.replay_onto(journal[:1])
    digest, issued = engine.state_digest(), engine.totals().issued
    doctored = json.loads(journal[1])
    doctored["outcome"] = json.loads(json.dumps(doctored["outcome"]).replace('"5.00"', '"6.00"'))
    with pytest.raises(loyalty.LoyaltyError):
        engine.replay_onto([json.dumps(doctored)])
    assert engine.state_digest() == digest
    assert engine.totals().issued == issued == Decimal("0")
    engine.replay_onto(journal[1:])
    assert engine.state_digest() == source.state_digest()


def test_binary_snapshots_and_pickles_refuse_any_flipped_bit() -> None:
    engine = loyalty.Engine(PROGRAM)
    engine.enroll(1, T0, member=7)
    engine.order(2, T0, member=7, amount="100")
    digest = engine.state_digest()
    data = engine.snapshot_bytes()
    for bit in range(len(data) * 8):
        damaged = bytearray(data)
        damaged[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(loyalty.InvalidInput):
            loyalty.Engine.from_snapshot_bytes(bytes(damaged))
    pickled = pickle.dumps(engine)
    for bit in range(0, len(pickled) * 8, 3):
        damaged = bytearray(pickled)
        damaged[bit // 8] ^= 1 << (bit % 8)
        try:
            loaded = pickle.loads(bytes(damaged))
        except Exception:
            continue
        assert isinstance(loaded, loyalty.Engine) and loaded.state_digest() == digest, f"bit {bit}"
    assert pickle.loads(pickled).state_digest() == digest


def test_store_damage_is_its_own_exception_naming_the_file(tmp_path: Path) -> None:
    store = filled(tmp_path)
    del store
    journal = tmp_path / "journal.log"
    data = bytearray(journal.read_bytes())
    data[-5] ^= 1  # inside the last, complete record: rot, not a torn write
    journal.write_bytes(bytes(data))
    with pytest.raises(loyalty.StoreCorrupt, match="journal.log") as info:
        loyalty.Store(tmp_path, PROGRAM)
    assert isinstance(info.value, OSError) and not isinstance(info.value, loyalty.InvalidInput)
    assert journal.read_bytes() == bytes(data)  # nothing written
    data[-5] ^= 1
    journal.write_bytes(bytes(data[:-3]))  # a torn tail: recovered, and said so
    reopened = loyalty.Store(tmp_path, PROGRAM)
    assert reopened.records == 3
    assert "torn tail" in reopened.recovery[0]
    del reopened
    (tmp_path / "program.json").write_text('{"tiers": ')
    with pytest.raises(loyalty.StoreCorrupt, match="program.json"):
        loyalty.Store(tmp_path, PROGRAM)
    with pytest.raises(OSError, match="^a store needs a directory: got an empty directory name$"):
        loyalty.Store("", PROGRAM)


@pytest.mark.parametrize("text", [" 10", "10 ", "+10", ".5", "5.", "1e3", "1_0"])
def test_decimals_are_plain(text: str) -> None:
    engine = loyalty.Engine(PROGRAM)
    engine.enroll(1, T0, member=7)
    with pytest.raises(loyalty.InvalidAmount, match=re.escape(f"'{text}'")):
        engine.order(2, T0, member=7, amount=text)
    with pytest.raises(loyalty.InvalidAmount, match=re.escape(f"'{text}'")):
        engine.apply({"op": "order", "id": 2, "at": T0, "member": 7, "amount": text})
    assert engine.member(7).orders == 0


def test_huge_integers_and_program_text_are_named_for_what_they_are() -> None:
    engine = loyalty.Engine(PROGRAM)
    engine.enroll(1, T0, member=7)
    huge = 12345678901234567890123456789012345678901
    for call in (lambda: engine.order(2, T0, member=7, amount=huge),
                 lambda: engine.apply({"op": "order", "id": 2, "at": T0, "member": 7, "amount": huge})):
        with pytest.raises(loyalty.InvalidAmount, match=str(huge)):
            call()
    with pytest.raises(loyalty.InvalidConfig):
        loyalty.Engine('[{"tiers": {}}]')
