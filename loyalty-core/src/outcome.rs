//! What operations return and what queries answer.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::operation::{MemberId, OpId};

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
pub struct Posting {
    pub from: Account,
    pub to: Account,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
}

/// A member's level changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TierChange {
    pub member: MemberId,
    pub from: String,
    pub to: String,
}

/// A referral commission (depth 1 is the direct referrer).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Commission {
    pub member: MemberId,
    pub depth: u32,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
}

/// A campaign's bonus on an order (or what a refund took back of it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CampaignBonus {
    pub campaign: String,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
}

/// An achievement unlocked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Unlocked {
    pub member: MemberId,
    pub achievement: String,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
}

/// What an order did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ordered {
    pub order: OpId,
    pub member: MemberId,
    /// `amount − points × point_value`.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub cash: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points_spent: Decimal,
    /// The accrual X.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub accrued: Decimal,
    pub campaign_bonuses: Vec<CampaignBonus>,
    pub commissions: Vec<Commission>,
    /// Stamp cards that earned a stamp.
    pub stamps: Vec<String>,
    /// Points for completed stamp cards.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub stamp_rewards: Decimal,
    pub achievements: Vec<Unlocked>,
    pub tier_changes: Vec<TierChange>,
}

/// What a refund did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Refunded {
    pub order: OpId,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub amount: Decimal,
    /// Spent points given back to the buyer.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points_returned: Decimal,
    /// Accrual clawed back from the buyer.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub accrual_clawed: Decimal,
    pub campaign_bonuses_clawed: Vec<CampaignBonus>,
    pub commissions_clawed: Vec<Commission>,
    /// Stamp cards whose stamp was taken back.
    pub stamps_taken: Vec<String>,
    pub tier_changes: Vec<TierChange>,
}

/// What an operation did, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "effect", rename_all = "lowercase"))]
pub enum Effect {
    Enrolled {
        member: MemberId,
        achievements: Vec<Unlocked>,
    },
    // Boxed: the idempotency index keeps every outcome, so the enum stays small.
    Ordered(Box<Ordered>),
    Refunded(Box<Refunded>),
    Transferred {
        from: MemberId,
        to: MemberId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        points: Decimal,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        fee: Decimal,
    },
    Adjusted {
        member: MemberId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        points: Decimal,
    },
    Ticked,
    Configured,
    Surveyed {
        member: MemberId,
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
        points: Decimal,
        kind: MemberKind,
    },
}

/// The result of an accepted operation: its effect and every posting it made (releases,
/// gifts and expiries that fell due before it included).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Outcome {
    pub effect: Effect,
    pub postings: Vec<Posting>,
}

/// The program's system accounts (SPEC section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Totals {
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub issued: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub redeemed: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub expired: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub fees: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub liability: Decimal,
}

/// A member as the queries see them, as of the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MemberView {
    pub member: MemberId,
    pub referrer: Option<MemberId>,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub available: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub pending: Decimal,
    pub tier: String,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub qualifying: Decimal,
    pub next_tier: Option<String>,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal::option"))]
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

/// Filters of an NPS query; every one optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NpsQuery {
    /// Answers at or after this time.
    pub from: Option<i64>,
    /// Answers before this time.
    pub to: Option<i64>,
    pub segment: Option<String>,
    pub member_kind: Option<MemberKind>,
}

/// An NPS report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub responses: u64,
    /// `(promoters − detractors) × 100 ÷ responses`, half-even to one place; `None` with no
    /// responses.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal::option"))]
    pub score: Option<Decimal>,
}
