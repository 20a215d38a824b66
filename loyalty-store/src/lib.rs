//! A crash-safe file store around the pure engine: every accepted operation is appended to a
//! journal file before it is acknowledged, and opening the store replays the journal (from the
//! newest good snapshot, when there is one).
//!
//! Layout of a store directory:
//! - `program.json`: the program the journal starts from;
//! - `journal.log`: records, each `[0xA5][len: u32 LE][crc32(payload): u32 LE][crc32(first 9
//!   bytes): u32 LE][payload: len bytes of JSON]` (a [`JournalRecord`]);
//! - `snapshot-<records>.json`: a header line `{"records": n, "crc": c, "journal_bytes": b,
//!   "journal_crc": j}`, then the engine's snapshot JSON whose CRC-32 is `c`: the state after
//!   the first `n` records, which span the journal's first `b` bytes, whose CRC-32 is `j`;
//!   written to a temporary file and renamed into place;
//! - `lock`: held with an exclusive lock while a store is open, so that one directory has one
//!   writer.
//!
//! Opening: a torn tail (the file ends inside a record, its last record's payload fails its
//! checksum, or only zeros follow the last record — what a power cut mid-write leaves) is
//! truncated back to the last complete record; damage before the tail is
//! [`StoreError::Corrupt`] naming the byte offset, never skipped. A damaged snapshot is ignored
//! and the journal replayed in full; a whole snapshot that the journal does not match (it holds
//! fewer records, or other ones) is [`StoreError::SnapshotMismatch`]: acknowledged records were
//! lost, and mixing the two would silently lose or revive operations.
//!
//! Failures: a write that fails (a full disk, an I/O error, a failed `fsync`) acknowledges
//! nothing. The record's bytes are cut off again, the engine is rebuilt from what the journal
//! holds, and the store refuses every write ([`StoreError::Poisoned`]) until it is reopened.
#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use loyalty_core::{Engine, Error, JournalRecord, Operation, Outcome, Program};

mod crc;
#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod faults;

use crc::{crc32, crc32_extend};

const MARK: u8 = 0xA5;
const HEADER: usize = 13;
const JOURNAL: &str = "journal.log";

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

impl SyncPolicy {
    /// Sync every `n` records, as every binding reads a number: 0 never, 1 every record.
    pub fn every(n: u32) -> SyncPolicy {
        match n {
            0 => SyncPolicy::Never,
            1 => SyncPolicy::EveryRecord,
            n => SyncPolicy::EveryN(n),
        }
    }
}

impl core::fmt::Display for SyncPolicy {
    /// `every_record`, `never`, or the number N of `EveryN(N)`: what `FromStr` reads back.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SyncPolicy::EveryRecord => f.write_str("every_record"),
            SyncPolicy::EveryN(n) => write!(f, "{n}"),
            SyncPolicy::Never => f.write_str("never"),
        }
    }
}

impl core::str::FromStr for SyncPolicy {
    type Err = loyalty_core::Error;

    /// `every_record`, `never`, or a number of records (see [`SyncPolicy::every`]); anything
    /// else is `InvalidInput` naming it.
    fn from_str(text: &str) -> Result<SyncPolicy, loyalty_core::Error> {
        match text {
            "every_record" => Ok(SyncPolicy::EveryRecord),
            "never" => Ok(SyncPolicy::Never),
            n => n.parse::<u32>().map(SyncPolicy::every).map_err(|_| {
                loyalty_core::Error::new(
                    loyalty_core::ErrorKind::InvalidInput,
                    format!("sync {n:?} is 'every_record', 'never' or a number of records"),
                )
            }),
        }
    }
}

/// What can go wrong with a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The engine refused the operation (nothing was written).
    #[error(transparent)]
    Engine(#[from] Error),
    /// The file system failed on `path`.
    #[error("i/o on {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The journal is damaged before its tail.
    #[error("journal damaged at byte {offset}: {reason}")]
    Corrupt { offset: u64, reason: String },
    /// A whole snapshot that the journal does not match.
    #[error("{} does not match {}: {reason}", snapshot.display(), journal.display())]
    SnapshotMismatch {
        snapshot: PathBuf,
        journal: PathBuf,
        reason: String,
    },
    /// Another handle (in this process or another) has the store open.
    #[error("the store {} is open elsewhere (its lock is held)", dir.display())]
    Locked { dir: PathBuf },
    /// An earlier write failed; the store must be reopened to recover its durable prefix.
    #[error("the store failed to write earlier; reopen it")]
    Poisoned,
}

impl StoreError {
    /// The I/O error behind this one, if it is one.
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Names `path` in an I/O error.
fn on(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A store: the engine, its journal file and the sync policy.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    engine: Engine,
    journal: File,
    /// Records, bytes and CRC-32 of the journal as written by this handle.
    records: u64,
    bytes: u64,
    crc: u32,
    sync: SyncPolicy,
    unsynced: u32,
    poisoned: bool,
    /// Write a snapshot every this many records (0: only when asked).
    snapshot_every: u64,
    /// Held for the store's lifetime; dropping it releases the lock.
    _lock: File,
}

impl Store {
    /// Opens the store in `dir`, creating it with `program` if it holds none yet (an existing
    /// store keeps its own program; changes go through `configure` operations).
    pub fn open(dir: &Path, program: &Program, sync: SyncPolicy) -> Result<Store, StoreError> {
        if dir.as_os_str().is_empty() {
            return Err(StoreError::Io {
                path: dir.to_owned(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "empty directory name"),
            });
        }
        fs::create_dir_all(dir).map_err(on(dir))?;
        let lock = lock(dir)?;
        remove_temporary_files(dir)?;
        let program_path = dir.join("program.json");
        if !program_path.exists() {
            write_atomically(dir, &program_path, program.to_json().as_bytes())?;
        }
        let text = fs::read_to_string(&program_path).map_err(on(&program_path))?;
        let program = Program::from_json(&text)?;
        let journal_path = dir.join(JOURNAL);
        let mut journal = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&journal_path)
            .map_err(on(&journal_path))?;
        let mut bytes = Vec::new();
        journal.read_to_end(&mut bytes).map_err(on(&journal_path))?;
        let scan = scan(&bytes)?;
        let good = scan.good_len();
        if good < bytes.len() {
            // A torn tail: drop it so the next append starts on a record boundary.
            journal
                .set_len(good as u64)
                .and_then(|()| journal.sync_all())
                .map_err(on(&journal_path))?;
        }
        let engine = restore(dir, program, &scan, &bytes)?;
        Ok(Store {
            dir: dir.to_owned(),
            engine,
            journal,
            records: scan.records.len() as u64,
            bytes: good as u64,
            crc: crc32(&bytes[..good]),
            sync,
            unsynced: 0,
            poisoned: false,
            snapshot_every: 0,
            _lock: lock,
        })
    }

    /// Applies `op`; when accepted, appends its record (synced per the policy) before returning
    /// the outcome. A refused operation, or a retry of an accepted one, writes nothing. When the
    /// write fails, the operation is not acknowledged and leaves no trace (see the crate docs).
    pub fn apply(&mut self, op: &Operation) -> Result<Outcome, StoreError> {
        self.usable()?;
        // A retry of an accepted id changes nothing, so it needs no record.
        if op.id().is_some_and(|id| self.engine.outcome(id).is_some()) {
            return Ok(self.engine.apply(op)?);
        }
        let record = self.engine.apply_journaled(op)?;
        if let Err(e) = self.append(&record) {
            self.fail_write();
            return Err(e);
        }
        if self.snapshot_every > 0 && self.records.is_multiple_of(self.snapshot_every) {
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

    fn usable(&self) -> Result<(), StoreError> {
        if self.poisoned {
            Err(StoreError::Poisoned)
        } else {
            Ok(())
        }
    }

    fn append(&mut self, record: &JournalRecord) -> Result<(), StoreError> {
        let path = self.dir.join(JOURNAL);
        let payload = serde_json::to_vec(record).map_err(|e| on(&path)(io::Error::other(e)))?;
        let framed = frame(&payload);
        write_out(&mut self.journal, &framed).map_err(on(&path))?;
        let due = match self.sync {
            SyncPolicy::EveryRecord => true,
            SyncPolicy::EveryN(n) => self.unsynced + 1 >= n.max(1),
            SyncPolicy::Never => false,
        };
        if due {
            sync_data(&self.journal).map_err(on(&path))?;
            self.unsynced = 0;
        } else {
            self.unsynced += 1;
        }
        self.records += 1;
        self.bytes += framed.len() as u64;
        self.crc = crc32_extend(self.crc, &framed);
        Ok(())
    }

    /// After a failed append: cut the record's bytes off again (a record whose `fsync` failed
    /// may still reach the disk, and it was never acknowledged), rebuild the engine from the
    /// journal so that queries no longer show the operation, and refuse writes until reopen.
    fn fail_write(&mut self) {
        self.poisoned = true;
        let _ = self
            .journal
            .set_len(self.bytes)
            .and_then(|()| self.journal.sync_all());
        if let Ok(engine) = self.durable_engine() {
            self.engine = engine;
        }
    }

    /// The engine after the records this handle wrote, read back from the directory.
    fn durable_engine(&self) -> Result<Engine, StoreError> {
        let path = self.dir.join(JOURNAL);
        let mut bytes = fs::read(&path).map_err(on(&path))?;
        bytes.truncate(usize::try_from(self.bytes).unwrap_or(usize::MAX));
        let scan = scan(&bytes)?;
        let text = fs::read_to_string(self.dir.join("program.json"))
            .map_err(on(&self.dir.join("program.json")))?;
        restore(&self.dir, Program::from_json(&text)?, &scan, &bytes)
    }

    /// Forces every appended record to disk.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        self.usable()?;
        if let Err(e) = sync_data(&self.journal) {
            // Unsynced records may or may not have reached the disk: reopen to know.
            self.poisoned = true;
            return Err(on(&self.dir.join(JOURNAL))(e));
        }
        self.unsynced = 0;
        Ok(())
    }

    /// Writes a snapshot of the state after every record so far, so that opening can skip
    /// replaying them; older snapshots are removed.
    pub fn snapshot(&mut self) -> Result<PathBuf, StoreError> {
        self.sync()?;
        let engine = self.engine.snapshot_json();
        let body = format!(
            "{{\"records\":{},\"crc\":{},\"journal_bytes\":{},\"journal_crc\":{}}}\n{engine}",
            self.records,
            crc32(engine.as_bytes()),
            self.bytes,
            self.crc,
        );
        let path = self.dir.join(format!("snapshot-{}.json", self.records));
        write_atomically(&self.dir, &path, body.as_bytes())?;
        for (n, old) in snapshots(&self.dir)? {
            if n < self.records {
                fs::remove_file(&old).map_err(on(&old))?;
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
        let path = self.dir.join(JOURNAL);
        let bytes = fs::read(&path).map_err(on(&path))?;
        Ok(scan(&bytes)?.records)
    }
}

/// Takes the store's exclusive lock (advisory, `flock`): a second handle on the same
/// directory, in this process or another, would interleave records and conflict on ids.
fn lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(on(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
            dir: dir.to_owned(),
        }),
        Err(TryLockError::Error(e)) => Err(on(&path)(e)),
    }
}

/// Removes what a write killed half-way left behind (`*.tmp` of [`write_atomically`]): never
/// renamed into place, they hold nothing acknowledged, only disk space.
fn remove_temporary_files(dir: &Path) -> Result<(), StoreError> {
    for (path, name) in files(dir)? {
        let ours = name.starts_with("snapshot-") || name.starts_with("program.");
        if ours && path.extension().is_some_and(|x| x == "tmp") {
            fs::remove_file(&path).map_err(on(&path))?;
        }
    }
    Ok(())
}

/// Every entry of `dir`, with its file name (empty if not UTF-8: never one of ours).
fn files(dir: &Path) -> Result<Vec<(PathBuf, String)>, StoreError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(on(dir))? {
        let path = entry.map_err(on(dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        out.push((path, name));
    }
    Ok(out)
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

/// The complete records of a journal and where each ends.
struct Scan {
    records: Vec<JournalRecord>,
    ends: Vec<usize>,
}

impl Scan {
    /// The length the complete records span (anything after is a torn tail).
    fn good_len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }
}

/// The complete records of a journal and the length they span (anything after is a torn tail).
pub fn read_records(bytes: &[u8]) -> Result<(Vec<JournalRecord>, usize), StoreError> {
    let scan = scan(bytes)?;
    let good = scan.good_len();
    Ok((scan.records, good))
}

fn scan(bytes: &[u8]) -> Result<Scan, StoreError> {
    let mut scan = Scan {
        records: Vec::new(),
        ends: Vec::new(),
    };
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
            if bytes[at..].iter().all(|b| *b == 0) {
                break; // zeros after the last record: space a power cut left unwritten
            }
            return Err(corrupt("record header fails its checksum"));
        }
        let len = u32_at(bytes, at + 1) as usize;
        let end = at + HEADER + len;
        if end > bytes.len() {
            break; // torn inside a payload
        }
        let payload = &bytes[at + HEADER..end];
        if crc32(payload) != u32_at(bytes, at + 5) {
            if end == bytes.len() || bytes[end..].iter().all(|b| *b == 0) {
                break; // the last record was torn
            }
            return Err(corrupt("record payload fails its checksum"));
        }
        let record = serde_json::from_slice(payload)
            .map_err(|e| corrupt(&format!("record does not parse: {e}")))?;
        scan.records.push(record);
        scan.ends.push(end);
        at = end;
    }
    Ok(scan)
}

/// The engine after the scanned records: from the newest snapshot that reads back whole, else
/// from the start.
fn restore(dir: &Path, program: Program, scan: &Scan, bytes: &[u8]) -> Result<Engine, StoreError> {
    let mut found = snapshots(dir)?;
    found.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    for (n, path) in found {
        let Some(snapshot) = read_snapshot(&path) else {
            continue; // damaged: the journal alone rebuilds the state
        };
        if snapshot.records != n {
            continue;
        }
        check_covers(dir, &path, &snapshot, scan, bytes)?;
        let Ok(n) = usize::try_from(n) else { continue };
        let mut engine = snapshot.engine;
        if engine.replay_onto(&scan.records[n..]).is_ok() {
            return Ok(engine);
        }
    }
    Ok(Engine::replay(program, &scan.records)?)
}

/// Whether the journal holds the records a whole snapshot was taken after.
fn check_covers(
    dir: &Path,
    path: &Path,
    snapshot: &Snapshot,
    scan: &Scan,
    bytes: &[u8],
) -> Result<(), StoreError> {
    let mismatch = |reason: String| StoreError::SnapshotMismatch {
        snapshot: path.to_owned(),
        journal: dir.join(JOURNAL),
        reason,
    };
    let held = scan.records.len() as u64;
    if snapshot.records > held {
        return Err(mismatch(format!(
            "the snapshot covers {} records, the journal holds {held}: acknowledged records were lost",
            snapshot.records
        )));
    }
    let Some((journal_bytes, journal_crc)) = snapshot.journal else {
        return Ok(()); // written before snapshots named their journal prefix
    };
    let end = usize::try_from(snapshot.records)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .map_or(0, |last| scan.ends[last]);
    if end as u64 != journal_bytes || crc32(&bytes[..end]) != journal_crc {
        return Err(mismatch(format!(
            "the journal's first {} records are not the ones the snapshot was taken after",
            snapshot.records
        )));
    }
    Ok(())
}

/// A snapshot file that reads back whole.
struct Snapshot {
    records: u64,
    /// The journal prefix it covers: length and CRC-32.
    journal: Option<(u64, u32)>,
    engine: Engine,
}

fn read_snapshot(path: &Path) -> Option<Snapshot> {
    let text = fs::read_to_string(path).ok()?;
    let (header, engine) = text.split_once('\n')?;
    let header: serde_json::Value = serde_json::from_str(header).ok()?;
    let crc = header.get("crc")?.as_u64()?;
    if u64::from(crc32(engine.as_bytes())) != crc {
        return None;
    }
    let journal = match (header.get("journal_bytes"), header.get("journal_crc")) {
        (Some(b), Some(c)) => Some((b.as_u64()?, u32::try_from(c.as_u64()?).ok()?)),
        _ => None,
    };
    Some(Snapshot {
        records: header.get("records")?.as_u64()?,
        journal,
        engine: Engine::from_snapshot_json(engine).ok()?,
    })
}

fn snapshots(dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let mut out = Vec::new();
    for (path, name) in files(dir)? {
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

/// Writes `path` so that it is either absent or whole: a temporary file, synced, renamed. A
/// failed write removes its temporary file (a full disk must not stay full of them).
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    let written = File::create(&tmp).and_then(|mut file| {
        write_out(&mut file, bytes)?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(on(&tmp)(e));
    }
    fs::rename(&tmp, path).map_err(on(path))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(on(dir))
}

/// Writes all of `bytes`; under test, a simulated disk can run out of space part-way.
fn write_out(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    #[cfg(test)]
    if let Some(room) = faults::room_for(bytes.len()) {
        file.write_all(&bytes[..room])?;
        return Err(io::Error::from(io::ErrorKind::StorageFull));
    }
    file.write_all(bytes)
}

/// `fsync` of the journal's data; under test, it can be made to fail.
fn sync_data(file: &File) -> io::Result<()> {
    #[cfg(test)]
    if faults::sync_fails() {
        return Err(io::Error::other("injected fsync failure"));
    }
    file.sync_data()
}
