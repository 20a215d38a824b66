//! The extras of an engagement order, kept compactly (issue 25).
//!
//! An order in a program with a campaign or a stamp card has extras in its record: its
//! campaign bonuses and stamps (which a refund takes back), its card reward and the
//! achievements it unlocked (which a retry answers with). Kept as an `OrderExtras` beside the
//! order's row, that was a map entry, a box, vectors and names: several hundred bytes per
//! order. The usual case fits an [`EngagedRow`] of 36 bytes instead: at most one campaign
//! bonus, one stamp and one achievement, none taken back, every figure a non-negative
//! decimal whose mantissa fits 32 bits, names kept as 2-byte indices into [`Names`].
//! Anything else is kept whole, as before; either way the record decodes to exactly what was
//! stored, decimal scales included.

use rust_decimal::Decimal;
use smallvec::SmallVec;

use crate::amount::{mantissa_and_scale, plain_zero};
use crate::ids::IdMap;
use crate::name::Name;
use crate::state::{Moved, OrderExtras, StampMark};

/// No name in this place of a row.
const NONE: u16 = u16::MAX;

/// The names engaged rows refer to, each kept once. Never forgotten: a `configure` that
/// renames a campaign leaves the names of earlier orders as they were. Limit: 65 535 names
/// (an order naming one more is kept whole).
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    names: Vec<Name>,
    ids: IdMap<Name, u16>,
}

impl Names {
    /// The index of `name`, added if new; `None` when the table is full.
    fn id(&mut self, name: &Name) -> Option<u16> {
        // A program names a few campaigns and cards, each shared by every order naming it.
        if let Some(at) = self.names.iter().take(8).position(|n| n.same(name)) {
            return u16::try_from(at).ok();
        }
        if let Some(&id) = self.ids.get(name) {
            return Some(id);
        }
        let id = u16::try_from(self.names.len())
            .ok()
            .filter(|&id| id != NONE)?;
        self.names.push(name.clone());
        self.ids.insert(name.clone(), id);
        Some(id)
    }

    fn name(&self, id: u16) -> Name {
        self.names.get(usize::from(id)).cloned().unwrap_or_default()
    }
}

/// An engagement order's extras in the usual case (see the module docs): 36 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EngagedRow {
    /// The order's slot in the order array (rows are kept in slot order).
    slot: u32,
    /// Mantissas of the campaign bonus, the stamp's matching and least amounts, the card
    /// reward and the achievement's points.
    figures: [u32; 5],
    /// Their scales, 5 bits each.
    scales: u32,
    /// The campaign, the card and the achievement (`NONE`: absent).
    names: [u16; 3],
}

/// `d` as a mantissa and scale, when it is non-negative and the mantissa fits 32 bits.
fn compact(d: Decimal) -> Option<(u32, u32)> {
    mantissa_and_scale(d)
}

impl crate::side_rows::SideRow for EngagedRow {
    fn slot(&self) -> u32 {
        self.slot
    }
}

impl EngagedRow {
    /// `e` as a row of order slot `slot`, when it fits one.
    pub fn encode(slot: u32, e: &OrderExtras, names: &mut Names) -> Option<EngagedRow> {
        if e.bonuses.len() > 1 || e.stamps.len() > 1 || e.unlocked.len() > 1 {
            return None;
        }
        let (bonus, stamp, unlocked) = (e.bonuses.first(), e.stamps.first(), e.unlocked.first());
        let zero = (0, 0);
        let mut parts = [zero; 5];
        let mut ids = [NONE; 3];
        if let Some((campaign, b)) = bonus {
            plain_zero(b.moved).then_some(())?;
            parts[0] = compact(b.total)?;
            ids[0] = names.id(campaign)?;
        }
        if let Some(mark) = stamp {
            (!mark.taken).then_some(())?;
            parts[1] = compact(mark.matching)?;
            parts[2] = compact(mark.min_amount)?;
            ids[1] = names.id(&mark.card)?;
        }
        parts[3] = compact(e.rewarded)?;
        if let Some((achievement, points)) = unlocked {
            parts[4] = compact(*points)?;
            ids[2] = names.id(achievement)?;
        }
        let mut row = EngagedRow {
            slot,
            figures: [0; 5],
            scales: 0,
            names: ids,
        };
        for (i, (mantissa, scale)) in parts.into_iter().enumerate() {
            row.figures[i] = mantissa;
            row.scales |= scale << (5 * i);
        }
        Some(row)
    }

    fn figure(&self, i: usize) -> Decimal {
        let scale = (self.scales >> (5 * i)) & 0x1f;
        Decimal::from_i128_with_scale(i128::from(self.figures[i]), scale)
    }

    /// The extras this row was made from.
    pub fn decode(&self, names: &Names) -> OrderExtras {
        let [campaign, card, achievement] = self.names;
        let mut e = OrderExtras {
            bonuses: SmallVec::new(),
            stamps: SmallVec::new(),
            rewarded: self.figure(3),
            unlocked: SmallVec::new(),
        };
        if campaign != NONE {
            e.bonuses
                .push((names.name(campaign), Moved::new(self.figure(0))));
        }
        if card != NONE {
            e.stamps.push(StampMark {
                card: names.name(card),
                matching: self.figure(1),
                min_amount: self.figure(2),
                taken: false,
            });
        }
        if achievement != NONE {
            e.unlocked.push((names.name(achievement), self.figure(4)));
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn extras(bonuses: &[(&str, &str)], stamps: &[(&str, bool)], unlocked: &[&str]) -> OrderExtras {
        OrderExtras {
            bonuses: bonuses
                .iter()
                .map(|(n, b)| (Name::from(*n), Moved::new(d(b))))
                .collect(),
            stamps: stamps
                .iter()
                .map(|(card, taken)| StampMark {
                    card: Name::from(*card),
                    matching: d("120.50"),
                    min_amount: d("10"),
                    taken: *taken,
                })
                .collect(),
            rewarded: d("5.0"),
            unlocked: unlocked
                .iter()
                .map(|n| (Name::from(*n), d("50.00")))
                .collect(),
        }
    }

    #[test]
    fn extras_come_back_exactly_or_do_not_fit() {
        let mut clawed = extras(&[("Spring", "3.00")], &[], &[]);
        clawed.bonuses[0].1.moved = d("1");
        let mut negative = extras(&[], &[("visits", false)], &[]);
        negative.rewarded = d("-1");
        let mut wide = extras(&[("Spring", "3.00")], &[], &[]);
        wide.bonuses[0].1.total = d("42949672.96");
        let cases = [
            (extras(&[], &[], &[]), true),
            (
                extras(&[("Spring", "3.00")], &[("visits", false)], &["First"]),
                true,
            ),
            (extras(&[("Spring", "0.5")], &[], &["Big"]), true),
            (extras(&[("Spring", "1"), ("Summer", "2")], &[], &[]), false),
            (extras(&[], &[("visits", true)], &[]), false),
            (
                extras(&[], &[("visits", false), ("coffee", false)], &[]),
                false,
            ),
            (extras(&[], &[], &["First", "Big"]), false),
            (clawed, false),
            (negative, false),
            (wide, false),
        ];
        let mut names = Names::default();
        for (i, (e, fits)) in cases.iter().enumerate() {
            let row = EngagedRow::encode(i as u32, e, &mut names);
            assert_eq!(row.is_some(), *fits, "{e:?}");
            if let Some(row) = row {
                let back = row.decode(&names);
                assert_eq!(format!("{back:?}"), format!("{e:?}"), "scales included");
                assert_eq!(row.slot, i as u32);
            }
        }
        assert_eq!(core::mem::size_of::<EngagedRow>(), 36);
    }

    #[test]
    fn a_full_name_table_refuses_new_names_only() {
        let mut names = Names::default();
        for i in 0..u32::from(NONE) {
            assert!(names.id(&Name::from(i.to_string())).is_some());
        }
        assert_eq!(names.id(&Name::from("one more")), None);
        assert_eq!(names.id(&Name::from("7")), Some(7));
        assert_eq!(names.name(7), "7");
    }
}
