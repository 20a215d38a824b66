//! Batches from columns, for simulations. A batch converts its columns once (a bad value
//! raises, naming its row, before anything is applied), then runs every operation without the
//! GIL, reporting each row's rejection in the result instead of raising it.

use loyalty_core::{Engine as CoreEngine, Operation};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{column, decimal_out};
use crate::errors;
use crate::types::BatchResult;

/// The named columns (sequences or numpy arrays) as lists, and their common length.
pub(crate) fn columns<'py, const N: usize>(
    named: [(&Bound<'py, PyAny>, &str); N],
) -> PyResult<(usize, [Vec<Bound<'py, PyAny>>; N])> {
    let mut lists = Vec::with_capacity(N);
    for (obj, what) in named {
        lists.push(column(obj, what)?);
    }
    let n = lists.first().map_or(0, Vec::len);
    if let Some(at) = lists.iter().position(|l| l.len() != n) {
        return Err(same_length(named[at].1, lists[at].len(), named[0].1, n));
    }
    let lists: [Vec<Bound<'py, PyAny>>; N] = lists.try_into().map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("batch: columns lost in conversion")
    })?;
    Ok((n, lists))
}

/// An optional column, which must have `n` rows when given.
pub(crate) fn optional<'py>(
    obj: Option<&Bound<'py, PyAny>>,
    what: &str,
    n: usize,
) -> PyResult<Option<Vec<Bound<'py, PyAny>>>> {
    let Some(obj) = obj else {
        return Ok(None);
    };
    let list = column(obj, what)?;
    if list.len() != n {
        return Err(same_length(what, list.len(), "the other columns", n));
    }
    Ok(Some(list))
}

fn same_length(what: &str, len: usize, other: &str, n: usize) -> PyErr {
    errors::new_err(
        loyalty_core::ErrorKind::InvalidInput,
        format!("batch columns must have one length: {what} has {len} rows, {other} {n}"),
    )
}

/// A column of 64-bit integers through the buffer protocol (a numpy `int64` array, an
/// `array.array('q')`, …): copied in one go, never converted element by element.
///
/// Only native-endian signed 64-bit integers are read (strided views are copied correctly):
/// a big-endian `'>i8'` column read as native would turn id 100 into 7205759403792793600.
pub(crate) fn int64_column(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<i64>> {
    let wrong = |format: &str| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be a buffer of 64-bit integers, signed and in native byte order \
             (numpy int64, array('q')), not format {format:?}"
        ))
    };
    let buffer = pyo3::buffer::PyBuffer::<i64>::get(obj).map_err(|_| {
        let format = obj
            .py()
            .import("builtins")
            .and_then(|b| b.getattr("memoryview"))
            .and_then(|m| m.call1((obj,)))
            .and_then(|v| v.getattr("format"))
            .and_then(|f| f.extract::<String>())
            .unwrap_or_else(|_| format!("(no buffer: {})", obj.get_type()));
        wrong(&format)
    })?;
    let format = buffer.format().to_string_lossy();
    let foreign = if cfg!(target_endian = "little") {
        ['>', '!']
    } else {
        ['<', '<']
    };
    if format.starts_with(foreign) {
        return Err(wrong(&format));
    }
    if buffer.dimensions() != 1 {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be one-dimensional, not {}-dimensional",
            buffer.dimensions()
        )));
    }
    buffer.to_vec(obj.py())
}

/// Integer columns of one length, as `int64_column` reads them.
pub(crate) fn int64_columns<const N: usize>(
    named: [(&Bound<'_, PyAny>, &str); N],
) -> PyResult<(usize, [Vec<i64>; N])> {
    let mut columns: [Vec<i64>; N] = core::array::from_fn(|_| Vec::new());
    for (i, (obj, what)) in named.iter().enumerate() {
        columns[i] = int64_column(obj, what)?;
    }
    let n = columns.first().map_or(0, Vec::len);
    if let Some(at) = columns.iter().position(|c| c.len() != n) {
        return Err(same_length(named[at].1, columns[at].len(), named[0].1, n));
    }
    Ok((n, columns))
}

/// An optional integer column, which must have `n` rows.
pub(crate) fn int64_optional(obj: &Bound<'_, PyAny>, what: &str, n: usize) -> PyResult<Vec<i64>> {
    let column = int64_column(obj, what)?;
    if column.len() != n {
        return Err(same_length(what, column.len(), "the other columns", n));
    }
    Ok(column)
}

/// An id from a 64-bit integer column: negative is refused, naming the value.
pub(crate) fn id_from(v: i64, what: &str) -> PyResult<u64> {
    u64::try_from(v).map_err(|_| {
        errors::new_err(
            loyalty_core::ErrorKind::InvalidInput,
            format!("{what} {v} is not an id (ids are ≥ 0)"),
        )
    })
}

/// Builds the operation of every row; a bad value is raised as it was, its message prefixed
/// with its row ("row 7: amounts …").
pub(crate) fn rows(
    n: usize,
    mut row: impl FnMut(usize) -> PyResult<Operation>,
) -> PyResult<Vec<Operation>> {
    let mut ops = Vec::with_capacity(n);
    for i in 0..n {
        ops.push(row(i).map_err(|e| at_row(&e, i))?);
    }
    Ok(ops)
}

fn at_row(e: &PyErr, i: usize) -> PyErr {
    Python::attach(|py| {
        let message = e
            .value(py)
            .str()
            .map_or_else(|_| String::new(), |s| s.to_string());
        PyErr::from_type(e.get_type(py), format!("row {i}: {message}"))
    })
}

/// Applies `ops` in order without the GIL.
pub(crate) fn run(
    py: Python<'_>,
    engine: &mut CoreEngine,
    ops: &[Operation],
    keep_outcomes: bool,
) -> BatchResult {
    py.detach(move || {
        let mut errors = Vec::with_capacity(ops.len());
        let mut outcomes = keep_outcomes.then(|| Vec::with_capacity(ops.len()));
        for op in ops {
            let result = engine.apply_ref(op);
            errors.push(result.as_ref().err().map(|e| e.kind().name()));
            if let Some(o) = outcomes.as_mut() {
                o.push(result.ok().cloned());
            }
        }
        BatchResult { errors, outcomes }
    })
}

/// Every member as columns, in enrolment order.
pub(crate) fn member_columns(py: Python<'_>, engine: &CoreEngine) -> PyResult<Py<PyDict>> {
    let n = engine.member_count();
    let (mut member, mut referrer, mut tier) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut available, mut pending, mut qualifying) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut orders, mut referrals) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for id in engine.member_ids() {
        let view = engine.member(id).map_err(|e| crate::convert::error(&e))?;
        member.push(view.member);
        referrer.push(view.referrer);
        tier.push(view.tier);
        available.push(decimal_out(py, view.available)?);
        pending.push(decimal_out(py, view.pending)?);
        qualifying.push(decimal_out(py, view.qualifying)?);
        orders.push(view.orders);
        referrals.push(view.referrals);
    }
    let dict = PyDict::new(py);
    dict.set_item("member", PyList::new(py, member)?)?;
    dict.set_item("referrer", PyList::new(py, referrer)?)?;
    dict.set_item("tier", PyList::new(py, tier)?)?;
    dict.set_item("available", PyList::new(py, available)?)?;
    dict.set_item("pending", PyList::new(py, pending)?)?;
    dict.set_item("qualifying", PyList::new(py, qualifying)?)?;
    dict.set_item("orders", PyList::new(py, orders)?)?;
    dict.set_item("referrals", PyList::new(py, referrals)?)?;
    Ok(dict.unbind())
}
