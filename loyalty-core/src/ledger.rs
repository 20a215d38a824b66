//! One member's points: lots of available points, pending credits, and debt.
//!
//! Invariants (asserted in debug builds):
//! - every lot and pending credit holds a positive amount;
//! - lots are ordered earliest expiry first, never-expiring last, ties by creation order;
//! - debt is never negative, and a member with debt holds no lots (credits pay debt first,
//!   clawbacks take lots first).

use rust_decimal::Decimal;
use smallvec::SmallVec;

use crate::amount::{add, positive, sub};

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

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Ledger {
    /// Most members hold one lot (one expiry, or none): kept inline, no allocation.
    lots: SmallVec<[Lot; 1]>,
    pending: Vec<PendingCredit>,
    /// Σ lots.
    held: Decimal,
    /// Σ pending.
    pending_total: Decimal,
    /// Points owed after a clawback larger than what was held.
    debt: Decimal,
}

/// Sort key of a lot: earliest expiry first, never-expiring last.
fn expiry_key(expires_at: Option<i64>) -> (bool, i64) {
    (expires_at.is_none(), expires_at.unwrap_or(0))
}

impl Ledger {
    /// Available points: what the lots hold, less debt (negative only through a clawback).
    pub fn available(&self) -> Decimal {
        sub(self.held, self.debt)
    }

    pub fn pending(&self) -> Decimal {
        self.pending_total
    }

    pub fn lots(&self) -> &[Lot] {
        &self.lots
    }

    pub fn pending_credits(&self) -> &[PendingCredit] {
        &self.pending
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
        if let Some(p) = self.pending.iter().find(|p| !positive(p.points)) {
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
            .pending
            .iter()
            .try_fold(Decimal::ZERO, |s, p| s.checked_add(p.points));
        if pending != Some(self.pending_total) {
            return Err(format!(
                "pending {} is not the sum of its credits",
                self.pending_total
            ));
        }
        if self.debt < Decimal::ZERO || (positive(self.debt) && !self.lots.is_empty()) {
            return Err(format!(
                "debt {} beside {} lots",
                self.debt,
                self.lots.len()
            ));
        }
        Ok(())
    }

    /// Credits available points: pays debt first, then adds a lot. Returns the debt paid.
    pub fn credit(&mut self, points: Decimal, expires_at: Option<i64>) -> Decimal {
        // No debt (the usual case): nothing to compare across scales.
        let paid = if self.debt.is_zero() {
            self.debt
        } else {
            points.min(self.debt)
        };
        self.debt -= paid;
        let rest = points - paid;
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
        self.pending_total = add(self.pending_total, points);
        if let Some(p) = self
            .pending
            .iter_mut()
            .find(|p| p.order == order && p.release_at == release_at)
        {
            p.points = add(p.points, points);
        } else {
            self.pending.push(PendingCredit {
                points,
                release_at,
                order,
            });
        }
    }

    /// Removes and returns every pending credit with `release_at ≤ t`.
    pub fn take_released(&mut self, t: i64) -> Vec<PendingCredit> {
        let mut due = Vec::new();
        self.pending.retain(|p| {
            let keep = p.release_at > t;
            if !keep {
                due.push(*p);
            }
            keep
        });
        for p in &due {
            self.pending_total = sub(self.pending_total, p.points);
        }
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

    /// Claws `points` back: from the pending credit of `order` first, then lots earliest
    /// expiry first; the rest becomes debt.
    pub fn claw_back(&mut self, points: Decimal, order: u64) -> Clawed {
        let mut left = points;
        let mut from_pending = Decimal::ZERO;
        for p in self.pending.iter_mut().filter(|p| p.order == order) {
            let part = p.points.min(left);
            p.points -= part;
            left -= part;
            from_pending += part;
        }
        self.pending.retain(|p| !p.points.is_zero());
        self.pending_total = sub(self.pending_total, from_pending);
        let from_lots = left.min(self.held);
        self.take(from_lots, |_| ());
        self.debt = add(self.debt, left - from_lots);
        self.check();
        Clawed {
            from_pending,
            from_available: points - from_pending,
        }
    }

    fn check(&self) {
        debug_assert!(self.debt >= Decimal::ZERO);
        debug_assert!(
            self.debt.is_zero() || self.lots.is_empty(),
            "debt beside lots"
        );
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
}
