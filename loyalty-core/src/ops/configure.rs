use crate::engine::Engine;
use crate::error::Error;
use crate::operation::Configure;
use crate::outcome::Effect;

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
        let old = core::mem::replace(&mut self.program, o.program.clone());
        if old.tiers.window_days != self.program.tiers.window_days {
            self.rebuild_windows();
        }
        if old.birthday != self.program.birthday {
            self.reschedule_gifts(o.at);
            // A gift the new rule puts at this very instant is given now, as of the clock.
            self.advance(o.at, false);
        }
        Ok(Effect::Configured)
    }
}
