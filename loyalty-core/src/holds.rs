//! Holds at checkout (SPEC 9.1): the program's `holds` section. The open holds are rows of
//! the state (`state.rs`), their rules in `held.rs`, the operations in `ops/hold.rs`,
//! `ops/release.rs` and the capture in `ops/order.rs`.

use crate::error::{Error, ErrorKind};

/// The time-out of a hold when the program says nothing (SPEC 9.6).
pub const DEFAULT_HOLD_TTL_SECONDS: i64 = 900;
/// The longest time-out a program may set: a year.
pub const MAX_HOLD_TTL_SECONDS: i64 = 31_536_000;

/// The program's `holds` section (SPEC 9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Holds {
    /// Seconds after which an open hold goes back to its member (1..=31 536 000).
    #[cfg_attr(feature = "serde", serde(default = "default_ttl"))]
    pub ttl_seconds: i64,
}

#[cfg(feature = "serde")]
fn default_ttl() -> i64 {
    DEFAULT_HOLD_TTL_SECONDS
}

impl Default for Holds {
    fn default() -> Holds {
        Holds {
            ttl_seconds: DEFAULT_HOLD_TTL_SECONDS,
        }
    }
}

impl Holds {
    /// Holds that time out after `ttl_seconds`.
    pub fn new(ttl_seconds: i64) -> Holds {
        Holds { ttl_seconds }
    }

    /// `holds.ttl_seconds` in 1..=31 536 000 (`InvalidConfig`).
    pub(crate) fn validate(self) -> Result<(), Error> {
        if (1..=MAX_HOLD_TTL_SECONDS).contains(&self.ttl_seconds) {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "holds.ttl_seconds: {} must be an integer in 1..={MAX_HOLD_TTL_SECONDS}",
                self.ttl_seconds
            ),
        ))
    }
}
