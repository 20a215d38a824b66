//! The edges of SPEC v1: rounding, scales, refunds, debt, time, transfers, tiers, ids.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use loyalty_core::{Account, Effect, ErrorKind};

fn enroll(e: &mut loyalty_core::Engine, id: u64, member: u64, at: i64) {
    ok(
        e,
        &format!(r#"{{"op": "enroll", "id": {id}, "at": {at}, "member": {member}}}"#),
    );
}

fn order(
    e: &mut loyalty_core::Engine,
    id: u64,
    member: u64,
    at: i64,
    amount: &str,
) -> loyalty_core::Outcome {
    ok(
        e,
        &format!(
            r#"{{"op": "order", "id": {id}, "at": {at}, "member": {member}, "amount": "{amount}"}}"#
        ),
    )
}

#[test]
fn rounding_modes_at_one_half() {
    for (mode, want_15, want_25) in [
        ("down", "1", "2"),
        ("half_up", "2", "3"),
        ("half_even", "2", "2"),
    ] {
        let mut e = one_level(
            "0.01",
            &format!(r#""rounding": "{mode}", "points_scale": 0"#),
        );
        enroll(&mut e, 1, 1, T0);
        order(&mut e, 2, 1, T0, "150");
        assert_eq!(available(&e, 1), d(want_15), "{mode}: 1.5");
        enroll(&mut e, 3, 2, T0);
        order(&mut e, 4, 2, T0, "250");
        assert_eq!(available(&e, 2), d(want_25), "{mode}: 2.5");
    }
}

#[test]
fn scale_zero_money_and_points() {
    let mut e = one_level("0.03", r#""money_scale": 0, "points_scale": 0"#);
    enroll(&mut e, 1, 1, T0);
    assert_eq!(
        err(
            &mut e,
            r#"{"op": "order", "id": 2, "at": 0, "member": 1, "amount": "10.5"}"#
        ),
        ErrorKind::TimeWentBackwards
    );
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "order", "id": 2, "at": {T0}, "member": 1, "amount": "10.5"}}"#)
        ),
        ErrorKind::InvalidAmount
    );
    order(&mut e, 2, 1, T0, "99.000");
    assert_eq!(available(&e, 1), d("2"));
    assert_eq!(view(&e, 1).available.to_string(), "2");
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "adjust", "id": 3, "at": {T0}, "member": 1, "points": "0.5"}}"#)
        ),
        ErrorKind::InvalidAmount
    );
}

#[test]
fn refunds_in_thirds_reverse_exactly() {
    let mut e = one_level("0.07", "");
    enroll(&mut e, 1, 1, T0);
    order(&mut e, 2, 1, T0, "100");
    assert_eq!(available(&e, 1), d("7"));
    let mut clawed = Vec::new();
    for (id, part) in [(3, "33.33"), (4, "33.33"), (5, "33.34")] {
        let out = ok(
            &mut e,
            &format!(
                r#"{{"op": "refund", "id": {id}, "at": {T0}, "order": 2, "amount": "{part}"}}"#
            ),
        );
        let Effect::Refunded(r) = out.effect else {
            panic!("not a refund")
        };
        clawed.push(r.accrual_clawed);
    }
    assert_eq!(clawed, vec![d("2.33"), d("2.33"), d("2.34")]);
    assert_eq!(available(&e, 1), d("0"));
    assert_eq!(view(&e, 1).qualifying, d("0"));
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "refund", "id": 6, "at": {T0}, "order": 2, "amount": "0.01"}}"#)
        ),
        ErrorKind::RefundExceedsOrder
    );
}

#[test]
fn one_third_of_300_is_100() {
    let mut e = one_level("0.1", "");
    enroll(&mut e, 1, 1, T0);
    ok(
        &mut e,
        &format!(r#"{{"op": "adjust", "id": 2, "at": {T0}, "member": 1, "points": "300"}}"#),
    );
    ok(
        &mut e,
        &format!(
            r#"{{"op": "order", "id": 3, "at": {T0}, "member": 1, "amount": "300", "points": "300"}}"#
        ),
    );
    let out = ok(
        &mut e,
        &format!(r#"{{"op": "refund", "id": 4, "at": {T0}, "order": 3, "amount": "100"}}"#),
    );
    let Effect::Refunded(r) = out.effect else {
        panic!("not a refund")
    };
    assert_eq!(r.points_returned, d("100"));
    assert_eq!(e.totals().redeemed, d("200"));
}

#[test]
fn debt_is_paid_by_later_credits_first() {
    let mut e = one_level("0.1", "");
    enroll(&mut e, 1, 1, T0);
    order(&mut e, 2, 1, T0, "1000");
    ok(
        &mut e,
        &format!(
            r#"{{"op": "order", "id": 3, "at": {T0}, "member": 1, "amount": "200", "points": "100"}}"#
        ),
    );
    assert_eq!(available(&e, 1), d("10"));
    ok(
        &mut e,
        &format!(r#"{{"op": "refund", "id": 4, "at": {T0}, "order": 2, "amount": "1000"}}"#),
    );
    assert_eq!(available(&e, 1), d("-90"));
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "adjust", "id": 5, "at": {T0}, "member": 1, "points": "-1"}}"#)
        ),
        ErrorKind::InsufficientPoints
    );
    assert_eq!(
        err(
            &mut e,
            &format!(
                r#"{{"op": "order", "id": 5, "at": {T0}, "member": 1, "amount": "10", "points": "1"}}"#
            )
        ),
        ErrorKind::InsufficientPoints
    );
    ok(
        &mut e,
        &format!(r#"{{"op": "adjust", "id": 5, "at": {T0}, "member": 1, "points": "50"}}"#),
    );
    assert_eq!(available(&e, 1), d("-40"));
    order(&mut e, 6, 1, T0, "1000");
    assert_eq!(available(&e, 1), d("60"));
    let t = e.totals();
    assert_eq!(
        (t.issued, t.redeemed, t.liability),
        (d("160"), d("100"), d("60"))
    );
}

#[test]
fn release_comes_before_expiry_at_the_same_second() {
    let mut e = one_level("0.1", r#""pending_days": 1, "expiry_days": 1"#);
    enroll(&mut e, 1, 1, T0);
    ok(
        &mut e,
        &format!(r#"{{"op": "adjust", "id": 2, "at": {T0}, "member": 1, "points": "5"}}"#),
    );
    order(&mut e, 3, 1, T0, "100");
    assert_eq!(
        (view(&e, 1).available, view(&e, 1).pending),
        (d("5"), d("10"))
    );
    // At T0 + 1 day the accrual is released (a lot expiring a day later) and the adjustment expires.
    let at = T0 + DAY;
    let spend_too_much = format!(
        r#"{{"op": "order", "id": 4, "at": {at}, "member": 1, "amount": "20", "points": "10.01"}}"#
    );
    assert_eq!(err(&mut e, &spend_too_much), ErrorKind::InsufficientPoints);
    assert_eq!(
        view(&e, 1).pending,
        d("10"),
        "a rejected operation releases nothing"
    );
    ok(
        &mut e,
        &format!(
            r#"{{"op": "order", "id": 4, "at": {at}, "member": 1, "amount": "20", "points": "10"}}"#
        ),
    );
    assert_eq!(e.totals().expired, d("5"));
    // 10 cash at 10 % is 1 point, pending for a day.
    assert_eq!(
        (view(&e, 1).available, view(&e, 1).pending),
        (d("0"), d("1"))
    );
}

#[test]
fn a_rejected_operation_does_not_move_the_clock() {
    let mut e = one_level("0.1", r#""pending_days": 2"#);
    enroll(&mut e, 1, 1, T0);
    order(&mut e, 2, 1, T0, "100");
    let later = T0 + 5 * DAY;
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "order", "id": 3, "at": {later}, "member": 9, "amount": "1"}}"#)
        ),
        ErrorKind::UnknownMember
    );
    assert_eq!(e.clock(), T0);
    assert_eq!(view(&e, 1).pending, d("10"));
    // The id stays unused and earlier times are still open.
    order(&mut e, 3, 1, T0 + DAY, "100");
    ok(&mut e, &format!(r#"{{"op": "tick", "at": {later}}}"#));
    assert_eq!(
        (view(&e, 1).available, view(&e, 1).pending),
        (d("20"), d("0"))
    );
}

#[test]
fn transfers_keep_expiry_dates() {
    let mut e = one_level("0", r#""expiry_days": 10"#);
    enroll(&mut e, 1, 1, T0);
    enroll(&mut e, 2, 2, T0);
    ok(
        &mut e,
        &format!(r#"{{"op": "adjust", "id": 3, "at": {T0}, "member": 1, "points": "100"}}"#),
    );
    ok(
        &mut e,
        &format!(
            r#"{{"op": "adjust", "id": 4, "at": {}, "member": 2, "points": "7"}}"#,
            T0 + 5 * DAY
        ),
    );
    let out = ok(
        &mut e,
        &format!(
            r#"{{"op": "transfer", "id": 5, "at": {}, "from": 1, "to": 2, "points": "50"}}"#,
            T0 + 5 * DAY
        ),
    );
    assert!(out.postings.iter().any(|p| p.from == Account::Available(1)
        && p.to == Account::Available(2)
        && p.points == d("50")));
    ok(
        &mut e,
        &format!(r#"{{"op": "tick", "at": {}}}"#, T0 + 10 * DAY),
    );
    assert_eq!(available(&e, 1), d("0"));
    assert_eq!(
        available(&e, 2),
        d("7"),
        "the 50 received expire on the sender's date"
    );
    ok(
        &mut e,
        &format!(r#"{{"op": "tick", "at": {}}}"#, T0 + 15 * DAY),
    );
    assert_eq!(available(&e, 2), d("0"));
    assert_eq!(e.totals().expired, d("107"));
}

#[test]
fn transfers_are_refused_when_disabled_and_fees_round_down() {
    let mut e = one_level("1", r#""transfers": {"enabled": false}"#);
    enroll(&mut e, 1, 1, T0);
    enroll(&mut e, 2, 2, T0);
    assert_eq!(
        err(
            &mut e,
            &format!(
                r#"{{"op": "transfer", "id": 3, "at": {T0}, "from": 1, "to": 9, "points": "1"}}"#
            )
        ),
        ErrorKind::TransfersDisabled
    );
    let mut e = one_level(
        "1",
        r#""transfers": {"fee_rate": "0.015", "min_points": "0"}"#,
    );
    enroll(&mut e, 1, 1, T0);
    enroll(&mut e, 2, 2, T0);
    order(&mut e, 3, 1, T0, "100");
    let out = ok(
        &mut e,
        &format!(
            r#"{{"op": "transfer", "id": 4, "at": {T0}, "from": 1, "to": 2, "points": "0.66"}}"#
        ),
    );
    assert!(matches!(out.effect, Effect::Transferred { fee, .. } if fee == d("0")));
    assert_eq!(
        err(
            &mut e,
            &format!(
                r#"{{"op": "transfer", "id": 5, "at": {T0}, "from": 1, "to": 2, "points": "99"}}"#
            )
        ),
        ErrorKind::InsufficientPoints
    );
    assert_eq!(
        err(
            &mut e,
            &format!(
                r#"{{"op": "transfer", "id": 5, "at": {T0}, "from": 1, "to": 2, "points": "0"}}"#
            )
        ),
        ErrorKind::InvalidAmount
    );
}

#[test]
fn pending_points_cannot_be_sent() {
    let mut e = one_level("1", r#""pending_days": 3"#);
    enroll(&mut e, 1, 1, T0);
    enroll(&mut e, 2, 2, T0);
    order(&mut e, 3, 1, T0, "100");
    assert_eq!(
        err(
            &mut e,
            &format!(
                r#"{{"op": "transfer", "id": 4, "at": {T0}, "from": 1, "to": 2, "points": "10"}}"#
            )
        ),
        ErrorKind::InsufficientPoints
    );
}

#[test]
fn window_tiers_go_down_as_time_passes() {
    let levels = r#"[{"name": "A", "threshold": "0", "accrual_rate": "0.01"}, {"name": "B", "threshold": "100", "accrual_rate": "0.02"}]"#;
    let json = format!(r#"{{"tiers": {{"window_days": 30, "levels": {levels}}}}}"#);
    let mut e =
        loyalty_core::Engine::new(loyalty_core::Program::from_json(&json).unwrap()).unwrap();
    enroll(&mut e, 1, 1, T0);
    order(&mut e, 2, 1, T0, "100");
    assert_eq!(view(&e, 1).tier, "B");
    ok(
        &mut e,
        &format!(r#"{{"op": "tick", "at": {}}}"#, T0 + 30 * DAY - 1),
    );
    assert_eq!(view(&e, 1).tier, "B");
    ok(
        &mut e,
        &format!(r#"{{"op": "tick", "at": {}}}"#, T0 + 30 * DAY),
    );
    let v = view(&e, 1);
    assert_eq!(
        (v.tier.as_str(), v.qualifying, v.to_next),
        ("A", d("0"), Some(d("100")))
    );
    // An order priced after the fall earns at A's rate: 1 + 0.5.
    order(&mut e, 3, 1, T0 + 30 * DAY, "50");
    assert_eq!(available(&e, 1), d("1.5"));
}

#[test]
fn configure_changes_what_comes_after_only() {
    let mut e = one_level("0.1", r#""pending_days": 2"#);
    enroll(&mut e, 1, 1, T0);
    order(&mut e, 2, 1, T0, "100");
    let program = r#"{"pending_days": 0, "tiers": {"levels": [{"name": "L", "threshold": "0", "accrual_rate": "0.5"}]}}"#;
    ok(
        &mut e,
        &format!(r#"{{"op": "configure", "id": 3, "at": {T0}, "program": {program}}}"#),
    );
    order(&mut e, 4, 1, T0, "100");
    assert_eq!(
        (view(&e, 1).available, view(&e, 1).pending),
        (d("50"), d("10"))
    );
    // A refund of the earlier order reverses what it credited, not today's rate.
    ok(
        &mut e,
        &format!(r#"{{"op": "refund", "id": 5, "at": {T0}, "order": 2, "amount": "100"}}"#),
    );
    assert_eq!(
        (view(&e, 1).available, view(&e, 1).pending),
        (d("50"), d("0"))
    );
    let scale = r#"{"money_scale": 3, "tiers": {"levels": [{"name": "L", "threshold": "0", "accrual_rate": "0.5"}]}}"#;
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "configure", "id": 6, "at": {T0}, "program": {scale}}}"#)
        ),
        ErrorKind::InvalidConfig
    );
    let basis = r#"{"tiers": {"basis": "points", "levels": [{"name": "L", "threshold": "0", "accrual_rate": "0.5"}]}}"#;
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "configure", "id": 6, "at": {T0}, "program": {basis}}}"#)
        ),
        ErrorKind::InvalidConfig
    );
}

#[test]
fn retries_return_the_original_outcome_whatever_the_time() {
    let mut e = one_level("0.1", "");
    enroll(&mut e, 1, 1, T0);
    let first = order(&mut e, 2, 1, T0, "100");
    ok(&mut e, &format!(r#"{{"op": "tick", "at": {}}}"#, T0 + DAY));
    let digest = e.state_digest();
    let again = ok(
        &mut e,
        &format!(
            r#"{{"op": "order", "id": 2, "at": {}, "member": 1, "amount": "100.00"}}"#,
            T0 - DAY
        ),
    );
    assert_eq!(first, again);
    assert_eq!(digest, e.state_digest());
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "adjust", "id": 2, "at": {T0}, "member": 1, "points": "1"}}"#)
        ),
        ErrorKind::IdConflict
    );
    assert_eq!(
        err(
            &mut e,
            &format!(r#"{{"op": "enroll", "id": 1, "at": {T0}, "member": 2}}"#)
        ),
        ErrorKind::IdConflict
    );
    // A tick has no id and may repeat.
    ok(&mut e, &format!(r#"{{"op": "tick", "at": {}}}"#, T0 + DAY));
}

#[test]
fn commissions_follow_the_referrers_level_and_depth() {
    let levels = r#"[{"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
                     {"name": "Lion", "threshold": "10000", "accrual_rate": "0.07", "referral_rates": ["0.03", "0.01"]}]"#;
    let mut e = engine(levels, "");
    enroll(&mut e, 1, 1, T0);
    ok(
        &mut e,
        &format!(r#"{{"op": "enroll", "id": 2, "at": {T0}, "member": 2, "referrer": 1}}"#),
    );
    ok(
        &mut e,
        &format!(r#"{{"op": "enroll", "id": 3, "at": {T0}, "member": 3, "referrer": 2}}"#),
    );
    order(&mut e, 4, 1, T0, "10000");
    assert_eq!(view(&e, 1).tier, "Lion");
    let out = order(&mut e, 5, 3, T0, "1000");
    let Effect::Ordered(o) = out.effect else {
        panic!("not an order")
    };
    let got: Vec<(u64, u32, _)> = o
        .commissions
        .iter()
        .map(|c| (c.member, c.depth, c.points))
        .collect();
    assert_eq!(got, vec![(2, 1, d("10")), (1, 2, d("10"))]);
    assert_eq!(o.accrued, d("30"));
}

#[test]
fn the_tier_before_the_order_prices_it() {
    let levels = r#"[{"name": "A", "threshold": "0", "accrual_rate": "0.01"}, {"name": "B", "threshold": "100", "accrual_rate": "0.5"}]"#;
    let mut e = engine(levels, "");
    enroll(&mut e, 1, 1, T0);
    let out = order(&mut e, 2, 1, T0, "1000");
    let Effect::Ordered(o) = out.effect else {
        panic!("not an order")
    };
    assert_eq!(o.accrued, d("10"));
    assert_eq!(o.tier_changes.len(), 1);
    assert_eq!(
        (
            o.tier_changes[0].from.as_str(),
            o.tier_changes[0].to.as_str()
        ),
        ("A", "B")
    );
    assert_eq!(view(&e, 1).next_tier, None);
    assert_eq!(view(&e, 1).to_next, None);
}

#[test]
fn redemption_rules_in_order() {
    let mut e = one_level(
        "0",
        r#""point_value": "0.5", "redemption": {"max_share": "0.5", "min_points": "10"}"#,
    );
    enroll(&mut e, 1, 1, T0);
    ok(
        &mut e,
        &format!(r#"{{"op": "adjust", "id": 2, "at": {T0}, "member": 1, "points": "100"}}"#),
    );
    let spend = |id: u64, amount: &str, points: &str| {
        format!(
            r#"{{"op": "order", "id": {id}, "at": {T0}, "member": 1, "amount": "{amount}", "points": "{points}"}}"#
        )
    };
    assert_eq!(err(&mut e, &spend(3, "100", "9")), ErrorKind::BelowMinimum);
    assert_eq!(
        err(&mut e, &spend(3, "100", "101")),
        ErrorKind::RedemptionCap
    );
    assert_eq!(
        err(&mut e, &spend(3, "300", "101")),
        ErrorKind::InsufficientPoints
    );
    assert_eq!(
        err(&mut e, &spend(3, "100", "-1")),
        ErrorKind::InvalidAmount
    );
    let out = ok(&mut e, &spend(3, "100", "100"));
    let Effect::Ordered(o) = out.effect else {
        panic!("not an order")
    };
    assert_eq!(o.cash, d("50"));
}

#[test]
fn enrolment_rules() {
    let mut e = one_level("0", "");
    enroll(&mut e, 1, u64::MAX, i64::MIN);
    assert_eq!(
        err(
            &mut e,
            r#"{"op": "enroll", "id": 2, "at": 0, "member": 18446744073709551615}"#
        ),
        ErrorKind::MemberExists
    );
    assert_eq!(
        err(
            &mut e,
            r#"{"op": "enroll", "id": 2, "at": 0, "member": 5, "referrer": 5}"#
        ),
        ErrorKind::SelfReferral
    );
    assert_eq!(
        err(
            &mut e,
            r#"{"op": "enroll", "id": 2, "at": 0, "member": 5, "referrer": 6}"#
        ),
        ErrorKind::UnknownReferrer
    );
    ok(
        &mut e,
        r#"{"op": "enroll", "id": 2, "at": 0, "member": 5, "referrer": 18446744073709551615}"#,
    );
    assert_eq!(view(&e, 5).referrer, Some(u64::MAX));
    assert_eq!(view(&e, u64::MAX).referrals, 1);
}

/// Times past `i64::MAX` saturate: points whose release or expiry would fall beyond the end of
/// time release or expire at its last instant, `tick(i64::MAX)`, and not before
/// (docs/behaviour.md).
#[test]
fn releases_and_expiries_beyond_the_end_of_time_fall_at_its_last_instant() {
    let mut e = one_level("1", r#""pending_days": 2, "expiry_days": 3"#);
    let late = i64::MAX - DAY;
    ok(
        &mut e,
        &format!(r#"{{"op": "enroll", "id": 1, "at": {late}, "member": 1}}"#),
    );
    ok(
        &mut e,
        &format!(r#"{{"op": "order", "id": 2, "at": {late}, "member": 1, "amount": "10"}}"#),
    );
    ok(
        &mut e,
        &format!(r#"{{"op": "adjust", "id": 3, "at": {late}, "member": 1, "points": "4"}}"#),
    );
    ok(
        &mut e,
        &format!(r#"{{"op": "tick", "at": {}}}"#, i64::MAX - 1),
    );
    let before = view(&e, 1);
    assert_eq!((before.available, before.pending), (d("4"), d("10")));
    ok(&mut e, &format!(r#"{{"op": "tick", "at": {}}}"#, i64::MAX));
    let after = view(&e, 1);
    // Released and expired at the same last instant: releases come first (SPEC 8.4 order),
    // then every lot due expires.
    assert_eq!((after.available, after.pending), (d("0"), d("0")));
    assert_eq!(e.totals().expired, d("14"));
}

/// A JSON number names what the caller wrote: an integer beyond 64 bits (which the JSON parser
/// can only hold as a float) is "too large", a fraction "a binary float"; both change nothing.
#[test]
fn json_numbers_are_refused_for_what_they_are() {
    for (amount, says) in [
        (
            "10000000000000000000000000000000000000000",
            "1e40 is too large for a JSON integer",
        ),
        ("1e40", "1e40 is too large for a JSON integer"),
        ("12.5", "12.5 is a binary float"),
    ] {
        let text =
            format!(r#"{{"op": "order", "id": 2, "at": 0, "member": 1, "amount": {amount}}}"#);
        let err = loyalty_core::Operation::from_json(&text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidAmount, "{err}");
        assert!(err.to_string().contains(says), "{amount}: {err}");
    }
}

/// A refused operation changes nothing, down to the snapshot's text: the time index is
/// written in time order, not in the heap's order, which the undone advance reshuffles.
#[test]
fn a_refused_operation_leaves_the_snapshot_text_as_it_was() {
    let program = loyalty_core::Program::from_json(
        r#"{"pending_days": 1, "expiry_days": 3, "tiers": {"levels": [
            {"name": "A", "threshold": "0", "accrual_rate": "0.1"}]}}"#,
    )
    .unwrap();
    let mut e = loyalty_core::Engine::new(program).unwrap();
    let t0 = 1_767_225_600;
    for m in 1..=40 {
        enroll(&mut e, m, m, t0);
    }
    // Orders out of member order, two hours apart: many events falling due in turn.
    for (i, m) in (1..=40).map(|m| (m * 17) % 41).enumerate() {
        let op = format!(
            r#"{{"op": "order", "id": {}, "at": {}, "member": {m}, "amount": "{}"}}"#,
            100 + i,
            t0 + 7_200 * i as i64,
            10 * m
        );
        e.apply(&loyalty_core::Operation::from_json(&op).unwrap())
            .unwrap();
    }
    let (text, bytes) = (e.snapshot_json(), e.snapshot_bytes());
    // Far enough that some releases fall due (and schedule expiries): the advance runs, then
    // is undone.
    let refused = format!(
        r#"{{"op": "order", "id": 999, "at": {}, "member": 77, "amount": "1"}}"#,
        t0 + 4 * 86_400 + 3_600
    );
    let err = e
        .apply(&loyalty_core::Operation::from_json(&refused).unwrap())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownMember);
    assert_eq!(e.snapshot_json(), text);
    assert_eq!(e.snapshot_bytes(), bytes);
}

/// A total at the `Decimal` bound saturates instead of adding: the books would not balance,
/// and the transaction's commit check refuses the operation with every write taken back.
#[test]
fn an_operation_that_would_unbalance_the_books_is_refused_and_changes_nothing() {
    let mut e = one_level("1", r#""points_scale": 0"#);
    enroll(&mut e, 1, 7, 0);
    order(&mut e, 2, 7, 10, "1000");
    let mut json: serde_json::Value = serde_json::from_str(&e.snapshot_json()).unwrap();
    let near_bound = "79228162514264337593543900000";
    let expired = "79228162514264337593543899000";
    json["engine"]["totals"]["issued"] = near_bound.into();
    json["engine"]["totals"]["expired"] = expired.into();
    let mut e = loyalty_core::Engine::from_snapshot_json(&json.to_string()).unwrap();
    e.verify().unwrap();
    let before = e.state_digest();
    let refused = apply(
        &mut e,
        r#"{"op": "order", "id": 3, "at": 20, "member": 7, "amount": "1000000"}"#,
    )
    .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidAmount);
    assert!(refused.to_string().contains("unbalanced"), "{refused}");
    assert_eq!(e.state_digest(), before);
    assert_eq!(e.member(7).unwrap().available.to_string(), "1000");
    e.verify().unwrap();
    // A small order still fits under the bound.
    order(&mut e, 4, 7, 30, "100");
    assert_eq!(e.member(7).unwrap().available.to_string(), "1100");
}
