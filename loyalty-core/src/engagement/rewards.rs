//! The reward catalogue's rules on the state (SPEC 9.5): a reward by name, the stock left, the
//! open redemptions. The data is `catalogue.rs`, the operations `ops/redeem.rs` and
//! `ops/cancel.rs`.

use crate::catalogue::{OpenRedemption, Reward};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind};
use crate::ids::OpId;
use crate::program::Program;

impl Program {
    /// The catalogue's reward named `name`, or `InvalidInput` naming it.
    pub(crate) fn reward(&self, name: &str) -> Result<&Reward, Error> {
        self.rewards.iter().find(|r| r.name == name).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("reward {name:?} is not in the catalogue"),
            )
        })
    }
}

impl Engine {
    /// How many of reward `reward` are left (SPEC 9.5): `max(0, stock − used)`, `None` for
    /// unlimited stock. A name not in the catalogue is `InvalidInput`.
    ///
    /// ```
    /// use loyalty_core::{Engine, Program};
    ///
    /// let program = Program::from_json(r#"{"tiers": {"levels": [
    ///     {"name": "Silver", "threshold": "0", "accrual_rate": "0.1"}]},
    ///     "rewards": [{"name": "Mug", "points": "250", "stock": 3}]}"#)?;
    /// let engine = Engine::new(program)?;
    /// assert_eq!(engine.stock_left("Mug")?, Some(3));
    /// assert!(engine.stock_left("Umbrella").is_err());
    /// # Ok::<(), loyalty_core::Error>(())
    /// ```
    pub fn stock_left(&self, reward: &str) -> Result<Option<u64>, Error> {
        let r = self.program.reward(reward)?;
        Ok(r.stock.map(|s| {
            let stock = u64::try_from(s).unwrap_or(0);
            stock.saturating_sub(self.used_of(reward))
        }))
    }

    /// How many of reward `name` open redemptions hold.
    pub(crate) fn used_of(&self, name: &str) -> u64 {
        self.rewards_used.get(name).copied().unwrap_or(0)
    }

    /// The open redemption `id`, or `UnknownRedemption`.
    pub(crate) fn redemption(&self, id: OpId) -> Result<&OpenRedemption, Error> {
        self.redemptions.get(&id).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownRedemption,
                format!("operation {id} is not a redemption that can be cancelled"),
            )
        })
    }
}
