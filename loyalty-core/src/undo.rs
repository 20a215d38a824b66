//! The undo log of a transaction (see `txn.rs`, which writes it): the engine's scalars when
//! it began, and what each write replaced.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::catalogue::OpenRedemption;
use crate::ids::{IdMap, OpId};
use crate::member_row::MemberRow;
use crate::name::Name;
use crate::outcome::{Outcome, Totals};
use crate::program::Program;
use crate::records::Keep;
use crate::schedule::Due;
use crate::state::{Contribution, OrderRecord};
use crate::state::{Grace, OpenHold};

/// The undo log of one transaction.
#[derive(Debug, Default, Clone)]
pub(crate) struct Txn {
    /// The engine's scalars and table lengths when the transaction began (`None`: no
    /// transaction, nothing to take back).
    pub start: Option<Start>,
    /// What each write replaced, oldest first.
    pub log: Vec<Before>,
    /// The members whose row is in the log: a row is kept once, as it was first.
    pub saved: Saved,
    /// Whether writes are kept: a plain apply stops keeping them once the clock has moved,
    /// since an operation checks everything before its first write (see [`Engine::trust`]).
    pub keeping: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    pub clock: i64,
    pub totals: Totals,
    pub members: usize,
    pub answers: usize,
    pub gift_generation: u32,
    pub holds_made: u64,
    pub birthday_table: bool,
}

/// What one write replaced.
#[derive(Debug, Clone)]
pub(crate) enum Before {
    Member(u32, Box<MemberRow>),
    Window(u32, Option<Vec<Contribution>>),
    Windows(IdMap<u32, Vec<Contribution>>),
    Order(OpId, Option<OrderRecord>),
    /// An outcome filed under this id (a provisional operation's).
    Filed(OpId),
    /// An order outcome refiled whole (`configure` renaming levels), and how it was kept.
    Refiled(OpId, u64, Keep),
    SentToday(u32, Option<(i64, Decimal)>),
    LastReward(u32, Option<i64>),
    Budget(Name, Option<Decimal>),
    RewardUse(String, Option<u64>),
    Redemption(OpId, Option<OpenRedemption>),
    Hold(OpId, Option<OpenHold>),
    Grace(u32, Option<Grace>),
    /// A member filed at the end of this birthday slot.
    Celebrant(u32),
    GiftYear(u32, u32, u16),
    /// An event that fired (it goes back into the time index).
    Fired(i64, Due),
    /// An event scheduled (it comes out again).
    Pushed(i64, Due),
    Program(Box<Program>),
    LastTick(Box<Outcome>),
}

/// The set of saved members: a short list for the few members an operation touches, a hash
/// set once a tick touches many.
#[derive(Debug, Default, Clone)]
pub(crate) struct Saved {
    few: Vec<u32>,
    many: HashSet<u32>,
}

const FEW: usize = 16;

impl Saved {
    /// Adds `m`; whether it was new.
    pub fn insert(&mut self, m: u32) -> bool {
        if self.few.contains(&m) {
            return false;
        }
        if self.few.len() < FEW {
            self.few.push(m);
            return true;
        }
        self.many.insert(m)
    }

    pub fn clear(&mut self) {
        self.few.clear();
        if !self.many.is_empty() {
            self.many = HashSet::new();
        }
    }
}

impl Txn {
    /// Whether the transaction changed nothing (or there was none).
    pub fn is_empty(&self) -> bool {
        self.start.is_none()
    }

    pub fn note(&mut self, before: Before) {
        if self.keeping {
            self.log.push(before);
        }
    }
}
