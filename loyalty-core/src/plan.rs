//! Dry runs: [`Engine::plan`] gives the exact outcome (or error) an operation would have, and
//! leaves the engine as it was. A shared journal (a database table, say) plans on its replica, appends
//! the operation only if it is accepted, and applies it when the append is committed.

use crate::engine::Engine;
use crate::error::Error;
use crate::ops::Operation;
use crate::outcome::Outcome;
use crate::undo::Txn;

/// What takes back an operation applied with [`Engine::apply_provisionally`]: give it to
/// [`Engine::revert`] (newest first), or drop it to keep the operation.
#[derive(Debug, Default)]
#[must_use = "dropping a Provisional keeps the operation; revert it to take it back"]
pub struct Provisional {
    /// The operation's transaction: what each of its writes replaced.
    txn: Txn,
}

impl Provisional {
    /// Whether the operation was a retry of an accepted id: it changed nothing and has
    /// nothing to journal.
    pub fn is_retry(&self) -> bool {
        self.txn.is_empty()
    }
}

impl Engine {
    /// The outcome `op` would have if it were applied now, or the error it would be rejected
    /// with: exactly what [`Engine::apply`] would return, and the engine is left as it was
    /// (its [`Engine::state_digest`] does not change). A retry of an accepted id returns the
    /// original outcome, as `apply` does.
    ///
    /// A host that shares one journal among several processes plans on its replica, appends
    /// the operation only when the plan accepts it, and applies it once the append committed.
    ///
    /// ```
    /// use loyalty_core::{Engine, Program, Enroll, Order, ErrorKind};
    /// use rust_decimal::Decimal;
    ///
    /// let program = Program::from_json(r#"{"tiers": {"levels": [
    ///     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}}"#)?;
    /// let mut engine = Engine::new(program)?;
    /// engine.apply(&Enroll::new(1, 0, 7).into())?;
    /// let digest = engine.state_digest();
    /// let order = Order::new(2, 60, 7, Decimal::from(1000)).into();
    /// let planned = engine.plan(&order)?;
    /// assert_eq!(engine.state_digest(), digest);
    /// assert_eq!(engine.apply(&order)?, planned);
    /// let unknown = Order::new(3, 60, 8, Decimal::from(1)).into();
    /// assert_eq!(engine.plan(&unknown).unwrap_err().kind(), ErrorKind::UnknownMember);
    /// # Ok::<(), loyalty_core::Error>(())
    /// ```
    pub fn plan(&mut self, op: &Operation) -> Result<Outcome, Error> {
        let (outcome, provisional) = self.apply_provisionally(op)?;
        self.revert(provisional);
        Ok(outcome)
    }

    /// Applies `op` as [`Engine::apply`] does, and returns with its outcome what takes it
    /// back: [`Engine::revert`]. Provisional operations stack (a transaction of several); they
    /// are reverted newest first, or kept by dropping the [`Provisional`].
    ///
    /// ```
    /// use loyalty_core::{Engine, Program, Enroll, Order};
    /// use rust_decimal::Decimal;
    ///
    /// let program = Program::from_json(r#"{"tiers": {"levels": [
    ///     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}}"#)?;
    /// let mut engine = Engine::new(program)?;
    /// let digest = engine.state_digest();
    /// let (_, enrolled) = engine.apply_provisionally(&Enroll::new(1, 0, 7).into())?;
    /// let (_, ordered) = engine.apply_provisionally(&Order::new(2, 60, 7, Decimal::from(100)).into())?;
    /// assert_eq!(engine.member(7)?.available, Decimal::from(3));
    /// engine.revert(ordered);
    /// engine.revert(enrolled);
    /// assert_eq!(engine.state_digest(), digest);
    /// # Ok::<(), loyalty_core::Error>(())
    /// ```
    pub fn apply_provisionally(&mut self, op: &Operation) -> Result<(Outcome, Provisional), Error> {
        if let Some(id) = self.admit(op)? {
            let outcome = self.outcome(id).ok_or_else(|| crate::records::lost(id))?;
            return Ok((outcome, Provisional::default()));
        }
        self.postings.clear();
        self.begin();
        self.advance(op.at());
        let effect = match self.dispatch(op) {
            Ok(effect) => effect,
            Err(e) => {
                self.rollback();
                self.postings.clear();
                return Err(e);
            }
        };
        let outcome = Outcome {
            effect,
            postings: core::mem::take(&mut self.postings),
        };
        match op.id() {
            Some(id) => {
                let keep = crate::records::Keep::Whole(Box::new(outcome.clone()));
                self.records
                    .file(id, crate::records::Digest::Kept(op.digest()), keep);
                self.note_filed(id);
            }
            None => self.set_last_tick(outcome.clone()),
        }
        let txn = self.commit_provisionally()?;
        Ok((outcome, Provisional { txn }))
    }

    /// Takes back an operation applied with [`Engine::apply_provisionally`]: the engine is
    /// as it was before it. Several are reverted newest first.
    pub fn revert(&mut self, provisional: Provisional) {
        self.revert_txn(provisional.txn);
    }
}
