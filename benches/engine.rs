//! Criterion benchmarks of every operation and query.
//!
//! `cargo bench --bench engine` (a few minutes on 2 cores); `cargo bench --bench engine -- order`
//! for one group. Results and the machine they ran on are in `docs/performance.md`.

// A benchmark that hits an error should stop loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use loyalty::{
    Decimal, Engine, Enroll, NpsQuery, Operation, Order, Program, Refund, Survey, Tick, Transfer,
};

const T0: i64 = 1_767_225_600;

/// One referral level, the Falcon rates.
const PROGRAM: &str = r#"{"tiers": {"levels": [
    {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
    {"name": "Wolf", "threshold": "2500", "accrual_rate": "0.05", "referral_rates": ["0.02"]},
    {"name": "Lion", "threshold": "10000", "accrual_rate": "0.07", "referral_rates": ["0.03"]}]}}"#;

/// Member ids in a scrambled order, so that lookups miss the cache as in a real shop.
struct Picker(u64);

impl Picker {
    fn next(&mut self, members: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % members + 1
    }
}

/// An engine with `members` members, each referred by the one before (one level paid).
fn population(members: u64) -> Engine {
    let mut engine =
        Engine::new(Program::from_json(PROGRAM).expect("valid program")).expect("engine");
    for m in 1..=members {
        let referrer = (m > 1).then(|| m - 1);
        let op = Operation::Enroll(Enroll::new(m, T0, m).with_referrer(referrer));
        engine.apply(&op).expect("enrol");
    }
    engine
}

fn orders(c: &mut Criterion) {
    let mut group = c.benchmark_group("order");
    for members in [10_000u64, 100_000, 1_000_000] {
        let mut engine = population(members);
        let mut pick = Picker(0x9E37_79B9_7F4A_7C15);
        let mut id = 10 * members;
        group.bench_with_input(BenchmarkId::from_parameter(members), &members, |b, &n| {
            b.iter(|| {
                id += 1;
                let op =
                    Operation::Order(Order::new(id, T0, pick.next(n), Decimal::new(123_450, 2)));
                let out = engine.apply_ref(black_box(&op)).expect("order accepted");
                assert!(!out.postings.is_empty(), "an order credits its accrual");
            });
        });
    }
    group.finish();
}

fn transfers_and_refunds(c: &mut Criterion) {
    let members = 100_000u64;
    let mut engine = population(members);
    let mut pick = Picker(7);
    let mut id = 10 * members;
    // Everyone has points to send, and orders to refund.
    let mut order_ids = Vec::new();
    for m in 1..=members {
        id += 1;
        let op = Operation::Order(Order::new(id, T0, m, Decimal::from(100_000)));
        engine.apply(&op).expect("order");
        order_ids.push(id);
    }
    c.bench_function("transfer/100000", |b| {
        b.iter(|| {
            id += 1;
            let from = pick.next(members);
            let to = from % members + 1;
            let op = Operation::Transfer(Transfer::new(id, T0, from, to, Decimal::ONE));
            engine.apply_ref(black_box(&op)).expect("transfer accepted");
        });
    });
    let mut next_order = 0;
    c.bench_function("refund/100000", |b| {
        b.iter(|| {
            id += 1;
            let order = order_ids[next_order % order_ids.len()];
            next_order += 1;
            let op = Operation::Refund(Refund::new(id, T0, order, Decimal::new(1, 2)));
            engine.apply_ref(black_box(&op)).expect("refund accepted");
        });
    });
}

fn queries(c: &mut Criterion) {
    let members = 100_000u64;
    let mut engine = population(members);
    for m in 1..=1_000 {
        let op = Operation::Survey(Survey::new(10 * members + m, T0, m, (m % 11) as i64));
        engine.apply(&op).expect("survey");
    }
    let mut pick = Picker(11);
    c.bench_function("member_view/100000", |b| {
        b.iter(|| {
            let view = engine
                .member(black_box(pick.next(members)))
                .expect("member");
            assert!(view.available >= Decimal::ZERO);
        });
    });
    c.bench_function("totals", |b| b.iter(|| black_box(engine.totals())));
    c.bench_function("nps/1000_answers", |b| {
        b.iter(|| black_box(engine.nps(&NpsQuery::default())).responses);
    });
    let mut at = T0;
    c.bench_function("tick/nothing_due", |b| {
        b.iter(|| {
            at += 1;
            engine
                .apply(black_box(&Operation::Tick(Tick::new(at))))
                .expect("tick");
        });
    });
    c.bench_function("leaderboard/10_of_100000", |b| {
        b.iter(|| black_box(engine.leaderboard(10)).len());
    });
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = orders, transfers_and_refunds, queries }
criterion_main!(benches);
