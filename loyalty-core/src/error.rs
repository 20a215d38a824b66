//! The one error type of the engine.

use core::fmt;

/// What went wrong: exactly the names of SPEC section 6, the same in every binding.
///
/// The numbers ([`ErrorKind::code`]) are stable: the C binding's status codes are these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ErrorKind {
    /// The program configuration is malformed; the message names the field.
    InvalidConfig = 1,
    /// An amount is non-positive where it must be positive, has too many places, or overflows.
    InvalidAmount = 2,
    /// No member has this id.
    UnknownMember = 3,
    /// A member with this id is already enrolled.
    MemberExists = 4,
    /// The referrer named at enrolment is not enrolled.
    UnknownReferrer = 5,
    /// A member cannot refer themselves.
    SelfReferral = 6,
    /// Not enough available points.
    InsufficientPoints = 7,
    /// Points would pay more than `redemption.max_share` of the order.
    RedemptionCap = 8,
    /// Below a configured minimum.
    BelowMinimum = 9,
    /// Above a configured maximum.
    AboveMaximum = 10,
    /// The sender's daily transfer limit would be exceeded.
    DailyLimit = 11,
    /// The program does not allow transfers.
    TransfersDisabled = 12,
    /// The sender's level is below `transfers.min_tier`.
    TierTooLow = 13,
    /// A member cannot transfer to themselves.
    SelfTransfer = 14,
    /// No order has this id.
    UnknownOrder = 15,
    /// The refunds of an order would exceed its amount.
    RefundExceedsOrder = 16,
    /// The operation's time is before the engine's clock.
    TimeWentBackwards = 17,
    /// The operation id is known with different content.
    IdConflict = 18,
    /// A malformed field that is not an amount (a birthday, a category, a score).
    InvalidInput = 19,
}

impl ErrorKind {
    /// Every kind, in code order.
    pub const ALL: [ErrorKind; 19] = [
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidAmount,
        ErrorKind::UnknownMember,
        ErrorKind::MemberExists,
        ErrorKind::UnknownReferrer,
        ErrorKind::SelfReferral,
        ErrorKind::InsufficientPoints,
        ErrorKind::RedemptionCap,
        ErrorKind::BelowMinimum,
        ErrorKind::AboveMaximum,
        ErrorKind::DailyLimit,
        ErrorKind::TransfersDisabled,
        ErrorKind::TierTooLow,
        ErrorKind::SelfTransfer,
        ErrorKind::UnknownOrder,
        ErrorKind::RefundExceedsOrder,
        ErrorKind::TimeWentBackwards,
        ErrorKind::IdConflict,
        ErrorKind::InvalidInput,
    ];

    /// The SPEC name, e.g. `"InsufficientPoints"`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "InvalidConfig",
            ErrorKind::InvalidAmount => "InvalidAmount",
            ErrorKind::UnknownMember => "UnknownMember",
            ErrorKind::MemberExists => "MemberExists",
            ErrorKind::UnknownReferrer => "UnknownReferrer",
            ErrorKind::SelfReferral => "SelfReferral",
            ErrorKind::InsufficientPoints => "InsufficientPoints",
            ErrorKind::RedemptionCap => "RedemptionCap",
            ErrorKind::BelowMinimum => "BelowMinimum",
            ErrorKind::AboveMaximum => "AboveMaximum",
            ErrorKind::DailyLimit => "DailyLimit",
            ErrorKind::TransfersDisabled => "TransfersDisabled",
            ErrorKind::TierTooLow => "TierTooLow",
            ErrorKind::SelfTransfer => "SelfTransfer",
            ErrorKind::UnknownOrder => "UnknownOrder",
            ErrorKind::RefundExceedsOrder => "RefundExceedsOrder",
            ErrorKind::TimeWentBackwards => "TimeWentBackwards",
            ErrorKind::IdConflict => "IdConflict",
            ErrorKind::InvalidInput => "InvalidInput",
        }
    }

    /// The kind with this SPEC name.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The stable number of this kind (1..=19), used as the C status code.
    pub fn code(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error: its [`ErrorKind`] and a human message naming the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// A new error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human message (without the kind's name).
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A broken invariant of the ledger, found by [`Engine::verify`](crate::Engine::verify). The
/// operations keep every invariant, so this is a bug (or a damaged state), never bad input:
/// hence a type of its own rather than an [`ErrorKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invariant broken: {message}")]
pub struct InvariantError {
    message: String,
}

impl InvariantError {
    pub(crate) fn new(message: String) -> InvariantError {
        InvariantError { message }
    }

    /// Which invariant, with the numbers that break it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// `Err` of `kind` with a message: keeps the checks in the operations one line each.
pub(crate) fn fail<T>(kind: ErrorKind, message: impl Into<String>) -> Result<T, Error> {
    Err(Error::new(kind, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_codes_are_stable() {
        for (i, kind) in ErrorKind::ALL.into_iter().enumerate() {
            assert_eq!(ErrorKind::from_name(kind.name()), Some(kind));
            assert_eq!(kind.code() as usize, i + 1);
        }
        assert_eq!(ErrorKind::from_name("Nope"), None);
        assert_eq!(ErrorKind::IdConflict.code(), 18);
    }

    #[test]
    fn display_shows_kind_and_message() {
        let e = Error::new(ErrorKind::UnknownMember, "member 99 is not enrolled");
        assert_eq!(e.to_string(), "UnknownMember: member 99 is not enrolled");
    }
}
