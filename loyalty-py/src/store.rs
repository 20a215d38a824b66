//! Durability from Python: journal records, replay, snapshots, statements, and the file store.

use std::sync::{Mutex, MutexGuard, PoisonError};

use loyalty_core::{statement as core_statement, JournalRecord, Operation};
use loyalty_store::{Store as CoreStore, SyncPolicy};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;

use crate::convert::error;
use crate::errors;
use crate::types::{Member, Outcome, Totals};

/// Journal records as JSON lines, from a list of `str` (or dicts, serialised here).
pub(crate) fn records(py: Python<'_>, items: &Bound<'_, PyAny>) -> PyResult<Vec<JournalRecord>> {
    let to_json = py.import("loyalty._config")?.getattr("to_json")?;
    let mut out = Vec::new();
    for (n, item) in items.try_iter()?.enumerate() {
        let item = item?;
        let text: String = if let Ok(s) = item.extract::<String>() {
            s
        } else {
            to_json.call1((item,))?.extract()?
        };
        let record = serde_json::from_str(&text).map_err(|e| {
            errors::new_err(
                loyalty_core::ErrorKind::InvalidInput,
                format!("journal record {n}: {e}"),
            )
        })?;
        out.push(record);
    }
    Ok(out)
}

pub(crate) fn store_error(e: loyalty_store::StoreError) -> PyErr {
    use loyalty_store::StoreError as E;
    match e {
        E::Engine(e) => error(&e),
        e @ E::Poisoned => errors::StorePoisoned::new_err(e.to_string()),
        e @ E::Forked { .. } => errors::StoreForked::new_err(e.to_string()),
        e if e.is_corruption() => errors::StoreCorrupt::new_err(e.to_string()),
        other => PyOSError::new_err(other.to_string()),
    }
}

pub(crate) fn operation(py: Python<'_>, op: &Bound<'_, PyAny>) -> PyResult<Operation> {
    let json: String = py
        .import("loyalty._config")?
        .call_method1("to_json", (op,))?
        .extract()?;
    Operation::from_json(&json).map_err(|e| error(&e))
}

/// A member's statement from journal records (JSON lines or dicts): a list of dicts with
/// `at`, `operation`, `id`, `what`, `available_change`, `pending_change`, `balance` (decimals as
/// strings, exact).
#[pyfunction]
pub(crate) fn statement(
    py: Python<'_>,
    member: u64,
    journal: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let lines = core_statement(member, &records(py, journal)?);
    let json = serde_json::to_string(&lines).map_err(|e| PyOSError::new_err(e.to_string()))?;
    Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
}

/// A crash-safe store in a directory: every accepted operation is journaled (length-prefixed,
/// checksummed) before `apply` returns; opening replays the journal from the newest good
/// snapshot. `sync` is `"every_record"` (the default: nothing acknowledged is ever lost),
/// `"never"`, or a number N: sync every N records (0 is never, 1 every record, as in C).
///
/// Like `Engine`, a store shared by threads serializes their calls; the journal writes, fsyncs
/// and reads run without the GIL.
#[pyclass(module = "loyalty", frozen)]
#[derive(Debug)]
pub struct Store {
    state: Mutex<CoreStore>,
}

impl Store {
    /// The store, once this thread's turn comes (see `Engine::lock`).
    fn lock(&self) -> MutexGuard<'_, CoreStore> {
        Python::attach(|py| self.state.lock_py_attached(py)).unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl Store {
    #[new]
    #[pyo3(signature = (directory, program_source, sync=None))]
    #[allow(clippy::needless_pass_by_value)] // pyo3 extracts a path argument by value
    fn new(
        py: Python<'_>,
        directory: std::path::PathBuf,
        program_source: &Bound<'_, PyAny>,
        sync: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Store> {
        let json: String = py
            .import("loyalty._config")?
            .call_method1("program_json", (program_source,))?
            .extract()?;
        let program = loyalty_core::Program::from_json(&json).map_err(|e| error(&e))?;
        // A name or a number, read by the store's own `FromStr` (0: never, 1: every record).
        let policy = match sync {
            None => SyncPolicy::EveryRecord,
            Some(s) if s.is_instance_of::<pyo3::types::PyBool>() => {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "sync is 'every_record', 'never' or an int, not bool",
                ))
            }
            Some(s) => s
                .str()?
                .to_str()?
                .parse::<SyncPolicy>()
                .map_err(|e| error(&e))?,
        };
        let inner = py
            .detach(|| CoreStore::open(&directory, &program, policy))
            .map_err(store_error)?;
        Ok(Store {
            state: Mutex::new(inner),
        })
    }

    /// Applies an operation given in its JSON form as a dict (`{"op": "order", …}`); it is on
    /// disk (per the sync policy) when this returns.
    fn apply(&self, py: Python<'_>, operation_source: &Bound<'_, PyAny>) -> PyResult<Outcome> {
        let op = operation(py, operation_source)?;
        let mut guard = self.lock();
        let store: &mut CoreStore = &mut guard;
        py.detach(|| store.apply(&op))
            .map(|inner| Outcome { inner })
            .map_err(store_error)
    }

    /// Member `member` as of the clock.
    fn member(&self, py: Python<'_>, member: u64) -> PyResult<Member> {
        Member::new(
            py,
            self.lock().engine().member(member).map_err(|e| error(&e))?,
        )
    }

    /// The program totals.
    fn totals(&self, py: Python<'_>) -> PyResult<Totals> {
        Totals::new(py, self.lock().engine().totals())
    }

    /// Writes a snapshot (opening then skips the records before it); returns its path.
    fn snapshot(&self, py: Python<'_>) -> PyResult<std::path::PathBuf> {
        let mut guard = self.lock();
        let store: &mut CoreStore = &mut guard;
        py.detach(|| store.snapshot()).map_err(store_error)
    }

    /// How many records the journal holds.
    #[getter]
    fn records(&self) -> u64 {
        self.lock().records()
    }

    /// The journal's records, as JSON lines.
    fn journal(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let guard = self.lock();
        let store: &CoreStore = &guard;
        let records = py.detach(|| store.read_journal()).map_err(store_error)?;
        records
            .iter()
            .map(|r| serde_json::to_string(r).map_err(|e| PyOSError::new_err(e.to_string())))
            .collect()
    }

    /// A stable hash of the whole state (equal states, equal digests).
    fn state_digest(&self) -> u64 {
        self.lock().engine().state_digest()
    }

    /// What opening found and repaired, one line each (a torn tail cut off, damaged snapshots
    /// skipped); empty when the store opened clean.
    #[getter]
    fn recovery(&self) -> Vec<String> {
        self.lock().recovery().notes()
    }
}
