//! The program configuration (SPEC sections 2 and 8): its form, its defaults and its validation.

use crate::holds::Holds;
use crate::offline::OfflineLimits;
use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::amount::{Rounding, MAX_AMOUNT, MAX_RATE};
use crate::catalogue::Reward;
use crate::error::{fail, Error, ErrorKind};
use crate::name::Name;

/// A loyalty program: levels, rates and limits. Build one with [`Program::from_json`] (which
/// validates it) or in code followed by [`Program::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Program {
    /// The program's display name.
    #[cfg_attr(feature = "serde", serde(default))]
    pub name: String,
    /// Decimal places of money amounts (0..=8).
    #[cfg_attr(feature = "serde", serde(default = "two"))]
    pub money_scale: i64,
    /// Decimal places of points (0..=8).
    #[cfg_attr(feature = "serde", serde(default = "two"))]
    pub points_scale: i64,
    /// How computed amounts are rounded.
    #[cfg_attr(feature = "serde", serde(default))]
    pub rounding: Rounding,
    /// Money one point is worth when spent.
    #[cfg_attr(
        feature = "serde",
        serde(default = "one", with = "crate::serde_decimal")
    )]
    pub point_value: Decimal,
    /// Days an accrual stays pending before it can be spent.
    #[cfg_attr(feature = "serde", serde(default))]
    pub pending_days: i64,
    /// Days an available point lives (`None`: forever).
    #[cfg_attr(feature = "serde", serde(default))]
    pub expiry_days: Option<i64>,
    /// The levels and how they are reached.
    pub tiers: Tiers,
    /// Limits on paying with points.
    #[cfg_attr(feature = "serde", serde(default))]
    pub redemption: Redemption,
    /// Rules for member-to-member transfers.
    #[cfg_attr(feature = "serde", serde(default))]
    pub transfers: Transfers,
    /// Campaigns by category and date (v2).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub campaigns: Vec<Campaign>,
    /// Birthday gifts (v2).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub birthday: Option<Birthday>,
    /// Stamp cards (v2).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub stamps: Vec<StampCard>,
    /// Achievements (v2).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub achievements: Vec<Achievement>,
    /// Closed-programme entry rules (v2).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub enrollment: Option<Enrollment>,
    /// Survey rewards (v2).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub surveys: Option<Surveys>,
    /// The reward catalogue (v3).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub rewards: Vec<Reward>,
    /// The clock-jump guard (v3, SPEC 9.4): an operation more than this many days after the
    /// clock is refused (`None`: no limit).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub max_step_days: Option<i64>,
    /// Holds at checkout (v3, SPEC 9.1); `None` holds with the default time-out.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub holds: Option<Holds>,
    /// The limits offline terminals apply (v3, SPEC 9.7).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub offline: Option<OfflineLimits>,
}

/// Field by field as `derive(Hash)` did, with each section added since v3 written only when
/// set: a program without them hashes as it did before, so the state digests and the
/// `configure` digests saved in snapshots and journals stay valid.
impl core::hash::Hash for Program {
    fn hash<H: core::hash::Hasher>(&self, h: &mut H) {
        let Program {
            name,
            money_scale,
            points_scale,
            rounding,
            point_value,
            pending_days,
            expiry_days,
            tiers,
            redemption,
            transfers,
            campaigns,
            birthday,
            stamps,
            achievements,
            enrollment,
            surveys,
            rewards,
            max_step_days,
            holds,
            offline,
        } = self;
        (name, money_scale, points_scale, rounding, point_value).hash(h);
        (pending_days, expiry_days, tiers, redemption, transfers).hash(h);
        (
            campaigns,
            birthday,
            stamps,
            achievements,
            enrollment,
            surveys,
        )
            .hash(h);
        if !rewards.is_empty() {
            rewards.hash(h);
        }
        if let Some(days) = max_step_days {
            days.hash(h);
        }
        // Named, so that no two sections of one shape hash alike.
        if let Some(holds) = holds {
            ("holds", holds).hash(h);
        }
        if let Some(offline) = offline {
            ("offline", offline).hash(h);
        }
    }
}

/// What the qualifying total of a member counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Basis {
    /// Cash spend, less refunds.
    #[default]
    Spend,
    /// Points earned by accrual and commission, less clawbacks.
    Points,
}

/// The levels of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Tiers {
    /// What qualifies a member for a level.
    #[cfg_attr(feature = "serde", serde(default))]
    pub basis: Basis,
    /// Only contributions of the last `window_days` count (`None`: the whole history).
    #[cfg_attr(feature = "serde", serde(default))]
    pub window_days: Option<i64>,
    /// Days a member keeps a level after falling below it (v3, SPEC 9.3; only with
    /// `window_days`). `None`: a fall is immediate.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub grace_days: Option<i64>,
    /// The levels, lowest first.
    pub levels: Vec<Level>,
}

/// As `derive(Hash)` did, with `grace_days` (v3) written only when set, after the rest.
impl core::hash::Hash for Tiers {
    fn hash<H: core::hash::Hasher>(&self, h: &mut H) {
        (self.basis, self.window_days, &self.levels).hash(h);
        if let Some(days) = self.grace_days {
            ("grace_days", days).hash(h);
        }
    }
}

/// One level (status).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Level {
    /// Unique, non-empty name.
    pub name: String,
    /// The qualifying total from which this level applies.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub threshold: Decimal,
    /// Points per unit of cash spent.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub accrual_rate: Decimal,
    /// Commission rates by depth: `[direct referrer, their referrer, …]`.
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal::vec"))]
    pub referral_rates: Vec<Decimal>,
    /// Club price discount in [0, 1) (v2).
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub discount: Decimal,
}

/// Limits on paying with points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Redemption {
    /// The largest share of an order's amount points may pay, in [0, 1].
    #[cfg_attr(
        feature = "serde",
        serde(default = "one", with = "crate::serde_decimal")
    )]
    pub max_share: Decimal,
    /// The fewest points that may be spent on one order (when any are).
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub min_points: Decimal,
}

impl Default for Redemption {
    fn default() -> Self {
        Redemption {
            max_share: Decimal::ONE,
            min_points: Decimal::ZERO,
        }
    }
}

/// Rules for transfers between members.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Transfers {
    /// Whether transfers are allowed at all.
    #[cfg_attr(feature = "serde", serde(default = "yes"))]
    pub enabled: bool,
    /// The fewest points one transfer may send.
    #[cfg_attr(
        feature = "serde",
        serde(default = "one", with = "crate::serde_decimal")
    )]
    pub min_points: Decimal,
    /// The most points one transfer may send.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::serde_decimal::option")
    )]
    pub max_points: Option<Decimal>,
    /// The most points a member may send in one UTC day.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::serde_decimal::option")
    )]
    pub daily_limit: Option<Decimal>,
    /// The sender pays `points × fee_rate` on top, in [0, 1].
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub fee_rate: Decimal,
    /// The lowest level allowed to send.
    #[cfg_attr(feature = "serde", serde(default))]
    pub min_tier: Option<String>,
}

impl Default for Transfers {
    fn default() -> Self {
        Transfers {
            enabled: true,
            min_points: Decimal::ONE,
            max_points: None,
            daily_limit: None,
            fee_rate: Decimal::ZERO,
            min_tier: None,
        }
    }
}

/// A campaign: a discount and/or bonus points on matching order lines for a time (v2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Campaign {
    /// Unique name; the budget's use is kept under it across `configure`.
    pub name: Name,
    /// First second of the campaign.
    pub from: i64,
    /// First second after the campaign.
    pub to: i64,
    /// Categories of lines it applies to (`None`: every line).
    #[cfg_attr(feature = "serde", serde(default))]
    pub categories: Option<Vec<String>>,
    /// Levels of buyers it applies to (`None`: all).
    #[cfg_attr(feature = "serde", serde(default))]
    pub levels: Option<Vec<String>>,
    /// Price discount in [0, 1).
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub discount: Decimal,
    /// Accrual multiplier (≥ 1).
    #[cfg_attr(
        feature = "serde",
        serde(default = "one", with = "crate::serde_decimal")
    )]
    pub multiplier: Decimal,
    /// Extra points per unit of matching cash (≥ 0).
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub bonus_rate: Decimal,
    /// The most bonus points the campaign may give (`None`: unlimited).
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::serde_decimal::option")
    )]
    pub budget: Option<Decimal>,
}

impl Campaign {
    /// Whether the campaign is for buyers of level `level` (SPEC 8.3).
    pub(crate) fn is_for(&self, level: &str) -> bool {
        self.levels
            .as_ref()
            .is_none_or(|ls| ls.iter().any(|l| l == level))
    }
}

/// Birthday gifts (v2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Birthday {
    /// The gift.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
    /// How many days before the birthday it is given (0..=365).
    #[cfg_attr(feature = "serde", serde(default))]
    pub days_before: i64,
}

/// A stamp card (v2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct StampCard {
    /// Unique name.
    pub name: Name,
    /// The category whose lines earn stamps (`None`: all lines).
    #[cfg_attr(feature = "serde", serde(default))]
    pub category: Option<String>,
    /// The least matching amount that earns a stamp.
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub min_amount: Decimal,
    /// Stamps that fill a card.
    pub card_size: i64,
    /// Points for a full card.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub reward_points: Decimal,
}

/// An achievement: exactly one of `orders`, `referrals`, `spend` (v2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Achievement {
    /// Unique name.
    pub name: Name,
    /// Unlocks at this many accepted orders.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub orders: Option<i64>,
    /// Unlocks at this many direct referrals.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub referrals: Option<i64>,
    /// Unlocks at this lifetime cash spend (less refunds).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::serde_decimal::option"
        )
    )]
    pub spend: Option<Decimal>,
    /// Points credited on unlocking.
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub points: Decimal,
}

/// The condition of an achievement, once validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Condition {
    Orders(u64),
    Referrals(u64),
    Spend(Decimal),
}

impl Achievement {
    /// The single condition (validation guarantees there is exactly one).
    pub(crate) fn condition(&self) -> Condition {
        match (self.orders, self.referrals, self.spend) {
            (Some(n), _, _) => Condition::Orders(n.max(0) as u64),
            (_, Some(n), _) => Condition::Referrals(n.max(0) as u64),
            (_, _, Some(s)) => Condition::Spend(s),
            (None, None, None) => Condition::Orders(u64::MAX),
        }
    }
}

/// Closed-programme entry (v2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Enrollment {
    /// The first purchase that admits a member.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::serde_decimal::option")
    )]
    pub min_purchase: Option<Decimal>,
    /// Whether a filled questionnaire admits a member instead.
    #[cfg_attr(feature = "serde", serde(default))]
    pub questionnaire: bool,
}

/// Survey rewards (v2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Surveys {
    /// Points for an answer.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::serde_decimal::option")
    )]
    pub points: Option<Decimal>,
    /// Days after a rewarded answer during which answers earn nothing.
    #[cfg_attr(feature = "serde", serde(default))]
    pub cooldown_days: i64,
}

#[cfg(feature = "serde")]
fn two() -> i64 {
    2
}
#[cfg(feature = "serde")]
fn one() -> Decimal {
    Decimal::ONE
}
#[cfg(feature = "serde")]
fn yes() -> bool {
    true
}

impl Program {
    /// A program with these levels and every other field at its default.
    pub fn with_levels(levels: Vec<Level>) -> Program {
        Program {
            name: String::new(),
            money_scale: 2,
            points_scale: 2,
            rounding: Rounding::Down,
            point_value: Decimal::ONE,
            pending_days: 0,
            expiry_days: None,
            tiers: Tiers {
                basis: Basis::Spend,
                window_days: None,
                grace_days: None,
                levels,
            },
            redemption: Redemption::default(),
            transfers: Transfers::default(),
            campaigns: Vec::new(),
            birthday: None,
            stamps: Vec::new(),
            achievements: Vec::new(),
            enrollment: None,
            surveys: None,
            rewards: Vec::new(),
            max_step_days: None,
            holds: None,
            offline: None,
        }
    }

    /// Parses and validates a JSON program. Every failure is `InvalidConfig` naming the field.
    ///
    /// ```
    /// let program = loyalty_core::Program::from_json(r#"{"tiers": {"levels": [
    ///     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}}"#)?;
    /// assert_eq!(program.points_scale, 2);
    /// # Ok::<(), loyalty_core::Error>(())
    /// ```
    #[cfg(feature = "serde")]
    pub fn from_json(text: &str) -> Result<Program, Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let program: Program = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            // The path names the field; serde's " at line L column C" would differ between
            // two texts of the same program (a configure's program is parsed from the
            // operation's re-serialized value), so every binding says the same words.
            let inner = e.into_inner().to_string();
            let message = inner
                .rfind(" at line ")
                .map_or(inner.as_str(), |i| &inner[..i]);
            Error::new(ErrorKind::InvalidConfig, format!("{path}: {message}"))
        })?;
        de.end()
            .map_err(|e| Error::new(ErrorKind::InvalidConfig, e.to_string()))?;
        program.validate()?;
        Ok(program)
    }

    /// The program as JSON (decimals as strings).
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks every rule of SPEC sections 2 and 8.9.
    pub fn validate(&self) -> Result<(), Error> {
        scale_in_range(self.money_scale, "money_scale")?;
        scale_in_range(self.points_scale, "points_scale")?;
        if self.point_value <= Decimal::ZERO || self.point_value > MAX_AMOUNT {
            return invalid("point_value", &self.point_value, "must be > 0");
        }
        if self.pending_days < 0 || self.pending_days > MAX_DAYS {
            return invalid("pending_days", &self.pending_days, "must be in 0..=36500");
        }
        days_or_null(self.expiry_days, "expiry_days")?;
        if let Some(days) = self.max_step_days.filter(|d| *d < 1) {
            return invalid("max_step_days", &days, "must be null or an integer ≥ 1");
        }
        days_or_null(self.tiers.window_days, "tiers.window_days")?;
        match (self.tiers.grace_days, self.tiers.window_days) {
            (Some(days), _) if days < 1 => {
                return invalid("tiers.grace_days", &days, "must be null or an integer ≥ 1");
            }
            (Some(days), None) => {
                return invalid("tiers.grace_days", &days, "needs tiers.window_days");
            }
            _ => {}
        }
        self.validate_levels()?;
        share("redemption.max_share", self.redemption.max_share, true)?;
        non_negative_amount("redemption.min_points", self.redemption.min_points)?;
        self.validate_transfers()?;
        self.validate_engagement()?;
        if let Some(holds) = &self.holds {
            holds.validate()?;
        }
        if let Some(offline) = &self.offline {
            offline.validate(self.points_places())?;
        }
        crate::catalogue::validate(&self.rewards, self.points_places(), |name| {
            self.level_index(name).is_some()
        })
    }

    fn validate_levels(&self) -> Result<(), Error> {
        let levels = &self.tiers.levels;
        if levels.is_empty() {
            return invalid("tiers.levels", &"[]", "must hold at least one level");
        }
        let mut names = HashSet::new();
        for (i, level) in levels.iter().enumerate() {
            let at = |field: &str| format!("tiers.levels[{i}].{field}");
            if level.name.is_empty() {
                return invalid(&at("name"), &"\"\"", "must not be empty");
            }
            if !names.insert(level.name.as_str()) {
                return invalid(&at("name"), &level.name, "is not unique");
            }
            if i == 0 && !level.threshold.is_zero() {
                return invalid(
                    &at("threshold"),
                    &level.threshold,
                    "the first level's threshold must be 0",
                );
            }
            if i > 0 && level.threshold <= levels[i - 1].threshold {
                return invalid(
                    &at("threshold"),
                    &level.threshold,
                    "thresholds must strictly increase",
                );
            }
            non_negative_amount(&at("threshold"), level.threshold)?;
            rate(&at("accrual_rate"), level.accrual_rate)?;
            for (k, r) in level.referral_rates.iter().enumerate() {
                rate(&at(&format!("referral_rates[{k}]")), *r)?;
            }
            share(&at("discount"), level.discount, false)?;
        }
        Ok(())
    }

    fn validate_transfers(&self) -> Result<(), Error> {
        let t = &self.transfers;
        non_negative_amount("transfers.min_points", t.min_points)?;
        positive_or_null("transfers.max_points", t.max_points)?;
        positive_or_null("transfers.daily_limit", t.daily_limit)?;
        share("transfers.fee_rate", t.fee_rate, true)?;
        if let Some(name) = &t.min_tier {
            if self.level_index(name).is_none() {
                return invalid("transfers.min_tier", name, "is not the name of a level");
            }
        }
        Ok(())
    }

    /// The engagement sections (SPEC section 8), each by its own rules.
    fn validate_engagement(&self) -> Result<(), Error> {
        self.validate_campaigns()?;
        if let Some(b) = &self.birthday {
            positive("birthday.points", b.points)?;
            if !(0..=365).contains(&b.days_before) {
                return invalid("birthday.days_before", &b.days_before, "must be in 0..=365");
            }
        }
        self.validate_stamps()?;
        self.validate_achievements()?;
        if let Some(e) = &self.enrollment {
            positive_or_null("enrollment.min_purchase", e.min_purchase)?;
        }
        if let Some(s) = &self.surveys {
            positive_or_null("surveys.points", s.points)?;
            if !(0..=MAX_DAYS).contains(&s.cooldown_days) {
                return invalid(
                    "surveys.cooldown_days",
                    &s.cooldown_days,
                    "must be in 0..=36500",
                );
            }
        }
        Ok(())
    }

    fn validate_campaigns(&self) -> Result<(), Error> {
        let mut names = HashSet::new();
        for (i, c) in self.campaigns.iter().enumerate() {
            let at = |field: &str| format!("campaigns[{i}].{field}");
            if c.name.is_empty() || !names.insert(c.name.as_str()) {
                return invalid(&at("name"), &c.name, "must be non-empty and unique");
            }
            if c.from >= c.to {
                return invalid(&at("to"), &c.to, "must be after `from`");
            }
            share(&at("discount"), c.discount, false)?;
            if c.multiplier < Decimal::ONE || c.multiplier > MAX_RATE {
                return invalid(&at("multiplier"), &c.multiplier, "must be in [1, 1000]");
            }
            rate(&at("bonus_rate"), c.bonus_rate)?;
            positive_or_null(&at("budget"), c.budget)?;
            for name in c.levels.iter().flatten() {
                if self.level_index(name).is_none() {
                    return invalid(&at("levels"), name, "is not the name of a level");
                }
            }
            if c.categories.iter().flatten().any(String::is_empty) {
                return invalid(&at("categories"), &"\"\"", "categories must not be empty");
            }
        }
        Ok(())
    }

    fn validate_stamps(&self) -> Result<(), Error> {
        let mut names = HashSet::new();
        for (i, s) in self.stamps.iter().enumerate() {
            let at = |field: &str| format!("stamps[{i}].{field}");
            if s.name.is_empty() || !names.insert(s.name.as_str()) {
                return invalid(&at("name"), &s.name, "must be non-empty and unique");
            }
            non_negative_amount(&at("min_amount"), s.min_amount)?;
            if s.card_size < 1 || s.card_size > i64::from(u32::MAX) {
                return invalid(&at("card_size"), &s.card_size, "must be ≥ 1");
            }
            positive(&at("reward_points"), s.reward_points)?;
        }
        Ok(())
    }

    fn validate_achievements(&self) -> Result<(), Error> {
        let mut names = HashSet::new();
        for (i, a) in self.achievements.iter().enumerate() {
            let at = |field: &str| format!("achievements[{i}].{field}");
            if a.name.is_empty() || !names.insert(a.name.as_str()) {
                return invalid(&at("name"), &a.name, "must be non-empty and unique");
            }
            let set = usize::from(a.orders.is_some())
                + usize::from(a.referrals.is_some())
                + usize::from(a.spend.is_some());
            if set != 1 {
                return invalid(
                    &at("orders"),
                    &a.name,
                    "needs exactly one of `orders`, `referrals`, `spend`",
                );
            }
            if a.orders.is_some_and(|n| n < 1) {
                return invalid(&at("orders"), &a.orders.unwrap_or_default(), "must be ≥ 1");
            }
            if a.referrals.is_some_and(|n| n < 1) {
                return invalid(
                    &at("referrals"),
                    &a.referrals.unwrap_or_default(),
                    "must be ≥ 1",
                );
            }
            if let Some(spend) = a.spend {
                positive(&at("spend"), spend)?;
            }
            non_negative_amount(&at("points"), a.points)?;
        }
        Ok(())
    }

    /// Checks that `next` may replace this program (SPEC 5.7): valid, same scales and basis.
    pub(crate) fn check_replacement(&self, next: &Program) -> Result<(), Error> {
        next.validate()?;
        if next.money_scale != self.money_scale {
            return invalid(
                "money_scale",
                &next.money_scale,
                "cannot change once the program runs",
            );
        }
        if next.points_scale != self.points_scale {
            return invalid(
                "points_scale",
                &next.points_scale,
                "cannot change once the program runs",
            );
        }
        if next.tiers.basis != self.tiers.basis {
            return invalid(
                "tiers.basis",
                &format!("{:?}", next.tiers.basis),
                "cannot change once the program runs",
            );
        }
        Ok(())
    }

    /// The index of the level named `name`.
    pub fn level_index(&self, name: &str) -> Option<usize> {
        self.tiers.levels.iter().position(|l| l.name == name)
    }

    /// The index of the highest level whose threshold is at most `qualifying`.
    pub fn level_for(&self, qualifying: Decimal) -> usize {
        // Thresholds strictly increase and the first is 0 (checked when the program was
        // read), so the levels reached are a prefix: a binary search finds its end.
        let levels = &self.tiers.levels;
        let above_first = levels.get(1..).unwrap_or_default();
        // A whole-number threshold T is reached when T ≤ floor(total): one division for the
        // total instead of a comparison across scales per threshold.
        let whole = crate::amount::whole_part(qualifying);
        above_first.partition_point(|l| match (whole, crate::amount::as_whole(l.threshold)) {
            (Some(total), Some(threshold)) => threshold <= total,
            _ => crate::amount::compare(l.threshold, qualifying).is_le(),
        })
    }

    /// The decimal places of money (the money scale, as a count of places).
    pub fn money_places(&self) -> u32 {
        self.money_scale.clamp(0, 8) as u32
    }

    /// The decimal places of points (the points scale, as a count of places).
    pub fn points_places(&self) -> u32 {
        self.points_scale.clamp(0, 8) as u32
    }

    /// Rounds a computed point amount to the program's points scale.
    pub fn round_points(&self, v: Decimal) -> Decimal {
        crate::amount::at_scale(
            self.rounding.round(v, self.points_places()),
            self.points_places(),
        )
    }

    /// Rounds a computed money amount to the program's money scale.
    pub(crate) fn round_money(&self, v: Decimal) -> Decimal {
        crate::amount::at_scale(
            self.rounding.round(v, self.money_places()),
            self.money_places(),
        )
    }
}

/// A hundred years: the longest period any `*_days` field may span.
const MAX_DAYS: i64 = 36_500;

fn invalid<T>(field: &str, value: &dyn core::fmt::Display, why: &str) -> Result<T, Error> {
    fail(ErrorKind::InvalidConfig, format!("{field}: {value} {why}"))
}

fn scale_in_range(v: i64, field: &str) -> Result<(), Error> {
    if (0..=8).contains(&v) {
        Ok(())
    } else {
        invalid(field, &v, "must be in 0..=8")
    }
}

fn days_or_null(v: Option<i64>, field: &str) -> Result<(), Error> {
    match v {
        Some(d) if !(1..=MAX_DAYS).contains(&d) => {
            invalid(field, &d, "must be null or in 1..=36500")
        }
        _ => Ok(()),
    }
}

fn rate(field: &str, v: Decimal) -> Result<(), Error> {
    if v < Decimal::ZERO || v > MAX_RATE {
        return invalid(field, &v, "must be a rate in [0, 1000]");
    }
    if v.normalize().scale() > 12 {
        return invalid(field, &v, "must have at most 12 decimal places");
    }
    Ok(())
}

fn share(field: &str, v: Decimal, one_allowed: bool) -> Result<(), Error> {
    let ok = v >= Decimal::ZERO && (v < Decimal::ONE || one_allowed && v == Decimal::ONE);
    if !ok || v.normalize().scale() > 12 {
        let range = if one_allowed { "[0, 1]" } else { "[0, 1)" };
        return invalid(
            field,
            &v,
            &format!("must lie in {range} with at most 12 decimal places"),
        );
    }
    Ok(())
}

fn non_negative_amount(field: &str, v: Decimal) -> Result<(), Error> {
    if v < Decimal::ZERO || v > MAX_AMOUNT {
        return invalid(field, &v, "must be in [0, 10^15]");
    }
    Ok(())
}

fn positive(field: &str, v: Decimal) -> Result<(), Error> {
    if v <= Decimal::ZERO || v > MAX_AMOUNT {
        return invalid(field, &v, "must be in (0, 10^15]");
    }
    Ok(())
}

fn positive_or_null(field: &str, v: Option<Decimal>) -> Result<(), Error> {
    v.map_or(Ok(()), |v| positive(field, v))
}

/// Marks a serde error made by [`deserialize_checked`], so that an operation holding a bad
/// program is classified `InvalidConfig` rather than `InvalidInput`.
#[cfg(feature = "serde")]
pub(crate) const BAD_PROGRAM: &str = "invalid program: ";

/// A program inside another form (a `configure` operation), parsed and validated as
/// [`Program::from_json`] does.
#[cfg(feature = "serde")]
pub(crate) fn deserialize_checked<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Program, D::Error> {
    use serde::Deserialize;
    let value = serde_json::Value::deserialize(d)?;
    Program::from_json(&value.to_string())
        .map_err(|e| serde::de::Error::custom(format!("{BAD_PROGRAM}{}", e.message())))
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    const FALCON: &str = r#"{"name": "Falcon Club", "tiers": {"levels": [
        {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
        {"name": "Wolf", "threshold": 2500, "accrual_rate": "0.05", "referral_rates": ["0.02"]},
        {"name": "Lion", "threshold": "10000", "accrual_rate": "0.07", "referral_rates": ["0.03", "0.01"]}]}}"#;

    fn error_of(json: &str) -> String {
        match Program::from_json(json) {
            Ok(_) => String::from("accepted"),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{e}");
                e.message().to_owned()
            }
        }
    }

    fn with(patch: &str) -> String {
        let mut v: serde_json::Value = serde_json::from_str(FALCON).unwrap();
        let p: serde_json::Value = serde_json::from_str(patch).unwrap();
        if let (Some(obj), Some(p)) = (v.as_object_mut(), p.as_object()) {
            for (k, val) in p {
                obj.insert(k.clone(), val.clone());
            }
        }
        v.to_string()
    }

    #[test]
    fn defaults_are_the_spec_defaults() {
        let p = Program::from_json(FALCON).unwrap();
        assert_eq!(
            (p.money_scale, p.points_scale, p.rounding),
            (2, 2, Rounding::Down)
        );
        assert_eq!(p.point_value, Decimal::ONE);
        assert_eq!((p.pending_days, p.expiry_days), (0, None));
        assert_eq!(p.redemption, Redemption::default());
        assert_eq!(p.transfers, Transfers::default());
        assert_eq!(p.tiers.levels[1].threshold, Decimal::from(2500));
        // Each boundary, either side: the level is the last threshold at most the total.
        for (total, level) in [
            ("-1", 0),
            ("0", 0),
            ("2499.99", 0),
            ("2500", 1),
            ("2500.00", 1),
            ("9999.999", 1),
            ("10000", 2),
            ("79228162514264337593543950335", 2),
        ] {
            let total: Decimal = total.parse().unwrap_or_default();
            assert_eq!(p.level_for(total), level, "{total}");
        }
    }

    /// The whole-number shortcut finds the level a comparison of values finds, for thresholds
    /// with and without places and totals of every scale on both sides of each.
    #[test]
    fn levels_by_whole_part_agree_with_comparing_values() {
        let p = Program::from_json(
            r#"{"tiers": {"levels": [
            {"name": "A", "threshold": "0", "accrual_rate": "0.01"},
            {"name": "B", "threshold": "99.5", "accrual_rate": "0.01"},
            {"name": "C", "threshold": 100, "accrual_rate": "0.01"},
            {"name": "D", "threshold": "100.00000001", "accrual_rate": "0.01"},
            {"name": "E", "threshold": "999999999999999.5", "accrual_rate": "0.01"},
            {"name": "F", "threshold": "1000000000000000", "accrual_rate": "0.01"}]}}"#,
        )
        .unwrap();
        let by_value = |total: Decimal| {
            p.tiers
                .levels
                .iter()
                .rposition(|l| l.threshold <= total)
                .unwrap_or(0)
        };
        let mut totals: Vec<Decimal> = [
            "-5",
            "0",
            "99",
            "99.49",
            "99.5",
            "99.500",
            "99.99",
            "100",
            "100.0",
            "100.00000001",
            "100.000000009",
            "100.1",
            "999999999999999.4",
            "999999999999999.5",
            "1000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "79228162514264337593543950335",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        for scale in 0..=28 {
            totals.push(Decimal::from_i128_with_scale(10_000_000_001, scale));
            totals.push(Decimal::from_i128_with_scale(i128::from(u64::MAX), scale));
        }
        for total in totals {
            assert_eq!(p.level_for(total), by_value(total), "{total}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_naming_them() {
        assert!(error_of(&with(r#"{"transfer": {"enabled": false}}"#)).contains("transfer"));
        assert!(error_of(&with(r#"{"transfers": {"enabeld": false}}"#)).contains("enabeld"));
    }

    #[test]
    fn every_rule_names_its_field() {
        let cases = [
            (r#"{"money_scale": 9}"#, "money_scale"),
            (r#"{"points_scale": -1}"#, "points_scale"),
            (r#"{"point_value": "0"}"#, "point_value"),
            (r#"{"pending_days": -1}"#, "pending_days"),
            (r#"{"expiry_days": 0}"#, "expiry_days"),
            (r#"{"rounding": "up"}"#, "rounding"),
            (
                r#"{"redemption": {"max_share": "1.01"}}"#,
                "redemption.max_share",
            ),
            (
                r#"{"transfers": {"fee_rate": "-0.1"}}"#,
                "transfers.fee_rate",
            ),
            (
                r#"{"transfers": {"min_tier": "Eagle"}}"#,
                "transfers.min_tier",
            ),
            (
                r#"{"transfers": {"max_points": "0"}}"#,
                "transfers.max_points",
            ),
            (
                r#"{"transfers": {"daily_limit": "-3"}}"#,
                "transfers.daily_limit",
            ),
            (r#"{"tiers": {"levels": []}}"#, "tiers.levels"),
            (
                r#"{"tiers": {"window_days": 0, "levels": [{"name": "A", "threshold": "0", "accrual_rate": "1"}]}}"#,
                "window_days",
            ),
            (
                r#"{"tiers": {"levels": [{"name": "A", "threshold": "1", "accrual_rate": "1"}]}}"#,
                "tiers.levels[0].threshold",
            ),
            (
                r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "-1"}]}}"#,
                "tiers.levels[0].accrual_rate",
            ),
            (
                r#"{"tiers": {"levels": [{"name": "", "threshold": "0", "accrual_rate": "1"}]}}"#,
                "tiers.levels[0].name",
            ),
            (
                r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "1"}, {"name": "A", "threshold": "5", "accrual_rate": "1"}]}}"#,
                "tiers.levels[1].name",
            ),
            (
                r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "1"}, {"name": "B", "threshold": "0", "accrual_rate": "1"}]}}"#,
                "tiers.levels[1].threshold",
            ),
            (
                r#"{"tiers": {"levels": [{"name": "A", "threshold": "0", "accrual_rate": "1", "referral_rates": ["0.1", "-0.1"]}]}}"#,
                "referral_rates[1]",
            ),
            (r#"{"point_value": 0.5}"#, "point_value"),
        ];
        for (patch, field) in cases {
            let msg = error_of(&with(patch));
            assert!(
                msg.contains(field),
                "{patch}: message {msg:?} does not name {field}"
            );
        }
    }

    #[test]
    fn engagement_rules_name_their_field() {
        let cases = [
            (
                r#"{"campaigns": [{"name": "x", "from": 5, "to": 5}]}"#,
                "campaigns[0].to",
            ),
            (
                r#"{"campaigns": [{"name": "x", "from": 1, "to": 5, "discount": "1"}]}"#,
                "campaigns[0].discount",
            ),
            (
                r#"{"campaigns": [{"name": "x", "from": 1, "to": 5, "multiplier": "0.5"}]}"#,
                "campaigns[0].multiplier",
            ),
            (
                r#"{"campaigns": [{"name": "x", "from": 1, "to": 5, "budget": "0"}]}"#,
                "campaigns[0].budget",
            ),
            (
                r#"{"campaigns": [{"name": "x", "from": 1, "to": 5, "levels": ["Eagle"]}]}"#,
                "campaigns[0].levels",
            ),
            (
                r#"{"campaigns": [{"name": "x", "from": 1, "to": 5}, {"name": "x", "from": 1, "to": 5}]}"#,
                "campaigns[1].name",
            ),
            (r#"{"birthday": {"points": "0"}}"#, "birthday.points"),
            (
                r#"{"birthday": {"points": "5", "days_before": 366}}"#,
                "birthday.days_before",
            ),
            (
                r#"{"stamps": [{"name": "c", "card_size": 0, "reward_points": "1"}]}"#,
                "stamps[0].card_size",
            ),
            (
                r#"{"stamps": [{"name": "c", "card_size": 2, "reward_points": "0"}]}"#,
                "stamps[0].reward_points",
            ),
            (
                r#"{"stamps": [{"name": "c", "card_size": 2, "reward_points": "1", "min_amount": "-1"}]}"#,
                "stamps[0].min_amount",
            ),
            (r#"{"achievements": [{"name": "a"}]}"#, "achievements[0]"),
            (
                r#"{"achievements": [{"name": "a", "orders": 1, "spend": "5"}]}"#,
                "achievements[0]",
            ),
            (
                r#"{"achievements": [{"name": "a", "orders": 0}]}"#,
                "achievements[0].orders",
            ),
            (
                r#"{"achievements": [{"name": "a", "spend": "0"}]}"#,
                "achievements[0].spend",
            ),
            (
                r#"{"enrollment": {"min_purchase": "0"}}"#,
                "enrollment.min_purchase",
            ),
            (r#"{"surveys": {"points": "0"}}"#, "surveys.points"),
            (
                r#"{"surveys": {"points": "1", "cooldown_days": -1}}"#,
                "surveys.cooldown_days",
            ),
        ];
        for (patch, field) in cases {
            let msg = error_of(&with(patch));
            assert!(
                msg.contains(field),
                "{patch}: message {msg:?} does not name {field}"
            );
        }
    }

    #[test]
    fn replacement_keeps_scales_and_basis() {
        let p = Program::from_json(FALCON).unwrap();
        let mut q = p.clone();
        q.money_scale = 3;
        assert!(p.check_replacement(&q).is_err());
        let mut q = p.clone();
        q.tiers.basis = Basis::Points;
        assert!(p.check_replacement(&q).is_err());
        let mut q = p.clone();
        q.tiers.levels[0].accrual_rate = Decimal::ONE;
        assert!(p.check_replacement(&q).is_ok());
    }
}
