//! Issue 26: forked writers, open deciding before it writes, checksummed snapshot headers,
//! rot told from torn writes, the journal's directory entry, bounded reads, and messages that
//! name the file.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::Path;

use crate::fault_tests::{filled, op, program, scratch};
use crate::{faults, read_records, Store, StoreError, SyncPolicy, JOURNAL};

/// The byte offset where the last record of `journal` starts.
fn last_record_start(journal: &[u8]) -> usize {
    let (records, _) = read_records(journal).unwrap();
    (0..journal.len())
        .rev()
        .find(|n| read_records(&journal[..*n]).unwrap().0.len() < records.len())
        .map(|n| read_records(&journal[..n]).unwrap().1)
        .unwrap()
}

/// Item 1: a handle refuses every write from a process other than its opener (what a fork
/// child is); reads still answer. (The Python and C suites fork for real.)
#[test]
fn a_handle_refuses_writes_from_another_process() {
    let dir = scratch("fork");
    let mut store = filled(&dir, 3);
    let before = fs::read(dir.join(JOURNAL)).unwrap();
    store.pid = store.pid.wrapping_add(1);
    for result in [
        store.apply(&op(3)).map(|_| ()),
        store.sync(),
        store.snapshot().map(|_| ()),
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, StoreError::Forked { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("fork") && text.contains(&dir.display().to_string()),
            "{text}"
        );
    }
    assert_eq!(store.engine().member(1).unwrap().orders, 2);
    assert_eq!(fs::read(dir.join(JOURNAL)).unwrap(), before);
    let _ = fs::remove_dir_all(&dir);
}

/// Item 2: an open that fails has written nothing — here a torn tail under a snapshot that
/// covers the torn record (acknowledged records lost): the tail stays for the operator.
#[test]
fn a_failed_open_writes_nothing() {
    let dir = scratch("decide");
    let mut store = filled(&dir, 6);
    store.snapshot().unwrap();
    drop(store);
    let journal = fs::read(dir.join(JOURNAL)).unwrap();
    let cut = &journal[..journal.len() - 3];
    fs::write(dir.join(JOURNAL), cut).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap_err();
    assert!(
        matches!(err, StoreError::SnapshotMismatch { .. }),
        "{err:?}"
    );
    assert_eq!(
        fs::read(dir.join(JOURNAL)).unwrap(),
        cut,
        "open wrote before it refused"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Item 7: every single-bit flip of a snapshot's header is a damaged snapshot, skipped and
/// reported: the store opens from the journal alone, to the same state.
#[test]
fn a_flipped_bit_in_a_snapshot_header_skips_the_snapshot() {
    let dir = scratch("header");
    let mut store = filled(&dir, 5);
    let path = store.snapshot().unwrap();
    let digest = store.engine().state_digest();
    drop(store);
    let text = fs::read(&path).unwrap();
    let header_len = text.iter().position(|b| *b == b'\n').unwrap();
    for bit in 0..header_len * 8 {
        let mut damaged = text.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        fs::write(&path, &damaged).unwrap();
        let store = Store::open(&dir, &program(), SyncPolicy::Never)
            .unwrap_or_else(|e| panic!("flip of header bit {bit}: {e}"));
        assert_eq!(
            store.engine().state_digest(),
            digest,
            "flip of header bit {bit}"
        );
        let changed_meaning = damaged[..header_len] != text[..header_len];
        if changed_meaning && !store.recovery().skipped_snapshots.is_empty() {
            assert!(store.recovery().notes()[0].contains("skipped"));
        }
    }
    // A body flip is caught by the body's checksum, and reported.
    let mut damaged = text.clone();
    damaged[header_len + 20] ^= 4;
    fs::write(&path, &damaged).unwrap();
    let store = Store::open(&dir, &program(), SyncPolicy::Never).unwrap();
    assert_eq!(store.engine().state_digest(), digest);
    assert_eq!(store.recovery().skipped_snapshots.len(), 1);
    assert!(
        store.recovery().notes()[0].contains("checksum"),
        "{:?}",
        store.recovery()
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Item 8: a complete last record that fails its checksum is rot, reported with the file and
/// byte, and nothing is dropped; a short tail is still a torn write.
#[test]
fn a_flipped_bit_in_the_last_record_is_corruption_not_a_torn_write() {
    let dir = scratch("rot");
    let store = filled(&dir, 4);
    drop(store);
    let journal = fs::read(dir.join(JOURNAL)).unwrap();
    let start = last_record_start(&journal);
    for bit in start * 8..journal.len() * 8 {
        let mut damaged = journal.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        fs::write(dir.join(JOURNAL), &damaged).unwrap();
        match Store::open(&dir, &program(), SyncPolicy::Never) {
            Err(e @ StoreError::Corrupt { offset, .. }) => {
                assert_eq!(offset as usize, start, "bit {bit}");
                assert!(e.to_string().contains(JOURNAL), "{e}");
            }
            other => panic!("flip of bit {bit} of the last record: {other:?}"),
        }
        assert_eq!(
            fs::read(dir.join(JOURNAL)).unwrap(),
            damaged,
            "bit {bit}: bytes changed"
        );
    }
    fs::write(dir.join(JOURNAL), &journal[..journal.len() - 1]).unwrap();
    let store = Store::open(&dir, &program(), SyncPolicy::Never).unwrap();
    assert_eq!(store.records(), 3);
    assert_eq!(
        store.recovery().truncated_bytes as usize,
        journal.len() - 1 - start
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Item 9: creating the journal makes its directory entry durable.
#[test]
fn creating_the_journal_syncs_its_directory() {
    let dir = scratch("dirsync");
    let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert!(
        faults::dir_syncs()
            .iter()
            .any(|(d, journal)| d == &dir && *journal),
        "{:?}",
        faults::dir_syncs()
    );
    drop(store);
    let _ = fs::remove_dir_all(&dir);
}

/// Item 10: a journal that is not a regular file, or a header claiming a huge record, is an
/// error at once, not a read without end.
#[test]
fn reading_the_journal_is_bounded() {
    let dir = scratch("bounded");
    drop(filled(&dir, 2));
    fs::remove_file(dir.join(JOURNAL)).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join(JOURNAL)).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::Never).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    fs::remove_file(dir.join(JOURNAL)).unwrap();
    // A well-formed header that claims 1 GiB.
    let mut header = vec![0xA5];
    header.extend_from_slice(&(1_u32 << 30).to_le_bytes());
    header.extend_from_slice(&0_u32.to_le_bytes());
    let crc = loyalty_core::crc32(&header);
    header.extend_from_slice(&crc.to_le_bytes());
    header.extend_from_slice(&[7; 64]);
    fs::write(dir.join(JOURNAL), &header).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::Never).unwrap_err();
    assert!(err.to_string().contains("exceeds the limit"), "{err}");
    assert_eq!(fs::read(dir.join(JOURNAL)).unwrap(), header);
    let _ = fs::remove_dir_all(&dir);
}

/// Item 11: each message names the file, what is wrong, and what to do.
#[test]
fn errors_name_the_file_and_the_remedy() {
    let dir = scratch("messages");
    drop(filled(&dir, 3));
    let program_path = dir.join("program.json");
    let good = fs::read_to_string(&program_path).unwrap();
    // A tampered program: the journal no longer replays from it.
    fs::write(&program_path, good.replace("0.05", "0.06")).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::Never).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, StoreError::Diverged { .. }) && err.is_corruption(),
        "{err:?}"
    );
    assert!(
        text.contains("program.json") && text.contains(JOURNAL),
        "{text}"
    );
    assert!(
        text.contains("(order 1)") && !text.contains("Some("),
        "{text}"
    );
    assert!(text.contains("backup"), "{text}");
    // A truncated program.
    fs::write(&program_path, &good[..good.len() / 2]).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::Never).unwrap_err();
    assert!(matches!(err, StoreError::BadProgram { .. }), "{err:?}");
    assert!(err.to_string().contains("program.json") && err.to_string().contains("backup"));
    // A missing program beside a journal with records: refused, and not written anew.
    fs::remove_file(&program_path).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::Never).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    assert!(!program_path.exists());
    fs::write(&program_path, &good).unwrap();
    // A damaged journal names its path and byte.
    let mut journal = fs::read(dir.join(JOURNAL)).unwrap();
    journal[20] ^= 1;
    fs::write(dir.join(JOURNAL), &journal).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::Never).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&dir.join(JOURNAL).display().to_string()),
        "{text}"
    );
    assert!(text.contains("at byte 0") && err.is_corruption(), "{text}");
    // An empty directory name is said to be one (not "i/o on : …").
    let err = Store::open(Path::new(""), &program(), SyncPolicy::Never).unwrap_err();
    assert!(matches!(err, StoreError::NoDirectory), "{err:?}");
    assert!(
        err.to_string().starts_with("a store needs a directory"),
        "{err}"
    );
    let _ = fs::remove_dir_all(&dir);
}
