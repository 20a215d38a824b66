//! Against a real PostgreSQL: rejections, retries and rollbacks leave no row; several writer
//! processes with retried and conflicting ids converge on one state, equal to a fresh replay of
//! the table; writers killed with SIGKILL mid-transaction leave nothing partial.
//!
//! The writers are this test binary run again with `LOYALTY_PG_ROLE` set (see `role`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::many_single_char_names
)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{connect, fresh_name, program, server, Rng, T0};
use loyalty_core::{
    Adjust, Engine, Enroll, ErrorKind, JournalRecord, Operation, Order, Outcome, Refund,
};
use loyalty_postgres::{Error, Journal};
use rust_decimal::Decimal;

const WRITERS: u64 = 4;
const OPS: u64 = 2_500;
const KILLS: u64 = 50;

fn rows(client: &mut postgres::Client, name: &str) -> Vec<JournalRecord> {
    client
        .query(
            "SELECT record::text FROM loyalty_journal WHERE program = $1 ORDER BY seq",
            &[&name],
        )
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).unwrap())
        .collect()
}

fn journal_ids(client: &mut postgres::Client, name: &str) -> BTreeSet<u64> {
    rows(client, name)
        .iter()
        .filter_map(|r| r.op.id())
        .collect()
}

/// The one entry point: a writer role when run as a child, else every scenario in turn on one
/// server (a throwaway cluster is started once and stopped at the end).
#[test]
fn postgres_journal() {
    if let Ok(role) = std::env::var("LOYALTY_PG_ROLE") {
        role_main(&role);
        return;
    }
    let Some(server) = server() else { return };
    let dsn = server.dsn.as_str();
    let timed =
        |what: &str, started: std::time::Instant| eprintln!("{what}: {:?}", started.elapsed());
    let t = std::time::Instant::now();
    rejected_and_retried_operations_append_nothing(dsn);
    a_rolled_back_transaction_leaves_no_row_and_no_effect(dsn);
    operations_of_one_transaction_see_each_other(dsn);
    a_batch_journals_what_it_accepts_in_order(dsn);
    a_snapshot_and_the_rows_after_it_rebuild_the_replica(dsn);
    damaged_snapshots_deleted_rows_and_doctored_rows_are_refused(dsn);
    explicit_time_goes_backwards_but_now_does_not(dsn);
    timed("small cases", t);
    let t = std::time::Instant::now();
    writer_processes_converge_on_one_state(dsn);
    timed("writers", t);
    let t = std::time::Instant::now();
    writers_killed_mid_transaction_leave_nothing_partial(dsn);
    timed("kills", t);
}

fn rejected_and_retried_operations_append_nothing(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("basic");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    j.append(&mut c, &Enroll::new(1, T0, 7).into()).unwrap();
    let order: Operation = Order::new(2, T0 + 60, 7, Decimal::new(10_000, 2)).into();
    let first = j.append(&mut c, &order).unwrap();
    // A rejection comes back as the engine's error and journals nothing.
    let bad: Operation = Order::new(3, T0 + 60, 8, Decimal::ONE).into();
    let err = j.append(&mut c, &bad).unwrap_err();
    assert_eq!(
        err.rejection().map(loyalty_core::Error::kind),
        Some(ErrorKind::UnknownMember)
    );
    // A retry, from this replica or a fresh one, returns the original outcome.
    assert_eq!(j.append(&mut c, &order).unwrap(), first);
    let mut other = Journal::open(&mut c, &name, &program()).unwrap();
    assert_eq!(other.append(&mut c, &order).unwrap(), first);
    let conflicting: Operation = Order::new(2, T0 + 60, 7, Decimal::ONE).into();
    let err = other.append(&mut c, &conflicting).unwrap_err();
    assert_eq!(
        err.rejection().map(loyalty_core::Error::kind),
        Some(ErrorKind::IdConflict)
    );
    assert_eq!(rows(&mut c, &name).len(), 2);
    assert_eq!(
        j.read(&mut c).unwrap().state_digest(),
        other.read(&mut c).unwrap().state_digest()
    );
    // A program registered with another definition is refused by name.
    let mut changed = program();
    changed.name = String::from("Another Club");
    let err = Journal::open(&mut c, &name, &changed).unwrap_err();
    assert!(
        matches!(err, Error::Journal(ref m) if m.contains(&name)),
        "{err}"
    );
}

fn a_rolled_back_transaction_leaves_no_row_and_no_effect(dsn: &str) {
    let mut c = connect(dsn);
    c.batch_execute(
        "CREATE TABLE IF NOT EXISTS test_shop_orders (program text, id bigint, PRIMARY KEY (program, id))",
    )
    .unwrap();
    let name = fresh_name("rollback");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    j.append(&mut c, &Enroll::new(1, T0, 7).into()).unwrap();
    j.append(&mut c, &Adjust::new(2, T0, 7, Decimal::from(50)).into())
        .unwrap();
    let before = j.read(&mut c).unwrap().state_digest();
    let mut tx = c.transaction().unwrap();
    tx.execute(
        "INSERT INTO test_shop_orders VALUES ($1, 3)",
        &[&name.as_str()],
    )
    .unwrap();
    let order = Order::new(3, T0 + 60, 7, Decimal::from(100)).with_points(Decimal::from(20));
    j.append(&mut tx, &order.clone().into()).unwrap();
    // Inside the transaction the replica reads its own write.
    assert_eq!(
        j.read(&mut tx).unwrap().member(7).unwrap().available,
        Decimal::from(34)
    );
    tx.rollback().unwrap();
    assert_eq!(j.read(&mut c).unwrap().state_digest(), before);
    assert_eq!(rows(&mut c, &name).len(), 2);
    let shop: i64 = c
        .query_one(
            "SELECT count(*) FROM test_shop_orders WHERE program = $1",
            &[&name.as_str()],
        )
        .unwrap()
        .get(0);
    assert_eq!(shop, 0);
    // The id is free again, and the next seq is the one the rolled-back row had.
    j.append(&mut c, &order.into()).unwrap();
    assert_eq!(
        j.read(&mut c).unwrap().member(7).unwrap().available,
        Decimal::from(34)
    );
    assert_eq!(j.seq(), 3);
}

fn operations_of_one_transaction_see_each_other(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("multi");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    let mut tx = c.transaction().unwrap();
    j.append(&mut tx, &Enroll::new(1, T0, 1).into()).unwrap();
    j.append(
        &mut tx,
        &Enroll::new(2, T0, 2).with_referrer(Some(1)).into(),
    )
    .unwrap();
    let ordered = j
        .append(
            &mut tx,
            &Order::new(3, T0 + 1, 2, Decimal::from(1000)).into(),
        )
        .unwrap();
    assert_eq!(ordered.summary().commissions, Decimal::from(20));
    // Another process sees none of it before the commit.
    let mut c2 = connect(dsn);
    let mut other = Journal::open(&mut c2, &name, &program()).unwrap();
    assert_eq!(other.read(&mut c2).unwrap().member_count(), 0);
    tx.commit().unwrap();
    assert_eq!(other.read(&mut c2).unwrap().member_count(), 2);
    assert_eq!(
        j.read(&mut c).unwrap().state_digest(),
        other.engine().state_digest()
    );
    assert_eq!(j.seq(), 3);
}

fn a_batch_journals_what_it_accepts_in_order(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("batch");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    let ops: Vec<Operation> = vec![
        Enroll::new(1, T0, 1).into(),
        Order::new(2, T0, 1, Decimal::from(200)).into(),
        Order::new(3, T0, 9, Decimal::from(5)).into(), // unknown member: rejected
        Order::new(2, T0, 1, Decimal::from(200)).into(), // a retry within the batch
        Refund::new(4, T0, 2, Decimal::from(50)).into(),
    ];
    let results = j.append_batch(&mut c, &ops, None).unwrap();
    assert_eq!(
        results[2].as_ref().unwrap_err().kind(),
        ErrorKind::UnknownMember
    );
    assert_eq!(results[1], results[3]);
    let records = rows(&mut c, &name);
    let ids: Vec<_> = records.iter().map(|r| r.op.id().unwrap()).collect();
    assert_eq!(ids, [1, 2, 4]);
    for (record, result) in records.iter().zip([&results[0], &results[1], &results[4]]) {
        assert_eq!(Some(&record.outcome), result.as_ref().ok());
    }
    let fresh = Journal::open(&mut c, &name, &program()).unwrap();
    assert_eq!(
        j.read(&mut c).unwrap().state_digest(),
        fresh.engine().state_digest()
    );
    // A rolled-back batch leaves nothing.
    let before = j.engine().state_digest();
    let mut tx = c.transaction().unwrap();
    let more: Vec<Operation> = vec![
        Enroll::new(5, T0, 2).into(),
        Adjust::new(6, T0, 2, Decimal::TEN).into(),
    ];
    assert!(j
        .append_batch(&mut tx, &more, None)
        .unwrap()
        .iter()
        .all(Result::is_ok));
    assert_eq!(
        j.read(&mut tx).unwrap().member(2).unwrap().available,
        Decimal::TEN
    );
    tx.rollback().unwrap();
    assert_eq!(j.read(&mut c).unwrap().state_digest(), before);
    assert_eq!(rows(&mut c, &name).len(), 3);
}

fn a_snapshot_and_the_rows_after_it_rebuild_the_replica(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("snapshot");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    j.append(&mut c, &Enroll::new(1, T0, 1).into()).unwrap();
    j.append(&mut c, &Order::new(2, T0, 1, Decimal::from(300)).into())
        .unwrap();
    assert_eq!(j.snapshot(&mut c).unwrap(), 2);
    j.append(
        &mut c,
        &Refund::new(3, T0 + 5, 2, Decimal::from(100)).into(),
    )
    .unwrap();
    // SPEC v3: a hold and its capture (an order's tail) travel as rows like the rest.
    for json in [
        format!(
            r#"{{"op": "hold", "id": 5, "at": {}, "member": 1, "points": "7"}}"#,
            T0 + 10
        ),
        format!(
            r#"{{"op": "order", "id": 6, "at": {}, "member": 1, "amount": "20", "points": "5", "hold": 5}}"#,
            T0 + 20
        ),
    ] {
        j.append(&mut c, &Operation::from_json(&json).unwrap())
            .unwrap();
    }
    let fresh = Journal::open(&mut c, &name, &program()).unwrap();
    assert_eq!(fresh.seq(), 5);
    assert_eq!(fresh.engine().state_digest(), j.engine().state_digest());
    let replayed = Engine::replay(program(), &rows(&mut c, &name)).unwrap();
    assert_eq!(replayed.state_digest(), j.engine().state_digest());
    // Not inside a transaction that appended: its rows are not committed.
    let mut tx = c.transaction().unwrap();
    j.append(&mut tx, &Enroll::new(4, T0 + 26, 2).into())
        .unwrap();
    assert!(matches!(j.snapshot(&mut tx), Err(Error::Journal(_))));
}

/// Issue 26, items 4 and 5: a snapshot row that does not load or does not match its digest,
/// and a journal missing a row the snapshot covers, are refused naming the program and seq; a
/// doctored row is refused and leaves the replica as it was.
fn damaged_snapshots_deleted_rows_and_doctored_rows_are_refused(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("damaged");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    j.append(&mut c, &Enroll::new(1, T0, 1).into()).unwrap();
    j.append(&mut c, &Order::new(2, T0, 1, Decimal::from(300)).into())
        .unwrap();
    j.append(&mut c, &Order::new(3, T0, 1, Decimal::from(200)).into())
        .unwrap();
    assert_eq!(j.snapshot(&mut c).unwrap(), 3);
    let mut behind = Journal::open(&mut c, &name, &program()).unwrap();
    j.append(&mut c, &Order::new(4, T0 + 1, 1, Decimal::from(100)).into())
        .unwrap();
    let good: Vec<u8> = c
        .query_one(
            "SELECT state FROM loyalty_snapshots WHERE program = $1",
            &[&name],
        )
        .unwrap()
        .get(0);
    let set_state = |c: &mut postgres::Client, state: &[u8]| {
        c.execute(
            "UPDATE loyalty_snapshots SET state = $2 WHERE program = $1",
            &[&name, &state],
        )
        .unwrap();
    };
    let refused = |c: &mut postgres::Client, what: &str| {
        let err = Journal::open(c, &name, &program()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("{name:?}")) && err.contains("seq 3"),
            "{what}: {err}"
        );
        err
    };
    for bit in (0..good.len() * 8).step_by(13) {
        let mut damaged = good.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        set_state(&mut c, &damaged);
        refused(&mut c, &format!("flip of bit {bit}"));
    }
    // The plain CBOR of earlier versions, with its digest: still loads.
    set_state(&mut c, &good[8..]);
    let fresh = Journal::open(&mut c, &name, &program()).unwrap();
    assert_eq!(fresh.engine().state_digest(), j.engine().state_digest());
    set_state(&mut c, &good);
    c.execute(
        "UPDATE loyalty_snapshots SET digest = digest + 1 WHERE program = $1",
        &[&name],
    )
    .unwrap();
    assert!(refused(&mut c, "digest").contains("digest"));
    c.execute(
        "UPDATE loyalty_snapshots SET digest = digest - 1 WHERE program = $1",
        &[&name],
    )
    .unwrap();
    // A replica at seq 3 meets a doctored row 4: refused, and it stays as it was.
    c.execute(
        "UPDATE loyalty_journal SET record = replace(record::text, '\"7.00\"', '\"8.00\"')::json
         WHERE program = $1 AND seq = 4",
        &[&name],
    )
    .unwrap();
    let err = Journal::open(&mut c, &name, &program()).unwrap_err();
    assert!(err.to_string().contains("row 4"), "{err}");
    assert_eq!(behind.seq(), 3);
    let digest = behind.engine().state_digest();
    let err = behind.catch_up(&mut c).unwrap_err();
    assert!(err.to_string().contains("row 4"), "{err}");
    assert_eq!(behind.engine().state_digest(), digest);
    assert_eq!(behind.seq(), 3);
    // A row the snapshot covers, deleted: a fresh replica would carry the gap for ever.
    c.execute(
        "DELETE FROM loyalty_journal WHERE program = $1 AND seq = 2",
        &[&name],
    )
    .unwrap();
    assert!(refused(&mut c, "deleted row").contains("deleted"));
}

fn explicit_time_goes_backwards_but_now_does_not(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("time");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    j.append(&mut c, &Enroll::new(1, T0 + 100, 1).into())
        .unwrap();
    let late: Operation = Enroll::new(2, T0 + 50, 2).into();
    let err = j.append(&mut c, &late).unwrap_err();
    assert_eq!(
        err.rejection().map(loyalty_core::Error::kind),
        Some(ErrorKind::TimeWentBackwards)
    );
    j.append_now(&mut c, late, T0 + 50).unwrap();
    let records = rows(&mut c, &name);
    assert_eq!(
        records[1].op.at(),
        T0 + 100,
        "stamped with the journal's clock"
    );
}

/// One writer: `OPS` operations as single-operation transactions, now and then two in one
/// transaction (a third of those rolled back), with ids of three kinds: its own, ids every
/// writer sends with the same content (retries across processes) and ids every writer sends
/// with its own content (conflicts).
fn writer(dsn: &str, name: &str, w: u64) {
    let mut c = connect(dsn);
    let mut j = Journal::open(&mut c, name, &program()).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (w + 1));
    let member = |rng: &mut Rng| (rng.below(WRITERS) + 1) * 1000 + rng.below(50);
    let mut out = std::io::stdout().lock();
    for i in 0..OPS {
        let now = T0 + i as i64 * 60 + w as i64;
        let own = (w + 1) * 10_000_000 + i;
        let op: Operation = if i < 50 {
            let referrer = (i > 0).then(|| (w + 1) * 1000 + i - 1);
            Enroll::new(own, now, (w + 1) * 1000 + i)
                .with_referrer(referrer)
                .into()
        } else if i % 10 == 0 {
            Order::new(900_000 + i, now, 1000 + i % 50, Decimal::new(12_345, 2)).into()
        } else if i % 10 == 5 {
            Order::new(800_000 + i, now, member(&mut rng), Decimal::from(w + 1)).into()
        } else {
            let points = if i % 3 == 0 {
                Decimal::from(rng.below(20))
            } else {
                Decimal::ZERO
            };
            Order::new(
                own,
                now,
                member(&mut rng),
                Decimal::new(rng.below(50_000) as i64 + 100, 2),
            )
            .with_points(points)
            .into()
        };
        if i % 7 == 3 && i >= 50 {
            let mut tx = c.transaction().unwrap();
            let extra: Operation =
                Adjust::new(own + 5_000_000, now, member(&mut rng), Decimal::ONE).into();
            // Half of them op by op, half as one batch.
            let (a, b) = if i % 2 == 0 {
                let a = j.append_now(&mut tx, op.clone(), now);
                (a, j.append_now(&mut tx, extra.clone(), now))
            } else {
                let mut both = j
                    .append_batch(&mut tx, &[op.clone(), extra.clone()], Some(now))
                    .unwrap()
                    .into_iter()
                    .map(|r| r.map_err(Error::Rejected));
                (both.next().unwrap(), both.next().unwrap())
            };
            if i % 21 == 3 {
                tx.rollback().unwrap();
                for op in [&op, &extra] {
                    writeln!(out, "@ {} rolledback", op.id().unwrap()).unwrap();
                }
            } else {
                tx.commit().unwrap();
                report(&mut out, &op, a);
                report(&mut out, &extra, b);
            }
        } else {
            let result = j.append_now(&mut c, op.clone(), now);
            report(&mut out, &op, result);
        }
    }
    writeln!(out, "@done").unwrap();
    out.flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    let engine = j.read(&mut c).unwrap();
    engine.verify().unwrap();
    writeln!(
        out,
        "@digest {} {} {}",
        engine.state_digest(),
        j.seq(),
        j.conflicts()
    )
    .unwrap();
}

fn report(out: &mut impl Write, op: &Operation, result: Result<Outcome, Error>) {
    let id = op.id().unwrap();
    match result {
        Ok(outcome) => writeln!(
            out,
            "@ {id} ok {}",
            serde_json::to_string(&outcome).unwrap()
        )
        .unwrap(),
        Err(Error::Rejected(e)) => writeln!(out, "@ {id} err {:?}", e.kind()).unwrap(),
        Err(e) => panic!("writer failed on {id}: {e}"),
    }
}

/// Killable: appends orders, each in a transaction with the shop's own row, pausing inside
/// the transaction, and says which committed.
fn killable(dsn: &str, name: &str, first: u64) {
    let mut c = connect(dsn);
    let mut j = Journal::open(&mut c, name, &program()).unwrap();
    let mut out = std::io::stdout().lock();
    for id in first.. {
        let mut tx = c.transaction().unwrap();
        tx.execute(
            "INSERT INTO test_shop_orders VALUES ($1, $2)",
            &[&name, &(id as i64)],
        )
        .unwrap();
        j.append_now(&mut tx, Order::new(id, T0, 1, Decimal::from(10)).into(), T0)
            .unwrap();
        std::thread::sleep(Duration::from_millis(id % 4));
        tx.commit().unwrap();
        writeln!(out, "@committed {id}").unwrap();
        out.flush().unwrap();
    }
}

fn role_main(role: &str) {
    // libtest has printed "test postgres_journal ... " without a newline: end that line so
    // that every line of ours starts with '@'.
    println!();
    let var = |k: &str| std::env::var(k).unwrap();
    let (dsn, name) = (var("LOYALTY_PG_DSN"), var("LOYALTY_PG_PROGRAM"));
    let n: u64 = var("LOYALTY_PG_ARG").parse().unwrap();
    match role {
        "writer" => writer(&dsn, &name, n),
        "killable" => killable(&dsn, &name, n),
        _ => panic!("unknown role {role}"),
    }
}

fn spawn(role: &str, dsn: &str, name: &str, arg: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "postgres_journal",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LOYALTY_PG_ROLE", role)
        .env("LOYALTY_PG_DSN", dsn)
        .env("LOYALTY_PG_PROGRAM", name)
        .env("LOYALTY_PG_ARG", arg.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

fn writer_processes_converge_on_one_state(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("writers");
    Journal::open(&mut c, &name, &program()).unwrap();
    let mut children: Vec<Child> = (0..WRITERS)
        .map(|w| spawn("writer", dsn, &name, w))
        .collect();
    let mut readers: Vec<_> = children
        .iter_mut()
        .map(|ch| BufReader::new(ch.stdout.take().unwrap()).lines())
        .collect();
    // id → every answer it got, by writer.
    let mut answers: BTreeMap<u64, Vec<(u64, String)>> = BTreeMap::new();
    for (w, lines) in readers.iter_mut().enumerate() {
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line == "@done" {
                break;
            }
            if let Some(rest) = line.strip_prefix("@ ") {
                let (id, answer) = rest.split_once(' ').unwrap();
                answers
                    .entry(id.parse().unwrap())
                    .or_default()
                    .push((w as u64, answer.to_owned()));
            }
        }
    }
    // Every writer has finished: each catches up and reports its state.
    let mut digests = Vec::new();
    for (child, lines) in children.iter_mut().zip(readers.iter_mut()) {
        writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
        let line = lines
            .find_map(|l| l.ok().filter(|l| l.starts_with("@digest")))
            .unwrap();
        digests.push(line);
        assert!(child.wait().unwrap().success());
    }
    let records = rows(&mut c, &name);
    let replayed = Engine::replay(program(), &records).unwrap();
    let fresh = Journal::open(&mut c, &name, &program()).unwrap();
    assert_eq!(fresh.engine().state_digest(), replayed.state_digest());
    let mut conflicts = 0;
    for line in &digests {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts[1], replayed.state_digest().to_string(), "{digests:?}");
        assert_eq!(parts[2], records.len().to_string());
        conflicts += parts[3].parse::<u64>().unwrap();
    }
    // No accepted operation lost or doubled: the journal holds exactly the ids some writer
    // was told were accepted, each once.
    let journaled = journal_ids(&mut c, &name);
    assert_eq!(journaled.len(), records.len());
    let accepted: BTreeSet<u64> = answers
        .iter()
        .filter(|(_, a)| a.iter().any(|(_, x)| x.starts_with("ok")))
        .map(|(id, _)| *id)
        .collect();
    let lost: Vec<_> = accepted.difference(&journaled).collect();
    let unacknowledged: Vec<_> = journaled
        .difference(&accepted)
        .map(|id| (id, answers.get(id)))
        .collect();
    assert!(
        lost.is_empty() && unacknowledged.is_empty(),
        "accepted but not journaled: {lost:?}; journaled but never accepted: {unacknowledged:?}"
    );
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for (id, a) in &answers {
        for (_, x) in a {
            let kind = if x.starts_with("ok") {
                "ok"
            } else {
                x.as_str()
            };
            *kinds.entry(kind).or_default() += 1;
        }
        let oks: Vec<&String> = a
            .iter()
            .filter(|(_, x)| x.starts_with("ok"))
            .map(|(_, x)| x)
            .collect();
        if (900_000..1_000_000).contains(id) {
            // The same operation from every writer: one outcome, the original.
            assert!(oks.windows(2).all(|p| p[0] == p[1]), "{id}: {a:?}");
        } else if (800_000..900_000).contains(id) {
            // The same id with each writer's own content: accepted once at most.
            assert!(oks.len() <= 1, "{id}: {a:?}");
            assert!(a
                .iter()
                .filter(|(_, x)| !x.starts_with("ok"))
                .all(|(_, x)| x != "err IdConflict" || oks.len() == 1));
        }
        if a.iter().any(|(_, x)| x == "rolledback") {
            assert!(
                !journaled.contains(id),
                "rolled back {id} is in the journal"
            );
        }
    }
    eprintln!(
        "{} writers × {OPS}: {} rows, {conflicts} seq conflicts, answers {kinds:?}",
        WRITERS,
        records.len()
    );
    assert!(
        conflicts > 0,
        "the writers never raced: the test did not test concurrency"
    );
    assert!(kinds.get("rolledback").copied().unwrap_or(0) > 0);
    assert!(answers.keys().any(|id| (800_000..900_000).contains(id)
        && answers[id].iter().any(|(_, x)| x == "err IdConflict")));
}

fn writers_killed_mid_transaction_leave_nothing_partial(dsn: &str) {
    let mut c = connect(dsn);
    let name = fresh_name("kill");
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    j.append(&mut c, &Enroll::new(1, T0, 1).into()).unwrap();
    let mut committed = BTreeSet::new();
    let mut rng = Rng(42);
    for k in 0..KILLS {
        let mut child = spawn("killable", dsn, &name, (k + 1) * 100_000);
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| {
                    l.strip_prefix("@committed ")
                        .map(|x| x.parse::<u64>().unwrap())
                })
                .collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(40 + rng.below(120)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        committed.extend(reader.join().unwrap());
    }
    let shop: BTreeSet<u64> = c
        .query(
            "SELECT id FROM test_shop_orders WHERE program = $1",
            &[&name.as_str()],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, i64>(0) as u64)
        .collect();
    let mut journaled = journal_ids(&mut c, &name);
    journaled.remove(&1);
    assert_eq!(
        shop, journaled,
        "a shop row without its loyalty row, or the reverse"
    );
    assert!(committed.is_subset(&journaled));
    assert!(
        committed.len() as u64 >= KILLS,
        "the writers barely wrote: {}",
        committed.len()
    );
    let replayed = Engine::replay(program(), &rows(&mut c, &name)).unwrap();
    let fresh = Journal::open(&mut c, &name, &program()).unwrap();
    assert_eq!(fresh.engine().state_digest(), replayed.state_digest());
    assert_eq!(
        j.read(&mut c).unwrap().state_digest(),
        replayed.state_digest()
    );
    replayed.verify().unwrap();
    eprintln!(
        "{KILLS} SIGKILLs: {} orders journaled, {} acknowledged before the kill",
        journaled.len(),
        committed.len()
    );
}
