"""PostgreSQL as the shared, durable journal of a program (psycopg 3).

Every process keeps a :class:`Journal`: a replica of the engine that catches up on the journal
rows after its last ``seq`` before it answers or plans. :meth:`Journal.append` plans the
operation on the replica; a rejected one raises the usual exception and is not journaled; an
accepted one is inserted at ``seq + 1`` *in the caller's transaction*, so that the shop's own
order row and the loyalty operation commit together or not at all. If another process took that
``seq`` first, the replica catches up and plans again (``INSERT … ON CONFLICT DO NOTHING``: the
caller's transaction is never aborted by the race). The protocol, the schema and the figures are
in docs/postgres.md; the Rust crate ``loyalty-postgres`` writes the same rows.

>>> import psycopg, loyalty.postgres                                      # doctest: +SKIP
>>> conn = psycopg.connect("host=127.0.0.1 user=postgres dbname=test")    # doctest: +SKIP
>>> journal = loyalty.postgres.Journal(conn, "falcon", program)            # doctest: +SKIP
>>> with conn.transaction():                                               # doctest: +SKIP
...     conn.execute("INSERT INTO shop_orders (id, amount) VALUES (2, 1000)")
...     journal.append(conn, {"op": "order", "id": 2, "at": now, "member": 7, "amount": "1000"})

A connection must be at the ``READ COMMITTED`` isolation level (PostgreSQL's default). One
``Journal`` serves one thread at a time; :class:`JournalPool` shares one per process behind a
lock for a connection pool's threads.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Final, Iterator, Mapping, Optional, Sequence

import psycopg

from . import _config
from ._loyalty import JOURNAL_SCHEMA, Engine, Outcome, Replica

#: The schema: the core's one file (``loyalty-core/sql/journal.sql``), which the Rust crate
#: creates too. Idempotent.
SCHEMA = JOURNAL_SCHEMA

_RELATIONS = ["loyalty_programs", "loyalty_journal", "loyalty_journal_op_id", "loyalty_snapshots"]
_SCHEMA_LOCK = 0x6C6F_7961_6C74_7901

_CATCH_UP: Final = """
SELECT x.xid, j.seq, CASE WHEN j.seq > %(ours_end)s THEN j.record::text END,
       (j.xmin = pg_current_xact_id_if_assigned()::xid) IS TRUE, j.digest, j.at
FROM (SELECT pg_current_xact_id_if_assigned()::text AS xid) x
LEFT JOIN LATERAL (
    SELECT seq, record, xmin, digest, at FROM loyalty_journal
    WHERE program = %(program)s AND seq > %(seq)s ORDER BY seq
) j ON true"""

_APPEND: Final = """
INSERT INTO loyalty_journal (program, seq, op_id, op_kind, digest, at, record)
VALUES (%s, %s, %s::numeric, %s, %s, %s, %s::json)
ON CONFLICT DO NOTHING
RETURNING pg_current_xact_id()::text"""


def _latest_snapshot(conn: psycopg.Connection[Any], name: str) -> Optional[tuple[Engine, int]]:
    """The latest snapshot of program `name` and the seq it covers, checked: it loads (its
    checksum holds), its state digest is the one recorded beside it, and the journal still
    holds every row it covers (a deleted row would leave a replica a permanent gap)."""
    row = conn.execute(
        "SELECT seq, state, digest::text FROM loyalty_snapshots WHERE program = %s ORDER BY seq DESC LIMIT 1",
        (name,),
    ).fetchone()
    if row is None:
        return None
    seq = int(row[0])
    advice = "delete that snapshot row to start from an older one or from the journal"
    try:
        engine = Engine.from_snapshot_bytes(bytes(row[1]))
    except ValueError as e:
        raise JournalError(f"program {name!r}: the snapshot at seq {seq} does not load: {e}; {advice}") from None
    if str(engine.state_digest()) != row[2]:
        raise JournalError(
            f"program {name!r}: the snapshot at seq {seq} is damaged: its state digest is "
            f"{engine.state_digest()}, {row[2]} was recorded; {advice}"
        )
    held = conn.execute(
        "SELECT count(*) FROM loyalty_journal WHERE program = %s AND seq <= %s", (name, seq)
    ).fetchone()
    if held is None or int(held[0]) != seq:
        raise JournalError(
            f"program {name!r}: the journal holds {held[0] if held else 0} of the rows 1..={seq} that the "
            f"snapshot at seq {seq} covers: rows were deleted; restore them from a backup"
        )
    return engine, seq


class JournalError(RuntimeError):
    """The journal holds something this replica cannot follow (a gap in ``seq``, a record that
    does not replay to its outcome, a program stored with another definition)."""


def install(conn: psycopg.Connection[Any]) -> None:
    """Creates the schema if it is missing (idempotent; concurrent first uses take turns)."""
    present = conn.execute(
        "SELECT count(*) FROM pg_class WHERE relname = ANY(%s) AND pg_table_is_visible(oid)",
        (_RELATIONS,),
    ).fetchone()
    if present is not None and present[0] == len(_RELATIONS):
        return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        conn.execute(SCHEMA.encode())


class Journal:
    """One process's replica of program ``name``, whose journal is a PostgreSQL table.

    Opening creates the schema if missing, registers the program with ``program`` as its
    starting definition on first use (another definition under the same name raises
    :class:`JournalError`), then loads the latest snapshot and the rows after it."""

    def __init__(self, conn: psycopg.Connection[Any], name: str, program: _config.ProgramSource) -> None:
        install(conn)
        definition = _config.program_json(program)
        wanted = Engine(definition)
        conn.execute(
            "INSERT INTO loyalty_programs (program, definition) VALUES (%s, %s::jsonb) ON CONFLICT DO NOTHING",
            (name, definition),
        )
        row = conn.execute("SELECT definition::text FROM loyalty_programs WHERE program = %s", (name,)).fetchone()
        assert row is not None  # inserted just above if it was missing
        if Engine(row[0]).program != wanted.program:
            raise JournalError(f"program {name!r} is registered with another starting definition: {row[0]}")
        self.name = name
        latest = _latest_snapshot(conn, name)
        self.engine: Engine = latest[0] if latest else wanted
        #: The protocol's state: the core's (``loyalty_core::Replica``), as the Rust crate's.
        self._replica = Replica(name, latest[1] if latest else 0)
        #: How many appends found their ``seq`` taken and planned again.
        self.conflicts = 0
        self.catch_up(conn)

    @property
    def seq(self) -> int:
        """The last committed row applied to the replica."""
        return self._replica.seq

    def catch_up(self, conn: psycopg.Connection[Any]) -> int:
        """Applies the rows committed since the last catch-up, and learns whether this process's
        own transaction ended (committed: its rows stay; rolled back: they are reverted).
        Returns how many rows it applied."""
        while True:
            params = {"program": self.name, "seq": self._replica.seq, "ours_end": self._replica.ours_end}
            rows = conn.execute(_CATCH_UP, params).fetchall()
            xid: Optional[str] = rows[0][0] if rows else None
            found = [(r[1], r[4], r[5], r[2], r[3]) for r in rows if r[1] is not None]
            try:
                applied = self._replica.catch_up(self.engine, xid, found)
            except RuntimeError as e:
                raise JournalError(str(e)) from None
            if applied is not None:  # None: our transaction rolled back, read again
                return applied

    def read(self, conn: psycopg.Connection[Any]) -> Engine:
        """Catches up, then gives the replica to read (this process's open transaction included)."""
        self.catch_up(conn)
        return self.engine

    def plan(self, conn: psycopg.Connection[Any], operation: Mapping[str, Any]) -> Outcome:
        """The outcome ``operation`` would have now (or its exception), without appending it."""
        self.catch_up(conn)
        return self.engine.plan(operation)

    def append(self, conn: psycopg.Connection[Any], operation: Mapping[str, Any]) -> Outcome:
        """Appends ``operation`` (a dict in its JSON form) in ``conn``'s transaction (or at once
        on an autocommit connection). A rejected operation raises its exception and is not
        journaled; a retry of an accepted id returns the original outcome and appends nothing."""
        return self._append(conn, operation, None)

    def append_now(self, conn: psycopg.Connection[Any], operation: Mapping[str, Any], now: int) -> Outcome:
        """As :meth:`append`, with ``at`` the later of ``now`` and the journal's clock, so that
        hosts whose clocks differ slightly never see ``TimeWentBackwards``."""
        return self._append(conn, operation, now)

    def _append(self, conn: psycopg.Connection[Any], operation: Mapping[str, Any], now: Optional[int]) -> Outcome:
        op = dict(operation)
        while True:
            self.catch_up(conn)
            if now is not None:
                clock = self.engine.clock
                op["at"] = now if clock is None else max(now, clock)
            provisional = self.engine.apply_provisionally(op)
            if provisional.is_retry:
                return provisional.outcome
            seq = self._replica.next_seq
            try:
                row = conn.execute(
                    _APPEND,
                    (self.name, seq, provisional.id, provisional.kind, provisional.digest, provisional.at,
                     provisional.record),
                ).fetchone()
            except BaseException:
                self.engine.revert(provisional)
                raise
            if row is None:
                self.engine.revert(provisional)
                self.conflicts += 1
                continue
            self._replica.appended(seq, provisional, row[0])
            return provisional.outcome

    def snapshot(self, conn: psycopg.Connection[Any]) -> int:
        """Writes a snapshot of the committed state; a new process starts from the latest one.
        Returns the ``seq`` it covers. Not inside a transaction that appended."""
        self.catch_up(conn)
        if self._replica.has_pending:
            raise JournalError("a snapshot is taken outside a transaction that appended")
        conn.execute(
            "INSERT INTO loyalty_snapshots (program, seq, state, digest) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (self.name, self.seq, self.engine.snapshot_bytes(), self.engine.state_digest()),
        )
        return self.seq


class JournalPool:
    """One :class:`Journal` per process shared by the threads of a connection pool: each call
    takes the journal's lock for its duration, with the caller's connection.

    >>> pool = JournalPool(conn, "falcon", program)                      # doctest: +SKIP
    >>> with db_pool.connection() as conn, conn.transaction():           # doctest: +SKIP
    ...     with pool.session() as journal:
    ...         journal.append(conn, operation)
    """

    def __init__(self, conn: psycopg.Connection[Any], name: str, program: _config.ProgramSource) -> None:
        self._journal = Journal(conn, name, program)
        self._lock = threading.RLock()

    def session(self) -> "_Session":
        """The journal, for one thread, until the ``with`` block ends. Hold it across a whole
        transaction that appends (one transaction at a time per journal)."""
        return _Session(self._journal, self._lock)


class _Session:
    def __init__(self, journal: Journal, lock: threading.RLock) -> None:
        self._journal = journal
        self._lock = lock

    def __enter__(self) -> Journal:
        self._lock.acquire()
        return self._journal

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def rows(conn: psycopg.Connection[Any], name: str) -> Iterator[str]:
    """The journal records of program ``name``, in order, as JSON lines (for a replay or an audit)."""
    for (text,) in conn.execute(
        "SELECT record::text FROM loyalty_journal WHERE program = %s ORDER BY seq", (name,)
    ):
        yield text


__all__: Sequence[str] = ["Journal", "JournalError", "JournalPool", "SCHEMA", "install", "rows"]
