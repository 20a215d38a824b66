//! What operations return and what queries answer.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::amount::add;
use crate::ids::{MemberId, OpId};
use crate::name::Name;

/// An account of the double-entry ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "account", content = "member", rename_all = "snake_case")
)]
pub enum Account {
    /// The program's issuing account: points come from here and clawbacks return to it.
    Issued,
    /// Points spent on orders.
    Redeemed,
    /// Points that expired.
    Expired,
    /// Transfer fees.
    Fees,
    /// A member's available points.
    Available(MemberId),
    /// A member's pending points.
    Pending(MemberId),
}

/// `points` moved from one account to another: the audit trail of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Posting {
    /// The account debited.
    pub from: Account,
    /// The account credited.
    pub to: Account,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The points moved (positive).
    pub points: Decimal,
}

/// A member's level changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct TierChange {
    /// The member whose level changed.
    pub member: MemberId,
    /// The level before.
    pub from: String,
    /// The level after.
    pub to: String,
}

/// A referral commission (depth 1 is the direct referrer).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Commission {
    /// The referrer paid.
    pub member: MemberId,
    /// How far up the referral chain: 1 for the direct referrer.
    pub depth: u32,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The points paid (or, in a refund, clawed back).
    pub points: Decimal,
}

/// A campaign's bonus on an order (or what a refund took back of it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CampaignBonus {
    /// The campaign's name.
    pub campaign: Name,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The bonus points (or, in a refund, clawed back).
    pub points: Decimal,
}

/// An achievement unlocked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Unlocked {
    /// The member who unlocked it.
    pub member: MemberId,
    /// The achievement's name.
    pub achievement: Name,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The points it paid.
    pub points: Decimal,
}

/// What an order did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Ordered {
    /// The order's id.
    pub order: OpId,
    /// The buyer.
    pub member: MemberId,
    /// `amount − points × point_value`.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub cash: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Points spent to pay part of the order.
    pub points_spent: Decimal,
    /// The accrual X.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub accrued: Decimal,
    /// Bonuses of the campaigns the order fell in.
    pub campaign_bonuses: Vec<CampaignBonus>,
    /// Commissions paid up the referral chain.
    pub commissions: Vec<Commission>,
    /// Stamp cards that earned a stamp.
    pub stamps: Vec<Name>,
    /// Points for completed stamp cards.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub stamp_rewards: Decimal,
    /// Achievements the order unlocked.
    pub achievements: Vec<Unlocked>,
    /// Levels that changed (the buyer's, and referrers' on the points basis).
    pub tier_changes: Vec<TierChange>,
}

/// What a refund did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Refunded {
    /// The order refunded.
    pub order: OpId,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The money refunded.
    pub amount: Decimal,
    /// Spent points given back to the buyer.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points_returned: Decimal,
    /// Accrual clawed back from the buyer.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub accrual_clawed: Decimal,
    /// Campaign bonuses clawed back.
    pub campaign_bonuses_clawed: Vec<CampaignBonus>,
    /// Commissions clawed back.
    pub commissions_clawed: Vec<Commission>,
    /// Stamp cards whose stamp was taken back.
    pub stamps_taken: Vec<Name>,
    /// Levels that changed.
    pub tier_changes: Vec<TierChange>,
}

/// What an operation did, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "effect", rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Effect {
    /// A member joined.
    Enrolled {
        /// The new member.
        member: MemberId,
        /// Achievements unlocked on joining.
        achievements: Vec<Unlocked>,
    },
    // Boxed: the idempotency index keeps every outcome, so the enum stays small.
    /// An order was accepted.
    Ordered(Box<Ordered>),
    /// A refund was accepted.
    Refunded(Box<Refunded>),
    /// Points moved between members.
    Transferred {
        /// The sender.
        from: MemberId,
        /// The recipient.
        to: MemberId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The points received.
        points: Decimal,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The fee, burned.
        fee: Decimal,
    },
    /// Points were added or taken by hand.
    Adjusted {
        /// The member adjusted.
        member: MemberId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The points added (negative: taken).
        points: Decimal,
    },
    /// The clock moved; due releases, expiries and gifts happened.
    Ticked,
    /// The program changed.
    Configured,
    /// A survey was answered.
    Surveyed {
        /// The member who answered.
        member: MemberId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The points the answer earned.
        points: Decimal,
        /// Whether the member was new or regular when answering.
        kind: MemberKind,
    },
    /// Rewards of the catalogue were redeemed (v3).
    Redeemed {
        /// The member who redeemed.
        member: MemberId,
        /// The reward's name.
        reward: String,
        /// How many.
        quantity: u64,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The points they cost, counted to `redeemed`.
        points: Decimal,
    },
    /// Points held for a checkout (v3).
    Held {
        /// The member whose points are held.
        member: MemberId,
        /// The hold (its operation id).
        hold: OpId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The points held.
        points: Decimal,
    },
    /// A hold was given back by a `release` (v3).
    Released {
        /// The member whose points came back.
        member: MemberId,
        /// The hold released.
        hold: OpId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The points that came back (less any held piece that expired).
        points: Decimal,
    },
    /// A redemption was cancelled: its points came back (v3).
    Cancelled {
        /// The member whose redemption it was.
        member: MemberId,
        /// The id of the `redeem` cancelled.
        redemption: OpId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        /// The points given back, as a new lot.
        points: Decimal,
    },
}

/// The result of an accepted operation: its effect and every posting it made (releases,
/// gifts and expiries that fell due before it included).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Outcome {
    /// What the operation did, by kind.
    pub effect: Effect,
    /// Every movement of points it made, in order.
    pub postings: Vec<Posting>,
}

/// The program's system accounts (SPEC section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Totals {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Every point ever credited.
    pub issued: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Points spent on orders.
    pub redeemed: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Points that expired.
    pub expired: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Transfer fees.
    pub fees: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Points held by members: available, pending and in open holds.
    pub liability: Decimal,
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    /// Points offline orders spent beyond the member's balance, which became debt (v3, SPEC
    /// 9.7). A statistic beside the books: it only grows.
    pub overdraft: Decimal,
}

/// Field by field, with `overdraft` (v3) written only when set: the state digests of every
/// engine without offline orders stay as they were.
impl core::hash::Hash for Totals {
    fn hash<H: core::hash::Hasher>(&self, h: &mut H) {
        (
            self.issued,
            self.redeemed,
            self.expired,
            self.fees,
            self.liability,
        )
            .hash(h);
        if !self.overdraft.is_zero() {
            self.overdraft.hash(h);
        }
    }
}

/// Points expiring soon ([`Engine::expiring`](crate::Engine::expiring), SPEC 9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Expiring {
    /// The points in lots that expire within the days asked, at the points scale.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
    /// The earliest of their expiry instants; `None` when there is none.
    pub next: Option<i64>,
}

/// A member as the queries see them, as of the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MemberView {
    /// The member's id.
    pub member: MemberId,
    /// The member whose referral link brought this one, if any.
    pub referrer: Option<MemberId>,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Points the member can spend now.
    pub available: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Points credited but not yet released.
    pub pending: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// Points in the member's open holds (v3): the member's, but not available.
    pub held: Decimal,
    /// The member's level, by name.
    pub tier: String,
    /// The member's level, by its index in the program's levels (0: the entry level).
    pub level: usize,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The total the level is computed from (spend or points, windowed or lifetime).
    pub qualifying: Decimal,
    /// When the member's tier grace ends (v3, SPEC 9.3): the member keeps `tier` until then
    /// though the qualifying total is below it; `None` when no grace runs.
    pub grace_until: Option<i64>,
    /// The next level up from the level held, if any.
    pub next_tier: Option<String>,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal::option"))]
    /// What is left to reach the next level, if any.
    pub to_next: Option<Decimal>,
    /// Stamp card name → stamps collected (may be negative after refunds).
    pub stamps: BTreeMap<String, i64>,
    /// Achievements, in the order they unlocked.
    pub achievements: Vec<String>,
    /// Accepted orders, ever.
    pub orders: u64,
    /// Members enrolled with this member as direct referrer.
    pub referrals: u64,
}

/// Whether a survey answer came from a new or a regular member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum MemberKind {
    /// Fewer than 2 orders when answering.
    New,
    /// 2 orders or more.
    Regular,
}

impl MemberKind {
    /// `"new"` or `"regular"`.
    pub fn name(self) -> &'static str {
        match self {
            MemberKind::New => "new",
            MemberKind::Regular => "regular",
        }
    }
}

impl core::fmt::Display for MemberKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for MemberKind {
    type Err = crate::Error;

    /// `"new"` or `"regular"`; anything else is `InvalidInput` naming it.
    fn from_str(text: &str) -> Result<MemberKind, crate::Error> {
        match text {
            "new" => Ok(MemberKind::New),
            "regular" => Ok(MemberKind::Regular),
            other => Err(crate::Error::new(
                crate::ErrorKind::InvalidInput,
                format!("member_kind {other:?} is not 'new' or 'regular'"),
            )),
        }
    }
}

/// Filters of an NPS query; every one optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NpsQuery {
    /// Answers at or after this time.
    pub from: Option<i64>,
    /// Answers before this time.
    pub to: Option<i64>,
    /// Answers in this segment only.
    pub segment: Option<String>,
    /// Answers from new or regular members only.
    pub member_kind: Option<MemberKind>,
}

/// An NPS report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Nps {
    /// Answers of 9 or 10.
    pub promoters: u64,
    /// Answers of 7 or 8.
    pub passives: u64,
    /// Answers of 0 to 6.
    pub detractors: u64,
    /// Every answer counted.
    pub responses: u64,
    /// `(promoters − detractors) × 100 ÷ responses`, half-even to one place; `None` with no
    /// responses.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal::option"))]
    pub score: Option<Decimal>,
}

/// An outcome in a few totals, for callers that want numbers rather than the whole effect (the
/// C binding's `loyalty_outcome`): every binding sums the same way because the core does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Summary {
    /// The order's accrual.
    pub accrued: Decimal,
    /// The order's campaign bonuses, summed.
    pub campaign_bonus: Decimal,
    /// The order's commissions, summed.
    pub commissions: Decimal,
    /// How many commissions the order paid.
    pub commission_count: u32,
    /// Points spent on the order or on rewards, or sent by the transfer.
    pub points: Decimal,
    /// The transfer's fee.
    pub fee: Decimal,
    /// Points the refund or the cancelled redemption gave back.
    pub points_returned: Decimal,
    /// Everything the refund clawed back: accrual, campaign bonuses and commissions.
    pub clawed: Decimal,
    /// Stamp-card and achievement points, an adjustment, or a survey's points.
    pub rewards: Decimal,
    /// How many levels changed.
    pub tier_changes: u32,
}

impl Effect {
    /// The effect's name, as in the JSON form's `"effect"` field (`"ordered"`, `"ticked"`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Effect::Enrolled { .. } => "enrolled",
            Effect::Ordered(_) => "ordered",
            Effect::Refunded(_) => "refunded",
            Effect::Transferred { .. } => "transferred",
            Effect::Adjusted { .. } => "adjusted",
            Effect::Ticked => "ticked",
            Effect::Configured => "configured",
            Effect::Surveyed { .. } => "surveyed",
            Effect::Redeemed { .. } => "redeemed",
            Effect::Cancelled { .. } => "cancelled",
            Effect::Held { .. } => "held",
            Effect::Released { .. } => "released",
        }
    }
}

impl Outcome {
    /// The outcome in a few totals (see [`Summary`]).
    pub fn summary(&self) -> Summary {
        let sum = |it: &mut dyn Iterator<Item = Decimal>| it.fold(Decimal::ZERO, add);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let mut s = Summary::default();
        match &self.effect {
            Effect::Ordered(o) => {
                s.accrued = o.accrued;
                s.campaign_bonus = sum(&mut o.campaign_bonuses.iter().map(|b| b.points));
                s.commissions = sum(&mut o.commissions.iter().map(|c| c.points));
                s.commission_count = count(o.commissions.len());
                s.points = o.points_spent;
                s.rewards = add(
                    o.stamp_rewards,
                    sum(&mut o.achievements.iter().map(|a| a.points)),
                );
                s.tier_changes = count(o.tier_changes.len());
            }
            Effect::Refunded(r) => {
                s.points_returned = r.points_returned;
                let bonuses = r.campaign_bonuses_clawed.iter().map(|b| b.points);
                let commissions = r.commissions_clawed.iter().map(|c| c.points);
                s.clawed = add(r.accrual_clawed, sum(&mut bonuses.chain(commissions)));
                s.tier_changes = count(r.tier_changes.len());
            }
            Effect::Transferred { points, fee, .. } => {
                s.points = *points;
                s.fee = *fee;
            }
            Effect::Adjusted { points, .. } | Effect::Surveyed { points, .. } => {
                s.rewards = *points;
            }
            Effect::Enrolled { achievements, .. } => {
                s.rewards = sum(&mut achievements.iter().map(|a| a.points));
            }
            Effect::Redeemed { points, .. } | Effect::Held { points, .. } => s.points = *points,
            Effect::Cancelled { points, .. } | Effect::Released { points, .. } => {
                s.points_returned = *points;
            }
            Effect::Ticked | Effect::Configured => {}
        }
        s
    }
}
