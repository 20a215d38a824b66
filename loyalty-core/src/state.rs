//! The rows the engine's state is made of: members, order records and what they moved, survey
//! answers, open holds and tier graces. Plain data: the rules that change them are in the
//! operations, `held.rs` and `grace.rs`.

use core::hash::{Hash, Hasher};

use rust_decimal::Decimal;
use smallvec::SmallVec;

use crate::amount::{add, sub};

use crate::ids::{MemberId, OpId};
use crate::ledger::{Ledger, Lot};
use crate::name::Name;

/// A point amount and how much of it refunds have moved so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Moved {
    pub total: Decimal,
    pub moved: Decimal,
}

impl Moved {
    pub fn new(total: Decimal) -> Moved {
        Moved {
            total,
            moved: Decimal::ZERO,
        }
    }
    /// What is still in place.
    pub fn remaining(self) -> Decimal {
        sub(self.total, self.moved)
    }
}

/// A member's engagement state (v2), allocated only for members who have some.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Extras {
    /// Stamp card name → count.
    pub stamps: SmallVec<[(Name, i64); 1]>,
    /// Achievement names in unlock order.
    pub achievements: SmallVec<[Name; 2]>,
}

/// A member whole: the form snapshots write and state digests hash. The engine keeps each
/// member as a compact `MemberRow` (`member_row.rs`) that reads back as this, bit for bit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Member {
    pub id: MemberId,
    pub referrer: Option<u32>,
    pub enrolled_at: i64,
    pub ledger: Ledger,
    /// Lifetime cash spend less refunds.
    pub spend: Decimal,
    /// Lifetime points earned by accrual, campaign bonus and commission, less clawbacks.
    pub earned: Decimal,
    /// Counts: a member places or refers fewer than 2^32 (they saturate there).
    pub orders: u32,
    pub referrals: u32,
    pub extras: Option<Box<Extras>>,
}

/// Hashed as it always was (the counts as `u64`), so state digests stay comparable.
impl Hash for Member {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (self.id, self.referrer, self.enrolled_at, &self.ledger).hash(h);
        (self.spend, self.earned).hash(h);
        (
            u64::from(self.orders),
            u64::from(self.referrals),
            &self.extras,
        )
            .hash(h);
    }
}

/// What a refund needs to know of an order: compact, and nothing a refund would not use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct OrderRecord {
    pub buyer: u32,
    pub at: i64,
    pub amount: Decimal,
    pub refunded: Decimal,
    /// Points spent, and how many refunds gave back.
    pub points: Moved,
    /// Cash C, and how much refunds took off the qualifying total.
    pub cash: Moved,
    /// The accrual X, and how much was clawed back.
    pub accrual: Moved,
    /// `(referrer, depth, K)`: usually one or two, kept inline.
    pub commissions: smallvec::SmallVec<[(u32, u32, Moved); 2]>,
    pub extras: Option<Box<OrderExtras>>,
}

/// The v2 part of an order record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct OrderExtras {
    /// Campaign name → bonus.
    pub bonuses: SmallVec<[(Name, Moved); 1]>,
    pub stamps: SmallVec<[StampMark; 1]>,
    /// The points of the stamp cards the order filled, and the achievements it unlocked
    /// (name, points): what else its outcome said, so that a retry rebuilds it. Not state.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Decimal::is_zero")
    )]
    pub rewarded: Decimal,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "SmallVec::is_empty")
    )]
    pub unlocked: SmallVec<[(Name, Decimal); 1]>,
}

/// Hashed as it was before `rewarded` and `unlocked` (the outcome's, not state): state digests
/// of every state written before stay as they were.
impl Hash for OrderExtras {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (&self.bonuses, &self.stamps).hash(h);
    }
}

/// A stamp an order earned, and what could take it back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct StampMark {
    pub card: Name,
    pub matching: Decimal,
    pub min_amount: Decimal,
    pub taken: bool,
}

/// One survey answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Answer {
    pub at: i64,
    pub score: u8,
    pub segment: Option<String>,
    pub regular: bool,
}

/// One order's contribution to a member's windowed qualifying total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Contribution {
    /// The original order's time.
    pub at: i64,
    pub order: OpId,
    pub amount: Decimal,
}

/// A member filed under a birthday, and the last birthday year they were gifted for
/// (0: never). Eight bytes per member with a birthday: the "once per member per birthday
/// year" rule of SPEC 8.4 needs the year per member, since a `configure` that moves the gift
/// day can leave some members of one day gifted for a year and others not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Celebrant {
    pub member: u32,
    pub gifted: u16,
}

/// The members of one birthday slot. Snapshots written before gifted years were kept per
/// member hold `[members, last year of the slot]`; they load as every member of the slot
/// gifted for that year, which is what those engines did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "SlotForm"))]
pub(crate) struct Slot(pub Vec<Celebrant>);

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum SlotForm {
    Members(Vec<Celebrant>),
    Legacy(Vec<u32>, Option<i64>),
}

#[cfg(feature = "serde")]
impl From<SlotForm> for Slot {
    fn from(form: SlotForm) -> Slot {
        match form {
            SlotForm::Members(members) => Slot(members),
            SlotForm::Legacy(members, year) => {
                let gifted = year.map_or(0, |y| u16::try_from(y).unwrap_or(0));
                Slot(
                    members
                        .into_iter()
                        .map(|member| Celebrant { member, gifted })
                        .collect(),
                )
            }
        }
    }
}

/// An open hold: its member and the points it keeps, as pieces earliest expiry first. Its
/// time-out and the order it was made in live in the time index (`Due::TimeOut`) alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct OpenHold {
    /// The member's position.
    pub member: u32,
    /// What it keeps, earliest expiry first (empty once every piece expired).
    pub pieces: Vec<Lot>,
}

impl OpenHold {
    /// The points it keeps.
    pub fn points(&self) -> Decimal {
        self.pieces
            .iter()
            .fold(Decimal::ZERO, |s, p| add(s, p.points))
    }
}

/// A running grace: the level held (an index into the program's levels) and when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Grace {
    pub level: u32,
    pub until: i64,
}
