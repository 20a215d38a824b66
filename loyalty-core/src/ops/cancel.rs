//! `cancel {id, at, redemption}` (SPEC 9.5): a redemption's points come back as a new lot, as
//! a refund gives spent points back.

use super::kind::{walk, Op};
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::OpId;
use crate::outcome::{Account, Effect};

/// `cancel {id, at, redemption}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Cancel {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The id of the `redeem` to cancel.
    pub redemption: OpId,
}

impl Cancel {
    /// Cancels redemption `redemption`.
    pub fn new(id: OpId, at: i64, redemption: OpId) -> Cancel {
        Cancel { id, at, redemption }
    }
}

walk!(Cancel { redemption: u64 });

impl Op for Cancel {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        let open = engine.redemption(self.redemption)?.clone();
        engine.set_redemption(self.redemption, None);
        // `used` falls by the quantity under the redemption's name, whatever the catalogue
        // says now.
        if engine.rewards_used.contains_key(&open.reward) {
            engine.change_reward_use(&open.reward, |used| used.saturating_sub(open.quantity));
        }
        let expires_at = engine.expiry_from(self.at);
        engine.credit_lot(open.member, open.points, expires_at, Account::Redeemed);
        Ok(Effect::Cancelled {
            member: engine.members[open.member as usize].id,
            redemption: self.redemption,
            points: open.points,
        })
    }
}
