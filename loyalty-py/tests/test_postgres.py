"""loyalty.postgres against a real PostgreSQL: ``LOYALTY_TEST_PG`` (a DSN), else a throwaway
cluster started with PostgreSQL's own initdb/pg_ctl (scripts/pg-throwaway.sh), else skipped
with a message. CI sets ``LOYALTY_TEST_PG``, so it never skips there."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, NoReturn

import pytest

if os.environ.get("LOYALTY_REQUIRE_PG"):
    import psycopg  # PostgreSQL tests must run: a missing driver is an error, not a skip
else:
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'loyalty[postgres]')")

import loyalty  # noqa: E402
from loyalty.postgres import Journal, JournalError, JournalPool, rows  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-throwaway.sh"
T0 = 1_767_571_200
PROGRAM: dict[str, Any] = {
    "money_scale": 2,
    "points_scale": 2,
    "tiers": {"levels": [
        {"name": "Bunny", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.02"]},
        {"name": "Wolf", "threshold": "500", "accrual_rate": "0.07", "referral_rates": ["0.03"]},
    ]},
}


def no_server(why: str) -> NoReturn:
    """Skips, saying why; fails instead where PostgreSQL tests must run (scripts/test.sh sets
    ``LOYALTY_REQUIRE_PG``, so CI never passes with them skipped)."""
    if os.environ.get("LOYALTY_REQUIRE_PG"):
        pytest.fail(f"{why}; LOYALTY_REQUIRE_PG is set, so PostgreSQL tests must not skip")
    pytest.skip(why)


@pytest.fixture(scope="module")
def dsn() -> Iterator[str]:
    if os.environ.get("LOYALTY_TEST_PG"):
        yield os.environ["LOYALTY_TEST_PG"]
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # the cluster's owner (postgres, when we are root) must reach it
        started = subprocess.run(["bash", str(SCRIPT), "start", tmp + "/pg"], capture_output=True, text=True)
        if started.returncode != 0:
            no_server(f"no PostgreSQL (set LOYALTY_TEST_PG): {started.stderr.strip()}")
        try:
            yield started.stdout.strip()
        finally:
            subprocess.run(["bash", str(SCRIPT), "stop", tmp + "/pg"], capture_output=True)


def fresh(what: str) -> str:
    return f"py-{what}-{os.getpid()}-{time.time_ns()}"


def connect(dsn: str, autocommit: bool = True) -> Any:
    return psycopg.connect(dsn, autocommit=autocommit)


def enroll(i: int, member: int, **extra: Any) -> dict[str, Any]:
    return {"op": "enroll", "id": i, "at": T0, "member": member, **extra}


def order(i: int, member: int, amount: str, at: int = T0, **extra: Any) -> dict[str, Any]:
    return {"op": "order", "id": i, "at": at, "member": member, "amount": amount, **extra}


def test_rejections_and_retries_append_nothing(dsn: str) -> None:
    with connect(dsn) as conn:
        name = fresh("basic")
        journal = Journal(conn, name, PROGRAM)
        journal.append(conn, enroll(1, 7))
        first = journal.append(conn, order(2, 7, "100.00"))
        assert first.accrued == Decimal("5.00")
        with pytest.raises(loyalty.UnknownMember, match="member 8"):
            journal.append(conn, order(3, 8, "1"))
        other = Journal(conn, name, PROGRAM)
        assert other.append(conn, order(2, 7, "100.00")).to_json() == first.to_json()
        with pytest.raises(loyalty.IdConflict):
            other.append(conn, order(2, 7, "1"))
        assert len(list(rows(conn, name))) == 2
        assert journal.read(conn).state_digest() == other.read(conn).state_digest()
        with pytest.raises(JournalError, match=name):
            Journal(conn, name, {**PROGRAM, "name": "Another Club"})


def test_a_rolled_back_transaction_leaves_no_row_and_no_effect(dsn: str) -> None:
    with connect(dsn) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS test_py_shop_orders (program text, id bigint)")
        name = fresh("rollback")
        journal = Journal(conn, name, PROGRAM)
        journal.append(conn, enroll(1, 7))
        journal.append(conn, {"op": "adjust", "id": 2, "at": T0, "member": 7, "points": "50"})
        before = journal.read(conn).state_digest()
        with pytest.raises(RuntimeError, match="the shop failed"):
            with conn.transaction():
                conn.execute("INSERT INTO test_py_shop_orders VALUES (%s, 3)", (name,))
                journal.append(conn, order(3, 7, "100", points="20"))
                assert journal.read(conn).member(7).available == Decimal("34.00")
                raise RuntimeError("the shop failed after the loyalty append")
        assert journal.read(conn).state_digest() == before
        assert len(list(rows(conn, name))) == 2
        shop = conn.execute("SELECT count(*) FROM test_py_shop_orders WHERE program = %s", (name,)).fetchone()
        assert shop == (0,)
        with conn.transaction():
            conn.execute("INSERT INTO test_py_shop_orders VALUES (%s, 3)", (name,))
            journal.append(conn, order(3, 7, "100", points="20"))
        assert journal.read(conn).member(7).available == Decimal("34.00")
        assert journal.seq == 3


def test_a_savepoint_rolled_back_inside_an_open_transaction_takes_its_operations_back(dsn: str) -> None:
    # Without autocommit, psycopg's transaction() inside the implicit transaction is a savepoint.
    with connect(dsn, autocommit=False) as conn:
        name = fresh("savepoint")
        journal = Journal(conn, name, PROGRAM)
        journal.append(conn, enroll(1, 7))
        with pytest.raises(RuntimeError):
            with conn.transaction():
                journal.append(conn, order(2, 7, "100"))
                raise RuntimeError("rolled back to the savepoint")
        journal.append(conn, order(3, 7, "200"))
        assert journal.read(conn).member(7).available == Decimal("10.00")
        conn.commit()
        assert [json.loads(r)["op"]["id"] for r in rows(conn, name)] == [1, 3]
        assert journal.read(conn).state_digest() == loyalty.Engine.replay(PROGRAM, rows(conn, name)).state_digest()
        assert journal.seq == 2


def test_now_never_goes_backwards_but_an_explicit_time_does(dsn: str) -> None:
    with connect(dsn) as conn:
        journal = Journal(conn, fresh("time"), PROGRAM)
        journal.append(conn, {"op": "enroll", "id": 1, "at": T0 + 100, "member": 1})
        late = {"op": "enroll", "id": 2, "at": T0 + 50, "member": 2}
        with pytest.raises(loyalty.TimeWentBackwards):
            journal.append(conn, late)
        journal.append_now(conn, late, T0 + 50)
        assert json.loads(list(rows(conn, journal.name))[1])["op"]["at"] == T0 + 100


def test_a_snapshot_and_the_rows_after_it_rebuild_the_replica(dsn: str) -> None:
    with connect(dsn) as conn:
        name = fresh("snapshot")
        journal = Journal(conn, name, PROGRAM)
        journal.append(conn, enroll(1, 1))
        journal.append(conn, order(2, 1, "300"))
        assert journal.snapshot(conn) == 2
        journal.append(conn, {"op": "refund", "id": 3, "at": T0 + 5, "order": 2, "amount": "100"})
        fresh_replica = Journal(conn, name, PROGRAM)
        assert fresh_replica.seq == 3
        assert fresh_replica.engine.state_digest() == journal.engine.state_digest()
        assert loyalty.Engine.replay(PROGRAM, rows(conn, name)).state_digest() == journal.engine.state_digest()


def test_threads_of_a_pool_share_one_journal(dsn: str) -> None:
    with connect(dsn) as setup:
        name = fresh("pool")
        pool = JournalPool(setup, name, PROGRAM)
        with pool.session() as journal:
            for m in range(1, 11):
                journal.append(setup, enroll(m, m))
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            with connect(dsn, autocommit=False) as conn:
                for i in range(50):
                    with pool.session() as journal, conn.transaction():
                        journal.append_now(conn, order(1000 * (t + 1) + i, 1 + i % 10, "10.00"), T0)
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with connect(dsn) as conn:
        records = list(rows(conn, name))
        assert len(records) == 10 + 4 * 50
        with pool.session() as journal:
            assert journal.read(conn).state_digest() == loyalty.Engine.replay(PROGRAM, records).state_digest()


def test_a_rust_writer_and_a_python_writer_converge(dsn: str) -> None:
    """The Rust crate and this module write one program at the same time: both replicas, and a
    fresh replay of the table, reach the same state digest."""
    writer = os.environ.get("LOYALTY_PG_WRITER_BIN")
    if not writer:
        pytest.skip("LOYALTY_PG_WRITER_BIN (cargo build --release -p loyalty-postgres --example pg_writer) is not set")
    name = fresh("mixed")
    program = json.dumps(PROGRAM)
    with connect(dsn) as conn:
        journal = Journal(conn, name, program)
        for m in range(1, 51):
            journal.append(conn, enroll(m, m))
        rust = subprocess.Popen([writer, dsn, name, program, "write", "1000000", "600", "50"], stdout=subprocess.PIPE, text=True)
        accepted = 0
        for i in range(600):
            try:
                journal.append_now(conn, order(2_000_000 + i, 1 + i % 50, f"{10 + i % 90}.50"), T0 + i)
                accepted += 1
            except loyalty.LoyaltyError:
                pass
        out, _ = rust.communicate(timeout=300)
        assert rust.returncode == 0, out
        assert accepted == 600 and "accepted 600" in out, out
        records = list(rows(conn, name))
        assert len(records) == 50 + 1200
        replayed = loyalty.Engine.replay(PROGRAM, records).state_digest()
        assert journal.read(conn).state_digest() == replayed
        digest = subprocess.run([writer, dsn, name, program, "digest"], capture_output=True, text=True, check=True)
        assert digest.stdout.split()[1] == str(replayed), digest.stdout
        # The two writers raced for seqs: both appended throughout, not one after the other.
        seqs_python = [i for i, r in enumerate(records) if json.loads(r)["op"]["id"] >= 2_000_000]
        assert seqs_python[0] < 50 + 600 and seqs_python[-1] > 50 + 600, "the writers did not interleave"


def test_the_schema_is_the_cores_one_file() -> None:
    crate = Path(__file__).resolve().parents[2] / "loyalty-core" / "sql" / "journal.sql"
    if not crate.exists():
        pytest.skip("not in a checkout of the repository")
    from loyalty.postgres import SCHEMA

    assert SCHEMA == crate.read_text()


def test_a_damaged_snapshot_or_a_deleted_row_is_refused_naming_program_and_seq(dsn: str) -> None:
    """Issue 26, item 4: the snapshot's checksum and digest are checked on load, and the journal
    must still hold every row the snapshot covers."""
    with connect(dsn) as conn:
        name = fresh("damaged")
        journal = Journal(conn, name, PROGRAM)
        journal.append(conn, enroll(1, 1))
        journal.append(conn, order(2, 1, "300"))
        assert journal.snapshot(conn) == 2
        good = bytes(conn.execute("SELECT state FROM loyalty_snapshots WHERE program = %s", (name,)).fetchone()[0])
        for bit in range(0, len(good) * 8, 17):
            damaged = bytearray(good)
            damaged[bit // 8] ^= 1 << (bit % 8)
            conn.execute("UPDATE loyalty_snapshots SET state = %s WHERE program = %s", (bytes(damaged), name))
            with pytest.raises(JournalError, match=rf"{name!r}.*seq 2"):
                Journal(conn, name, PROGRAM)
        conn.execute("UPDATE loyalty_snapshots SET state = %s, digest = digest + 1 WHERE program = %s", (good, name))
        with pytest.raises(JournalError, match="digest"):
            Journal(conn, name, PROGRAM)
        conn.execute("UPDATE loyalty_snapshots SET digest = digest - 1 WHERE program = %s", (name,))
        assert Journal(conn, name, PROGRAM).engine.state_digest() == journal.engine.state_digest()
        conn.execute("DELETE FROM loyalty_journal WHERE program = %s AND seq = 1", (name,))
        with pytest.raises(JournalError, match="deleted"):
            Journal(conn, name, PROGRAM)


def test_a_refused_row_leaves_the_replica_as_it_was(dsn: str) -> None:
    """Issue 26, item 5: replay_onto refuses a doctored row before it changes anything."""
    with connect(dsn) as conn:
        name = fresh("doctored")
        journal = Journal(conn, name, PROGRAM)
        journal.append(conn, enroll(1, 1))
        behind = Journal(conn, name, PROGRAM)
        journal.append(conn, order(2, 1, "300"))
        conn.execute(
            "UPDATE loyalty_journal SET record = replace(record::text, '\"15.00\"', '\"16.00\"')::json "
            "WHERE program = %s AND seq = 2",
            (name,),
        )
        digest = behind.engine.state_digest()
        with pytest.raises(JournalError, match="row 2"):
            behind.catch_up(conn)
        assert behind.engine.state_digest() == digest
        assert behind.engine.totals().issued == Decimal("0")
        assert behind.seq == 1
