//! Reading a store without writing to it: what the `loyalty` command line shows an operator or
//! an auditor. Nothing is created, truncated, locked or removed, so a damaged store stays as
//! it was found for whoever repairs it, and a store in use by its writer can be read beside it.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use loyalty_core::{Engine, JournalRecord, Program};

use crate::frame::scan;
use crate::{on, read_program, restore, Recovery, StoreError, JOURNAL};

/// A store as read from disk, without a write: its state (from the newest good snapshot and
/// the records after it), every complete record, and what a writer opening it would repair.
#[derive(Debug)]
#[non_exhaustive]
pub struct Inspection {
    /// The store's directory.
    pub dir: PathBuf,
    /// The program the journal starts from (`program.json`).
    pub program: Program,
    /// The state after every complete record.
    pub engine: Engine,
    /// Every complete record of the journal, in order.
    pub records: Vec<JournalRecord>,
    /// Skipped snapshots, and in `truncated_bytes` the torn tail a writer would cut off
    /// (nothing was cut: this is a read).
    pub recovery: Recovery,
}

/// Reads the store in `dir` without writing anything. A directory without `program.json` is
/// [`StoreError::BadProgram`]; damage is reported as [`crate::Store::open`] reports it.
pub fn inspect(dir: &Path) -> Result<Inspection, StoreError> {
    if dir.as_os_str().is_empty() {
        return Err(StoreError::NoDirectory);
    }
    if !dir.is_dir() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory");
        return Err(on(dir)(missing));
    }
    let program = read_program(dir)?;
    let journal_path = dir.join(JOURNAL);
    let (scanned, len) = match File::open(&journal_path) {
        Ok(file) => {
            let len = file.metadata().map_err(on(&journal_path))?.len();
            (scan(BufReader::new(file), len, &journal_path)?, len)
        }
        // A store created but never written to: no records.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (scan(&[][..], 0, &journal_path)?, 0),
        Err(e) => return Err(on(&journal_path)(e)),
    };
    let mut recovery = Recovery::default();
    let engine = restore(dir, program.clone(), &scanned, &mut recovery)?;
    recovery.truncated_bytes = len - scanned.good_len();
    Ok(Inspection {
        dir: dir.to_owned(),
        program,
        engine,
        records: scanned.records,
        recovery,
    })
}
