//! A member as the engine keeps it (issue 25): 72 bytes for the usual member — one lot at
//! most, nothing pending, no debt, figures whose mantissas fit 64 bits — with the rest in one
//! box that only members who need it have.
//!
//! Figures are kept as a 64-bit mantissa and a 5-bit scale, so each reads back bit for bit as
//! the `Decimal` written (`10.00` stays `10.00`): state digests, snapshots and every printed
//! figure are what they were with the whole [`Member`]. A member whose ledger is not the usual
//! one, or a figure that does not fit, is kept whole in the box ("wide") until it fits again:
//! the form of a row follows from its value alone, so equal members have equal rows.
//!
//! Writes take the ledger out as a [`Ledger`] ([`MemberRow::ledger_mut`]), change it there
//! and put it back: the ledger's rules stay in `ledger.rs`, written once for both forms.

use core::hash::{Hash, Hasher};

use rust_decimal::Decimal;

use crate::amount::add;
use crate::ids::MemberId;
use crate::ledger::{Ledger, Lot};
use crate::state::{Extras, Member};

/// `figures`: the scales of spend, earned, the lot and held, 5 bits each from these shifts.
const SPEND: u32 = 0;
const EARNED: u32 = 5;
const LOT_SCALE: u32 = 10;
const HELD: u32 = 15;
const SCALE: u32 = 0x1F;
/// `figures`: the ledger holds one lot, kept inline.
const LOT: u32 = 1 << 20;
/// `figures`: that lot never expires.
const NEVER: u32 = 1 << 21;
/// `figures`: the ledger, spend and earned are kept whole in the box.
const WIDE: u32 = 1 << 22;
/// `figures`: the member has engagement state (an empty one included: it is hashed).
const EXTRAS: u32 = 1 << 23;

/// No referrer.
const NO_REFERRER: u32 = u32::MAX;

/// A member row. Equal, hashed and serialized as its [`Member`] form.
#[derive(Debug, Clone)]
pub(crate) struct MemberRow {
    pub id: MemberId,
    pub enrolled_at: i64,
    spend: i64,
    earned: i64,
    /// The one lot's points (mantissa) and expiry, with `LOT`.
    lot: i64,
    expires: i64,
    referrer: u32,
    /// Counts: a member places or refers fewer than 2^32 (they saturate there).
    pub orders: u32,
    pub referrals: u32,
    figures: u32,
    more: Option<Box<More>>,
}

/// What the usual member does not have.
#[derive(Debug, Clone, Default)]
struct More {
    /// With `EXTRAS`.
    extras: Extras,
    /// With `WIDE`.
    wide: Option<Box<Wide>>,
}

#[derive(Debug, Clone)]
struct Wide {
    ledger: Ledger,
    spend: Decimal,
    earned: Decimal,
}

/// `d` as a 64-bit mantissa and its scale, when that reads back bit for bit (a negative zero
/// would not).
fn pack(d: Decimal) -> Option<(i64, u32)> {
    // Read from the parts: building the 128-bit mantissa costs more than the rest.
    let u = d.unpack();
    let magnitude = (u64::from(u.mid) << 32) | u64::from(u.lo);
    if u.hi != 0 || magnitude > i64::MAX as u64 || (u.negative && magnitude == 0) {
        return None;
    }
    let m = magnitude as i64;
    Some((if u.negative { -m } else { m }, u.scale))
}

fn unpack(m: i64, scale: u32) -> Decimal {
    let magnitude = m.unsigned_abs();
    Decimal::from_parts(magnitude as u32, (magnitude >> 32) as u32, 0, m < 0, scale)
}

/// Held points as the lot's (`lot` = mantissa and scale) written at `scale` places, when
/// that is exactly `held`: a usual ledger's held total is its one lot, or zero.
fn held_fits(lot: Option<(i64, u32)>, held: Decimal) -> bool {
    if held.is_sign_negative() {
        return false;
    }
    let Some((m, s)) = lot else {
        return held.is_zero();
    };
    // The usual case: held is the lot, bit for bit.
    if pack(held) == Some((m, s)) {
        return true;
    }
    let up = held.scale().checked_sub(s);
    let scaled = up.and_then(|up| i128::from(m).checked_mul(10_i128.checked_pow(up)?));
    scaled == Some(held.mantissa())
}

/// `a + b` for two non-negative mantissas with their scales, at the larger scale (the one
/// with fewer places brought up), when that fits 64 bits: what [`add`] forms for them.
fn sum_across(a: (i64, u32), b: (i64, u32)) -> Option<(i64, u32)> {
    let up = |m: i64, by: u32| m.checked_mul(10_i64.checked_pow(by)?);
    if a.1 >= b.1 {
        Some((a.0.checked_add(up(b.0, a.1 - b.1)?)?, a.1))
    } else {
        Some((up(a.0, b.1 - a.1)?.checked_add(b.0)?, b.1))
    }
}

fn held_of(lot: Option<(i64, u32)>, scale: u32) -> Decimal {
    match lot {
        None => Decimal::from_parts(0, 0, 0, false, scale),
        Some((m, s)) if s == scale => unpack(m, s),
        // Checked by `held_fits`: the mantissa fits, and scales up by at most 28 places.
        Some((m, s)) => {
            Decimal::from_i128_with_scale(i128::from(m) * 10_i128.pow(scale - s), scale)
        }
    }
}

impl MemberRow {
    /// A member just enrolled: no points, no spend. Positions are below `u32::MAX` (the
    /// engine holds at most 2^32 − 1 members), which marks "no referrer".
    pub fn new(id: MemberId, referrer: Option<u32>, enrolled_at: i64) -> MemberRow {
        MemberRow {
            id,
            enrolled_at,
            spend: 0,
            earned: 0,
            lot: 0,
            expires: 0,
            referrer: referrer.unwrap_or(NO_REFERRER),
            orders: 0,
            referrals: 0,
            figures: 0,
            more: None,
        }
    }

    pub fn referrer(&self) -> Option<u32> {
        (self.referrer != NO_REFERRER).then_some(self.referrer)
    }

    fn wide(&self) -> Option<&Wide> {
        if self.figures & WIDE == 0 {
            return None;
        }
        self.more.as_ref().and_then(|m| m.wide.as_deref())
    }

    fn scale(&self, shift: u32) -> u32 {
        (self.figures >> shift) & SCALE
    }

    fn set_scale(&mut self, shift: u32, scale: u32) {
        self.figures = (self.figures & !(SCALE << shift)) | (scale << shift);
    }

    /// Lifetime cash spend less refunds.
    pub fn spend(&self) -> Decimal {
        self.wide()
            .map_or_else(|| unpack(self.spend, self.scale(SPEND)), |w| w.spend)
    }

    /// Lifetime points earned by accrual, campaign bonus and commission, less clawbacks.
    pub fn earned(&self) -> Decimal {
        self.wide()
            .map_or_else(|| unpack(self.earned, self.scale(EARNED)), |w| w.earned)
    }

    /// The whole part of spend (or of earned points, `earned`) when it is a non-negative
    /// 64-bit figure, without forming the decimal: what a level lookup compares with
    /// whole-number thresholds.
    pub fn whole_part(&self, earned: bool) -> Option<u64> {
        if self.figures & WIDE != 0 {
            return None;
        }
        let (mantissa, scale) = if earned {
            (self.earned, self.scale(EARNED))
        } else {
            (self.spend, self.scale(SPEND))
        };
        Some(crate::amount::whole_of(
            u64::try_from(mantissa).ok()?,
            scale,
        ))
    }

    fn inline_lot(&self) -> Option<(i64, u32)> {
        (self.figures & LOT != 0).then(|| (self.lot, self.scale(LOT_SCALE)))
    }

    /// Available points (see [`Ledger::available`]).
    pub fn available(&self) -> Decimal {
        match self.wide() {
            Some(w) => w.ledger.available(),
            // `held − 0` as `Decimal` forms it: held whole, or that plain 0 when held is zero.
            None => match self.inline_lot() {
                Some(lot) => held_of(Some(lot), self.scale(HELD)),
                None => Decimal::ZERO,
            },
        }
    }

    /// Pending points (see [`Ledger::pending`]).
    pub fn pending(&self) -> Decimal {
        self.wide().map_or(Decimal::ZERO, |w| w.ledger.pending())
    }

    /// Whether the ledger holds a lot.
    pub fn has_lots(&self) -> bool {
        match self.wide() {
            Some(w) => !w.ledger.lots().is_empty(),
            None => self.figures & LOT != 0,
        }
    }

    /// Whether a lot expires at `t` or before (the first to expire is first in the ledger).
    pub fn expires_by(&self, t: i64) -> bool {
        let first = match self.wide() {
            Some(w) => w.ledger.lots().first().and_then(|l| l.expires_at),
            None => self.inline_lot().and(self.expires_at()),
        };
        first.is_some_and(|e| e <= t)
    }

    fn expires_at(&self) -> Option<i64> {
        (self.figures & NEVER == 0).then_some(self.expires)
    }

    /// Whether some pending credit is released at `t` or before.
    pub fn releases_by(&self, t: i64) -> bool {
        self.wide()
            .is_some_and(|w| w.ledger.pending_credits().iter().any(|p| p.release_at <= t))
    }

    /// The ledger, to read (built for the usual member).
    pub fn ledger(&self) -> Ledger {
        match self.wide() {
            Some(w) => w.ledger.clone(),
            None => self.inline_ledger(),
        }
    }

    fn inline_ledger(&self) -> Ledger {
        let lot = self.inline_lot().map(|(m, s)| Lot {
            points: unpack(m, s),
            expires_at: self.expires_at(),
        });
        Ledger::from_simple(lot, held_of(self.inline_lot(), self.scale(HELD)))
    }

    /// Changes the ledger with `change`.
    pub fn ledger_mut<R>(&mut self, change: impl FnOnce(&mut Ledger) -> R) -> R {
        if let Some(w) = self.wide_mut() {
            let r = change(&mut w.ledger);
            self.narrow();
            return r;
        }
        let mut ledger = self.inline_ledger();
        let r = change(&mut ledger);
        match InlineLedger::of(&ledger) {
            Some(inline) => self.write_ledger(&inline),
            None => self.widen(ledger, self.spend(), self.earned()),
        }
        r
    }

    /// Credits available points, as [`Ledger::credit`] does; returns the debt paid.
    pub fn credit(&mut self, points: Decimal, expires_at: Option<i64>) -> Decimal {
        if self.credit_inline(points, expires_at) {
            return Decimal::ZERO;
        }
        self.ledger_mut(|l| l.credit(points, expires_at))
    }

    /// The usual credit in integers: no debt (an inline ledger has none), and either no lot
    /// or one with the same expiry and held at its places. What [`Ledger::credit`] computes
    /// then, bit for bit: the points as the lot and held (a sum with a zero is the other
    /// operand whole), or both grown to the sum at the larger of the two scales.
    fn credit_inline(&mut self, points: Decimal, expires_at: Option<i64>) -> bool {
        let Some((m, s)) = pack(points).filter(|&(m, _)| m > 0) else {
            return false;
        };
        if self.figures & WIDE != 0 {
            return false;
        }
        let Some((lot, lot_scale)) = self.inline_lot() else {
            self.write_ledger(&InlineLedger {
                lot: Some((m, s, expires_at)),
                held_scale: s,
            });
            return true;
        };
        if self.scale(HELD) != lot_scale || self.expires_at() != expires_at {
            return false;
        }
        if lot_scale == s {
            let Some(sum) = lot.checked_add(m) else {
                return false;
            };
            self.lot = sum;
            return true;
        }
        let Some((sum, scale)) = sum_across((lot, lot_scale), (m, s)) else {
            return false;
        };
        self.lot = sum;
        self.set_scale(LOT_SCALE, scale);
        self.set_scale(HELD, scale);
        true
    }

    /// `spend + x`, as [`add`] forms it.
    pub fn add_spend(&mut self, x: Decimal) {
        match self.add_inline(self.spend, SPEND, x) {
            Some((sum, s)) => {
                self.spend = sum;
                self.set_scale(SPEND, s);
            }
            None => self.set_spend(add(self.spend(), x)),
        }
    }

    /// `earned + x`, as [`add`] forms it.
    pub fn add_earned(&mut self, x: Decimal) {
        match self.add_inline(self.earned, EARNED, x) {
            Some((sum, s)) => {
                self.earned = sum;
                self.set_scale(EARNED, s);
            }
            None => self.set_earned(add(self.earned(), x)),
        }
    }

    /// The sum of an inline figure and `x` in integers (mantissa and scale), as [`add`]
    /// forms it for two non-negative amounts: a zero operand gives the other whole, else the
    /// mantissas add at the larger scale.
    fn add_inline(&self, figure: i64, shift: u32, x: Decimal) -> Option<(i64, u32)> {
        let (m, s) = pack(x)?;
        if self.figures & WIDE != 0 || figure < 0 || m < 0 {
            return None;
        }
        let own = self.scale(shift);
        if s == own {
            return Some((figure.checked_add(m)?, s));
        }
        match (figure, m) {
            (0, _) => Some((m, s)),
            (_, 0) => Some((figure, own)),
            _ => sum_across((figure, own), (m, s)),
        }
    }

    pub fn set_spend(&mut self, spend: Decimal) {
        if let Some(w) = self.wide_mut() {
            w.spend = spend;
            return self.narrow();
        }
        match pack(spend) {
            Some((m, s)) => {
                self.spend = m;
                self.set_scale(SPEND, s);
            }
            None => self.widen(self.inline_ledger(), spend, self.earned()),
        }
    }

    pub fn set_earned(&mut self, earned: Decimal) {
        if let Some(w) = self.wide_mut() {
            w.earned = earned;
            return self.narrow();
        }
        match pack(earned) {
            Some((m, s)) => {
                self.earned = m;
                self.set_scale(EARNED, s);
            }
            None => self.widen(self.inline_ledger(), self.spend(), earned),
        }
    }

    fn wide_mut(&mut self) -> Option<&mut Wide> {
        if self.figures & WIDE == 0 {
            return None;
        }
        self.more.as_mut().and_then(|m| m.wide.as_deref_mut())
    }

    /// Writes the figures inline when they fit, else whole in the box.
    fn put(&mut self, ledger: Ledger, spend: Decimal, earned: Decimal) {
        let fits = InlineLedger::of(&ledger).zip(pack(spend).zip(pack(earned)));
        let Some((inline, (spend, earned))) = fits else {
            return self.widen(ledger, spend, earned);
        };
        if let Some(more) = self.more.as_mut() {
            more.wide = None;
        }
        self.figures &= EXTRAS;
        self.write_ledger(&inline);
        (self.spend, self.earned) = (spend.0, earned.0);
        self.figures |= (spend.1 << SPEND) | (earned.1 << EARNED);
        self.drop_empty_box();
    }

    /// Writes a ledger inline (the row is not wide).
    fn write_ledger(&mut self, inline: &InlineLedger) {
        let ledger_bits = LOT | NEVER | (SCALE << LOT_SCALE) | (SCALE << HELD);
        self.figures = (self.figures & !ledger_bits) | inline.figures();
        (self.lot, self.expires) = inline.lot.map_or((0, 0), |(m, _, e)| (m, e.unwrap_or(0)));
    }

    /// Keeps the ledger and figures whole in the box.
    fn widen(&mut self, ledger: Ledger, spend: Decimal, earned: Decimal) {
        (self.spend, self.earned, self.lot, self.expires) = (0, 0, 0, 0);
        self.figures = (self.figures & EXTRAS) | WIDE;
        let wide = Box::new(Wide {
            ledger,
            spend,
            earned,
        });
        self.more.get_or_insert_with(Box::default).wide = Some(wide);
    }

    /// Moves wide figures back inline once they fit.
    fn narrow(&mut self) {
        let Some(w) = self.wide() else { return };
        let fits = InlineLedger::of(&w.ledger).is_some()
            && pack(w.spend).is_some()
            && pack(w.earned).is_some();
        if !fits {
            return;
        }
        if let Some(w) = self.more.as_mut().and_then(|m| m.wide.take()) {
            self.put(w.ledger, w.spend, w.earned);
        }
    }

    fn drop_empty_box(&mut self) {
        if self.figures & (EXTRAS | WIDE) == 0 {
            self.more = None;
        }
    }

    /// The member's engagement state, if it has one.
    pub fn extras(&self) -> Option<&Extras> {
        if self.figures & EXTRAS == 0 {
            return None;
        }
        self.more.as_deref().map(|m| &m.extras)
    }

    /// The member's engagement state, made present (empty) if absent.
    pub fn extras_mut(&mut self) -> &mut Extras {
        self.figures |= EXTRAS;
        &mut self.more.get_or_insert_with(Box::default).extras
    }

    /// The whole member (snapshots, digests, checks).
    pub fn form(&self) -> Member {
        Member {
            id: self.id,
            referrer: self.referrer(),
            enrolled_at: self.enrolled_at,
            ledger: self.ledger(),
            spend: self.spend(),
            earned: self.earned(),
            orders: self.orders,
            referrals: self.referrals,
            extras: self.extras().map(|e| Box::new(e.clone())),
        }
    }
}

/// The inline form of a usual ledger: its lot (mantissa, scale, expiry) and held's scale.
struct InlineLedger {
    lot: Option<(i64, u32, Option<i64>)>,
    held_scale: u32,
}

impl InlineLedger {
    fn of(ledger: &Ledger) -> Option<InlineLedger> {
        let (lot, held) = ledger.simple()?;
        let lot = match lot {
            Some(l) => Some(pack(l.points).map(|(m, s)| (m, s, l.expires_at))?),
            None => None,
        };
        held_fits(lot.map(|(m, s, _)| (m, s)), held).then_some(())?;
        Some(InlineLedger {
            lot,
            held_scale: held.scale(),
        })
    }

    fn figures(&self) -> u32 {
        let mut f = self.held_scale << HELD;
        if let Some((_, scale, expires)) = self.lot {
            f |= LOT | (scale << LOT_SCALE);
            if expires.is_none() {
                f |= NEVER;
            }
        }
        f
    }
}

impl From<Member> for MemberRow {
    fn from(m: Member) -> MemberRow {
        let mut row = MemberRow::new(m.id, m.referrer, m.enrolled_at);
        row.orders = m.orders;
        row.referrals = m.referrals;
        if let Some(extras) = m.extras {
            *row.extras_mut() = *extras;
        }
        row.put(m.ledger, m.spend, m.earned);
        row
    }
}

impl From<MemberRow> for Member {
    fn from(row: MemberRow) -> Member {
        row.form()
    }
}

/// As the whole member: `0` equals `0.00`, as the figures compare.
impl PartialEq for MemberRow {
    fn eq(&self, other: &MemberRow) -> bool {
        self.form() == other.form()
    }
}

impl Eq for MemberRow {}

/// As the whole member, so that state digests stay what they were.
impl Hash for MemberRow {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.form().hash(h);
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MemberRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.form().serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for MemberRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<MemberRow, D::Error> {
        let member = Member::deserialize(d)?;
        if member.referrer == Some(NO_REFERRER) {
            return Err(serde::de::Error::custom(format!(
                "member {}'s referrer is at position {NO_REFERRER}, past the last one possible",
                member.id
            )));
        }
        Ok(MemberRow::from(member))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Every figure of a member, bit for bit (scale and sign included).
    fn bits(m: &Member) -> String {
        let d = |d: Decimal| format!("{:?}", d.serialize());
        let lots: Vec<String> = m
            .ledger
            .lots()
            .iter()
            .map(|l| format!("{}@{:?}", d(l.points), l.expires_at))
            .collect();
        let pending: Vec<String> = m
            .ledger
            .pending_credits()
            .iter()
            .map(|p| format!("{}@{}#{}", d(p.points), p.release_at, p.order))
            .collect();
        format!(
            "{} {} {} {} {lots:?} {pending:?} {:?}",
            d(m.spend),
            d(m.earned),
            d(m.ledger.available()),
            d(m.ledger.pending()),
            m.extras
        )
    }

    /// The row's own form: what decides equality of representation.
    fn shape(r: &MemberRow) -> (i64, i64, i64, i64, u32, bool) {
        (
            r.spend,
            r.earned,
            r.lot,
            r.expires,
            r.figures,
            r.more.is_some(),
        )
    }

    fn figure() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0_u32..=8, 0_u8..6).prop_map(|(m, scale, shape)| match shape {
            0 => Decimal::new(m.rem_euclid(100_000) + 1, scale),
            1 => Decimal::new(m.rem_euclid(1_000_000_000_000_000) + 1, scale),
            // Within the engine's limit (10^15) at 8 places, a mantissa beyond 64 bits.
            2 => Decimal::from_i128_with_scale(
                i128::from(m.rem_euclid(1_000_000_000_000_000)) * 100_000_000 + 1,
                8,
            ),
            _ => Decimal::new(m.rem_euclid(1_000) + 1, scale),
        })
    }

    #[derive(Debug, Clone)]
    enum Step {
        Credit(Decimal, Option<i64>),
        Take(u8),
        Pending(Decimal, i64),
        Release(i64),
        Expire(i64),
        ClawBack(Decimal),
        Spend(Decimal),
        Earned(Decimal),
        AddSpend(Decimal),
        AddEarned(Decimal),
        Extras,
    }

    fn step() -> impl Strategy<Value = Step> {
        let expiry = prop_oneof![Just(None), (0_i64..4).prop_map(Some)];
        prop_oneof![
            4 => (figure(), expiry).prop_map(|(p, e)| Step::Credit(p, e)),
            2 => any::<u8>().prop_map(Step::Take),
            1 => (figure(), 0_i64..4).prop_map(|(p, t)| Step::Pending(p, t)),
            1 => (0_i64..4).prop_map(Step::Release),
            1 => (0_i64..4).prop_map(Step::Expire),
            1 => figure().prop_map(Step::ClawBack),
            2 => prop_oneof![figure(), figure().prop_map(|f| -f)].prop_map(Step::Spend),
            1 => figure().prop_map(Step::Earned),
            2 => figure().prop_map(Step::AddSpend),
            2 => figure().prop_map(Step::AddEarned),
            1 => Just(Step::Extras),
        ]
    }

    /// Applies `step` to a ledger, spend and earned as the engine would.
    fn apply(step: &Step, ledger: &mut Ledger) {
        match step {
            Step::Credit(p, e) => {
                ledger.credit(*p, *e);
            }
            Step::Take(share) => {
                let held = ledger.available().max(Decimal::ZERO);
                let part = held
                    .checked_mul(Decimal::from(*share))
                    .map_or(Decimal::ZERO, |x| {
                        (x / Decimal::from(255)).trunc_with_scale(2)
                    });
                if part > Decimal::ZERO {
                    ledger.take(part, |_| ());
                }
            }
            Step::Pending(p, t) => ledger.add_pending(*p, *t, 1),
            Step::Release(t) => {
                for p in ledger.take_released(*t) {
                    ledger.credit(p.points, None);
                }
            }
            Step::Expire(t) => {
                ledger.expire(*t);
            }
            Step::ClawBack(p) => {
                ledger.claw_back(*p, 1);
            }
            _ => {}
        }
    }

    proptest! {
        /// A row changed step by step reads back bit for bit as the whole member changed by
        /// the same steps, and has the form a row built from that member has.
        #[test]
        fn a_row_is_its_member_bit_for_bit(steps in proptest::collection::vec(step(), 0..24)) {
            let mut row = MemberRow::new(7, Some(3), 100);
            let mut whole = row.form();
            for s in &steps {
                match s {
                    Step::Spend(d) => {
                        row.set_spend(*d);
                        whole.spend = *d;
                    }
                    Step::Earned(d) => {
                        row.set_earned(*d);
                        whole.earned = *d;
                    }
                    Step::AddSpend(d) => {
                        row.add_spend(*d);
                        whole.spend = crate::amount::add(whole.spend, *d);
                    }
                    Step::AddEarned(d) => {
                        row.add_earned(*d);
                        whole.earned = crate::amount::add(whole.earned, *d);
                    }
                    Step::Credit(p, e) => {
                        let paid = row.credit(*p, *e);
                        prop_assert_eq!(paid.serialize(), whole.ledger.credit(*p, *e).serialize());
                    }
                    Step::Extras => {
                        row.extras_mut().stamps.push((crate::name::Name::from("Card"), 1));
                        whole.extras.get_or_insert_with(Box::default).stamps.push((crate::name::Name::from("Card"), 1));
                    }
                    _ => {
                        row.ledger_mut(|l| apply(s, l));
                        apply(s, &mut whole.ledger);
                    }
                }
                let form = row.form();
                prop_assert_eq!(bits(&form), bits(&whole));
                prop_assert_eq!(&form, &whole);
                prop_assert_eq!(row.available().serialize(), whole.ledger.available().serialize());
                prop_assert_eq!(row.pending().serialize(), whole.ledger.pending().serialize());
                let first = whole.ledger.lots().first().map(|l| l.expires_at);
                prop_assert_eq!(row.has_lots(), first.is_some());
                for t in 0..5 {
                    prop_assert_eq!(row.expires_by(t), first.flatten().is_some_and(|e| e <= t));
                }
                prop_assert_eq!(shape(&MemberRow::from(whole.clone())), shape(&row));
                // The whole part a level lookup reads, for every row that is not wide.
                for (earned, figure) in [(false, whole.spend), (true, whole.earned)] {
                    let expected = crate::amount::whole_part(figure);
                    let read = row.whole_part(earned);
                    prop_assert!(read == expected || (read.is_none() && row.wide().is_some()));
                }
            }
        }
    }

    #[test]
    fn the_usual_member_is_72_bytes_with_no_box() {
        assert_eq!(core::mem::size_of::<MemberRow>(), 72);
        let mut row = MemberRow::new(1, None, 0);
        row.ledger_mut(|l| l.credit(Decimal::new(1234, 2), Some(86_400)));
        row.set_spend(Decimal::new(12_340, 2));
        row.set_earned(Decimal::new(1234, 2));
        assert!(row.more.is_none());
        assert_eq!(row.available().to_string(), "12.34");
        assert!(row.has_lots() && row.expires_by(86_400) && !row.expires_by(86_399));
    }

    /// Held scaled above its lot (a lot at 2 places, held at 4 after a scale change) stays
    /// inline and reads back at 4 places.
    #[test]
    fn held_keeps_its_own_scale() {
        let mut row = MemberRow::new(1, None, 0);
        row.ledger_mut(|l| {
            l.credit(Decimal::new(5_0000, 4), None);
            l.take(Decimal::new(1_0000, 4), |_| ());
            l.credit(Decimal::new(100, 2), None);
        });
        assert!(row.more.is_none(), "one lot, held 5.0000");
        assert_eq!(row.available().to_string(), "5.0000");
        assert_eq!(row.ledger().lots()[0].points.to_string(), "5.0000");
    }

    /// A figure beyond 64 bits moves everything to the box, and back when it fits again.
    #[test]
    fn a_wide_figure_goes_to_the_box_and_comes_back() {
        let mut row = MemberRow::new(1, None, 0);
        row.ledger_mut(|l| l.credit(Decimal::new(7, 0), None));
        let big = Decimal::from_i128_with_scale(1 << 70, 2);
        row.set_spend(big);
        assert!(row.wide().is_some());
        assert_eq!((row.spend(), row.available()), (big, Decimal::new(7, 0)));
        row.set_spend(Decimal::new(1, 0));
        assert!(row.more.is_none(), "everything fits again");
        assert_eq!(
            (row.spend(), row.available()),
            (Decimal::ONE, Decimal::new(7, 0))
        );
        let mut negative_zero = Decimal::new(0, 2);
        negative_zero.set_sign_negative(true);
        row.set_earned(negative_zero);
        assert!(row.wide().is_some(), "a negative zero is kept whole");
        assert!(row.earned().is_sign_negative());
    }
}
