use crate::engine::Engine;
use crate::error::Error;
use crate::outcome::Effect;
use super::kind::{walk, Op};
use crate::ids::OpId;
use crate::program::Program;

/// `configure {id, at, program}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Configure {
    /// The operation's id.
    pub id: OpId,
    /// When the new rules take effect, Unix seconds.
    pub at: i64,
    /// The whole new program.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::program::deserialize_checked")
    )]
    pub program: Program,
}

impl Configure {
    /// `program` in force from `at`.
    pub fn new(id: OpId, at: i64, program: Program) -> Configure {
        Configure { id, at, program }
    }
}

walk!(Configure { program: program });

impl Op for Configure {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.configure(self)
    }
}


impl Engine {
    /// `configure` (SPEC 5.7): the new program rules everything computed from `at` on; what
    /// was credited, scheduled and recorded keeps what it has.
    pub(crate) fn configure(&mut self, o: &Configure) -> Result<Effect, Error> {
        self.program.check_replacement(&o.program)?;
        let names = |p: &crate::program::Program| {
            p.tiers
                .levels
                .iter()
                .map(|l| l.name.clone())
                .collect::<Vec<_>>()
        };
        if names(&self.program) != names(&o.program) {
            self.keep_level_names();
        }
        // SPEC 9.3: the level each member holds, by name, where either program has a grace.
        let graced = self.program.tiers.grace_days.is_some();
        let held = (graced || o.program.tiers.grace_days.is_some()).then(|| self.held_names());
        let old = self.set_program(o.program.clone());
        let window_changed = old.tiers.window_days != self.program.tiers.window_days;
        if window_changed {
            self.rebuild_windows();
        }
        if let Some(held) = held {
            self.carry_levels(held, o.at, !graced || window_changed);
        }
        if old.birthday != self.program.birthday {
            self.reschedule_gifts(o.at);
            // A gift the new rule puts at this very instant is given now, as of the clock.
            self.advance(o.at);
        }
        Ok(Effect::Configured)
    }
}
