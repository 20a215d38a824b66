//! The one error type of the engine.

use core::fmt;

/// The table of SPEC section 6 error kinds, written once: `Name = stable code: "description"`.
/// It expands here into [`ErrorKind`], and the bindings expand the same table: `loyalty-ffi`
/// checks its generated C result enum against it, `loyalty-py` makes one exception class per
/// row. Call it with the name of a macro taking the rows: `loyalty_core::error_kinds!(my_macro)`.
/// A new kind is one row here (its code is the next number; codes are never reused).
#[macro_export]
macro_rules! error_kinds {
    ($then:ident) => {
        $then! {
            InvalidConfig = 1: "The program configuration is malformed; the message names the field.",
            InvalidAmount = 2: "An amount is non-positive where it must be positive, has too many places, or overflows.",
            UnknownMember = 3: "No member has this id.",
            MemberExists = 4: "A member with this id is already enrolled.",
            UnknownReferrer = 5: "The referrer named at enrolment is not enrolled.",
            SelfReferral = 6: "A member cannot refer themselves.",
            InsufficientPoints = 7: "Not enough available points.",
            RedemptionCap = 8: "Points would pay more than `redemption.max_share` of the order.",
            BelowMinimum = 9: "Below a configured minimum.",
            AboveMaximum = 10: "Above a configured maximum.",
            DailyLimit = 11: "The sender's daily transfer limit would be exceeded.",
            TransfersDisabled = 12: "The program does not allow transfers.",
            TierTooLow = 13: "The member's level is below what the operation needs (`transfers.min_tier`, a reward's `levels`).",
            SelfTransfer = 14: "A member cannot transfer to themselves.",
            UnknownOrder = 15: "No order has this id.",
            RefundExceedsOrder = 16: "The refunds of an order would exceed its amount.",
            TimeWentBackwards = 17: "The operation's time is before the engine's clock.",
            IdConflict = 18: "The operation id is known with different content.",
            InvalidInput = 19: "A malformed field that is not an amount (a birthday, a category, a score, a time).",
            OutOfStock = 20: "The reward's stock left is less than the quantity asked (v3).",
            UnknownRedemption = 21: "No redemption that can still be cancelled has this id (v3).",
            UnknownHold = 22: "No open hold of this member has this id: never made, captured, released or timed out (v3).",
        }
    };
}

macro_rules! define_error_kind {
    ($($name:ident = $code:literal: $doc:literal,)*) => {
        /// What went wrong: exactly the names of SPEC section 6, the same in every binding
        /// (one table: [`error_kinds!`](crate::error_kinds)).
        ///
        /// The numbers ([`ErrorKind::code`]) are stable: the C binding's status codes are these.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[non_exhaustive]
        pub enum ErrorKind {
            $(#[doc = $doc] $name = $code,)*
        }

        impl ErrorKind {
            /// Every kind, in code order.
            pub const ALL: [ErrorKind; [$($code),*].len()] = [$(ErrorKind::$name),*];

            /// The SPEC name, e.g. `"InsufficientPoints"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorKind::$name => stringify!($name),)*
                }
            }

            /// What the kind means, in one sentence (the table's description).
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorKind::$name => $doc,)*
                }
            }
        }
    };
}

error_kinds!(define_error_kind);

impl ErrorKind {
    /// The kind with this SPEC name.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The stable number of this kind (1..=21), used as the C status code.
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
