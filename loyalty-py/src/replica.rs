//! `loyalty._loyalty.Replica`: the core's shared-journal replica (`loyalty_core::Replica`) for
//! `loyalty.postgres`, which then runs the queries and holds no protocol logic of its own.

use std::sync::Mutex;

use loyalty_core::{JournalRow, Replica as CoreReplica, ReplicaError};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::convert::error;
use crate::engine::Engine;
use crate::provisional::Provisional;

/// A row of a catch-up query: `(seq, digest, at, record or None, mine)`.
type Row = (i64, i64, i64, Option<String>, bool);

/// A process's place in one program's journal (see `loyalty_core::Replica`).
#[pyclass(module = "loyalty")]
#[derive(Debug)]
pub struct Replica {
    inner: Mutex<CoreReplica>,
}

impl Replica {
    fn lock(&self) -> std::sync::MutexGuard<'_, CoreReplica> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn raise(e: ReplicaError) -> PyErr {
    match e {
        ReplicaError::Engine(e) => error(&e),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

#[pymethods]
impl Replica {
    /// A replica of program `program` whose engine holds the rows up to `seq`.
    #[new]
    fn new(program: &str, seq: i64) -> Replica {
        Replica {
            inner: Mutex::new(CoreReplica::new(program, seq)),
        }
    }

    /// The last committed row the engine holds.
    #[getter]
    fn seq(&self) -> i64 {
        self.lock().seq()
    }

    /// The last row the engine holds, this process's pending ones included.
    #[getter]
    fn ours_end(&self) -> i64 {
        self.lock().ours_end()
    }

    /// The `seq` the next appended row takes.
    #[getter]
    fn next_seq(&self) -> i64 {
        self.lock().next_seq()
    }

    /// Whether this process has rows in a transaction not known to have ended.
    #[getter]
    fn has_pending(&self) -> bool {
        self.lock().has_pending()
    }

    /// Takes in a catch-up's rows and the caller's transaction id: how many rows it applied,
    /// or `None` when this process's transaction rolled back (its rows were taken back from
    /// `engine`): query again. A journal that does not hold together raises `RuntimeError`.
    #[allow(clippy::needless_pass_by_value)] // pyo3 extracts a list argument by value
    fn catch_up(
        &self,
        engine: &Engine,
        xid: Option<&str>,
        rows: Vec<Row>,
    ) -> PyResult<Option<usize>> {
        let rows: Vec<JournalRow<'_>> = rows
            .iter()
            .map(|(seq, digest, at, record, mine)| JournalRow {
                seq: *seq,
                digest: *digest,
                at: *at,
                record: record.as_deref(),
                mine: *mine,
            })
            .collect();
        let mut replica = self.lock();
        let mut engine = engine.lock();
        replica.catch_up(&mut engine, xid, &rows).map_err(raise)
    }

    /// Records that this process inserted the operation of `provisional` at `seq` in its
    /// transaction `xid` (`None`: the one already recorded). The provisional operation is the
    /// replica's from then on (it takes it back if the transaction rolls back).
    fn appended(&self, seq: i64, provisional: &Provisional, xid: Option<String>) -> PyResult<()> {
        let undo = provisional.take()?;
        self.lock()
            .appended(seq, provisional.operation(), undo, xid);
        Ok(())
    }
}
