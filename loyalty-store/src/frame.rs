//! Journal records on disk and the scan that reads them back.
//!
//! A record is `[0xA5][len: u32 LE][crc32(payload): u32 LE][crc32(first 9 bytes): u32 LE]`
//! then `len` bytes of JSON payload (a [`JournalRecord`]).
//!
//! Torn write or rot: a power cut mid-append leaves a *short* tail (the file ends inside a
//! record) or a *zero* tail (the file was extended but the last bytes never reached the disk,
//! so they read back as zeros). Either is cut back to the last complete record. Anything else
//! that fails a checksum — a complete record whose payload checksum fails while its last byte
//! is not zero, a header that fails its own checksum with non-zero bytes after it — is rot
//! (or tampering), and is reported as [`StoreError::Corrupt`], never dropped: the record may
//! have been fsynced and acknowledged.

use std::io::{self, Read};
use std::path::Path;

use loyalty_core::{crc32, crc32_extend, JournalRecord};

use crate::StoreError;

const MARK: u8 = 0xA5;
const HEADER: usize = 13;
/// The largest payload a record may have. A record of the engine is a few kilobytes at most
/// (an order with many lines and a configure with a large program); a header that claims more
/// is damage, and reading it would take memory without bound.
const MAX_RECORD: usize = 16 << 20;

/// A record's bytes on disk.
pub(crate) fn frame(payload: &[u8]) -> Vec<u8> {
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

/// The complete records of a journal (of [`JournalRecord`]s, or of a [`crate::Log`]'s entries),
/// where each ends, and the CRC-32 of the journal up to each end (what a snapshot header names).
pub(crate) struct Scan<T = JournalRecord> {
    pub(crate) records: Vec<T>,
    pub(crate) ends: Vec<u64>,
    pub(crate) crcs: Vec<u32>,
}

impl<T> Default for Scan<T> {
    fn default() -> Scan<T> {
        Scan {
            records: Vec::new(),
            ends: Vec::new(),
            crcs: Vec::new(),
        }
    }
}

impl<T> Scan<T> {
    /// The length the complete records span (anything after is a torn tail).
    pub(crate) fn good_len(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// The CRC-32 of the journal's first `records` records.
    pub(crate) fn crc_of(&self, records: usize) -> u32 {
        records.checked_sub(1).map_or(0, |last| self.crcs[last])
    }
}

/// Reads the `len` bytes of `input` record by record (never more than one record in memory,
/// never more than `len` bytes: a journal that is not a regular file cannot make it read
/// forever). `path` names the file in errors.
pub(crate) fn scan<T: serde::de::DeserializeOwned>(
    mut input: impl Read,
    len: u64,
    path: &Path,
) -> Result<Scan<T>, StoreError> {
    let mut scan = Scan::default();
    let mut at = 0_u64;
    let mut crc = 0_u32;
    let mut payload = Vec::new();
    let io = |e: io::Error| StoreError::Io {
        path: path.to_owned(),
        source: e,
    };
    while at < len {
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.to_owned(),
            offset: at,
            reason,
        };
        let left = len - at;
        if left < HEADER as u64 {
            break; // torn inside a header
        }
        let mut header = [0_u8; HEADER];
        input.read_exact(&mut header).map_err(io)?;
        if header[0] != MARK || crc32(&header[..9]) != u32_at(&header, 9) {
            if header.iter().all(|b| *b == 0)
                && zeros_to_end(&mut input, left - HEADER as u64).map_err(io)?
            {
                break; // zeros after the last record: space a power cut left unwritten
            }
            return Err(corrupt("record header fails its checksum".to_owned()));
        }
        let size = u32_at(&header, 1) as usize;
        if size > MAX_RECORD {
            return Err(corrupt(format!(
                "record length {size} exceeds the limit of {MAX_RECORD} bytes"
            )));
        }
        let end = at + (HEADER + size) as u64;
        if end > len {
            break; // torn inside a payload
        }
        payload.clear();
        payload.resize(size, 0);
        input.read_exact(&mut payload).map_err(io)?;
        if crc32(&payload) != u32_at(&header, 5) {
            let zero_tail = payload.last().is_some_and(|b| *b == 0);
            if zero_tail && zeros_to_end(&mut input, len - end).map_err(io)? {
                break; // the last record's end never reached the disk: torn
            }
            return Err(corrupt(
                "record payload fails its checksum (a complete record: damage, not a torn write)"
                    .to_owned(),
            ));
        }
        let record = serde_json::from_slice(&payload)
            .map_err(|e| corrupt(format!("record does not parse: {e}")))?;
        crc = crc32_extend(crc32_extend(crc, &header), &payload);
        scan.records.push(record);
        scan.ends.push(end);
        scan.crcs.push(crc);
        at = end;
    }
    Ok(scan)
}

/// Whether the next `left` bytes of `input` are all zeros (read in small pieces).
fn zeros_to_end(input: &mut impl Read, left: u64) -> io::Result<bool> {
    let mut buf = [0_u8; 8192];
    let mut left = left;
    while left > 0 {
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        input.read_exact(&mut buf[..n])?;
        if buf[..n].iter().any(|b| *b != 0) {
            return Ok(false);
        }
        left -= n as u64;
    }
    Ok(true)
}
