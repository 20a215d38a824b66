//! A terminal: its queue of offline operations (a [`Log`] in its directory), its cache, and what
//! it may still let a member spend. Every refusal happens before anything is queued; every
//! accepted operation is durable in the queue before it is acknowledged to the cashier.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use loyalty_core::{
    check_scale, Decimal, Enroll, Error, ErrorKind, MemberId, Offline, OpId, Operation, Order,
    Refund,
};
use loyalty_store::Log;
use serde::{Deserialize, Serialize};

use crate::cache::Cache;
use crate::ids::{op_id, MAX_SEQ};
use crate::TerminalError;

const QUEUE: &str = "queue.log";
const CACHE: &str = "cache.json";

/// One entry of a terminal's queue file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub(crate) enum Entry {
    /// The first entry: whose queue this is.
    Opened {
        terminal: u16,
        name: String,
        program: String,
    },
    /// An operation made offline, to send; `spent` the points it redeemed, for `member`.
    Queued {
        seq: u64,
        op: Operation,
        member: MemberId,
        spent: String,
    },
    /// The centre answered every operation through `through` (a sequence number).
    Synced { through: u64 },
    /// A cache exported after the sync through `through` replaced the old one.
    Refreshed { through: u64 },
}

/// What the cashier hands the customer for an offline sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The operation id the sale goes to the centre under.
    pub id: OpId,
    /// Points redeemed on the sale: final (the centre never refuses them).
    pub points_redeemed: Decimal,
    /// Points the sale should earn, from the cached program and level: an estimate, since the
    /// centre computes the figure when the sale arrives (campaigns, levels by then).
    pub points_earned_estimate: Decimal,
}

/// A terminal of one shop's program, working from its queue and cache.
#[derive(Debug)]
pub struct Terminal {
    dir: PathBuf,
    number: u16,
    name: String,
    cache: Cache,
    log: Log<Entry>,
    /// Operations not answered by the centre yet, oldest first.
    pending: Vec<(u64, Operation)>,
    next_seq: u64,
    last_at: i64,
    synced_through: Option<u64>,
    /// Points redeemed offline since the cache was refreshed: `(seq, member, points)`.
    spends: Vec<(u64, MemberId, Decimal)>,
    /// Orders sold here, with what is left to refund of each (a refund offline must be of
    /// one of them, within that).
    sold: HashMap<OpId, Decimal>,
}

impl Terminal {
    /// Sets up terminal `terminal` (≥ 1; unique in the shop) named `name` in `dir`, from its
    /// first cache. A directory that already holds a queue is refused: reopen it instead.
    pub fn create(
        dir: &Path,
        terminal: u16,
        name: &str,
        cache: &Cache,
    ) -> Result<Terminal, TerminalError> {
        if terminal == 0 {
            return Err(TerminalError::BadTerminal(
                "terminal 0 is the centre's: number terminals from 1".to_owned(),
            ));
        }
        let chars = name.chars().count();
        if !(1..=loyalty_core::MAX_TERMINAL_CHARS).contains(&chars) {
            return Err(TerminalError::BadTerminal(format!(
                "terminal name {name:?} must have 1..=64 characters"
            )));
        }
        fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        // An empty queue is a create that failed before its first entry: it may start again.
        let queue_len = fs::metadata(dir.join(QUEUE)).map_or(0, |m| m.len());
        if queue_len > 0 {
            return Err(TerminalError::BadTerminal(format!(
                "{} already holds a terminal's queue: open it rather than create it",
                dir.display()
            )));
        }
        write_cache(dir, cache)?;
        let (mut log, _) = Log::open(&dir.join(QUEUE))?;
        log.append(&Entry::Opened {
            terminal,
            name: name.to_owned(),
            program: cache.program.name.clone(),
        })?;
        Terminal::open(dir, terminal)
    }

    /// Reopens terminal `terminal` from `dir` (after a restart or a crash): every operation the
    /// queue holds is there, a torn last entry (a crash mid-sale) is gone, and it was never
    /// acknowledged. A queue of another terminal number is refused.
    pub fn open(dir: &Path, terminal: u16) -> Result<Terminal, TerminalError> {
        let text = fs::read_to_string(dir.join(CACHE)).map_err(|e| io(&dir.join(CACHE), e))?;
        let cache = Cache::from_json(&text)?;
        let (log, entries) = Log::<Entry>::open(&dir.join(QUEUE))?;
        let mut t = Terminal {
            dir: dir.to_owned(),
            number: terminal,
            name: String::new(),
            cache,
            log,
            pending: Vec::new(),
            next_seq: 0,
            last_at: i64::MIN,
            synced_through: None,
            spends: Vec::new(),
            sold: HashMap::new(),
        };
        let mut entries = entries.into_iter();
        match entries.next() {
            Some(Entry::Opened {
                terminal: found,
                name,
                ..
            }) if found == terminal => t.name = name,
            Some(Entry::Opened {
                terminal: found, ..
            }) => {
                return Err(TerminalError::BadTerminal(format!(
                    "{} is terminal {found}'s queue, not terminal {terminal}'s",
                    dir.display()
                )))
            }
            _ => {
                return Err(TerminalError::BadTerminal(format!(
                    "{} holds no terminal's queue",
                    dir.display()
                )))
            }
        }
        for entry in entries {
            t.replay(entry)?;
        }
        Ok(t)
    }

    fn replay(&mut self, entry: Entry) -> Result<(), TerminalError> {
        match entry {
            Entry::Opened { .. } => {
                return Err(TerminalError::BadTerminal(
                    "a queue opened twice".to_owned(),
                ))
            }
            Entry::Queued {
                seq,
                op,
                member,
                spent,
            } => {
                let spent = loyalty_core::parse_decimal(&spent).map_err(TerminalError::Engine)?;
                self.note(seq, &op, member, spent);
            }
            Entry::Synced { through } => {
                self.pending.retain(|(seq, _)| *seq > through);
                self.synced_through = Some(through);
            }
            Entry::Refreshed { through } => self.spends.retain(|(seq, ..)| *seq > through),
        }
        Ok(())
    }

    /// Takes a queued operation into the terminal's counters.
    fn note(&mut self, seq: u64, op: &Operation, member: MemberId, spent: Decimal) {
        // A queued operation is dated when the terminal made it (a batch re-dates copies).
        self.last_at = self.last_at.max(op.at());
        match op {
            Operation::Order(o) => {
                self.sold.insert(o.id, o.amount);
            }
            Operation::Refund(r) => {
                if let Some(left) = self.sold.get_mut(&r.order) {
                    *left -= r.amount;
                }
            }
            _ => {}
        }
        if spent > Decimal::ZERO {
            self.spends.push((seq, member, spent));
        }
        self.next_seq = self.next_seq.max(seq + 1);
        self.pending.push((seq, op.clone()));
    }

    /// The terminal's number.
    pub fn number(&self) -> u16 {
        self.number
    }

    /// The cache it works from.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The operations the centre has not answered yet, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &Operation> {
        self.pending.iter().map(|(_, op)| op)
    }

    /// Points this terminal redeemed offline since its cache was refreshed, in all.
    pub fn spent_offline(&self) -> Decimal {
        self.spends.iter().map(|s| s.2).sum()
    }

    /// What `member` may spend offline now: the cached available points (none in debt, none
    /// for a member the cache does not hold), less what this terminal redeemed offline for
    /// them since, capped by the program's per-sale limit and what is left of the terminal's
    /// own limit.
    pub fn allowance(&self, member: MemberId) -> Decimal {
        let cached = self
            .cache
            .members
            .get(&member)
            .map_or(Decimal::ZERO, |m| m.available);
        let spent: Decimal = self
            .spends
            .iter()
            .filter(|s| s.1 == member)
            .map(|s| s.2)
            .sum();
        let mut allowance = (cached - spent).max(Decimal::ZERO);
        if let Some(limits) = self.cache.program.offline {
            if let Some(per_order) = limits.max_points_per_order {
                allowance = allowance.min(per_order);
            }
            if let Some(per_terminal) = limits.max_points_per_terminal {
                allowance = allowance.min((per_terminal - self.spent_offline()).max(Decimal::ZERO));
            }
        }
        allowance
    }

    /// Enrols `member` offline (referred by `referrer`); the centre applies it at the sync.
    pub fn enroll(
        &mut self,
        at: i64,
        member: MemberId,
        referrer: Option<MemberId>,
    ) -> Result<OpId, TerminalError> {
        self.check_time(at)?;
        let id = self.next_id()?;
        let op = Enroll::new(id, at, member).with_referrer(referrer).into();
        self.queue(op, member, Decimal::ZERO)?;
        Ok(id)
    }

    /// A sale of `amount` at `at`, paying `points` within the member's [allowance](Self::allowance).
    pub fn order(
        &mut self,
        at: i64,
        member: MemberId,
        amount: Decimal,
        points: Decimal,
    ) -> Result<Receipt, TerminalError> {
        self.check_time(at)?;
        let program = &self.cache.program;
        let bad = |why: String| TerminalError::Engine(Error::new(ErrorKind::InvalidAmount, why));
        if amount <= Decimal::ZERO || points < Decimal::ZERO {
            return Err(bad(format!(
                "amount {amount} must be > 0 and points {points} ≥ 0"
            )));
        }
        // What the centre would refuse for good at the sync, and so lose: too many places, or
        // beyond MAX_AMOUNT.
        check_scale(amount, program.money_places(), "amount")?;
        check_scale(points, program.points_places(), "points")?;
        if points * program.point_value > amount {
            return Err(bad(format!(
                "{points} points are worth more than the amount {amount}"
            )));
        }
        let allowance = self.allowance(member);
        if points > allowance {
            return Err(TerminalError::Engine(Error::new(
                ErrorKind::InsufficientPoints,
                format!("member {member} may spend {allowance} points offline here, not {points}"),
            )));
        }
        let id = self.next_id()?;
        let offline = Offline::new(self.name.clone(), at);
        let op = Order::new(id, at, member, amount)
            .with_points(points)
            .with_offline(offline)
            .into();
        self.queue(op, member, points)?;
        let program = &self.cache.program;
        let level = self.cache.members.get(&member).map_or(0, |m| m.level);
        let rate = program
            .tiers
            .levels
            .get(level)
            .map_or(Decimal::ZERO, |l| l.accrual_rate);
        let cash = amount - points * program.point_value;
        Ok(Receipt {
            id,
            points_redeemed: points,
            points_earned_estimate: program.round_points(cash * rate),
        })
    }

    /// Refunds `amount` of `order`, a sale this terminal made, within what its refunds queued
    /// here left of it (`RefundExceedsOrder`: the centre would refuse it for good at the sync).
    pub fn refund(&mut self, at: i64, order: OpId, amount: Decimal) -> Result<OpId, TerminalError> {
        self.check_time(at)?;
        let Some(&left) = self.sold.get(&order) else {
            return Err(TerminalError::Engine(Error::new(
                ErrorKind::UnknownOrder,
                format!("order {order} was not sold at this terminal: refund it online"),
            )));
        };
        if amount <= Decimal::ZERO {
            return Err(TerminalError::Engine(Error::new(
                ErrorKind::InvalidAmount,
                format!("refund amount {amount} must be > 0"),
            )));
        }
        check_scale(amount, self.cache.program.money_places(), "amount")?;
        if amount > left {
            return Err(TerminalError::Engine(Error::new(
                ErrorKind::RefundExceedsOrder,
                format!("{amount} is more than the {left} left to refund of order {order}"),
            )));
        }
        let id = self.next_id()?;
        self.queue(Refund::new(id, at, order, amount).into(), 0, Decimal::ZERO)?;
        Ok(id)
    }

    pub(crate) fn check_time(&self, at: i64) -> Result<(), TerminalError> {
        if at < self.last_at {
            return Err(TerminalError::Engine(Error::new(
                ErrorKind::TimeWentBackwards,
                format!(
                    "at {at} is before this terminal's last operation at {}: is its clock right?",
                    self.last_at
                ),
            )));
        }
        Ok(())
    }

    fn next_id(&self) -> Result<OpId, TerminalError> {
        if self.next_seq > MAX_SEQ {
            return Err(TerminalError::BadTerminal(
                "this terminal used every id it has".to_owned(),
            ));
        }
        Ok(op_id(self.number, self.next_seq))
    }

    /// Appends `op` to the queue (durable on return), then counts it.
    fn queue(
        &mut self,
        op: Operation,
        member: MemberId,
        spent: Decimal,
    ) -> Result<(), TerminalError> {
        let seq = self.next_seq;
        let entry = Entry::Queued {
            seq,
            op,
            member,
            spent: spent.to_string(),
        };
        self.log.append(&entry)?;
        if let Entry::Queued { op, .. } = &entry {
            self.note(seq, op, member, spent);
        }
        Ok(())
    }

    /// Marks every pending operation through `through` as answered by the centre.
    pub(crate) fn acknowledge(&mut self, through: u64) -> Result<(), TerminalError> {
        self.log.append(&Entry::Synced { through })?;
        self.replay(Entry::Synced { through })
    }

    pub(crate) fn pending_entries(&self) -> &[(u64, Operation)] {
        &self.pending
    }

    /// Replaces the cache with one exported after the last sync: what was redeemed offline
    /// and synced is in it now, so it no longer counts against the allowances. A cache of
    /// another program (by name) is refused and changes nothing.
    pub fn refresh(&mut self, cache: &Cache) -> Result<(), TerminalError> {
        if cache.program.name != self.cache.program.name {
            return Err(TerminalError::BadCache(format!(
                "it is program {:?}'s, and this terminal serves {:?}",
                cache.program.name, self.cache.program.name
            )));
        }
        write_cache(&self.dir, cache)?;
        self.cache = cache.clone();
        if let Some(through) = self.synced_through {
            self.log.append(&Entry::Refreshed { through })?;
            self.replay(Entry::Refreshed { through })?;
        }
        Ok(())
    }
}

/// Writes the cache file whole or not at all: a temporary file, synced, renamed into place.
fn write_cache(dir: &Path, cache: &Cache) -> Result<(), TerminalError> {
    let path = dir.join(CACHE);
    let tmp = dir.join(format!("{CACHE}.tmp"));
    fs::write(&tmp, cache.to_json()).map_err(|e| io(&tmp, e))?;
    fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(dir, e))
}

fn io(path: &Path, source: std::io::Error) -> TerminalError {
    TerminalError::Io {
        path: path.to_owned(),
        source,
    }
}
