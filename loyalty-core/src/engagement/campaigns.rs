use rust_decimal::Decimal;

use crate::amount::{add, check_scale, compare, mul, positive};
use crate::compiled::ForLevel;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::ids::MemberId;
use crate::line::Line;
use crate::name::Name;
use crate::ops::check_lines;
use crate::ops::Order;
use crate::program::Campaign;

/// Whether a line with `category` falls under `categories` (`None`: every line, including
/// lines without a category).
pub(crate) fn category_matches(categories: Option<&[String]>, category: Option<&str>) -> bool {
    match categories {
        None => true,
        Some(list) => category.is_some_and(|c| list.iter().any(|x| x == c)),
    }
}

/// `(campaign, B)` per campaign that gives an order a bonus: usually none or one, inline.
type Bonuses = smallvec::SmallVec<[(Name, Decimal); 1]>;

/// Whether campaign `c` runs at `at` for a buyer of `level` (SPEC 8.3).
fn runs_for(c: &Campaign, at: i64, level: &str) -> bool {
    c.from <= at && at < c.to && c.is_for(level)
}

/// An order's lines, or its one implicit line with no category (without allocating).
pub(crate) fn lines_of(
    lines: &[Line],
    amount: Decimal,
) -> impl Iterator<Item = (Option<&str>, Decimal)> + Clone {
    let implicit = lines.is_empty().then_some((None, amount));
    lines
        .iter()
        .map(|l| (l.category.as_deref(), l.amount))
        .chain(implicit)
}

impl Engine {
    /// Each running campaign's bonus on an order, cut to what is left of its budget:
    /// `B = round(C × amount(S) × (rate × (multiplier − 1) + bonus_rate) ÷ amount)`.
    pub(crate) fn campaign_bonuses(
        &self,
        o: &Order,
        level: usize,
        amount: Decimal,
        cash: Decimal,
    ) -> Result<Bonuses, Error> {
        let mut out = Bonuses::new();
        if self.program.campaigns.is_empty() || cash.is_zero() {
            return Ok(out);
        }
        let lines = lines_of(&o.lines, amount);
        for (index, c) in self.program.campaigns.iter().enumerate() {
            if !(c.from <= o.at && o.at < c.to) {
                continue;
            }
            let for_level = self.program.campaign_for(index, level);
            if for_level == ForLevel::Excluded {
                continue;
            }
            let matching = lines
                .clone()
                .filter(|(cat, _)| category_matches(c.categories.as_deref(), *cat))
                .fold(Decimal::ZERO, |s, (_, a)| add(s, a));
            if matching.is_zero() {
                continue;
            }
            let factor = match for_level {
                ForLevel::Factor(factor) => factor,
                _ => match self.factor(c, level)? {
                    Some(factor) => factor,
                    None => continue,
                },
            };
            // cash(S) = C × amount(S) ÷ amount: multiplied first, divided only when S is not
            // the whole order (then the quotient is exact before rounding).
            let mut bonus = if compare(matching, amount).is_eq() {
                self.program.round_points(mul(cash, factor)?)
            } else {
                let num = mul(mul(cash, matching)?, factor)?;
                let places = self.program.points_places();
                self.program.rounding.round_ratio(num, amount, places)?
            };
            if let Some(budget) = c.budget {
                let used = self.budgets_used.get(&c.name).copied().unwrap_or_default();
                bonus = bonus.min((budget - used).max(Decimal::ZERO));
            }
            if positive(bonus) {
                out.push((c.name.clone(), bonus));
            }
        }
        Ok(out)
    }

    /// Campaign `c`'s factor for a buyer of level `level` worked out from the program (what
    /// [`Compiled`](crate::compiled::Compiled) keeps when it fits): `None` when the campaign
    /// is not for that level.
    fn factor(&self, c: &Campaign, level: usize) -> Result<Option<Decimal>, Error> {
        let level = &self.program.tiers.levels[level];
        if !c.is_for(&level.name) {
            return Ok(None);
        }
        let Some(less_one) = c.multiplier.checked_sub(Decimal::ONE) else {
            return fail(
                ErrorKind::InvalidAmount,
                format!(
                    "campaign {}'s multiplier {} is out of range",
                    c.name, c.multiplier
                ),
            );
        };
        Ok(Some(add(mul(level.accrual_rate, less_one)?, c.bonus_rate)))
    }

    /// The club price of `lines` for `member` as of the clock (SPEC 8.2): each line less the
    /// largest discount among the member's level and the campaigns matching it.
    ///
    /// ```
    /// # use loyalty_core::{Engine, Program, Enroll, Line};
    /// # use rust_decimal::Decimal;
    /// let program = Program::from_json(r#"{"tiers": {"levels": [
    ///     {"name": "Club", "threshold": "0", "accrual_rate": "0.02", "discount": "0.10"}]}}"#)?;
    /// let mut engine = Engine::new(program)?;
    /// engine.apply(&Enroll::new(1, 0, 1).into())?;
    /// let price = engine.price(1, &[Line::new(Some("furniture"), Decimal::from(40000))])?;
    /// assert_eq!(price, Decimal::from(36000));
    /// # Ok::<(), loyalty_core::Error>(())
    /// ```
    pub fn price(&self, member: MemberId, lines: &[Line]) -> Result<Decimal, Error> {
        let m = self.member_index(member)?;
        if lines.is_empty() {
            return fail(
                ErrorKind::InvalidInput,
                "a price query needs at least one line",
            );
        }
        check_lines(lines, self.program.money_places())?;
        let level = &self.program.tiers.levels[self.level_of(m)];
        let mut total = Decimal::ZERO;
        for line in lines {
            let amount = check_scale(line.amount, self.program.money_places(), "amount")?;
            let discount = self
                .program
                .campaigns
                .iter()
                .filter(|c| runs_for(c, self.clock, &level.name))
                .filter(|c| category_matches(c.categories.as_deref(), line.category.as_deref()))
                .map(|c| c.discount)
                .fold(level.discount, Decimal::max);
            let off = self.program.round_money(mul(amount, discount)?);
            total = add(total, amount - off);
        }
        Ok(total)
    }
}
