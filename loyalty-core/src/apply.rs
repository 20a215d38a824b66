//! The apply pipeline (SPEC section 5): idempotency, the clock, then the operation's own checks
//! and commit ([`crate::ops::Op::run`]).

use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::ids::OpId;
use crate::ops::Operation;
use crate::outcome::{Effect, Outcome};

impl Engine {
    /// Applies one operation (SPEC section 5): idempotency, then the clock, then the
    /// operation's own checks, in one transaction (`txn.rs`): a rejected operation changes
    /// nothing at all.
    pub fn apply(&mut self, op: &Operation) -> Result<Outcome, Error> {
        self.apply_ref(op).cloned()
    }

    /// As [`Engine::apply`], returning the outcome the engine keeps (for retries) by reference:
    /// a host that only needs part of it saves copying it.
    pub fn apply_ref(&mut self, op: &Operation) -> Result<&Outcome, Error> {
        if let Some(id) = self.admit(op)? {
            return self.recall(id).ok_or_else(|| crate::records::lost(id));
        }
        self.postings.clear();
        self.begin();
        self.advance(op.at());
        if !matches!(op, Operation::Configure(_)) {
            self.trust();
        }
        match self.dispatch(op) {
            Ok(effect) => {
                self.commit()?;
                let outcome = Outcome {
                    effect,
                    postings: core::mem::take(&mut self.postings),
                };
                if let Some(id) = op.id() {
                    Ok(self.file(op, id, outcome))
                } else {
                    self.set_last_tick(outcome);
                    Ok(&self.last_tick)
                }
            }
            Err(e) => {
                self.rollback();
                self.postings.clear();
                Err(e)
            }
        }
    }

    /// The checks before an operation runs: `Some(id)` when it retries the accepted operation
    /// `id` (same content), `IdConflict` for an id used for other content,
    /// `TimeWentBackwards` for an `at` before the clock.
    pub(crate) fn admit(&self, op: &Operation) -> Result<Option<OpId>, Error> {
        if let Some(id) = op.id() {
            if let Some(digest) = self.digest_of(id) {
                if digest == op.digest() {
                    return Ok(Some(id));
                }
                return fail(
                    ErrorKind::IdConflict,
                    format!("operation id {id} was used for different content"),
                );
            }
        }
        let at = op.at();
        if at < self.clock {
            return fail(
                ErrorKind::TimeWentBackwards,
                format!("at {at} is before the clock {}", self.clock),
            );
        }
        self.check_step(at)?;
        Ok(None)
    }

    /// The clock-jump guard (SPEC 9.4): `at` no more than `max_step_days` after the clock, by
    /// the program in force before the operation. The engine's first operation (no clock yet)
    /// is never refused.
    fn check_step(&self, at: i64) -> Result<(), Error> {
        let Some(days) = self.program.max_step_days else {
            return Ok(());
        };
        let step = i128::from(at) - i128::from(self.clock);
        if self.clock != i64::MIN && step > i128::from(days) * i128::from(crate::calendar::DAY) {
            return fail(
                ErrorKind::InvalidInput,
                format!(
                    "at {at} is more than max_step_days {days} days after the clock {}",
                    self.clock
                ),
            );
        }
        Ok(())
    }

    /// Runs `op`'s own checks and commit (the kind's [`crate::ops::Op::run`]).
    pub(crate) fn dispatch(&mut self, op: &Operation) -> Result<Effect, Error> {
        op.run(self)
    }
}
