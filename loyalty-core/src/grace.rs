//! Tier grace (SPEC 9.3): with `tiers.grace_days`, a member who falls below the level they hold
//! keeps it for `grace_days`. Only members in a grace have a row (`Engine::graces`): every
//! other member holds exactly the computed level, since a fall only happens where a check runs
//! (a refund, a contribution leaving the window, a `configure`) and a rise needs no grace.

use crate::calendar::DAY;
use crate::engine::Engine;
use crate::schedule::Due;
use crate::state::Grace;

impl Engine {
    /// The end of member `m`'s running grace, if any.
    pub(crate) fn grace_until(&self, m: u32) -> Option<i64> {
        self.graces.get(&m).map(|g| g.until)
    }

    /// The check of SPEC 9.3 for member `m` at instant `at`, who held level `before` just
    /// before: a computed level equal or higher ends any grace (it is held now); a lower one
    /// starts a grace unless one runs.
    pub(crate) fn settle_level(&mut self, m: u32, at: i64, before: usize) {
        let Some(days) = self.program.tiers.grace_days else {
            return;
        };
        let computed = self.computed_level_at(m, at);
        match self.graces.get(&m) {
            // Regained (or passed) the level held: the grace ends.
            Some(g) if computed >= g.level as usize => self.set_grace(m, None),
            None if computed < before => {
                let until = at.saturating_add(days.saturating_mul(DAY));
                let level = u32::try_from(before).unwrap_or(u32::MAX);
                self.set_grace(m, Some(Grace { level, until }));
                self.schedule_at(until, Due::GraceEnd { member: m });
            }
            // A grace runs and the level is still below, or there was no fall.
            _ => {}
        }
    }

    /// A contribution of member `m` left the window at `when`: the fall check, from the level
    /// the member held an instant before.
    pub(crate) fn window_left(&mut self, m: u32, when: i64) {
        if self.program.tiers.grace_days.is_none() || self.graces.contains_key(&m) {
            return;
        }
        let before = self.computed_level_at(m, when.saturating_sub(1));
        self.settle_level(m, when, before);
    }

    /// The grace of member `m` ends at `when` (a grace cancelled or replaced since is inert):
    /// the computed level is held from now on.
    pub(crate) fn grace_ended(&mut self, m: u32, when: i64) {
        if self.grace_until(m) == Some(when) {
            self.set_grace(m, None);
        }
    }

    /// Puts a contribution's departure from the window in the time index, when a grace needs
    /// to see it (the level falls at that instant).
    pub(crate) fn schedule_leave(&mut self, m: u32, at: i64) {
        if let (Some(window), Some(_)) = (
            self.program.tiers.window_days,
            self.program.tiers.grace_days,
        ) {
            let leaves = at.saturating_add(window.saturating_mul(DAY));
            self.schedule_at(leaves, Due::WindowLeave { member: m });
        }
    }

    /// The name of the level each member holds, by position.
    pub(crate) fn held_names(&self) -> Vec<Option<String>> {
        let levels = &self.program.tiers.levels;
        (0..self.members.len() as u32)
            .map(|m| levels.get(self.level_of(m)).map(|l| l.name.clone()))
            .collect()
    }

    /// `configure` (SPEC 9.3): each member keeps the held level by name, `held` giving each
    /// member's name under the old program; a name the new program lacks, or a program without
    /// grace, gives the computed level and ends any grace. Then the check runs at `at`; a
    /// running grace keeps its end. With `reschedule` (grace is new, or the window changed),
    /// every contribution in the window gets its departure in the time index.
    pub(crate) fn carry_levels(&mut self, held: Vec<Option<String>>, at: i64, reschedule: bool) {
        if self.program.tiers.grace_days.is_none() {
            for m in self.graces.keys().copied().collect::<Vec<_>>() {
                self.set_grace(m, None);
            }
            return;
        }
        for (m, name) in held.into_iter().enumerate() {
            let m = m as u32;
            let level = name.and_then(|n| self.program.level_index(&n));
            match (level, self.graces.get(&m).copied()) {
                (None, Some(_)) => {
                    self.set_grace(m, None);
                }
                (Some(level), Some(g)) => {
                    let level = u32::try_from(level).unwrap_or(u32::MAX);
                    self.set_grace(m, Some(Grace { level, ..g }));
                    self.settle_level(m, at, level as usize);
                }
                (Some(level), None) => self.settle_level(m, at, level),
                (None, None) => {}
            }
        }
        if reschedule {
            let departures: Vec<(u32, i64)> = self
                .windows
                .iter()
                .flat_map(|(m, list)| list.iter().map(move |c| (*m, c.at)))
                .collect();
            for (m, at) in departures {
                self.schedule_leave(m, at);
            }
        }
    }
}
