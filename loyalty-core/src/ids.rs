//! Ids: the member and operation ids hosts choose, and as keys: a fast hasher for the integer ids hosts choose, and the map type it makes.

use core::hash::{BuildHasherDefault, Hasher};
use std::collections::HashMap;

/// Member id, chosen by the host.
pub type MemberId = u64;
/// Operation id, chosen by the host; one id space for every kind of operation.
pub type OpId = u64;

/// A fast hasher for integer ids (Fx-style multiply-rotate): ids are chosen by the host, not
/// by an adversary, and `SipHash` would cost more than the rest of an order.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
