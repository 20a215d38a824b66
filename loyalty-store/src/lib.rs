//! A crash-safe file store around the pure engine: every accepted operation is appended to a
//! journal file before it is acknowledged, and opening the store replays the journal (from the
//! newest good snapshot, when there is one).
//!
//! Layout of a store directory:
//! - `program.json`: the program the journal starts from;
//! - `journal.log`: checksummed records (the format and the torn-write rule: `frame.rs`);
//! - `snapshot-<records>.json`: a checksummed header line, then the engine's snapshot JSON
//!   (`snapshot_file.rs`), written to a temporary file and renamed into place;
//! - `lock`: held with an exclusive lock while a store is open, so that one directory has one
//!   writer.
//!
//! Opening decides before it writes: the journal is read (streamed, records bounded in
//! length), the state rebuilt and checked, and only then is a torn tail (a short or zero tail,
//! what a power cut mid-write leaves) cut back to the last complete record. Any other damage
//! is [`StoreError::Corrupt`] naming the file and byte, and nothing is written. A damaged
//! snapshot is skipped (replay from an older one or from the start) and reported in
//! [`Store::recovery`]; a whole snapshot that the journal does not match (it holds fewer
//! records, or other ones) is [`StoreError::SnapshotMismatch`]: acknowledged records were lost,
//! and mixing the two would silently lose or revive operations.
//!
//! Failures: a write that fails (a full disk, an I/O error, a failed `fsync`) acknowledges
//! nothing. The record's bytes are cut off again, the engine is rebuilt from what the journal
//! holds, and the store refuses every write ([`StoreError::Poisoned`]) until it is reopened.
//!
//! One process: a handle refuses every write from a process other than the one that opened it
//! ([`StoreError::Forked`]): after `fork()` the child inherits the handle and its lock, and two
//! writers on one journal would acknowledge different records under one id.
#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use loyalty_core::{Engine, Error, JournalRecord, Operation, Outcome, Program};

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod faults;
mod frame;
mod inspect;
#[cfg(test)]
mod integrity_tests;
mod log;
mod snapshot_file;

use frame::{frame, scan, Scan};
pub use inspect::{inspect, Inspection};
pub use log::Log;
use loyalty_core::crc32_extend;

const JOURNAL: &str = "journal.log";
const PROGRAM: &str = "program.json";

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

/// What can go wrong with a store. Each message names the file, what is wrong, and what the
/// operator can do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The engine refused the operation (nothing was written).
    #[error(transparent)]
    Engine(#[from] Error),
    /// The store was given an empty directory name (nothing was created).
    #[error("a store needs a directory: got an empty directory name")]
    NoDirectory,
    /// The file system failed on `path`.
    #[error("i/o on {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The journal is damaged before its tail, or its last record is complete but fails its
    /// checksum (rot, not a torn write). Nothing was written.
    #[error(
        "{} is damaged at byte {offset}: {reason}. Nothing was changed; restore the store from \
         a backup (or keep the records before byte {offset}: see docs/durability.md)",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    /// `program.json` is missing or not a valid program. Nothing was written.
    #[error(
        "{} is not a usable program: {reason}. Nothing was changed; restore it from a backup",
        path.display()
    )]
    BadProgram { path: PathBuf, reason: String },
    /// The journal does not replay from the program to the outcomes it recorded: one of the
    /// two was changed after it was written. Nothing was written.
    #[error(
        "{} does not replay from {}: {reason}. One of them was changed after it was written; \
         nothing was changed, restore both from a backup",
        journal.display(),
        program.display()
    )]
    Diverged {
        journal: PathBuf,
        program: PathBuf,
        reason: String,
    },
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
    #[error(
        "an earlier write to the store failed (disk full or i/o error): it refuses writes until \
         it is reopened, which recovers every acknowledged record"
    )]
    Poisoned,
    /// The handle was opened by another process (this one is a fork of it): writing through
    /// it would interleave two writers on one journal.
    #[error(
        "the store {} was opened by process {opener}, and process {caller} (a fork of it) may \
         not write through that handle: open the store again in this process after the parent \
         closed it",
        dir.display()
    )]
    Forked {
        dir: PathBuf,
        opener: u32,
        caller: u32,
    },
}

impl StoreError {
    /// The I/O error behind this one, if it is one.
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }

    /// Whether the files on disk are damaged or do not agree (journal, snapshot or program):
    /// what bindings report as corruption rather than as bad input.
    pub fn is_corruption(&self) -> bool {
        matches!(
            self,
            StoreError::Corrupt { .. }
                | StoreError::BadProgram { .. }
                | StoreError::Diverged { .. }
                | StoreError::SnapshotMismatch { .. }
        )
    }
}

/// Names `path` in an I/O error.
fn on(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What opening the store found and repaired: a torn tail cut off, snapshots skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// Bytes of a torn tail cut off the journal (0: none).
    pub truncated_bytes: u64,
    /// Snapshots that could not be used, with why; the state was rebuilt without them.
    pub skipped_snapshots: Vec<(PathBuf, String)>,
}

impl Recovery {
    /// One line per finding, for a log.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.truncated_bytes > 0 {
            notes.push(format!(
                "{JOURNAL}: a torn tail of {} bytes (a write cut short) was truncated",
                self.truncated_bytes
            ));
        }
        for (path, why) in &self.skipped_snapshots {
            notes.push(format!("{} skipped: {why}", path.display()));
        }
        notes
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
    /// The process that opened the store: the only one that may write through it.
    pid: u32,
    /// Write a snapshot every this many records (0: only when asked).
    snapshot_every: u64,
    recovery: Recovery,
    /// Held for the store's lifetime; dropping it releases the lock.
    _lock: File,
}

impl Store {
    /// Opens the store in `dir`, creating it with `program` if it holds none yet (an existing
    /// store keeps its own program; changes go through `configure` operations).
    pub fn open(dir: &Path, program: &Program, sync: SyncPolicy) -> Result<Store, StoreError> {
        if dir.as_os_str().is_empty() {
            return Err(StoreError::NoDirectory);
        }
        fs::create_dir_all(dir).map_err(on(dir))?;
        let lock = lock(dir)?;
        remove_temporary_files(dir)?;
        let journal_path = dir.join(JOURNAL);
        let program = load_program(dir, program, &journal_path)?;
        let journal = open_journal(dir, &journal_path)?;
        let len = journal.metadata().map_err(on(&journal_path))?.len();
        let scan = scan(BufReader::new(&journal), len, &journal_path)?;
        let mut recovery = Recovery::default();
        let engine = restore(dir, program, &scan, &mut recovery)?;
        let good = scan.good_len();
        if good < len {
            // A torn tail, and the state is known good: drop it so the next append starts on
            // a record boundary.
            journal
                .set_len(good)
                .and_then(|()| journal.sync_all())
                .map_err(on(&journal_path))?;
            recovery.truncated_bytes = len - good;
        }
        Ok(Store {
            dir: dir.to_owned(),
            engine,
            journal,
            records: scan.records.len() as u64,
            bytes: good,
            crc: scan.crc_of(scan.records.len()),
            sync,
            unsynced: 0,
            poisoned: false,
            pid: std::process::id(),
            snapshot_every: 0,
            recovery,
            _lock: lock,
        })
    }

    /// What opening found and repaired (a torn tail, skipped snapshots).
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
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
        let caller = std::process::id();
        if caller != self.pid {
            return Err(StoreError::Forked {
                dir: self.dir.clone(),
                opener: self.pid,
                caller,
            });
        }
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
        let file = File::open(&path).map_err(on(&path))?;
        let scan = scan(BufReader::new(file.take(self.bytes)), self.bytes, &path)?;
        let program = load_program(&self.dir, self.engine.program(), &path)?;
        restore(&self.dir, program, &scan, &mut Recovery::default())
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
        let body = snapshot_file::render(&self.engine, self.records, self.bytes, self.crc);
        let path = self.dir.join(format!("snapshot-{}.json", self.records));
        write_atomically(&self.dir, &path, body.as_bytes())?;
        snapshot_file::remove_older(&self.dir, self.records)?;
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
        let file = File::open(&path).map_err(on(&path))?;
        let len = file.metadata().map_err(on(&path))?.len();
        Ok(scan(BufReader::new(file), len, &path)?.records)
    }
}

/// The store's program: `program.json`, written from `given` when the store is new. A store
/// whose journal holds records but whose program is gone is refused, never given a new one.
fn load_program(dir: &Path, given: &Program, journal: &Path) -> Result<Program, StoreError> {
    let path = dir.join(PROGRAM);
    let bad = |reason: String| StoreError::BadProgram {
        path: path.clone(),
        reason,
    };
    if !path.exists() {
        if fs::metadata(journal).is_ok_and(|m| m.len() > 0) {
            return Err(bad(format!("missing, while {JOURNAL} holds records")));
        }
        write_atomically(dir, &path, given.to_json().as_bytes())?;
    }
    read_program(dir)
}

/// `program.json` as it is on disk, parsed; never written (a read must not supply one).
pub(crate) fn read_program(dir: &Path) -> Result<Program, StoreError> {
    let path = dir.join(PROGRAM);
    let bad = |reason: String| StoreError::BadProgram {
        path: path.clone(),
        reason,
    };
    let text = fs::read_to_string(&path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            bad("missing: is this a store directory?".to_owned())
        } else {
            bad(format!("unreadable: {e}"))
        }
    })?;
    Program::from_json(&text).map_err(|e| bad(e.message().to_owned()))
}

/// Opens the journal for reading and appending, creating it (and making its directory entry
/// durable) when the store is new. Anything but a regular file is refused.
fn open_journal(dir: &Path, path: &Path) -> Result<File, StoreError> {
    let created = !path.exists();
    let journal = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(on(path))?;
    if !journal.metadata().map_err(on(path))?.is_file() {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            offset: 0,
            reason: "not a regular file".to_owned(),
        });
    }
    if created {
        sync_dir(dir)?;
    }
    Ok(journal)
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

/// The complete records of a journal and the length they span (anything after is a torn
/// tail); damage is [`StoreError::Corrupt`].
pub fn read_records(bytes: &[u8]) -> Result<(Vec<JournalRecord>, usize), StoreError> {
    let scan = scan(bytes, bytes.len() as u64, Path::new(JOURNAL))?;
    let good = usize::try_from(scan.good_len()).unwrap_or(usize::MAX);
    Ok((scan.records, good))
}

/// The engine after the scanned records: from the newest snapshot that reads back whole, else
/// from the start. Skipped snapshots are noted in `recovery`.
fn restore(
    dir: &Path,
    program: Program,
    scan: &Scan,
    recovery: &mut Recovery,
) -> Result<Engine, StoreError> {
    let mut found = snapshot_file::list(dir)?;
    found.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    for (n, path) in found {
        let snapshot = match snapshot_file::read(&path) {
            Ok(s) if s.records == n => s,
            Ok(s) => {
                let why = format!("its header names {} records", s.records);
                recovery.skipped_snapshots.push((path, why));
                continue;
            }
            Err(why) => {
                recovery.skipped_snapshots.push((path, why));
                continue;
            }
        };
        check_covers(dir, &path, &snapshot, scan)?;
        let Ok(n) = usize::try_from(n) else { continue };
        let mut engine = snapshot.engine;
        match engine.replay_onto(&scan.records[n..]) {
            Ok(()) => return Ok(engine),
            Err(e) => recovery.skipped_snapshots.push((
                path,
                format!("the records after it do not replay onto it: {e}"),
            )),
        }
    }
    Engine::replay(program, &scan.records).map_err(|e| StoreError::Diverged {
        journal: dir.join(JOURNAL),
        program: dir.join(PROGRAM),
        reason: e.message().to_owned(),
    })
}

/// Whether the journal holds the records a whole snapshot was taken after.
fn check_covers(
    dir: &Path,
    path: &Path,
    snapshot: &snapshot_file::Snapshot,
    scan: &Scan,
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
    let n = usize::try_from(snapshot.records).unwrap_or(usize::MAX);
    let end = n.checked_sub(1).map_or(0, |last| scan.ends[last]);
    if end != journal_bytes || scan.crc_of(n) != journal_crc {
        return Err(mismatch(format!(
            "the journal's first {} records are not the ones the snapshot was taken after",
            snapshot.records
        )));
    }
    Ok(())
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
    sync_dir(dir)
}

/// Makes the directory's entries (a new or renamed file) durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(test)]
    faults::note_dir_sync(dir);
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
