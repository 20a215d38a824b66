//! The time index: what falls due when. Releases, birthday gifts and expiries are found here,
//! never by scanning members, so advancing the clock costs what is due and nothing more.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What happens at an instant. The order of the variants is the order of events at one
/// instant (SPEC 8.4, 9.1): releases, gifts, expiries of held pieces, hold time-outs (in the
/// order the holds were made), then expiries of lots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum Due {
    /// Release a member's pending credits.
    Release { member: u32 },
    /// Give the birthday gifts of one day of the year, for the birthday in `year`.
    Gift {
        slot: u32,
        year: i64,
        generation: u32,
    },
    /// Expire the pieces of an open hold that are due (v3).
    HeldExpire { hold: u64 },
    /// Give an open hold back: its time-out; `seq` keeps the order the holds were made in (v3).
    TimeOut { seq: u64, hold: u64 },
    /// Expire a member's lots.
    Expire { member: u32 },
    /// A contribution of a member's leaves the qualifying window: the grace check (v3).
    WindowLeave { member: u32 },
    /// A member's tier grace ends (v3).
    GraceEnd { member: u32 },
}

#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Schedule {
    /// In a snapshot, in time order: the heap's own order depends on its history (a refused
    /// operation's undone advance pops and pushes back), and equal states should read alike.
    #[cfg_attr(feature = "serde", serde(serialize_with = "in_time_order"))]
    heap: BinaryHeap<Reverse<(i64, Due)>>,
}

impl Schedule {
    pub fn push(&mut self, at: i64, due: Due) {
        self.heap.push(Reverse((at, due)));
    }

    /// Takes out one occurrence of each of `events` (a transaction's rollback: the events it
    /// scheduled; a gift left behind would start a second yearly chain). Rare, so a rebuild
    /// of the heap is fine.
    pub fn unpush(&mut self, mut events: Vec<(i64, Due)>) {
        if events.is_empty() {
            return;
        }
        events.sort_unstable();
        let mut heap = core::mem::take(&mut self.heap).into_vec();
        heap.retain(|Reverse(e)| match events.binary_search(e) {
            Ok(i) => {
                events.remove(i);
                false
            }
            Err(_) => true,
        });
        self.heap = heap.into();
    }

    /// Removes and returns the earliest event due at or before `t`.
    pub fn pop_due(&mut self, t: i64) -> Option<(i64, Due)> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= t => self.heap.pop().map(|Reverse(e)| e),
            _ => None,
        }
    }

    /// Every event, in no particular order.
    #[cfg(feature = "serde")]
    pub fn iter(&self) -> impl Iterator<Item = &(i64, Due)> {
        self.heap.iter().map(|Reverse(e)| e)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(feature = "serde")]
fn in_time_order<S: serde::Serializer>(
    heap: &BinaryHeap<Reverse<(i64, Due)>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut events: Vec<&Reverse<(i64, Due)>> = heap.iter().collect();
    events.sort_unstable_by(|a, b| b.cmp(a));
    s.collect_seq(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_then_release_gift_expire() {
        let mut s = Schedule::default();
        s.push(20, Due::Expire { member: 1 });
        s.push(
            20,
            Due::Gift {
                slot: 3,
                year: 2026,
                generation: 0,
            },
        );
        s.push(20, Due::Release { member: 9 });
        s.push(10, Due::Expire { member: 2 });
        assert_eq!(s.pop_due(9), None);
        let order: Vec<_> = std::iter::from_fn(|| s.pop_due(20)).collect();
        assert_eq!(
            order,
            vec![
                (10, Due::Expire { member: 2 }),
                (20, Due::Release { member: 9 }),
                (
                    20,
                    Due::Gift {
                        slot: 3,
                        year: 2026,
                        generation: 0
                    }
                ),
                (20, Due::Expire { member: 1 }),
            ]
        );
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn unpush_takes_out_one_occurrence_of_each() {
        let mut s = Schedule::default();
        s.push(5, Due::Expire { member: 1 });
        s.push(5, Due::Expire { member: 1 });
        s.push(7, Due::Release { member: 2 });
        s.push(9, Due::Release { member: 3 });
        s.unpush(vec![
            (5, Due::Expire { member: 1 }),
            (7, Due::Release { member: 2 }),
        ]);
        let left: Vec<_> = std::iter::from_fn(|| s.pop_due(i64::MAX)).collect();
        assert_eq!(
            left,
            vec![
                (5, Due::Expire { member: 1 }),
                (9, Due::Release { member: 3 })
            ]
        );
    }
}
