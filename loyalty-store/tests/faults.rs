//! Fault tests of the file store: torn tails at every byte, bit flips anywhere, damaged
//! snapshots, and a writer killed with SIGKILL at random moments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use loyalty_core::{Engine, Operation, Program};
use loyalty_store::{read_records, Store, StoreError, SyncPolicy};

const T0: i64 = 1_767_225_600;
const PROGRAM: &str = r#"{"tiers": {"levels": [
    {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
    {"name": "Wolf", "threshold": "500", "accrual_rate": "0.05", "referral_rates": ["0.02"]}]},
    "pending_days": 1, "expiry_days": 30}"#;

fn program() -> Program {
    Program::from_json(PROGRAM).unwrap()
}

/// A fresh directory under the target dir's tmp.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loyalty-store-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `i`-th operation of a deterministic workload: ten enrolments in a referral chain, then
/// orders, refunds, adjustments and transfers.
fn op(i: u64) -> Operation {
    let at = T0 + i as i64 * 3_600;
    let member = i % 10 + 1;
    let json = if i < 10 {
        let referrer = if i > 0 {
            format!(r#", "referrer": {i}"#)
        } else {
            String::new()
        };
        format!(r#"{{"op": "enroll", "id": {i}, "at": {at}, "member": {member}{referrer}}}"#)
    } else {
        match i % 5 {
            0 | 1 => format!(
                r#"{{"op": "order", "id": {i}, "at": {at}, "member": {member}, "amount": "{}.25"}}"#,
                100 + i % 50
            ),
            2 => format!(
                r#"{{"op": "refund", "id": {i}, "at": {at}, "order": {}, "amount": "10"}}"#,
                i - 1
            ),
            3 => format!(
                r#"{{"op": "adjust", "id": {i}, "at": {at}, "member": {member}, "points": "3"}}"#
            ),
            _ => format!(
                r#"{{"op": "transfer", "id": {i}, "at": {at}, "from": {member}, "to": {}, "points": "1"}}"#,
                (i + 1) % 10 + 1
            ),
        }
    };
    Operation::from_json(&json).unwrap()
}

/// Applies ops `0..n` to a store in `dir` (refusals are fine: they write nothing).
fn fill(dir: &Path, n: u64) -> Store {
    let mut store = Store::open(dir, &program(), SyncPolicy::Never).unwrap();
    for i in 0..n {
        let _ = store.apply(&op(i));
    }
    store.sync().unwrap();
    store
}

/// The digest of the engine after the first `k` records of `dir`'s journal.
fn digest_after(records: &[loyalty_core::JournalRecord], k: usize) -> u64 {
    Engine::replay(program(), &records[..k])
        .unwrap()
        .state_digest()
}

fn copy_store(from: &Path, to: &Path, journal: &[u8]) {
    fs::create_dir_all(to).unwrap();
    fs::copy(from.join("program.json"), to.join("program.json")).unwrap();
    fs::write(to.join("journal.log"), journal).unwrap();
}

#[test]
fn reopening_replays_to_the_same_state_with_or_without_a_snapshot() {
    let dir = scratch("reopen");
    let store = fill(&dir, 60);
    let digest = store.engine().state_digest();
    assert!(store.records() > 40);
    drop(store);
    let mut store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert_eq!(store.engine().state_digest(), digest);
    let snapshot = store.snapshot().unwrap();
    for i in 60..80 {
        let _ = store.apply(&op(i));
    }
    let digest = store.engine().state_digest();
    drop(store);
    let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert_eq!(store.engine().state_digest(), digest);
    assert!(snapshot.exists());
    drop(store);
    // A damaged snapshot is ignored: the journal is replayed in full.
    fs::write(&snapshot, b"{\"records\":1,\"crc\":0}\n{garbage").unwrap();
    let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
    assert_eq!(store.engine().state_digest(), digest);
    drop(store);
    let text = fs::read_to_string(&snapshot).unwrap();
    fs::write(&snapshot, text.replacen("garbage", "gorbage", 1)).unwrap();
    assert_eq!(
        Store::open(&dir, &program(), SyncPolicy::Never)
            .unwrap()
            .engine()
            .state_digest(),
        digest
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_torn_tail_at_every_byte_of_the_last_record_is_truncated() {
    let dir = scratch("torn");
    let store = fill(&dir, 30);
    let records = store.read_journal().unwrap();
    drop(store);
    let journal = fs::read(dir.join("journal.log")).unwrap();
    let (all, _) = read_records(&journal).unwrap();
    let (_, before_last) = read_records(&journal[..journal.len() - 1]).unwrap();
    assert!(before_last < journal.len());
    let expected = digest_after(&records, all.len() - 1);
    for cut in before_last + 1..journal.len() {
        let copy = scratch(&format!("torn-{cut}"));
        copy_store(&dir, &copy, &journal[..cut]);
        let reopened = Store::open(&copy, &program(), SyncPolicy::Never).unwrap();
        assert_eq!(reopened.records() as usize, all.len() - 1, "cut at {cut}");
        assert_eq!(reopened.engine().state_digest(), expected, "cut at {cut}");
        // The tail was truncated, so the next record lands on a boundary.
        assert_eq!(
            fs::metadata(copy.join("journal.log")).unwrap().len() as usize,
            before_last
        );
        let _ = fs::remove_dir_all(&copy);
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_flipped_bit_anywhere_is_an_error_naming_its_offset_or_a_truncated_tail() {
    let dir = scratch("flip");
    let store = fill(&dir, 25);
    let records = store.read_journal().unwrap();
    drop(store);
    let journal = fs::read(dir.join("journal.log")).unwrap();
    let (_, before_last) = read_records(&journal[..journal.len() - 1]).unwrap();
    let mut errors = 0;
    for at in (0..journal.len()).step_by(7) {
        let mut damaged = journal.clone();
        damaged[at] ^= 1 << (at % 8);
        let copy = scratch(&format!("flip-{at}"));
        copy_store(&dir, &copy, &damaged);
        match Store::open(&copy, &program(), SyncPolicy::Never) {
            Ok(store) => {
                // Only damage inside the last record may be taken for a torn tail.
                assert!(at >= before_last, "flip at {at} was silently accepted");
                let k = store.records() as usize;
                assert_eq!(k, records.len() - 1);
                assert_eq!(store.engine().state_digest(), digest_after(&records, k));
            }
            Err(StoreError::Corrupt { offset, .. }) => {
                errors += 1;
                assert!(offset as usize <= at, "flip at {at} reported at {offset}");
            }
            Err(other) => panic!("flip at {at}: {other}"),
        }
        let _ = fs::remove_dir_all(&copy);
    }
    assert!(errors > 0);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn periodic_snapshots_keep_only_the_newest() {
    let dir = scratch("periodic");
    let mut store = Store::open(&dir, &program(), SyncPolicy::Never).unwrap();
    store.snapshot_every(10);
    for i in 0..40 {
        let _ = store.apply(&op(i));
    }
    let newest = store.records() / 10 * 10;
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("snapshot-"))
        .collect();
    assert_eq!(names, vec![format!("snapshot-{newest}.json")]);
    let digest = store.engine().state_digest();
    drop(store);
    assert_eq!(
        Store::open(&dir, &program(), SyncPolicy::Never)
            .unwrap()
            .engine()
            .state_digest(),
        digest
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_refused_operation_writes_nothing() {
    let dir = scratch("refused");
    let mut store = fill(&dir, 5);
    let size = fs::metadata(dir.join("journal.log")).unwrap().len();
    let refused =
        Operation::from_json(r#"{"op": "order", "id": 999, "at": 0, "member": 1, "amount": "1"}"#)
            .unwrap();
    assert!(matches!(store.apply(&refused), Err(StoreError::Engine(_))));
    assert_eq!(fs::metadata(dir.join("journal.log")).unwrap().len(), size);
    let _ = fs::remove_dir_all(&dir);
}

/// Not a test on its own: the writer the SIGKILL test runs as a child process.
#[test]
fn writer_child() {
    let Ok(dir) = std::env::var("LOYALTY_STORE_CHILD") else {
        return;
    };
    let mut store = Store::open(Path::new(&dir), &program(), SyncPolicy::EveryRecord).unwrap();
    // Kills also land inside snapshot writes: their temporary files must not survive reopening.
    store.snapshot_every(7);
    let start = store
        .read_journal()
        .unwrap()
        .iter()
        .filter_map(|r| r.op.id())
        .max()
        .map_or(0, |id| id + 1);
    for i in start..start + 100_000 {
        if store.apply(&op(i)).is_ok() {
            // Acknowledged: the record is on disk before this line is printed.
            println!("ack {i}");
        }
    }
}

#[test]
fn a_writer_killed_at_random_moments_loses_nothing_it_acknowledged() {
    let dir = scratch("sigkill");
    let mut acknowledged: Vec<u64> = Vec::new();
    let mut seed = 0x2545_F491_u64;
    // Issue 15 asks for at least 200 kills per CI run.
    for round in 0..200 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["writer_child", "--exact", "--nocapture", "--test-threads=1"])
            .env("LOYALTY_STORE_CHILD", &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let run_for = Duration::from_millis(5 + seed % 40);
        let stdout = child.stdout.take().unwrap();
        let started = Instant::now();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(id) = line
                    .strip_prefix("ack ")
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    acks.push(id);
                }
            }
            acks
        });
        while started.elapsed() < run_for {
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        acknowledged.extend(reader.join().unwrap());
        let store = Store::open(&dir, &program(), SyncPolicy::EveryRecord).unwrap();
        let leftovers = fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "tmp")
            })
            .count();
        assert_eq!(
            leftovers, 0,
            "round {round}: temporary files survived reopening"
        );
        let ids: Vec<u64> = store
            .read_journal()
            .unwrap()
            .iter()
            .filter_map(|r| r.op.id())
            .collect();
        for id in &acknowledged {
            assert!(
                ids.contains(id),
                "round {round}: acknowledged {id} was lost"
            );
        }
        // What is on disk is a prefix of what was sent: ids in sending order, no gaps but refusals.
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "round {round}: journal out of order"
        );
        assert_eq!(
            store.engine().state_digest(),
            Engine::replay(program(), &store.read_journal().unwrap())
                .unwrap()
                .state_digest()
        );
    }
    assert!(
        !acknowledged.is_empty(),
        "the writer never acknowledged anything"
    );
    let _ = fs::remove_dir_all(&dir);
}
