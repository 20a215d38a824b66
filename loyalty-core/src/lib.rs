//! # loyalty-core
//!
//! The pure engine of a customer loyalty program: points credited for paid orders and spent on
//! later ones, referral commissions up a chain of referrers, levels reached by spend or
//! points, transfers between members, and the engagement features of SPEC section 8 (club
//! prices, campaigns, birthday gifts, stamp cards, achievements, closed programmes, NPS).
//!
//! Exact decimals everywhere (never binary floats), a double-entry ledger whose invariant
//! `issued = redeemed + expired + fees + liability` holds after every operation, idempotent
//! operation ids, and time passed in by the host: the engine has no clock and does no I/O.
//!
//! ## Public API choices
//!
//! - Amounts are [`Decimal`] (`rust_decimal`, re-exported here) in and out: it is part of this
//!   crate's public API, so its major version is ours too (a `rust_decimal` 2 would be a major
//!   release of this crate). Callers need no amount type of ours to learn, and get exact
//!   arithmetic on what they read back.
//! - Every public struct that may grow is `#[non_exhaustive]`: outputs ([`Outcome`],
//!   [`Effect`], [`MemberView`], [`Totals`], [`Summary`], …), the program's parts, and the
//!   operations, which callers build with `new` and `with_` setters ([`Order::new`]
//!   `(…).with_points(…)`) or from their JSON form ([`Operation::from_json`]).
//! - Campaign, stamp card and achievement names are [`Name`]s in the program and in outcomes:
//!   text shared rather than copied (an engagement order names them in its plan, outcome,
//!   record and the member's cards), which derefs to `&str` and compares, hashes, prints and
//!   serializes exactly as the `String` it replaced.
//! - One error type, [`Error`], whose [`ErrorKind`] is a SPEC name; [`Engine::verify`] returns
//!   an [`InvariantError`], since a broken invariant is a bug, not bad input.
//! - The SPEC section 7 scenario player is test support behind the `scenario` feature.
//!
//! ```
//! use loyalty_core::{Engine, Program, Operation};
//!
//! let program = Program::from_json(r#"{"name": "Falcon Club", "tiers": {"levels": [
//!     {"name": "Bunny", "threshold": "0",    "accrual_rate": "0.03", "referral_rates": ["0.01"]},
//!     {"name": "Wolf",  "threshold": "2500", "accrual_rate": "0.05", "referral_rates": ["0.02"]}]}}"#)?;
//! let mut engine = Engine::new(program)?;
//! for op in [
//!     r#"{"op": "enroll", "id": 1, "at": 1767225600, "member": 1}"#,
//!     r#"{"op": "enroll", "id": 2, "at": 1767225600, "member": 2, "referrer": 1}"#,
//!     r#"{"op": "order", "id": 3, "at": 1767229200, "member": 2, "amount": "1000.00"}"#,
//! ] {
//!     engine.apply(&Operation::from_json(op)?)?;
//! }
//! assert_eq!(engine.member(2)?.available.to_string(), "30.00");
//! assert_eq!(engine.member(1)?.available.to_string(), "10.00");
//! # Ok::<(), loyalty_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod amount;
mod apply;
#[cfg(feature = "serde")]
mod binary;
mod calendar;
mod catalogue;
mod chunks;
mod compact;
mod compiled;
mod crc;
mod digest;
mod engaged;
mod engagement;
mod engine;
#[cfg(feature = "serde")]
mod engine_form;
mod error;
mod grace;
mod held;
mod holds;
mod ids;
#[cfg(feature = "serde")]
mod journal;
mod ledger;
mod line;
mod member_row;
mod name;
mod offline;
mod ops;
mod outcome;
mod plan;
mod positions;
mod program;
mod projection;
mod queries;
mod records;
#[cfg(feature = "serde")]
#[cfg(feature = "scenario")]
pub mod scenario;
mod schedule;
#[cfg(feature = "serde")]
mod serde_decimal;
#[cfg(feature = "serde")]
mod shared;
mod side_rows;
mod state;
#[cfg(feature = "serde")]
mod structure;
mod tiers;
mod txn;
mod undo;

pub use amount::{at_scale, check_scale, parse_decimal, Rounding, MAX_AMOUNT, MAX_RATE};
#[cfg(feature = "serde")]
pub use binary::BINARY_VERSION;
pub use calendar::MonthDay;
pub use crc::{crc32, crc32_extend};
pub use engine::Engine;
pub use error::{Error, ErrorKind, InvariantError};
pub use holds::{Holds, DEFAULT_HOLD_TTL_SECONDS, MAX_HOLD_TTL_SECONDS};
pub use ids::{MemberId, OpId};
#[cfg(feature = "serde")]
pub use journal::{statement, JournalRecord, StatementLine, JOURNAL_VERSION, SNAPSHOT_VERSION};
pub use line::Line;
pub use name::Name;
pub use offline::{Offline, OfflineLimits, MAX_TERMINAL_CHARS};
// Every kind of operations!, its struct and `Operation`, and `KINDS`: a glob, so that a new
// kind is not one more line here.
pub use catalogue::Reward;
pub use ops::*;
pub use outcome::{
    Account, CampaignBonus, Commission, Effect, Expiring, MemberKind, MemberView, Nps, NpsQuery,
    Ordered, Outcome, Posting, Refunded, Summary, TierChange, Totals, Unlocked,
};
pub use plan::Provisional;
pub use program::{
    Achievement, Basis, Birthday, Campaign, Enrollment, Level, Program, Redemption, StampCard,
    Surveys, Tiers, Transfers,
};
pub use queries::MAX_EXPIRING_DAYS;
pub use rust_decimal::Decimal;
#[cfg(feature = "serde")]
pub use shared::{JournalRow, Replica, ReplicaError, JOURNAL_SCHEMA};
