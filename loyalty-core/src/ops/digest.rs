//! The digest of an operation (idempotency, SPEC 5): [`Canonical`] fed the kind's name and
//! its fields as the kind's walk lists them. The encoding is described in `digest.rs`.

use core::hash::{Hash, Hasher};

use rust_decimal::Decimal;

use super::kind::Sink;
use super::Operation;
use crate::digest::{normalized, Canonical};
use crate::line::Line;
use crate::offline::Offline;
use crate::program::Program;

/// The digest of everything in `op` but its `at` (SPEC 5: a retry may come at another time):
/// its kind's name, then its fields as the kind's walk lists them.
pub(crate) fn of(op: &Operation) -> u64 {
    let mut h = Canonical::default();
    h.str(op.kind());
    op.write_fields(&mut h);
    h.finish()
}

/// The canonical encoding of each field type (see the module docs).
impl Sink for Canonical {
    fn u64(&mut self, v: &u64) {
        self.write_u64(*v);
    }
    fn i64(&mut self, v: &i64) {
        self.write_u64(*v as u64);
    }
    fn bool(&mut self, v: &bool) {
        self.write_u8(u8::from(*v));
    }
    fn decimal(&mut self, v: &Decimal) {
        // `serialize` is flags, lo, mid, hi (each little-endian): written lo, mid, hi, flags.
        let b = normalized(*v).serialize();
        self.write(&b[4..16]);
        self.write(&b[0..4]);
    }
    fn str(&mut self, v: &str) {
        self.write(v.as_bytes());
        self.write_u8(0xff);
    }
    fn opt_u64(&mut self, v: &Option<u64>) {
        self.option(v.as_ref(), Sink::u64);
    }
    fn opt_str(&mut self, v: &Option<String>) {
        self.option(v.as_deref(), Sink::str);
    }
    fn opt_decimal(&mut self, v: &Option<Decimal>) {
        self.option(v.as_ref(), Sink::decimal);
    }
    fn lines(&mut self, v: &[Line]) {
        self.write_u64(v.len() as u64);
        for line in v {
            self.opt_str(&line.category);
            self.decimal(&line.amount);
        }
    }
    fn program(&mut self, v: &Program) {
        v.hash(self);
    }
    fn opt_offline(&mut self, v: &Option<Offline>) {
        self.option(v.as_ref(), |h, o| {
            h.str(&o.terminal);
            h.i64(&o.recorded_at);
        });
    }
    fn tail(&mut self) {
        // A byte no field of a kind's first form ends with: a tailed operation never hashes
        // like one without.
        self.write_u8(0xfe);
    }
}

impl Operation {
    /// A digest of everything but `at` (SPEC 5: a retry may come at another time). Decimals
    /// count by value, so `"500"` and `"500.00"` are the same content. FNV-1a over a canonical
    /// fixed-width little-endian encoding (see `digest.rs`): the same on every platform and
    /// Rust version, so a digest saved in a snapshot or a journal stays valid anywhere.
    ///
    /// ```
    /// use loyalty_core::{Operation, Order};
    /// use rust_decimal::Decimal;
    ///
    /// let a: Operation = Order::new(2, 60, 7, "500".parse()?).into();
    /// let b: Operation = Order::new(2, 99, 7, "500.00".parse()?).into();
    /// assert_eq!(a.digest(), b.digest());
    /// assert_eq!(a.digest(), 0x8d16_c180_16c4_f710); // on every platform
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn digest(&self) -> u64 {
        of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Adjust, Cancel, Configure, Enroll, Hold, Line, Offline, Order, Redeem, Refund, Release,
        Survey, Tick, Transfer,
    };

    /// The digest as it was computed before this module: `std::hash::Hash` into FNV-1a with
    /// native-endian writes. On this (64-bit little-endian) host the canonical digest must give
    /// the same numbers, or every digest already saved would turn retries into conflicts.
    #[derive(Default)]
    struct Former(u64);

    impl Hasher for Former {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for b in bytes {
                self.0 ^= u64::from(*b);
                self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }

    fn former(op: &Operation) -> u64 {
        let mut h = Former(0xcbf2_9ce4_8422_2325);
        op.kind().hash(&mut h);
        match op {
            Operation::Enroll(o) => (
                o.member,
                o.referrer,
                &o.birthday,
                o.purchase,
                o.questionnaire,
            )
                .hash(&mut h),
            Operation::Order(o) => {
                (o.member, o.amount, o.points, &o.lines).hash(&mut h);
                // v3's tail: a marker, then each optional field.
                if o.hold.is_some() || o.offline.is_some() {
                    (0xfe_u8, o.hold, &o.offline).hash(&mut h);
                }
            }
            Operation::Refund(o) => (o.order, o.amount).hash(&mut h),
            Operation::Transfer(o) => (o.from, o.to, o.points).hash(&mut h),
            Operation::Adjust(o) => (o.member, o.points, &o.reason).hash(&mut h),
            Operation::Tick(_) => {}
            Operation::Configure(o) => o.program.hash(&mut h),
            Operation::Survey(o) => (o.member, o.score, &o.segment).hash(&mut h),
            // v3 kinds: the same encoding, had they existed then.
            Operation::Redeem(o) => (o.member, &o.reward, o.quantity).hash(&mut h),
            Operation::Cancel(o) => o.redemption.hash(&mut h),
            Operation::Hold(o) => (o.member, o.points).hash(&mut h),
            Operation::Release(o) => o.hold.hash(&mut h),
        }
        h.finish()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or(Decimal::MAX)
    }

    /// A spread of operations: every kind, optional parts present and absent, decimals of
    /// several scales and signs, empty and non-ASCII strings, extreme integers.
    fn operations() -> Vec<Operation> {
        let mut ops: Vec<Operation> = Vec::new();
        for (i, amount) in ["0.01", "500", "500.00", "123456789012.345678", "7"]
            .iter()
            .enumerate()
        {
            let i = i as u64;
            let mut enroll = Enroll::new(i, 0, u64::MAX - i);
            enroll.referrer = i.is_multiple_of(2).then_some(i * 31);
            enroll.birthday = i.is_multiple_of(3).then(|| "02-29".to_owned());
            enroll.purchase = (i % 2 == 1).then(|| d(amount));
            enroll.questionnaire = i == 4;
            ops.push(enroll.into());
            let mut order = Order::new(i, 5, i, d(amount));
            order.points = d("0.5") * Decimal::from(i);
            if i > 1 {
                order.lines = vec![
                    Line::new(Some("coffee ☕"), d("1.10")),
                    Line::new(None, d(amount)),
                    Line::new(Some(""), d("0")),
                ];
            }
            ops.push(order.into());
            ops.push(Refund::new(i, 9, i + 1, d(amount)).into());
            ops.push(Transfer::new(i, 9, i, i + 1, d(amount)).into());
            let mut adjust = Adjust::new(i, 9, i, -d(amount));
            adjust.reason = ["", "goodwill", "ünïcode"][i as usize % 3].to_owned();
            ops.push(adjust.into());
            let mut survey = Survey::new(i, 9, i, i as i64 * 2 - 3);
            survey.segment = i.is_multiple_of(2).then(|| "north".to_owned());
            ops.push(survey.into());
        }
        ops.push(Tick::new(3).into());
        ops.push(Configure::new(99, 0, crate::program::Program::with_levels(Vec::new())).into());
        ops.push(Redeem::new(100, 9, 7, "Mug ☕").with_quantity(3).into());
        ops.push(Redeem::new(101, 9, u64::MAX, "").into());
        ops.push(Cancel::new(102, 9, 100).into());
        ops.push(Hold::new(103, 9, 7, d("12.50")).into());
        ops.push(Release::new(104, 9, 103).into());
        let order = Order::new(105, 9, 7, d("20")).with_points(d("12.5"));
        ops.push(order.clone().with_hold(103).into());
        ops.push(
            order
                .clone()
                .with_offline(Offline::new("till ☕", -3))
                .into(),
        );
        ops.push(order.with_hold(0).with_offline(Offline::new("", 9)).into());
        ops
    }

    #[test]
    fn the_canonical_digest_is_the_former_digest() {
        for op in operations() {
            assert_eq!(of(&op), former(&op), "{op:?}");
        }
    }

    /// Fixed vectors: these numbers are in snapshots and journals; they must never change.
    #[test]
    fn fixed_vectors() {
        let ops = operations();
        let digests: Vec<u64> = ops.iter().map(of).collect();
        let expected: &[(usize, u64)] = &[
            (0, FIXED[0]),
            (1, FIXED[1]),
            (8, FIXED[2]),
            (13, FIXED[3]),
            (20, FIXED[4]),
            (27, FIXED[5]),
            (30, FIXED[6]),
            (31, FIXED[7]),
        ];
        for &(i, want) in expected {
            assert_eq!(digests[i], want, "operation {i}: {:?}", ops[i]);
        }
    }

    const FIXED: [u64; 8] = [
        0x7de5_aaa4_7634_45a5,
        0xdab6_5827_6aa3_1e4b,
        0xda26_d8ec_1aca_8531,
        0x799c_524d_c819_d4b5,
        0xe21a_8ca5_e6c5_b400,
        0x5505_ad43_58b3_29dd,
        0x7fd8_aa6c_6a3d_5301,
        0xd806_762c_bffb_fa29,
    ];

    #[test]
    fn decimals_count_by_value_and_at_does_not_count() {
        let a: Operation = Order::new(1, 0, 2, d("500")).into();
        let b: Operation = Order::new(1, 77, 2, d("500.000")).into();
        let c: Operation = Order::new(1, 0, 2, d("500.001")).into();
        assert_eq!(of(&a), of(&b));
        assert_ne!(of(&a), of(&c));
    }

    proptest::proptest! {
        #[test]
        fn normalizing_in_integers_is_normalize(m in proptest::prelude::any::<i64>(), scale in 0_u32..=28, neg_zero in proptest::prelude::any::<bool>()) {
            let mut d = Decimal::new(if neg_zero { 0 } else { m % 1_000_000_000 }, scale);
            if neg_zero {
                d.set_sign_negative(true);
            }
            proptest::prop_assert_eq!(normalized(d).serialize(), d.normalize().serialize());
            let wide = Decimal::new(m, scale);
            proptest::prop_assert_eq!(normalized(wide).serialize(), wide.normalize().serialize());
        }
    }

    #[test]
    fn integers_are_written_fixed_width_little_endian() {
        let mut a = Canonical::default();
        a.write_usize(0x0102);
        let mut b = Canonical::default();
        b.write(&[2, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(a.finish(), b.finish());
        let mut c = Canonical::default();
        c.write_isize(-1);
        let mut e = Canonical::default();
        e.write(&[0xff; 8]);
        assert_eq!(c.finish(), e.finish());
    }
}
