//! One member's points: lots of available points, pending credits, and debt.
//!
//! Invariants (asserted in debug builds):
//! - every lot and pending credit holds a positive amount;
//! - lots are ordered earliest expiry first, never-expiring last, ties by creation order;
//! - debt is never negative, and a member with debt holds no lots (credits pay debt first,
//!   clawbacks take lots first).

use rust_decimal::Decimal;
use smallvec::SmallVec;

use crate::amount::{add, plain_zero, positive, sub};

/// Available points that expire together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Lot {
    pub points: Decimal,
    /// `None`: never expires.
    pub expires_at: Option<i64>,
}

/// Points credited by an order that cannot be spent before `release_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct PendingCredit {
    pub points: Decimal,
    pub release_at: i64,
    /// The order that credited them (a clawback takes from its own order's credit first).
    pub order: u64,
}

/// Where clawed-back points came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Clawed {
    pub from_pending: Decimal,
    pub from_available: Decimal,
}

/// A member's points. Pending credits and debt are rare (a program with a pending period, a
/// refund's clawback): they live in a box of their own, absent while they are empty, so the
/// usual ledger is 64 bytes.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "LedgerForm", into = "LedgerForm"))]
pub(crate) struct Ledger {
    /// Most members hold one lot (one expiry, or none): kept inline, no allocation.
    lots: SmallVec<[Lot; 1]>,
    /// Σ lots.
    held: Decimal,
    rare: Option<Box<Rare>>,
}

/// The rarely used part of a ledger. Absent means: no pending credit, and a pending total and
/// a debt that are exactly `Decimal::ZERO` (scale included, so nothing prints differently).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Rare {
    pending: Vec<PendingCredit>,
    /// Σ pending.
    pending_total: Decimal,
    /// Points owed after a clawback larger than what was held.
    debt: Decimal,
}

impl Rare {
    fn is_empty(&self) -> bool {
        self.pending.is_empty() && plain_zero(self.pending_total) && plain_zero(self.debt)
    }
}

/// The snapshot form of a ledger (as it was before the rare part moved out).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct LedgerForm {
    lots: SmallVec<[Lot; 1]>,
    pending: Vec<PendingCredit>,
    held: Decimal,
    pending_total: Decimal,
    debt: Decimal,
}

#[cfg(feature = "serde")]
impl From<LedgerForm> for Ledger {
    fn from(f: LedgerForm) -> Ledger {
        let rare = Rare {
            pending: f.pending,
            pending_total: f.pending_total,
            debt: f.debt,
        };
        Ledger {
            lots: f.lots,
            held: f.held,
            rare: (!rare.is_empty()).then(|| Box::new(rare)),
        }
    }
}

#[cfg(feature = "serde")]
impl From<Ledger> for LedgerForm {
    fn from(l: Ledger) -> LedgerForm {
        let rare = l.rare.map(|r| *r).unwrap_or_default();
        LedgerForm {
            lots: l.lots,
            pending: rare.pending,
            held: l.held,
            pending_total: rare.pending_total,
            debt: rare.debt,
        }
    }
}

/// Equal by value, as the fields compare (`0` equals `0.00`).
impl PartialEq for Ledger {
    fn eq(&self, other: &Ledger) -> bool {
        self.lots == other.lots
            && self.held == other.held
            && self.pending_credits() == other.pending_credits()
            && self.pending() == other.pending()
            && self.debt() == other.debt()
    }
}

impl Eq for Ledger {}

/// Hashed field by field as it always was: lots, pending credits, held, pending, debt.
impl core::hash::Hash for Ledger {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.lots.hash(state);
        self.pending_credits().hash(state);
        self.held.hash(state);
        self.pending().hash(state);
        self.debt().hash(state);
    }
}

/// Sort key of a lot: earliest expiry first, never-expiring last.
fn expiry_key(expires_at: Option<i64>) -> (bool, i64) {
    (expires_at.is_none(), expires_at.unwrap_or(0))
}

impl Ledger {
    /// Available points: what the lots hold, less debt (negative only through a clawback).
    pub fn available(&self) -> Decimal {
        match &self.rare {
            Some(rare) => sub(self.held, rare.debt),
            None => sub(self.held, Decimal::ZERO),
        }
    }

    pub fn pending(&self) -> Decimal {
        self.rare
            .as_ref()
            .map_or(Decimal::ZERO, |r| r.pending_total)
    }

    fn debt(&self) -> Decimal {
        self.rare.as_ref().map_or(Decimal::ZERO, |r| r.debt)
    }

    /// The rare part, made present to be changed (see [`Ledger::settle`]).
    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Drops the rare part when it went back to empty.
    fn settle(&mut self) {
        if self.rare.as_ref().is_some_and(|r| r.is_empty()) {
            self.rare = None;
        }
    }

    /// The usual ledger's parts: at most one lot, nothing pending, no debt. `None` otherwise.
    pub fn simple(&self) -> Option<(Option<Lot>, Decimal)> {
        if self.rare.is_some() || self.lots.len() > 1 {
            return None;
        }
        Some((self.lots.first().copied(), self.held))
    }

    /// The ledger of [`Ledger::simple`]'s parts.
    pub fn from_simple(lot: Option<Lot>, held: Decimal) -> Ledger {
        Ledger {
            lots: match lot {
                Some(lot) => smallvec::smallvec![lot],
                None => SmallVec::new(),
            },
            held,
            rare: None,
        }
    }

    pub fn lots(&self) -> &[Lot] {
        &self.lots
    }

    pub fn pending_credits(&self) -> &[PendingCredit] {
        self.rare.as_ref().map_or(&[], |r| &r.pending)
    }

    /// Whether the ledger is one the operations could have built: no negative or empty lot
    /// or credit, sums that match their parts, no debt beside lots. For state read from
    /// outside (a snapshot), where a doctored value would otherwise surface as a panic later.
    #[cfg(feature = "serde")]
    pub fn well_formed(&self) -> Result<(), String> {
        let sorted = self
            .lots
            .windows(2)
            .all(|w| expiry_key(w[0].expires_at) <= expiry_key(w[1].expires_at));
        if !sorted {
            return Err("lots out of expiry order".to_owned());
        }
        if let Some(lot) = self.lots.iter().find(|l| !positive(l.points)) {
            return Err(format!("a lot of {} points", lot.points));
        }
        if let Some(p) = self.pending_credits().iter().find(|p| !positive(p.points)) {
            return Err(format!("a pending credit of {} points", p.points));
        }
        let held = self
            .lots
            .iter()
            .try_fold(Decimal::ZERO, |s, l| s.checked_add(l.points));
        if held != Some(self.held) {
            return Err(format!("held {} is not the sum of its lots", self.held));
        }
        let pending = self
            .pending_credits()
            .iter()
            .try_fold(Decimal::ZERO, |s, p| s.checked_add(p.points));
        if pending != Some(self.pending()) {
            return Err(format!(
                "pending {} is not the sum of its credits",
                self.pending()
            ));
        }
        let debt = self.debt();
        if debt < Decimal::ZERO || (positive(debt) && !self.lots.is_empty()) {
            return Err(format!("debt {debt} beside {} lots", self.lots.len()));
        }
        Ok(())
    }

    /// Credits available points: pays debt first, then adds a lot. Returns the debt paid.
    pub fn credit(&mut self, points: Decimal, expires_at: Option<i64>) -> Decimal {
        // No debt (the usual case): nothing to pay, nothing to compare across scales. The
        // arithmetic is that of paying a zero debt all the same, so scales come out unchanged.
        let (paid, rest) = match self.rare.as_mut() {
            Some(rare) if !rare.debt.is_zero() => {
                let paid = points.min(rare.debt);
                rare.debt -= paid;
                (paid, points - paid)
            }
            Some(rare) => {
                let paid = rare.debt;
                rare.debt -= paid;
                (paid, points - paid)
            }
            None => (Decimal::ZERO, points - Decimal::ZERO),
        };
        self.settle();
        if positive(rest) {
            self.insert_lot(Lot {
                points: rest,
                expires_at,
            });
        }
        self.check();
        paid
    }

    fn insert_lot(&mut self, lot: Lot) {
        let key = expiry_key(lot.expires_at);
        // After every lot that expires no later: ties keep creation order.
        let at = self
            .lots
            .partition_point(|l| expiry_key(l.expires_at) <= key);
        self.held = add(self.held, lot.points);
        // A lot expiring with its predecessor is merged into it: same expiry, same fate.
        if at > 0 && self.lots[at - 1].expires_at == lot.expires_at {
            self.lots[at - 1].points = add(self.lots[at - 1].points, lot.points);
        } else {
            self.lots.insert(at, lot);
        }
    }

    /// Takes `points` (≤ what the lots hold) earliest expiry first, calling `piece` with each
    /// part taken, so a transfer can hand them on with their expiry dates.
    pub fn take(&mut self, points: Decimal, mut piece: impl FnMut(Lot)) {
        let mut left = points;
        let mut emptied = 0;
        for lot in &mut self.lots {
            if !positive(left) {
                break;
            }
            let part = lot.points.min(left);
            lot.points -= part;
            left -= part;
            piece(Lot {
                points: part,
                expires_at: lot.expires_at,
            });
            if lot.points.is_zero() {
                emptied += 1;
            }
        }
        self.lots.drain(..emptied);
        self.held = sub(self.held, points - left);
        debug_assert!(left.is_zero(), "take beyond the lots held");
        self.check();
    }

    /// Adds a pending credit; credits of one order released together share one entry.
    pub fn add_pending(&mut self, points: Decimal, release_at: i64, order: u64) {
        let rare = self.rare_mut();
        rare.pending_total = add(rare.pending_total, points);
        if let Some(p) = rare
            .pending
            .iter_mut()
            .find(|p| p.order == order && p.release_at == release_at)
        {
            p.points = add(p.points, points);
        } else {
            rare.pending.push(PendingCredit {
                points,
                release_at,
                order,
            });
        }
    }

    /// Removes and returns every pending credit with `release_at ≤ t`.
    pub fn take_released(&mut self, t: i64) -> Vec<PendingCredit> {
        let mut due = Vec::new();
        let Some(rare) = self.rare.as_mut() else {
            return due;
        };
        rare.pending.retain(|p| {
            let keep = p.release_at > t;
            if !keep {
                due.push(*p);
            }
            keep
        });
        for p in &due {
            rare.pending_total = sub(rare.pending_total, p.points);
        }
        self.settle();
        due
    }

    /// Removes every lot with `expires_at ≤ t`; returns the points that expired.
    pub fn expire(&mut self, t: i64) -> Decimal {
        let n = self
            .lots
            .iter()
            .take_while(|l| l.expires_at.is_some_and(|e| e <= t))
            .count();
        let expired = self
            .lots
            .drain(..n)
            .fold(Decimal::ZERO, |s, l| add(s, l.points));
        self.held = sub(self.held, expired);
        self.check();
        expired
    }

    /// Takes `points` from the lots as far as they go, earliest expiry first; the rest becomes
    /// debt (an offline order's overdraft, SPEC 9.7). Returns that rest.
    pub fn overdraw(&mut self, points: Decimal) -> Decimal {
        let from_lots = points.min(self.held);
        self.take(from_lots, |_| ());
        let rest = points - from_lots;
        if positive(rest) {
            let rare = self.rare_mut();
            rare.debt = add(rare.debt, rest);
            self.settle();
        }
        self.check();
        rest
    }

    /// Claws `points` back: from the pending credit of `order` first, then lots earliest
    /// expiry first; the rest becomes debt.
    pub fn claw_back(&mut self, points: Decimal, order: u64) -> Clawed {
        let mut left = points;
        let mut from_pending = Decimal::ZERO;
        let rare = self.rare_mut();
        for p in rare.pending.iter_mut().filter(|p| p.order == order) {
            let part = p.points.min(left);
            p.points -= part;
            left -= part;
            from_pending += part;
        }
        rare.pending.retain(|p| !p.points.is_zero());
        rare.pending_total = sub(rare.pending_total, from_pending);
        self.settle();
        let from_lots = left.min(self.held);
        self.take(from_lots, |_| ());
        let rare = self.rare_mut();
        rare.debt = add(rare.debt, left - from_lots);
        self.settle();
        self.check();
        Clawed {
            from_pending,
            from_available: points - from_pending,
        }
    }

    fn check(&self) {
        debug_assert!(self.debt() >= Decimal::ZERO);
        debug_assert!(
            self.debt().is_zero() || self.lots.is_empty(),
            "debt beside lots"
        );
        debug_assert!(self.rare.as_ref().is_none_or(|r| !r.is_empty()));
        debug_assert!(self.lots.iter().all(|l| positive(l.points)));
        debug_assert!(self
            .lots
            .windows(2)
            .all(|w| expiry_key(w[0].expires_at) <= expiry_key(w[1].expires_at)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: i64) -> Decimal {
        Decimal::from(v)
    }

    #[test]
    fn takes_earliest_expiry_first_never_last() {
        let mut l = Ledger::default();
        l.credit(d(10), None);
        l.credit(d(5), Some(200));
        l.credit(d(7), Some(100));
        let mut pieces = Vec::new();
        l.take(d(9), |p| pieces.push(p));
        assert_eq!(
            pieces,
            vec![
                Lot {
                    points: d(7),
                    expires_at: Some(100)
                },
                Lot {
                    points: d(2),
                    expires_at: Some(200)
                }
            ]
        );
        assert_eq!(l.available(), d(13));
        assert_eq!(l.expire(200), d(3));
        assert_eq!(l.available(), d(10));
    }

    #[test]
    fn credits_pay_debt_first() {
        let mut l = Ledger::default();
        l.credit(d(3), None);
        let clawed = l.claw_back(d(10), 1);
        assert_eq!(
            clawed,
            Clawed {
                from_pending: d(0),
                from_available: d(10)
            }
        );
        assert_eq!(l.available(), d(-7));
        assert_eq!(l.credit(d(5), Some(50)), d(5));
        assert_eq!(l.available(), d(-2));
        assert_eq!(l.credit(d(5), Some(50)), d(2));
        assert_eq!(l.available(), d(3));
        assert_eq!(
            l.lots(),
            &[Lot {
                points: d(3),
                expires_at: Some(50)
            }]
        );
    }

    #[test]
    fn clawback_takes_its_own_orders_pending_first() {
        let mut l = Ledger::default();
        l.add_pending(d(4), 100, 1);
        l.add_pending(d(6), 100, 2);
        l.credit(d(10), None);
        let clawed = l.claw_back(d(5), 2);
        assert_eq!(
            clawed,
            Clawed {
                from_pending: d(5),
                from_available: d(0)
            }
        );
        let clawed = l.claw_back(d(3), 2);
        assert_eq!(
            clawed,
            Clawed {
                from_pending: d(1),
                from_available: d(2)
            }
        );
        assert_eq!((l.pending(), l.available()), (d(4), d(8)));
        let released = l.take_released(100);
        assert_eq!(released.len(), 1);
        assert_eq!(released[0].points, d(4));
        assert_eq!(l.pending(), d(0));
    }

    #[test]
    fn lots_with_one_expiry_merge_and_ties_keep_creation_order() {
        let mut l = Ledger::default();
        l.credit(d(1), Some(10));
        l.credit(d(2), Some(10));
        l.credit(d(3), None);
        l.credit(d(4), Some(5));
        assert_eq!(l.lots().len(), 3);
        assert_eq!(
            l.lots()[1],
            Lot {
                points: d(3),
                expires_at: Some(10)
            }
        );
        assert_eq!(l.expire(4), d(0));
        assert_eq!(l.expire(10), d(7));
    }

    /// The rare part exists only while it holds something other than a plain zero, and a
    /// zero debt of another scale (left by a clawback) is kept exactly, as it always was.
    #[test]
    fn the_rare_part_comes_and_goes_and_keeps_scales() {
        let mut l = Ledger::default();
        l.credit(d(3), None);
        assert!(l.rare.is_none());
        l.add_pending(d(2), 100, 7);
        assert!(l.rare.is_some());
        assert_eq!(l.take_released(100).len(), 1);
        assert!(l.rare.is_none(), "released: nothing rare is left");
        let zero_at_2 = Decimal::new(0, 2);
        l.claw_back(Decimal::new(300, 2), 1);
        assert_eq!(l.debt().serialize(), zero_at_2.serialize());
        assert!(l.rare.is_some(), "a debt of 0.00 is not the plain zero");
        #[cfg(feature = "serde")]
        {
            let back: Ledger = LedgerForm::from(l.clone()).into();
            assert_eq!(back.debt().serialize(), zero_at_2.serialize());
            assert_eq!(back, l);
        }
    }
}
