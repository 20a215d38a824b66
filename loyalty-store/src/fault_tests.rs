//! The store under injected faults (a disk that fills up part-way through a write, a failing
//! `fsync`) and under damage a crash or an operator leaves: nothing unacknowledged persists,
//! nothing acknowledged vanishes.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use loyalty_core::{Engine, Operation, Program};

use crate::faults::{set_room, set_sync_fails};
use crate::{read_records, Store, StoreError, SyncPolicy, JOURNAL};

pub(crate) fn program() -> Program {
    Program::from_json(
        r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.05"}]}}"#,
    )
    .unwrap()
}

/// Operation `i`: member 1 enrols, then orders 100.00 each.
pub(crate) fn op(i: u64) -> Operation {
    let json = if i == 0 {
        r#"{"op": "enroll", "id": 0, "at": 0, "member": 1}"#.to_owned()
    } else {
        format!(r#"{{"op": "order", "id": {i}, "at": {i}, "member": 1, "amount": "100"}}"#)
    };
    Operation::from_json(&json).unwrap()
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loyalty-faults-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

pub(crate) fn filled(dir: &Path, n: u64) -> Store {
    let mut store = Store::open(dir, &program(), SyncPolicy::EveryRecord).unwrap();
    for i in 0..n {
        store.apply(&op(i)).unwrap();
    }
    store
}

fn issued(store: &Store) -> String {
    store.engine().totals().issued.to_string()
}

/// Issue 15, items 1 and 2: the disk fills up in the middle of a record.
#[test]
fn a_write_that_fails_part_way_acknowledges_nothing_and_changes_nothing() {
    for room in [0, 5, 13, 40] {
        let dir = scratch(&format!("full-{room}"));
        let mut store = filled(&dir, 5);
        let digest = store.engine().state_digest();
        set_room(Some(room));
        let failed = store.apply(&op(5));
        set_room(None);
        let err = failed.unwrap_err();
        assert_eq!(
            err.io_error().map(io::Error::kind),
            Some(io::ErrorKind::StorageFull)
        );
        assert!(err.to_string().contains(JOURNAL), "{err}");
        // Queries do not show the refused operation.
        assert_eq!(store.engine().state_digest(), digest);
        assert_eq!(issued(&store), "20.00");
        // Nothing more is written until the store is reopened: no snapshot of a doubtful state.
        assert!(matches!(store.snapshot(), Err(StoreError::Poisoned)));
        assert!(matches!(store.apply(&op(6)), Err(StoreError::Poisoned)));
        assert!(matches!(store.sync(), Err(StoreError::Poisoned)));
        drop(store);
        let mut store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
        assert_eq!(store.records(), 5);
        assert_eq!(store.engine().state_digest(), digest);
        // The id was never acknowledged: applying it again journals it now.
        store.apply(&op(5)).unwrap();
        drop(store);
        let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
        assert_eq!((store.records(), issued(&store)), (6, "25.00".to_owned()));
        let _ = fs::remove_dir_all(&dir);
    }
}

/// A record whose `fsync` failed may be in the page cache, whole: it was not acknowledged, so
/// it is cut off again.
#[test]
fn a_failed_fsync_takes_the_record_back() {
    let dir = scratch("fsync");
    let mut store = filled(&dir, 3);
    let len = fs::metadata(dir.join(JOURNAL)).unwrap().len();
    set_sync_fails(true);
    assert!(store.apply(&op(3)).unwrap_err().io_error().is_some());
    set_sync_fails(false);
    assert_eq!(fs::metadata(dir.join(JOURNAL)).unwrap().len(), len);
    assert_eq!(issued(&store), "10.00");
    drop(store);
    let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert_eq!((store.records(), issued(&store)), (3, "10.00".to_owned()));
    let _ = fs::remove_dir_all(&dir);
}

/// Issue 15, item 3: a snapshot proves records existed; a journal without them is an error.
#[test]
fn a_journal_shorter_than_its_snapshot_or_other_than_it_is_an_error() {
    let dir = scratch("stale");
    let mut store = filled(&dir, 10);
    store.snapshot().unwrap();
    for i in 10..12 {
        store.apply(&op(i)).unwrap();
    }
    drop(store);
    let journal = fs::read(dir.join(JOURNAL)).unwrap();
    let (records, _) = read_records(&journal).unwrap();
    assert_eq!(records.len(), 12);
    // Cut to 8 records.
    let mut cut = journal.clone();
    let eight = (1..journal.len())
        .find(|n| read_records(&journal[..*n]).unwrap().0.len() == 8)
        .unwrap();
    let nine = (eight..journal.len())
        .find(|n| read_records(&journal[..*n]).unwrap().0.len() == 9)
        .unwrap();
    cut.truncate(nine - 1);
    let (kept, good) = read_records(&cut).unwrap();
    assert_eq!(kept.len(), 8);
    cut.truncate(good);
    fs::write(dir.join(JOURNAL), &cut).unwrap();
    match Store::open(&dir, &program(), SyncPolicy::EveryRecord) {
        Err(e @ StoreError::SnapshotMismatch { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("snapshot-10.json") && text.contains(JOURNAL),
                "{text}"
            );
            assert!(
                text.contains("covers 10 records") && text.contains("holds 8"),
                "{text}"
            );
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // As many records as the snapshot, but other ones: also an error, never a silent mix.
    let other_dir = scratch("stale-other");
    let mut other = Store::open(&other_dir, &program(), SyncPolicy::EveryRecord).unwrap();
    other.apply(&op(0)).unwrap();
    for i in 1..12 {
        let json =
            format!(r#"{{"op": "order", "id": {i}, "at": {i}, "member": 1, "amount": "7"}}"#);
        other.apply(&Operation::from_json(&json).unwrap()).unwrap();
    }
    drop(other);
    fs::copy(other_dir.join(JOURNAL), dir.join(JOURNAL)).unwrap();
    let err = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap_err();
    assert!(
        matches!(err, StoreError::SnapshotMismatch { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not the ones"), "{err}");
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&other_dir);
}

/// Issue 15, item 4: one writer per directory.
#[test]
fn a_second_handle_on_one_directory_is_refused() {
    let dir = scratch("lock");
    let first = filled(&dir, 2);
    match Store::open(&dir, &program(), SyncPolicy::EveryRecord) {
        Err(e @ StoreError::Locked { .. }) => {
            assert!(e.to_string().contains(&*dir.to_string_lossy()), "{e}");
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(first);
    let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert_eq!(store.records(), 2);
    let _ = fs::remove_dir_all(&dir);
}

/// Issue 15, item 5: temporary files do not outlive a failure or a kill.
#[test]
fn temporary_files_are_removed_on_failure_and_on_open() {
    let dir = scratch("tmp");
    let mut store = filled(&dir, 3);
    set_room(Some(10));
    let failed = store.snapshot();
    set_room(None);
    assert!(failed.unwrap_err().io_error().is_some());
    let names = || -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(), ["journal.log", "lock", "program.json"]);
    // A failed snapshot leaves the journal whole: the store goes on.
    store.apply(&op(3)).unwrap();
    drop(store);
    // What a kill mid-snapshot leaves behind.
    fs::write(dir.join("snapshot-4.tmp"), b"half a snap").unwrap();
    fs::write(dir.join("program.tmp"), b"{").unwrap();
    let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert_eq!(store.records(), 4);
    assert_eq!(names(), ["journal.log", "lock", "program.json"]);
    let _ = fs::remove_dir_all(&dir);
}

/// Issue 15, item 6: zeros after the last record are a torn tail, whatever their length.
#[test]
fn a_zero_filled_tail_is_truncated() {
    let dir = scratch("zeros");
    let store = filled(&dir, 4);
    let digest = store.engine().state_digest();
    drop(store);
    let journal = fs::read(dir.join(JOURNAL)).unwrap();
    for zeros in [1, 12, 13, 14, 100, 4096] {
        let mut bytes = journal.clone();
        bytes.resize(journal.len() + zeros, 0);
        fs::write(dir.join(JOURNAL), &bytes).unwrap();
        let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
        assert_eq!(store.records(), 4, "{zeros} zeros");
        assert_eq!(store.engine().state_digest(), digest);
        drop(store);
        assert_eq!(fs::read(dir.join(JOURNAL)).unwrap(), journal);
    }
    // Zeros followed by anything else are damage, not a tail.
    let mut bytes = journal.clone();
    bytes.extend_from_slice(&[0; 20]);
    bytes.push(1);
    fs::write(dir.join(JOURNAL), &bytes).unwrap();
    assert!(matches!(
        Store::open(&dir, &program(), SyncPolicy::EveryRecord),
        Err(StoreError::Corrupt { offset, .. }) if offset == journal.len() as u64
    ));
    let _ = fs::remove_dir_all(&dir);
}

/// An engine replayed from the journal equals the store's (no snapshot).
#[test]
fn the_engine_is_the_replay_of_its_journal() {
    let dir = scratch("replay");
    let store = filled(&dir, 6);
    let records = store.read_journal().unwrap();
    let replayed = Engine::replay(program(), &records).unwrap();
    assert_eq!(replayed.state_digest(), store.engine().state_digest());
    let _ = fs::remove_dir_all(&dir);
}

/// SPEC v3's operations go through the store like every other: a hold, its capture (an order's
/// tail) and an offline order are journaled, and a reopened store (and a replay of its journal)
/// holds the same state, open hold included.
#[test]
fn holds_captures_and_offline_orders_survive_a_reopen() {
    let dir = scratch("checkout");
    let mut store = filled(&dir, 3);
    for json in [
        r#"{"op": "hold", "id": 10, "at": 10, "member": 1, "points": "6"}"#,
        r#"{"op": "order", "id": 11, "at": 11, "member": 1, "amount": "50", "points": "4", "hold": 10}"#,
        r#"{"op": "hold", "id": 12, "at": 12, "member": 1, "points": "3"}"#,
        r#"{"op": "order", "id": 13, "at": 13, "member": 1, "amount": "50", "points": "40", "offline": {"terminal": "t", "recorded_at": 5}}"#,
    ] {
        store.apply(&Operation::from_json(json).unwrap()).unwrap();
    }
    let view = store.engine().member(1).unwrap();
    assert_eq!(view.held.to_string(), "3.00");
    let digest = store.engine().state_digest();
    let records = store.read_journal().unwrap();
    drop(store);
    let reopened = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert_eq!(reopened.engine().state_digest(), digest);
    assert_eq!(
        Engine::replay(program(), &records).unwrap().state_digest(),
        digest
    );
    let _ = fs::remove_dir_all(&dir);
}
