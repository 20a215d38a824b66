//! `loyalty.Engine`: every operation and query of SPEC sections 5–8, plus the batch API.

use loyalty_core::{
    Adjust, Cancel, Configure, Decimal, Engine as CoreEngine, Enroll, Hold, Line, MemberKind,
    NpsQuery, Operation, Order, Program, Redeem, Refund, Release, Survey, Tick, Transfer,
};
use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyDict, PyInt, PyString};

use crate::batch;
use crate::convert::{amount, column, decimal_out, error, id, repr, time};
use crate::errors;
use crate::provisional::Provisional;
use crate::types::{BatchResult, Member, Nps, Outcome, Totals};

/// A loyalty program and its state. Create it from a program: a dict, a JSON string, or the
/// path of a `.json` or `.toml` file.
///
/// Threads may share one engine (a web server's thread pool, a progress thread): their calls
/// take turns on a lock, and a thread waiting for its turn does not hold the GIL.
#[pyclass(module = "loyalty", frozen)]
#[derive(Debug)]
pub struct Engine {
    state: Mutex<CoreEngine>,
}

impl Engine {
    fn wrap(inner: CoreEngine) -> Engine {
        Engine {
            state: Mutex::new(inner),
        }
    }

    /// The engine, once this thread's turn comes. The core never panics while it holds the
    /// lock (and leaves the state unchanged on every error), so a poisoned lock is taken as is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, CoreEngine> {
        Python::attach(|py| self.state.lock_py_attached(py)).unwrap_or_else(PoisonError::into_inner)
    }
}

/// A program (dict, JSON text or file path) as the core's `Program`.
fn program(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Program> {
    let json: String = py
        .import("loyalty._config")?
        .call_method1("program_json", (obj,))?
        .extract()?;
    Program::from_json(&json).map_err(|e| error(&e))
}

/// Order lines: `(category, amount)` pairs or `{"category": …, "amount": …}` dicts.
fn lines(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Line>> {
    let Some(obj) = obj else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, item) in column(obj, "lines")?.iter().enumerate() {
        let what = format!("lines[{i}]");
        let (category, value) = if let Ok(dict) = item.cast::<PyDict>() {
            let value = dict.get_item("amount")?.ok_or_else(|| {
                errors::new_err(
                    loyalty_core::ErrorKind::InvalidInput,
                    format!("{what} has no amount"),
                )
            })?;
            (dict.get_item("category")?, value)
        } else {
            let (category, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                item.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "{what} must be a (category, amount) pair or a dict"
                    ))
                })?;
            (Some(category), value)
        };
        let category = match category {
            Some(c) if !c.is_none() => Some(
                c.cast::<PyString>()
                    .map_err(|_| {
                        PyTypeError::new_err(format!("{what}: category must be a str or None"))
                    })?
                    .to_string(),
            ),
            _ => None,
        };
        out.push(Line::new(
            category.as_deref(),
            amount(&value, &format!("{what}.amount"))?,
        ));
    }
    Ok(out)
}

fn optional_amount(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Decimal>> {
    obj.filter(|o| !o.is_none())
        .map(|o| amount(o, what))
        .transpose()
}

fn optional_text(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<String>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(
            o.cast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("{what} must be a str")))?
                .to_string(),
        )),
        _ => Ok(None),
    }
}

impl Engine {
    fn run(&self, op: &Operation) -> PyResult<Outcome> {
        self.lock()
            .apply(op)
            .map(|inner| Outcome { inner })
            .map_err(|e| error(&e))
    }
}

#[pymethods]
impl Engine {
    #[new]
    fn new(py: Python<'_>, program_source: &Bound<'_, PyAny>) -> PyResult<Engine> {
        let inner = CoreEngine::new(program(py, program_source)?).map_err(|e| error(&e))?;
        Ok(Engine::wrap(inner))
    }

    /// Enrols `member`, optionally referred by `referrer`, with a birthday (`"MM-DD"`) and a
    /// closed programme's `purchase` or `questionnaire`.
    #[pyo3(signature = (id, at, member, referrer=None, *, birthday=None, purchase=None, questionnaire=false))]
    #[allow(clippy::too_many_arguments)]
    fn enroll(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        referrer: Option<&Bound<'_, PyAny>>,
        birthday: Option<&Bound<'_, PyAny>>,
        purchase: Option<&Bound<'_, PyAny>>,
        questionnaire: bool,
    ) -> PyResult<Outcome> {
        let referrer = referrer
            .filter(|r| !r.is_none())
            .map(|r| crate::convert::id(r, "referrer"))
            .transpose()?;
        let op = Enroll::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(member, "member")?,
        )
        .with_referrer(referrer)
        .with_birthday(optional_text(birthday, "birthday")?)
        .with_entry(optional_amount(purchase, "purchase")?, questionnaire);
        self.run(&op.into())
    }

    /// An order of `amount` (money) paying `points` with points; `lines` split it by category.
    /// With `hold`, the points come from that open hold (a capture); with `offline`, a
    /// `(terminal, recorded_at)` pair, it is a sale a terminal made offline.
    #[pyo3(signature = (id, at, member, amount, points=None, *, lines=None, hold=None, offline=None))]
    #[allow(clippy::too_many_arguments)] // the operation's fields, as Python names them
    fn order(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        points: Option<&Bound<'_, PyAny>>,
        lines: Option<&Bound<'_, PyAny>>,
        hold: Option<&Bound<'_, PyAny>>,
        offline: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Outcome> {
        let mut op = Order::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(member, "member")?,
            crate::convert::amount(amount, "amount")?,
        )
        .with_points(optional_amount(points, "points")?.unwrap_or_default())
        .with_lines(self::lines(lines)?);
        if let Some(hold) = hold.filter(|h| !h.is_none()) {
            op = op.with_hold(crate::convert::id(hold, "hold")?);
        }
        if let Some(offline) = offline.filter(|o| !o.is_none()) {
            op = op.with_offline(crate::convert::offline(offline)?);
        }
        self.run(&op.into())
    }

    /// Holds `points` of `member`'s for a checkout (SPEC 9.1): hold `id` until an order
    /// captures it (`order(…, hold=id)`), `release` gives it back, or it times out.
    fn hold(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        points: &Bound<'_, PyAny>,
    ) -> PyResult<Outcome> {
        let op = Hold::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(member, "member")?,
            crate::convert::amount(points, "points")?,
        );
        self.run(&op.into())
    }

    /// Gives open hold `hold` back to its member.
    fn release(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        hold: &Bound<'_, PyAny>,
    ) -> PyResult<Outcome> {
        let op = Release::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(hold, "hold")?,
        );
        self.run(&op.into())
    }

    /// Returns `amount` (money) of order `order`.
    fn refund(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        order: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
    ) -> PyResult<Outcome> {
        let op = Refund::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(order, "order")?,
            crate::convert::amount(amount, "amount")?,
        );
        self.run(&op.into())
    }

    /// Sends `points` from `sender` to `recipient`.
    fn transfer(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        sender: &Bound<'_, PyAny>,
        recipient: &Bound<'_, PyAny>,
        points: &Bound<'_, PyAny>,
    ) -> PyResult<Outcome> {
        let op = Transfer::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(sender, "sender")?,
            crate::convert::id(recipient, "recipient")?,
            amount(points, "points")?,
        );
        self.run(&op.into())
    }

    /// A supervisor's correction: positive credits, negative debits.
    #[pyo3(signature = (id, at, member, points, reason=None))]
    fn adjust(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        points: &Bound<'_, PyAny>,
        reason: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Outcome> {
        let reason = crate::convert::optional_text(reason, "reason")?;
        let op = Adjust::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(member, "member")?,
            amount(points, "points")?,
        )
        .with_reason(reason.unwrap_or_default());
        self.run(&op.into())
    }

    /// Moves the clock to `at`: releases, birthday gifts and expiries happen.
    fn tick(&self, at: &Bound<'_, PyAny>) -> PyResult<Outcome> {
        self.run(&Tick::new(time(at, "at")?).into())
    }

    /// The supervisor replaces the program from `at` on.
    fn configure(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        program_source: &Bound<'_, PyAny>,
    ) -> PyResult<Outcome> {
        let op = Configure::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            program(py, program_source)?,
        );
        self.run(&op.into())
    }

    /// A survey answer: `score` 0..=10, optionally in a `segment`.
    #[pyo3(signature = (id, at, member, score, segment=None))]
    fn survey(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        score: &Bound<'_, PyAny>,
        segment: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Outcome> {
        // A bool, a non-int or an int beyond 64 bits: named as given (the core checks 0..=10).
        let is_int =
            score.is_instance_of::<PyInt>() && !score.is_instance_of::<pyo3::types::PyBool>();
        let Some(score) = is_int.then(|| score.extract::<i64>().ok()).flatten() else {
            return Err(errors::new_err(
                loyalty_core::ErrorKind::InvalidInput,
                format!("score {} is not an integer in 0..=10", repr(score)),
            ));
        };
        let op = Survey::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(member, "member")?,
            score,
        )
        .with_segment(optional_text(segment, "segment")?);
        self.run(&op.into())
    }

    /// Redeems `quantity` of reward `reward` (its name in the catalogue) for `member`.
    #[pyo3(signature = (id, at, member, reward, quantity=None))]
    fn redeem(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        member: &Bound<'_, PyAny>,
        reward: &Bound<'_, PyAny>,
        quantity: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Outcome> {
        let reward = crate::convert::text(reward, "reward")?;
        let quantity = quantity.map_or(Ok(1), |q| crate::convert::count(q, "quantity"))?;
        let op = Redeem::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(member, "member")?,
            reward,
        )
        .with_quantity(u64::try_from(quantity).unwrap_or(u64::MAX));
        self.run(&op.into())
    }

    /// Cancels the redemption made by operation `redemption`: its points come back.
    fn cancel(
        &self,
        id: &Bound<'_, PyAny>,
        at: &Bound<'_, PyAny>,
        redemption: &Bound<'_, PyAny>,
    ) -> PyResult<Outcome> {
        let op = Cancel::new(
            crate::convert::id(id, "id")?,
            time(at, "at")?,
            crate::convert::id(redemption, "redemption")?,
        );
        self.run(&op.into())
    }

    /// The outcome of the accepted operation `id`, as it was returned then; `None` for an id
    /// never accepted.
    fn outcome(&self, id: &Bound<'_, PyAny>) -> PyResult<Option<Outcome>> {
        let id = crate::convert::id(id, "id")?;
        Ok(self.lock().outcome(id).map(|inner| Outcome { inner }))
    }

    /// The outcome of the last tick (the releases, gifts and expiries it made).
    fn last_tick(&self) -> Outcome {
        Outcome {
            inner: self.lock().last_tick().clone(),
        }
    }

    /// How many of reward `reward` are left; `None` for unlimited stock.
    fn stock_left(&self, reward: &str) -> PyResult<Option<u64>> {
        self.lock().stock_left(reward).map_err(|e| error(&e))
    }

    /// Points expiring soon (SPEC 9.2): `(points, next)`, the member's available points in lots
    /// that expire within `days` days of the clock and the earliest of those expiries (`None`
    /// when there is none).
    fn expiring(
        &self,
        py: Python<'_>,
        member: &Bound<'_, PyAny>,
        days: &Bound<'_, PyAny>,
    ) -> PyResult<(Py<PyAny>, Option<i64>)> {
        let member = id(member, "member")?;
        let days = crate::convert::integer(days, "days")?;
        let soon = self.lock().expiring(member, days).map_err(|e| error(&e))?;
        Ok((decimal_out(py, soon.points)?, soon.next))
    }

    /// Applies an operation in its JSON form, as a dict: `{"op": "order", "id": 1, …}`.
    fn apply(&self, py: Python<'_>, operation: &Bound<'_, PyAny>) -> PyResult<Outcome> {
        let json: String = py
            .import("loyalty._config")?
            .call_method1("to_json", (operation,))?
            .extract()?;
        let op = Operation::from_json(&json).map_err(|e| error(&e))?;
        self.run(&op)
    }

    /// Member `member` as of the clock.
    fn member(&self, py: Python<'_>, member: &Bound<'_, PyAny>) -> PyResult<Member> {
        let view = self
            .lock()
            .member(id(member, "member")?)
            .map_err(|e| error(&e))?;
        Member::new(py, view)
    }

    /// Whether `member` is enrolled.
    fn is_member(&self, member: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.lock().is_member(id(member, "member")?))
    }

    /// Every enrolled member's id, in enrolment order.
    fn member_ids(&self) -> Vec<u64> {
        self.lock().member_ids().collect()
    }

    /// The program totals.
    fn totals(&self, py: Python<'_>) -> PyResult<Totals> {
        Totals::new(py, self.lock().totals())
    }

    /// The club price for `member`: of one line (`amount`, `category`) or of `lines`.
    #[pyo3(signature = (member, amount=None, category=None, *, lines=None))]
    fn price(
        &self,
        py: Python<'_>,
        member: &Bound<'_, PyAny>,
        amount: Option<&Bound<'_, PyAny>>,
        category: Option<&Bound<'_, PyAny>>,
        lines: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let mut all = self::lines(lines)?;
        if let Some(a) = optional_amount(amount, "amount")? {
            all.push(Line::new(
                optional_text(category, "category")?.as_deref(),
                a,
            ));
        }
        let quote = self
            .lock()
            .price(id(member, "member")?, &all)
            .map_err(|e| error(&e))?;
        decimal_out(py, quote)
    }

    /// How many members hold each level, lowest first: `{"Bunny": 90000, "Wolf": 9000, …}`.
    fn tier_counts(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let out = PyDict::new(py);
        for (name, count) in self.lock().tier_counts() {
            out.set_item(name, count)?;
        }
        Ok(out.unbind())
    }

    /// Bonus points campaign `name` has given so far, net of refunds.
    fn campaign_used(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        decimal_out(py, self.lock().campaign_used(name))
    }

    /// The `n` members with the highest qualifying totals, ties by smaller id.
    fn leaderboard(&self, n: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
        Ok(self.lock().leaderboard(crate::convert::count(n, "n")?))
    }

    /// The NPS of the survey answers with `from_ ≤ at < to`, in `segment`, from `member_kind`
    /// (`"new"` or `"regular"`) members; every filter optional.
    #[pyo3(signature = (*, from_=None, to=None, segment=None, member_kind=None))]
    fn nps(
        &self,
        py: Python<'_>,
        from_: Option<&Bound<'_, PyAny>>,
        to: Option<&Bound<'_, PyAny>>,
        segment: Option<&Bound<'_, PyAny>>,
        member_kind: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Nps> {
        let segment = crate::convert::optional_text(segment, "segment")?;
        let member_kind = crate::convert::optional_text(member_kind, "member_kind")?;
        let member_kind = member_kind
            .as_deref()
            .map(str::parse::<MemberKind>)
            .transpose()
            .map_err(|e| error(&e))?;
        let query = NpsQuery {
            from: from_
                .filter(|o| !o.is_none())
                .map(|o| time(o, "from_"))
                .transpose()?,
            to: to
                .filter(|o| !o.is_none())
                .map(|o| time(o, "to"))
                .transpose()?,
            segment,
            member_kind,
        };
        Nps::new(py, &self.lock().nps(&query))
    }

    /// Checks `issued = redeemed + expired + fees + liability`; raises `RuntimeError` if broken.
    fn verify(&self) -> PyResult<()> {
        self.lock()
            .verify()
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    }

    /// The clock (the largest time applied), `None` before the first operation.
    #[getter]
    fn clock(&self) -> Option<i64> {
        let clock = self.lock().clock();
        (clock != i64::MIN).then_some(clock)
    }

    /// The program in force, as a dict (decimals as strings).
    #[getter]
    fn program(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py
            .import("json")?
            .call_method1("loads", (self.lock().program().to_json(),))?
            .unbind())
    }

    fn __len__(&self) -> usize {
        self.lock().member_count()
    }

    /// The outcome `operation` (a dict in its JSON form) would have now, or the error it
    /// would raise, without applying it: the engine is left exactly as it was.
    fn plan(&self, py: Python<'_>, operation: &Bound<'_, PyAny>) -> PyResult<Outcome> {
        let op = crate::store::operation(py, operation)?;
        self.lock()
            .plan(&op)
            .map(|inner| Outcome { inner })
            .map_err(|e| error(&e))
    }

    /// Applies `operation` as `apply` does, and returns a `Provisional` that `revert` takes
    /// back (several are reverted newest first). A shared journal applies the operations of
    /// an open transaction this way.
    fn apply_provisionally(
        &self,
        py: Python<'_>,
        operation: &Bound<'_, PyAny>,
    ) -> PyResult<Provisional> {
        let op = crate::store::operation(py, operation)?;
        let (outcome, undo) = self
            .lock()
            .apply_provisionally(&op)
            .map_err(|e| error(&e))?;
        Ok(Provisional::new(op, outcome, undo))
    }

    /// Takes back an operation applied with `apply_provisionally` (newest first).
    fn revert(&self, provisional: &Provisional) -> PyResult<()> {
        let undo = provisional.take()?;
        self.lock().revert(undo);
        Ok(())
    }

    /// Applies journal records (JSON lines or dicts) on top of this state: each must apply
    /// and give the outcome it recorded.
    fn replay_onto(&self, py: Python<'_>, journal: &Bound<'_, PyAny>) -> PyResult<()> {
        let records = crate::store::records(py, journal)?;
        let mut engine = self.lock();
        let engine: &mut CoreEngine = &mut engine;
        py.detach(|| engine.replay_onto(&records))
            .map_err(|e| error(&e))
    }

    /// Applies an operation (a dict in its JSON form) and returns its journal record as a JSON
    /// line, to be persisted before the operation is acknowledged.
    fn apply_journaled(&self, py: Python<'_>, operation: &Bound<'_, PyAny>) -> PyResult<String> {
        let json: String = py
            .import("loyalty._config")?
            .call_method1("to_json", (operation,))?
            .extract()?;
        let op = Operation::from_json(&json).map_err(|e| error(&e))?;
        let record = self.lock().apply_journaled(&op).map_err(|e| error(&e))?;
        serde_json::to_string(&record)
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))
    }

    /// Rebuilds an engine from its program and journal records (JSON lines or dicts).
    #[staticmethod]
    fn replay(
        py: Python<'_>,
        program_source: &Bound<'_, PyAny>,
        journal: &Bound<'_, PyAny>,
    ) -> PyResult<Engine> {
        let records = crate::store::records(py, journal)?;
        let program = program(py, program_source)?;
        let inner = py
            .detach(|| CoreEngine::replay(program, &records))
            .map_err(|e| error(&e))?;
        Ok(Engine::wrap(inner))
    }

    /// The whole state as JSON.
    fn snapshot_json(&self) -> String {
        self.lock().snapshot_json()
    }

    /// Restores a state written by `snapshot_json`.
    #[staticmethod]
    fn from_snapshot_json(text: &str) -> PyResult<Engine> {
        CoreEngine::from_snapshot_json(text)
            .map(Engine::wrap)
            .map_err(|e| error(&e))
    }

    /// The whole state in a compact binary form (CBOR).
    fn snapshot_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
        pyo3::types::PyBytes::new(py, &self.lock().snapshot_bytes())
    }

    /// Restores a state written by `snapshot_bytes`.
    #[staticmethod]
    fn from_snapshot_bytes(data: &[u8]) -> PyResult<Engine> {
        CoreEngine::from_snapshot_bytes(data)
            .map(Engine::wrap)
            .map_err(|e| error(&e))
    }

    /// Pickling goes through the binary snapshot, so an engine moves between processes
    /// (`multiprocessing`, Dask workers) with the same state digest.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
        let restore = slf.get_type().getattr("from_snapshot_bytes")?;
        Ok((restore, (slf.borrow().snapshot_bytes(py),)))
    }

    /// An independent copy: a "what if" branch of a simulation.
    fn __copy__(&self) -> Engine {
        Engine::wrap(self.lock().clone())
    }

    /// The same as `__copy__`: an engine holds no Python objects to copy deeply.
    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Engine {
        self.__copy__()
    }

    /// A stable hash of the whole state (equal states, equal digests).
    fn state_digest(&self) -> u64 {
        self.lock().state_digest()
    }

    fn __repr__(&self) -> String {
        let engine = self.lock();
        format!(
            "Engine(program={}, members={})",
            crate::types::q(&engine.program().name),
            engine.member_count()
        )
    }

    /// Many enrolments at once: columns of ids, times, members and optionally referrers (`None`
    /// for a member who came without one). See `order_batch` for how a batch runs.
    #[pyo3(signature = (ids, ats, members, referrers=None, *, keep_outcomes=true))]
    fn enroll_batch(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        ats: &Bound<'_, PyAny>,
        members: &Bound<'_, PyAny>,
        referrers: Option<&Bound<'_, PyAny>>,
        keep_outcomes: bool,
    ) -> PyResult<BatchResult> {
        let (n, [ids, ats, members]) =
            batch::columns([(ids, "ids"), (ats, "ats"), (members, "members")])?;
        let referrers = batch::optional(referrers, "referrers", n)?;
        let ops = batch::rows(n, |i| {
            let referrer = match referrers.as_ref().map(|r| &r[i]) {
                Some(r) if !r.is_none() => Some(id(r, "referrers")?),
                _ => None,
            };
            let enroll = Enroll::new(
                id(&ids[i], "ids")?,
                time(&ats[i], "ats")?,
                id(&members[i], "members")?,
            );
            Ok(Operation::Enroll(enroll.with_referrer(referrer)))
        })?;
        Ok(batch::run(py, &mut self.lock(), &ops, keep_outcomes))
    }

    /// Many orders at once, for simulations: columns (lists, tuples or numpy arrays) of ids,
    /// times, members, amounts and optionally points. Inputs are converted once (a bad value
    /// raises, naming its row, before anything is applied); the orders then run without the
    /// GIL, and each row's rejection is reported in the result instead of raised.
    #[pyo3(signature = (ids, ats, members, amounts, points=None, *, keep_outcomes=true))]
    #[allow(clippy::too_many_arguments)]
    fn order_batch(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        ats: &Bound<'_, PyAny>,
        members: &Bound<'_, PyAny>,
        amounts: &Bound<'_, PyAny>,
        points: Option<&Bound<'_, PyAny>>,
        keep_outcomes: bool,
    ) -> PyResult<BatchResult> {
        let (n, [ids, ats, members, amounts]) = batch::columns([
            (ids, "ids"),
            (ats, "ats"),
            (members, "members"),
            (amounts, "amounts"),
        ])?;
        let points = batch::optional(points, "points", n)?;
        let ops = batch::rows(n, |i| {
            let points = match &points {
                Some(p) => amount(&p[i], "points")?,
                None => Decimal::ZERO,
            };
            let order = Order::new(
                id(&ids[i], "ids")?,
                time(&ats[i], "ats")?,
                id(&members[i], "members")?,
                amount(&amounts[i], "amounts")?,
            );
            Ok(Operation::Order(order.with_points(points)))
        })?;
        Ok(batch::run(py, &mut self.lock(), &ops, keep_outcomes))
    }

    /// Many orders at once from integer columns through the buffer protocol (numpy `int64`
    /// arrays, `array.array('q')`): ids, times (Unix seconds), members, and amounts in minor
    /// units of the program's money scale (`1250` is `12.50` at scale 2), optionally points in
    /// minor units of its points scale. The columns are copied, not converted element by
    /// element; the orders run without the GIL, as in `order_batch`.
    #[pyo3(signature = (ids, ats, members, amounts_minor, points_minor=None, *, keep_outcomes=true))]
    #[allow(clippy::too_many_arguments)]
    fn order_batch_minor(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        ats: &Bound<'_, PyAny>,
        members: &Bound<'_, PyAny>,
        amounts_minor: &Bound<'_, PyAny>,
        points_minor: Option<&Bound<'_, PyAny>>,
        keep_outcomes: bool,
    ) -> PyResult<BatchResult> {
        let (n, [ids, ats, members, amounts]) = batch::int64_columns([
            (ids, "ids"),
            (ats, "ats"),
            (members, "members"),
            (amounts_minor, "amounts_minor"),
        ])?;
        let points = points_minor
            .map(|p| batch::int64_optional(p, "points_minor", n))
            .transpose()?;
        let mut engine = self.lock();
        let (money, points_scale) = {
            let p = engine.program();
            (p.money_scale as u32, p.points_scale as u32)
        };
        let ops = batch::rows(n, |i| {
            let order = Order::new(
                batch::id_from(ids[i], "ids")?,
                ats[i],
                batch::id_from(members[i], "members")?,
                Decimal::new(amounts[i], money),
            );
            let spent = points
                .as_ref()
                .map_or(Decimal::ZERO, |p| Decimal::new(p[i], points_scale));
            Ok(Operation::Order(order.with_points(spent)))
        })?;
        Ok(batch::run(py, &mut engine, &ops, keep_outcomes))
    }

    /// Many refunds at once: columns of ids, times, order ids and amounts. See `order_batch`.
    #[pyo3(signature = (ids, ats, orders, amounts, *, keep_outcomes=true))]
    #[allow(clippy::too_many_arguments)]
    fn refund_batch(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        ats: &Bound<'_, PyAny>,
        orders: &Bound<'_, PyAny>,
        amounts: &Bound<'_, PyAny>,
        keep_outcomes: bool,
    ) -> PyResult<BatchResult> {
        let (n, [ids, ats, orders, amounts]) = batch::columns([
            (ids, "ids"),
            (ats, "ats"),
            (orders, "orders"),
            (amounts, "amounts"),
        ])?;
        let ops = batch::rows(n, |i| {
            Ok(Operation::Refund(Refund::new(
                id(&ids[i], "ids")?,
                time(&ats[i], "ats")?,
                id(&orders[i], "orders")?,
                amount(&amounts[i], "amounts")?,
            )))
        })?;
        Ok(batch::run(py, &mut self.lock(), &ops, keep_outcomes))
    }

    /// Many transfers at once: columns of ids, times, senders, recipients and points. See
    /// `order_batch`.
    #[pyo3(signature = (ids, ats, senders, recipients, points, *, keep_outcomes=true))]
    #[allow(clippy::too_many_arguments)]
    fn transfer_batch(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        ats: &Bound<'_, PyAny>,
        senders: &Bound<'_, PyAny>,
        recipients: &Bound<'_, PyAny>,
        points: &Bound<'_, PyAny>,
        keep_outcomes: bool,
    ) -> PyResult<BatchResult> {
        let (n, [ids, ats, senders, recipients, points]) = batch::columns([
            (ids, "ids"),
            (ats, "ats"),
            (senders, "senders"),
            (recipients, "recipients"),
            (points, "points"),
        ])?;
        let ops = batch::rows(n, |i| {
            Ok(Operation::Transfer(Transfer::new(
                id(&ids[i], "ids")?,
                time(&ats[i], "ats")?,
                id(&senders[i], "senders")?,
                id(&recipients[i], "recipients")?,
                amount(&points[i], "points")?,
            )))
        })?;
        Ok(batch::run(py, &mut self.lock(), &ops, keep_outcomes))
    }

    /// Every member as columns, in enrolment order: `member`, `referrer` (`None` for none),
    /// `tier`, `available`, `pending`, `qualifying` (Decimals), `orders`, `referrals`: a dict
    /// of lists, ready for `pandas.DataFrame(...)` (see `loyalty.sim.member_frame`).
    fn member_columns(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        batch::member_columns(py, &self.lock())
    }
}
