//! Compact idempotency records (issue 11). A retry must return the original outcome, but
//! keeping every outcome costs hundreds of bytes per order. Most orders' outcomes follow from
//! their order record (which a refund keeps anyway): the spend, the accrual, the commissions,
//! the campaign bonuses and stamps, the postings they made, in order, and a level change of the
//! buyer (two level indices); a record with campaign bonuses or stamps also keeps the order's
//! card reward and achievements. For such orders the entry keeps only its digest and a few
//! flags; the outcome is rebuilt on a retry. Whether an order is such an order is decided when
//! it is filed, by checking its outcome against what the record rebuilds, bit for bit (decimal
//! scales included), so a rebuilt outcome is always exactly the one returned the first time.
//! (An order that unlocked achievements with neither bonuses nor stamps has no extras in its
//! record, as before, so its outcome is kept whole.)

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::amount::{add, identical as same, positive};
use crate::engine::Engine;
use crate::ids::{MemberId, OpId};
use crate::name::Name;
use crate::ops::{Operation, Order};
use crate::outcome::{
    Account, CampaignBonus, Commission, Effect, Ordered, Outcome, Posting, TierChange, Unlocked,
};
use crate::records::{Digest, Keep, Kept};
use crate::state::{Moved, OrderExtras, OrderRecord};

fn same_postings(a: &[Posting], b: impl Iterator<Item = Posting>) -> bool {
    let mut b = b;
    a.iter().all(|p| {
        b.next()
            .is_some_and(|q| p.from == q.from && p.to == q.to && same(p.points, q.points))
    }) && b.next().is_none()
}

/// Whether `o`'s campaign bonuses, stamps, card reward and achievements (all the buyer's) are
/// what its record's extras `e` rebuild.
fn same_extras(o: &Ordered, e: &OrderExtras, buyer: MemberId) -> bool {
    same(o.stamp_rewards, e.rewarded)
        && o.achievements.len() == e.unlocked.len()
        && o.achievements
            .iter()
            .zip(&e.unlocked)
            .all(|(a, (name, points))| {
                a.member == buyer && a.achievement == *name && same(a.points, *points)
            })
        && o.campaign_bonuses.len() == e.bonuses.len()
        && (o.campaign_bonuses.iter().zip(&e.bonuses))
            .all(|(c, (name, b))| c.campaign == *name && same(c.points, b.total))
        && o.stamps.len() == e.stamps.len()
        && o.stamps
            .iter()
            .zip(&e.stamps)
            .all(|(s, mark)| *s == mark.card)
}

/// Whether `op` is an order whose record holds all its content: no lines, no hold, not
/// offline (its digest then follows from the record).
fn is_plain_order(op: &Operation) -> bool {
    matches!(op, Operation::Order(o) if o.lines.is_empty() && o.hold.is_none() && o.offline.is_none())
}

impl Engine {
    /// Files the outcome of accepted operation `id` for retries (compactly when its order
    /// record rebuilds it) and returns it.
    pub(crate) fn file(&mut self, op: &Operation, id: OpId, outcome: Outcome) -> &Outcome {
        if let Some(keep) = self.compactly(&outcome) {
            // A plain order's digest follows from its record: not worked out for every order.
            let digest = if matches!(keep, Keep::Order { .. }) && is_plain_order(op) {
                Digest::OfRecord
            } else {
                Digest::Kept(op.digest())
            };
            self.records.file(id, digest, keep);
            debug_assert_eq!(self.digest_of(id), Some(op.digest()), "{op:?}");
            return self.keep_last(outcome);
        }
        // Kept whole: the kept outcome is the one the caller reads (no copy).
        let digest = Digest::Kept(op.digest());
        self.records.file_whole(id, digest, Box::new(outcome))
    }

    /// The digest of accepted operation `id`.
    pub(crate) fn digest_of(&self, id: OpId) -> Option<u64> {
        self.resolve(id, self.records.digest(id)?)
    }

    /// Every accepted operation and its digest.
    pub(crate) fn digests(&self) -> impl Iterator<Item = (OpId, u64)> + '_ {
        // An order's record is there as long as its entry is (`resolve` cannot miss it).
        let resolved = |(id, d)| (id, self.resolve(id, d).unwrap_or_default());
        self.records.digests().map(resolved)
    }

    /// The digest `digest` stands for: kept, or that of the plain order `id`'s record
    /// describes (its content is the record's: time, buyer, amount and points).
    fn resolve(&self, id: OpId, digest: Digest) -> Option<u64> {
        match digest {
            Digest::Kept(digest) => Some(digest),
            Digest::OfRecord => {
                let r = self.records.order_read(id)?;
                let member = self.members.get(r.buyer as usize)?.id;
                let order = Order::new(id, r.at, member, r.amount).with_points(r.points.total);
                Some(Operation::Order(order).digest())
            }
        }
    }

    /// What rebuilds `outcome` exactly, when something smaller than it does.
    fn compactly(&self, outcome: &Outcome) -> Option<Keep> {
        match &outcome.effect {
            Effect::Enrolled {
                member,
                achievements,
            } if achievements.is_empty() && outcome.postings.is_empty() => {
                self.position(*member).map(Keep::Enrolled)
            }
            Effect::Ordered(_) => self
                .rebuilds(outcome)
                .map(|(pending, tier)| Keep::Order { pending, tier }),
            _ => None,
        }
    }

    /// Keeps `outcome` as the one the caller reads, and reuses the previous one's posting
    /// buffer for the next operation (no allocation per operation for postings), and its
    /// order outcome's box for the next order.
    pub(crate) fn keep_last(&mut self, outcome: Outcome) -> &Outcome {
        let previous = core::mem::replace(&mut self.last, outcome);
        self.postings = previous.postings;
        self.postings.clear();
        if let Effect::Ordered(ordered) = previous.effect {
            self.spare = Some(ordered);
        }
        &self.last
    }

    /// The outcome filed under `id`, rebuilt if it was filed compactly.
    pub(crate) fn filed(&self, id: OpId) -> Option<Cow<'_, Outcome>> {
        match self.records.kept(id)? {
            Kept::Whole(outcome) => Some(Cow::Borrowed(outcome)),
            Kept::Order { pending, tier } => self.rebuild(id, pending, tier).map(Cow::Owned),
            Kept::Enrolled(m) => Some(Cow::Owned(Outcome {
                effect: Effect::Enrolled {
                    member: self.members.get(m as usize)?.id,
                    achievements: Vec::new(),
                },
                postings: Vec::new(),
            })),
        }
    }

    /// As [`Engine::filed`], kept as the last outcome so that a reference can be returned.
    pub(crate) fn recall(&mut self, id: OpId) -> Option<&Outcome> {
        let outcome = self.filed(id)?.into_owned();
        Some(self.keep_last(outcome))
    }

    /// `Some((pending, tier))` when `outcome` is an order's that its record rebuilds exactly
    /// (with its credits pending or not, and the buyer's level change if any), `None` when it
    /// must be kept whole.
    fn rebuilds(&self, outcome: &Outcome) -> Option<(bool, Option<(u8, u8)>)> {
        let Effect::Ordered(o) = &outcome.effect else {
            return None;
        };
        if o.tier_changes.len() > 1 {
            return None;
        }
        let record = &self.records.order_read(o.order)?;
        let tier = match o.tier_changes.as_slice() {
            [] => None,
            [change] => Some(self.level_change(change, record)?),
            _ => return None,
        };
        if !self.rebuilt_exactly(o, record) {
            return None;
        }
        // Credits all go to pending points or all to available ones.
        let pending = outcome
            .postings
            .iter()
            .any(|p| matches!(p.to, Account::Pending(_)));
        let postings = self.order_postings(record, pending);
        let matched = if record.extras.is_none() {
            same_postings(&outcome.postings, postings)
        } else {
            same_postings(
                &outcome.postings,
                postings.chain(self.extra_postings(record)),
            )
        };
        matched.then_some((pending, tier))
    }

    /// The level indices of the buyer's `change`, if the program's levels name it exactly.
    fn level_change(&self, change: &TierChange, r: &OrderRecord) -> Option<(u8, u8)> {
        let index = |name: &str| {
            let i = self.program.level_index(name)?;
            u8::try_from(i).ok()
        };
        (change.member == self.members[r.buyer as usize].id)
            .then(|| Some((index(&change.from)?, index(&change.to)?)))?
    }

    /// The buyer's level change from level indices, named as the program names them now
    /// (a `configure` that renames levels first files such outcomes whole).
    fn tier_change(&self, r: &OrderRecord, (from, to): (u8, u8)) -> Option<TierChange> {
        let levels = &self.program.tiers.levels;
        Some(TierChange {
            member: self.members[r.buyer as usize].id,
            from: levels.get(usize::from(from))?.name.clone(),
            to: levels.get(usize::from(to))?.name.clone(),
        })
    }

    /// Files whole every compact outcome that names levels, before a `configure` that changes
    /// the levels' names (their rebuilt outcome would otherwise name the new ones).
    pub(crate) fn keep_level_names(&mut self) {
        for id in self.records.with_level_change() {
            let (Some(outcome), Some(digest)) = (self.filed(id), self.digest_of(id)) else {
                continue;
            };
            let outcome = Box::new(outcome.into_owned());
            self.refile_whole(id, digest, outcome);
        }
    }

    /// Whether [`Engine::ordered`] rebuilds `o` from `r` bit for bit (decimal scales
    /// included), level changes aside (see [`Engine::level_change`]). Every field is named, so
    /// a field added to `Ordered` must be decided here.
    #[inline(never)]
    fn rebuilt_exactly(&self, o: &Ordered, r: &OrderRecord) -> bool {
        let Ordered {
            order: _,
            member,
            cash,
            points_spent,
            accrued,
            campaign_bonuses,
            commissions,
            stamps,
            stamp_rewards,
            achievements,
            tier_changes: _,
        } = o;
        let id = |m: u32| self.members[m as usize].id;
        let extras_match = match r.extras.as_deref() {
            None => {
                campaign_bonuses.is_empty()
                    && stamps.is_empty()
                    && achievements.is_empty()
                    && same(*stamp_rewards, Decimal::ZERO)
            }
            Some(e) => same_extras(o, e, id(r.buyer)),
        };
        extras_match
            && *member == id(r.buyer)
            && same(*cash, r.cash.total)
            && same(*points_spent, r.points.total)
            && same(*accrued, r.accrual.total)
            && commissions.len() == r.commissions.len()
            && commissions
                .iter()
                .zip(&r.commissions)
                .all(|(c, (m, depth, k))| {
                    c.member == id(*m) && c.depth == *depth && same(c.points, k.total)
                })
    }

    /// The effect of an order, from its record (its campaign bonuses and stamps included).
    fn ordered(&self, id: OpId, r: &OrderRecord, tier: Option<(u8, u8)>) -> Ordered {
        let extras = r.extras.as_deref();
        Ordered {
            campaign_bonuses: extras.map_or_else(Vec::new, |e| {
                let bonus = |(campaign, b): &(Name, Moved)| CampaignBonus {
                    campaign: campaign.clone(),
                    points: b.total,
                };
                e.bonuses.iter().map(bonus).collect()
            }),
            stamps: extras.map_or_else(Vec::new, |e| {
                e.stamps.iter().map(|mark| mark.card.clone()).collect()
            }),
            stamp_rewards: extras.map_or(Decimal::ZERO, |e| e.rewarded),
            achievements: extras.map_or_else(Vec::new, |e| {
                let unlocked = |(name, points): &(Name, Decimal)| Unlocked {
                    member: self.members[r.buyer as usize].id,
                    achievement: name.clone(),
                    points: *points,
                };
                e.unlocked.iter().map(unlocked).collect()
            }),
            tier_changes: tier
                .and_then(|t| self.tier_change(r, t))
                .into_iter()
                .collect(),
            order: id,
            member: self.members[r.buyer as usize].id,
            cash: r.cash.total,
            points_spent: r.points.total,
            accrued: r.accrual.total,
            commissions: r
                .commissions
                .iter()
                .map(|(m, depth, k)| Commission {
                    member: self.members[*m as usize].id,
                    depth: *depth,
                    points: k.total,
                })
                .collect(),
            ..Ordered::default()
        }
    }

    /// The postings of an order up to its commissions, in the order it made them: points
    /// spent, the buyer's accrual with the campaign bonuses, each commission (credited as
    /// pending points or available ones).
    fn order_postings<'a>(
        &'a self,
        r: &'a OrderRecord,
        pending: bool,
    ) -> impl Iterator<Item = Posting> + 'a {
        let id = |m: u32| self.members[m as usize].id;
        let credit = move |m: u32, points: Decimal| Posting {
            from: Account::Issued,
            to: if pending {
                Account::Pending(id(m))
            } else {
                Account::Available(id(m))
            },
            points,
        };
        let spent = positive(r.points.total).then(|| Posting {
            from: Account::Available(id(r.buyer)),
            to: Account::Redeemed,
            points: r.points.total,
        });
        // As the order added them: the accrual, plus the bonuses' sum when it had some.
        let own = r.extras.as_ref().map_or(r.accrual.total, |e| {
            let bonuses = e
                .bonuses
                .iter()
                .fold(Decimal::ZERO, |s, (_, b)| add(s, b.total));
            add(r.accrual.total, bonuses)
        });
        let own = positive(own).then(|| credit(r.buyer, own));
        let commissions = r
            .commissions
            .iter()
            .filter(|(_, _, k)| positive(k.total))
            .map(move |(m, _, k)| credit(*m, k.total));
        spent.into_iter().chain(own).chain(commissions)
    }

    /// The postings an order with extras made after its commissions: the filled cards'
    /// reward, then each achievement's points, each as a lot of the buyer's.
    fn extra_postings<'a>(&'a self, r: &'a OrderRecord) -> impl Iterator<Item = Posting> + 'a {
        let buyer = self.members[r.buyer as usize].id;
        let lot = move |points: Decimal| Posting {
            from: Account::Issued,
            to: Account::Available(buyer),
            points,
        };
        let extras = r.extras.as_deref();
        let reward = extras.map(|e| e.rewarded);
        let unlocked = extras
            .into_iter()
            .flat_map(|e| e.unlocked.iter().map(|(_, points)| *points));
        reward
            .into_iter()
            .chain(unlocked)
            .filter(|p| positive(*p))
            .map(lot)
    }

    /// The outcome of order `id`, filed compactly.
    fn rebuild(&self, id: OpId, pending: bool, tier: Option<(u8, u8)>) -> Option<Outcome> {
        let record = &self.records.order_read(id)?;
        Some(Outcome {
            effect: Effect::Ordered(Box::new(self.ordered(id, record, tier))),
            postings: self
                .order_postings(record, pending)
                .chain(self.extra_postings(record))
                .collect(),
        })
    }
}
