//! Snapshot files: `snapshot-<records>.json`, a header line then the engine's snapshot JSON.
//!
//! The header is `{"records": n, "crc": c, "journal_bytes": b, "journal_crc": j,
//! "header_crc": h}`: the state after the first `n` records, which span the journal's first
//! `b` bytes (CRC-32 `j`); `c` is the CRC-32 of the snapshot JSON and `h` the CRC-32 of the
//! text `"n c b j"`, so that a damaged header is told from a journal that does not match it.
//! Headers written before `header_crc` existed are read as they are.

use std::fs;
use std::path::{Path, PathBuf};

use loyalty_core::Engine;

use crate::{files, on, StoreError};
use loyalty_core::crc32;

/// A snapshot file that reads back whole.
pub(crate) struct Snapshot {
    pub(crate) records: u64,
    /// The journal prefix it covers: length and CRC-32.
    pub(crate) journal: Option<(u64, u32)>,
    pub(crate) engine: Engine,
}

/// The header and body of a snapshot of `engine` after `records` records spanning
/// `journal_bytes` bytes of CRC-32 `journal_crc`.
pub(crate) fn render(
    engine: &Engine,
    records: u64,
    journal_bytes: u64,
    journal_crc: u32,
) -> String {
    let body = engine.snapshot_json();
    let crc = crc32(body.as_bytes());
    let header_crc = crc32(format!("{records} {crc} {journal_bytes} {journal_crc}").as_bytes());
    format!(
        "{{\"records\":{records},\"crc\":{crc},\"journal_bytes\":{journal_bytes},\
         \"journal_crc\":{journal_crc},\"header_crc\":{header_crc}}}\n{body}"
    )
}

/// The snapshot in `path`, or why it cannot be used (damaged or unreadable): such a snapshot
/// is skipped, never trusted.
pub(crate) fn read(path: &Path) -> Result<Snapshot, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("unreadable: {e}"))?;
    let (header, body) = text.split_once('\n').ok_or("no header line")?;
    let header: serde_json::Value =
        serde_json::from_str(header).map_err(|e| format!("header does not parse: {e}"))?;
    let field = |name: &str| {
        header
            .get(name)
            .and_then(serde_json::Value::as_u64)
            .ok_or(format!("header field {name} missing or not a number"))
    };
    let (records, crc) = (field("records")?, field("crc")?);
    let journal = match (field("journal_bytes"), field("journal_crc")) {
        (Ok(b), Ok(c)) => Some((b, u32::try_from(c).map_err(|_| "journal_crc out of range")?)),
        _ => None,
    };
    if let Some(header_crc) = header.get("header_crc") {
        let (b, j) = journal.ok_or("header_crc without journal_bytes and journal_crc")?;
        let expected = crc32(format!("{records} {crc} {b} {j}").as_bytes());
        if header_crc.as_u64() != Some(u64::from(expected)) {
            return Err("header fails its checksum".to_owned());
        }
    }
    if u64::from(crc32(body.as_bytes())) != crc {
        return Err("body fails its checksum".to_owned());
    }
    let engine = Engine::from_snapshot_json(body).map_err(|e| format!("body refused: {e}"))?;
    Ok(Snapshot {
        records,
        journal,
        engine,
    })
}

/// Every `snapshot-<n>.json` in `dir`, with its `n`.
pub(crate) fn list(dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
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

/// Removes the snapshots of fewer than `records` records.
pub(crate) fn remove_older(dir: &Path, records: u64) -> Result<(), StoreError> {
    for (n, old) in list(dir)? {
        if n < records {
            fs::remove_file(&old).map_err(on(&old))?;
        }
    }
    Ok(())
}
