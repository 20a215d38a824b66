//! The operation table (issue 11): one row per accepted operation id, and the order records a
//! refund or a retry needs.
//!
//! An order is one entry of 80 bytes: its id, its digest, how its outcome is kept, and its
//! record in the usual case (no refund yet, every figure a non-negative decimal whose mantissa
//! fits 64 bits). Orders are appended to a chunked array in filing order (no allocation per
//! order, no doubling spike). What only some orders have sits in side rows beside the entry
//! (`side_rows.rs`): a depth-2 commission (24 bytes), an engagement order's extras (campaign
//! bonus, stamp, card reward, achievement: 36 bytes, `engaged.rs`). A record that fits none
//! of these is kept whole beside its entry (`wide`), so every record decodes to exactly what
//! was stored, decimal scales included. Any other operation is a row of 24 bytes (id, digest,
//! and a member for a plain enrolment) in a dense array of its own; whole outcomes are kept
//! aside. One hash index of 4-byte positions finds both.

use rust_decimal::Decimal;
use smallvec::SmallVec;
use std::borrow::Cow;

use crate::amount::{mantissa_and_scale, plain_zero};
use crate::chunks::Chunks;
use crate::engaged::{EngagedRow, Names};
use crate::ids::IdMap;
use crate::ids::OpId;
use crate::outcome::Outcome;
use crate::positions::Positions;
use crate::side_rows::{Deeper, SideRows};
use crate::state::{Moved, OrderRecord};

/// A filed order whose record is gone (a snapshot checked at load cannot have one).
pub(crate) fn lost(id: OpId) -> crate::error::Error {
    crate::error::Error::new(
        crate::error::ErrorKind::InvalidInput,
        format!("operation {id} was accepted but its order record is gone"),
    )
}

/// What an accepted operation's row says about its outcome.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kept<'a> {
    /// Kept whole, as it was returned.
    Whole(&'a Outcome),
    /// A plain order: its record rebuilds the outcome; `pending` says whether its credits went
    /// to pending points, `tier` the buyer's level change (from, to), if any.
    Order {
        pending: bool,
        tier: Option<(u8, u8)>,
    },
    /// A plain enrolment (no achievement, no posting) of the member at this index.
    Enrolled(u32),
}

/// How an outcome is to be filed (see [`Kept`]).
#[derive(Debug, Clone)]
pub(crate) enum Keep {
    Whole(Box<Outcome>),
    Order {
        pending: bool,
        tier: Option<(u8, u8)>,
    },
    Enrolled(u32),
}

/// Flags of a row or an order.
const PENDING: u8 = 2;
const WHOLE: u8 = 4;
const ENROLLED: u8 = 8;
/// Filed (the digest is set): an order's entry exists from the moment its record is made.
const FILED: u8 = 16;
/// The order moved its buyer's level from `tier[0]` to `tier[1]`.
const TIER: u8 = 32;
/// An order taken back (a provisional one reverted out of turn): its slot is unused.
const GONE: u8 = 64;
/// The digest is not kept: it follows from the record (see [`Digest::OfRecord`]).
const DERIVED: u8 = 128;

/// An accepted operation's digest, as the table has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    Kept(u64),
    /// The operation is the plain order its record describes (no lines, no hold, not
    /// offline): its digest follows from the record's id, time, buyer, amount and points,
    /// so it is worked out when asked for (a retry, a snapshot) rather than at every order.
    OfRecord,
}

impl Digest {
    fn of(digest: u64, flags: u8) -> Digest {
        if flags & DERIVED == 0 {
            Digest::Kept(digest)
        } else {
            Digest::OfRecord
        }
    }
}

/// An operation other than an order: 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Row {
    id: OpId,
    digest: u64,
    /// The enrolled member's index (`ENROLLED`).
    slot: u32,
    flags: u8,
}

/// No referrer in a compact order record.
const NO_REFERRER: u32 = u32::MAX;
/// The record of this slot is kept whole, in `wide`.
const WIDE: u32 = u32::MAX;
/// In a row's `scales` (other than `WIDE`): the record's extras are in an engaged row.
const ENGAGED: u32 = 1 << 30;
/// In a row's `scales` (other than `WIDE`): the record's depth-2 commission is in a deeper row.
const DEEPER: u32 = 1 << 29;
/// Either side row.
const SIDE: u32 = ENGAGED | DEEPER;

/// An order: its id, digest and filing state, and its record in the usual case (see the module
/// docs). 80 bytes: the fields are laid out flat so that no padding sits between them.
#[derive(Debug, Clone, Copy)]
struct OrderRow {
    id: OpId,
    digest: u64,
    at: i64,
    buyer: u32,
    /// The depth-1 commission's referrer, or `NO_REFERRER`.
    referrer: u32,
    /// Mantissas of amount, points spent, cash, accrual and commission.
    figures: [i64; 5],
    /// Their scales, 5 bits each; `WIDE` when the record is kept whole.
    scales: u32,
    flags: u8,
    /// With `TIER`: the buyer's level indices before and after.
    tier: [u8; 2],
}

/// `d` as a mantissa and scale, when it is non-negative and the mantissa fits 64 bits.
fn compact(d: Decimal) -> Option<(i64, u32)> {
    mantissa_and_scale(d)
}

fn untouched(m: Moved) -> Option<(i64, u32)> {
    plain_zero(m.moved).then_some(())?;
    compact(m.total)
}

impl OrderRow {
    fn new(id: OpId) -> OrderRow {
        OrderRow {
            id,
            digest: 0,
            at: 0,
            buyer: 0,
            referrer: NO_REFERRER,
            figures: [0; 5],
            scales: WIDE,
            flags: 0,
            tier: [0; 2],
        }
    }

    /// Stores `r` in the row when it fits, its extras aside; `false` (the row marked wide) when
    /// it does not.
    fn store(&mut self, r: &OrderRecord) -> bool {
        self.scales = WIDE;
        let Some((referrer, parts)) = Self::parts(r) else {
            return false;
        };
        self.at = r.at;
        self.buyer = r.buyer;
        self.referrer = referrer;
        self.scales = 0;
        for (i, (mantissa, scale)) in parts.into_iter().enumerate() {
            self.figures[i] = mantissa;
            self.scales |= scale << (5 * i);
        }
        true
    }

    /// The referrer and the five figures of `r`, if they fit a row (its extras aside).
    fn parts(r: &OrderRecord) -> Option<(u32, [(i64, u32); 5])> {
        // A depth-2 commission after the first goes to a side row (`Records::put_order`).
        let one_or_two = matches!(r.commissions.as_slice(), [] | [_] | [_, (_, 2, _)]);
        if !plain_zero(r.refunded) || !one_or_two {
            return None;
        }
        let (referrer, commission) = match r.commissions.first() {
            Some(&(referrer, 1, k)) => (referrer, untouched(k)?),
            Some(_) => return None,
            None => (NO_REFERRER, (0, 0)),
        };
        let parts = [
            compact(r.amount)?,
            untouched(r.points)?,
            untouched(r.cash)?,
            untouched(r.accrual)?,
            commission,
        ];
        Some((referrer, parts))
    }

    fn figure(&self, i: usize) -> Decimal {
        Decimal::from_i128_with_scale(i128::from(self.figures[i]), (self.scales >> (5 * i)) & 0x1f)
    }

    fn decode(&self) -> OrderRecord {
        let mut commissions = SmallVec::new();
        if self.referrer != NO_REFERRER {
            commissions.push((self.referrer, 1, Moved::new(self.figure(4))));
        }
        OrderRecord {
            buyer: self.buyer,
            at: self.at,
            amount: self.figure(0),
            refunded: Decimal::ZERO,
            points: Moved::new(self.figure(1)),
            cash: Moved::new(self.figure(2)),
            accrual: Moved::new(self.figure(3)),
            commissions,
            extras: None,
        }
    }
}

/// Index positions with this bit set are order slots; without it, row positions.
const IN_ORDERS: u32 = 1 << 31;
/// In `kept`: the entry is an order's.
const ORDER_ENTRY: u8 = 1;

/// Where an id's entry is.
#[derive(Debug, Clone, Copy)]
enum At {
    Row(usize),
    Order(usize),
}

/// The key of index position `p`.
fn key(rows: &Chunks<Row>, orders: &Chunks<OrderRow>, p: u32) -> OpId {
    if p & IN_ORDERS == 0 {
        rows.get(p as usize).id
    } else {
        orders.get((p & !IN_ORDERS) as usize).id
    }
}

/// The operation table: every accepted id's digest and outcome, and every order's record.
/// Limits: fewer than 2^31 orders and 2^31 other operations.
#[derive(Debug, Clone, Default)]
pub(crate) struct Records {
    /// Positions by operation id: a row, or (`IN_ORDERS`) an order slot.
    index: Positions,
    /// Operations other than orders.
    rows: Chunks<Row>,
    /// Orders, in filing order.
    orders: Chunks<OrderRow>,
    /// Records that do not fit their order's row, by slot.
    wide: IdMap<u32, OrderRecord>,
    /// The extras of records that fit their row with an engaged row, in slot order.
    engaged: SideRows<EngagedRow>,
    /// The depth-2 commissions of records that fit their row with a deeper row.
    deeper: SideRows<Deeper>,
    /// The names engaged rows refer to.
    names: Names,
    /// Outcomes kept whole, by operation id.
    whole: IdMap<OpId, Box<Outcome>>,
    /// The record stored last, kept whole beside its row until the next one is stored: the
    /// order's filing reads it and marks it right after, without a probe or a decoding.
    newest: Option<Newest>,
}

/// A record that fits its row (so the row decodes to it), with its id and slot.
#[derive(Debug, Clone)]
struct Newest {
    id: OpId,
    slot: usize,
    record: OrderRecord,
}

impl Records {
    fn find(&self, id: OpId) -> Option<At> {
        let (rows, orders) = (&self.rows, &self.orders);
        let p = self.index.find(id, |p| key(rows, orders, p))?;
        Some(if p & IN_ORDERS == 0 {
            At::Row(p as usize)
        } else {
            At::Order((p & !IN_ORDERS) as usize)
        })
    }

    fn order_at(&self, id: OpId) -> Option<(usize, &OrderRow)> {
        match self.find(id)? {
            At::Order(slot) => Some((slot, self.orders.get(slot))),
            At::Row(_) => None,
        }
    }

    /// The row of `id`, added (empty, unfiled) if there is none. `None` if `id` is an order.
    fn row_or_add(&mut self, id: OpId) -> Option<&mut Row> {
        let at = match self.find(id) {
            Some(At::Row(at)) => at,
            Some(At::Order(_)) => return None,
            None => {
                let at = self.rows.push(Row {
                    id,
                    digest: 0,
                    slot: 0,
                    flags: 0,
                });
                let (rows, orders) = (&self.rows, &self.orders);
                self.index.insert(id, at as u32, |p| key(rows, orders, p));
                at
            }
        };
        Some(self.rows.get_mut(at))
    }

    /// Takes row `at` (of operation `id`) out; the last row moves into its place.
    fn take_row(&mut self, id: OpId, at: usize) {
        let (rows, orders) = (&self.rows, &self.orders);
        self.index.remove(id, |p| key(rows, orders, p));
        let last = self.rows.len() - 1;
        if at != last {
            let moved = *self.rows.get(last);
            *self.rows.get_mut(at) = moved;
            let (rows, orders) = (&self.rows, &self.orders);
            // The index still points `moved` at `last`, where it also still is.
            self.index.repoint(moved.id, at as u32, |p| {
                if p as usize == last {
                    moved.id
                } else {
                    key(rows, orders, p)
                }
            });
        }
        self.rows.pop();
    }

    /// The digest of accepted operation `id`.
    pub fn digest(&self, id: OpId) -> Option<Digest> {
        let (digest, flags) = match self.find(id)? {
            At::Row(at) => (self.rows.get(at).digest, self.rows.get(at).flags),
            At::Order(slot) => (self.orders.get(slot).digest, self.orders.get(slot).flags),
        };
        (flags & FILED != 0).then_some(Digest::of(digest, flags))
    }

    /// How the outcome of accepted operation `id` is kept.
    pub fn kept(&self, id: OpId) -> Option<Kept<'_>> {
        let (flags, slot, tier) = match self.find(id)? {
            At::Row(at) => {
                let row = self.rows.get(at);
                (row.flags, row.slot, None)
            }
            At::Order(slot) => {
                let order = self.orders.get(slot);
                let tier = (order.flags & TIER != 0).then_some((order.tier[0], order.tier[1]));
                (order.flags | ORDER_ENTRY, 0, tier)
            }
        };
        if flags & FILED == 0 {
            return None;
        }
        if flags & WHOLE != 0 {
            return self.whole.get(&id).map(|o| Kept::Whole(o));
        }
        if flags & ENROLLED != 0 {
            return Some(Kept::Enrolled(slot));
        }
        (flags & ORDER_ENTRY != 0).then_some(Kept::Order {
            pending: flags & PENDING != 0,
            tier,
        })
    }

    /// Accepted operations and their digests: other operations, then orders.
    pub fn digests(&self) -> impl Iterator<Item = (OpId, Digest)> + '_ {
        let rows = self
            .rows
            .iter()
            .filter(|r| r.flags & FILED != 0)
            .map(|r| (r.id, Digest::of(r.digest, r.flags)));
        let orders = self
            .orders
            .iter()
            .filter(|o| o.flags & (FILED | GONE) == FILED)
            .map(|o| (o.id, Digest::of(o.digest, o.flags)));
        rows.chain(orders)
    }

    /// The record of order `id`.
    pub fn order(&self, id: OpId) -> Option<OrderRecord> {
        let (slot, _) = self.order_at(id)?;
        Some(self.decode(slot))
    }

    /// As [`Records::order`], borrowing a wide record rather than copying its names (a retry
    /// or a filing reads it only).
    pub fn order_read(&self, id: OpId) -> Option<Cow<'_, OrderRecord>> {
        if let Some(newest) = self.newest.as_ref().filter(|n| n.id == id) {
            return Some(Cow::Borrowed(&newest.record));
        }
        let (slot, row) = self.order_at(id)?;
        if row.scales == WIDE {
            if let Some(record) = self.wide.get(&(slot as u32)) {
                return Some(Cow::Borrowed(record));
            }
        }
        if row.scales & SIDE == 0 {
            return Some(Cow::Owned(row.decode()));
        }
        Some(Cow::Owned(self.decode(slot)))
    }

    /// (For loading a snapshot.)
    #[cfg(feature = "serde")]
    pub fn has_order(&self, id: OpId) -> bool {
        self.order_at(id).is_some()
    }

    fn decode(&self, slot: usize) -> OrderRecord {
        let row = self.orders.get(slot);
        if row.scales == WIDE {
            if let Some(record) = self.wide.get(&(slot as u32)) {
                return record.clone();
            }
        }
        let mut record = row.decode();
        if row.scales & SIDE != 0 {
            let slot = slot as u32;
            if row.scales & ENGAGED != 0 {
                if let Some(engaged) = self.engaged.get(slot) {
                    record.extras = Some(Box::new(engaged.decode(&self.names)));
                }
            }
            if row.scales & DEEPER != 0 {
                if let Some(deeper) = self.deeper.get(slot) {
                    let k = Moved::new(deeper.points());
                    record.commissions.push((deeper.referrer, 2, k));
                }
            }
        }
        record
    }

    /// The orders filed compactly with a level change, whose outcome names levels.
    pub fn with_level_change(&self) -> Vec<OpId> {
        self.orders
            .iter()
            .filter(|o| o.flags & (FILED | TIER | WHOLE | GONE) == FILED | TIER)
            .map(|o| o.id)
            .collect()
    }

    /// Every order record, in filing order.
    pub fn orders(&self) -> impl Iterator<Item = (OpId, OrderRecord)> + '_ {
        (0..self.orders.len())
            .filter(|&slot| self.orders.get(slot).flags & GONE == 0)
            .map(|slot| (self.orders.get(slot).id, self.decode(slot)))
    }

    /// Stores the record of order `id`: a new order gets an entry (filed later), a known
    /// one's record is replaced.
    pub fn put_order(&mut self, id: OpId, record: OrderRecord) {
        let slot = match self.find(id) {
            Some(At::Order(slot)) => slot,
            // An id filed for another operation is never given an order record (the operation
            // would have been a retry or a conflict); nothing to store it under.
            Some(At::Row(_)) => return,
            None => {
                let slot = self.orders.push(OrderRow::new(id));
                let (rows, orders) = (&self.rows, &self.orders);
                self.index
                    .insert(id, slot as u32 | IN_ORDERS, |p| key(rows, orders, p));
                slot
            }
        };
        let fits = self.orders.get_mut(slot).store(&record) && self.put_side_rows(slot, &record);
        if fits {
            // A known order's record may have been wide (a refund taken back); a new one's not.
            if !self.wide.is_empty() {
                self.wide.remove(&(slot as u32));
            }
            self.newest = Some(Newest { id, slot, record });
        } else {
            self.newest = None;
            self.wide.insert(slot as u32, record);
        }
    }

    /// Keeps the part of `r` that its row (slot `slot`, just stored) does not hold, its extras
    /// and its depth-2 commission, in side rows; `false` (the row marked wide) when a part fits
    /// none.
    fn put_side_rows(&mut self, slot: usize, r: &OrderRecord) -> bool {
        let slot32 = slot as u32;
        let mut side = 0;
        if let Some(e) = r.extras.as_deref() {
            let row = EngagedRow::encode(slot32, e, &mut self.names);
            if !row.is_some_and(|row| self.engaged.put(row)) {
                self.orders.get_mut(slot).scales = WIDE;
                return false;
            }
            side |= ENGAGED;
        }
        if let Some(&(referrer, _, k)) = r.commissions.get(1) {
            let row = Deeper::new(slot32, referrer, k.total).filter(|_| plain_zero(k.moved));
            if !row.is_some_and(|row| self.deeper.put(row)) {
                self.orders.get_mut(slot).scales = WIDE;
                return false;
            }
            side |= DEEPER;
        }
        self.orders.get_mut(slot).scales |= side;
        true
    }

    /// Sets the digest and flags of `id`'s entry: its order's, or a row (added if need be).
    fn mark(&mut self, id: OpId, digest: Digest, flags: u8, tier: [u8; 2], member: u32) {
        let (digest, flags) = match digest {
            Digest::Kept(digest) => (digest, flags),
            Digest::OfRecord => (0, flags | DERIVED),
        };
        let newest = self.newest.as_ref().filter(|n| n.id == id);
        if let Some(At::Order(slot)) = newest.map(|n| At::Order(n.slot)).or_else(|| self.find(id)) {
            let order = self.orders.get_mut(slot);
            order.digest = digest;
            order.flags = FILED | flags;
            order.tier = tier;
        } else if let Some(row) = self.row_or_add(id) {
            row.digest = digest;
            row.flags = FILED | flags;
            row.slot = member;
        }
    }

    /// Files accepted operation `id` under `digest`, its outcome kept as `keep`.
    pub fn file(&mut self, id: OpId, digest: Digest, keep: Keep) {
        match keep {
            Keep::Whole(outcome) => {
                self.file_whole(id, digest, outcome);
            }
            Keep::Order { pending, tier } => {
                let flags =
                    if pending { PENDING } else { 0 } | if tier.is_some() { TIER } else { 0 };
                let tier = tier.map_or([0; 2], |(from, to)| [from, to]);
                self.mark(id, digest, flags, tier, 0);
            }
            Keep::Enrolled(member) => self.mark(id, digest, ENROLLED, [0; 2], member),
        }
    }

    /// Files accepted operation `id` under `digest` with its whole outcome, and returns it.
    pub fn file_whole(&mut self, id: OpId, digest: Digest, outcome: Box<Outcome>) -> &Outcome {
        self.mark(id, digest, WHOLE, [0; 2], 0);
        self.whole.entry(id).insert_entry(outcome).into_mut()
    }

    /// Files `id` again as `keep` (a rollback of [`Records::file_whole`] on a compact entry).
    pub fn refile(&mut self, id: OpId, digest: u64, keep: Keep) {
        self.whole.remove(&id);
        self.file(id, Digest::Kept(digest), keep);
    }

    /// Forgets operation `id` and its order record (a provisional operation taken back; the
    /// newest order is the last slot, which is freed).
    pub fn remove(&mut self, id: OpId) {
        self.whole.remove(&id);
        if self.newest.as_ref().is_some_and(|n| n.id == id) {
            self.newest = None;
        }
        match self.find(id) {
            Some(At::Row(at)) => self.take_row(id, at),
            Some(At::Order(slot)) => {
                let (rows, orders) = (&self.rows, &self.orders);
                self.index.remove(id, |p| key(rows, orders, p));
                self.wide.remove(&(slot as u32));
                self.engaged.pop(slot as u32);
                self.deeper.pop(slot as u32);
                if slot + 1 == self.orders.len() {
                    self.orders.pop();
                } else {
                    // Reverts come newest first, so an older slot left unused is rare.
                    self.orders.get_mut(slot).flags = GONE;
                }
            }
            None => {}
        }
    }

    /// Forgets order `id`'s record if it was never filed.
    pub fn remove_order(&mut self, id: OpId) {
        if self.order_at(id).is_some_and(|(_, o)| o.flags & FILED == 0) {
            self.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::OrderExtras;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn record(commissions: &[(u32, u32, &str)]) -> OrderRecord {
        OrderRecord {
            buyer: 3,
            at: -5,
            amount: d("100.00"),
            refunded: Decimal::ZERO,
            points: Moved::new(d("0.00")),
            cash: Moved::new(d("100.00")),
            accrual: Moved::new(d("3.000")),
            commissions: commissions
                .iter()
                .map(|(r, depth, k)| (*r, *depth, Moved::new(d(k))))
                .collect(),
            extras: None,
        }
    }

    fn same(a: &OrderRecord, b: &OrderRecord) -> bool {
        format!("{a:?}") == format!("{b:?}") && a == b
    }

    #[test]
    fn records_come_back_exactly_compact_or_wide() {
        let mut refunded = record(&[(1, 1, "1.00")]);
        refunded.refunded = d("1.00");
        refunded.cash.moved = d("1.00");
        let mut huge = record(&[]);
        huge.amount = Decimal::MAX;
        let cases = [
            (record(&[]), true),
            (record(&[(1, 1, "1.00")]), true),
            (record(&[(1, 2, "1.00")]), false),
            (record(&[(1, 1, "1.00"), (0, 2, "0.5")]), true),
            (record(&[(1, 1, "1.00"), (0, 3, "0.5")]), false),
            (
                record(&[(1, 1, "1.00"), (0, 2, "0.5"), (2, 3, "0.1")]),
                false,
            ),
            (record(&[(1, 1, "1.00"), (0, 2, "-0.5")]), true),
            (refunded, false),
            (huge, false),
        ];
        let mut table = Records::default();
        for (i, (r, fits)) in cases.iter().enumerate() {
            assert_eq!(OrderRow::parts(r).is_some(), *fits, "{r:?}");
            table.put_order(i as u64, r.clone());
        }
        for (i, (r, _)) in cases.iter().enumerate() {
            let back = table.order(i as u64).unwrap_or_else(|| record(&[]));
            assert!(same(&back, r), "{back:?} ≠ {r:?}");
        }
    }

    #[test]
    fn a_removed_newest_order_frees_its_slot_and_rows_keep_their_digest() {
        let mut table = Records::default();
        table.put_order(7, record(&[]));
        assert_eq!(table.digest(7), None, "not filed yet");
        table.file(
            7,
            Digest::Kept(42),
            Keep::Order {
                pending: true,
                tier: Some((0, 2)),
            },
        );
        assert_eq!(table.digest(7), Some(Digest::Kept(42)));
        assert!(matches!(
            table.kept(7),
            Some(Kept::Order {
                pending: true,
                tier: Some((0, 2))
            })
        ));
        assert_eq!(table.with_level_change(), vec![7]);
        table.put_order(8, record(&[(1, 1, "2")]));
        table.remove(8);
        assert_eq!(table.orders.len(), 1);
        assert!(table.order(8).is_none());
        table.file(9, Digest::Kept(5), Keep::Enrolled(4));
        assert!(matches!(table.kept(9), Some(Kept::Enrolled(4))));
        assert!(table.order(9).is_none());
        let mut digests: Vec<_> = table.digests().collect();
        digests.sort_unstable_by_key(|(id, _)| *id);
        assert_eq!(digests, vec![(7, Digest::Kept(42)), (9, Digest::Kept(5))]);
    }

    #[test]
    fn removing_an_older_row_keeps_every_other_row_found() {
        let mut table = Records::default();
        for id in 0..50_u64 {
            table.file(id * 3, Digest::Kept(id), Keep::Enrolled(id as u32));
        }
        table.remove(30);
        table.remove(0);
        assert_eq!(table.digest(30), None);
        for id in (1..50_u64).filter(|&id| id != 10) {
            assert_eq!(
                table.digest(id * 3),
                Some(Digest::Kept(id)),
                "operation {}",
                id * 3
            );
        }
        assert_eq!(table.digests().count(), 48);
    }

    #[test]
    fn orders_and_other_operations_share_one_index() {
        let mut table = Records::default();
        for id in 0..40_u64 {
            if id % 2 == 0 {
                table.put_order(id, record(&[]));
                table.file(
                    id,
                    if id % 4 == 0 {
                        Digest::OfRecord
                    } else {
                        Digest::Kept(id + 100)
                    },
                    Keep::Order {
                        pending: false,
                        tier: None,
                    },
                );
            } else {
                table.file(id, Digest::Kept(id + 100), Keep::Enrolled(id as u32));
            }
        }
        // An older row and an older order taken back out of turn.
        table.remove(5);
        table.remove(10);
        for id in (0..40_u64).filter(|id| ![5, 10].contains(id)) {
            // Every fourth is an order whose digest follows from its record.
            let digest = if id % 4 == 0 {
                Digest::OfRecord
            } else {
                Digest::Kept(id + 100)
            };
            assert_eq!(table.digest(id), Some(digest), "operation {id}");
        }
        assert_eq!(table.digest(10), None);
        assert!(table.order(10).is_none());
        assert_eq!(table.orders().count(), 19);
        assert_eq!(table.digests().count(), 38);
        let derived = table.digests().filter(|(_, d)| *d == Digest::OfRecord);
        assert_eq!(derived.count(), 10, "orders 0, 4, …, 36");
        // Filed again with its digest (a refiling's rollback), the digest is kept again.
        table.refile(
            8,
            7,
            Keep::Order {
                pending: false,
                tier: None,
            },
        );
        assert_eq!(table.digest(8), Some(Digest::Kept(7)));
        assert!(matches!(table.kept(7), Some(Kept::Enrolled(7))));
        assert!(matches!(
            table.kept(8),
            Some(Kept::Order {
                pending: false,
                tier: None
            })
        ));
        // A new order after the gap still gets its own slot.
        table.put_order(99, record(&[]));
        assert_eq!(table.digest(99), None, "not filed yet");
        assert!(table.order(99).is_some());
        table.remove_order(99);
        assert!(table.order(99).is_none());
    }

    fn engaged(bonus: &str) -> OrderRecord {
        let mut r = record(&[(1, 1, "1.00")]);
        r.extras = Some(Box::new(OrderExtras {
            bonuses: [(crate::name::Name::from("Spring"), Moved::new(d(bonus)))]
                .into_iter()
                .collect(),
            rewarded: d("0.0"),
            ..OrderExtras::default()
        }));
        r
    }

    #[test]
    fn engagement_records_come_back_exactly_from_an_engaged_row_or_kept_whole() {
        let mut table = Records::default();
        table.put_order(1, engaged("3.00"));
        table.put_order(2, engaged("4.5"));
        assert_eq!(table.engaged.len(), 2);
        assert!(table.wide.is_empty(), "both fit an engaged row");
        // A refund's record (a refunded amount) is kept whole; its engaged row is not read.
        let mut refunded = engaged("3.00");
        refunded.refunded = d("1.00");
        table.put_order(1, refunded.clone());
        assert_eq!(table.wide.len(), 1);
        // A newer order whose extras do not fit an engaged row is kept whole too.
        let mut two = engaged("1");
        if let Some(e) = two.extras.as_mut() {
            e.bonuses
                .push((crate::name::Name::from("Summer"), Moved::new(d("2"))));
        }
        table.put_order(3, two.clone());
        table.put_order(4, engaged("7"));
        for (id, r) in [
            (1, &refunded),
            (2, &engaged("4.5")),
            (3, &two),
            (4, &engaged("7")),
        ] {
            let back = table.order(id).unwrap_or_else(|| record(&[]));
            assert!(same(&back, r), "{back:?} ≠ {r:?}");
            let read = table.order_read(id).map(Cow::into_owned);
            assert!(read.is_some_and(|read| same(&read, r)));
        }
        // The newest order taken back frees its engaged row; an older one's stays unread.
        table.remove(4);
        assert_eq!(table.engaged.len(), 2);
        table.put_order(5, engaged("8"));
        assert!(table
            .order(5)
            .is_some_and(|back| same(&back, &engaged("8"))));
        assert!(table.order(4).is_none());
        assert!(table
            .order(2)
            .is_some_and(|back| same(&back, &engaged("4.5"))));
    }

    fn figure() -> impl proptest::strategy::Strategy<Value = Decimal> {
        use proptest::prelude::*;
        (any::<i64>(), 0_u32..=28, 0_u8..5).prop_map(|(m, scale, shape)| match shape {
            0 => Decimal::new(m.rem_euclid(100_000), scale.min(8)),
            1 => Decimal::new(m, scale),
            2 => Decimal::from_i128_with_scale(i128::from(m) << 20, scale),
            3 => Decimal::ZERO,
            _ => Decimal::new(m.rem_euclid(1_000), 2),
        })
    }

    proptest::proptest! {
        /// Whatever a record is, the record read right after it was stored (the one kept
        /// beside its row for the filing) is the one its row decodes to, bit for bit, and so
        /// is every earlier one read later.
        #[test]
        fn the_newest_record_is_its_row_decoded(
            figures in proptest::collection::vec((figure(), figure(), figure(), figure(), 1_u32..4, 0_u8..4), 1..12),
        ) {
            let mut table = Records::default();
            let mut put = Vec::new();
            for (i, (amount, cash, accrual, k, depth, shape)) in figures.into_iter().enumerate() {
                let mut r = record(&[]);
                r.amount = amount;
                r.cash = Moved::new(cash);
                r.accrual = Moved::new(accrual);
                let commissions = match shape {
                    0 => vec![],
                    1 => vec![(1, 1, Moved::new(k))],
                    2 => vec![(1, 1, Moved::new(k)), (0, depth, Moved::new(accrual))],
                    _ => vec![(1, depth, Moved::new(k))],
                };
                r.commissions = commissions.into_iter().collect();
                if shape == 3 {
                    r.extras = engaged("2.50").extras;
                }
                let id = i as u64 % 5;
                table.put_order(id, r.clone());
                put.retain(|(j, _)| *j != id);
                put.push((id, r.clone()));
                let read = table.order_read(id).map(Cow::into_owned);
                let decoded = table.order(id);
                proptest::prop_assert!(read.is_some_and(|read| same(&read, &r)));
                proptest::prop_assert!(decoded.is_some_and(|back| same(&back, &r)));
            }
            for (id, r) in &put {
                let read = table.order_read(*id).map(Cow::into_owned);
                proptest::prop_assert!(read.is_some_and(|read| same(&read, r)));
            }
        }
    }

    /// The layout budget of issue 11: what one member and one order cost at rest.
    #[test]
    fn sizes_stay_within_their_budget() {
        use core::mem::size_of;
        assert_eq!(size_of::<Row>(), 24);
        assert_eq!(size_of::<OrderRow>(), 80);
        assert_eq!(size_of::<crate::ledger::Ledger>(), 64);
        assert!(size_of::<crate::state::Member>() <= 136);
    }
}
