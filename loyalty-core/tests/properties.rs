//! Property tests: the invariants of SPEC section 3 over random programs and random
//! operation sequences. Each test is named after the property it states.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use loyalty_core::{
    Account, Adjust, Cancel, Decimal, Effect, Engine, Enroll, Hold, Offline, Operation, Order,
    Program, Redeem, Refund, Release, Survey, Tick, Transfer,
};
use proptest::prelude::*;
use serde_json::json;

const T0: i64 = 1_767_225_600;
const HOUR: i64 = 3_600;

/// A random valid program (v1, or v1 with engagement features when `engagement`).
fn program(engagement: bool) -> impl Strategy<Value = Program> {
    (
        (0u32..=3, 0u32..=3, 0usize..3, 0usize..3),
        (0i64..=2, prop::option::of(1i64..=5), any::<bool>(), prop::option::of(1i64..=4)),
        (1usize..=3, prop::collection::vec(0usize..5, 3), prop::collection::vec(0usize..4, 6)),
        (0usize..3, prop::option::of(1u32..=20), any::<bool>(), 0usize..3),
        any::<bool>(),
    )
        .prop_map(move |((ms, ps, rounding, pv), (pending, expiry, points_basis, window), (n, rates, refs), (fee, daily, min_tier, share), more)| {
            let rate = ["0", "0.03", "0.1", "0.333", "1.5"];
            let referral = ["0.01", "0.025", "0.1", "0.005"];
            let levels: Vec<_> = (0..n)
                .map(|i| {
                    json!({"name": format!("L{i}"), "threshold": (i * i * 40).to_string(),
                           "accrual_rate": rate[rates[i]],
                           "referral_rates": refs[i * 2..i * 2 + 1 + (refs[i * 2 + 1] % 2)].iter().map(|r| referral[*r]).collect::<Vec<_>>()})
                })
                .collect();
            let rounding = ["down", "half_up", "half_even"][rounding];
            let point_value = ["1", "0.5", "2"][pv];
            let max_share = ["1", "0.5", "0.9"][share];
            let fee_rate = ["0", "0.015", "0.1"][fee];
            let mut p = json!({
                "money_scale": ms, "points_scale": ps,
                "rounding": rounding,
                "point_value": point_value,
                "pending_days": pending, "expiry_days": expiry,
                "tiers": {"basis": if points_basis { "points" } else { "spend" }, "window_days": window, "levels": levels},
                "redemption": {"max_share": max_share},
                "transfers": {"min_points": "0", "fee_rate": fee_rate,
                              "daily_limit": daily.map(|d| (d * 10).to_string()),
                              "min_tier": if min_tier { Some("L0") } else { None }},
            });
            if engagement && more {
                p["campaigns"] = json!([{"name": "c", "from": T0 + 2 * 86_400, "to": T0 + 9 * 86_400,
                    "categories": ["a"], "multiplier": "2", "bonus_rate": "0.05", "budget": "25", "discount": "0.1"}]);
                p["stamps"] = json!([{"name": "s", "category": "a", "min_amount": "5", "card_size": 2, "reward_points": "3"}]);
                p["achievements"] = json!([{"name": "first", "orders": 1, "points": "2"}, {"name": "spender", "spend": "100"}]);
                p["birthday"] = json!({"points": "7", "days_before": 1});
                p["surveys"] = json!({"points": "1", "cooldown_days": 2});
                p["rewards"] = json!([{"name": "mug", "points": "3", "stock": 4},
                    {"name": "pass", "points": "20", "levels": ["L0"]}]);
                // SPEC v3: holds that time out within a few steps, and a grace where the
                // window allows one.
                p["holds"] = json!({"ttl_seconds": 2 * HOUR});
                if window.is_some() {
                    p["tiers"]["grace_days"] = json!(2);
                }
            }
            Program::from_json(&p.to_string()).expect("generated program is valid")
        })
}

/// One random step; amounts are integers scaled to the program's scales when played.
#[derive(Debug, Clone)]
enum Step {
    Enroll {
        member: u64,
        referrer: Option<u64>,
        birthday: bool,
    },
    Order {
        member: u64,
        units: i64,
        points: i64,
        split: bool,
    },
    Refund {
        pick: usize,
        units: i64,
    },
    Transfer {
        from: u64,
        to: u64,
        points: i64,
    },
    Adjust {
        member: u64,
        points: i64,
    },
    Survey {
        member: u64,
        score: i64,
    },
    Redeem {
        member: u64,
        pass: bool,
        quantity: u64,
    },
    Cancel {
        pick: usize,
    },
    Hold {
        member: u64,
        points: i64,
    },
    Release {
        pick: usize,
    },
    /// An order paying with an open hold's points.
    Capture {
        pick: usize,
        units: i64,
        points: i64,
    },
    /// An order a terminal made offline.
    Offline {
        member: u64,
        units: i64,
        points: i64,
        late: i64,
    },
    Tick,
    Retry {
        pick: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let member = 1u64..=6;
    prop_oneof![
        3 => (member.clone(), prop::option::of(1u64..=6), any::<bool>()).prop_map(|(member, referrer, birthday)| Step::Enroll { member, referrer, birthday }),
        6 => (member.clone(), 1i64..50_000, prop_oneof![3 => Just(0i64), 1 => 0i64..5_000], any::<bool>())
            .prop_map(|(member, units, points, split)| Step::Order { member, units, points, split }),
        3 => (any::<usize>(), 1i64..30_000).prop_map(|(pick, units)| Step::Refund { pick, units }),
        2 => (member.clone(), member.clone(), 1i64..3_000).prop_map(|(from, to, points)| Step::Transfer { from, to, points }),
        2 => (member.clone(), -2_000i64..5_000).prop_map(|(member, points)| Step::Adjust { member, points }),
        1 => (member.clone(), -1i64..=11).prop_map(|(member, score)| Step::Survey { member, score }),
        1 => (member.clone(), any::<bool>(), 0u64..=3).prop_map(|(member, pass, quantity)| Step::Redeem { member, pass, quantity }),
        1 => any::<usize>().prop_map(|pick| Step::Cancel { pick }),
        3 => (member.clone(), 1i64..1_500).prop_map(|(member, points)| Step::Hold { member, points }),
        1 => any::<usize>().prop_map(|pick| Step::Release { pick }),
        3 => (any::<usize>(), 1i64..50_000, 0i64..1_500).prop_map(|(pick, units, points)| Step::Capture { pick, units, points }),
        1 => (member, 1i64..10_000, 0i64..5_000, 0i64..2 * HOUR)
            .prop_map(|(member, units, points, late)| Step::Offline { member, units, points, late }),
        2 => Just(Step::Tick),
        1 => any::<usize>().prop_map(|pick| Step::Retry { pick }),
    ]
}

/// Plays steps into operations, with time moving forward (and now and then backward).
struct Player {
    engine: Engine,
    at: i64,
    next_id: u64,
    orders: Vec<u64>,
    accepted: Vec<(Operation, loyalty_core::Outcome)>,
    /// Members a clawback may have left in debt.
    clawed: HashSet<u64>,
    /// Each member's running grace as last seen: the level held and its end.
    graces: std::collections::HashMap<u64, (usize, i64)>,
}

impl Player {
    fn new(program: Program) -> Player {
        Player {
            engine: Engine::new(program).unwrap(),
            at: T0,
            next_id: 1,
            orders: Vec::new(),
            accepted: Vec::new(),
            clawed: HashSet::new(),
            graces: std::collections::HashMap::new(),
        }
    }

    fn money(&self, units: i64) -> Decimal {
        Decimal::new(units, 2).round_dp(self.engine.program().money_scale as u32)
    }

    fn points(&self, units: i64) -> Decimal {
        Decimal::new(units, 2).round_dp(self.engine.program().points_scale as u32)
    }

    /// The id of one of the last holds accepted (or of no hold at all).
    fn hold(&self, pick: usize) -> u64 {
        let holds: Vec<u64> = self
            .accepted
            .iter()
            .filter(|(o, _)| matches!(o, Operation::Hold(_)))
            .filter_map(|(o, _)| o.id())
            .collect();
        holds
            .iter()
            .rev()
            .nth(pick % 3)
            .copied()
            .unwrap_or(pick as u64)
    }

    fn operation(&mut self, step: &Step, dt: i64) -> Option<Operation> {
        self.at += dt;
        let (id, at) = (self.next_id, self.at);
        self.next_id += 1;
        Some(match step {
            Step::Enroll {
                member,
                referrer,
                birthday,
            } => Operation::Enroll(
                Enroll::new(id, at, *member)
                    .with_referrer(*referrer)
                    .with_birthday(birthday.then(|| String::from("01-03"))),
            ),
            Step::Order {
                member,
                units,
                points,
                split,
            } => {
                let amount = self.money(*units);
                let lines = if *split && amount > Decimal::ONE {
                    let a = self.money(units / 3).max(Decimal::ZERO);
                    vec![
                        loyalty_core::Line::new(Some("a"), a),
                        loyalty_core::Line::new(Some("b"), amount - a),
                    ]
                    .into_iter()
                    .filter(|l| l.amount > Decimal::ZERO)
                    .collect()
                } else {
                    Vec::new()
                };
                Operation::Order(
                    Order::new(id, at, *member, amount)
                        .with_points(self.points(*points))
                        .with_lines(lines),
                )
            }
            Step::Refund { pick, units } => {
                let order = *self.orders.get(pick % self.orders.len().max(1))?;
                Operation::Refund(Refund::new(id, at, order, self.money(*units)))
            }
            Step::Transfer { from, to, points } => {
                Operation::Transfer(Transfer::new(id, at, *from, *to, self.points(*points)))
            }
            Step::Adjust { member, points } => Operation::Adjust(
                Adjust::new(id, at, *member, self.points(*points)).with_reason(String::new()),
            ),
            Step::Survey { member, score } => {
                Operation::Survey(Survey::new(id, at, *member, *score))
            }
            Step::Redeem {
                member,
                pass,
                quantity,
            } => {
                let reward = if *pass { "pass" } else { "mug" };
                Operation::Redeem(Redeem::new(id, at, *member, reward).with_quantity(*quantity))
            }
            Step::Cancel { pick } => {
                let redemption = self
                    .accepted
                    .iter()
                    .filter(|(o, _)| matches!(o, Operation::Redeem(_)))
                    .filter_map(|(o, _)| o.id())
                    .nth(pick % 4)
                    .unwrap_or(*pick as u64);
                Operation::Cancel(Cancel::new(id, at, redemption))
            }
            Step::Hold { member, points } => {
                Operation::Hold(Hold::new(id, at, *member, self.points(*points)))
            }
            Step::Release { pick } => Operation::Release(Release::new(id, at, self.hold(*pick))),
            Step::Capture {
                pick,
                units,
                points,
            } => {
                let hold = self.hold(*pick);
                let member = self.accepted.iter().find_map(|(o, _)| match o {
                    Operation::Hold(h) if h.id == hold => Some(h.member),
                    _ => None,
                });
                let order = Order::new(id, at, member.unwrap_or(1), self.money(*units))
                    .with_points(self.points(*points));
                Operation::Order(order.with_hold(hold))
            }
            Step::Offline {
                member,
                units,
                points,
                late,
            } => {
                let amount = self.money(*units);
                let order = Order::new(id, at, *member, amount)
                    .with_points(self.points(*points).min(amount))
                    .with_offline(Offline::new("till", at - late));
                Operation::Order(order)
            }
            Step::Tick => Operation::Tick(Tick::new(at)),
            Step::Retry { pick } => {
                self.at -= dt;
                let (op, _) = self.accepted.get(pick % self.accepted.len().max(1))?;
                op.clone()
            }
        })
    }

    /// Applies `op` and checks every per-step property; returns whether it was accepted.
    fn play(&mut self, op: &Operation) -> Result<bool, TestCaseError> {
        if let Operation::Order(o) = op {
            // Before a capture, the clock passes its instant on its own (expiries, time-outs),
            // so that what the capture itself does is all that changes below.
            if o.hold.is_some() {
                let _ = self.engine.apply(&Tick::new(o.at).into());
            }
        }
        let before = self.engine.state_digest();
        let totals_before = self.engine.totals();
        let retried = self
            .accepted
            .iter()
            .find(|(o, _)| o.id().is_some() && o.id() == op.id())
            .map(|(_, out)| out.clone());
        let balances = |e: &Engine, m: u64| e.member(m).map(|v| v.available).unwrap_or_default();
        let held = |e: &Engine, m: u64| e.member(m).map(|v| v.held).unwrap_or_default();
        let buyer = match op {
            Operation::Order(o) => Some((
                o.member,
                balances(&self.engine, o.member),
                held(&self.engine, o.member),
            )),
            _ => None,
        };
        // With the points each side holds: a hold that times out as the clock moves to the
        // transfer's instant gives its points back first (holding and releasing post nothing).
        let (from_before, to_before) = match op {
            Operation::Transfer(t) => (
                (balances(&self.engine, t.from), held(&self.engine, t.from)),
                (balances(&self.engine, t.to), held(&self.engine, t.to)),
            ),
            _ => Default::default(),
        };
        // A dry run says exactly what applying will do, and changes nothing.
        let planned = self.engine.plan(op);
        prop_assert_eq!(
            before,
            self.engine.state_digest(),
            "planning changed the state: {:?}",
            op
        );
        let applied = self.engine.apply(op);
        prop_assert_eq!(
            &planned,
            &applied,
            "the plan differs from applying {:?}",
            op
        );
        match applied {
            Err(_) => {
                prop_assert_eq!(
                    before,
                    self.engine.state_digest(),
                    "a rejected operation changed the state: {:?}",
                    op
                );
                Ok(false)
            }
            Ok(outcome) => {
                if let Some(original) = retried {
                    prop_assert_eq!(&original, &outcome, "a retry returned another outcome");
                    // Also to the decimal scale (a compact record rebuilds it from the order).
                    prop_assert_eq!(
                        serde_json::to_string(&original).unwrap(),
                        serde_json::to_string(&outcome).unwrap()
                    );
                    prop_assert_eq!(
                        before,
                        self.engine.state_digest(),
                        "replaying an accepted id changed the state"
                    );
                    return Ok(true);
                }
                // The postings explain the totals: replaying them on the totals before gives the
                // totals after; the overdraft, a statistic beside the books, only grows.
                let mut replayed = replay_postings(totals_before, &outcome.postings);
                let after = self.engine.totals();
                prop_assert!(after.overdraft >= totals_before.overdraft);
                replayed.overdraft = after.overdraft;
                prop_assert_eq!(replayed, after);
                if let (Operation::Transfer(t), Effect::Transferred { points, fee, .. }) =
                    (op, &outcome.effect)
                {
                    // Transfers never create or destroy points, fees aside.
                    let fees: Decimal = outcome
                        .postings
                        .iter()
                        .filter(|p| p.to == Account::Fees)
                        .map(|p| p.points)
                        .sum();
                    prop_assert_eq!(fees, *fee);
                    prop_assert!(outcome
                        .postings
                        .iter()
                        .any(|p| p.from == Account::Available(t.from)
                            && p.to == Account::Available(t.to)
                            && p.points == *points));
                    let own = |p: &&loyalty_core::Posting| {
                        p.from == Account::Available(t.from)
                            && (p.to == Account::Available(t.to) || p.to == Account::Fees)
                    };
                    if outcome.postings.iter().filter(own).count() == outcome.postings.len() {
                        let released = |m: u64, (available, held_before): (Decimal, Decimal)| {
                            available + held_before - held(&self.engine, m)
                        };
                        prop_assert_eq!(
                            balances(&self.engine, t.from),
                            released(t.from, from_before) - *points - *fee
                        );
                        prop_assert_eq!(
                            balances(&self.engine, t.to),
                            released(t.to, to_before) + *points
                        );
                    }
                }
                if let (Operation::Order(o), Some((m, available, held_before))) = (op, buyer) {
                    // A capture spends at most what its hold had, and only from it: the
                    // buyer's available points never fall (the rest of the hold and the
                    // order's credits only add).
                    if o.hold.is_some() {
                        let released = held_before - held(&self.engine, m);
                        prop_assert!(outcome.effect.points() <= released, "{:?}", outcome);
                        prop_assert!(balances(&self.engine, m) >= available, "{:?}", outcome);
                    }
                }
                if let Operation::Order(o) = op {
                    self.orders.push(o.id);
                    // An offline order's shortfall is debt.
                    if o.offline.is_some() {
                        self.clawed.insert(o.member);
                    }
                }
                if let Operation::Refund(r) = op {
                    if let Effect::Refunded(out) = &outcome.effect {
                        self.clawed
                            .extend(out.commissions_clawed.iter().map(|c| c.member));
                    }
                    let buyer = self.accepted.iter().find_map(|(o, _)| match o {
                        Operation::Order(x) if x.id == r.order => Some(x.member),
                        _ => None,
                    });
                    self.clawed.extend(buyer);
                }
                if op.id().is_some() {
                    self.accepted.push((op.clone(), outcome));
                }
                Ok(true)
            }
        }
    }

    fn check_state(&mut self) -> Result<(), TestCaseError> {
        prop_assert!(self.engine.verify().is_ok(), "{:?}", self.engine.verify());
        // Campaign budgets are never exceeded (the generated campaign's budget is 25).
        let used = self.engine.campaign_used("c");
        prop_assert!(
            used >= Decimal::ZERO && used <= Decimal::from(25),
            "campaign used {}",
            used
        );
        // The leaderboard agrees with the member views.
        let mut ranked: Vec<(Decimal, u64)> = self
            .engine
            .member_ids()
            .map(|id| (self.engine.member(id).unwrap().qualifying, id))
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let expected: Vec<u64> = ranked.iter().take(3).map(|(_, id)| *id).collect();
        prop_assert_eq!(self.engine.leaderboard(3), expected);
        let program = self.engine.program();
        for id in self.engine.member_ids() {
            let v = self.engine.member(id).unwrap();
            prop_assert!(v.pending >= Decimal::ZERO);
            // Points expiring soon (SPEC 9.2): never more than available, more the further one
            // looks, nothing due before the clock's own instant, and none in debt.
            let mut last = Decimal::ZERO;
            for days in [0, 1, 30, 365, 36_500] {
                let soon = self.engine.expiring(id, days).unwrap();
                prop_assert!(soon.points >= last && soon.points <= v.available.max(Decimal::ZERO));
                prop_assert_eq!(soon.next.is_some(), soon.points > Decimal::ZERO);
                prop_assert!(
                    soon.next.is_none_or(|n| n > self.engine.clock()),
                    "{:?}",
                    soon
                );
                last = soon.points;
            }
            if !self.clawed.contains(&id) {
                prop_assert!(
                    v.available >= Decimal::ZERO,
                    "member {} went negative without a clawback",
                    id
                );
            }
            prop_assert!(v.held >= Decimal::ZERO);
            // Tiers never disagree with the qualifying total: the computed level, or a higher
            // one held through a running grace (SPEC 9.3).
            let computed = program.level_for(v.qualifying);
            let level = v.level;
            if let Some(until) = v.grace_until {
                prop_assert!(level > computed && until > self.engine.clock());
            } else {
                prop_assert_eq!(level, computed);
            }
            // A grace never lowers a level before its end: until then the member holds the
            // level it kept, or a higher one reached again (which ends the grace).
            if let Some(&(kept, until)) = self.graces.get(&id) {
                if self.engine.clock() < until {
                    prop_assert!(
                        (v.grace_until == Some(until) && level == kept)
                            || (v.grace_until.is_none() && level >= kept),
                        "member {} kept level {} until {}, now {:?}",
                        id,
                        kept,
                        until,
                        v
                    );
                }
            }
            match v.grace_until {
                Some(until) => {
                    self.graces.insert(id, (level, until));
                }
                None => {
                    self.graces.remove(&id);
                }
            }
            prop_assert_eq!(&v.tier, &program.tiers.levels[level].name);
            let next = program.tiers.levels.get(level + 1);
            prop_assert_eq!(v.next_tier.as_deref(), next.map(|l| l.name.as_str()));
            prop_assert_eq!(v.to_next, next.map(|l| l.threshold - v.qualifying));
        }
        Ok(())
    }
}

/// The totals after `postings`, applied to `t` one by one.
fn replay_postings(
    mut t: loyalty_core::Totals,
    postings: &[loyalty_core::Posting],
) -> loyalty_core::Totals {
    for p in postings {
        for (account, sign) in [(p.from, Decimal::NEGATIVE_ONE), (p.to, Decimal::ONE)] {
            let v = p.points * sign;
            match account {
                Account::Issued => t.issued -= v,
                Account::Redeemed => t.redeemed += v,
                Account::Expired => t.expired += v,
                Account::Fees => t.fees += v,
                Account::Available(_) | Account::Pending(_) => t.liability += v,
            }
        }
    }
    t
}

fn dt() -> impl Strategy<Value = i64> {
    prop_oneof![4 => Just(0i64), 3 => Just(HOUR), 3 => Just(24 * HOUR), 1 => Just(3 * 24 * HOUR), 1 => Just(-HOUR)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// `issued = redeemed + expired + fees + liability` after every step; no balance negative
    /// but by clawback debt; transfers conserve points; retries and rejections change nothing;
    /// tiers agree with qualifying totals.
    #[test]
    fn ledger_invariants_hold_after_every_step(program in program(true), steps in prop::collection::vec((step(), dt()), 1..60)) {
        let mut p = Player::new(program);
        for (step, dt) in &steps {
            if let Some(op) = p.operation(step, *dt) {
                p.play(&op)?;
                p.check_state()?;
            }
        }
    }

    /// A full refund of an order, right after it, returns every member and total to what they
    /// were without it.
    #[test]
    fn full_refund_returns_everything_to_where_it_was(
        program in program(false),
        steps in prop::collection::vec((step(), dt()), 1..40),
        buyer in any::<usize>(), units in 100i64..50_000, points in 0i64..3_000,
    ) {
        let mut p = Player::new(program);
        for (step, dt) in &steps {
            if let Some(op) = p.operation(step, *dt) {
                p.play(&op)?;
            }
        }
        let views = |e: &Engine| -> Vec<_> {
            e.member_ids().map(|id| { let v = e.member(id).unwrap(); (id, v.available, v.pending, v.qualifying, v.tier) }).collect()
        };
        // Compare at one instant: whatever falls due by then falls due in both worlds.
        let (id, at) = (1_000_000, p.engine.clock().max(p.at));
        let ticked = p.engine.apply(&Operation::Tick(Tick::new(at)));
        prop_assert!(ticked.is_ok());
        let (before, totals) = (views(&p.engine), p.engine.totals());
        let members: Vec<u64> = p.engine.member_ids().collect();
        prop_assume!(!members.is_empty());
        let buyer = members[buyer % members.len()];
        let program = p.engine.program().clone();
        let amount = p.money(units);
        let cap = (amount * program.redemption.max_share / program.point_value).round_dp_with_strategy(program.points_scale as u32, rust_decimal::RoundingStrategy::ToZero);
        let spend = p.points(points).min(p.engine.member(buyer).unwrap().available.max(Decimal::ZERO)).min(cap);
        let order = Order::new(id, at, buyer, amount).with_points(spend);
        prop_assert!(p.engine.apply(&Operation::Order(order.clone())).is_ok(), "{:?}", p.engine.apply(&Operation::Order(order.clone())));
        let refund = Refund::new(id + 1, at, id, order.amount);
        prop_assert!(p.engine.apply(&Operation::Refund(refund)).is_ok());
        prop_assert_eq!(views(&p.engine), before);
        prop_assert_eq!(p.engine.totals(), totals);
    }

    /// A full refund takes back every campaign bonus and stamp the order earned, and gives the
    /// campaign its budget back.
    #[test]
    fn full_refund_removes_campaign_bonuses_and_stamps(
        program in program(true),
        steps in prop::collection::vec((step(), dt()), 1..30),
        buyer in any::<usize>(), units in 100i64..50_000, days in 2i64..9,
    ) {
        prop_assume!(!program.campaigns.is_empty());
        let mut p = Player::new(program);
        for (step, dt) in &steps {
            if let Some(op) = p.operation(step, *dt) {
                p.play(&op)?;
            }
        }
        let members: Vec<u64> = p.engine.member_ids().collect();
        prop_assume!(!members.is_empty());
        let buyer = members[buyer % members.len()];
        let at = p.engine.clock().max(T0 + days * 86_400);
        let used_before = p.engine.campaign_used("c");
        let amount = p.money(units);
        let a = p.money(units / 2).max(Decimal::ONE).min(amount);
        let mut lines = vec![loyalty_core::Line::new(Some("a"), a)];
        if amount > a {
            lines.push(loyalty_core::Line::new(Some("b"), amount - a));
        }
        let order = Order::new(1_000_000, at, buyer, amount).with_points(Decimal::ZERO).with_lines(lines);
        let Ok(ordered) = p.engine.apply(&Operation::Order(order)) else { return Ok(()) };
        let refund = Refund::new(1_000_001, at, 1_000_000, amount);
        let refunded = p.engine.apply(&Operation::Refund(refund));
        prop_assert!(refunded.is_ok());
        let (Effect::Ordered(o), Ok(Effect::Refunded(r))) = (ordered.effect, refunded.map(|x| x.effect)) else {
            return Err(TestCaseError::fail("unexpected effects"));
        };
        prop_assert_eq!(&r.stamps_taken, &o.stamps);
        let bonus = |list: &[loyalty_core::CampaignBonus]| list.iter().map(|b| b.points).sum::<Decimal>();
        prop_assert_eq!(bonus(&r.campaign_bonuses_clawed), bonus(&o.campaign_bonuses));
        prop_assert_eq!(r.accrual_clawed, o.accrued);
        prop_assert_eq!(p.engine.campaign_used("c"), used_before);
        prop_assert!(p.engine.verify().is_ok());
    }

    /// Birthday gifts are never given twice for one year, however the supervisor moves
    /// `days_before` around.
    #[test]
    fn birthday_gifts_are_never_given_twice_for_one_year(
        birthday in (1u32..=12, 1u32..=31).prop_filter("a real day", |(m, d)| *d <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][*m as usize - 1]),
        changes in prop::collection::vec((1i64..120, 0i64..=365), 0..12),
    ) {
        let program = |days_before: i64| Program::from_json(&json!({
            "tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "0"}]},
            "birthday": {"points": "1", "days_before": days_before},
        }).to_string()).unwrap();
        let mut engine = Engine::new(program(0)).unwrap();
        let text = format!("{:02}-{:02}", birthday.0, birthday.1);
        engine.apply(&Operation::Enroll(Enroll::new(1, T0, 1).with_birthday(Some(text)))).unwrap();
        let mut at = T0;
        for (i, (days, days_before)) in changes.iter().enumerate() {
            at += days * 86_400;
            let op = loyalty_core::Configure::new(10 + i as u64, at, program(*days_before));
            engine.apply(&Operation::Configure(Box::new(op))).unwrap();
        }
        let end = at + 800 * 86_400;
        engine.apply(&Operation::Tick(Tick::new(end))).unwrap();
        // Every gift is for a birthday in a year from 2026 (enrolment) to the year after the end.
        let years = (T0..=end + 366 * 86_400).step_by(86_400 * 365).count() as i64 + 1;
        let gifts = engine.member(1).unwrap().available;
        prop_assert!(gifts <= Decimal::from(years), "{} gifts in at most {} birthday years", gifts, years);
        // Without changes, every birthday after enrolment was celebrated once.
        if changes.is_empty() {
            prop_assert!(gifts >= Decimal::from(2), "{} gifts over 800 days", gifts);
        }
    }

    /// Replaying the journal rebuilds exactly the same state; a snapshot plus the records after
    /// it equals replaying everything; records and snapshots survive JSON; a statement's running
    /// balance ends at the member's points: available and held (a hold moves nothing between
    /// accounts, SPEC 9.1).
    #[test]
    fn journal_replay_and_snapshots_rebuild_the_same_state(
        program in program(true),
        steps in prop::collection::vec((step(), dt()), 1..50),
        cut in any::<usize>(),
    ) {
        let mut p = Player::new(program.clone());
        let mut records: Vec<loyalty_core::JournalRecord> = Vec::new();
        let mut snapshot = None;
        for (i, (step, dt)) in steps.iter().enumerate() {
            if i == cut % steps.len() {
                snapshot = Some((p.engine.snapshot_json(), records.len(), p.engine.state_digest()));
            }
            if let Some(op) = p.operation(step, *dt) {
                if let Ok(record) = p.engine.apply_journaled(&op) {
                    if let Operation::Order(o) = &op {
                        p.orders.push(o.id);
                    }
                    p.accepted.push((op, record.outcome.clone()));
                    records.push(record);
                }
            }
        }
        let text: Vec<String> = records.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
        let read: Vec<loyalty_core::JournalRecord> = text.iter().map(|t| serde_json::from_str(t).unwrap()).collect();
        prop_assert_eq!(&read, &records);
        let replayed = Engine::replay(program, &read);
        prop_assert!(replayed.is_ok(), "{:?}", replayed.err());
        prop_assert_eq!(replayed.unwrap().state_digest(), p.engine.state_digest());
        let (snap, n, digest) = snapshot.unwrap();
        let restored = Engine::from_snapshot_json(&snap);
        prop_assert!(restored.is_ok(), "{:?}", restored.err());
        let mut restored = restored.unwrap();
        prop_assert_eq!(restored.state_digest(), digest);
        let binary = Engine::from_snapshot_bytes(&restored.snapshot_bytes());
        prop_assert_eq!(binary.map(|b| b.state_digest()).ok(), Some(digest));
        prop_assert!(restored.replay_onto(&records[n..]).is_ok());
        prop_assert_eq!(restored.state_digest(), p.engine.state_digest());
        for id in p.engine.member_ids() {
            let lines = loyalty_core::statement(id, &records);
            let last = lines.last().map_or(Decimal::ZERO, |l| l.balance);
            let view = p.engine.member(id).unwrap();
            prop_assert_eq!(last, view.available + view.held);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Planning leaves no trace, not even in the time index, and provisional operations stack
    /// and revert: an engine that first applies each operation provisionally on top of
    /// another one and reverts both, plans it, then applies it (for good, or provisionally
    /// and keeps it) goes through exactly the same states and outcomes as one that only
    /// applies.
    #[test]
    fn planning_and_reverting_leave_no_trace(
        program in program(true),
        steps in prop::collection::vec((step(), dt(), step(), any::<bool>()), 1..60),
    ) {
        let mut planner = Player::new(program.clone());
        let mut plain = Engine::new(program).unwrap();
        for (step, dt, other, keep) in &steps {
            let Some(op) = planner.operation(step, *dt) else { continue };
            let before = planner.engine.state_digest();
            let mut stack = Vec::new();
            if let Some(extra) = planner.operation(other, 0) {
                planner.next_id -= 1;
                stack.extend(planner.engine.apply_provisionally(&extra).ok());
            }
            stack.extend(planner.engine.apply_provisionally(&op).ok());
            for (_, provisional) in stack.into_iter().rev() {
                planner.engine.revert(provisional);
            }
            prop_assert_eq!(before, planner.engine.state_digest(), "reverting left a trace of {:?}", op);
            let planned = planner.engine.plan(&op);
            prop_assert_eq!(before, planner.engine.state_digest(), "planning left a trace of {:?}", op);
            let applied = if *keep {
                planner.engine.apply_provisionally(&op).map(|(outcome, _kept)| outcome)
            } else {
                planner.engine.apply(&op)
            };
            prop_assert_eq!(&planned, &applied, "plan and apply differ on {:?}", op);
            prop_assert_eq!(applied, plain.apply(&op), "the planning engine answered otherwise on {:?}", op);
            prop_assert_eq!(planner.engine.state_digest(), plain.state_digest());
            if let (Operation::Order(o), true) = (&op, plain.outcome(op.id().unwrap_or(0)).is_some()) {
                planner.orders.push(o.id);
            }
        }
        // Whatever the time index still holds fires the same way in both.
        let end = Operation::Tick(Tick::new(planner.at + 3 * 366 * 86_400));
        prop_assert_eq!(planner.engine.apply(&end), plain.apply(&end));
        prop_assert_eq!(planner.engine.state_digest(), plain.state_digest());
    }
}

/// Member `id`'s row of a snapshot: its ledger (lots with their expiries, pending credits, debt)
/// and totals, exactly.
fn member_row(engine: &Engine, id: u64) -> serde_json::Value {
    let snapshot: serde_json::Value = serde_json::from_str(&engine.snapshot_json()).unwrap();
    let members = snapshot["state"]["members"]
        .as_array()
        .or(snapshot["members"].as_array())
        .cloned();
    members
        .unwrap_or_default()
        .into_iter()
        .find(|m| m["id"] == serde_json::json!(id))
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// SPEC 9.1 after any history: a hold then its release, at one instant, gives the member
    /// back exactly what it had (every lot with its expiry); a capture spends at most what its
    /// hold had, never the member's available points, and gives the rest back.
    #[test]
    fn a_released_hold_restores_the_member_and_a_capture_spends_only_the_hold(
        program in program(true),
        steps in prop::collection::vec((step(), dt()), 1..40),
        share in 1i64..=100, spend in 0i64..=120, units in 1i64..50_000,
    ) {
        let mut p = Player::new(program);
        for (step, dt) in &steps {
            if let Some(op) = p.operation(step, *dt) {
                p.play(&op)?;
            }
        }
        let at = p.at.max(p.engine.clock());
        let _ = p.engine.apply(&Tick::new(at).into());
        let places = p.engine.program().points_scale as u32;
        for id in p.engine.member_ids().collect::<Vec<_>>() {
            let view = p.engine.member(id).unwrap();
            let points = (view.available * Decimal::from(share) / Decimal::from(100)).round_dp(places);
            if points <= Decimal::ZERO {
                continue;
            }
            let (row, totals) = (member_row(&p.engine, id), p.engine.totals());
            let hold = p.next_id;
            p.next_id += 3;
            if p.engine.apply(&Hold::new(hold, at, id, points).into()).is_err() {
                continue; // below the redemption minimum
            }
            prop_assert_eq!(p.engine.member(id).unwrap().held, view.held + points);
            prop_assert_eq!(p.engine.totals(), totals, "holding moves nothing between accounts");
            p.engine.apply(&Release::new(hold + 1, at, hold).into()).unwrap();
            prop_assert_eq!(member_row(&p.engine, id), row, "a release restores the member exactly");
            prop_assert_eq!(p.engine.totals(), totals);

            // Again, captured this time by an order paying `spend` % of the hold.
            let hold = p.next_id;
            p.next_id += 2;
            p.engine.apply(&Hold::new(hold, at, id, points).into()).unwrap();
            let paid = (points * Decimal::from(spend) / Decimal::from(100)).round_dp(places);
            let order = Order::new(hold + 1, at, id, p.money(units)).with_points(paid).with_hold(hold);
            let before = p.engine.member(id).unwrap();
            match p.engine.apply(&order.into()) {
                Ok(outcome) => {
                    prop_assert!(paid <= points);
                    prop_assert_eq!(outcome.effect.points(), paid);
                    let after = p.engine.member(id).unwrap();
                    prop_assert_eq!(after.held, before.held - points);
                    prop_assert!(after.available >= before.available + (points - paid));
                    prop_assert_eq!(p.engine.totals().redeemed, totals.redeemed + paid);
                }
                Err(e) => {
                    // Refused by the rules (more than the hold, the cap, the minimum): the
                    // hold is as it was, and goes back on release.
                    prop_assert!(paid > points || e.kind() != loyalty_core::ErrorKind::UnknownHold, "{}", e);
                    prop_assert_eq!(p.engine.member(id).unwrap(), before);
                    p.engine.apply(&Release::new(hold + 1, at, hold).into()).unwrap();
                }
            }
            prop_assert!(p.engine.verify().is_ok());
        }
    }
}
