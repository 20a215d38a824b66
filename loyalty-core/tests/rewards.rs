//! The reward catalogue (SPEC 9.5) beyond its public scenario: the new kinds survive every
//! form an operation or a state takes (binary record, digest, snapshot), a dry run changes
//! nothing, and a program without rewards is the program it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_core::{Cancel, Decimal, Engine, ErrorKind, Operation, Program, Redeem};

const T0: i64 = 1_767_225_600;

fn engine() -> Engine {
    let program = Program::from_json(
        r#"{"expiry_days": 30, "tiers": {"levels": [
            {"name": "Silver", "threshold": "0", "accrual_rate": "0.1"},
            {"name": "Gold", "threshold": "1000", "accrual_rate": "0.1"}]},
            "rewards": [{"name": "Mug", "points": "25", "stock": 3},
                        {"name": "Lounge", "points": "40", "levels": ["Gold"]}]}"#,
    )
    .unwrap();
    let mut e = Engine::new(program).unwrap();
    for op in [
        r#"{"op": "enroll", "id": 1, "at": 1767225600, "member": 7}"#,
        r#"{"op": "order", "id": 2, "at": 1767225600, "member": 7, "amount": "1500"}"#,
    ] {
        e.apply(&Operation::from_json(op).unwrap()).unwrap();
    }
    e
}

#[test]
fn the_new_kinds_round_trip_through_json_and_binary_records() {
    let ops: [Operation; 3] = [
        Redeem::new(10, T0, 7, "Mug").with_quantity(2).into(),
        Redeem::new(11, T0, u64::MAX, "Lounge ☕").into(),
        Cancel::new(12, T0 + 5, 10).into(),
    ];
    for op in ops {
        assert_eq!(Operation::from_json(&op.to_json()).unwrap(), op);
        let mut bytes = Vec::new();
        op.to_binary(&mut bytes);
        assert_eq!(
            Operation::from_binary(&bytes).unwrap(),
            (op.clone(), bytes.len())
        );
        // Every strict prefix of the record is a clear error, never a panic.
        for cut in 0..bytes.len() {
            assert!(Operation::from_binary(&bytes[..cut]).is_err());
        }
    }
    let default_quantity =
        Operation::from_json(r#"{"op": "redeem", "id": 1, "at": 0, "member": 7, "reward": "Mug"}"#)
            .unwrap();
    assert_eq!(default_quantity, Redeem::new(1, 0, 7, "Mug").into());
}

#[test]
fn a_snapshot_keeps_open_redemptions_and_used_counts() {
    let mut e = engine();
    e.apply(&Redeem::new(3, T0 + 1, 7, "Mug").with_quantity(2).into())
        .unwrap();
    e.apply(&Redeem::new(4, T0 + 1, 7, "Lounge").into())
        .unwrap();
    let mut copy = Engine::from_snapshot_json(&e.snapshot_json()).unwrap();
    assert_eq!(copy.state_digest(), e.state_digest());
    assert_eq!(copy.stock_left("Mug").unwrap(), Some(1));
    let back = copy.apply(&Cancel::new(5, T0 + 2, 3).into()).unwrap();
    assert_eq!(back.summary().points_returned, Decimal::from(50));
    assert_eq!(copy.stock_left("Mug").unwrap(), Some(3));
    let bytes = Engine::from_snapshot_bytes(&e.snapshot_bytes()).unwrap();
    assert_eq!(bytes.state_digest(), e.state_digest());
}

#[test]
fn a_dry_run_of_either_kind_changes_nothing() {
    let mut e = engine();
    e.apply(&Redeem::new(3, T0 + 1, 7, "Mug").into()).unwrap();
    let digest = e.state_digest();
    for op in [
        Operation::from(Redeem::new(4, T0 + 2, 7, "Mug").with_quantity(2)),
        Cancel::new(5, T0 + 2, 3).into(),
        Redeem::new(6, T0 + 2, 7, "Mug").with_quantity(3).into(),
    ] {
        let planned = e.plan(&op);
        assert_eq!(e.state_digest(), digest, "{op:?}");
        let (outcome, provisional) = e
            .apply_provisionally(&op)
            .map_or((None, None), |(o, p)| (Some(o), Some(p)));
        assert_eq!(planned.ok(), outcome);
        if let Some(p) = provisional {
            e.revert(p);
        }
        assert_eq!(e.state_digest(), digest, "{op:?} reverted");
    }
}

#[test]
fn a_retry_after_the_cancel_returns_the_first_outcome() {
    let mut e = engine();
    let redeem: Operation = Redeem::new(3, T0 + 1, 7, "Mug").into();
    let first = e.apply(&redeem).unwrap();
    e.apply(&Cancel::new(4, T0 + 2, 3).into()).unwrap();
    assert_eq!(e.apply(&redeem).unwrap(), first);
    let again = e.apply(&Cancel::new(5, T0 + 3, 3).into()).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::UnknownRedemption);
    let other = e
        .apply(&Redeem::new(3, T0 + 3, 7, "Lounge").into())
        .unwrap_err();
    assert_eq!(other.kind(), ErrorKind::IdConflict);
    e.verify().unwrap();
}

/// A program without rewards serializes as before (no `rewards` key), and hashes as before:
/// `compact.rs` pins the state digest of a snapshot written before `rewards` existed.
#[test]
fn a_program_without_rewards_is_the_program_it_was() {
    let text =
        r#"{"tiers": {"levels": [{"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}}"#;
    let plain = Program::from_json(text).unwrap();
    assert!(!plain.to_json().contains("rewards"));
    let with = Program::from_json(
        &text.replace("]}}", r#"]}, "rewards": [{"name": "Mug", "points": "1"}]}"#),
    )
    .unwrap();
    assert_eq!(with.rewards.len(), 1);
    let digest = |p: Program| Engine::new(p).unwrap().state_digest();
    assert_ne!(digest(with), digest(plain));
}
