//! A store that survives restarts: open it, apply operations, snapshot, reopen, and print a
//! member's statement from the journal.
//!
//! `cargo run --release --example store -- [DIR]` (a fresh temporary directory by default).

use std::path::PathBuf;

use loyalty::{statement, Operation, Program};
use loyalty_store::{Store, SyncPolicy};

const PROGRAM: &str = r#"{"name": "Corner Bakery", "pending_days": 1, "tiers": {"levels": [
    {"name": "Regular", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.01"]},
    {"name": "Friend", "threshold": "200", "accrual_rate": "0.10"}]}}"#;

const T0: i64 = 1_767_258_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map_or_else(
        || std::env::temp_dir().join(format!("loyalty-store-demo-{}", std::process::id())),
        PathBuf::from,
    );
    let program = Program::from_json(PROGRAM)?;
    let ops = [
        r#"{"op": "enroll", "id": 1, "at": 0, "member": 501}"#,
        r#"{"op": "enroll", "id": 2, "at": 0, "member": 777, "referrer": 501}"#,
        r#"{"op": "order", "id": 3, "at": 600, "member": 777, "amount": "120.00"}"#,
        r#"{"op": "order", "id": 4, "at": 90000, "member": 777, "amount": "95.50"}"#,
        r#"{"op": "order", "id": 5, "at": 180000, "member": 777, "amount": "30.00", "points": "6"}"#,
        r#"{"op": "refund", "id": 6, "at": 180600, "order": 4, "amount": "40"}"#,
    ];
    {
        let mut store = Store::open(&dir, &program, SyncPolicy::EveryRecord)?;
        for (i, op) in ops.iter().enumerate() {
            let mut value: serde_json::Value = serde_json::from_str(op)?;
            value["at"] = (T0 + value["at"].as_i64().unwrap_or(0)).into();
            let outcome = store.apply(&Operation::from_value(value)?)?;
            println!("#{} {:?}", i + 1, outcome.effect);
            if i == 3 {
                println!("snapshot written to {}", store.snapshot()?.display());
            }
        }
        println!(
            "{} records in {}",
            store.records(),
            dir.join("journal.log").display()
        );
    } // the store is dropped here, as a process that stops would drop it

    let store = Store::open(&dir, &program, SyncPolicy::EveryRecord)?;
    let member = store.engine().member(777)?;
    println!(
        "\nreopened: member 777 has {} available, {} pending, level {}",
        member.available, member.pending, member.tier
    );
    println!("statement of member 777:");
    for line in statement(777, &store.read_journal()?) {
        println!(
            "  {} #{:<2} {:<10} {:>7}  pending {:>6}  balance {:>7}",
            line.at,
            line.id.unwrap_or(0),
            line.what,
            line.available_change,
            line.pending_change,
            line.balance
        );
    }
    store.engine().verify()?;
    Ok(())
}
