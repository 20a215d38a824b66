//! `redeem {id, at, member, reward, quantity = 1}` (SPEC 9.5): rewards of the catalogue paid
//! with points. Not an order: no accrual, qualifying, stamps, achievements or order count.

use rust_decimal::Decimal;

use super::kind::{walk, Op};
use crate::amount::{at_scale, mul};
use crate::catalogue::{OpenRedemption, MAX_QUANTITY};
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::ids::{MemberId, OpId};
use crate::outcome::{Account, Effect};

/// `redeem {id, at, member, reward, quantity = 1}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Redeem {
    /// The operation's id, which names the redemption (a `cancel` gives it).
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The member redeeming.
    pub member: MemberId,
    /// The reward's name in the catalogue.
    pub reward: String,
    /// How many (1..=1 000 000).
    #[cfg_attr(feature = "serde", serde(default = "one"))]
    pub quantity: u64,
}

#[cfg(feature = "serde")]
fn one() -> u64 {
    1
}

impl Redeem {
    /// One of `reward` for `member`.
    pub fn new(id: OpId, at: i64, member: MemberId, reward: impl Into<String>) -> Redeem {
        Redeem {
            id,
            at,
            member,
            reward: reward.into(),
            quantity: 1,
        }
    }

    /// `quantity` of them.
    #[must_use]
    pub fn with_quantity(mut self, quantity: u64) -> Redeem {
        self.quantity = quantity;
        self
    }
}

walk!(Redeem { member: u64, reward: str, quantity: u64 });

impl Op for Redeem {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        let (m, cost) = engine.check_redeem(self)?;
        engine.debit(m, cost, Account::Redeemed);
        engine.change_reward_use(&self.reward, |used| used.saturating_add(self.quantity));
        let redemption = OpenRedemption {
            member: m,
            reward: self.reward.clone(),
            quantity: self.quantity,
            points: cost,
        };
        engine.set_redemption(self.id, Some(redemption));
        Ok(Effect::Redeemed {
            member: self.member,
            reward: self.reward.clone(),
            quantity: self.quantity,
            points: cost,
        })
    }
}

impl Engine {
    /// Every check of a redemption, in the SPEC's order: the member's position and the cost.
    fn check_redeem(&self, o: &Redeem) -> Result<(u32, Decimal), Error> {
        let m = self.member_index(o.member)?;
        let reward = self.program.reward(&o.reward)?;
        if !(1..=MAX_QUANTITY).contains(&o.quantity) {
            return fail(
                ErrorKind::InvalidInput,
                format!("quantity {} is not in 1..={MAX_QUANTITY}", o.quantity),
            );
        }
        if let Some(levels) = &reward.levels {
            let have = &self.program.tiers.levels[self.level_of(m)].name;
            if !levels.contains(have) {
                return fail(
                    ErrorKind::TierTooLow,
                    format!("member {} is {have}; {} is for {levels:?}", o.member, o.reward),
                );
            }
        }
        if let Some(stock) = reward.stock {
            let left = u64::try_from(stock).unwrap_or(0).saturating_sub(self.used_of(&o.reward));
            if o.quantity > left {
                return fail(
                    ErrorKind::OutOfStock,
                    format!("{} left of {}, {} asked", left, o.reward, o.quantity),
                );
            }
        }
        // At the points scale, as every figure the engine shows (`"50.00"`, not `"50"`).
        let cost = at_scale(
            mul(reward.points, Decimal::from(o.quantity))?,
            self.program.points_places(),
        );
        let available = self.members[m as usize].available();
        if cost > available {
            return fail(
                ErrorKind::InsufficientPoints,
                format!("member {} has {available} points, {} costs {cost}", o.member, o.reward),
            );
        }
        Ok((m, cost))
    }
}
