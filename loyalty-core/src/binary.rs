//! Binary journal records (issue 11): a compact, versioned encoding of operations, for
//! journals that are replayed at restart. JSON records stay the form for audits and the
//! statement tools (they carry the outcome too); a binary record is the operation alone, since
//! the engine is deterministic and replaying the operations rebuilds the outcomes.
//!
//! A record is `[version: u8 = 1][kind: u8][fields]`, every integer little-endian at its
//! width:
//! - `enroll`  (1): id u64, at i64, member u64, referrer opt(u64), birthday opt(str),
//!   purchase opt(decimal), questionnaire u8;
//! - `order`   (2): id, at, member, amount decimal, points decimal, lines u32 then per line
//!   category opt(str) and amount decimal;
//! - `refund`  (3): id, at, order u64, amount decimal;
//! - `transfer`(4): id, at, from u64, to u64, points decimal;
//! - `adjust`  (5): id, at, member u64, points decimal, reason str;
//! - `tick`    (6): at;
//! - `configure` (7): id, at, program as JSON str;
//! - `survey`  (8): id, at, member u64, score i64, segment opt(str);
//! - `redeem`  (9): id, at, member u64, reward str, quantity u64;
//! - `cancel` (10): id, at, redemption u64;
//! - `hold`   (11): id, at, member u64, points decimal;
//! - `release`(12): id, at, hold u64.
//!
//! A kind's **tail** (the optional fields added after its first form: an order's `hold`
//! `opt(u64)` and `offline` `opt(str terminal, i64 recorded_at)`) is written only when one of them is
//! set, each as `opt(x)` after the other fields, and bit 7 of the kind byte says so: a record
//! without it is byte for byte what it always was.
//!
//! The tags and the fields come from the kinds' list (`ops/mod.rs`) and their `walk!` lines:
//! this encoder has no code per kind.
//!
//! `opt(x)` is a byte 0 (absent) or 1 then `x`; `str` is a u32 byte length then UTF-8. A
//! decimal is a byte holding its scale (0–28) with bit 7 for the sign, then its mantissa as
//! `u64` when that byte's bit 6 is clear, or as 12 bytes (96 bits) when set: exact, scale
//! included, 9 bytes for any everyday amount. An order of one line costs 44 bytes.

use rust_decimal::Decimal;

use crate::engine::Engine;
use crate::error::{Error, ErrorKind};
use crate::line::Line;
use crate::offline::Offline;
use crate::ops::kind::{Sink, Source};
use crate::ops::Operation;
use crate::program::Program;

/// The binary record format this engine writes; it reads this version.
pub const BINARY_VERSION: u8 = 1;

const NEGATIVE: u8 = 0x80;
const WIDE: u8 = 0x40;
/// The bit of the kind byte that says the record has a tail (the optional fields a kind gained
/// after its first form, each as `opt(x)`); a record without one is as it always was.
const TAILED: u8 = 0x80;

impl Operation {
    /// Appends this operation's binary journal record to `out` (see the module docs).
    ///
    /// ```
    /// use loyalty_core::{Operation, Order};
    /// use rust_decimal::Decimal;
    ///
    /// let op: Operation = Order::new(9, 60, 7, Decimal::new(1250, 2)).into();
    /// let mut bytes = Vec::new();
    /// op.to_binary(&mut bytes);
    /// assert_eq!(bytes.len(), 48);
    /// assert_eq!(Operation::from_binary(&bytes)?, (op, 48));
    /// # Ok::<(), loyalty_core::Error>(())
    /// ```
    pub fn to_binary(&self, out: &mut Vec<u8>) {
        encode(self, out);
    }

    /// Decodes the binary record at the start of `bytes`: the operation and the number of
    /// bytes it took. A truncated, unknown or malformed record is `InvalidInput`.
    pub fn from_binary(bytes: &[u8]) -> Result<(Operation, usize), Error> {
        decode(bytes)
    }
}

impl Engine {
    /// Applies every binary record in `bytes` (records back to back, as
    /// [`Operation::to_binary`] writes them) and returns how many there were. A record that
    /// does not decode or apply stops the replay with an error naming it; the records before
    /// it stay applied.
    pub fn replay_binary(&mut self, bytes: &[u8]) -> Result<u64, Error> {
        let (mut at, mut n) = (0, 0_u64);
        while at < bytes.len() {
            let (op, used) = decode(&bytes[at..]).map_err(|e| {
                Error::new(e.kind(), format!("binary record {n} at byte {at}: {e}"))
            })?;
            self.apply_ref(&op).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "binary record {n} ({} {:?}) does not apply: {e}",
                        op.kind(),
                        op.id()
                    ),
                )
            })?;
            at += used;
            n += 1;
        }
        Ok(n)
    }
}

/// Appends `op`'s binary record to `out`: version, tag, id (every kind but `tick`), `at`,
/// then the fields as the kind's walk lists them.
fn encode(op: &Operation, out: &mut Vec<u8>) {
    let tag_at = out.len() + 1;
    let mut w = Writer(out, tag_at);
    w.u8(BINARY_VERSION).u8(op.tag());
    if let Some(id) = op.id() {
        w.u64(id);
    }
    w.i64(op.at());
    op.write_fields(&mut w);
}

/// Decodes the record at the start of `bytes`: the operation and the bytes it took. A
/// truncated, unknown or malformed record is `InvalidInput`, naming what is wrong and where.
fn decode(bytes: &[u8]) -> Result<(Operation, usize), Error> {
    let mut r = Reader {
        bytes,
        at: 0,
        tailed: false,
    };
    let version = r.u8()?;
    if version != BINARY_VERSION {
        return Err(r.bad(&format!(
            "binary record version {version} is not {BINARY_VERSION}"
        )));
    }
    let byte = r.u8()?;
    let tag = byte & !TAILED;
    r.tailed = byte & TAILED != 0;
    let Some(has_id) = Operation::tag_has_id(tag) else {
        return Err(r.bad(&format!("unknown operation kind {tag}")));
    };
    let id = if has_id { r.u64()? } else { 0 };
    let at = r.i64()?;
    let op = Operation::read_fields(tag, id, at, &mut r)?
        .ok_or_else(|| r.bad(&format!("unknown operation kind {tag}")))?;
    Ok((op, r.at))
}

/// The output, and where the record's kind byte is (a tail sets its [`TAILED`] bit).
struct Writer<'a>(&'a mut Vec<u8>, usize);

impl Writer<'_> {
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// `opt(x)`: a byte 0 (absent) or 1 then `x`.
    fn opt<T: ?Sized>(&mut self, v: Option<&T>, put: impl FnOnce(&mut Self, &T)) {
        match v {
            None => {
                self.u8(0);
            }
            Some(v) => {
                self.u8(1);
                put(self, v);
            }
        }
    }
}

impl Sink for Writer<'_> {
    fn u64(&mut self, v: &u64) {
        Writer::u64(self, *v);
    }
    fn i64(&mut self, v: &i64) {
        Writer::i64(self, *v);
    }
    fn bool(&mut self, v: &bool) {
        self.u8(u8::from(*v));
    }
    fn decimal(&mut self, d: &Decimal) {
        let sign = if d.is_sign_negative() { NEGATIVE } else { 0 };
        let magnitude = d.mantissa().unsigned_abs();
        let scale = d.scale() as u8;
        if let Ok(small) = u64::try_from(magnitude) {
            self.u8(sign | scale).u64(small);
        } else {
            self.u8(sign | WIDE | scale);
            self.0.extend_from_slice(&magnitude.to_le_bytes()[..12]);
        }
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_u64(&mut self, v: &Option<u64>) {
        self.opt(v.as_ref(), Sink::u64);
    }
    fn opt_str(&mut self, v: &Option<String>) {
        self.opt(v.as_deref(), Sink::str);
    }
    fn opt_decimal(&mut self, v: &Option<Decimal>) {
        self.opt(v.as_ref(), Sink::decimal);
    }
    fn lines(&mut self, v: &[Line]) {
        self.u32(v.len() as u32);
        for line in v {
            self.opt_str(&line.category);
            self.decimal(&line.amount);
        }
    }
    fn program(&mut self, v: &Program) {
        self.str(&v.to_json());
    }
    fn opt_offline(&mut self, v: &Option<Offline>) {
        self.opt(v.as_ref(), |w, o| {
            Sink::str(w, &o.terminal);
            Writer::i64(w, o.recorded_at);
        });
    }
    fn tail(&mut self) {
        self.0[self.1] |= TAILED;
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Whether the record has a tail.
    tailed: bool,
}

impl Reader<'_> {
    fn bad(&self, what: &str) -> Error {
        Error::new(
            ErrorKind::InvalidInput,
            format!("binary record, byte {}: {what}", self.at),
        )
    }
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let part = self
            .bytes
            .get(self.at..self.at + N)
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .ok_or_else(|| self.bad(&format!("needs {N} more bytes, has {}", self.left())))?;
        self.at += N;
        Ok(part)
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn i64(&mut self) -> Result<i64, Error> {
        Ok(i64::from_le_bytes(self.take()?))
    }
    fn string(&mut self) -> Result<String, Error> {
        let n = self.u32()? as usize;
        if n > self.left() {
            return Err(self.bad(&format!("a string of {n} bytes in {}", self.left())));
        }
        let text = core::str::from_utf8(&self.bytes[self.at..self.at + n])
            .map_err(|e| self.bad(&format!("a string that is not UTF-8: {e}")))?
            .to_owned();
        self.at += n;
        Ok(text)
    }
    fn decimal(&mut self) -> Result<Decimal, Error> {
        let head = self.u8()?;
        let scale = u32::from(head & 0x3f);
        // The usual figure: non-negative, 64 bits, at most 28 places: its parts as they are.
        if head & (WIDE | NEGATIVE) == 0 && scale <= 28 {
            let m = self.u64()?;
            let (lo, mid) = (m as u32, (m >> 32) as u32);
            return Ok(Decimal::from_parts(lo, mid, 0, false, scale));
        }
        let magnitude = if head & WIDE == 0 {
            u128::from(self.u64()?)
        } else {
            let mut b = [0_u8; 16];
            b[..12].copy_from_slice(&self.take::<12>()?);
            u128::from_le_bytes(b)
        };
        let mantissa = i128::try_from(magnitude).unwrap_or(i128::MAX);
        let mut d = Decimal::try_from_i128_with_scale(mantissa, scale)
            .map_err(|e| self.bad(&format!("decimal {magnitude}e-{scale}: {e}")))?;
        d.set_sign_negative(head & NEGATIVE != 0);
        Ok(d)
    }
    fn opt<T>(
        &mut self,
        get: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        match self.u8()? {
            0 => Ok(None),
            1 => get(self).map(Some),
            b => Err(self.bad(&format!("option tag {b}"))),
        }
    }
}

impl Source for Reader<'_> {
    fn u64(&mut self, _: &str) -> Result<u64, Error> {
        Reader::u64(self)
    }
    fn i64(&mut self, _: &str) -> Result<i64, Error> {
        Reader::i64(self)
    }
    fn bool(&mut self, name: &str) -> Result<bool, Error> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.bad(&format!("{name} byte {b}"))),
        }
    }
    fn decimal(&mut self, _: &str) -> Result<Decimal, Error> {
        Reader::decimal(self)
    }
    fn str(&mut self, _: &str) -> Result<String, Error> {
        self.string()
    }
    fn opt_u64(&mut self, _: &str) -> Result<Option<u64>, Error> {
        self.opt(Reader::u64)
    }
    fn opt_str(&mut self, _: &str) -> Result<Option<String>, Error> {
        self.opt(Reader::string)
    }
    fn opt_decimal(&mut self, _: &str) -> Result<Option<Decimal>, Error> {
        self.opt(Reader::decimal)
    }
    fn lines(&mut self, _: &str) -> Result<Vec<Line>, Error> {
        let n = self.u32()? as usize;
        // Each line takes at least 2 bytes: a count beyond what is left is damage.
        if n > self.left() / 2 {
            return Err(self.bad(&format!("{n} lines in {} bytes", self.left())));
        }
        (0..n)
            .map(|_| {
                let category = self.opt(Reader::string)?;
                Ok(Line::new(category.as_deref(), Reader::decimal(self)?))
            })
            .collect()
    }
    fn program(&mut self, _: &str) -> Result<Program, Error> {
        Program::from_json(&self.string()?)
    }
    fn opt_offline(&mut self, _: &str) -> Result<Option<Offline>, Error> {
        self.opt(|r| Ok(Offline::new(r.string()?, Reader::i64(r)?)))
    }
    fn tail(&mut self) -> bool {
        self.tailed
    }
}
