//! The structural invariants of a state read from outside (a snapshot): every member index in
//! range, the id index a bijection, every ledger well-formed. The operations keep these by
//! construction; a doctored or damaged snapshot must be refused when it is loaded, not found
//! out by a panic in the middle of a later operation.

use rust_decimal::Decimal;

use crate::amount::{MAX_AMOUNT, MAX_RATE};
use crate::engine::Engine;
use crate::schedule::Due;
use crate::state::OrderRecord;

/// The birthday table is empty or has one slot per day of the year (see `MonthDay::slot`).
const BIRTHDAY_SLOTS: usize = 13 * 32;

/// A card never holds more stamps than the largest card size allows (`u32::MAX`), nor owes
/// more (a refund takes back a stamp of a card already paid, leaving the count below zero).
const MAX_STAMPS: i64 = u32::MAX as i64;

/// The most points one order can move: an amount times an accrual rate times a multiplier.
fn most_points() -> Decimal {
    MAX_AMOUNT * MAX_RATE * MAX_RATE
}

/// What an order's arithmetic relies on: amounts within the limit, refunds within the amount,
/// and everything moved back within what the order moved.
fn check_order(order: &OrderRecord) -> Result<(), String> {
    let within = |v: Decimal| Decimal::ZERO <= v && v <= MAX_AMOUNT;
    if !within(order.amount) || !within(order.refunded) || order.refunded > order.amount {
        return Err(format!(
            "refunded {} of amount {}",
            order.refunded, order.amount
        ));
    }
    let commissions = order.commissions.iter().map(|c| c.2);
    let bonuses = order
        .extras
        .iter()
        .flat_map(|e| e.bonuses.iter().map(|b| b.1));
    let mut moved = [order.points, order.cash, order.accrual]
        .into_iter()
        .chain(commissions)
        .chain(bonuses);
    if let Some(m) =
        moved.find(|m| m.total > most_points() || m.moved < Decimal::ZERO || m.moved > m.total)
    {
        return Err(format!("{} moved of {}", m.moved, m.total));
    }
    let marks = order.extras.iter().flat_map(|e| e.stamps.iter());
    for mark in marks {
        if !within(mark.matching) || !within(mark.min_amount) {
            return Err(format!(
                "a {} stamp of {} matching, {} minimum",
                mark.card, mark.matching, mark.min_amount
            ));
        }
    }
    Ok(())
}

impl Engine {
    /// The first structural invariant the state breaks, in words.
    pub(crate) fn check_structure(&self) -> Result<(), String> {
        let count = self.members.len();
        let member = |m: u32, what: &str| -> Result<(), String> {
            if (m as usize) < count {
                Ok(())
            } else {
                Err(format!("{what} refers to member index {m} of {count}"))
            }
        };
        if self.index.len() != count {
            return Err(format!("{} ids index {count} members", self.index.len()));
        }
        for (i, m) in self.members.iter().enumerate() {
            if self.position(m.id) != Some(i as u32) {
                return Err(format!("member {} is not indexed at its place", m.id));
            }
        }
        for (i, m) in self.members.iter().enumerate() {
            if let Some(r) = m.referrer() {
                member(r, &format!("member {}'s referrer", m.id))?;
                if r as usize >= i {
                    return Err(format!("member {} was referred by a later member", m.id));
                }
            }
            m.ledger()
                .well_formed()
                .map_err(|e| format!("member {}: {e}", m.id))?;
            let mut counts = m.extras().into_iter().flat_map(|e| e.stamps.iter());
            if let Some((card, n)) = counts.find(|(_, n)| !(-MAX_STAMPS..=MAX_STAMPS).contains(n)) {
                return Err(format!("member {}'s {card} card counts {n} stamps", m.id));
            }
        }
        for (id, order) in self.records.orders() {
            member(order.buyer, &format!("order {id}"))?;
            for (referrer, _, _) in &order.commissions {
                member(*referrer, &format!("a commission of order {id}"))?;
            }
            check_order(&order).map_err(|e| format!("order {id}: {e}"))?;
        }
        let levels = self.program.tiers.levels.len();
        for (id, _) in self.records.digests() {
            match self.records.kept(id) {
                Some(crate::records::Kept::Enrolled(m)) => member(m, &format!("operation {id}"))?,
                Some(crate::records::Kept::Order {
                    tier: Some((from, to)),
                    ..
                }) if usize::from(from.max(to)) >= levels => {
                    return Err(format!(
                        "operation {id} changed to level {to} from {from} of {levels}"
                    ));
                }
                _ => {}
            }
        }
        self.check_side_tables()
    }

    /// The tables keyed by member index: the schedule, windows, transfer days, birthdays.
    fn check_side_tables(&self) -> Result<(), String> {
        let count = self.members.len();
        let in_range = |m: &u32| (*m as usize) < count;
        let keys_ok = self.sent_today.keys().all(in_range)
            && self.windows.keys().all(in_range)
            && self.last_reward.keys().all(in_range)
            && self.redemptions.values().all(|r| in_range(&r.member))
            && self.holds.values().all(|h| in_range(&h.member))
            && self.graces.keys().all(in_range);
        if !keys_ok {
            return Err(format!("a side table refers to a member beyond {count}"));
        }
        let mut contributions = self.windows.values().flatten();
        if let Some(c) =
            contributions.find(|c| c.amount < Decimal::ZERO || c.amount > most_points())
        {
            return Err(format!("order {} contributes {}", c.order, c.amount));
        }
        if let Some((id, r)) = self
            .redemptions
            .iter()
            .find(|(_, r)| r.points <= Decimal::ZERO || r.points > most_points())
        {
            return Err(format!("redemption {id} holds {} points", r.points));
        }
        self.check_holds()?;
        let levels = self.program.tiers.levels.len();
        if let Some(m) = self.graces.iter().find(|(_, g)| g.level as usize >= levels) {
            return Err(format!(
                "member index {} holds level {} of {levels}",
                m.0, m.1.level
            ));
        }
        let slots = self.birthdays.len();
        if slots != 0 && slots != BIRTHDAY_SLOTS {
            return Err(format!("{slots} birthday slots"));
        }
        if !self
            .birthdays
            .iter()
            .all(|s| s.0.iter().all(|c| in_range(&c.member)))
        {
            return Err(format!("a birthday refers to a member beyond {count}"));
        }
        for (_, due) in self.schedule.iter() {
            let ok = match due {
                Due::Release { member }
                | Due::Expire { member }
                | Due::WindowLeave { member }
                | Due::GraceEnd { member } => in_range(member),
                Due::Gift { slot, .. } => (*slot as usize) < slots,
                // A hold's event names a hold id: one closed since is inert.
                Due::HeldExpire { .. } | Due::TimeOut { .. } => true,
            };
            if !ok {
                return Err(format!("a scheduled {due:?} refers to nothing"));
            }
        }
        Ok(())
    }

    /// Each open hold: pieces of positive points within the limit, earliest expiry first.
    fn check_holds(&self) -> Result<(), String> {
        for (id, hold) in &self.holds {
            let sorted = hold.pieces.windows(2).all(|w| {
                w[0].expires_at.map_or(i64::MAX, |e| e) <= w[1].expires_at.map_or(i64::MAX, |e| e)
            });
            let sound = hold
                .pieces
                .iter()
                .all(|p| p.points > Decimal::ZERO && p.points <= MAX_AMOUNT);
            if !sorted || !sound {
                return Err(format!("hold {id} is malformed: {hold:?}"));
            }
        }
        Ok(())
    }
}
