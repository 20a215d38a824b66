//! `tick` (SPEC 5.6): only the clock moves; what falls due on the way is the apply
//! pipeline's (`Engine::advance`), so the tick itself does nothing.

use super::kind::{Sink, Source, Walk};
use super::kind::Op;
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::OpId;
use crate::outcome::Effect;

/// `tick {at}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Tick {
    /// The time to advance the clock to, Unix seconds.
    pub at: i64,
}

impl Tick {
    /// The clock moved to `at`.
    pub fn new(at: i64) -> Tick {
        Tick { at }
    }
}

/// By hand, a tick having no id (its binary record is its tag and `at`).
impl Walk for Tick {
    const FIELDS: &'static [(&'static str, &'static str)] = &[("at", "i64")];
    const HAS_ID: bool = false;
    fn id(&self) -> Option<OpId> {
        None
    }
    fn at(&self) -> i64 {
        self.at
    }
    fn set_at(&mut self, at: i64) {
        self.at = at;
    }
    fn write<S: Sink>(&self, _: &mut S) {}
    fn read<R: Source>(_: OpId, at: i64, _: &mut R) -> Result<Tick, Error> {
        Ok(Tick { at })
    }
}

impl Op for Tick {
    fn run(&self, _: &mut Engine) -> Result<Effect, Error> {
        Ok(Effect::Ticked)
    }
}
