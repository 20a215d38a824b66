//! The digest of an operation's content (issue 11): FNV-1a over a canonical encoding written
//! out field by field, fixed-width little-endian, so that it is the same on every platform
//! (a snapshot moved to a 32-bit or big-endian terminal keeps recognising retries) and does not
//! depend on how `std::hash::Hash` feeds a hasher, which Rust does not promise to keep.
//!
//! The encoding is the byte sequence the digest was first computed from (on a 64-bit
//! little-endian host), so digests saved in snapshots and journals before it stay valid:
//! - integers: little-endian at their width (`u64`, `i64`; lengths as `u64`; `bool` as one byte);
//! - an optional value: its tag as 8 bytes (`0` none, `1` some), then the value;
//! - a string: its UTF-8 bytes, then `0xff`;
//! - a decimal by value: normalized (`"500.00"` is `"500"`), then its 96-bit mantissa as three
//!   `u32` words low first and its flags word (scale and sign), each little-endian.
//!
//! A program (`configure`, rare) goes through its `Hash` implementation into [`Canonical`],
//! which writes every integer fixed-width little-endian as above; fixed vectors in the tests
//! pin the result.

use core::hash::Hasher;

use rust_decimal::Decimal;

/// FNV-1a, 64 bits, with every integer written fixed-width little-endian.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Canonical(u64);

impl Default for Canonical {
    fn default() -> Self {
        Canonical(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Canonical {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.write(&[n]);
    }
    fn write_u16(&mut self, n: u16) {
        self.write(&n.to_le_bytes());
    }
    fn write_u32(&mut self, n: u32) {
        self.write(&n.to_le_bytes());
    }
    fn write_u64(&mut self, n: u64) {
        self.write(&n.to_le_bytes());
    }
    fn write_u128(&mut self, n: u128) {
        self.write(&n.to_le_bytes());
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_i8(&mut self, n: i8) {
        self.write_u8(n as u8);
    }
    fn write_i16(&mut self, n: i16) {
        self.write_u16(n as u16);
    }
    fn write_i32(&mut self, n: i32) {
        self.write_u32(n as u32);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_i128(&mut self, n: i128) {
        self.write_u128(n as u128);
    }
    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as i64 as u64);
    }
}

impl Canonical {
    /// An optional value: its tag as 8 bytes (`0` none, `1` some), then the value.
    pub(crate) fn option<T: ?Sized>(&mut self, v: Option<&T>, some: impl FnOnce(&mut Self, &T)) {
        match v {
            None => self.write_u64(0),
            Some(v) => {
                self.write_u64(1);
                some(self, v);
            }
        }
    }
}

/// `d.normalize()`, with trailing zeros stripped in 64-bit arithmetic when the mantissa
/// allows (the usual amount), at a fraction of the cost.
pub(crate) fn normalized(d: Decimal) -> Decimal {
    match u64::try_from(d.mantissa().unsigned_abs()) {
        Ok(0) => Decimal::ZERO,
        Ok(mut m) => {
            let mut scale = d.scale();
            while scale > 0 && m % 10 == 0 {
                m /= 10;
                scale -= 1;
            }
            Decimal::from_parts(m as u32, (m >> 32) as u32, 0, d.is_sign_negative(), scale)
        }
        Err(_) => d.normalize(),
    }
}
