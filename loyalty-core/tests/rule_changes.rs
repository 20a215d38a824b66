//! Rules that a `configure` changes under members' feet (SPEC 8.4, 8.5).
//!
//! Birthday gifts against an independent model: at 00:00 UTC of every day, the rule
//! in force gifts every member enrolled before that instant whose birthday (for some year)
//! falls `days_before` days later, unless the member was already gifted for that birthday year.
//! The supervisor moves `days_before` at random times in between.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::{available, ok, one_level, DAY, T0};
use loyalty_core::{Account, Configure, Decimal, Engine, Enroll, Operation, Program, Tick};
use proptest::prelude::*;
use serde_json::json;

const HOUR: i64 = 3_600;
const HORIZON_DAYS: i64 = 1_000;

fn program(days_before: i64) -> Program {
    Program::from_json(
        &json!({
            "tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0"}]},
            "birthday": {"points": "1", "days_before": days_before},
        })
        .to_string(),
    )
    .unwrap()
}

/// Days from 1970-01-01 to a civil date (Gregorian), written independently of the engine's
/// calendar: count whole years, then months.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let leap = |y: i64| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let mut days: i64 = 0;
    for y in 1970..year {
        days += if leap(y) { 366 } else { 365 };
    }
    let lengths: [u32; 12] = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    for m in 1..month {
        days += i64::from(lengths[m as usize - 1]);
    }
    days + i64::from(day.min(lengths[month as usize - 1])) - 1
}

/// The gift instant for the birthday `(month, day)` in `year`, `days_before` days early.
fn gift_instant(birthday: (u32, u32), year: i64, days_before: i64) -> i64 {
    (days_from_civil(year, birthday.0, birthday.1) - days_before) * DAY
}

#[derive(Debug, Clone)]
struct Case {
    first_rule: i64,
    /// `(birthday, enrolled at)`.
    members: Vec<((u32, u32), i64)>,
    /// `(at, days_before)`, never at midnight, so that one rule is in force at each gift instant.
    configures: Vec<(i64, i64)>,
}

/// Mostly a few shared days (members of one day are where a moved rule can gift some and not
/// others; 29 February and the year's ends are the calendar's edges), sometimes any day.
fn birthday() -> impl Strategy<Value = (u32, u32)> {
    prop_oneof![
        3 => prop::sample::select(vec![(3, 1), (2, 29), (1, 1), (12, 31)]),
        1 => (1u32..=12, 1u32..=31).prop_filter("a real day", |(m, d)| {
            *d <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][*m as usize - 1]
        }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let member = (birthday(), 0..HORIZON_DAYS / 2, 0..24i64)
        .prop_map(|(b, day, hour)| (b, T0 + day * DAY + hour * HOUR));
    let configure = (0..HORIZON_DAYS, 1..24i64, 0i64..=365)
        .prop_map(|(day, hour, days_before)| (T0 + day * DAY + hour * HOUR, days_before));
    (
        0i64..=365,
        prop::collection::vec(member, 1..10),
        prop::collection::vec(configure, 0..8),
    )
        .prop_map(|(first_rule, members, configures)| Case {
            first_rule,
            members,
            configures,
        })
}

/// `(member, instant)` of every gift the model gives over the horizon.
fn model_gifts(case: &Case) -> BTreeSet<(u64, i64)> {
    let mut gifted: BTreeSet<(u64, i64)> = BTreeSet::new(); // (member, birthday year)
    let mut gifts = BTreeSet::new();
    for day in 0..=HORIZON_DAYS {
        let t = T0 + day * DAY;
        let rule = case
            .configures
            .iter()
            .filter(|(at, _)| *at < t)
            .max_by_key(|(at, _)| *at)
            .map_or(case.first_rule, |(_, db)| *db);
        for (i, (birthday, enrolled)) in case.members.iter().enumerate() {
            let member = i as u64 + 1;
            if *enrolled >= t {
                continue;
            }
            let year = 1970 + (t / DAY) / 366; // a year at or before t's; scan from there
            for y in year..year + 3 {
                if gift_instant(*birthday, y, rule) == t && gifted.insert((member, y)) {
                    gifts.insert((member, t));
                }
            }
        }
    }
    gifts
}

/// `(member, at)` of every gift the engine gives, day by day.
fn engine_gifts(case: &Case) -> (BTreeSet<(u64, i64)>, Engine) {
    let mut ops: Vec<Operation> = Vec::new();
    for (i, (birthday, at)) in case.members.iter().enumerate() {
        let birthday = Some(format!("{:02}-{:02}", birthday.0, birthday.1));
        let member = i as u64 + 1;
        ops.push(Operation::Enroll(
            Enroll::new(member, *at, member).with_birthday(birthday),
        ));
    }
    for (i, (at, days_before)) in case.configures.iter().enumerate() {
        let op = Configure::new(100 + i as u64, *at, program(*days_before));
        ops.push(Operation::Configure(Box::new(op)));
    }
    for day in 0..=HORIZON_DAYS {
        ops.push(Operation::Tick(Tick::new(T0 + day * DAY)));
    }
    // Stable: at one instant, enrolments first, then configures, then the tick.
    ops.sort_by_key(Operation::at);
    let mut engine = Engine::new(program(case.first_rule)).unwrap();
    let mut gifts = BTreeSet::new();
    for op in &ops {
        let outcome = engine.apply(op).unwrap();
        for p in &outcome.postings {
            if let (Account::Issued, Account::Available(m)) = (p.from, p.to) {
                assert_eq!(p.points, Decimal::ONE);
                assert!(
                    gifts.insert((m, op.at())),
                    "member {m} gifted twice at {}",
                    op.at()
                );
            }
        }
    }
    (gifts, engine)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// No member is gifted twice for one birthday year, and every member enrolled before a
    /// gift instant of the rule in force at that instant, and not yet gifted for that year, is
    /// gifted exactly then, however the supervisor moves `days_before`.
    #[test]
    fn every_member_is_gifted_once_per_birthday_year_at_the_rule_in_force(case in case()) {
        let expected = model_gifts(&case);
        let (actual, engine) = engine_gifts(&case);
        prop_assert_eq!(&actual, &expected);
        let issued = engine.totals().issued;
        prop_assert_eq!(issued, Decimal::from(expected.len() as u64));
        prop_assert!(engine.verify().is_ok());
        // The gifted years are state: a snapshot restores them, so no gift is given again.
        let mut restored = Engine::from_snapshot_json(&engine.snapshot_json()).unwrap();
        prop_assert_eq!(restored.state_digest(), engine.state_digest());
        let end = T0 + (HORIZON_DAYS + 400) * DAY;
        let mut original = engine;
        let a = original.apply(&Operation::Tick(Tick::new(end))).unwrap();
        let b = restored.apply(&Operation::Tick(Tick::new(end))).unwrap();
        prop_assert_eq!(a, b);
    }
}

/// The issue's example, tried as a new user would: with `days_before: 40`, A (enrolled on
/// 1 January) is gifted on 20 January for a 1 March birthday; B enrolls on 25 January; the
/// supervisor sets `days_before: 0`; on 1 March A gets nothing more and B gets the gift.
#[test]
fn a_member_enrolled_after_the_old_gift_day_is_gifted_on_the_new_one() {
    let mut engine = Engine::new(program(40)).unwrap();
    let enroll =
        |id, at| Operation::Enroll(Enroll::new(id, at, id).with_birthday(Some("03-01".into())));
    engine.apply(&enroll(1, T0)).unwrap();
    engine
        .apply(&Operation::Tick(Tick::new(T0 + 19 * DAY)))
        .unwrap();
    assert_eq!(engine.member(1).unwrap().available, Decimal::ONE);
    engine.apply(&enroll(2, T0 + 24 * DAY)).unwrap();
    let configure = Configure::new(3, T0 + 25 * DAY, program(0));
    engine
        .apply(&Operation::Configure(Box::new(configure)))
        .unwrap();
    let march_first = T0 + 59 * DAY;
    engine
        .apply(&Operation::Tick(Tick::new(march_first - 1)))
        .unwrap();
    assert_eq!(engine.member(2).unwrap().available, Decimal::ZERO);
    let out = engine
        .apply(&Operation::Tick(Tick::new(march_first)))
        .unwrap();
    assert_eq!(out.postings.len(), 1, "only B: {:?}", out.postings);
    assert_eq!(engine.member(1).unwrap().available, Decimal::ONE);
    assert_eq!(engine.member(2).unwrap().available, Decimal::ONE);
}

/// A rejected operation whose advance gave gifts takes them back, gifted years included: the
/// retry at a valid time gives them again, once.
#[test]
fn a_rejected_operation_takes_back_the_gifts_and_the_gifted_years() {
    let mut engine = Engine::new(program(0)).unwrap();
    let enroll = Enroll::new(1, T0, 1).with_birthday(Some("01-02".into()));
    engine.apply(&Operation::Enroll(enroll)).unwrap();
    let before = engine.state_digest();
    let snapshot = engine.snapshot_json();
    // Three years of gifts fall due on the way, and each schedules the next: a rejected
    // operation must leave none of them behind, or every rejection would start a second
    // yearly chain of gift events (and the schedule would double with each one).
    let bad = Enroll::new(2, T0 + 3 * 365 * DAY, 1);
    assert!(engine.apply(&Operation::Enroll(bad)).is_err());
    assert_eq!(engine.state_digest(), before);
    assert_eq!(engine.snapshot_json(), snapshot);
    engine
        .apply(&Operation::Tick(Tick::new(T0 + 2 * DAY)))
        .unwrap();
    assert_eq!(engine.member(1).unwrap().available, Decimal::ONE);
}

/// A snapshot written before gifted years were kept per member (2026-11-24 main) still loads,
/// as every member of a day gifted for the year that day was last gifted for.
#[test]
fn a_snapshot_from_before_per_member_years_loads() {
    let text = include_str!("data/snapshot-2026-11-24-birthdays.json");
    let mut engine = Engine::from_snapshot_json(text).unwrap();
    assert_eq!(engine.member(1).unwrap().available, Decimal::from(250));
    assert_eq!(engine.member(2).unwrap().available.to_string(), "115.77");
    // Members 1 and 2 (10 January) were gifted for 2027; the 2028 gift comes on 7 January.
    let jan7_2028 = gift_instant((1, 10), 2028, 3);
    engine
        .apply(&Operation::Tick(Tick::new(jan7_2028 - 1)))
        .unwrap();
    assert_eq!(engine.member(1).unwrap().available, Decimal::from(250));
    engine
        .apply(&Operation::Tick(Tick::new(jan7_2028)))
        .unwrap();
    assert_eq!(engine.member(1).unwrap().available, Decimal::from(350));
    assert!(engine.verify().is_ok());
}

/// SPEC 8.5: while a card's count is at least `card_size`, it drops by `card_size` and pays
/// `reward_points`; a `configure` that shrinks the card pays every full card at the member's
/// next stamp on it (and not before: the configure itself stamps nothing).
#[test]
fn a_shrunk_stamp_card_pays_every_full_card_at_the_next_stamp() {
    let card = |size: u32| {
        format!(
            r#""stamps": [{{"name": "c", "category": null, "min_amount": "0", "card_size": {size}, "reward_points": "5"}}]"#
        )
    };
    let mut e = one_level("0", &card(5));
    ok(
        &mut e,
        &format!(r#"{{"op": "enroll", "id": 1, "at": {T0}, "member": 1}}"#),
    );
    for id in 2..=5 {
        ok(
            &mut e,
            &format!(r#"{{"op": "order", "id": {id}, "at": {T0}, "member": 1, "amount": "1"}}"#),
        );
    }
    assert_eq!(e.member(1).unwrap().stamps.get("c"), Some(&4));
    let levels = r#"{"levels": [{"name": "L", "threshold": "0", "accrual_rate": "0"}]}"#;
    ok(
        &mut e,
        &format!(
            r#"{{"op": "configure", "id": 6, "at": {T0}, "program": {{"tiers": {levels}, {}}}}}"#,
            card(2)
        ),
    );
    assert_eq!(
        available(&e, 1),
        Decimal::ZERO,
        "configure pays nothing by itself"
    );
    let out = ok(
        &mut e,
        &format!(r#"{{"op": "order", "id": 7, "at": {T0}, "member": 1, "amount": "1"}}"#),
    );
    // Five stamps on a card of two: two full cards paid, one stamp left.
    assert_eq!(available(&e, 1), Decimal::from(10));
    assert_eq!(e.member(1).unwrap().stamps.get("c"), Some(&1));
    let rewards: Decimal = out
        .postings
        .iter()
        .filter(|p| p.from == Account::Issued)
        .map(|p| p.points)
        .sum();
    assert_eq!(rewards, Decimal::from(10), "{:?}", out.postings);
}

/// A `configure` planned or applied provisionally (the birthday rule moved, every gift day
/// rescheduled) is taken back whole: the gifts then fall as under the old rule.
#[test]
fn a_planned_or_reverted_configure_leaves_the_old_rule_in_force() {
    let mut engine = Engine::new(program(0)).unwrap();
    let enroll = Enroll::new(1, T0, 1).with_birthday(Some("01-10".into()));
    engine.apply(&Operation::Enroll(enroll)).unwrap();
    let before = engine.state_digest();
    let configure: Operation = Configure::new(2, T0 + HOUR, program(5)).into();
    let planned = engine.plan(&configure).unwrap();
    assert_eq!(engine.state_digest(), before);
    let (outcome, provisional) = engine.apply_provisionally(&configure).unwrap();
    assert_eq!(outcome, planned);
    assert_ne!(engine.state_digest(), before);
    engine.revert(provisional);
    assert_eq!(engine.state_digest(), before);
    // Under the old rule (0 days before) nothing is given five days early.
    engine
        .apply(&Operation::Tick(Tick::new(T0 + 5 * DAY)))
        .unwrap();
    assert_eq!(engine.member(1).unwrap().available, Decimal::ZERO);
    engine
        .apply(&Operation::Tick(Tick::new(T0 + 10 * DAY)))
        .unwrap();
    assert_eq!(engine.member(1).unwrap().available, Decimal::ONE);
}

/// SPEC 5.3: a refund never moves a value backwards. Under `half_up` a first refund of a fifth
/// claws round(3 × 6/30 = 0.6) = 1 point; after a `configure` to `down`, a refund reaching
/// 9 of 30 finds round(0.9) = 0 below what already moved: it moves nothing (no point given
/// back, no spend added), and the last refund moves exactly the rest.
#[test]
fn a_refund_after_a_rounding_change_never_moves_a_value_backwards() {
    let rules = |rounding: &str| {
        json!({"points_scale": 0, "money_scale": 0, "rounding": rounding,
               "tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}})
    };
    let mut e = Engine::new(Program::from_json(&rules("half_up").to_string()).unwrap()).unwrap();
    ok(
        &mut e,
        &format!(r#"{{"op": "enroll", "id": 1, "at": {T0}, "member": 1}}"#),
    );
    ok(
        &mut e,
        &format!(r#"{{"op": "order", "id": 2, "at": {T0}, "member": 1, "amount": "30"}}"#),
    );
    assert_eq!(available(&e, 1), Decimal::from(3));
    let refund = |id: u64, amount: &str| {
        format!(r#"{{"op": "refund", "id": {id}, "at": {T0}, "order": 2, "amount": "{amount}"}}"#)
    };
    let first = ok(&mut e, &refund(3, "6"));
    assert_eq!(first.effect.accrual_clawed(), Decimal::from(1));
    assert_eq!(available(&e, 1), Decimal::from(2));
    let down = json!({"op": "configure", "id": 4, "at": T0, "program": rules("down")});
    ok(&mut e, &down.to_string());
    let second = ok(&mut e, &refund(5, "3"));
    assert_eq!(second.effect.accrual_clawed(), Decimal::ZERO);
    assert_eq!(available(&e, 1), Decimal::from(2));
    assert_eq!(e.member(1).unwrap().qualifying, Decimal::from(21));
    let last = ok(&mut e, &refund(6, "21"));
    assert_eq!(last.effect.accrual_clawed(), Decimal::from(2));
    assert_eq!(available(&e, 1), Decimal::ZERO);
    assert_eq!(e.member(1).unwrap().qualifying, Decimal::ZERO);
    e.verify().unwrap();
}
