use rust_decimal::Decimal;

use crate::amount::{add, compare, positive};
use crate::engine::Engine;
use crate::line::Line;
use crate::name::Name;
use crate::state::Extras;

use super::campaigns::{category_matches, lines_of};

/// `(stamp card index, matching amount)` per card an order stamps: usually none or one, inline.
type Stamped = smallvec::SmallVec<[(usize, Decimal); 1]>;

impl Engine {
    /// The stamp cards an order earns a stamp on, with the amount of its lines that matched
    /// (SPEC 8.5): positive and at least the card's `min_amount`.
    pub(crate) fn stamps_earned(&self, lines: &[Line], amount: Decimal) -> Stamped {
        let mut out = Stamped::new();
        if self.program.stamps.is_empty() {
            return out;
        }
        let lines = lines_of(lines, amount);
        for (i, card) in self.program.stamps.iter().enumerate() {
            let wanted = card.category.as_ref().map(core::slice::from_ref);
            let matching = lines
                .clone()
                .filter(|(cat, _)| category_matches(wanted, *cat))
                .fold(Decimal::ZERO, |s, (_, a)| add(s, a));
            if positive(matching) && compare(matching, card.min_amount).is_ge() {
                out.push((i, matching));
            }
        }
        out
    }

    /// Member `m`'s engagement state, created on first use.
    pub(crate) fn extras(&mut self, m: u32) -> &mut Extras {
        self.member_mut(m).extras_mut()
    }

    /// Member `m`'s count on the card named `card`.
    pub(crate) fn stamp_count(&mut self, m: u32, card: &Name) -> &mut i64 {
        let stamps = &mut self.extras(m).stamps;
        let at = if let Some(at) = stamps.iter().position(|(name, _)| name == card) {
            at
        } else {
            stamps.push((card.clone(), 0));
            stamps.len() - 1
        };
        &mut stamps[at].1
    }
}
