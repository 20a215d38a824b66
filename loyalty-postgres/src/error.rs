//! The one error type of the PostgreSQL journal.

/// What can go wrong appending to or reading the shared journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine rejected the operation (SPEC error kinds): nothing was journaled.
    #[error(transparent)]
    Rejected(#[from] loyalty_core::Error),
    /// The database refused or failed: whatever the statement would have done is not done.
    #[error("database: {0}")]
    Database(#[from] postgres::Error),
    /// The journal holds something this replica cannot follow (a gap in `seq`, a record that
    /// does not replay to its outcome, a program stored with another definition).
    #[error("journal: {0}")]
    Journal(String),
}

impl From<loyalty_core::ReplicaError> for Error {
    fn from(e: loyalty_core::ReplicaError) -> Error {
        match e {
            loyalty_core::ReplicaError::Engine(e) => Error::Rejected(e),
            loyalty_core::ReplicaError::Journal(m) => Error::Journal(m),
            // A kind added later: its message.
            other => Error::Journal(other.to_string()),
        }
    }
}

impl Error {
    /// The engine's error when the operation was rejected.
    pub fn rejection(&self) -> Option<&loyalty_core::Error> {
        match self {
            Error::Rejected(e) => Some(e),
            _ => None,
        }
    }
}
