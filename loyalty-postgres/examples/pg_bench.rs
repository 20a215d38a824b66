//! Operations per second through the PostgreSQL journal, for 1, 2 and 4 writers, in
//! single-operation and 100-operation transactions, beside `pgbench`'s built-in simple-update
//! script (`-N`) on the same server in the same run.
//!
//! ```sh
//! cargo run --release -p loyalty-postgres --example pg_bench -- \
//!     --dsn "host=127.0.0.1 user=postgres dbname=test" --seconds 10
//! ```
//!
//! Each writer is a thread with its own connection and its own replica (as a process would
//! have); all write one program. Orders go to 1 000 enrolled members at random.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use std::time::{Duration, Instant};

use loyalty_core::{Enroll, Order, Program};
use loyalty_postgres::Journal;
use rust_decimal::Decimal;

const MEMBERS: u64 = 1_000;
const T0: i64 = 1_767_571_200;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

fn program() -> Program {
    Program::from_json(
        r#"{"money_scale": 2, "points_scale": 2, "tiers": {"levels": [
        {"name": "Bunny", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.02"]}]}}"#,
    )
    .unwrap()
}

/// One writer: appends orders for `seconds`, `per_tx` to a transaction; returns how many.
fn writer(dsn: &str, name: &str, w: u64, per_tx: u64, seconds: f64) -> u64 {
    let mut c = postgres::Client::connect(dsn, postgres::NoTls).unwrap();
    let mut j = Journal::open(&mut c, name, &program()).unwrap();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut seed = w + 1;
    let mut done = 0;
    while Instant::now() < deadline {
        let mut orders = Vec::with_capacity(per_tx as usize);
        for _ in 0..per_tx {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let id = (w + 1) << 40 | done;
            let member = 1 + (seed >> 33) % MEMBERS;
            let amount = Decimal::new(1_000 + (seed % 9_000) as i64, 2);
            orders.push(Order::new(id, T0, member, amount).into());
            done += 1;
        }
        if per_tx == 1 {
            // A single-operation transaction: the insert commits on its own.
            j.append_now(&mut c, orders.remove(0), T0).unwrap();
        } else {
            let mut tx = c.transaction().unwrap();
            let results = j.append_batch(&mut tx, &orders, Some(T0)).unwrap();
            assert!(results.iter().all(Result::is_ok));
            tx.commit().unwrap();
        }
    }
    done
}

fn journal_rate(dsn: &str, writers: u64, per_tx: u64, seconds: f64) -> f64 {
    let name = format!("bench-{}-{writers}-{per_tx}-{}", std::process::id(), T0);
    let mut c = postgres::Client::connect(dsn, postgres::NoTls).unwrap();
    let mut j = Journal::open(&mut c, &name, &program()).unwrap();
    let mut tx = c.transaction().unwrap();
    for m in 1..=MEMBERS {
        j.append(&mut tx, &Enroll::new(m, T0, m).into()).unwrap();
    }
    tx.commit().unwrap();
    let started = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                s.spawn({
                    let name = name.clone();
                    move || writer(dsn, &name, w, per_tx, seconds)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let rate = total as f64 / started.elapsed().as_secs_f64();
    forget(&mut c, &name);
    rate
}

/// Deletes a benchmark program's rows (journal, snapshots, definition): a run leaves the
/// database as it found it, not ~180 000 rows heavier.
fn forget(c: &mut postgres::Client, name: &str) {
    for table in ["loyalty_snapshots", "loyalty_journal", "loyalty_programs"] {
        c.execute(&format!("DELETE FROM {table} WHERE program = $1"), &[&name])
            .unwrap();
    }
}

/// `pgbench -N` (simple-update) with `clients` clients: transactions per second.
fn pgbench(dsn: &str, clients: u64, seconds: f64) -> f64 {
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-N",
            "-c",
            &clients.to_string(),
            "-j",
            &clients.to_string(),
        ])
        .args(["-T", &format!("{}", seconds.ceil() as u64), dsn])
        .output()
        .expect("pgbench is not installed");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "pgbench said: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

fn main() {
    let dsn = arg("--dsn", "host=127.0.0.1 user=postgres dbname=test");
    let seconds: f64 = arg("--seconds", "10").parse().unwrap();
    let init = Command::new("pgbench")
        .args(["-i", "-q", "-s", "1", &dsn])
        .output();
    assert!(init.is_ok_and(|o| o.status.success()), "pgbench -i failed");
    println!("writers  pgbench_simple_update_tps  single_op_tx_ops_per_sec  ratio  batched_100_ops_per_sec");
    for writers in [1, 2, 4] {
        let pg = pgbench(&dsn, writers, seconds);
        let single = journal_rate(&dsn, writers, 1, seconds);
        let batched = journal_rate(&dsn, writers, 100, seconds);
        println!(
            "{writers:>7}  {pg:>25.0}  {single:>24.0}  {:>5.2}  {batched:>23.0}",
            single / pg
        );
    }
    // pgbench's own tables go too (`-I d`: the drop step only).
    let _ = Command::new("pgbench")
        .args(["-i", "-I", "d", &dsn])
        .output();
}
