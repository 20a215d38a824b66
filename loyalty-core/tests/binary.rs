//! Binary journal records (issue 11): every operation comes back exactly (decimal scales and
//! signs included), damage is an error and never a panic, the format is pinned by a fixed
//! vector, and replaying binary records rebuilds the state that applying the operations built.
#![allow(clippy::unwrap_used, clippy::panic)]

use loyalty_core::{
    Adjust, Configure, Decimal, Engine, Enroll, ErrorKind, Line, Operation, Order, Program, Refund,
    Survey, Tick, Transfer,
};
use proptest::prelude::*;

fn decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0_u32..=28, any::<bool>(), 0_u8..3).prop_map(|(m, scale, wide, shape)| {
        let mantissa = match shape {
            0 => i128::from(m % 1_000_000),
            1 => i128::from(m),
            _ => i128::from(m) << 30,
        };
        let mut d = Decimal::try_from_i128_with_scale(mantissa, scale).unwrap_or_default();
        if wide && d.is_zero() {
            d.set_sign_negative(true);
        }
        d
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z ☕é]{1,12}"]
}

fn operation() -> impl Strategy<Value = Operation> {
    let head = (any::<u64>(), any::<i64>(), any::<u64>());
    prop_oneof![
        (
            head,
            proptest::option::of(any::<u64>()),
            proptest::option::of(text()),
            proptest::option::of(decimal()),
            any::<bool>()
        )
            .prop_map(|((id, at, m), referrer, birthday, purchase, q)| {
                let mut o = Enroll::new(id, at, m);
                o.referrer = referrer;
                o.birthday = birthday;
                o.purchase = purchase;
                o.questionnaire = q;
                o.into()
            }),
        (
            head,
            decimal(),
            decimal(),
            proptest::collection::vec((proptest::option::of(text()), decimal()), 0..4)
        )
            .prop_map(|((id, at, m), amount, points, lines)| {
                let mut o = Order::new(id, at, m, amount);
                o.points = points;
                o.lines = lines
                    .iter()
                    .map(|(c, a)| Line::new(c.as_deref(), *a))
                    .collect();
                o.into()
            }),
        (head, decimal()).prop_map(|((id, at, order), a)| Refund::new(id, at, order, a).into()),
        (head, any::<u64>(), decimal())
            .prop_map(|((id, at, from), to, p)| Transfer::new(id, at, from, to, p).into()),
        (head, decimal(), text()).prop_map(|((id, at, m), p, reason)| {
            let mut o = Adjust::new(id, at, m, p);
            o.reason = reason;
            o.into()
        }),
        any::<i64>().prop_map(|at| Tick::new(at).into()),
        (head, any::<i64>(), proptest::option::of(text())).prop_map(|((id, at, m), score, seg)| {
            let mut o = Survey::new(id, at, m, score);
            o.segment = seg;
            o.into()
        }),
    ]
}

/// The same operation, decimals compared bit for bit (`==` compares them by value).
fn exactly(a: &Operation, b: &Operation) -> bool {
    a == b && format!("{a:?}") == format!("{b:?}")
}

proptest! {
    #[test]
    fn every_operation_comes_back_exactly(ops in proptest::collection::vec(operation(), 1..8)) {
        let mut bytes = Vec::new();
        for op in &ops {
            op.to_binary(&mut bytes);
        }
        let mut at = 0;
        for op in &ops {
            let (back, used) = Operation::from_binary(&bytes[at..]).unwrap();
            prop_assert!(exactly(&back, op), "{back:?} ≠ {op:?}");
            at += used;
        }
        prop_assert_eq!(at, bytes.len());
    }

    /// Every cut of a record and every flipped byte is an error or another valid operation,
    /// never a panic.
    #[test]
    fn damage_is_an_error_not_a_panic(op in operation(), flip in any::<(usize, u8)>()) {
        let mut bytes = Vec::new();
        op.to_binary(&mut bytes);
        for cut in 0..bytes.len() {
            let err = Operation::from_binary(&bytes[..cut]).unwrap_err();
            prop_assert_eq!(err.kind(), ErrorKind::InvalidInput);
        }
        let i = flip.0 % bytes.len();
        bytes[i] ^= flip.1 | 1;
        let _ = Operation::from_binary(&bytes);
    }
}

#[test]
fn a_configure_carries_its_program() {
    let program = Program::from_json(
        r#"{"name": "Café", "tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0.05"}]}}"#,
    )
    .unwrap();
    let op: Operation = Configure::new(3, 4, program).into();
    let mut bytes = Vec::new();
    op.to_binary(&mut bytes);
    assert_eq!(Operation::from_binary(&bytes).unwrap(), (op, bytes.len()));
}

/// The format, pinned: a record written today must read the same way in every later version.
#[test]
fn fixed_vector() {
    let mut order = Order::new(0x0102, -1, 7, Decimal::new(1250, 2));
    order.lines = vec![Line::new(Some("tea"), Decimal::new(1250, 2))];
    let mut bytes = Vec::new();
    Operation::from(order).to_binary(&mut bytes);
    let hex = bytes.iter().fold(String::new(), |mut s, b| {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
        s
    });
    assert_eq!(
        hex,
        concat!(
            "01",
            "02",
            "0201000000000000",
            "ffffffffffffffff",
            "0700000000000000",
            "02e204000000000000",
            "000000000000000000",
            "01000000",
            "01",
            "03000000",
            "746561",
            "02e204000000000000"
        )
    );
    assert!(Operation::from_binary(&[2, 2])
        .unwrap_err()
        .to_string()
        .contains("version 2"));
    assert!(Operation::from_binary(&[1, 99])
        .unwrap_err()
        .to_string()
        .contains("kind 99"));
}

/// Replaying binary records gives the state applying the operations gave; a record that does
/// not apply stops the replay and names it.
#[test]
fn replaying_binary_records_rebuilds_the_state() {
    let program = Program::from_json(
        r#"{"tiers": {"levels": [
            {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
            {"name": "Wolf", "threshold": "500", "accrual_rate": "0.05", "referral_rates": ["0.02"]}]},
            "pending_days": 1}"#,
    )
    .unwrap();
    let mut live = Engine::new(program.clone()).unwrap();
    let mut bytes = Vec::new();
    let mut ops: Vec<Operation> = vec![Enroll::new(1, 0, 10).into()];
    for m in 11..40_u64 {
        let mut e = Enroll::new(m, 0, m);
        e.referrer = Some(m - 1);
        ops.push(e.into());
    }
    for i in 0..300_u64 {
        ops.push(
            Order::new(
                1000 + i,
                i as i64 * 3_000,
                10 + i % 30,
                Decimal::new(i as i64 * 137 + 100, 2),
            )
            .into(),
        );
        if i % 7 == 0 {
            ops.push(
                Refund::new(
                    5000 + i,
                    i as i64 * 3_000 + 1,
                    1000 + i,
                    Decimal::new(50, 2),
                )
                .into(),
            );
        }
    }
    ops.push(Tick::new(10_000_000).into());
    for op in &ops {
        live.apply(op).unwrap();
        op.to_binary(&mut bytes);
    }
    let mut replayed = Engine::new(program.clone()).unwrap();
    assert_eq!(replayed.replay_binary(&bytes).unwrap(), ops.len() as u64);
    assert_eq!(replayed.state_digest(), live.state_digest());

    let mut bad = Vec::new();
    Operation::from(Order::new(1, 0, 99, Decimal::ONE)).to_binary(&mut bad);
    let mut fresh = Engine::new(program).unwrap();
    let err = fresh.replay_binary(&bad).unwrap_err();
    assert!(err.to_string().contains("binary record 0"), "{err}");
}
