//! A snapshot is input like any other: one doctored at random (indices out of range, negative
//! or huge amounts, broken sums) is refused with an error when it is loaded, or, if it is still
//! a state the engine could have reached, it keeps working. It never panics, then or later.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_core::{Engine, ErrorKind, Operation, Program};
use proptest::prelude::*;
use serde_json::Value;

const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

/// A state touching every table: referrals two deep, pending credits, expiring lots,
/// transfers, a campaign, a stamp card, an achievement, birthdays, a survey, a refund, an open
/// redemption and a cancelled one.
fn rich_engine() -> Engine {
    let program = Program::from_json(&format!(
        r#"{{"pending_days": 1, "expiry_days": 30,
            "tiers": {{"basis": "spend", "window_days": 90, "levels": [
                {{"name": "A", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.02", "0.01"]}},
                {{"name": "B", "threshold": "300", "accrual_rate": "0.1", "referral_rates": ["0.03"]}}]}},
            "transfers": {{"min_points": "1", "daily_limit": "100", "fee_rate": "0.1"}},
            "campaigns": [{{"name": "spring", "from": {T0}, "to": {}, "multiplier": "2"}}],
            "birthday": {{"points": "5", "days_before": 3}},
            "stamps": [{{"name": "coffee", "card_size": 2, "reward_points": "4"}}],
            "achievements": [{{"name": "first", "orders": 1, "points": "1"}}],
            "surveys": {{"points": "2"}},
            "rewards": [{{"name": "mug", "points": "1", "stock": 5}}, {{"name": "pin", "points": "2"}}]}}"#,
        T0 + 10 * DAY
    ))
    .unwrap();
    let mut engine = Engine::new(program).unwrap();
    let ops = [
        format!(r#"{{"op": "enroll", "id": 1, "at": {T0}, "member": 10, "birthday": "01-05"}}"#),
        format!(r#"{{"op": "enroll", "id": 2, "at": {T0}, "member": 20, "referrer": 10}}"#),
        format!(
            r#"{{"op": "enroll", "id": 3, "at": {T0}, "member": 30, "referrer": 20, "birthday": "02-01"}}"#
        ),
        format!(
            r#"{{"op": "order", "id": 4, "at": {}, "member": 30, "amount": "400"}}"#,
            T0 + 1
        ),
        format!(
            r#"{{"op": "order", "id": 5, "at": {}, "member": 20, "amount": "50"}}"#,
            T0 + DAY + 5
        ),
        format!(
            r#"{{"op": "transfer", "id": 6, "at": {}, "from": 30, "to": 10, "points": "5"}}"#,
            T0 + 2 * DAY
        ),
        format!(
            r#"{{"op": "refund", "id": 7, "at": {}, "order": 4, "amount": "100"}}"#,
            T0 + 2 * DAY
        ),
        format!(
            r#"{{"op": "survey", "id": 8, "at": {}, "member": 10, "score": 9}}"#,
            T0 + 2 * DAY
        ),
        format!(
            r#"{{"op": "order", "id": 9, "at": {}, "member": 10, "amount": "20"}}"#,
            T0 + 3 * DAY
        ),
        format!(
            r#"{{"op": "redeem", "id": 11, "at": {}, "member": 10, "reward": "mug", "quantity": 2}}"#,
            T0 + 3 * DAY
        ),
        format!(
            r#"{{"op": "redeem", "id": 12, "at": {}, "member": 10, "reward": "pin"}}"#,
            T0 + 3 * DAY
        ),
        format!(
            r#"{{"op": "cancel", "id": 13, "at": {}, "redemption": 12}}"#,
            T0 + 3 * DAY
        ),
    ];
    for op in &ops {
        engine.apply(&Operation::from_json(op).unwrap()).unwrap();
    }
    engine
}

/// Paths to every scalar of a JSON value.
fn leaves(value: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                leaves(item, path, out);
                path.pop();
            }
        }
        Value::Object(fields) => {
            for (k, item) in fields {
                path.push(PathStep::Key(k.clone()));
                leaves(item, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Index(usize),
    Key(String),
}

fn at_path<'a>(value: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        PathStep::Index(i) => &mut v[*i],
        PathStep::Key(k) => &mut v[k.as_str()],
    })
}

const HOSTILE_INTEGERS: [i64; 11] = [
    0,
    1,
    2,
    3,
    -1,
    99,
    415,
    416,
    u32::MAX as i64,
    i64::MAX,
    i64::MIN,
];
const HOSTILE_TEXTS: [&str; 9] = [
    "0",
    "-1",
    "-0.01",
    "1",
    "0.001",
    "1000000000000000",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "x",
];

/// Every hostile value: integers at the edges of the index and count types, decimals at the
/// edges of the amount range, and the wrong types.
fn hostile_values() -> Vec<Value> {
    let integers = HOSTILE_INTEGERS.iter().map(|&i| Value::from(i));
    let texts = HOSTILE_TEXTS.iter().map(|&t| Value::from(t));
    integers
        .chain(texts)
        .chain([Value::Null, Value::Bool(true)])
        .collect()
}

fn hostile_value() -> impl Strategy<Value = Value> {
    prop::sample::select(hostile_values())
}

/// What a host does with a restored engine: every kind of operation, far ticks, queries.
fn exercise(engine: &mut Engine) {
    let ops = [
        format!(
            r#"{{"op": "order", "id": 100, "at": {}, "member": 30, "amount": "80", "points": "1"}}"#,
            T0 + 4 * DAY
        ),
        format!(
            r#"{{"op": "order", "id": 101, "at": {}, "member": 20, "amount": "10"}}"#,
            T0 + 4 * DAY
        ),
        format!(
            r#"{{"op": "refund", "id": 102, "at": {}, "order": 4, "amount": "300"}}"#,
            T0 + 5 * DAY
        ),
        format!(
            r#"{{"op": "refund", "id": 103, "at": {}, "order": 9, "amount": "20"}}"#,
            T0 + 5 * DAY
        ),
        format!(
            r#"{{"op": "transfer", "id": 104, "at": {}, "from": 10, "to": 30, "points": "2"}}"#,
            T0 + 5 * DAY
        ),
        format!(
            r#"{{"op": "enroll", "id": 105, "at": {}, "member": 40, "referrer": 30, "birthday": "03-01"}}"#,
            T0 + 6 * DAY
        ),
        format!(
            r#"{{"op": "order", "id": 106, "at": {}, "member": 40, "amount": "30"}}"#,
            T0 + 6 * DAY
        ),
        format!(
            r#"{{"op": "adjust", "id": 107, "at": {}, "member": 20, "points": "-1000"}}"#,
            T0 + 7 * DAY
        ),
        format!(
            r#"{{"op": "cancel", "id": 108, "at": {}, "redemption": 11}}"#,
            T0 + 7 * DAY
        ),
        format!(
            r#"{{"op": "redeem", "id": 109, "at": {}, "member": 10, "reward": "mug", "quantity": 3}}"#,
            T0 + 7 * DAY
        ),
        format!(r#"{{"op": "tick", "at": {}}}"#, T0 + 400 * DAY),
        format!(
            r#"{{"op": "order", "id": 4, "at": {}, "member": 30, "amount": "400"}}"#,
            T0 + 401 * DAY
        ),
        format!(r#"{{"op": "tick", "at": {}}}"#, i64::MAX),
    ];
    for op in &ops {
        let _ = engine.apply(&Operation::from_json(op).unwrap());
        assert!(engine.verify().is_ok(), "{:?} after {op}", engine.verify());
        for id in [10, 20, 30, 40] {
            let _ = engine.member(id);
        }
        let _ = engine.leaderboard(10);
        let _ = (engine.stock_left("mug"), engine.stock_left("pin"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_doctored_snapshot_is_refused_or_works(
        picks in prop::collection::vec((any::<prop::sample::Index>(), hostile_value()), 1..4)
    ) {
        let original = rich_engine();
        let mut json: Value = serde_json::from_str(&original.snapshot_json()).unwrap();
        let mut paths = Vec::new();
        leaves(&json, &mut Vec::new(), &mut paths);
        for (index, value) in picks {
            let path: &Vec<PathStep> = index.get(&paths);
            *at_path(&mut json, path) = value;
        }
        load_and_exercise(&json);
    }
}

/// Loads a doctored snapshot: refused as bad input (or a bad program), or working on.
fn load_and_exercise(json: &Value) {
    match Engine::from_snapshot_json(&json.to_string()) {
        Err(e) => assert!(
            matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::InvalidConfig),
            "{e}"
        ),
        Ok(mut engine) => {
            assert!(engine.verify().is_ok());
            exercise(&mut engine);
        }
    }
}

/// The same, exhaustively for one change: every leaf of the snapshot set to every hostile
/// value, so that a rare combination is not left to the luck of the random cases.
#[test]
fn every_leaf_set_to_every_hostile_value_is_refused_or_works() {
    let original: Value = serde_json::from_str(&rich_engine().snapshot_json()).unwrap();
    let mut paths = Vec::new();
    leaves(&original, &mut Vec::new(), &mut paths);
    let try_paths = |paths: &[Vec<PathStep>]| {
        let mut failures = Vec::new();
        for path in paths {
            for value in hostile_values() {
                let mut json = original.clone();
                *at_path(&mut json, path) = value.clone();
                if std::panic::catch_unwind(|| load_and_exercise(&json)).is_err() {
                    failures.push(format!("{path:?} = {value}"));
                }
            }
        }
        failures
    };
    // Nine thousand cases: one thread per core.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(paths.len().div_ceil(threads))
            .map(|chunk| scope.spawn(|| try_paths(chunk)))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} panics: {failures:#?}",
        failures.len()
    );
}

/// The issue's example: a referrer index beyond the members, with totals that still balance.
#[test]
fn a_referrer_out_of_range_is_refused_naming_it() {
    let engine = rich_engine();
    let mut json: Value = serde_json::from_str(&engine.snapshot_json()).unwrap();
    json["engine"]["members"][1]["referrer"] = Value::from(99);
    let err = Engine::from_snapshot_json(&json.to_string()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("referrer") && err.to_string().contains("99"),
        "{err}"
    );
    // The last position a `u32` holds marks "no referrer" in a member row: refused too, not
    // read as no referrer.
    json["engine"]["members"][1]["referrer"] = Value::from(u32::MAX);
    let err = Engine::from_snapshot_json(&json.to_string()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("4294967295"), "{err}");
    // The same snapshot undoctored still loads and works.
    let mut restored = Engine::from_snapshot_json(&engine.snapshot_json()).unwrap();
    assert_eq!(restored.state_digest(), engine.state_digest());
    exercise(&mut restored);
}
