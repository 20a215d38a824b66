//! No input, however bad, makes the core panic: huge numbers, 30 decimal places, negative
//! zero, ids at `u64::MAX`, timestamps at the `i64` extremes, malformed fields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_core::{Engine, Operation, Program};
use proptest::prelude::*;

const DECIMALS: &[&str] = &[
    "0",
    "-0",
    "0.00",
    "1",
    "0.01",
    "12.345",
    "-5",
    "7",
    " 7 ",
    "",
    "abc",
    "1e5",
    "NaN",
    "0.000000000000000000000000000001",
    "1.000000000000000000000000000001",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "79228162514264337593543950336",
    "1000000000000000",
    "1000000000000000.01",
    "999999999999999.99",
    "0.5",
    "3",
];
const TIMES: &[i64] = &[
    i64::MIN,
    i64::MIN + 1,
    -86_400,
    -1,
    0,
    1_767_225_600,
    1_767_312_000,
    i64::MAX - 86_400,
    i64::MAX - 1,
    i64::MAX,
];
const IDS: &[u64] = &[0, 1, 2, 3, u64::MAX - 1, u64::MAX];

fn program() -> impl Strategy<Value = Program> {
    (any::<bool>(), 0usize..3).prop_map(|(long, rounding)| {
        let days = if long { 36_500 } else { 1 };
        let json = format!(
            r#"{{"money_scale": 8, "points_scale": 8, "rounding": "{}", "pending_days": {days}, "expiry_days": {days},
                "point_value": "0.00000001",
                "tiers": {{"basis": "points", "window_days": {days}, "levels": [
                    {{"name": "A", "threshold": "0", "accrual_rate": "1000", "referral_rates": ["1000", "0.000000000001"], "discount": "0.999999999999"}},
                    {{"name": "B", "threshold": "1000000000000000", "accrual_rate": "0.000000000001"}}]}},
                "transfers": {{"min_points": "0", "fee_rate": "1", "daily_limit": "1000000000000000"}},
                "campaigns": [{{"name": "c", "from": {}, "to": {}, "multiplier": "1000", "bonus_rate": "1000"}}],
                "birthday": {{"points": "1000000000000000", "days_before": 365}},
                "stamps": [{{"name": "s", "card_size": 1, "reward_points": "1000000000000000"}}],
                "achievements": [{{"name": "a", "spend": "0.00000001", "points": "1000000000000000"}}],
                "surveys": {{"points": "1000000000000000"}}}}"#,
            ["down", "half_up", "half_even"][rounding],
            i64::MIN,
            i64::MAX
        );
        Program::from_json(&json).unwrap()
    })
}

fn operation() -> impl Strategy<Value = String> {
    let dec = prop::sample::select(DECIMALS);
    let at = prop::sample::select(TIMES);
    let id = prop::sample::select(IDS);
    (0usize..8, id.clone(), at, id.clone(), id, dec.clone(), dec, -3i64..14).prop_map(|(kind, op_id, at, a, b, x, y, n)| match kind {
        0 => format!(r#"{{"op": "enroll", "id": {op_id}, "at": {at}, "member": {a}, "referrer": {b}, "birthday": "02-29"}}"#),
        1 => format!(r#"{{"op": "enroll", "id": {op_id}, "at": {at}, "member": {a}, "birthday": "12-31"}}"#),
        2 => format!(r#"{{"op": "order", "id": {op_id}, "at": {at}, "member": {a}, "amount": "{x}", "points": "{y}"}}"#),
        3 => format!(r#"{{"op": "refund", "id": {op_id}, "at": {at}, "order": {b}, "amount": "{x}"}}"#),
        4 => format!(r#"{{"op": "transfer", "id": {op_id}, "at": {at}, "from": {a}, "to": {b}, "points": "{x}"}}"#),
        5 => format!(r#"{{"op": "adjust", "id": {op_id}, "at": {at}, "member": {a}, "points": "{x}"}}"#),
        6 => format!(r#"{{"op": "survey", "id": {op_id}, "at": {at}, "member": {a}, "score": {n}}}"#),
        _ => format!(r#"{{"op": "tick", "at": {at}}}"#),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_input_makes_the_engine_panic(program in program(), ops in prop::collection::vec(operation(), 1..40)) {
        let mut engine = Engine::new(program).unwrap();
        for op in &ops {
            let before = engine.state_digest();
            if Operation::from_json(op).and_then(|op| engine.apply(&op)).is_err() {
                prop_assert_eq!(before, engine.state_digest());
            }
            prop_assert!(engine.verify().is_ok(), "{:?} after {}", engine.verify(), op);
            for id in IDS {
                let _ = engine.member(*id);
                let _ = engine.price(*id, &[loyalty_core::Line::new(None, loyalty_core::Decimal::MAX)]);
            }
            let _ = engine.leaderboard(usize::MAX);
            let _ = engine.nps(&loyalty_core::NpsQuery { from: Some(i64::MIN), to: Some(i64::MAX), ..Default::default() });
        }
    }
}

#[test]
fn garbage_json_is_an_error_not_a_panic() {
    for text in [
        "",
        "{",
        "null",
        "[]",
        r#"{"op": 5}"#,
        r#"{"op": "order", "id": -1}"#,
        r#"{"op": "order", "id": 1e400}"#,
        r#"{"op": "order", "id": 1, "at": 99999999999999999999, "member": 1, "amount": "1"}"#,
    ] {
        assert!(Operation::from_json(text).is_err(), "{text}");
    }
    for text in [
        "",
        "{",
        r#"{"tiers": {"levels": [{"name": "A", "threshold": "1e400", "accrual_rate": "1"}]}}"#,
        r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "1"}]}, "money_scale": 4294967296}"#,
        r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "1"}]}, "pending_days": 9223372036854775807}"#,
    ] {
        let e = Program::from_json(text).err().map(|e| e.kind());
        assert_eq!(e, Some(loyalty_core::ErrorKind::InvalidConfig), "{text}");
    }
}
