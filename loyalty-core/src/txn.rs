//! The state transaction: every write to the engine's state goes through a method of this
//! file, and each keeps what it replaced (the state as it was before the transaction first
//! touched it). [`Engine::rollback`] puts it all back, newest first. One mechanism takes back
//! a refused operation (its clock advance and anything it wrote), a provisional operation
//! ([`Engine::revert`]) and a dry run ([`Engine::plan`]): no operation kind needs to say in
//! advance what it may touch. [`Engine::commit`] checks that the books balance, in release
//! builds too.

use rust_decimal::Decimal;

use crate::amount::add;
use crate::catalogue::OpenRedemption;
use crate::compiled::Compiled;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::ids::{MemberId, OpId};
use crate::member_row::MemberRow;
use crate::name::Name;
use crate::outcome::Outcome;
use crate::program::Program;
use crate::records::{Keep, Kept};
use crate::schedule::Due;
use crate::state::{Answer, Celebrant, Contribution, OrderRecord, Slot};
use crate::state::{Grace, OpenHold};
use crate::undo::{Before, Saved, Start, Txn};

impl Engine {
    /// Starts a transaction: from here every write is recorded until [`Engine::commit`] or
    /// [`Engine::rollback`].
    pub(crate) fn begin(&mut self) {
        let t = &mut self.txn;
        t.log.clear();
        t.saved.clear();
        t.keeping = true;
        t.start = Some(Start {
            clock: self.clock,
            totals: self.totals,
            members: self.members.len(),
            answers: self.answers.len(),
            gift_generation: self.gift_generation,
            holds_made: self.holds_made,
            birthday_table: !self.birthdays.is_empty(),
        });
    }

    /// Stops keeping what writes replace, for the rest of the transaction. A plain apply
    /// calls it once the clock has moved: every operation kind checks everything before its
    /// first write (its plan, then its commit), so a refusal needs only the advance taken
    /// back, and the commit of an accepted operation costs no copies. Provisional operations
    /// keep everything, since they may be reverted after they succeed, and so does
    /// `configure`, whose own advance can gift every member.
    ///
    /// The one refusal that comes after the writes is [`Engine::commit`]'s, when a total
    /// saturated; so the engine trusts only while every total is far below the bound: any
    /// other kind posts a number of amounts bounded by the program (commission depth,
    /// campaigns, cards, achievements), each at most 10^15 at 8 places (a mantissa under
    /// 2^77): from below 2^90, half a million of them still fit under the bound of 2^96.
    pub(crate) fn trust(&mut self) {
        const FAR: i128 = 1 << 90;
        let t = &self.totals;
        let far = [t.issued, t.redeemed, t.expired, t.fees, t.liability]
            .iter()
            .all(|d| d.mantissa().abs() < FAR);
        if far {
            self.txn.keeping = false;
        }
    }

    /// Ends the transaction, keeping what it wrote, if the books balance. They always do
    /// (every posting moves points between two accounts) unless a running total saturated at
    /// the `Decimal` bound after an absurd history: then the operation is refused with
    /// `InvalidAmount` and the state is as it was before it.
    pub(crate) fn commit(&mut self) -> Result<(), Error> {
        self.check_books()?;
        self.txn.start = None;
        self.txn.keeping = false;
        Ok(())
    }

    /// As [`Engine::commit`], handing over the transaction's log for [`Engine::revert`].
    pub(crate) fn commit_provisionally(&mut self) -> Result<Txn, Error> {
        self.check_books()?;
        let t = &mut self.txn;
        t.keeping = false;
        Ok(Txn {
            start: t.start.take(),
            log: core::mem::take(&mut t.log),
            saved: Saved::default(),
            keeping: false,
        })
    }

    /// Rolls back and refuses when the books do not balance.
    fn check_books(&mut self) -> Result<(), Error> {
        self.books_balance().or_else(|why| {
            self.rollback();
            fail(
                ErrorKind::InvalidAmount,
                format!("the operation would leave the books unbalanced: {why}"),
            )
        })
    }

    /// Takes back every write of the transaction `undo` recorded (a provisional operation's).
    pub(crate) fn revert_txn(&mut self, undo: Txn) {
        self.txn = undo;
        self.rollback();
    }

    /// `issued = redeemed + expired + fees + liability`.
    fn books_balance(&self) -> Result<(), String> {
        let t = &self.totals;
        let right = [t.redeemed, t.expired, t.fees, t.liability];
        let balanced = sums_to(t.issued, &right)
            .unwrap_or_else(|| t.issued == right.into_iter().fold(Decimal::ZERO, add));
        if balanced {
            Ok(())
        } else {
            Err(format!(
                "issued {} ≠ redeemed {} + expired {} + fees {} + liability {}",
                t.issued, t.redeemed, t.expired, t.fees, t.liability
            ))
        }
    }

    /// Puts back everything the transaction wrote, newest first, and ends it.
    pub(crate) fn rollback(&mut self) {
        self.txn.keeping = false;
        let Some(start) = self.txn.start.take() else {
            return;
        };
        let log = core::mem::take(&mut self.txn.log);
        let mut pushed = Vec::new();
        for before in log.into_iter().rev() {
            match before {
                Before::Pushed(at, due) => pushed.push((at, due)),
                before => self.put_back(before),
            }
        }
        self.schedule.unpush(pushed);
        for m in start.members..self.members.len() {
            let id = self.members[m].id;
            let members = &self.members;
            self.index.remove(id, |p| members[p as usize].id);
        }
        self.members.truncate(start.members);
        self.answers.truncate(start.answers);
        if !start.birthday_table {
            self.birthdays = Vec::new();
        }
        self.clock = start.clock;
        self.totals = start.totals;
        self.gift_generation = start.gift_generation;
        self.holds_made = start.holds_made;
    }

    fn put_back(&mut self, before: Before) {
        match before {
            Before::Member(m, member) => self.members[m as usize] = *member,
            Before::Window(m, w) => put(&mut self.windows, m, w),
            Before::Windows(all) => self.windows = all,
            Before::Order(id, Some(record)) => self.records.put_order(id, record),
            Before::Order(id, None) => self.records.remove_order(id),
            Before::Filed(id) => self.records.remove(id),
            Before::Refiled(id, digest, keep) => self.records.refile(id, digest, keep),
            Before::SentToday(m, v) => put(&mut self.sent_today, m, v),
            Before::LastReward(m, v) => put(&mut self.last_reward, m, v),
            Before::Budget(name, v) => put(&mut self.budgets_used, name, v),
            Before::RewardUse(name, v) => put(&mut self.rewards_used, name, v),
            Before::Redemption(id, v) => put(&mut self.redemptions, id, v),
            Before::Hold(id, v) => put(&mut self.holds, id, v),
            Before::Grace(m, v) => put(&mut self.graces, m, v),
            Before::Celebrant(slot) => {
                self.birthdays[slot as usize].0.pop();
            }
            Before::GiftYear(slot, pos, year) => {
                self.birthdays[slot as usize].0[pos as usize].gifted = year;
            }
            Before::Fired(at, due) => self.schedule.push(at, due),
            Before::Pushed(..) => {}
            Before::Program(program) => self.program = Compiled::new(*program),
            Before::LastTick(outcome) => self.last_tick = *outcome,
        }
    }

    /// Whether writes are being kept.
    fn recording(&self) -> bool {
        self.txn.keeping
    }

    // The writes. Each keeps what it replaces, then writes.

    /// Member `m`'s row, to change.
    #[inline]
    pub(crate) fn member_mut(&mut self, m: u32) -> &mut MemberRow {
        if self.txn.keeping {
            self.keep_member(m);
        }
        &mut self.members[m as usize]
    }

    /// Keeps member `m`'s row as it was, the first time the transaction changes it. A row
    /// added by the transaction needs no copy: rollback truncates to `begin`'s length.
    #[cold]
    fn keep_member(&mut self, m: u32) {
        let t = &mut self.txn;
        if t.start.is_some_and(|s| (m as usize) < s.members) && t.saved.insert(m) {
            let before = Box::new(self.members[m as usize].clone());
            t.log.push(Before::Member(m, before));
        }
    }

    /// Enrols `member` at the next position and indexes it; returns the position.
    pub(crate) fn add_member(&mut self, member: MemberRow) -> u32 {
        let id: MemberId = member.id;
        let m = self.members.len() as u32;
        self.members.push(member);
        let members = &self.members;
        self.index.insert(id, m, |p| members[p as usize].id);
        m
    }

    /// Member `m`'s windowed contributions, created empty if absent.
    pub(crate) fn window_mut(&mut self, m: u32) -> &mut Vec<Contribution> {
        if self.recording() {
            let before = self.windows.get(&m).cloned();
            self.txn.log.push(Before::Window(m, before));
        }
        self.windows.entry(m).or_default()
    }

    /// Member `m`'s windowed contributions, if there are any.
    pub(crate) fn window_get_mut(&mut self, m: u32) -> Option<&mut Vec<Contribution>> {
        if self.recording() {
            let before = self.windows.get(&m)?.clone();
            self.txn.log.push(Before::Window(m, Some(before)));
        }
        self.windows.get_mut(&m)
    }

    /// Empties every window (to rebuild them).
    pub(crate) fn clear_windows(&mut self) {
        let all = core::mem::take(&mut self.windows);
        self.txn.note(Before::Windows(all));
    }

    /// Stores order `id`'s record.
    #[inline]
    pub(crate) fn put_order(&mut self, id: OpId, record: OrderRecord) {
        if self.recording() {
            let before = self.records.order(id);
            self.txn.log.push(Before::Order(id, before));
        }
        self.records.put_order(id, record);
    }

    /// Notes that an outcome was filed under `id` (a provisional operation's).
    pub(crate) fn note_filed(&mut self, id: OpId) {
        self.txn.note(Before::Filed(id));
    }

    /// Keeps order `id`'s outcome whole from now on (its level names are about to change).
    pub(crate) fn refile_whole(&mut self, id: OpId, digest: u64, outcome: Box<Outcome>) {
        if let Some(Kept::Order { pending, tier }) = self.records.kept(id) {
            self.txn
                .note(Before::Refiled(id, digest, Keep::Order { pending, tier }));
        }
        let kept = crate::records::Digest::Kept(digest);
        self.records.file(id, kept, Keep::Whole(outcome));
    }

    pub(crate) fn set_sent_today(&mut self, m: u32, day_total: (i64, Decimal)) {
        let before = self.sent_today.insert(m, day_total);
        self.txn.note(Before::SentToday(m, before));
    }

    pub(crate) fn set_last_reward(&mut self, m: u32, at: i64) {
        let before = self.last_reward.insert(m, at);
        self.txn.note(Before::LastReward(m, before));
    }

    /// Changes campaign `name`'s budget use.
    pub(crate) fn change_budget_use(
        &mut self,
        name: &Name,
        change: impl FnOnce(Decimal) -> Decimal,
    ) {
        if self.recording() {
            let before = self.budgets_used.get(name).copied();
            self.txn.log.push(Before::Budget(name.clone(), before));
        }
        if let Some(used) = self.budgets_used.get_mut(name) {
            *used = change(*used);
        } else {
            self.budgets_used
                .insert(name.clone(), change(Decimal::ZERO));
        }
    }

    /// Changes how many of reward `name` open redemptions hold.
    pub(crate) fn change_reward_use(&mut self, name: &str, change: impl FnOnce(u64) -> u64) {
        let before = self.rewards_used.get(name).copied();
        if self.recording() {
            self.txn
                .log
                .push(Before::RewardUse(name.to_owned(), before));
        }
        let used = change(before.unwrap_or(0));
        self.rewards_used.insert(name.to_owned(), used);
    }

    /// Opens (`Some`) or closes (`None`) redemption `id`.
    pub(crate) fn set_redemption(&mut self, id: OpId, open: Option<OpenRedemption>) {
        let before = match open {
            Some(open) => self.redemptions.insert(id, open),
            None => self.redemptions.remove(&id),
        };
        self.txn.note(Before::Redemption(id, before));
    }

    /// Opens or changes (`Some`) or closes (`None`) hold `id`; returns what it replaced.
    pub(crate) fn set_hold(&mut self, id: OpId, hold: Option<OpenHold>) -> Option<OpenHold> {
        let before = match hold {
            Some(hold) => self.holds.insert(id, hold),
            None => self.holds.remove(&id),
        };
        if self.recording() {
            self.txn.log.push(Before::Hold(id, before.clone()));
        }
        before
    }

    /// Starts or changes (`Some`) or ends (`None`) member `m`'s tier grace.
    pub(crate) fn set_grace(&mut self, m: u32, grace: Option<Grace>) {
        let before = match grace {
            Some(grace) => self.graces.insert(m, grace),
            None => self.graces.remove(&m),
        };
        self.txn.note(Before::Grace(m, before));
    }

    /// The `seq` of the next hold made (rollback restores the count from the start).
    pub(crate) fn next_hold_seq(&mut self) -> u64 {
        let seq = self.holds_made;
        self.holds_made = seq.saturating_add(1);
        seq
    }

    pub(crate) fn add_answer(&mut self, answer: Answer) {
        // Rollback truncates to the length at `begin`.
        self.answers.push(answer);
    }

    /// Files member `m` at the end of birthday slot `slot`; returns how many the slot holds.
    pub(crate) fn add_celebrant(&mut self, slot: u32, m: u32, slots: usize) -> usize {
        if self.birthdays.is_empty() {
            self.birthdays = vec![Slot::default(); slots];
        }
        self.txn.note(Before::Celebrant(slot));
        let members = &mut self.birthdays[slot as usize].0;
        members.push(Celebrant {
            member: m,
            gifted: 0,
        });
        members.len()
    }

    /// Marks the member at `pos` of birthday slot `slot` gifted for `year`.
    pub(crate) fn set_gifted(&mut self, slot: u32, pos: u32, year: u16) {
        let celebrant = &mut self.birthdays[slot as usize].0[pos as usize];
        let before = core::mem::replace(&mut celebrant.gifted, year);
        self.txn.note(Before::GiftYear(slot, pos, before));
    }

    pub(crate) fn next_gift_generation(&mut self) {
        // Rollback restores the generation at `begin`.
        self.gift_generation = self.gift_generation.wrapping_add(1);
    }

    /// Schedules `due` at `at`.
    pub(crate) fn schedule_at(&mut self, at: i64, due: Due) {
        self.txn.note(Before::Pushed(at, due));
        self.schedule.push(at, due);
    }

    /// Takes the earliest event due at or before `t` out of the time index.
    pub(crate) fn pop_due(&mut self, t: i64) -> Option<(i64, Due)> {
        let (at, due) = self.schedule.pop_due(t)?;
        self.txn.note(Before::Fired(at, due));
        Some((at, due))
    }

    /// Puts `program` in force; returns the one it replaces.
    pub(crate) fn set_program(&mut self, program: Program) -> Program {
        let old = core::mem::replace(&mut self.program, Compiled::new(program)).into_program();
        if self.recording() {
            self.txn.log.push(Before::Program(Box::new(old.clone())));
        }
        old
    }

    /// Keeps `outcome` as the last tick's.
    pub(crate) fn set_last_tick(&mut self, outcome: Outcome) {
        let before = core::mem::replace(&mut self.last_tick, outcome);
        if self.recording() {
            self.txn.log.push(Before::LastTick(Box::new(before)));
        }
    }
}

/// Whether `left = Σ right`, exactly, when every non-zero figure has `left`'s scale (the
/// usual case: a sum of mantissas, cheap enough for every commit; 4 × 2^96 fits an `i128`);
/// `None` otherwise.
fn sums_to(left: Decimal, right: &[Decimal; 4]) -> Option<bool> {
    let scale = left.scale();
    let mut sum = 0i128;
    for d in right.iter().filter(|d| !d.is_zero()) {
        if d.scale() != scale {
            return None;
        }
        sum += d.mantissa();
    }
    Some(sum == left.mantissa())
}

/// Puts a map entry back to what it was (absent with `None`).
fn put<K: Eq + core::hash::Hash, V, S: core::hash::BuildHasher>(
    map: &mut std::collections::HashMap<K, V, S>,
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
