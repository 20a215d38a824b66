//! The `loyalty` binary as a user runs it: every subcommand, its `--help`, its exit codes, and
//! a damaged store (a clear error naming the file, and nothing written).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use loyalty_core::{Decimal, Operation, Program};
use loyalty_store::{Store, SyncPolicy};

fn loyalty(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loyalty"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
        .display()
        .to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loyalty-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A store of the bakery example: two members, three orders (one paid with points), a refund,
/// and a snapshot after the fourth record.
fn bakery_store(name: &str) -> PathBuf {
    let dir = scratch(name).join("store");
    let program = Program::from_json(
        r#"{"name": "Corner Bakery", "pending_days": 1, "tiers": {"levels": [
        {"name": "Regular", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.01"]},
        {"name": "Friend", "threshold": "200", "accrual_rate": "0.10"}]}}"#,
    )
    .unwrap();
    let ops = [
        r#"{"op": "enroll", "id": 1, "at": 1767258000, "member": 501}"#,
        r#"{"op": "enroll", "id": 2, "at": 1767258000, "member": 777, "referrer": 501}"#,
        r#"{"op": "order", "id": 3, "at": 1767258600, "member": 777, "amount": "120.00"}"#,
        r#"{"op": "order", "id": 4, "at": 1767348000, "member": 777, "amount": "95.50"}"#,
        r#"{"op": "order", "id": 5, "at": 1767438000, "member": 777, "amount": "30.00", "points": "6"}"#,
        r#"{"op": "refund", "id": 6, "at": 1767438600, "order": 4, "amount": "40"}"#,
    ];
    let mut store = Store::open(&dir, &program, SyncPolicy::EveryRecord).unwrap();
    for (i, op) in ops.iter().enumerate() {
        store.apply(&Operation::from_json(op).unwrap()).unwrap();
        if i == 3 {
            store.snapshot().unwrap();
        }
    }
    dir
}

/// Every file of `dir` and its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn help_is_there_for_every_subcommand() {
    let top = loyalty(&["--help"]);
    assert_eq!(top.status.code(), Some(0));
    for sub in ["check", "play", "store", "statement", "replay", "export"] {
        assert!(stdout(&top).contains(sub), "--help lists {sub}");
        let help = loyalty(&[sub, "--help"]);
        assert_eq!(help.status.code(), Some(0), "{sub} --help");
        assert!(
            stdout(&help).contains("Usage: loyalty"),
            "{sub} --help: {}",
            stdout(&help)
        );
    }
    let none = loyalty(&[]);
    assert_eq!(
        none.status.code(),
        Some(2),
        "no subcommand is a usage error"
    );
    let unknown = loyalty(&["frobnicate"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("frobnicate"));
}

#[test]
fn check_describes_every_example_program() {
    let falcon = loyalty(&["check", &repo("examples/programs/falcon.json")]);
    assert_eq!(falcon.status.code(), Some(0), "{}", stderr(&falcon));
    let text = stdout(&falcon);
    assert!(text.starts_with("Falcon Club: a valid program"), "{text}");
    assert!(text.contains("Lion"), "{text}");
    assert!(
        text.contains("from      10000: accrual 7 %, referral commission 3 %, 1 % up the chain"),
        "{text}"
    );
    assert!(
        text.contains("transfers: at least 1 points, fee 1 %"),
        "{text}"
    );
    assert!(
        text.contains("reward Falcon mug: 150 points, 25 in stock\n"),
        "{text}"
    );
    assert!(
        text.contains("reward Lounge pass: 400 points, no stock limit, for levels Lion"),
        "{text}"
    );
    assert!(
        text.contains(
            "holds: points held at checkout go back after 600 s unless an order captures them"
        ),
        "{text}"
    );
    assert!(
        text.contains("offline terminals: points per sale 200, per terminal between syncs 1000"),
        "{text}"
    );

    let cafe = loyalty(&["check", &repo("examples/programs/cafe.toml")]);
    assert_eq!(cafe.status.code(), Some(0), "{}", stderr(&cafe));
    assert!(stdout(&cafe).contains("stamp card Coffee: a stamp for an order with coffee of at least 2.5; 10 stamps give 30 points"));

    let furniture = loyalty(&["check", &repo("examples/programs/furniture.json")]);
    assert!(stdout(&furniture).contains(
        "Women's Day: 2026-03-01 00:00 UTC until 2026-03-08 00:00 UTC, lines of services: 15 % off, accrual ×2, bonus budget 100 points"
    ), "{}", stdout(&furniture));

    let market = loyalty(&["check", &repo("examples/programs/marketplace.json")]);
    assert!(stdout(&market).contains("levels, reached by points earned over the last 365 days:"));
    assert!(
        stdout(&market).contains("a member who falls below a level keeps it 30 days (tier grace)")
    );
    assert!(stdout(&market).contains("from level Partner up"));
}

#[test]
fn check_names_the_file_and_the_bad_value() {
    let dir = scratch("check");
    let bad = dir.join("typo.json");
    std::fs::write(
        &bad,
        r#"{"name": "x", "tiers": {"levels": [{"name": "A", "threshold": "0", "acrual_rate": "0.03"}]}}"#,
    )
    .unwrap();
    let out = loyalty(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("typo.json: invalid program"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("acrual_rate"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());

    let toml = dir.join("broken.toml");
    std::fs::write(&toml, "name = \n").unwrap();
    let out = loyalty(&["check", toml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("broken.toml: not TOML"),
        "{}",
        stderr(&out)
    );

    // A TOML float is refused as a JSON float is: decimals are strings or integers.
    let float = dir.join("float.toml");
    std::fs::write(
        &float,
        "name = \"x\"\n[tiers]\nlevels = [{ name = \"A\", threshold = \"0\", accrual_rate = 0.03 }]\n",
    )
    .unwrap();
    let out = loyalty(&["check", float.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("accrual_rate: bad decimal: 0.03 is a binary float"),
        "{}",
        stderr(&out)
    );

    let missing = loyalty(&["check", "/nonexistent/program.json"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(stderr(&missing).contains("/nonexistent/program.json: cannot read"));
}

#[test]
fn play_counts_passes_and_failures() {
    let good = repo("scenarios");
    let files: Vec<String> = std::fs::read_dir(&good)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| Path::new(p).extension().is_some_and(|x| x == "json"))
        .collect();
    assert!(!files.is_empty());
    let mut args = vec!["play"];
    args.extend(files.iter().map(String::as_str));
    let out = loyalty(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).ends_with(&format!("{} passed, 0 failed\n", files.len())));

    // The same first file, with one expectation changed, fails and says where.
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let mut scenario: serde_json::Value = serde_json::from_str(&text).unwrap();
    let steps = scenario["steps"].as_array_mut().unwrap();
    let step = steps
        .iter_mut()
        .find(|s| s.get("expect").is_some())
        .unwrap();
    step["expect"] = serde_json::json!({"error": "UnknownMember"});
    let broken = scratch("play").join("broken.json");
    std::fs::write(&broken, scenario.to_string()).unwrap();
    let out = loyalty(&[
        "play",
        &files[0],
        broken.to_str().unwrap(),
        "/nonexistent.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("FAIL {}", broken.display())),
        "{text}"
    );
    assert!(
        text.contains("FAIL /nonexistent.json: cannot read"),
        "{text}"
    );
    assert!(text.ends_with("1 passed, 2 failed\n"), "{text}");
}

#[test]
fn store_statement_replay_and_export_read_a_store() {
    let dir = bakery_store("read");
    let before = contents(&dir);
    let d = dir.to_str().unwrap();

    let out = loyalty(&["store", d]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("program    Corner Bakery"), "{text}");
    assert!(text.contains("records    6"), "{text}");
    assert!(text.contains("members    2"), "{text}");
    assert!(text.contains("levels     Regular 2, Friend 0"), "{text}");
    assert!(
        text.contains("issued 13.18, redeemed 6.00, expired 0.00, fees 0.00, liability 7.18"),
        "{text}"
    );
    assert!(text.contains("verify     ok"), "{text}");

    let out = loyalty(&["statement", d, "777"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("member 777: 2.78 available, 2.40 pending; level Regular"),
        "{text}"
    );
    let refund = [
        "2026-01-03",
        "6",
        "refund",
        "clawback",
        "-1.99",
        "0",
        "2.78",
    ];
    assert!(
        text.lines().any(|l| l.split_whitespace().eq(refund)),
        "{text}"
    );
    let unknown = loyalty(&["statement", d, "12345"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("member 12345"),
        "{}",
        stderr(&unknown)
    );

    let out = loyalty(&["replay", d]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("replayed 6 records"));
    assert!(stdout(&out).contains("same state; the books balance"));

    let out = loyalty(&["export", d, "--format", "jsonl"]);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[4]["seq"], 5);
    assert_eq!(lines[4]["op"]["points"], "6");

    // The CSV's postings add up to the totals: issued less clawbacks = liability + redeemed.
    let out = loyalty(&["export", d, "--format", "csv"]);
    let text = stdout(&out);
    let mut rows = text.lines();
    assert_eq!(
        rows.next(),
        Some("seq,at,operation,id,from,from_member,to,to_member,points")
    );
    let (mut issued, mut returned, mut redeemed) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for row in rows {
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(f.len(), 9, "{row}");
        let points: Decimal = f[8].parse().unwrap_or_default();
        match (f[4], f[6]) {
            ("issued", _) => issued += points,
            (_, "issued") => returned += points,
            (_, "redeemed") => redeemed += points,
            _ => {}
        }
    }
    // The store's totals above: issued 13.18 (clawbacks return points), liability 7.18.
    assert_eq!(
        issued - returned,
        Decimal::new(1318, 2),
        "{issued} {returned}"
    );
    assert_eq!(issued - returned - redeemed, Decimal::new(718, 2));

    assert_eq!(contents(&dir), before, "reading a store writes nothing");
}

#[test]
fn a_damaged_store_is_a_clear_error_and_stays_as_it_was() {
    let dir = bakery_store("damaged");
    let journal = dir.join("journal.log");
    let mut bytes = std::fs::read(&journal).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&journal, &bytes).unwrap();
    let before = contents(&dir);
    for sub in ["store", "replay", "export"] {
        let out = loyalty(&[sub, dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{sub}");
        let err = stderr(&out);
        assert!(err.contains("journal.log"), "{sub}: {err}");
        assert!(
            err.contains("corrupt") || err.contains("checksum"),
            "{sub}: {err}"
        );
        assert!(
            stdout(&out).is_empty(),
            "{sub} printed nothing of a damaged store"
        );
    }
    let out = loyalty(&["statement", dir.to_str().unwrap(), "777"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(contents(&dir), before, "nothing was repaired or written");

    // A torn tail is not damage: the store reads, and says what a writer would cut off.
    let dir = bakery_store("torn");
    let mut journal = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("journal.log"))
        .unwrap();
    std::io::Write::write_all(&mut journal, &[1, 0, 0]).unwrap();
    let before = contents(&dir);
    let out = loyalty(&["store", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("a torn tail of 3 bytes"),
        "{}",
        stdout(&out)
    );
    assert_eq!(contents(&dir), before);

    // Not a store at all.
    let empty = scratch("empty");
    let out = loyalty(&["store", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("program.json"), "{}", stderr(&out));
    let out = loyalty(&["store", "/nonexistent/store"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/nonexistent/store"),
        "{}",
        stderr(&out)
    );
}
