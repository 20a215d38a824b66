//! Hash indexes of positions (issue 11): a table of `u32` positions whose keys live in the
//! records they point to (a member's id, an operation's id). A slot costs 5 bytes (the
//! position and a control byte) instead of a key, a value and padding, and a lookup reads the
//! record it needs anyway to compare the key.

use core::hash::Hasher;

use hashbrown::HashTable;

use crate::ids::IdHasher;

/// The hash of an id: the engine's id hasher (see [`IdHasher`]).
fn hash(key: u64) -> u64 {
    let mut h = IdHasher::default();
    h.write_u64(key);
    h.finish()
}

/// Positions by key; `key_of(position)` reads a position's key from the indexed records.
#[derive(Debug, Clone, Default)]
pub(crate) struct Positions(HashTable<u32>);

impl Positions {
    pub fn find(&self, key: u64, key_of: impl Fn(u32) -> u64) -> Option<u32> {
        self.0.find(hash(key), |&p| key_of(p) == key).copied()
    }

    /// Adds `key` at `position`; the key must not be present.
    pub fn insert(&mut self, key: u64, position: u32, key_of: impl Fn(u32) -> u64) {
        self.0
            .insert_unique(hash(key), position, |&p| hash(key_of(p)));
    }

    /// Removes `key`, returning its position.
    pub fn remove(&mut self, key: u64, key_of: impl Fn(u32) -> u64) -> Option<u32> {
        let entry = self.0.find_entry(hash(key), |&p| key_of(p) == key).ok()?;
        Some(entry.remove().0)
    }

    /// Points `key` at `position` instead (its record moved).
    pub fn repoint(&mut self, key: u64, position: u32, key_of: impl Fn(u32) -> u64) {
        if let Some(p) = self.0.find_mut(hash(key), |&p| key_of(p) == key) {
            *p = position;
        }
    }

    /// (For the checks of a loaded snapshot.)
    #[cfg(any(test, feature = "serde"))]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inserts_removes_and_repoints() {
        let mut keys: Vec<u64> = (0..1000).map(|i| i * 7_919).collect();
        let mut index = Positions::default();
        for (p, k) in keys.iter().enumerate() {
            index.insert(*k, p as u32, |p| keys[p as usize]);
        }
        assert_eq!(index.len(), 1000);
        assert_eq!(index.find(7_919 * 500, |p| keys[p as usize]), Some(500));
        assert_eq!(index.find(3, |p| keys[p as usize]), None);
        assert_eq!(index.remove(0, |p| keys[p as usize]), Some(0));
        // Move the last key into the freed position, as a swap-remove does: repoint while
        // the old position still holds it, then drop the old position.
        let last = keys[999];
        keys[0] = last;
        index.repoint(last, 0, |p| keys[p as usize]);
        keys.pop();
        assert_eq!(index.find(last, |p| keys[p as usize]), Some(0));
        assert_eq!(index.len(), 999);
    }
}
