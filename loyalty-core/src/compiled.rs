//! The program in force, compiled once when it is put in force (issue 25): what every order
//! would otherwise work out again from the program's text — the level thresholds as whole
//! numbers, how deep referral commissions go, each campaign's factor for each level.
//!
//! The engine holds its program only inside [`Compiled`], which derefs to the [`Program`] and
//! has no way to change it: a new program is compiled again, so the tables can never describe
//! another program than the one in force.

use rust_decimal::Decimal;

use crate::amount::{add, as_whole, mul};
use crate::program::Program;

/// A program and the tables compiled from it.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    program: Program,
    /// The thresholds of the levels above the first, when every one is a whole number written
    /// without places (`2500`): a level lookup then compares the total's whole part with them.
    whole_thresholds: Option<Box<[u64]>>,
    /// The longest list of referral rates of any level: how far up the chain an order pays.
    deepest: usize,
    /// Per campaign, per level (`campaign × levels + level`): what the campaign does for a
    /// buyer of that level (SPEC 8.3).
    campaign_levels: Box<[ForLevel]>,
}

/// What a campaign does for a buyer of one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForLevel {
    /// The campaign is not for that level.
    Excluded,
    /// It gives `C × amount(S) ÷ amount` times this factor:
    /// `accrual_rate × (multiplier − 1) + bonus_rate`.
    Factor(Decimal),
    /// Not compiled (the factor does not fit a decimal): the order that meets the campaign
    /// works it out from the program, and fails as it always did.
    FromProgram,
}

impl Compiled {
    /// Compiles `program` (already validated).
    pub(crate) fn new(program: Program) -> Compiled {
        let levels = &program.tiers.levels;
        let whole_thresholds = levels
            .iter()
            .skip(1)
            .map(|l| as_whole(l.threshold))
            .collect::<Option<Box<[u64]>>>();
        let deepest = levels
            .iter()
            .map(|l| l.referral_rates.len())
            .max()
            .unwrap_or(0);
        let campaign_levels = program
            .campaigns
            .iter()
            .flat_map(|c| {
                levels.iter().map(move |level| {
                    if !c.is_for(&level.name) {
                        return ForLevel::Excluded;
                    }
                    // A loaded program is not validated again: nothing here may panic.
                    let extra = c
                        .multiplier
                        .checked_sub(Decimal::ONE)
                        .and_then(|less_one| mul(level.accrual_rate, less_one).ok());
                    extra.map_or(ForLevel::FromProgram, |e| {
                        ForLevel::Factor(add(e, c.bonus_rate))
                    })
                })
            })
            .collect();
        Compiled {
            program,
            whole_thresholds,
            deepest,
            campaign_levels,
        }
    }

    /// The program, given back.
    pub(crate) fn into_program(self) -> Program {
        self.program
    }

    /// The level a qualifying total whose whole part is `whole` reaches, when the thresholds
    /// are whole numbers (`None` otherwise: ask [`Program::level_for`]). A whole-number
    /// threshold T is reached when T ≤ floor(total).
    pub(crate) fn level_for_whole(&self, whole: u64) -> Option<usize> {
        let thresholds = self.whole_thresholds.as_deref()?;
        // Thresholds strictly increase: the levels reached are a prefix.
        Some(thresholds.iter().take_while(|t| **t <= whole).count())
    }

    /// How far up the referral chain an order pays commissions.
    pub(crate) fn deepest(&self) -> usize {
        self.deepest
    }

    /// What campaign `campaign` (its index) does for a buyer of level `level`.
    pub(crate) fn campaign_for(&self, campaign: usize, level: usize) -> ForLevel {
        let levels = self.program.tiers.levels.len();
        self.campaign_levels
            .get(campaign * levels + level)
            .copied()
            .unwrap_or(ForLevel::FromProgram)
    }
}

impl core::ops::Deref for Compiled {
    type Target = Program;

    fn deref(&self) -> &Program {
        &self.program
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn program(thresholds: &[u64], campaign_levels: &str) -> Program {
        let levels: Vec<String> = thresholds
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!(
                    r#"{{"name": "L{i}", "threshold": "{t}", "accrual_rate": "0.0{i}",
                        "referral_rates": {}}}"#,
                    if i == 1 { r#"["0.01", "0.005"]"# } else { "[]" }
                )
            })
            .collect();
        Program::from_json(&format!(
            r#"{{"tiers": {{"levels": [{}]}}, "campaigns": [{{"name": "double",
                "from": 0, "to": 10, "multiplier": "2", "bonus_rate": "0.5"{campaign_levels}}}]}}"#,
            levels.join(",")
        ))
        .unwrap()
    }

    #[test]
    fn tables_follow_the_program() {
        let c = Compiled::new(program(&[0, 100, 2500], r#", "levels": ["L2"]"#));
        assert_eq!(c.deepest(), 2);
        // 0.02 × (2 − 1) + 0.5 for L2; the campaign is not for L0 or L1.
        assert_eq!(c.campaign_for(0, 0), ForLevel::Excluded);
        assert_eq!(c.campaign_for(0, 1), ForLevel::Excluded);
        assert_eq!(
            c.campaign_for(0, 2),
            ForLevel::Factor("0.52".parse().unwrap())
        );
        // Out of the table: worked out from the program.
        assert_eq!(c.campaign_for(1, 0), ForLevel::FromProgram);
        let all = Compiled::new(program(&[0, 100], ""));
        assert_eq!(
            all.campaign_for(0, 0),
            ForLevel::Factor("0.5".parse().unwrap())
        );
        // A threshold with places: no whole-number table, the program answers.
        let mut p = program(&[0, 100], "");
        p.tiers.levels[1].threshold = "100.00".parse().unwrap();
        assert_eq!(Compiled::new(p).level_for_whole(100), None);
        assert_eq!(
            Compiled::new(program(&[0, 100], "")).into_program(),
            program(&[0, 100], "")
        );
    }

    proptest! {
        /// The whole-number table finds the level `Program::level_for` finds, for every total.
        #[test]
        fn the_table_finds_the_programs_level(
            steps in proptest::collection::vec(1_u64..1_000_000, 1..6),
            mantissa in 0_i64..i64::MAX,
            scale in 0_u32..=28,
        ) {
            let thresholds: Vec<u64> = core::iter::once(0)
                .chain(steps.iter().scan(0, |t, s| { *t += s; Some(*t) }))
                .collect();
            let c = Compiled::new(program(&thresholds, ""));
            for total in [
                Decimal::new(mantissa, scale),
                Decimal::new(mantissa % 3_000_000, scale.min(8)),
                Decimal::from(*thresholds.last().unwrap_or(&0)),
            ] {
                let whole = crate::amount::whole_part(total).unwrap_or(0);
                prop_assert_eq!(c.level_for_whole(whole), Some(c.level_for(total)), "{}", total);
            }
        }
    }
}
