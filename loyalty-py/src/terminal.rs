//! Offline terminals from Python (`loyalty-terminal`, docs/offline.md): a terminal's queue and
//! cache in a directory, offline sales within each member's allowance, and the sync.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use loyalty_terminal::{Cache, Terminal as CoreTerminal, TerminalError};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::convert::{amount as decimal, error, id, time};
use crate::engine::Engine;
use crate::errors;
use crate::store::store_error;
use crate::types::d;

fn terminal_error(e: TerminalError) -> PyErr {
    match e {
        TerminalError::Engine(e) => error(&e),
        TerminalError::Store(e) => store_error(e),
        e @ TerminalError::BadCache(_) => errors::StoreCorrupt::new_err(e.to_string()),
        e @ TerminalError::BadTerminal(_) => PyValueError::new_err(e.to_string()),
        e => PyOSError::new_err(e.to_string()),
    }
}

/// A point-of-sale terminal working offline from its directory: a crash-safe queue of its
/// sales and a cache of the program and balances from its last time online. Create it with
/// `Terminal.create(dir, number, name, cache)` (the cache from `Terminal.cache_of(engine)` at the
/// centre), reopen it with `Terminal(dir, number)`.
#[pyclass(module = "loyalty", frozen)]
#[derive(Debug)]
pub struct Terminal {
    inner: Mutex<CoreTerminal>,
}

impl Terminal {
    fn lock(&self) -> MutexGuard<'_, CoreTerminal> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Terminal {
    /// `sync` straight into an engine of this process.
    fn sync_into(&self, now: i64, centre: &Engine) -> PyResult<usize> {
        let mut engine = centre.lock();
        let transport = |ops: &[loyalty_core::Operation]| {
            Ok::<_, std::convert::Infallible>(
                ops.iter().map(|op| engine.apply(op)).collect::<Vec<_>>(),
            )
        };
        let report = self.lock().sync(now, transport).map_err(terminal_error)?;
        Ok(report.answered)
    }

    /// `sync` through the host's function. The terminal is not locked while it runs (it may
    /// take long, or call back into this terminal); the batch's own ids say what to mark.
    fn sync_through(&self, now: i64, transport: &Bound<'_, PyAny>) -> PyResult<usize> {
        if !transport.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "centre must be an Engine or a function taking a batch, not {}",
                transport.get_type().name()?
            )));
        }
        let batch = self.lock().batch(now).map_err(terminal_error)?;
        if batch.is_empty() {
            return Ok(0);
        }
        let texts: Vec<String> = batch.iter().map(loyalty_core::Operation::to_json).collect();
        let answers: Vec<Bound<'_, PyAny>> = transport.call1((texts,))?.extract()?;
        if answers.len() > batch.len() {
            return Err(PyValueError::new_err(format!(
                "the transport returned {} answers for {} operations: nothing was marked sent",
                answers.len(),
                batch.len()
            )));
        }
        // A refusal for the centre's clock, and what follows it, were not applied.
        let answered = answers
            .iter()
            .position(PyAnyMethods::is_instance_of::<errors::TimeWentBackwards>)
            .unwrap_or(answers.len());
        self.lock()
            .acknowledge_batch(&batch, answered)
            .map_err(terminal_error)?;
        Ok(answered)
    }
}

/// A receipt of an offline sale: `(id, points_redeemed, points_earned_estimate)`.
type Receipt = (u64, Py<PyAny>, Py<PyAny>);

#[pymethods]
impl Terminal {
    /// Reopens terminal `number` from `dir` (what was acknowledged is there after a crash).
    #[new]
    fn open(dir: &str, number: u16) -> PyResult<Terminal> {
        let inner = CoreTerminal::open(Path::new(dir), number).map_err(terminal_error)?;
        Ok(Terminal {
            inner: Mutex::new(inner),
        })
    }

    /// Sets up terminal `number` (≥ 1, unique in the shop) named `name` in `dir` from the
    /// centre's `cache` (JSON, from `Terminal.cache_of`).
    #[staticmethod]
    fn create(dir: &str, number: u16, name: &str, cache: &str) -> PyResult<Terminal> {
        let cache = Cache::from_json(cache).map_err(terminal_error)?;
        let inner =
            CoreTerminal::create(Path::new(dir), number, name, &cache).map_err(terminal_error)?;
        Ok(Terminal {
            inner: Mutex::new(inner),
        })
    }

    /// The centre's side: the cache of every member of `engine`, as JSON.
    #[staticmethod]
    fn cache_of(engine: &Engine) -> String {
        Cache::export_all(&engine.lock()).to_json()
    }

    /// The terminal's number.
    #[getter]
    fn number(&self) -> u16 {
        self.lock().number()
    }

    /// How many operations wait for the centre.
    #[getter]
    fn pending(&self) -> usize {
        self.lock().pending().count()
    }

    /// What `member` may spend offline now.
    fn allowance(&self, py: Python<'_>, member: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let member = id(member, "member")?;
        d(py, self.lock().allowance(member))
    }

    /// An offline sale of `amount` paying `points` within the allowance, queued durably:
    /// `(id, points_redeemed, points_earned_estimate)` (the last an estimate).
    #[pyo3(signature = (at, member, amount, points=None))]
    fn order(
        &self,
        py: Python<'_>,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        points: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Receipt> {
        let points = points.map_or(Ok(loyalty_core::Decimal::ZERO), |p| decimal(p, "points"))?;
        let (at, member, amount) = (
            time(at, "at")?,
            id(member, "member")?,
            decimal(amount, "amount")?,
        );
        let r = self
            .lock()
            .order(at, member, amount, points)
            .map_err(terminal_error)?;
        Ok((
            r.id,
            d(py, r.points_redeemed)?,
            d(py, r.points_earned_estimate)?,
        ))
    }

    /// Enrols `member` offline; the operation's id.
    #[pyo3(signature = (at, member, referrer=None))]
    fn enroll(
        &self,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        referrer: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let referrer = referrer
            .filter(|r| !r.is_none())
            .map(|r| id(r, "referrer"))
            .transpose()?;
        let (at, member) = (time(at, "at")?, id(member, "member")?);
        self.lock()
            .enroll(at, member, referrer)
            .map_err(terminal_error)
    }

    /// Refunds `amount` of `order`, a sale this terminal made; the operation's id.
    fn refund(
        &self,
        at: &Bound<'_, PyAny>,
        order: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let (at, order, amount) = (
            time(at, "at")?,
            id(order, "order")?,
            decimal(amount, "amount")?,
        );
        self.lock()
            .refund(at, order, amount)
            .map_err(terminal_error)
    }

    /// Sends every pending operation, at `now`, to `centre`: an `Engine` (applied straight), or
    /// the host's transport, a function taking the batch (a list of JSON texts) and returning
    /// one result per operation the centre answered, in order: its outcome, or the exception
    /// the centre raised for it (a `TimeWentBackwards` and what follows were not applied and go
    /// again). An exception raised by the function means the answers were lost: nothing is
    /// marked sent. Returns how many operations were answered.
    fn sync(&self, now: &Bound<'_, PyAny>, centre: &Bound<'_, PyAny>) -> PyResult<usize> {
        let now = time(now, "now")?;
        match centre.cast::<Engine>() {
            Ok(engine) => self.sync_into(now, engine.get()),
            Err(_) => self.sync_through(now, centre),
        }
    }

    /// The pending operations as JSON texts dated `now`, for a host that carries them itself;
    /// then `acknowledge(n)` with how many the centre answered.
    fn batch(&self, now: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let now = time(now, "now")?;
        let batch = self.lock().batch(now).map_err(terminal_error)?;
        Ok(batch.iter().map(loyalty_core::Operation::to_json).collect())
    }

    /// Marks the first `n` pending operations as answered by the centre.
    fn acknowledge(&self, n: usize) -> PyResult<()> {
        self.lock().acknowledge_first(n).map_err(terminal_error)
    }

    /// Replaces the cache with one the centre exported after the last sync.
    fn refresh(&self, cache: &str) -> PyResult<()> {
        let cache = Cache::from_json(cache).map_err(terminal_error)?;
        self.lock().refresh(&cache).map_err(terminal_error)
    }

    fn __repr__(&self) -> String {
        let t = self.lock();
        format!(
            "Terminal(number={}, pending={})",
            t.number(),
            t.pending().count()
        )
    }
}
