//! Compact idempotency records (issue 11): a retry returns the original outcome exactly (its
//! JSON, decimal scales included) whether the outcome was kept whole or rebuilt from the order
//! record, before and after a snapshot, and snapshots written before records were compact load.

#![allow(clippy::unwrap_used)]

use loyalty_core::{Engine, Operation};
use serde_json::Value;

/// Every operation of the 2026-11-26 data file with the outcome main gave it that day.
fn recorded() -> Vec<(Operation, String)> {
    let list: Vec<Value> = serde_json::from_str(include_str!(
        "data/snapshot-2026-11-26-orders-outcomes.json"
    ))
    .unwrap();
    list.iter()
        .map(|x| {
            let op = Operation::from_json(&x["op"].to_string()).unwrap();
            (op, x["outcome"].to_string())
        })
        .collect()
}

fn json(outcome: &loyalty_core::Outcome) -> String {
    serde_json::to_value(outcome).unwrap().to_string()
}

/// A snapshot main wrote before outcomes were filed compactly still loads, and every retry
/// returns the outcome of that day, byte for byte.
#[test]
fn a_snapshot_from_before_compact_records_loads_and_retries_answer_as_then() {
    let text = include_str!("data/snapshot-2026-11-26-orders.json");
    let mut engine = Engine::from_snapshot_json(text).unwrap();
    assert_eq!(engine.state_digest(), 12_772_642_244_984_541_684);
    for (op, then) in recorded() {
        assert_eq!(json(&engine.apply(&op).unwrap()), then, "{op:?}");
    }
    assert!(engine.verify().is_ok());
}

/// Replaying the same operations today gives the same outcomes and state; retries, also after
/// a JSON and a binary snapshot, give them again, whether filed whole or compactly.
#[test]
fn retries_answer_the_original_outcome_exactly_before_and_after_snapshots() {
    let program = loyalty_core::Program::from_json(
        &serde_json::from_str::<Value>(include_str!("data/snapshot-2026-11-26-orders.json"))
            .unwrap()["engine"]["program"]
            .to_string(),
    )
    .unwrap();
    let mut engine = Engine::new(program).unwrap();
    let recorded = recorded();
    for (op, then) in &recorded {
        assert_eq!(&json(&engine.apply(op).unwrap()), then);
    }
    assert_eq!(engine.state_digest(), 12_772_642_244_984_541_684);
    let from_json = Engine::from_snapshot_json(&engine.snapshot_json()).unwrap();
    let from_bytes = Engine::from_snapshot_bytes(&engine.snapshot_bytes()).unwrap();
    for mut e in [engine, from_json, from_bytes] {
        for (op, then) in &recorded {
            let id = op.id().unwrap();
            assert_eq!(&json(&e.outcome(id).unwrap()), then);
            assert_eq!(&json(&e.plan(op).unwrap()), then);
            assert_eq!(&json(&e.apply(op).unwrap()), then);
        }
    }
}

/// Plain orders and enrolments are filed compactly (their outcome is not kept): the snapshot
/// holds no outcome for them, and a snapshot claiming a compact order without its record is
/// refused.
#[test]
fn plain_orders_keep_no_outcome_and_a_missing_record_is_refused() {
    let mut engine = Engine::new(
        loyalty_core::Program::from_json(
            r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.01"]}]}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    for op in [
        r#"{"op": "enroll", "id": 1, "at": 0, "member": 1}"#,
        r#"{"op": "enroll", "id": 2, "at": 0, "member": 2, "referrer": 1}"#,
        r#"{"op": "order", "id": 3, "at": 5, "member": 2, "amount": "100"}"#,
    ] {
        engine.apply(&Operation::from_json(op).unwrap()).unwrap();
    }
    let snapshot: Value = serde_json::from_str(&engine.snapshot_json()).unwrap();
    let applied = &snapshot["engine"]["applied"];
    assert_eq!(
        applied["2"]["enrolled"], 2,
        "a plain enrolment keeps its member id"
    );
    assert!(applied["2"].get("outcome").is_none());
    assert!(
        applied["3"].get("outcome").is_none(),
        "a plain order is rebuilt: {}",
        applied["3"]
    );
    let mut doctored = snapshot.clone();
    doctored["engine"]["orders"]
        .as_object_mut()
        .unwrap()
        .remove("3");
    let err = Engine::from_snapshot_json(&doctored.to_string()).unwrap_err();
    assert!(err.to_string().contains("operation 3"), "{err}");
}

/// A plain order's digest is not kept but worked out from its record when asked for (issue
/// 25): a retry of the same content (`"10"` = `"10.00"`) answers as the first time, any other
/// content under its id is `IdConflict` (an amount, points, a line, a hold, another buyer), and
/// a snapshot writes the digest the operation has.
#[test]
fn a_plain_orders_digest_follows_from_its_record() {
    let mut engine = Engine::new(
        loyalty_core::Program::from_json(
            r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.05"}]}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let ops = [
        r#"{"op": "enroll", "id": 1, "at": 0, "member": 1}"#,
        r#"{"op": "enroll", "id": 2, "at": 0, "member": 2}"#,
        r#"{"op": "order", "id": 3, "at": 5, "member": 2, "amount": "10"}"#,
        r#"{"op": "order", "id": 4, "at": 6, "member": 2, "amount": "20", "points": "0.25"}"#,
    ];
    let mut first = Vec::new();
    for op in ops {
        first.push(json(
            &engine.apply(&Operation::from_json(op).unwrap()).unwrap(),
        ));
    }
    let retries = [
        (
            r#"{"op": "order", "id": 3, "at": 5, "member": 2, "amount": "10.00"}"#,
            2,
        ),
        (
            r#"{"op": "order", "id": 3, "at": 9, "member": 2, "amount": "10", "points": "0"}"#,
            2,
        ),
        (
            r#"{"op": "order", "id": 4, "at": 6, "member": 2, "amount": "20.0", "points": "0.250"}"#,
            3,
        ),
    ];
    for (op, answered) in retries {
        let outcome = engine.apply(&Operation::from_json(op).unwrap()).unwrap();
        assert_eq!(json(&outcome), first[answered], "{op}");
    }
    for other in [
        r#"{"op": "order", "id": 3, "at": 5, "member": 2, "amount": "10.01"}"#,
        r#"{"op": "order", "id": 3, "at": 5, "member": 1, "amount": "10"}"#,
        r#"{"op": "order", "id": 3, "at": 5, "member": 2, "amount": "10", "points": "1"}"#,
        r#"{"op": "order", "id": 3, "at": 5, "member": 2, "amount": "10", "lines": [{"amount": "10"}]}"#,
        r#"{"op": "order", "id": 3, "at": 5, "member": 2, "amount": "10", "hold": 1}"#,
        r#"{"op": "order", "id": 4, "at": 6, "member": 2, "amount": "20"}"#,
        r#"{"op": "enroll", "id": 4, "at": 6, "member": 5}"#,
    ] {
        let err = engine
            .apply(&Operation::from_json(other).unwrap())
            .unwrap_err();
        assert_eq!(err.kind(), loyalty_core::ErrorKind::IdConflict, "{other}");
    }
    let snapshot: Value = serde_json::from_str(&engine.snapshot_json()).unwrap();
    for (id, op) in [("3", ops[2]), ("4", ops[3])] {
        let digest = Operation::from_json(op).unwrap().digest();
        assert_eq!(snapshot["engine"]["applied"][id]["digest"], digest, "{op}");
    }
    let reloaded = Engine::from_snapshot_json(&engine.snapshot_json()).unwrap();
    assert_eq!(reloaded.state_digest(), engine.state_digest());
}

/// An order that moved its buyer's level is filed compactly (its level indices); a retry
/// names the levels as they were named then, also after a snapshot and after a `configure`
/// that renamed them.
#[test]
fn a_level_change_is_filed_compactly_and_keeps_its_names() {
    let program = |wolf: &str| {
        loyalty_core::Program::from_json(&format!(
            r#"{{"tiers": {{"levels": [
                {{"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}},
                {{"name": "{wolf}", "threshold": "500", "accrual_rate": "0.05"}}]}}}}"#
        ))
        .unwrap()
    };
    let mut engine = Engine::new(program("Wolf")).unwrap();
    let enroll =
        Operation::from_json(r#"{"op": "enroll", "id": 1, "at": 0, "member": 1}"#).unwrap();
    let order =
        Operation::from_json(r#"{"op": "order", "id": 2, "at": 5, "member": 1, "amount": "600"}"#)
            .unwrap();
    engine.apply(&enroll).unwrap();
    let first = json(&engine.apply(&order).unwrap());
    assert!(first.contains(r#""to":"Wolf""#), "{first}");

    let snapshot: Value = serde_json::from_str(&engine.snapshot_json()).unwrap();
    let entry = &snapshot["engine"]["applied"]["2"];
    assert!(entry.get("outcome").is_none(), "filed compactly: {entry}");
    assert_eq!(entry["tier"], serde_json::json!([0, 1]));
    let mut restored = Engine::from_snapshot_json(&snapshot.to_string()).unwrap();
    assert_eq!(json(&restored.apply(&order).unwrap()), first);

    let rename = Operation::Configure(Box::new(loyalty_core::Configure::new(
        3,
        6,
        program("Lion"),
    )));
    for e in [&mut engine, &mut restored] {
        e.apply(&rename).unwrap();
        assert_eq!(
            json(&e.apply(&order).unwrap()),
            first,
            "the names of then, not now"
        );
        assert_eq!(json(&e.outcome(2).unwrap()), first);
    }
    let mut doctored = snapshot.clone();
    doctored["engine"]["applied"]["2"]["tier"] = serde_json::json!([0, 7]);
    let err = Engine::from_snapshot_json(&doctored.to_string()).unwrap_err();
    assert!(err.to_string().contains("operation 2"), "{err}");
}

/// An order with campaign bonuses or stamps is filed compactly (its record holds them, with a
/// filled card's reward and the achievements it unlocked): no outcome in the snapshot, and
/// every retry — after a refund took its stamp and bonus back, after a `configure` renamed the
/// campaign, the card and the achievement, after JSON and binary snapshots — returns the
/// outcome of then. An order that unlocked an achievement with neither bonus nor stamp keeps its
/// outcome whole (its record keeps no extras, as before).
#[test]
fn an_order_with_bonuses_and_stamps_is_filed_compactly_and_answers_as_then() {
    let program = |campaign: &str, card: &str| {
        loyalty_core::Program::from_json(&format!(
            r#"{{"tiers": {{"levels": [{{"name": "A", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.01"]}}]}},
              "campaigns": [{{"name": "{campaign}", "from": 0, "to": 1000, "multiplier": "2"}},
                            {{"name": "Extra", "from": 0, "to": 1000, "bonus_rate": "0.015"}}],
              "stamps": [{{"name": "{card}", "min_amount": "10", "card_size": 3, "reward_points": "5"}}],
              "achievements": [{{"name": "Big {card}", "spend": "1000", "points": "7"}},
                               {{"name": "Fifth", "orders": 5, "points": "3.5"}}]}}"#
        ))
        .unwrap()
    };
    let mut engine = Engine::new(program("Spring", "visits")).unwrap();
    let op = |text: &str| Operation::from_json(text).unwrap();
    engine
        .apply(&op(r#"{"op": "enroll", "id": 1, "at": 0, "member": 1}"#))
        .unwrap();
    let referred = r#"{"op": "enroll", "id": 2, "at": 0, "member": 2, "referrer": 1}"#;
    engine.apply(&op(referred)).unwrap();
    // The fifth is after the campaigns and below the card's minimum: an achievement alone.
    let sales = [(5, "33.33"), (6, "50"), (7, "20"), (8, "2000"), (2000, "5")];
    let orders: Vec<Operation> = sales
        .iter()
        .enumerate()
        .map(|(i, (at, amount))| {
            op(&format!(
                r#"{{"op": "order", "id": {}, "at": {at}, "member": 2, "amount": "{amount}"}}"#,
                10 + i
            ))
        })
        .collect();
    let firsts: Vec<String> = orders
        .iter()
        .map(|o| json(&engine.apply(o).unwrap()))
        .collect();
    let says = |i: usize, what: &str| assert!(firsts[i].contains(what), "{what}: {}", firsts[i]);
    says(0, r#""campaign":"Spring""#);
    says(0, r#""stamps":["visits"]"#);
    says(2, r#""stamp_rewards":"5"#); // the third stamp fills the card
    says(3, r#""achievement":"Big visits""#);
    says(4, r#""achievement":"Fifth""#);
    assert!(!firsts[4].contains("Spring"), "{}", firsts[4]);

    let snapshot: Value = serde_json::from_str(&engine.snapshot_json()).unwrap();
    let applied = &snapshot["engine"]["applied"];
    for (id, whole) in [
        (10, false),
        (11, false),
        (12, false),
        (13, false),
        (14, true),
    ] {
        let entry = &applied[id.to_string()];
        assert_eq!(entry.get("outcome").is_some(), whole, "order {id}: {entry}");
    }
    let refund = r#"{"op": "refund", "id": 20, "at": 2001, "order": 10, "amount": "33.33"}"#;
    engine.apply(&op(refund)).unwrap();
    let rename = Operation::Configure(Box::new(loyalty_core::Configure::new(
        21,
        2002,
        program("Autumn", "coffees"),
    )));
    engine.apply(&rename).unwrap();
    let from_json = Engine::from_snapshot_json(&engine.snapshot_json()).unwrap();
    let from_bytes = Engine::from_snapshot_bytes(&engine.snapshot_bytes()).unwrap();
    for mut e in [engine, from_json, from_bytes] {
        for (order, first) in orders.iter().zip(&firsts) {
            assert_eq!(&json(&e.outcome(order.id().unwrap()).unwrap()), first);
            let again = json(&e.apply(order).unwrap());
            assert_eq!(&again, first, "the names and figures of then");
        }
    }
}
