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

/// One exception class per row of the core's error table, with the row's description.
macro_rules! kinds {
    ($($name:ident = $code:literal: $doc:literal,)*) => {
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

loyalty_core::error_kinds!(kinds);
