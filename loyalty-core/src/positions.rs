//! Hash indexes of positions (issue 11): a table of `u32` positions whose keys live in the
//! records they point to (a member's id, an operation's id); and the member index, which
//! keeps the usual ids in a dense table beside one (issue 25). A slot costs 5 bytes (the
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

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Member positions by member id (issue 25). Shops number their customers (1, 2, 3, …), so
/// ids below a bound that keeps at most about two slots per member are found in a dense table,
/// one read of four bytes instead of a hash probe (one cache miss less at a million members,
/// and fewer bytes); any other id is in the hash index. A lookup that misses the dense table
/// asks the hash index too, so where an id is kept never changes what is found.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemberIndex {
    /// `dense[id]`: the position of member `id`, or `VACANT`.
    dense: Vec<u32>,
    sparse: Positions,
    /// How many positions the dense table holds.
    in_dense: usize,
}

/// No member in this slot of the dense table (positions are below `u32::MAX`: see
/// `MemberRow::new`).
const VACANT: u32 = u32::MAX;

/// The dense table grows to hold id `id` when that keeps it within two slots per member
/// (counting the one being added), with room for the first thousand ids.
fn dense_may_hold(id: u64, members: usize) -> bool {
    id < (2 * (members as u64 + 1)).max(1024)
}

impl MemberIndex {
    pub fn find(&self, id: u64, key_of: impl Fn(u32) -> u64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&p) if p != VACANT => Some(p),
            _ => self.sparse.find(id, key_of),
        }
    }

    /// Adds member `id` at `position`; the id must not be present.
    pub fn insert(&mut self, id: u64, position: u32, key_of: impl Fn(u32) -> u64) {
        let members = self.len();
        if position != VACANT && dense_may_hold(id, members) {
            let i = id as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, VACANT);
            }
            self.dense[i] = position;
            self.in_dense += 1;
        } else {
            self.sparse.insert(id, position, key_of);
        }
    }

    /// Removes member `id`, returning its position.
    pub fn remove(&mut self, id: u64, key_of: impl Fn(u32) -> u64) -> Option<u32> {
        if let Some(slot) = usize::try_from(id).ok().and_then(|i| self.dense.get_mut(i)) {
            if *slot != VACANT {
                self.in_dense -= 1;
                return Some(core::mem::replace(slot, VACANT));
            }
        }
        self.sparse.remove(id, key_of)
    }

    pub fn len(&self) -> usize {
        self.in_dense + self.sparse.len()
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

    /// Whatever ids members have (a shop's 1, 2, 3, …, large or random ones, enrolled in any
    /// order, some taken back), the member index finds each at its position and nothing else,
    /// as the hash index alone does.
    #[test]
    fn the_member_index_finds_what_the_hash_index_finds() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for shape in 0..4 {
            let mut keys: Vec<u64> = Vec::new();
            let mut index = MemberIndex::default();
            let mut alone = Positions::default();
            for step in 0..3_000_u64 {
                let id = match shape {
                    0 => step + 1,
                    1 => 3_000 - step,
                    2 => rnd() % 10_000,
                    _ => {
                        if step % 3 == 0 {
                            rnd()
                        } else {
                            step * 2
                        }
                    }
                };
                if index.find(id, |p| keys[p as usize]).is_some() {
                    continue;
                }
                let p = keys.len() as u32;
                keys.push(id);
                index.insert(id, p, |p| keys[p as usize]);
                alone.insert(id, p, |p| keys[p as usize]);
                // Now and then the newest member is taken back (an enrolment rolled back).
                if rnd() % 7 == 0 {
                    assert_eq!(index.remove(id, |p| keys[p as usize]), Some(p));
                    alone.remove(id, |p| keys[p as usize]);
                    keys.pop();
                }
            }
            assert_eq!(index.len(), keys.len(), "shape {shape}");
            for probe in keys
                .iter()
                .copied()
                .chain((0..5_000).map(|_| rnd() % 20_000))
            {
                let found = index.find(probe, |p| keys[p as usize]);
                assert_eq!(
                    found,
                    alone.find(probe, |p| keys[p as usize]),
                    "shape {shape}: {probe}"
                );
            }
            if shape == 0 {
                assert_eq!(
                    index.sparse.len(),
                    0,
                    "a shop's numbering is all in the dense table"
                );
                assert!(index.dense.len() <= 2 * keys.len() + 1024);
            }
        }
    }
}
