//! The fields every binding shows of an outcome, read across effect kinds once, here: a
//! binding converts what these return and derives nothing itself (issue 22). Each returns the
//! empty value (`None`, zero, an empty list) for a kind that has no such field.

use rust_decimal::Decimal;

use crate::ids::{MemberId, OpId};
use crate::name::Name;
use crate::outcome::{CampaignBonus, Commission, Effect, MemberKind, TierChange, Unlocked};

impl Effect {
    /// The member concerned: enrolled, buyer, sender, adjusted, surveyed, redeeming, or whose
    /// redemption was cancelled (`None` for a refund, a tick, a configure).
    pub fn member(&self) -> Option<MemberId> {
        match self {
            Effect::Enrolled { member, .. }
            | Effect::Adjusted { member, .. }
            | Effect::Surveyed { member, .. }
            | Effect::Redeemed { member, .. }
            | Effect::Cancelled { member, .. }
            | Effect::Held { member, .. }
            | Effect::Released { member, .. } => Some(*member),
            Effect::Ordered(o) => Some(o.member),
            Effect::Transferred { from, .. } => Some(*from),
            Effect::Refunded(_) | Effect::Ticked | Effect::Configured => None,
        }
    }

    /// A transfer's recipient.
    pub fn recipient(&self) -> Option<MemberId> {
        match self {
            Effect::Transferred { to, .. } => Some(*to),
            _ => None,
        }
    }

    /// The order of an order or a refund.
    pub fn order(&self) -> Option<OpId> {
        match self {
            Effect::Ordered(o) => Some(o.order),
            Effect::Refunded(r) => Some(r.order),
            _ => None,
        }
    }

    /// The effect's own points: spent on an order or on rewards, sent by a transfer, added or
    /// taken by an adjustment, earned by a survey answer, given back by a cancelled redemption.
    pub fn points(&self) -> Decimal {
        match self {
            Effect::Ordered(o) => o.points_spent,
            Effect::Transferred { points, .. }
            | Effect::Adjusted { points, .. }
            | Effect::Surveyed { points, .. }
            | Effect::Redeemed { points, .. }
            | Effect::Cancelled { points, .. }
            | Effect::Held { points, .. }
            | Effect::Released { points, .. } => *points,
            Effect::Enrolled { .. } | Effect::Refunded(_) | Effect::Ticked | Effect::Configured => {
                Decimal::ZERO
            }
        }
    }

    /// A transfer's fee.
    pub fn fee(&self) -> Decimal {
        match self {
            Effect::Transferred { fee, .. } => *fee,
            _ => Decimal::ZERO,
        }
    }

    /// Cash paid for an order: its amount less the points' value.
    pub fn cash(&self) -> Decimal {
        match self {
            Effect::Ordered(o) => o.cash,
            _ => Decimal::ZERO,
        }
    }

    /// An order's accrual.
    pub fn accrued(&self) -> Decimal {
        match self {
            Effect::Ordered(o) => o.accrued,
            _ => Decimal::ZERO,
        }
    }

    /// The money a refund returned.
    pub fn refunded(&self) -> Decimal {
        match self {
            Effect::Refunded(r) => r.amount,
            _ => Decimal::ZERO,
        }
    }

    /// Spent points a refund gave back.
    pub fn points_returned(&self) -> Decimal {
        match self {
            Effect::Refunded(r) => r.points_returned,
            _ => Decimal::ZERO,
        }
    }

    /// The accrual a refund clawed back.
    pub fn accrual_clawed(&self) -> Decimal {
        match self {
            Effect::Refunded(r) => r.accrual_clawed,
            _ => Decimal::ZERO,
        }
    }

    /// Commissions an order paid, or a refund clawed back.
    pub fn commissions(&self) -> &[Commission] {
        match self {
            Effect::Ordered(o) => &o.commissions,
            Effect::Refunded(r) => &r.commissions_clawed,
            _ => &[],
        }
    }

    /// Campaign bonuses an order paid, or a refund clawed back.
    pub fn campaign_bonuses(&self) -> &[CampaignBonus] {
        match self {
            Effect::Ordered(o) => &o.campaign_bonuses,
            Effect::Refunded(r) => &r.campaign_bonuses_clawed,
            _ => &[],
        }
    }

    /// Stamp cards an order stamped, or a refund took a stamp from.
    pub fn stamps(&self) -> &[Name] {
        match self {
            Effect::Ordered(o) => &o.stamps,
            Effect::Refunded(r) => &r.stamps_taken,
            _ => &[],
        }
    }

    /// Points an order's full stamp cards paid.
    pub fn stamp_rewards(&self) -> Decimal {
        match self {
            Effect::Ordered(o) => o.stamp_rewards,
            _ => Decimal::ZERO,
        }
    }

    /// Achievements unlocked by an order or an enrolment.
    pub fn achievements(&self) -> &[Unlocked] {
        match self {
            Effect::Ordered(o) => &o.achievements,
            Effect::Enrolled { achievements, .. } => achievements,
            _ => &[],
        }
    }

    /// Level changes an order or a refund made.
    pub fn tier_changes(&self) -> &[TierChange] {
        match self {
            Effect::Ordered(o) => &o.tier_changes,
            Effect::Refunded(r) => &r.tier_changes,
            _ => &[],
        }
    }

    /// Whether a survey's member was new or regular.
    pub fn member_kind(&self) -> Option<MemberKind> {
        match self {
            Effect::Surveyed { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// A redemption's reward and quantity.
    pub fn reward(&self) -> Option<(&str, u64)> {
        match self {
            Effect::Redeemed {
                reward, quantity, ..
            } => Some((reward, *quantity)),
            _ => None,
        }
    }

    /// The redemption a `cancel` took back.
    pub fn redemption(&self) -> Option<OpId> {
        match self {
            Effect::Cancelled { redemption, .. } => Some(*redemption),
            _ => None,
        }
    }
}
