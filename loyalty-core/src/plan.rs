//! Dry runs: [`Engine::plan`] gives the exact outcome (or error) an operation would have, and
//! leaves the engine as it was. A shared journal (a database table, say) plans on its replica, appends
//! the operation only if it is accepted, and applies it when the append is committed.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::catalogue::OpenRedemption;
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::{MemberId, OpId};
use crate::ops::Operation;
use crate::outcome::{Outcome, Totals};
use crate::state::{Contribution, Member, OrderRecord, Slot, Touches, Undo};

/// What takes back an operation applied with [`Engine::apply_provisionally`]: give it to
/// [`Engine::revert`] (newest first), or drop it to keep the operation.
#[derive(Debug, Default)]
#[must_use = "dropping a Provisional keeps the operation; revert it to take it back"]
pub struct Provisional {
    saved: Option<Saved>,
    undo: Option<Undo>,
    /// The id the operation was filed under.
    filed: Option<OpId>,
    /// The tick outcome it replaced.
    last_tick: Option<Outcome>,
    /// A whole copy of the engine before it (`configure`).
    whole: Option<Box<Engine>>,
}

impl Provisional {
    /// Whether the operation was a retry of an accepted id: it changed nothing and has
    /// nothing to journal.
    pub fn is_retry(&self) -> bool {
        self.saved.is_none() && self.whole.is_none()
    }
}

/// What an operation may change, kept before a dry run so that it can be put back: the
/// members it can touch (found from the operation, not from watching it run), the entries of
/// the side tables keyed by those members, and the engine's small scalars. Releases, gifts
/// and expiries the clock fires on the way are undone by the advance's own [`Undo`].
#[derive(Debug)]
struct Saved {
    clock: i64,
    totals: Totals,
    members_len: usize,
    answers_len: usize,
    members: Vec<(u32, Member)>,
    windows: Vec<(u32, Option<Vec<Contribution>>)>,
    order: Option<(OpId, Option<OrderRecord>)>,
    sent_today: Option<(u32, Option<(i64, Decimal)>)>,
    last_reward: Option<(u32, Option<i64>)>,
    budgets: Option<HashMap<String, Decimal>>,
    rewards: Option<HashMap<String, u64>>,
    redemption: Option<(OpId, Option<OpenRedemption>)>,
    /// An enrolment's member id, and where its birthday may be filed.
    enrolled: Option<(MemberId, Filed)>,
}

/// Where an enrolment may file a birthday, to take it out again.
#[derive(Debug)]
enum Filed {
    /// The table of slots was empty: it is emptied again.
    NewTable,
    /// At the end of this slot.
    Slot(u32),
    /// Nowhere (no birthday).
    Nowhere,
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
        let Some(touches) = op.touches(self) else {
            let before = Box::new(self.clone());
            let outcome = self.apply(op)?;
            return Ok((
                outcome,
                Provisional {
                    whole: Some(before),
                    ..Provisional::default()
                },
            ));
        };
        let saved = self.save(touches);
        self.undo = Some(Undo {
            totals: self.totals,
            ..Undo::default()
        });
        self.schedule.record_pushes();
        self.postings.clear();
        self.fire_due(op.at());
        self.clock = self.clock.max(op.at());
        let result = self.dispatch(op).map(|effect| Outcome {
            effect,
            postings: self.postings.clone(),
        });
        self.postings.clear();
        let pushed = self.schedule.take_pushes();
        if let Some(undo) = self.undo.as_mut() {
            undo.pushed = pushed;
        }
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                self.rollback();
                self.restore(saved);
                return Err(e);
            }
        };
        let mut provisional = Provisional {
            saved: Some(saved),
            undo: self.undo.take(),
            ..Provisional::default()
        };
        match op.id() {
            Some(id) => {
                self.records.file(
                    id,
                    op.digest(),
                    crate::records::Keep::Whole(Box::new(outcome.clone())),
                );
                provisional.filed = Some(id);
            }
            None => {
                provisional.last_tick =
                    Some(core::mem::replace(&mut self.last_tick, outcome.clone()));
            }
        }
        Ok((outcome, provisional))
    }

    /// Takes back an operation applied with [`Engine::apply_provisionally`]: the engine is
    /// as it was before it. Several are reverted newest first.
    pub fn revert(&mut self, provisional: Provisional) {
        let Provisional {
            saved,
            undo,
            filed,
            last_tick,
            whole,
        } = provisional;
        if let Some(whole) = whole {
            *self = *whole;
            return;
        }
        if let Some(id) = filed {
            self.records.remove(id);
        }
        if let Some(tick) = last_tick {
            self.last_tick = tick;
        }
        self.undo = undo;
        self.rollback();
        if let Some(saved) = saved {
            self.restore(saved);
        }
    }

    /// What must be kept to take `op` back: what its kind says it may touch.
    fn save(&self, touches: Touches) -> Saved {
        let Touches {
            mut members,
            sender,
            surveyed,
            order,
            budgets,
            enrolled,
            rewards,
            redemption,
        } = touches;
        members.sort_unstable();
        members.dedup();
        let enrolled = enrolled.map(|(member, slot)| {
            let filed = match slot {
                _ if self.birthdays.is_empty() => Filed::NewTable,
                Some(slot) => Filed::Slot(slot),
                None => Filed::Nowhere,
            };
            (member, filed)
        });
        Saved {
            clock: self.clock,
            totals: self.totals,
            members_len: self.members.len(),
            answers_len: self.answers.len(),
            windows: members
                .iter()
                .map(|&m| (m, self.windows.get(&m).cloned()))
                .collect(),
            members: members
                .iter()
                .map(|&m| (m, self.members[m as usize].clone()))
                .collect(),
            order: order.map(|id| (id, self.records.order(id))),
            sent_today: sender.map(|m| (m, self.sent_today.get(&m).copied())),
            last_reward: surveyed.map(|m| (m, self.last_reward.get(&m).copied())),
            budgets: budgets.then(|| self.budgets_used.clone()),
            rewards: rewards.then(|| self.rewards_used.clone()),
            redemption: redemption.map(|id| (id, self.redemptions.get(&id).cloned())),
            enrolled,
        }
    }

    fn restore(&mut self, saved: Saved) {
        self.clock = saved.clock;
        self.totals = saved.totals;
        if let Some((id, slot)) = saved.enrolled {
            if self.members.len() > saved.members_len {
                let members = &self.members;
                self.index.remove(id, |p| members[p as usize].id);
                match slot {
                    Filed::NewTable => self.birthdays = Vec::<Slot>::new(),
                    Filed::Slot(slot) => {
                        self.birthdays[slot as usize].0.pop();
                    }
                    Filed::Nowhere => {}
                }
            }
        }
        self.members.truncate(saved.members_len);
        self.answers.truncate(saved.answers_len);
        for (m, member) in saved.members {
            self.members[m as usize] = member;
        }
        for (m, window) in saved.windows {
            put_back(&mut self.windows, m, window);
        }
        if let Some((id, record)) = saved.order {
            match record {
                Some(record) => self.records.put_order(id, record),
                None => self.records.remove_order(id),
            }
        }
        if let Some((m, sent)) = saved.sent_today {
            put_back(&mut self.sent_today, m, sent);
        }
        if let Some((m, at)) = saved.last_reward {
            put_back(&mut self.last_reward, m, at);
        }
        if let Some(budgets) = saved.budgets {
            self.budgets_used = budgets;
        }
        if let Some(used) = saved.rewards {
            self.rewards_used = used;
        }
        if let Some((id, open)) = saved.redemption {
            put_back(&mut self.redemptions, id, open);
        }
    }
}

/// Puts a map entry back to what it was (absent with `None`).
fn put_back<K: Eq + core::hash::Hash, V, S: core::hash::BuildHasher>(
    map: &mut HashMap<K, V, S>,
    key: K,
    value: Option<V>,
) {
    match value {
        Some(v) => {
            map.insert(key, v);
        }
        None => {
            map.remove(&key);
        }
    }
}
