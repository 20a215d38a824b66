//! The [`Engine`]: state, `apply`, the clock, postings, and the invariant check.

use core::hash::{Hash, Hasher};
use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::amount::{add, positive, sub};
use crate::calendar::DAY;
use crate::error::{Error, ErrorKind, InvariantError};
use crate::ids::IdMap;
use crate::name::Name;

use crate::catalogue::OpenRedemption;
use crate::compiled::Compiled;
use crate::ids::{MemberId, OpId};
use crate::member_row::MemberRow;
use crate::outcome::{Account, Effect, Ordered, Outcome, Posting, Totals};
use crate::positions::MemberIndex;
use crate::program::Program;
use crate::records::Records;
use crate::schedule::{Due, Schedule};
use crate::state::{Answer, Slot};
use crate::state::{Grace, OpenHold};
use crate::undo::Txn;

/// The outcome of a tick that moved nothing.
pub(crate) fn ticked() -> Outcome {
    Outcome {
        effect: Effect::Ticked,
        postings: Vec::new(),
    }
}

/// The loyalty engine: applies [operations](Operation) to a [`Program`]'s state and answers
/// queries. Pure: no I/O, no clock of its own (time comes in with each operation).
///
/// ```
/// use loyalty_core::{Engine, Program, Operation, Enroll, Order};
/// use rust_decimal::Decimal;
///
/// let program = Program::from_json(r#"{"tiers": {"levels": [
///     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]}]}}"#)?;
/// let mut engine = Engine::new(program)?;
/// engine.apply(&Enroll::new(1, 0, 7).into())?;
/// engine.apply(&Order::new(2, 60, 7, Decimal::from(1000)).into())?;
/// assert_eq!(engine.member(7)?.available, Decimal::from(30));
/// assert!(engine.verify().is_ok());
/// # Ok::<(), loyalty_core::Error>(())
/// ```
///
/// Its snapshot form (see `engine_form.rs`) is its own, apart from this layout.
#[derive(Debug, Clone)]
pub struct Engine {
    /// The program in force, with its compiled tables.
    pub(crate) program: Compiled,
    pub(crate) clock: i64,
    pub(crate) members: Vec<MemberRow>,
    /// Member positions by member id.
    pub(crate) index: MemberIndex,
    /// One row per accepted operation id, and the order records.
    pub(crate) records: Records,
    pub(crate) totals: Totals,
    pub(crate) schedule: Schedule,
    /// Sender → (UTC day, points sent that day).
    pub(crate) sent_today: IdMap<u32, (i64, Decimal)>,
    /// Windowed qualifying contributions, kept only while `tiers.window_days` is set.
    pub(crate) windows: IdMap<u32, Vec<crate::state::Contribution>>,
    /// Campaign name → bonus points given (kept across `configure`).
    /// Campaign name → budget used (a fast hasher: names are the shop's, read every order).
    pub(crate) budgets_used: IdMap<Name, Decimal>,
    /// Members by birthday slot (see [`crate::calendar::MonthDay::slot`]), each with the
    /// last birthday year they were gifted for.
    pub(crate) birthdays: Vec<Slot>,
    pub(crate) gift_generation: u32,
    pub(crate) answers: Vec<Answer>,
    pub(crate) last_reward: IdMap<u32, i64>,
    /// Reward name → how many open redemptions hold (kept across `configure`).
    pub(crate) rewards_used: HashMap<String, u64>,
    /// The open redemptions, by the id of their `redeem`.
    pub(crate) redemptions: IdMap<OpId, OpenRedemption>,
    /// The open holds, by the id of their `hold`.
    pub(crate) holds: IdMap<OpId, OpenHold>,
    /// How many holds were ever made: the next hold's `seq`.
    pub(crate) holds_made: u64,
    /// The members in a tier grace (SPEC 9.3), by position.
    pub(crate) graces: IdMap<u32, Grace>,
    /// Postings of the operation being applied.
    pub(crate) postings: Vec<Posting>,
    /// The transaction in progress: what its writes replaced.
    pub(crate) txn: Txn,
    /// The outcome of the last tick (ticks have no id to file it under).
    pub(crate) last_tick: Outcome,
    /// The outcome of the last operation with an id, which `apply_ref` returns by reference
    /// (its posting buffer is reused by the next operation).
    pub(crate) last: Outcome,
    /// The box of an order's outcome that `last` held before the one it holds now, reused by
    /// the next order with its commissions' and achievements' buffers: no allocation per
    /// order for them. Not state: a clone or a snapshot may drop it.
    pub(crate) spare: Option<Box<Ordered>>,
    /// A reused buffer for level snapshots (see [`Engine::snapshot_levels`]).
    pub(crate) level_scratch: Vec<(u32, usize)>,
}

impl Engine {
    /// A new engine running `program` (validated here), with no members and the clock at the
    /// beginning of time.
    pub fn new(program: Program) -> Result<Engine, Error> {
        program.validate()?;
        Ok(Engine {
            program: Compiled::new(program),
            clock: i64::MIN,
            members: Vec::new(),
            index: MemberIndex::default(),
            records: Records::default(),
            totals: Totals::default(),
            schedule: Schedule::default(),
            sent_today: IdMap::default(),
            windows: IdMap::default(),
            budgets_used: IdMap::default(),
            birthdays: Vec::new(),
            gift_generation: 0,
            answers: Vec::new(),
            last_reward: IdMap::default(),
            rewards_used: HashMap::new(),
            redemptions: IdMap::default(),
            holds: IdMap::default(),
            holds_made: 0,
            graces: IdMap::default(),
            postings: Vec::new(),
            txn: Txn::default(),
            last_tick: ticked(),
            last: ticked(),
            spare: None,
            level_scratch: Vec::new(),
        })
    }

    /// The program in force.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The clock: the largest `at` applied so far (`i64::MIN` before the first operation).
    pub fn clock(&self) -> i64 {
        self.clock
    }

    /// The outcome of the last tick: the releases, gifts and expiries it made (a tick has no
    /// id to ask for it by); an engine that never ticked gives an empty one.
    pub fn last_tick(&self) -> &Outcome {
        &self.last_tick
    }

    /// The outcome of the accepted operation with id `id`, as it was returned then.
    pub fn outcome(&self, id: OpId) -> Option<Outcome> {
        self.filed(id).map(std::borrow::Cow::into_owned)
    }

    /// How many members are enrolled.
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// Moves the clock to `t`, releasing, gifting and expiring what falls due on the way
    /// (recorded by the transaction in progress, like every write).
    pub(crate) fn advance(&mut self, t: i64) {
        while let Some((when, due)) = self.pop_due(t) {
            match due {
                Due::Release { member } => self.release(member, when),
                Due::Gift {
                    slot,
                    year,
                    generation,
                } => self.give_gifts(slot, year, generation, when),
                Due::HeldExpire { hold } => self.expire_held(hold, when),
                // A hold captured or released since is closed already: nothing happens.
                Due::TimeOut { hold, .. } => {
                    self.close_hold(hold);
                }
                Due::Expire { member } => self.expire(member, when),
                Due::WindowLeave { member } => self.window_left(member, when),
                Due::GraceEnd { member } => self.grace_ended(member, when),
            }
        }
        self.clock = self.clock.max(t);
    }

    fn release(&mut self, m: u32, when: i64) {
        if !self.members[m as usize].releases_by(when) {
            return;
        }
        let released = self.member_mut(m).ledger_mut(|l| l.take_released(when));
        let id = self.members[m as usize].id;
        for p in released {
            let expires_at = self.expiry_from(p.release_at);
            self.credit_lot(m, p.points, expires_at, Account::Pending(id));
        }
    }

    fn expire(&mut self, m: u32, when: i64) {
        if !self.members[m as usize].expires_by(when) {
            return;
        }
        let expired = self.member_mut(m).ledger_mut(|l| l.expire(when));
        let id = self.members[m as usize].id;
        self.post(Account::Available(id), Account::Expired, expired);
    }

    /// When a lot created at `t` expires under the program in force.
    pub(crate) fn expiry_from(&self, t: i64) -> Option<i64> {
        self.program
            .expiry_days
            .map(|d| t.saturating_add(d.saturating_mul(DAY)))
    }

    /// Records `points` moving between accounts and keeps the totals.
    #[inline]
    pub(crate) fn post(&mut self, from: Account, to: Account, points: Decimal) {
        if points.is_zero() {
            return;
        }
        let t = &mut self.totals;
        for (account, sign) in [(from, -1), (to, 1)] {
            let slot = match account {
                Account::Issued => {
                    // The issuing account counts what it gave: the opposite sign.
                    t.issued = if sign < 0 {
                        add(t.issued, points)
                    } else {
                        sub(t.issued, points)
                    };
                    continue;
                }
                Account::Redeemed => &mut t.redeemed,
                Account::Expired => &mut t.expired,
                Account::Fees => &mut t.fees,
                Account::Available(_) | Account::Pending(_) => &mut t.liability,
            };
            *slot = if sign > 0 {
                add(*slot, points)
            } else {
                sub(*slot, points)
            };
        }
        // Double entry: every posting keeps issued = redeemed + expired + fees + liability.
        debug_assert_eq!(
            t.issued,
            add(add(add(t.redeemed, t.expired), t.fees), t.liability),
            "the books do not balance after {from:?} -> {to:?} {points}"
        );
        self.postings.push(Posting { from, to, points });
    }

    /// Credits available points to member `m` as a lot (paying debt first), from `source`.
    #[inline]
    pub(crate) fn credit_lot(
        &mut self,
        m: u32,
        points: Decimal,
        expires_at: Option<i64>,
        source: Account,
    ) {
        if !positive(points) {
            return;
        }
        let id = self.add_lot(m, points, expires_at);
        self.post(source, Account::Available(id), points);
    }

    /// Puts `points` into member `m`'s lots (paying debt first), with the lot's expiry in the
    /// time index; posts nothing (see [`Engine::credit_lot`], and held points given back).
    /// Returns the member's id.
    #[inline]
    pub(crate) fn add_lot(&mut self, m: u32, points: Decimal, expires_at: Option<i64>) -> MemberId {
        let member = self.member_mut(m);
        let paid_debt = member.credit(points, expires_at);
        let id = member.id;
        if let (Some(e), true) = (expires_at, paid_debt < points) {
            self.schedule_at(e, Due::Expire { member: m });
        }
        id
    }

    /// Credits an order's points (accrual, bonus, commission) to member `m`: pending until
    /// `pending_days` have passed, at once with 0 days.
    pub(crate) fn credit_from_order(&mut self, m: u32, points: Decimal, at: i64, order: OpId) {
        if !positive(points) {
            return;
        }
        let release_at = at.saturating_add(self.program.pending_days.saturating_mul(DAY));
        if release_at <= at {
            let expires_at = self.expiry_from(at);
            self.credit_lot(m, points, expires_at, Account::Issued);
        } else {
            let member = self.member_mut(m);
            member.ledger_mut(|l| l.add_pending(points, release_at, order));
            let id = member.id;
            self.schedule_at(release_at, Due::Release { member: m });
            self.post(Account::Issued, Account::Pending(id), points);
        }
    }

    /// Takes `points` (≤ available) from member `m`'s lots, earliest expiry first, to `sink`.
    pub(crate) fn debit(&mut self, m: u32, points: Decimal, sink: Account) {
        if !positive(points) {
            return;
        }
        let member = self.member_mut(m);
        member.ledger_mut(|l| l.take(points, |_| ()));
        let id = member.id;
        self.post(Account::Available(id), sink, points);
    }

    /// An offline order's `points` (SPEC 9.7): from member `m`'s lots as far as they go, the
    /// rest as debt, counted to the `overdraft` total.
    pub(crate) fn overdraw(&mut self, m: u32, points: Decimal) {
        if !positive(points) {
            return;
        }
        let member = self.member_mut(m);
        let rest = member.ledger_mut(|l| l.overdraw(points));
        let id = member.id;
        self.totals.overdraft = add(self.totals.overdraft, rest);
        self.post(Account::Available(id), Account::Redeemed, points);
    }

    /// The position of member `id` in `members`, if enrolled.
    pub(crate) fn position(&self, id: MemberId) -> Option<u32> {
        let members = &self.members;
        self.index.find(id, |p| members[p as usize].id)
    }

    /// The index of member `id`, or `UnknownMember`.
    pub(crate) fn member_index(&self, id: MemberId) -> Result<u32, Error> {
        self.position(id).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownMember,
                format!("member {id} is not enrolled"),
            )
        })
    }

    /// A stable hash of the whole state: two engines with equal digests hold the same members,
    /// balances, lots, orders, ids, totals and engagement state. The time index is left out:
    /// its events are hints that re-check the ledger when they fire, so a stale one is inert.
    pub fn state_digest(&self) -> u64 {
        fn sorted<K: Ord + Copy + Hash, V>(map: &IdMap<K, V>) -> Vec<(K, &V)> {
            let mut v: Vec<_> = map.iter().map(|(k, v)| (*k, v)).collect();
            v.sort_by_key(|(k, _)| *k);
            v
        }
        let mut h = crate::digest::Canonical::default();
        self.program.hash(&mut h);
        (self.clock, &self.members, &self.totals).hash(&mut h);
        let mut orders: Vec<_> = self.records.orders().collect();
        orders.sort_unstable_by_key(|(id, _)| *id);
        orders.hash(&mut h);
        let mut digests: Vec<_> = self.digests().collect();
        digests.sort_unstable();
        // Entry by entry, with no length first: the digest of every state written before.
        for x in &digests {
            x.hash(&mut h);
        }
        sorted(&self.sent_today).hash(&mut h);
        sorted(&self.windows).hash(&mut h);
        let mut budgets: Vec<_> = self.budgets_used.iter().collect();
        budgets.sort();
        budgets.hash(&mut h);
        (&self.birthdays, self.gift_generation, &self.answers).hash(&mut h);
        sorted(&self.last_reward).hash(&mut h);
        // v3 state, written only when there is some: the digests of every state written
        // before stay as they were.
        if !self.rewards_used.is_empty() || !self.redemptions.is_empty() {
            let mut used: Vec<_> = self.rewards_used.iter().collect();
            used.sort();
            (used, sorted(&self.redemptions)).hash(&mut h);
        }
        if self.holds_made > 0 {
            (self.holds_made, sorted(&self.holds)).hash(&mut h);
        }
        if !self.graces.is_empty() {
            ("graces", sorted(&self.graces)).hash(&mut h);
        }
        h.finish()
    }

    /// Checks the ledger's invariants: `issued = redeemed + expired + fees + liability`, and
    /// the liability equals the sum of every member's available, pending and held points.
    pub fn verify(&self) -> Result<(), InvariantError> {
        self.check_ledger().map_err(InvariantError::new)
    }

    fn check_ledger(&self) -> Result<(), String> {
        let t = self.totals;
        let liability = self.members.iter().fold(self.held_total(), |s, m| {
            add(s, add(m.available(), m.pending()))
        });
        if liability != t.liability {
            return Err(format!(
                "liability {} but members hold {liability}",
                t.liability
            ));
        }
        let right = add(add(add(t.redeemed, t.expired), t.fees), t.liability);
        if t.issued != right {
            return Err(format!(
                "issued {} ≠ redeemed {} + expired {} + fees {} + liability {}",
                t.issued, t.redeemed, t.expired, t.fees, t.liability
            ));
        }
        for m in &self.members {
            if m.available() < Decimal::ZERO && m.has_lots() {
                return Err(format!("member {} holds lots beside debt", m.id));
            }
        }
        Ok(())
    }
}
