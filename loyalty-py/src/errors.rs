//! One exception class per SPEC error name, all subclasses of `LoyaltyError(ValueError)`.

use loyalty_core::ErrorKind;
use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    loyalty,
    LoyaltyError,
    PyValueError,
    "Base class of every error the engine raises."
);

create_exception!(
    loyalty,
    StoreCorrupt,
    PyOSError,
    "A store's files are damaged or disagree (journal, snapshot, program); nothing was written."
);
create_exception!(
    loyalty,
    StorePoisoned,
    PyOSError,
    "An earlier write of the store failed; it refuses writes until it is reopened."
);
create_exception!(
    loyalty,
    StoreForked,
    PyOSError,
    "The store was opened by another process (this one is a fork): it refuses writes here."
);

macro_rules! kinds {
    ($($name:ident: $doc:literal),* $(,)?) => {
        $(create_exception!(loyalty, $name, LoyaltyError, $doc);)*

        /// The exception of `kind`, carrying `message`.
        pub(crate) fn new_err(kind: ErrorKind, message: String) -> PyErr {
            match kind {
                $(ErrorKind::$name => $name::new_err(message),)*
                _ => LoyaltyError::new_err(message),
            }
        }

        /// Adds every exception class to the module.
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            let py = m.py();
            m.add("LoyaltyError", py.get_type::<LoyaltyError>())?;
            $(m.add(stringify!($name), py.get_type::<$name>())?;)*
            m.add("StoreCorrupt", py.get_type::<StoreCorrupt>())?;
            m.add("StorePoisoned", py.get_type::<StorePoisoned>())?;
            m.add("StoreForked", py.get_type::<StoreForked>())?;
            Ok(())
        }
    };
}

kinds! {
    InvalidConfig: "The program configuration is malformed; the message names the field.",
    InvalidAmount: "An amount is non-positive where it must be positive, has too many places, or overflows.",
    UnknownMember: "No member has this id.",
    MemberExists: "A member with this id is already enrolled.",
    UnknownReferrer: "The referrer is not enrolled.",
    SelfReferral: "A member cannot refer themselves.",
    InsufficientPoints: "Not enough available points.",
    RedemptionCap: "Points would pay more than the program allows of the order.",
    BelowMinimum: "Below a configured minimum.",
    AboveMaximum: "Above a configured maximum.",
    DailyLimit: "The sender's daily transfer limit would be exceeded.",
    TransfersDisabled: "The program does not allow transfers.",
    TierTooLow: "The sender's level is below the transfer minimum.",
    SelfTransfer: "A member cannot transfer to themselves.",
    UnknownOrder: "No order has this id.",
    RefundExceedsOrder: "The refunds of an order would exceed its amount.",
    TimeWentBackwards: "The operation's time is before the engine's clock.",
    IdConflict: "The operation id is known with different content.",
    InvalidInput: "A malformed field that is not an amount (a birthday, a category, a score, a time).",
}
