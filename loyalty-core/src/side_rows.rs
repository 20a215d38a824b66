//! Rows kept beside some orders' entries, in slot order (issue 25): the part of a record that
//! only some orders have (an engagement order's extras, a second commission) without widening
//! every order's entry and without keeping the whole record in a map.

use rust_decimal::Decimal;

use crate::chunks::Chunks;

/// A row of one order slot.
pub(crate) trait SideRow: Copy {
    fn slot(&self) -> u32;
}

/// Rows appended in slot order (orders are filed in slot order), found by binary search; the
/// newest is checked first, since it is the one filed or retried right after.
#[derive(Debug, Clone)]
pub(crate) struct SideRows<T> {
    rows: Chunks<T>,
}

impl<T> Default for SideRows<T> {
    fn default() -> Self {
        SideRows {
            rows: Chunks::default(),
        }
    }
}

impl<T: SideRow> SideRows<T> {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Where slot `slot`'s row is, if it has one.
    fn at(&self, slot: u32) -> Option<usize> {
        let last = self.rows.len().checked_sub(1)?;
        match self.rows.get(last).slot().cmp(&slot) {
            core::cmp::Ordering::Equal => return Some(last),
            core::cmp::Ordering::Less => return None,
            core::cmp::Ordering::Greater => {}
        }
        // The first row whose slot is not below `slot`.
        let (mut low, mut high) = (0, last);
        while low < high {
            let mid = low + (high - low) / 2;
            if self.rows.get(mid).slot() < slot {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        (self.rows.get(low).slot() == slot).then_some(low)
    }

    /// Slot `slot`'s row.
    pub fn get(&self, slot: u32) -> Option<&T> {
        self.at(slot).map(|at| self.rows.get(at))
    }

    /// Keeps `row` as its slot's: in place of the slot's row, or appended when the slot is
    /// newer than every slot with a row; `false` (nothing kept) otherwise.
    pub fn put(&mut self, row: T) -> bool {
        let slot = row.slot();
        if let Some(at) = self.at(slot) {
            *self.rows.get_mut(at) = row;
            return true;
        }
        let newer = self
            .rows
            .len()
            .checked_sub(1)
            .is_none_or(|last| self.rows.get(last).slot() < slot);
        if newer {
            self.rows.push(row);
        }
        newer
    }

    /// Forgets slot `slot`'s row if it is the newest (an older slot's stays, unread: its
    /// order's entry no longer points to it).
    pub fn pop(&mut self, slot: u32) {
        if self.at(slot).is_some_and(|at| at + 1 == self.rows.len()) {
            self.rows.pop();
        }
    }
}

/// An order's depth-2 commission, when it has one and its record fits a row otherwise
/// (programs with two referral rates pay one on most orders). 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deeper {
    slot: u32,
    /// The referrer's referrer, who earned it.
    pub referrer: u32,
    mantissa: i64,
    scale: u32,
}

impl SideRow for Deeper {
    fn slot(&self) -> u32 {
        self.slot
    }
}

impl Deeper {
    /// `points` earned by `referrer` on the order in slot `slot`, when non-negative with a
    /// 64-bit mantissa.
    pub fn new(slot: u32, referrer: u32, points: Decimal) -> Option<Deeper> {
        let (mantissa, scale) = crate::amount::mantissa_and_scale(points)?;
        Some(Deeper {
            slot,
            referrer,
            mantissa,
            scale,
        })
    }

    pub fn points(&self) -> Decimal {
        Decimal::from_i128_with_scale(i128::from(self.mantissa), self.scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(slot: u32) -> Deeper {
        Deeper::new(slot, slot * 10, Decimal::new(i64::from(slot), 2)).unwrap_or(Deeper {
            slot,
            referrer: 0,
            mantissa: 0,
            scale: 0,
        })
    }

    #[test]
    fn rows_are_found_by_slot_replaced_in_place_and_appended_only_when_newer() {
        let mut rows = SideRows::default();
        for slot in [1, 4, 5, 9] {
            assert!(rows.put(row(slot)));
        }
        for slot in [1, 4, 5, 9] {
            assert_eq!(
                rows.get(slot).map(Deeper::points),
                Some(Decimal::new(slot.into(), 2))
            );
        }
        assert!(rows.get(0).is_none() && rows.get(6).is_none() && rows.get(10).is_none());
        // An older slot without a row cannot get one; a slot with one is replaced.
        assert!(!rows.put(row(7)));
        let mut five = row(5);
        five.referrer = 99;
        assert!(rows.put(five));
        assert_eq!(rows.get(5).map(|r| r.referrer), Some(99));
        // Only the newest row is taken back.
        rows.pop(4);
        assert_eq!(rows.len(), 4);
        rows.pop(9);
        assert_eq!(rows.len(), 3);
        assert!(rows.put(row(7)));
        assert!(rows.get(7).is_some());
    }

    #[test]
    fn a_negative_or_huge_commission_has_no_row() {
        assert!(Deeper::new(0, 0, Decimal::new(-1, 2)).is_none());
        assert!(Deeper::new(0, 0, Decimal::MAX).is_none());
        assert_eq!(core::mem::size_of::<Deeper>(), 24);
    }
}
