//! A crash-safe file store around the pure engine: every accepted operation is appended to a
//! journal file before it is acknowledged, and opening the store replays the journal (from the
//! newest good snapshot, when there is one).
//!
//! Layout of a store directory:
//! - `program.json`: the program the journal starts from;
//! - `journal.log`: records, each `[0xA5][len: u32 LE][crc32(payload): u32 LE][crc32(first 9
//!   bytes): u32 LE][payload: len bytes of JSON]` (a [`JournalRecord`]);
//! - `snapshot-<records>.json`: a header line `{"records": n, "crc": c}`, then the engine's
//!   snapshot JSON whose CRC-32 is `c`: the state after the first `n` records, written to a
//!   temporary file and renamed into place.
//!
//! Opening: a torn tail (the file ends inside a record, or its last record's payload fails its
//! checksum — what a power cut mid-write leaves) is truncated back to the last complete record;
//! damage before the tail is [`StoreError::Corrupt`] naming the byte offset, never skipped. A
//! damaged snapshot is ignored and the journal replayed in full.
#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use loyalty_core::{Engine, Error, JournalRecord, Operation, Outcome, Program};

mod crc;

use crc::crc32;

const MARK: u8 = 0xA5;
const HEADER: usize = 13;

/// When appended records are forced to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// `fsync` after every record: nothing acknowledged is ever lost.
    EveryRecord,
    /// `fsync` after every `n` records: at most `n − 1` acknowledged records can be lost.
    EveryN(u32),
    /// Leave it to the operating system.
    Never,
}

/// What can go wrong with a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine refused the operation (nothing was written).
    #[error(transparent)]
    Engine(#[from] Error),
    /// The file system failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The journal is damaged before its tail.
    #[error("journal damaged at byte {offset}: {reason}")]
    Corrupt { offset: u64, reason: String },
    /// An earlier write failed; the store must be reopened to recover its durable prefix.
    #[error("the store failed to write earlier; reopen it")]
    Poisoned,
}

/// A store: the engine, its journal file and the sync policy.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    engine: Engine,
    journal: File,
    records: u64,
    sync: SyncPolicy,
    unsynced: u32,
    poisoned: bool,
    /// Write a snapshot every this many records (0: only when asked).
    snapshot_every: u64,
}

impl Store {
    /// Opens the store in `dir`, creating it with `program` if it holds none yet (an existing
    /// store keeps its own program; changes go through `configure` operations).
    pub fn open(dir: &Path, program: &Program, sync: SyncPolicy) -> Result<Store, StoreError> {
        fs::create_dir_all(dir)?;
        let program_path = dir.join("program.json");
        if !program_path.exists() {
            write_atomically(dir, &program_path, program.to_json().as_bytes())?;
        }
        let program = Program::from_json(&fs::read_to_string(&program_path)?)?;
        let journal_path = dir.join("journal.log");
        let mut journal = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&journal_path)?;
        let mut bytes = Vec::new();
        journal.read_to_end(&mut bytes)?;
        let (records, good_len) = read_records(&bytes)?;
        if good_len < bytes.len() {
            // A torn tail: drop it so the next append starts on a record boundary.
            journal.set_len(good_len as u64)?;
            journal.sync_all()?;
        }
        let engine = restore(dir, program, &records)?;
        Ok(Store {
            dir: dir.to_owned(),
            engine,
            journal,
            records: records.len() as u64,
            sync,
            unsynced: 0,
            poisoned: false,
            snapshot_every: 0,
        })
    }

    /// Applies `op`; when accepted, appends its record (synced per the policy) before returning
    /// the outcome. A refused operation, or a retry of an accepted one, writes nothing.
    pub fn apply(&mut self, op: &Operation) -> Result<Outcome, StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        // A retry of an accepted id changes nothing, so it needs no record.
        if op.id().is_some_and(|id| self.engine.outcome(id).is_some()) {
            return Ok(self.engine.apply(op)?);
        }
        let record = self.engine.apply_journaled(op)?;
        if let Err(e) = self.append(&record) {
            self.poisoned = true;
            return Err(e);
        }
        if self.snapshot_every > 0 && self.records % self.snapshot_every == 0 {
            // The record is durable already; a failed snapshot only means a longer replay.
            let _ = self.snapshot();
        }
        Ok(record.outcome)
    }

    /// Writes a snapshot every `records` records from now on (0: only when asked), so that
    /// opening replays at most that many records.
    pub fn snapshot_every(&mut self, records: u64) {
        self.snapshot_every = records;
    }

    fn append(&mut self, record: &JournalRecord) -> Result<(), StoreError> {
        let payload = serde_json::to_vec(record).map_err(io::Error::other)?;
        self.journal.write_all(&frame(&payload))?;
        self.records += 1;
        self.unsynced += 1;
        let due = match self.sync {
            SyncPolicy::EveryRecord => true,
            SyncPolicy::EveryN(n) => self.unsynced >= n.max(1),
            SyncPolicy::Never => false,
        };
        if due {
            self.journal.sync_data()?;
            self.unsynced = 0;
        }
        Ok(())
    }

    /// Forces every appended record to disk.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        self.journal.sync_data()?;
        self.unsynced = 0;
        Ok(())
    }

    /// Writes a snapshot of the state after every record so far, so that opening can skip
    /// replaying them; older snapshots are removed.
    pub fn snapshot(&mut self) -> Result<PathBuf, StoreError> {
        self.sync()?;
        let engine = self.engine.snapshot_json();
        let body = format!(
            "{{\"records\":{},\"crc\":{}}}\n{engine}",
            self.records,
            crc32(engine.as_bytes())
        );
        let path = self.dir.join(format!("snapshot-{}.json", self.records));
        write_atomically(&self.dir, &path, body.as_bytes())?;
        for (n, old) in snapshots(&self.dir)? {
            if n < self.records {
                fs::remove_file(old)?;
            }
        }
        Ok(path)
    }

    /// The engine, for queries.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// How many records the journal holds.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Every record of the journal, as read from disk now.
    pub fn read_journal(&self) -> Result<Vec<JournalRecord>, StoreError> {
        let bytes = fs::read(self.dir.join("journal.log"))?;
        Ok(read_records(&bytes)?.0)
    }
}

/// A record's bytes on disk.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.push(MARK);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    let header_crc = crc32(&out);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0_u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// The complete records of a journal and the length they span (anything after is a torn tail).
pub fn read_records(bytes: &[u8]) -> Result<(Vec<JournalRecord>, usize), StoreError> {
    let mut records = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let corrupt = |reason: &str| StoreError::Corrupt {
            offset: at as u64,
            reason: reason.to_owned(),
        };
        if bytes.len() - at < HEADER {
            break; // torn inside a header
        }
        if bytes[at] != MARK || crc32(&bytes[at..at + 9]) != u32_at(bytes, at + 9) {
            return Err(corrupt("record header fails its checksum"));
        }
        let len = u32_at(bytes, at + 1) as usize;
        let end = at + HEADER + len;
        if end > bytes.len() {
            break; // torn inside a payload
        }
        let payload = &bytes[at + HEADER..end];
        if crc32(payload) != u32_at(bytes, at + 5) {
            if end == bytes.len() {
                break; // the last record was torn
            }
            return Err(corrupt("record payload fails its checksum"));
        }
        let record = serde_json::from_slice(payload)
            .map_err(|e| corrupt(&format!("record does not parse: {e}")))?;
        records.push(record);
        at = end;
    }
    Ok((records, at))
}

/// The engine after `records`: from the newest snapshot that reads back whole, else from the
/// start.
fn restore(dir: &Path, program: Program, records: &[JournalRecord]) -> Result<Engine, StoreError> {
    let mut found = snapshots(dir)?;
    found.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    for (n, path) in found {
        let Ok(n) = usize::try_from(n) else { continue };
        if n > records.len() {
            continue;
        }
        if let Some(mut engine) = read_snapshot(&path) {
            if engine.replay_onto(&records[n..]).is_ok() {
                return Ok(engine);
            }
        }
    }
    Ok(Engine::replay(program, records)?)
}

fn read_snapshot(path: &Path) -> Option<Engine> {
    let text = fs::read_to_string(path).ok()?;
    let (header, engine) = text.split_once('\n')?;
    let header: serde_json::Value = serde_json::from_str(header).ok()?;
    let crc = header.get("crc")?.as_u64()?;
    if u64::from(crc32(engine.as_bytes())) != crc {
        return None;
    }
    Engine::from_snapshot_json(engine).ok()
}

fn snapshots(dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(n) = name
            .strip_prefix("snapshot-")
            .and_then(|r| r.strip_suffix(".json"))
            .and_then(|n| n.parse().ok())
        {
            out.push((n, path));
        }
    }
    Ok(out)
}

/// Writes `path` so that it is either absent or whole: a temporary file, synced, renamed.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()?;
    Ok(())
}
