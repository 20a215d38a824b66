//! The reward catalogue's data (SPEC 9.5): the program's `rewards` entries and their
//! validation, and the open redemptions a `cancel` gives back. The rules that read the state
//! are in `engagement/rewards.rs`, the operations in `ops/redeem.rs` and `ops/cancel.rs`.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::amount::MAX_AMOUNT;
use crate::error::{fail, Error, ErrorKind};

/// A reward of the catalogue: what one costs, how many there are, who may have it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Reward {
    /// Its name, unique in the catalogue (redemptions name it).
    pub name: String,
    /// Points one costs.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
    /// How many there are in all (`None`: unlimited).
    #[cfg_attr(feature = "serde", serde(default))]
    pub stock: Option<i64>,
    /// The levels that may have it (`None`: every level; an empty list: nobody).
    #[cfg_attr(feature = "serde", serde(default))]
    pub levels: Option<Vec<String>>,
}

impl Reward {
    /// A reward of `points` a piece, unlimited, for every level.
    pub fn new(name: impl Into<String>, points: Decimal) -> Reward {
        Reward {
            name: name.into(),
            points,
            stock: None,
            levels: None,
        }
    }
}

/// An open redemption: what a `cancel` gives back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct OpenRedemption {
    /// The member's position.
    pub member: u32,
    pub reward: String,
    pub quantity: u64,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
}

/// The largest quantity one redemption may ask for.
pub(crate) const MAX_QUANTITY: u64 = 1_000_000;

/// `rewards` (SPEC 9.6): names unique and non-empty, points > 0 with at most `places` places,
/// stock ≥ 0, levels the names of levels (`is_level`).
pub(crate) fn validate(
    rewards: &[Reward],
    places: u32,
    is_level: impl Fn(&str) -> bool,
) -> Result<(), Error> {
    let mut names = HashSet::new();
    for (i, r) in rewards.iter().enumerate() {
        let bad = |field: &str, value: &dyn core::fmt::Display, why: &str| {
            fail(
                ErrorKind::InvalidConfig,
                format!("rewards[{i}].{field}: {value} {why}"),
            )
        };
        if r.name.is_empty() || !names.insert(r.name.as_str()) {
            return bad(
                "name",
                &format!("{:?}", r.name),
                "must be non-empty and unique",
            );
        }
        if r.points <= Decimal::ZERO || r.points > MAX_AMOUNT {
            return bad("points", &r.points, "must be in (0, 10^15]");
        }
        if r.points.normalize().scale() > places {
            return bad(
                "points",
                &r.points,
                &format!("has more than {places} places"),
            );
        }
        if r.stock.is_some_and(|s| s < 0) {
            return bad("stock", &r.stock.unwrap_or_default(), "must be ≥ 0");
        }
        if let Some(name) = r.levels.iter().flatten().find(|n| !is_level(n)) {
            return bad("levels", name, "is not the name of a level");
        }
    }
    Ok(())
}
