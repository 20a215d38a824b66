//! The operation table (issue 11): one row per accepted operation id, and the order records a
//! refund or a retry needs.
//!
//! A row is 24 bytes: the operation's id and digest, and where what rebuilds its outcome lives
//! (an order record, a member, or a whole outcome kept aside). Rows sit in a dense chunked
//! array, found through a hash index of 4-byte positions. Order records are appended to a
//! chunked array in filing order (no hash insert, no allocation per order, no doubling spike),
//! 64 bytes each in the usual case: no refund yet, no campaign or stamp, at most one
//! commission, every figure a non-negative decimal whose mantissa fits 64 bits. Any other
//! record is kept whole beside its row (`wide`), so every record decodes to exactly what was
//! stored, decimal scales included.

use rust_decimal::Decimal;
use smallvec::SmallVec;

use crate::engine::{IdMap, Moved, OrderRecord};
use crate::operation::OpId;
use crate::outcome::Outcome;
use crate::positions::Positions;

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
#[derive(Debug)]
pub(crate) enum Keep {
    Whole(Box<Outcome>),
    Order {
        pending: bool,
        tier: Option<(u8, u8)>,
    },
    Enrolled(u32),
}

const ORDER: u8 = 1;
const PENDING: u8 = 2;
const WHOLE: u8 = 4;
const ENROLLED: u8 = 8;
/// Filed (the digest is set): an order's row exists from the moment its record is made.
const FILED: u8 = 16;
/// The order moved its buyer's level from `tier[0]` to `tier[1]`.
const TIER: u8 = 32;

#[derive(Debug, Clone, Copy)]
struct Row {
    id: OpId,
    digest: u64,
    /// The order record's slot (`ORDER`), or the enrolled member's index (`ENROLLED`).
    slot: u32,
    flags: u8,
    /// With `TIER`: the buyer's level indices before and after.
    tier: [u8; 2],
}

/// No referrer in a compact order record.
const NO_REFERRER: u32 = u32::MAX;
/// The record of this slot is kept whole, in `wide`.
const WIDE: u32 = u32::MAX;

/// An order record in 64 bytes (see the module docs).
#[derive(Debug, Clone, Copy)]
struct OrderRow {
    at: i64,
    buyer: u32,
    /// The depth-1 commission's referrer, or `NO_REFERRER`.
    referrer: u32,
    /// Mantissas of amount, points spent, cash, accrual and commission.
    figures: [i64; 5],
    /// Their scales, 5 bits each; `WIDE` when the record is kept whole.
    scales: u32,
}

/// A zero that prints as `0`: the `moved` and `refunded` parts of a record no refund touched.
fn plain_zero(d: Decimal) -> bool {
    d.serialize() == Decimal::ZERO.serialize()
}

/// `d` as a mantissa and scale, when it is non-negative and the mantissa fits 64 bits.
fn compact(d: Decimal) -> Option<(i64, u32)> {
    if d.is_sign_negative() {
        return None;
    }
    Some((i64::try_from(d.mantissa()).ok()?, d.scale()))
}

fn untouched(m: Moved) -> Option<(i64, u32)> {
    plain_zero(m.moved).then_some(())?;
    compact(m.total)
}

impl OrderRow {
    const EMPTY: OrderRow = OrderRow {
        at: 0,
        buyer: 0,
        referrer: NO_REFERRER,
        figures: [0; 5],
        scales: WIDE,
    };

    fn encode(r: &OrderRecord) -> Option<OrderRow> {
        if !plain_zero(r.refunded) || r.extras.is_some() || r.commissions.len() > 1 {
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
        let mut row = OrderRow {
            at: r.at,
            buyer: r.buyer,
            referrer,
            figures: [0; 5],
            scales: 0,
        };
        for (i, (mantissa, scale)) in parts.into_iter().enumerate() {
            row.figures[i] = mantissa;
            row.scales |= scale << (5 * i);
        }
        Some(row)
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

/// Rows per chunk of the order array: appending never moves what is stored, and at most one
/// chunk is partly empty.
const CHUNK: usize = 1 << 12;

/// An append-mostly array in fixed chunks.
#[derive(Debug, Clone)]
struct Chunks<T> {
    chunks: Vec<Vec<T>>,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { chunks: Vec::new() }
    }
}

impl<T> Chunks<T> {
    fn len(&self) -> usize {
        self.chunks
            .last()
            .map_or(0, |c| (self.chunks.len() - 1) * CHUNK + c.len())
    }

    fn push(&mut self, value: T) -> usize {
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let at = self.len();
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(value);
        }
        at
    }

    fn pop(&mut self) {
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.pop();
            if chunk.is_empty() {
                self.chunks.pop();
            }
        }
    }

    fn get(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }

    fn get_mut(&mut self, i: usize) -> &mut T {
        &mut self.chunks[i / CHUNK][i % CHUNK]
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

/// The operation table: every accepted id's digest and outcome, and every order's record.
#[derive(Debug, Clone, Default)]
pub(crate) struct Records {
    /// Row positions by operation id.
    index: Positions,
    rows: Chunks<Row>,
    orders: Chunks<OrderRow>,
    /// Records that do not fit a compact row, by slot.
    wide: IdMap<u32, OrderRecord>,
    /// Outcomes kept whole, by operation id.
    whole: IdMap<OpId, Box<Outcome>>,
}

impl Records {
    fn row(&self, id: OpId) -> Option<&Row> {
        let rows = &self.rows;
        let at = self.index.find(id, |p| rows.get(p as usize).id)?;
        Some(rows.get(at as usize))
    }

    fn row_mut(&mut self, id: OpId) -> Option<&mut Row> {
        let rows = &self.rows;
        let at = self.index.find(id, |p| rows.get(p as usize).id)?;
        Some(self.rows.get_mut(at as usize))
    }

    /// The row of `id`, added (empty, unfiled) if there is none.
    fn row_or_add(&mut self, id: OpId) -> &mut Row {
        let rows = &self.rows;
        let at = if let Some(at) = self.index.find(id, |p| rows.get(p as usize).id) {
            at
        } else {
            let at = self.rows.push(Row {
                id,
                digest: 0,
                slot: 0,
                flags: 0,
                tier: [0; 2],
            }) as u32;
            let rows = &self.rows;
            self.index.insert(id, at, |p| rows.get(p as usize).id);
            at
        };
        self.rows.get_mut(at as usize)
    }

    /// Takes the row of `id` out; the last row moves into its place.
    fn take_row(&mut self, id: OpId) -> Option<Row> {
        let rows = &self.rows;
        let at = self.index.remove(id, |p| rows.get(p as usize).id)? as usize;
        let row = *self.rows.get(at);
        let last = self.rows.len() - 1;
        if at != last {
            let moved = *self.rows.get(last);
            *self.rows.get_mut(at) = moved;
            let rows = &self.rows;
            // The index still points `moved` at `last`, where it also still is.
            self.index.repoint(moved.id, at as u32, |p| {
                if p as usize == last {
                    moved.id
                } else {
                    rows.get(p as usize).id
                }
            });
        }
        self.rows.pop();
        Some(row)
    }

    /// The digest of accepted operation `id`.
    pub fn digest(&self, id: OpId) -> Option<u64> {
        self.row(id)
            .filter(|r| r.flags & FILED != 0)
            .map(|r| r.digest)
    }

    /// How the outcome of accepted operation `id` is kept.
    pub fn kept(&self, id: OpId) -> Option<Kept<'_>> {
        let row = self.row(id).filter(|r| r.flags & FILED != 0)?;
        if row.flags & WHOLE != 0 {
            return self.whole.get(&id).map(|o| Kept::Whole(o));
        }
        if row.flags & ENROLLED != 0 {
            return Some(Kept::Enrolled(row.slot));
        }
        Some(Kept::Order {
            pending: row.flags & PENDING != 0,
            tier: (row.flags & TIER != 0).then_some((row.tier[0], row.tier[1])),
        })
    }

    /// Accepted operations and their digests, in filing order (but for reverted ones).
    pub fn digests(&self) -> impl Iterator<Item = (OpId, u64)> + '_ {
        self.rows
            .iter()
            .filter(|r| r.flags & FILED != 0)
            .map(|r| (r.id, r.digest))
    }

    /// The record of order `id`.
    pub fn order(&self, id: OpId) -> Option<OrderRecord> {
        let row = self.row(id).filter(|r| r.flags & ORDER != 0)?;
        Some(self.decode(row.slot))
    }

    pub fn has_order(&self, id: OpId) -> bool {
        self.row(id).is_some_and(|r| r.flags & ORDER != 0)
    }

    fn decode(&self, slot: u32) -> OrderRecord {
        let row = self.orders.get(slot as usize);
        if row.scales == WIDE {
            if let Some(record) = self.wide.get(&slot) {
                return record.clone();
            }
        }
        row.decode()
    }

    /// The operations filed compactly with a level change, whose outcome names levels.
    pub fn with_level_change(&self) -> Vec<OpId> {
        self.rows
            .iter()
            .filter(|r| r.flags & (FILED | TIER) == FILED | TIER)
            .map(|r| r.id)
            .collect()
    }

    /// Every order record, in filing order (but for reverted ones).
    pub fn orders(&self) -> impl Iterator<Item = (OpId, OrderRecord)> + '_ {
        self.rows
            .iter()
            .filter(|r| r.flags & ORDER != 0)
            .map(|r| (r.id, self.decode(r.slot)))
    }

    /// Stores the record of order `id`: a new order gets a row (filed later), a known one's
    /// record is replaced.
    pub fn put_order(&mut self, id: OpId, record: OrderRecord) {
        let known = self
            .row(id)
            .filter(|r| r.flags & ORDER != 0)
            .map(|r| r.slot);
        let slot = if let Some(slot) = known {
            slot
        } else {
            let slot = self.orders.push(OrderRow::EMPTY) as u32;
            let row = self.row_or_add(id);
            row.slot = slot;
            row.flags |= ORDER;
            slot
        };
        if let Some(row) = OrderRow::encode(&record) {
            *self.orders.get_mut(slot as usize) = row;
            self.wide.remove(&slot);
        } else {
            *self.orders.get_mut(slot as usize) = OrderRow::EMPTY;
            self.wide.insert(slot, record);
        }
    }

    /// Files accepted operation `id` under `digest`, its outcome kept as `keep`.
    pub fn file(&mut self, id: OpId, digest: u64, keep: Keep) {
        let row = self.row_or_add(id);
        row.digest = digest;
        row.flags = (row.flags & ORDER) | FILED;
        match keep {
            Keep::Whole(outcome) => {
                row.flags |= WHOLE;
                self.whole.insert(id, outcome);
            }
            Keep::Order { pending, tier } => {
                if pending {
                    row.flags |= PENDING;
                }
                if let Some((from, to)) = tier {
                    row.flags |= TIER;
                    row.tier = [from, to];
                }
            }
            Keep::Enrolled(member) => {
                row.flags |= ENROLLED;
                row.slot = member;
            }
        }
    }

    /// Files accepted operation `id` under `digest` with its whole outcome, and returns it.
    pub fn file_whole(&mut self, id: OpId, digest: u64, outcome: Box<Outcome>) -> &Outcome {
        let row = self.row_or_add(id);
        row.digest = digest;
        row.flags = (row.flags & ORDER) | FILED | WHOLE;
        self.whole.entry(id).insert_entry(outcome).into_mut()
    }

    /// Forgets operation `id` and its order record (a provisional operation taken back; the
    /// newest record is the last slot, which is freed).
    pub fn remove(&mut self, id: OpId) {
        let Some(row) = self.take_row(id) else {
            return;
        };
        self.whole.remove(&id);
        if row.flags & ORDER != 0 {
            self.wide.remove(&row.slot);
            if row.slot as usize + 1 == self.orders.len() {
                self.orders.pop();
            } else {
                // An older slot stays unused: reverts come newest first, so this is rare.
                *self.orders.get_mut(row.slot as usize) = OrderRow::EMPTY;
            }
        }
    }

    /// Forgets order `id`'s record, keeping its row if it was filed.
    pub fn remove_order(&mut self, id: OpId) {
        let filed = match self.row(id) {
            Some(row) => row.flags & FILED != 0,
            None => return,
        };
        if !filed {
            self.remove(id);
        } else if let Some(row) = self.row_mut(id) {
            row.flags &= !ORDER;
            let slot = row.slot;
            self.wide.remove(&slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (record(&[(1, 1, "1.00"), (0, 2, "0.5")]), false),
            (refunded, false),
            (huge, false),
        ];
        let mut table = Records::default();
        for (i, (r, fits)) in cases.iter().enumerate() {
            assert_eq!(OrderRow::encode(r).is_some(), *fits, "{r:?}");
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
            42,
            Keep::Order {
                pending: true,
                tier: Some((0, 2)),
            },
        );
        assert_eq!(table.digest(7), Some(42));
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
        table.file(9, 5, Keep::Enrolled(4));
        assert!(matches!(table.kept(9), Some(Kept::Enrolled(4))));
        assert!(table.order(9).is_none());
        let mut digests: Vec<_> = table.digests().collect();
        digests.sort_unstable();
        assert_eq!(digests, vec![(7, 42), (9, 5)]);
    }

    #[test]
    fn removing_an_older_row_keeps_every_other_row_found() {
        let mut table = Records::default();
        for id in 0..50_u64 {
            table.file(id * 3, id, Keep::Enrolled(id as u32));
        }
        table.remove(30);
        table.remove(0);
        assert_eq!(table.digest(30), None);
        for id in (1..50_u64).filter(|&id| id != 10) {
            assert_eq!(table.digest(id * 3), Some(id), "operation {}", id * 3);
        }
        assert_eq!(table.digests().count(), 48);
    }

    /// The layout budget of issue 11: what one member and one order cost at rest.
    #[test]
    fn sizes_stay_within_their_budget() {
        use core::mem::size_of;
        assert_eq!(size_of::<Row>(), 24);
        assert_eq!(size_of::<OrderRow>(), 64);
        assert_eq!(size_of::<crate::ledger::Ledger>(), 64);
        assert!(size_of::<crate::engine::Member>() <= 136);
    }

    #[test]
    fn chunks_cross_their_boundary() {
        let mut c = Chunks::default();
        for i in 0..=CHUNK {
            assert_eq!(c.push(i), i);
        }
        assert_eq!(*c.get(CHUNK), CHUNK);
        c.pop();
        assert_eq!((c.len(), c.chunks.len()), (CHUNK, 1));
    }
}
