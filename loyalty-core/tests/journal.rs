//! The journal, snapshots and statements: versions, damage, and what an auditor sees.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use loyalty_core::{statement, Engine, ErrorKind, JournalRecord, Operation, Program};

const FALCON: &str = r#"{"tiers": {"levels": [
    {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
    {"name": "Wolf", "threshold": "2500", "accrual_rate": "0.05", "referral_rates": ["0.02"]}]},
    "pending_days": 1, "transfers": {"fee_rate": "0.01"}}"#;

fn month() -> (Engine, Vec<JournalRecord>) {
    let mut e = Engine::new(Program::from_json(FALCON).unwrap()).unwrap();
    let ops = [
        format!(r#"{{"op": "enroll", "id": 1, "at": {T0}, "member": 1}}"#),
        format!(r#"{{"op": "enroll", "id": 2, "at": {T0}, "member": 2, "referrer": 1}}"#),
        format!(r#"{{"op": "order", "id": 3, "at": {T0}, "member": 2, "amount": "1000"}}"#),
        format!(r#"{{"op": "tick", "at": {}}}"#, T0 + DAY),
        format!(
            r#"{{"op": "order", "id": 4, "at": {}, "member": 2, "amount": "100", "points": "30"}}"#,
            T0 + DAY
        ),
        format!(
            r#"{{"op": "transfer", "id": 5, "at": {}, "from": 1, "to": 2, "points": "5"}}"#,
            T0 + DAY
        ),
        format!(
            r#"{{"op": "refund", "id": 6, "at": {}, "order": 3, "amount": "500"}}"#,
            T0 + 2 * DAY
        ),
        format!(
            r#"{{"op": "order", "id": 3, "at": {}, "member": 2, "amount": "1000"}}"#,
            T0 + 2 * DAY
        ),
    ];
    let records = ops
        .iter()
        .map(|op| {
            e.apply_journaled(&Operation::from_json(op).unwrap())
                .unwrap()
        })
        .collect();
    (e, records)
}

#[test]
fn a_statement_explains_every_point() {
    let (e, records) = month();
    let lines = statement(2, &records);
    let what: Vec<(&str, loyalty_core::Decimal, loyalty_core::Decimal)> = lines
        .iter()
        .map(|l| (l.what.as_str(), l.available_change, l.balance))
        .collect();
    assert_eq!(
        what,
        vec![
            ("pending", d("0"), d("0")),
            ("released", d("30.00"), d("30.00")),
            ("spent", d("-30.00"), d("0.00")),
            ("pending", d("0"), d("0.00")),
            ("received", d("5.00"), d("5.00")),
            // Order 4's accrual is released as the refund's day begins, before the clawback.
            ("released", d("2.10"), d("7.10")),
            ("clawback", d("-15.00"), d("-7.90")),
        ]
    );
    assert_eq!(
        lines.last().map(|l| l.balance),
        Some(e.member(2).unwrap().available)
    );
    let sponsor = statement(1, &records);
    assert_eq!(
        sponsor.iter().map(|l| l.what.as_str()).collect::<Vec<_>>(),
        [
            "commission",
            "released",
            "commission",
            "sent",
            "fee",
            "released",
            "clawback"
        ]
    );
}

#[test]
fn replay_and_snapshot_round_trip() {
    let (e, records) = month();
    let replayed = Engine::replay(Program::from_json(FALCON).unwrap(), &records).unwrap();
    assert_eq!(replayed.state_digest(), e.state_digest());
    let restored = Engine::from_snapshot_json(&e.snapshot_json()).unwrap();
    assert_eq!(restored.state_digest(), e.state_digest());
    assert_eq!(restored.member(2).unwrap(), e.member(2).unwrap());
    let bytes = e.snapshot_bytes();
    assert!(
        bytes.len() < e.snapshot_json().len(),
        "the binary form is the compact one"
    );
    let restored = Engine::from_snapshot_bytes(&bytes).unwrap();
    assert_eq!(restored.state_digest(), e.state_digest());
    assert_eq!(
        Engine::from_snapshot_bytes(&bytes[..bytes.len() / 2])
            .err()
            .map(|e| e.kind()),
        Some(ErrorKind::InvalidInput)
    );
}

#[test]
fn newer_versions_and_damage_are_clear_errors() {
    let (e, mut records) = month();
    records[2].version = 2;
    let err = Engine::replay(Program::from_json(FALCON).unwrap(), &records)
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("version 2 is newer"), "{err}");
    records[2].version = 1;
    records[2].outcome.postings.clear();
    let err = Engine::replay(Program::from_json(FALCON).unwrap(), &records)
        .err()
        .unwrap();
    assert!(err.message().contains("record 2"), "{err}");

    let snap = e.snapshot_json().replacen(
        &format!("\"version\":{}", loyalty_core::SNAPSHOT_VERSION),
        "\"version\":9",
        1,
    );
    assert!(Engine::from_snapshot_json(&snap)
        .err()
        .unwrap()
        .message()
        .contains("version 9 is newer"));
    assert_eq!(
        Engine::from_snapshot_json("{}").err().map(|e| e.kind()),
        Some(ErrorKind::InvalidInput)
    );
    let snap = e.snapshot_json();
    let cut = &snap[..snap.len() / 2];
    assert_eq!(
        Engine::from_snapshot_json(cut).err().map(|e| e.kind()),
        Some(ErrorKind::InvalidInput)
    );
    // A snapshot whose numbers were tampered with does not balance.
    let tampered = snap.replacen("\"issued\":\"", "\"issued\":\"1", 1);
    assert_eq!(
        Engine::from_snapshot_json(&tampered)
            .err()
            .map(|e| e.kind()),
        Some(ErrorKind::InvalidInput)
    );
}

/// Issue 26, item 5: a record that applies but gives another outcome than it recorded is
/// refused by `replay_onto` and leaves no trace (the records before it stay applied).
#[test]
fn replay_onto_keeps_nothing_of_a_refused_record() {
    let (_, records) = month();
    let program = Program::from_json(FALCON).unwrap();
    let mut engine = Engine::new(program).unwrap();
    engine.replay_onto(&records[..2]).unwrap();
    let digest = engine.state_digest();
    let totals = engine.totals();
    let mut doctored = records[2].clone();
    let text = serde_json::to_string(&doctored).unwrap();
    doctored = serde_json::from_str(&text.replacen("\"30.00\"", "\"31.00\"", 1)).unwrap();
    assert_ne!(doctored, records[2], "the doctoring changed nothing");
    let err = engine.replay_onto([&doctored]).unwrap_err();
    assert!(err.message().contains("(order 3)"), "{err}");
    assert_eq!(engine.state_digest(), digest);
    assert_eq!(engine.totals(), totals);
    // The true record still applies afterwards: its id was left unused.
    engine.replay_onto(&records[2..]).unwrap();
    assert_eq!(
        engine.state_digest(),
        Engine::replay(Program::from_json(FALCON).unwrap(), &records)
            .unwrap()
            .state_digest()
    );
}

/// Issue 26, item 6: every single-bit flip of a binary snapshot is refused; none loads as
/// another state. Snapshots written before the checksum (plain CBOR) still load.
#[test]
fn every_bit_flip_of_a_binary_snapshot_is_refused() {
    let (engine, _) = month();
    let bytes = engine.snapshot_bytes();
    assert!(bytes.starts_with(b"LYS1"));
    let digest = engine.state_digest();
    assert_eq!(
        Engine::from_snapshot_bytes(&bytes).unwrap().state_digest(),
        digest
    );
    for bit in 0..bytes.len() * 8 {
        let mut damaged = bytes.clone();
        damaged[bit / 8] ^= 1 << (bit % 8);
        if let Ok(loaded) = Engine::from_snapshot_bytes(&damaged) {
            panic!(
                "flip of bit {bit} loaded (digest {} vs {digest})",
                loaded.state_digest()
            );
        }
    }
    for cut in [0, 3, 4, 7, 8, bytes.len() - 1] {
        assert!(
            Engine::from_snapshot_bytes(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let legacy = &bytes[8..];
    assert_eq!(
        Engine::from_snapshot_bytes(legacy).unwrap().state_digest(),
        digest
    );
}
