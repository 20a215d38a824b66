//! The shared-journal protocol without a database (`Replica`): the rows a catch-up query
//! would return, handed over by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_core::{Engine, JournalRecord, JournalRow, Operation, Program, Replica, ReplicaError};

fn engine() -> Engine {
    Engine::new(
        Program::from_json(
            r#"{"tiers": {"levels": [{"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}}"#,
        )
        .unwrap(),
    )
    .unwrap()
}

fn op(text: &str) -> Operation {
    Operation::from_json(text).unwrap()
}

/// The record another process would write for `op` after `before`.
fn record(before: &mut Engine, op: &Operation) -> String {
    let outcome = before.apply(op).unwrap();
    serde_json::to_string(&JournalRecord::new(op.clone(), outcome)).unwrap()
}

fn row<'a>(seq: i64, op: &Operation, record: Option<&'a str>, mine: bool) -> JournalRow<'a> {
    JournalRow {
        seq,
        digest: op.digest() as i64,
        at: op.at(),
        record,
        mine,
    }
}

#[test]
fn own_rows_stay_pending_until_the_transaction_ends() {
    let (mut e, mut replica) = (engine(), Replica::new("p", 0));
    let enroll = op(r#"{"op": "enroll", "id": 1, "at": 0, "member": 7}"#);
    let (_, provisional) = e.apply_provisionally(&enroll).unwrap();
    replica.appended(1, &enroll, provisional, Some("42".into()));
    assert_eq!((replica.seq(), replica.next_seq()), (0, 2));
    // Same transaction, its row there: still pending.
    let ours = [row(1, &enroll, None, true)];
    assert_eq!(
        replica.catch_up(&mut e, Some("42"), &ours).unwrap(),
        Some(0)
    );
    assert!(replica.has_pending());
    // Another transaction id (or none) and the row there: committed.
    assert_eq!(replica.catch_up(&mut e, None, &ours).unwrap(), Some(0));
    assert_eq!((replica.seq(), replica.has_pending()), (1, false));
    assert_eq!(e.member_count(), 1);
}

#[test]
fn a_rolled_back_transaction_is_taken_back_and_read_again() {
    let (mut e, mut replica) = (engine(), Replica::new("p", 0));
    let before = e.state_digest();
    let enroll = op(r#"{"op": "enroll", "id": 1, "at": 0, "member": 7}"#);
    let (_, provisional) = e.apply_provisionally(&enroll).unwrap();
    replica.appended(1, &enroll, provisional, Some("42".into()));
    // Its row is gone: `None` (query again), and the engine is as before the append.
    assert_eq!(replica.catch_up(&mut e, None, &[]).unwrap(), None);
    assert_eq!(e.state_digest(), before);
    assert_eq!((replica.seq(), replica.has_pending()), (0, false));
    // Another process's row 1 then applies.
    let other = op(r#"{"op": "enroll", "id": 9, "at": 5, "member": 8}"#);
    let text = record(&mut engine(), &other);
    let rows = [row(1, &other, Some(&text), false)];
    assert_eq!(replica.catch_up(&mut e, None, &rows).unwrap(), Some(1));
    assert!(e.is_member(8) && !e.is_member(7));
}

#[test]
fn gaps_damaged_records_and_other_outcomes_are_refused_naming_the_row() {
    let (mut e, mut replica) = (engine(), Replica::new("p", 0));
    let enroll = op(r#"{"op": "enroll", "id": 1, "at": 0, "member": 7}"#);
    let text = record(&mut engine(), &enroll);
    let journal_error = |r: Result<Option<usize>, ReplicaError>| match r {
        Err(ReplicaError::Journal(m)) => m,
        other => panic!("{other:?}"),
    };
    let gap = journal_error(replica.catch_up(&mut e, None, &[row(2, &enroll, Some(&text), false)]));
    assert!(gap.contains("row 2 follows row 0"), "{gap}");
    let damaged =
        journal_error(replica.catch_up(&mut e, None, &[row(1, &enroll, Some("{"), false)]));
    assert!(damaged.contains("row 1 is no journal record"), "{damaged}");
    // The same operation, recorded with another outcome.
    let (head, tail) = text.split_at(text.find("\"outcome\"").unwrap());
    let other = format!("{head}{}", tail.replace("\"member\":7", "\"member\":8"));
    let mine =
        journal_error(replica.catch_up(&mut e, Some("1"), &[row(1, &enroll, Some(&other), true)]));
    assert!(
        mine.contains("row 1") && mine.contains("another outcome"),
        "{mine}"
    );
    assert_eq!((e.member_count(), replica.seq()), (0, 0));
}
