//! Holds, tier grace and offline orders (SPEC 9.1, 9.3, 9.7) beyond their public scenarios: an
//! order's new fields leave every older record and digest as it was, open holds and graces
//! survive snapshots and replays, dry runs and reverted operations leave no trace, and the
//! choices docs/behaviour.md writes down for what the SPEC leaves open.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_core::{
    Decimal, Engine, Enroll, ErrorKind, Hold, Offline, Operation, Order, Program, Release, Tick,
};

const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn d(v: i64) -> Decimal {
    Decimal::from(v)
}

/// A shop with 30-day expiry, 10-minute holds, a 10-day window and a 3-day grace: member 1
/// has 100 points and is Gold.
fn engine() -> Engine {
    let program = Program::from_json(
        r#"{"expiry_days": 30, "holds": {"ttl_seconds": 600},
            "tiers": {"window_days": 10, "grace_days": 3, "levels": [
              {"name": "Silver", "threshold": "0", "accrual_rate": "0.1"},
              {"name": "Gold", "threshold": "1000", "accrual_rate": "0.1"}]}}"#,
    )
    .unwrap();
    let mut e = Engine::new(program).unwrap();
    e.apply(&Enroll::new(1, T0, 1).into()).unwrap();
    e.apply(&Order::new(2, T0, 1, d(1000)).into()).unwrap();
    e
}

#[test]
fn an_order_without_the_new_fields_keeps_its_record_and_digest() {
    // The bytes and digest every journal written before holds has for this order.
    let plain: Operation = Order::new(9, 60, 7, Decimal::new(1250, 2)).into();
    let mut bytes = Vec::new();
    plain.to_binary(&mut bytes);
    assert_eq!(bytes.len(), 48);
    assert_eq!(
        bytes[1], 2,
        "the kind byte of a plain order has no tail bit"
    );
    let held: Operation = Order::new(9, 60, 7, Decimal::new(1250, 2))
        .with_hold(4)
        .into();
    let offline: Operation = Order::new(9, 60, 7, Decimal::new(1250, 2))
        .with_offline(Offline::new("till ☕", 30))
        .into();
    for op in [&held, &offline] {
        let mut tailed = Vec::new();
        op.to_binary(&mut tailed);
        assert_eq!(
            tailed[1], 0x82,
            "a tailed order sets bit 7 of its kind byte"
        );
        assert_eq!(
            &tailed[2..48],
            &bytes[2..48],
            "the fields before the tail are as before"
        );
        assert_eq!(
            Operation::from_binary(&tailed).unwrap(),
            ((*op).clone(), tailed.len())
        );
        for cut in 0..tailed.len() {
            assert!(Operation::from_binary(&tailed[..cut]).is_err());
        }
        assert_ne!(op.digest(), plain.digest());
        assert_eq!(Operation::from_json(&op.to_json()).unwrap(), *op);
    }
    assert_ne!(held.digest(), offline.digest());
}

#[test]
fn a_hold_keeps_its_pieces_through_snapshots_and_binary_replay() {
    let mut e = engine();
    e.apply(&Hold::new(3, T0 + 60, 1, d(70)).into()).unwrap();
    let view = e.member(1).unwrap();
    assert_eq!((view.available, view.held), (d(30), d(70)));
    let restored = Engine::from_snapshot_json(&e.snapshot_json()).unwrap();
    assert_eq!(restored.state_digest(), e.state_digest());
    let binary = Engine::from_snapshot_bytes(&e.snapshot_bytes()).unwrap();
    assert_eq!(binary.state_digest(), e.state_digest());
    // Both time the hold out alike: ten minutes after it was made, not after the snapshot.
    for engine in [
        &mut e,
        &mut Engine::from_snapshot_json(&restored.snapshot_json()).unwrap(),
    ] {
        engine.apply(&Tick::new(T0 + 60 + 599).into()).unwrap();
        assert_eq!(engine.member(1).unwrap().held, d(70));
        engine.apply(&Tick::new(T0 + 60 + 600).into()).unwrap();
        assert_eq!(engine.member(1).unwrap().available, d(100));
    }
    // The same history as binary records rebuilds the same state.
    let mut bytes = Vec::new();
    let history: [Operation; 5] = [
        Enroll::new(1, T0, 1).into(),
        Order::new(2, T0, 1, d(1000)).into(),
        Hold::new(3, T0 + 60, 1, d(70)).into(),
        Order::new(4, T0 + 120, 1, d(200))
            .with_points(d(50))
            .with_hold(3)
            .into(),
        Release::new(5, T0 + 180, 3).into(),
    ];
    let mut direct = engine_program();
    for op in &history {
        op.to_binary(&mut bytes);
        let _ = direct.apply(op);
    }
    let mut replayed = engine_program();
    assert!(
        replayed.replay_binary(&bytes).is_err(),
        "release of a captured hold is UnknownHold"
    );
    let mut bytes = Vec::new();
    for op in &history[..4] {
        op.to_binary(&mut bytes);
    }
    let mut replayed = engine_program();
    assert_eq!(replayed.replay_binary(&bytes).unwrap(), 4);
    assert_eq!(replayed.state_digest(), direct.state_digest());
}

fn engine_program() -> Engine {
    Engine::new(engine().program().clone()).unwrap()
}

#[test]
fn a_capture_spends_from_the_hold_and_gives_the_rest_back_before_its_own_credits() {
    let mut e = engine();
    e.apply(&Hold::new(3, T0 + 60, 1, d(70)).into()).unwrap();
    let out = e
        .apply(
            &Order::new(4, T0 + 120, 1, d(200))
                .with_points(d(50))
                .with_hold(3)
                .into(),
        )
        .unwrap();
    assert_eq!(out.effect.points(), d(50));
    let view = e.member(1).unwrap();
    // 30 available + 20 back from the hold + 15 accrued on 150 cash.
    assert_eq!((view.available, view.held), (d(65), d(0)));
    assert_eq!(e.totals().redeemed, d(50));
    // A second capture of the same hold: it is closed.
    let again = e.apply(&Order::new(5, T0 + 120, 1, d(200)).with_hold(3).into());
    assert_eq!(again.unwrap_err().kind(), ErrorKind::UnknownHold);
    assert!(e.verify().is_ok());
}

#[test]
fn dry_runs_and_reverted_holds_leave_no_trace() {
    let mut e = engine();
    let before = e.state_digest();
    let hold: Operation = Hold::new(3, T0 + 60, 1, d(70)).into();
    assert!(e.plan(&hold).is_ok());
    assert_eq!(e.state_digest(), before);
    let (_, provisional) = e.apply_provisionally(&hold).unwrap();
    assert_eq!(e.member(1).unwrap().held, d(70));
    e.revert(provisional);
    assert_eq!(e.state_digest(), before);
    // After a revert the id is free, and no stale time-out fires on the real hold made later.
    e.apply(&Hold::new(3, T0 + 100, 1, d(40)).into()).unwrap();
    e.apply(&Tick::new(T0 + 60 + 600).into()).unwrap();
    assert_eq!(
        e.member(1).unwrap().held,
        d(40),
        "the reverted hold's time-out is gone"
    );
    e.apply(&Tick::new(T0 + 100 + 600).into()).unwrap();
    assert_eq!(e.member(1).unwrap().held, d(0));
}

#[test]
fn a_refused_capture_changes_nothing() {
    let mut e = engine();
    e.apply(&Hold::new(3, T0 + 60, 1, d(70)).into()).unwrap();
    let before = e.state_digest();
    for (op, kind) in [
        (
            Order::new(4, T0 + 120, 1, d(200))
                .with_points(d(71))
                .with_hold(3),
            ErrorKind::InsufficientPoints,
        ),
        (
            Order::new(4, T0 + 120, 2, d(200))
                .with_points(d(10))
                .with_hold(3),
            ErrorKind::UnknownMember,
        ),
        (
            Order::new(4, T0 + 120, 1, d(200))
                .with_points(d(10))
                .with_hold(2),
            ErrorKind::UnknownHold,
        ),
        (
            Order::new(4, T0 + 120, 1, d(0)).with_hold(3),
            ErrorKind::InvalidAmount,
        ),
        (
            Order::new(4, T0 + 120, 1, d(200))
                .with_hold(3)
                .with_offline(Offline::new("t", T0)),
            ErrorKind::InvalidInput,
        ),
    ] {
        let refused = e.apply(&op.into()).unwrap_err();
        assert_eq!(refused.kind(), kind, "{refused}");
        assert_eq!(e.state_digest(), before);
    }
}

#[test]
fn a_grace_runs_through_a_snapshot_and_ends_on_time() {
    let mut e = engine();
    // The order of T0 leaves the 10-day window at T0 + 10 days: Gold is kept 3 days more.
    e.apply(&Tick::new(T0 + 10 * DAY).into()).unwrap();
    let view = e.member(1).unwrap();
    assert_eq!(
        (view.tier.as_str(), view.grace_until),
        ("Gold", Some(T0 + 13 * DAY))
    );
    assert_eq!(view.qualifying, d(0));
    let mut restored = Engine::from_snapshot_json(&e.snapshot_json()).unwrap();
    assert_eq!(restored.state_digest(), e.state_digest());
    for engine in [&mut e, &mut restored] {
        engine.apply(&Tick::new(T0 + 13 * DAY - 1).into()).unwrap();
        assert_eq!(engine.member(1).unwrap().tier, "Gold");
        engine.apply(&Tick::new(T0 + 13 * DAY).into()).unwrap();
        let view = engine.member(1).unwrap();
        assert_eq!((view.tier.as_str(), view.grace_until), ("Silver", None));
    }
    assert_eq!(restored.state_digest(), e.state_digest());
}

#[test]
fn an_offline_overdraft_is_debt_that_later_credits_repay() {
    let mut e = engine();
    let sale = Order::new(3, T0 + 60, 1, d(300))
        .with_points(d(150))
        .with_offline(Offline::new("till-7", T0 + 30));
    e.apply(&sale.into()).unwrap();
    // 100 points covered 100 of the 150; the terminal's 50 more became debt. The 150 cash
    // accrued 15, which paid 15 of the debt.
    let view = e.member(1).unwrap();
    assert_eq!(view.available, d(-35));
    assert_eq!(e.totals().overdraft, d(50));
    e.apply(&Order::new(4, T0 + 120, 1, d(500)).into()).unwrap();
    assert_eq!(e.member(1).unwrap().available, d(15));
    assert_eq!(
        e.totals().overdraft,
        d(50),
        "the overdraft total only grows"
    );
    // Only the arriving order's own checks apply: a recorded time after its arrival is bad.
    let late = Order::new(5, T0 + 200, 1, d(10)).with_offline(Offline::new("till-7", T0 + 201));
    assert_eq!(
        e.apply(&late.into()).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let long = Order::new(5, T0 + 200, 1, d(10)).with_offline(Offline::new("x".repeat(65), T0));
    assert_eq!(
        e.apply(&long.into()).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let ok = Order::new(5, T0 + 200, 1, d(10)).with_offline(Offline::new("☕".repeat(64), T0));
    assert!(e.apply(&ok.into()).is_ok(), "64 characters, not bytes");
    assert!(e.verify().is_ok());
}

#[test]
fn programs_without_v3_sections_hash_as_before_and_bad_sections_are_refused() {
    let base = r#"{"tiers": {"window_days": 5, "levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}"#;
    let plain = Program::from_json(&format!("{base}}}")).unwrap();
    let with_default_holds =
        Program::from_json(&format!(r#"{base}, "holds": {{"ttl_seconds": 900}}}}"#)).unwrap();
    assert_ne!(
        Engine::new(plain).unwrap().state_digest(),
        Engine::new(with_default_holds).unwrap().state_digest(),
        "a holds section, even the default one, is part of the program"
    );
    for (bad, field) in [
        (r#""holds": {"ttl_seconds": 31536001}"#, "holds.ttl_seconds"),
        (r#""holds": {"ttl_seconds": null}"#, "holds"),
        (
            r#""offline": {"max_points_per_order": "0"}"#,
            "offline.max_points_per_order",
        ),
        (
            r#""offline": {"max_points_per_terminal": "1.001"}"#,
            "offline.max_points_per_terminal",
        ),
        (r#""offline": {"per_order": "5"}"#, "offline"),
    ] {
        let refused = Program::from_json(&format!("{base}, {bad}}}")).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::InvalidConfig);
        assert!(refused.message().contains(field), "{refused}");
    }
}
