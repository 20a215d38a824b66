//! `loyalty.Provisional`: an operation applied for now, to keep or take back. A shared
//! journal (`loyalty.postgres`) applies each operation of an open transaction this way.

use std::sync::Mutex;

use loyalty_core::{JournalRecord, Operation, Provisional as CoreProvisional};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::types::Outcome;

/// An operation applied with `Engine.apply_provisionally`: its outcome, its journal record,
/// and what `Engine.revert` needs to take it back (newest first). Dropping it keeps the
/// operation.
#[pyclass(module = "loyalty", frozen)]
#[derive(Debug)]
pub struct Provisional {
    undo: Mutex<Option<CoreProvisional>>,
    record: JournalRecord,
    retry: bool,
}

impl Provisional {
    pub(crate) fn new(
        op: Operation,
        outcome: loyalty_core::Outcome,
        undo: CoreProvisional,
    ) -> Self {
        Provisional {
            retry: undo.is_retry(),
            undo: Mutex::new(Some(undo)),
            record: JournalRecord::new(op, outcome),
        }
    }

    /// The operation.
    pub(crate) fn operation(&self) -> &Operation {
        &self.record.op
    }

    /// What takes the operation back, once: a second revert is an error.
    pub(crate) fn take(&self) -> PyResult<CoreProvisional> {
        self.undo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .ok_or_else(|| PyValueError::new_err("this provisional operation was already reverted"))
    }
}

#[pymethods]
impl Provisional {
    /// What the operation did.
    #[getter]
    fn outcome(&self) -> Outcome {
        Outcome {
            inner: self.record.outcome.clone(),
        }
    }

    /// Its journal record, as a JSON line.
    #[getter]
    fn record(&self) -> PyResult<String> {
        serde_json::to_string(&self.record)
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))
    }

    /// The operation's id (`None` for a tick).
    #[getter]
    fn id(&self) -> Option<u64> {
        self.record.op.id()
    }

    /// The operation's kind (`"order"`, …).
    #[getter]
    fn kind(&self) -> &'static str {
        self.record.op.kind()
    }

    /// The operation's instant.
    #[getter]
    fn at(&self) -> i64 {
        self.record.op.at()
    }

    /// The operation's content digest (everything but `at`), as a signed 64-bit integer: the
    /// bits the Rust binding stores in a `bigint`.
    #[getter]
    fn digest(&self) -> i64 {
        self.record.op.digest() as i64
    }

    /// Whether it retried an accepted id: nothing changed, nothing to journal.
    #[getter]
    fn is_retry(&self) -> bool {
        self.retry
    }
}
