//! Qualifying totals (lifetime or windowed) and level lookup (SPEC section 4).

use rust_decimal::Decimal;

use crate::amount::{add, positive, sub};
use crate::calendar::DAY;
use crate::engine::Engine;
use crate::ids::OpId;
use crate::program::Basis;
use crate::state::Contribution;

impl Engine {
    /// The start of the window (contributions at or before it no longer count), if any.
    fn window_start(&self) -> Option<i64> {
        let days = self.program.tiers.window_days?;
        Some(self.clock.saturating_sub(days.saturating_mul(DAY)))
    }

    /// Member `m`'s qualifying total as of the clock.
    pub(crate) fn qualifying(&self, m: u32) -> Decimal {
        self.qualifying_at(m, self.clock)
    }

    /// Member `m`'s qualifying total as of instant `t`: the window as it is then.
    fn qualifying_at(&self, m: u32, t: i64) -> Decimal {
        let start = self
            .program
            .tiers
            .window_days
            .map(|days| t.saturating_sub(days.saturating_mul(DAY)));
        match start {
            None => self.lifetime_qualifying(m),
            Some(start) => self.windows.get(&m).map_or(Decimal::ZERO, |list| {
                list.iter()
                    .filter(|c| c.at > start)
                    .fold(Decimal::ZERO, |s, c| add(s, c.amount))
            }),
        }
    }

    fn lifetime_qualifying(&self, m: u32) -> Decimal {
        let member = &self.members[m as usize];
        match self.program.tiers.basis {
            Basis::Spend => member.spend(),
            Basis::Points => member.earned(),
        }
    }

    /// Member `m`'s level index as of the clock: the level held (SPEC 9.3), which is the
    /// computed level unless a grace runs.
    pub(crate) fn level_of(&self, m: u32) -> usize {
        if !self.graces.is_empty() {
            if let Some(g) = self.graces.get(&m) {
                return g.level as usize;
            }
        }
        // A lifetime total over whole-number thresholds (most programs): read from the row.
        if self.program.tiers.window_days.is_none() {
            let earned = self.program.tiers.basis == Basis::Points;
            let whole = self.members[m as usize].whole_part(earned);
            if let Some(level) = whole.and_then(|w| self.program.level_for_whole(w)) {
                return level;
            }
        }
        self.program.level_for(self.qualifying(m))
    }

    /// The level member `m`'s qualifying total reaches at instant `t` (section 4).
    pub(crate) fn computed_level_at(&self, m: u32, t: i64) -> usize {
        self.program.level_for(self.qualifying_at(m, t))
    }

    /// Adds an order's contribution to member `m`'s qualifying total (lifetime fields are kept
    /// by the caller); drops contributions that left the window for good.
    pub(crate) fn contribute(&mut self, m: u32, order: OpId, at: i64, amount: Decimal) {
        let Some(start) = self.window_start() else {
            return;
        };
        let list = self.window_mut(m);
        list.retain(|c| c.at > start);
        if positive(amount) {
            list.push(Contribution { at, order, amount });
            self.schedule_leave(m, at);
        }
    }

    /// Takes `amount` off the contribution of `order` to member `m` (a refund).
    pub(crate) fn withdraw(&mut self, m: u32, order: OpId, amount: Decimal) {
        if let Some(c) = self
            .window_get_mut(m)
            .and_then(|l| l.iter_mut().rev().find(|c| c.order == order))
        {
            c.amount = sub(c.amount, amount);
        }
    }

    /// Rebuilds every windowed contribution from the order records (after `configure`
    /// changed the window).
    pub(crate) fn rebuild_windows(&mut self) {
        self.clear_windows();
        let Some(start) = self.window_start() else {
            return;
        };
        let points_basis = self.program.tiers.basis == Basis::Points;
        let mut all: Vec<(u32, Contribution)> = Vec::new();
        for (order, r) in self.records.orders() {
            if r.at <= start {
                continue;
            }
            let own = if points_basis {
                let bonuses = r
                    .extras
                    .iter()
                    .flat_map(|e| e.bonuses.iter())
                    .fold(Decimal::ZERO, |s, (_, b)| add(s, b.remaining()));
                add(r.accrual.remaining(), bonuses)
            } else {
                r.cash.remaining()
            };
            all.push((
                r.buyer,
                Contribution {
                    at: r.at,
                    order,
                    amount: own,
                },
            ));
            if points_basis {
                for (referrer, _, k) in &r.commissions {
                    all.push((
                        *referrer,
                        Contribution {
                            at: r.at,
                            order,
                            amount: k.remaining(),
                        },
                    ));
                }
            }
        }
        all.sort_by_key(|(m, c)| (*m, c.at, c.order));
        for (m, c) in all {
            if positive(c.amount) {
                self.window_mut(m).push(c);
            }
        }
    }
}
