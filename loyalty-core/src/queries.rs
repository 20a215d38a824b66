//! Queries: the member view, the leaderboard, and tier bookkeeping shared by the operations.

use rust_decimal::Decimal;

use crate::amount::{add, at_scale, sub};
use crate::calendar::DAY;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::ids::MemberId;
use crate::name::Name;
use crate::outcome::{Expiring, MemberView, TierChange, Totals};

/// The longest look ahead of [`Engine::expiring`]: 100 years.
pub const MAX_EXPIRING_DAYS: i64 = 36_500;
use crate::program::Basis;

impl Engine {
    /// Member `id` as of the clock, or `UnknownMember`.
    pub fn member(&self, id: MemberId) -> Result<MemberView, Error> {
        let m = self.member_index(id)?;
        let member = &self.members[m as usize];
        let qualifying = self.qualifying(m);
        let levels = &self.program.tiers.levels;
        let level = self.level_of(m);
        let next = levels.get(level + 1);
        let extras = member.extras();
        let (ps, qs) = (self.program.points_places(), self.qualifying_places());
        Ok(MemberView {
            member: id,
            referrer: member.referrer().map(|r| self.members[r as usize].id),
            available: at_scale(member.available(), ps),
            pending: at_scale(member.pending(), ps),
            held: at_scale(self.held_by(m), ps),
            grace_until: self.grace_until(m),
            tier: levels[level].name.clone(),
            level,
            qualifying: at_scale(qualifying, qs),
            next_tier: next.map(|l| l.name.clone()),
            to_next: next.map(|l| at_scale(sub(l.threshold, qualifying), qs)),
            stamps: extras
                .map(|e| e.stamps.iter().map(|(n, c)| (n.to_string(), *c)).collect())
                .unwrap_or_default(),
            achievements: extras
                .map(|e| e.achievements.iter().map(Name::to_string).collect())
                .unwrap_or_default(),
            orders: u64::from(member.orders),
            referrals: u64::from(member.referrals),
        })
    }

    /// Points expiring soon (SPEC 9.2): member `id`'s available points in lots that expire
    /// by `days` days after the clock, and the earliest such expiry. Pending points are not
    /// lots yet, and a member in debt holds none. `UnknownMember`, then `InvalidInput` for
    /// `days` outside 0..=36 500.
    ///
    /// ```
    /// use loyalty_core::{Engine, Program, Enroll, Order};
    /// use rust_decimal::Decimal;
    ///
    /// let program = Program::from_json(r#"{"expiry_days": 30, "tiers": {"levels": [
    ///     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.1"}]}}"#)?;
    /// let mut engine = Engine::new(program)?;
    /// engine.apply(&Enroll::new(1, 0, 7).into())?;
    /// engine.apply(&Order::new(2, 0, 7, Decimal::from(100)).into())?;
    /// let soon = engine.expiring(7, 30)?;
    /// assert_eq!((soon.points, soon.next), (Decimal::from(10), Some(30 * 86_400)));
    /// assert_eq!(engine.expiring(7, 29)?.next, None);
    /// # Ok::<(), loyalty_core::Error>(())
    /// ```
    pub fn expiring(&self, id: MemberId, days: i64) -> Result<Expiring, Error> {
        let m = self.member_index(id)?;
        if !(0..=MAX_EXPIRING_DAYS).contains(&days) {
            return fail(
                ErrorKind::InvalidInput,
                format!("days {days} must be an integer in 0..={MAX_EXPIRING_DAYS}"),
            );
        }
        let horizon = self.clock.saturating_add(days.saturating_mul(DAY));
        let ledger = self.members[m as usize].ledger();
        let due = ledger
            .lots()
            .iter()
            .filter_map(|lot| Some((lot.points, lot.expires_at.filter(|e| *e <= horizon)?)));
        let (points, next) = due.fold((Decimal::ZERO, None), |(sum, next), (points, at)| {
            (add(sum, points), Some(next.map_or(at, |n: i64| n.min(at))))
        });
        Ok(Expiring {
            points: at_scale(points, self.program.points_places()),
            next,
        })
    }

    /// Decimal places of qualifying totals: money on the spend basis, points on the points basis.
    fn qualifying_places(&self) -> u32 {
        match self.program.tiers.basis {
            Basis::Spend => self.program.money_places(),
            Basis::Points => self.program.points_places(),
        }
    }

    /// The program totals (SPEC section 3), at the points scale.
    pub fn totals(&self) -> Totals {
        let ps = self.program.points_places();
        let t = self.totals;
        Totals {
            issued: at_scale(t.issued, ps),
            redeemed: at_scale(t.redeemed, ps),
            expired: at_scale(t.expired, ps),
            fees: at_scale(t.fees, ps),
            liability: at_scale(t.liability, ps),
            overdraft: at_scale(t.overdraft, ps),
        }
    }

    /// Whether member `id` is enrolled.
    pub fn is_member(&self, id: MemberId) -> bool {
        self.position(id).is_some()
    }

    /// The ids of every enrolled member, in enrolment order.
    pub fn member_ids(&self) -> impl Iterator<Item = MemberId> + '_ {
        self.members.iter().map(|m| m.id)
    }

    /// The `n` members with the highest qualifying total, ties by smaller member id (SPEC 8.6).
    pub fn leaderboard(&self, n: usize) -> Vec<MemberId> {
        let mut all: Vec<(Decimal, MemberId)> = (0..self.members.len() as u32)
            .map(|m| (self.qualifying(m), self.members[m as usize].id))
            .collect();
        let rank =
            |a: &(Decimal, MemberId), b: &(Decimal, MemberId)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if n < all.len() {
            all.select_nth_unstable_by(n, rank);
            all.truncate(n);
        }
        all.sort_unstable_by(rank);
        all.into_iter().map(|(_, id)| id).collect()
    }

    /// How many members hold each level, lowest level first (one pass over the members).
    pub fn tier_counts(&self) -> Vec<(String, u64)> {
        let levels = &self.program.tiers.levels;
        let mut counts = vec![0_u64; levels.len()];
        for m in 0..self.members.len() as u32 {
            counts[self.level_of(m)] += 1;
        }
        levels.iter().map(|l| l.name.clone()).zip(counts).collect()
    }

    /// Bonus points campaign `name` has given so far, net of refunds (what its budget used).
    pub fn campaign_used(&self, name: &str) -> Decimal {
        self.budgets_used.get(name).copied().unwrap_or_default()
    }

    /// Levels, before an order or refund counts, of the members whose qualifying total it
    /// moves: the buyer (whose level the caller knows) and, on the points basis, the referrers
    /// it pays. Reuses one buffer, so
    /// the hot path allocates nothing.
    pub(crate) fn snapshot_levels(
        &mut self,
        buyer: u32,
        buyer_level: usize,
        referrers: impl Iterator<Item = u32>,
    ) -> Vec<(u32, usize)> {
        let mut snap = core::mem::take(&mut self.level_scratch);
        snap.clear();
        snap.push((buyer, buyer_level));
        if self.program.tiers.basis == Basis::Points {
            snap.extend(referrers.map(|r| (r, self.level_of(r))));
        }
        snap
    }

    /// The level changes since `snap` was taken (and the buffer back for the next time),
    /// after the grace check of SPEC 9.3 for each member of it, at the clock.
    pub(crate) fn tier_changes_since(&mut self, snap: Vec<(u32, usize)>) -> Vec<TierChange> {
        if self.program.tiers.grace_days.is_some() {
            for &(m, was) in &snap {
                self.settle_level(m, self.clock, was);
            }
        }
        let names = &self.program.tiers.levels;
        let changes = snap
            .iter()
            .filter_map(|&(m, was)| {
                let now = self.level_of(m);
                (now != was).then(|| TierChange {
                    member: self.members[m as usize].id,
                    from: names[was].name.clone(),
                    to: names[now].name.clone(),
                })
            })
            .collect();
        self.level_scratch = snap;
        changes
    }
}
