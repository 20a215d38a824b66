//! Durability building blocks, still pure (no I/O): the journal record of an accepted
//! operation, replay, snapshots of the whole state, and a member's statement.
//!
//! A host persists each [`JournalRecord`] (as JSON, one per line, say) before acknowledging
//! the operation; after a restart, [`Engine::replay`] rebuilds exactly the same state, which
//! [`Engine::state_digest`] proves. A snapshot lets a restart skip most of the replay.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::crc32;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind};
use crate::ids::MemberId;
use crate::ops::Operation;
use crate::outcome::{Account, Outcome};
use crate::program::Program;

/// The journal format this engine writes; it reads this version and older.
pub const JOURNAL_VERSION: u32 = 1;

/// The snapshot format this engine writes; it reads this version and older. Version 2 files
/// idempotency entries compactly (a plain order's level change as level indices), which an
/// engine reading only version 1 would misread, so it refuses them.
pub const SNAPSHOT_VERSION: u32 = 2;

/// One accepted operation: what was asked, and what it did (effect and postings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalRecord {
    /// The format version ([`JOURNAL_VERSION`] when written by this engine).
    pub version: u32,
    /// The operation as it was applied.
    pub op: Operation,
    /// What it did.
    pub outcome: Outcome,
}

impl JournalRecord {
    /// The record of `op` accepted with `outcome` (as [`Engine::apply_journaled`] gives it).
    pub fn new(op: Operation, outcome: Outcome) -> JournalRecord {
        JournalRecord {
            version: JOURNAL_VERSION,
            op,
            outcome,
        }
    }
}

#[derive(Serialize)]
struct SnapshotOut<'a> {
    version: u32,
    engine: &'a Engine,
}

#[derive(Deserialize)]
struct SnapshotIn {
    version: u32,
    engine: Engine,
}

/// One line of a member's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatementLine {
    /// When the operation happened.
    pub at: i64,
    /// The operation's kind (`"order"`, `"refund"`, `"tick"`, …).
    pub operation: String,
    /// The operation's id (`None` for a tick).
    pub id: Option<u64>,
    /// What moved: `"accrual"`, `"commission"`, `"pending"`, `"released"`, `"spent"`,
    /// `"returned"`, `"clawback"`, `"expired"`, `"sent"`, `"received"`, `"fee"`, `"adjustment"`,
    /// `"reward"`.
    pub what: String,
    /// The change to available points (0 for a pending credit).
    #[serde(with = "crate::serde_decimal")]
    pub available_change: Decimal,
    /// The change to pending points.
    #[serde(with = "crate::serde_decimal")]
    pub pending_change: Decimal,
    /// The member's points after this line: available, and held in open holds (a hold moves
    /// nothing between accounts, SPEC 9.1, so it makes no line).
    #[serde(with = "crate::serde_decimal")]
    pub balance: Decimal,
}

fn newer(version: u32, known: u32, what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("{what} version {version} is newer than this engine reads ({known})"),
    )
}

impl Engine {
    /// Applies `op` and returns the journal record to persist for it.
    pub fn apply_journaled(&mut self, op: &Operation) -> Result<JournalRecord, Error> {
        let outcome = self.apply_ref(op)?.clone();
        Ok(JournalRecord {
            version: JOURNAL_VERSION,
            op: op.clone(),
            outcome,
        })
    }

    /// Rebuilds an engine from its program and its journal: every record must apply and give
    /// the outcome it recorded.
    pub fn replay<'a>(
        program: Program,
        records: impl IntoIterator<Item = &'a JournalRecord>,
    ) -> Result<Engine, Error> {
        Engine::new(program)?.replayed(records)
    }

    /// This state with journal records applied on top (after a snapshot, say): every record
    /// must apply and give the outcome it recorded. Takes the engine, so that one refused
    /// record leaves no half-replayed state behind; [`Engine::replay_onto`] is the in-place
    /// form, record by record.
    pub fn replayed<'a>(
        mut self,
        records: impl IntoIterator<Item = &'a JournalRecord>,
    ) -> Result<Engine, Error> {
        for (n, record) in records.into_iter().enumerate() {
            check_version(record)?;
            let outcome = self
                .apply_ref(&record.op)
                .map_err(|e| does_not_apply(n, record, &e))?;
            if *outcome != record.outcome {
                return Err(another_outcome(n, record));
            }
        }
        Ok(self)
    }

    /// Applies journal records on top of this state, in order. Each record is checked before
    /// it changes anything: a record that does not apply, or would give another outcome than
    /// it recorded, is refused and leaves the engine as the records before it left it.
    pub fn replay_onto<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a JournalRecord>,
    ) -> Result<(), Error> {
        for (n, record) in records.into_iter().enumerate() {
            check_version(record)?;
            let planned = self
                .plan(&record.op)
                .map_err(|e| does_not_apply(n, record, &e))?;
            if planned != record.outcome {
                return Err(another_outcome(n, record));
            }
            self.apply_ref(&record.op)
                .map_err(|e| does_not_apply(n, record, &e))?;
        }
        Ok(())
    }

    /// The whole state as JSON: program, clock, members and their lots, order records, the
    /// idempotency index, the time index and the engagement state.
    pub fn snapshot_json(&self) -> String {
        serde_json::to_string(&SnapshotOut {
            version: SNAPSHOT_VERSION,
            engine: self,
        })
        .unwrap_or_default()
    }

    /// The whole state in a compact binary form: `LYS1`, the CRC-32 of the rest (u32, little
    /// endian), then CBOR. The checksum makes any damage in storage or transport an error
    /// rather than another state.
    pub fn snapshot_bytes(&self) -> Vec<u8> {
        let mut out = BINARY_SNAPSHOT_MAGIC.to_vec();
        out.extend_from_slice(&[0; 4]);
        let _ = ciborium::into_writer(
            &SnapshotOut {
                version: SNAPSHOT_VERSION,
                engine: self,
            },
            &mut out,
        );
        let crc = crc32(&out[8..]);
        out[4..8].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Restores a state written by [`Engine::snapshot_bytes`], with the checks of
    /// [`Engine::from_snapshot_json`]; a checksum that fails is `InvalidInput`. Bytes without
    /// the `LYS1` mark are read as the plain CBOR that versions before it wrote.
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Engine, Error> {
        let cbor = match bytes.strip_prefix(BINARY_SNAPSHOT_MAGIC.as_slice()) {
            Some(rest) => {
                let (crc, cbor) = rest.split_at_checked(4).ok_or_else(|| {
                    Error::new(ErrorKind::InvalidInput, "snapshot cut short (no checksum)")
                })?;
                if crc32(cbor).to_le_bytes() != crc {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!(
                            "snapshot of {} bytes fails its checksum: damaged in storage or transport",
                            bytes.len()
                        ),
                    ));
                }
                cbor
            }
            None => bytes,
        };
        let snapshot: SnapshotIn = ciborium::from_reader(cbor)
            .map_err(|e| Error::new(ErrorKind::InvalidInput, format!("malformed snapshot: {e}")))?;
        if snapshot.version > SNAPSHOT_VERSION {
            return Err(newer(snapshot.version, SNAPSHOT_VERSION, "snapshot"));
        }
        checked(snapshot.engine)
    }

    /// Restores a state written by [`Engine::snapshot_json`]; refuses a newer version, a
    /// malformed snapshot, or one whose ledger does not balance.
    pub fn from_snapshot_json(text: &str) -> Result<Engine, Error> {
        let version = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("version").and_then(serde_json::Value::as_u64))
            .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "not a snapshot (no version)"))?;
        if version > u64::from(SNAPSHOT_VERSION) {
            return Err(newer(
                u32::try_from(version).unwrap_or(u32::MAX),
                SNAPSHOT_VERSION,
                "snapshot",
            ));
        }
        let snapshot: SnapshotIn = serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorKind::InvalidInput, format!("malformed snapshot: {e}")))?;
        checked(snapshot.engine)
    }
}

fn check_version(record: &JournalRecord) -> Result<(), Error> {
    if record.version > JOURNAL_VERSION {
        return Err(newer(record.version, JOURNAL_VERSION, "journal record"));
    }
    Ok(())
}

/// The operation of a record, for messages: `order 2`, `tick`.
fn named(record: &JournalRecord) -> String {
    match record.op.id() {
        Some(id) => format!("{} {id}", record.op.kind()),
        None => record.op.kind().to_string(),
    }
}

fn does_not_apply(n: usize, record: &JournalRecord, e: &Error) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("journal record {n} ({}) does not apply: {e}", named(record)),
    )
}

fn another_outcome(n: usize, record: &JournalRecord) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "journal record {n} ({}) replays to another outcome than it recorded",
            named(record)
        ),
    )
}

/// The mark of a checksummed binary snapshot. Its first byte is no CBOR map, so that bytes
/// written before the mark existed are told apart.
const BINARY_SNAPSHOT_MAGIC: [u8; 4] = *b"LYS1";

/// A restored engine, if its program is valid and its ledger balances.
fn checked(engine: Engine) -> Result<Engine, Error> {
    engine.program.validate()?;
    engine.check_structure().map_err(|m| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("snapshot is inconsistent: {m}"),
        )
    })?;
    engine.verify().map_err(|m| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("snapshot does not balance: {m}"),
        )
    })?;
    Ok(engine)
}

/// Member `member`'s history from journal records, with a running balance of the member's
/// points (available and held): what an auditor or a customer's account page shows. Records of retries (an id seen
/// before) are skipped: they moved nothing.
pub fn statement<'a>(
    member: MemberId,
    records: impl IntoIterator<Item = &'a JournalRecord>,
) -> Vec<StatementLine> {
    let mut lines = Vec::new();
    let mut balance = Decimal::ZERO;
    let mut seen = std::collections::HashSet::new();
    for record in records {
        // A retry's record repeats the original's outcome; it moved nothing.
        if record.op.id().is_some_and(|id| !seen.insert(id)) {
            continue;
        }
        for p in &record.outcome.postings {
            let (available_change, pending_change) = match (p.from, p.to) {
                (Account::Pending(m), Account::Available(n)) if m == member && n == member => {
                    (p.points, -p.points)
                }
                (_, Account::Available(m)) if m == member => (p.points, Decimal::ZERO),
                (Account::Available(m), _) if m == member => (-p.points, Decimal::ZERO),
                (_, Account::Pending(m)) if m == member => (Decimal::ZERO, p.points),
                (Account::Pending(m), _) if m == member => (Decimal::ZERO, -p.points),
                _ => continue,
            };
            balance += available_change;
            lines.push(StatementLine {
                at: record.op.at(),
                operation: record.op.kind().to_owned(),
                id: record.op.id(),
                what: describe(&record.op, member, p.from, p.to).to_owned(),
                available_change,
                pending_change,
                balance,
            });
        }
    }
    lines
}

/// A word for what a posting did to `member`.
fn describe(op: &Operation, member: MemberId, from: Account, to: Account) -> &'static str {
    let buyer = matches!(op, Operation::Order(o) if o.member == member);
    match (from, to) {
        (Account::Pending(_), Account::Available(_)) => "released",
        (Account::Issued, Account::Pending(_) | Account::Available(_))
            if matches!(op, Operation::Order(_)) && !buyer =>
        {
            "commission"
        }
        (Account::Issued, Account::Pending(_)) => "pending",
        (Account::Issued, _) if buyer => "accrual",
        (Account::Issued, _) if matches!(op, Operation::Adjust(_)) => "adjustment",
        (Account::Issued, _) => "reward",
        (_, Account::Issued) if matches!(op, Operation::Adjust(_)) => "adjustment",
        (_, Account::Issued) => "clawback",
        (_, Account::Redeemed) => "spent",
        (Account::Redeemed, _) => "returned",
        (_, Account::Expired) => "expired",
        (_, Account::Fees) => "fee",
        (Account::Available(_), Account::Available(m)) if m == member => "received",
        (Account::Available(_), Account::Available(_)) => "sent",
        _ => "other",
    }
}
