//! The shared-journal replica without I/O: the protocol by which each process of a shop keeps
//! its engine in step with one journal table (`loyalty-postgres`, `loyalty.postgres`), written
//! once here. The database client runs the queries; [`Replica`] decides what the rows mean:
//! which are this process's own rows in a transaction not known to have ended, whether that
//! transaction committed (its rows are there, under another transaction id) or rolled back
//! (they are gone: their provisional effects are reverted), and that committed rows follow one
//! another and replay to the outcomes they recorded.

use crate::engine::Engine;
use crate::error::Error;
use crate::journal::JournalRecord;
use crate::ops::Operation;
use crate::plan::Provisional;

/// The shared journal's schema (PostgreSQL): programs, the journal table, snapshots.
/// Idempotent. One file (`loyalty-core/sql/journal.sql`), which `loyalty-postgres` and
/// `loyalty.postgres` both create.
pub const JOURNAL_SCHEMA: &str = include_str!("../sql/journal.sql");

/// One row of a catch-up query: the rows after the replica's `seq`.
#[derive(Debug, Clone, Copy)]
pub struct JournalRow<'a> {
    /// Its place in the journal.
    pub seq: i64,
    /// Its operation's digest, as the signed 64 bits a `bigint` stores.
    pub digest: i64,
    /// Its operation's instant.
    pub at: i64,
    /// The record (JSON), for rows after this process's own pending ones (`None` for those:
    /// a long transaction re-reads no records).
    pub record: Option<&'a str>,
    /// Whether this process's own open transaction wrote it.
    pub mine: bool,
}

/// What went wrong keeping a replica: an operation refused by the engine, or a journal that
/// does not hold together (a gap, a row replaying to another outcome, a record that is none).
#[derive(Debug)]
#[non_exhaustive]
pub enum ReplicaError {
    /// The engine refused an operation of this process's own pending rows.
    Engine(Error),
    /// The journal's rows do not hold together; the message names the program and the row.
    Journal(String),
}

impl From<Error> for ReplicaError {
    fn from(e: Error) -> ReplicaError {
        ReplicaError::Engine(e)
    }
}

impl core::fmt::Display for ReplicaError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReplicaError::Engine(e) => e.fmt(f),
            ReplicaError::Journal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ReplicaError {}

/// An operation this process appended in a transaction that has not ended yet: applied to
/// the engine provisionally, so that the same transaction's next operation sees it.
#[derive(Debug)]
struct Pending {
    seq: i64,
    /// The row's identity: after the same rows before it, the same operation at the same
    /// instant has the same outcome (the engine is deterministic).
    digest: i64,
    at: i64,
    provisional: Provisional,
}

/// A process's place in one program's journal: the last committed row its engine holds, and
/// its own rows of a transaction not known to have ended. The engine is the caller's, passed
/// to each call, so that a binding keeps it where its users read it.
///
/// ```
/// use loyalty_core::{Engine, JournalRecord, JournalRow, Operation, Program, Replica};
///
/// let program = Program::from_json(r#"{"tiers": {"levels": [
///     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}}"#)?;
/// let (mut engine, mut replica) = (Engine::new(program)?, Replica::new("falcon", 0));
/// // Another process committed row 1.
/// let op = Operation::from_json(r#"{"op": "enroll", "id": 1, "at": 0, "member": 7}"#)?;
/// let record = JournalRecord::new(op.clone(), Engine::new(engine.program().clone())?.apply(&op)?);
/// let text = serde_json::to_string(&record).unwrap_or_default();
/// let row = JournalRow { seq: 1, digest: op.digest() as i64, at: 0, record: Some(&text), mine: false };
/// assert_eq!(replica.catch_up(&mut engine, None, &[row]).ok(), Some(Some(1)));
/// assert_eq!((replica.seq(), engine.member_count()), (1, 1));
/// # Ok::<(), loyalty_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Replica {
    program: String,
    /// The last committed row applied to the engine.
    seq: i64,
    /// This process's rows in a transaction not known to have ended.
    pending: Vec<Pending>,
    /// That transaction's id.
    pending_xid: Option<String>,
}

impl Replica {
    /// A replica of program `program` whose engine holds the rows up to `seq` (0: none; a
    /// snapshot's `seq` when the engine was loaded from one).
    pub fn new(program: impl Into<String>, seq: i64) -> Replica {
        Replica {
            program: program.into(),
            seq,
            pending: Vec::new(),
            pending_xid: None,
        }
    }

    /// The last committed row the engine holds.
    pub fn seq(&self) -> i64 {
        self.seq
    }

    /// The last row the engine holds, this process's pending ones included: a catch-up asks
    /// for records after it only.
    pub fn ours_end(&self) -> i64 {
        self.seq + self.pending.len() as i64
    }

    /// The `seq` the next appended row takes.
    pub fn next_seq(&self) -> i64 {
        self.ours_end() + 1
    }

    /// Whether this process has rows in a transaction not known to have ended.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Takes in a catch-up's rows (every row after [`Replica::seq`], in order) and the
    /// caller's transaction id (`None` before it wrote). Learns whether this process's own
    /// transaction ended: committed, its rows are there and stay; rolled back, they are gone
    /// and their effects are reverted, and `Ok(None)` asks the caller to query again. Then
    /// applies the rows after its own: `Ok(Some(n))`, how many.
    pub fn catch_up(
        &mut self,
        engine: &mut Engine,
        xid: Option<&str>,
        rows: &[JournalRow<'_>],
    ) -> Result<Option<usize>, ReplicaError> {
        let ours_end = self.ours_end();
        let (ours, fresh): (Vec<&JournalRow<'_>>, Vec<_>) =
            rows.iter().partition(|r| r.seq <= ours_end);
        if !self.pending.is_empty() {
            let kept = ours.len() == self.pending.len()
                && ours
                    .iter()
                    .zip(&self.pending)
                    .all(|(r, p)| (r.seq, r.digest, r.at) == (p.seq, p.digest, p.at));
            if !kept {
                // Rolled back (or never ours): take them back, and read those rows whole.
                self.revert_pending(engine);
                return Ok(None);
            }
            if xid != self.pending_xid.as_deref() {
                // The transaction ended, and its rows are there: committed. They stay.
                self.seq = ours_end;
                self.pending.clear();
                self.pending_xid = None;
            }
        }
        for row in &fresh {
            self.apply_row(engine, row, xid)?;
        }
        Ok(Some(fresh.len()))
    }

    fn apply_row(
        &mut self,
        engine: &mut Engine,
        row: &JournalRow<'_>,
        xid: Option<&str>,
    ) -> Result<(), ReplicaError> {
        let expected = self.next_seq();
        if row.seq != expected {
            return Err(self.fault(&format!("row {} follows row {}", row.seq, expected - 1)));
        }
        let text = row.record.unwrap_or_default();
        let record: JournalRecord = serde_json::from_str(text)
            .map_err(|e| self.fault(&format!("row {} is no journal record: {e}", row.seq)))?;
        if row.mine {
            // Our own open transaction wrote it: keep it provisional until it ends.
            let (outcome, provisional) = engine.apply_provisionally(&record.op)?;
            if outcome != record.outcome {
                engine.revert(provisional);
                return Err(self.replays_otherwise(row.seq, &record));
            }
            self.appended(row.seq, &record.op, provisional, xid.map(str::to_owned));
            return Ok(());
        }
        if !self.pending.is_empty() {
            return Err(self.fault(&format!(
                "committed row {} after this transaction's own rows",
                row.seq
            )));
        }
        // Checked before it changes anything: a refused row leaves the engine as the rows
        // before it left it.
        engine
            .replay_onto(core::slice::from_ref(&record))
            .map_err(|e| self.fault(&format!("row {}: {}", row.seq, e.message())))?;
        self.seq = row.seq;
        Ok(())
    }

    /// Records that this process inserted `op` at `seq` in its transaction `xid` (`None`:
    /// the one already recorded), applied to the engine with `provisional`.
    pub fn appended(
        &mut self,
        seq: i64,
        op: &Operation,
        provisional: Provisional,
        xid: Option<String>,
    ) {
        self.pending.push(Pending {
            seq,
            digest: op.digest() as i64,
            at: op.at(),
            provisional,
        });
        if xid.is_some() {
            self.pending_xid = xid;
        }
    }

    fn revert_pending(&mut self, engine: &mut Engine) {
        while let Some(p) = self.pending.pop() {
            engine.revert(p.provisional);
        }
        self.pending_xid = None;
    }

    fn fault(&self, what: &str) -> ReplicaError {
        ReplicaError::Journal(format!("program {:?}: {what}", self.program))
    }

    fn replays_otherwise(&self, seq: i64, record: &JournalRecord) -> ReplicaError {
        let id = record
            .op
            .id()
            .map(|id| format!(" {id}"))
            .unwrap_or_default();
        self.fault(&format!(
            "row {seq} ({}{id}) replays to another outcome than it recorded",
            record.op.kind()
        ))
    }
}
