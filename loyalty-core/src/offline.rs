//! Offline terminals (SPEC 9.7): the program's `offline` section, the limits a terminal applies
//! while it cannot reach the centre. The centre validates them and hands them to terminals with
//! the program; it never refuses an arriving offline order because of them (the sale is made).
//! An offline order's origin ([`Offline`]) is here too; the rules are in `ops/order.rs`.

use rust_decimal::Decimal;

use crate::amount::{check_scale, positive, MAX_AMOUNT};
use crate::error::{Error, ErrorKind};

/// The program's `offline` section: `None` in a field is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct OfflineLimits {
    /// The most points one offline sale may spend.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::serde_decimal::option")
    )]
    pub max_points_per_order: Option<Decimal>,
    /// The most points a terminal may spend in all between two syncs.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::serde_decimal::option")
    )]
    pub max_points_per_terminal: Option<Decimal>,
}

impl OfflineLimits {
    /// Each limit null or points > 0 with at most `places` places (`InvalidConfig`).
    pub(crate) fn validate(&self, places: u32) -> Result<(), Error> {
        let limits = [
            ("offline.max_points_per_order", self.max_points_per_order),
            (
                "offline.max_points_per_terminal",
                self.max_points_per_terminal,
            ),
        ];
        for (field, limit) in limits {
            let Some(points) = limit else { continue };
            let at_scale = check_scale(points, places, field)
                .map_err(|e| Error::new(ErrorKind::InvalidConfig, e.message().to_owned()))?;
            if !positive(at_scale) || at_scale > MAX_AMOUNT {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!("{field}: {points} must be null or points > 0"),
                ));
            }
        }
        Ok(())
    }
}

/// An offline order's origin (SPEC 9.7): the terminal and the instant of the sale there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Offline {
    /// The terminal's name, 1..=64 characters.
    pub terminal: String,
    /// When the terminal made the sale (Unix seconds, at most the order's `at`).
    pub recorded_at: i64,
}

impl Offline {
    /// A sale made at `terminal` at instant `recorded_at`.
    pub fn new(terminal: impl Into<String>, recorded_at: i64) -> Offline {
        Offline {
            terminal: terminal.into(),
            recorded_at,
        }
    }
}

/// The longest terminal name, in characters.
pub const MAX_TERMINAL_CHARS: usize = 64;
