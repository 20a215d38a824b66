//! `release {id, at, hold}` (SPEC 9.1): an open hold goes back to its member, piece by piece,
//! each a lot keeping its expiry.

use super::kind::{walk, Op};
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::OpId;
use crate::outcome::Effect;

/// `release {id, at, hold}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Release {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The id of the `hold` to give back.
    pub hold: OpId,
}

impl Release {
    /// Releases hold `hold`.
    pub fn new(id: OpId, at: i64, hold: OpId) -> Release {
        Release { id, at, hold }
    }
}

walk!(Release { hold: u64 });

impl Op for Release {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.open_hold(self.hold, None)?;
        let (m, points) = engine.close_hold(self.hold).unwrap_or_default();
        Ok(Effect::Released {
            member: engine.members[m as usize].id,
            hold: self.hold,
            points,
        })
    }
}
