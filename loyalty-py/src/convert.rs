//! Conversions between Python values and the core's: `Decimal` in and out (never `float`), ids,
//! times (int seconds or aware `datetime`), errors.

use loyalty_core::{Decimal, Error, ErrorKind};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};

use crate::errors;

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL
        .get_or_try_init(py, || {
            let t = py.import("decimal")?.getattr("Decimal")?;
            Ok::<_, PyErr>(t.cast_into::<PyType>()?.unbind())
        })
        .map(|t| t.bind(py))
}

/// A core decimal as a Python `decimal.Decimal`.
pub(crate) fn decimal_out(py: Python<'_>, v: Decimal) -> PyResult<Py<PyAny>> {
    Ok(decimal_type(py)?.call1((v.to_string(),))?.unbind())
}

/// A core error as the Python exception of its kind.
pub(crate) fn error(e: &Error) -> PyErr {
    errors::new_err(e.kind(), e.message().to_owned())
}

fn invalid(kind: ErrorKind, message: String) -> PyErr {
    errors::new_err(kind, message)
}

/// An amount from a `Decimal`, an `int` or a `str`. A `float` is a `TypeError`: binary floats are
/// how balances end up as 268.28000000000003.
pub(crate) fn amount(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Decimal> {
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a Decimal, int or str, not bool"
        )));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "{what} {} is a float; floats are inexact, pass a Decimal, int or str",
            repr(obj)
        )));
    }
    let text: String = if obj.is_instance_of::<PyInt>() {
        if let Ok(v) = obj.extract::<i64>() {
            return Ok(Decimal::from(v));
        }
        let bits: u64 = obj.call_method0("bit_length")?.extract()?;
        if bits > 4096 {
            // str() of a huge int is slow, and refused by Python past 4 300 digits.
            return Err(too_large(what, &format!("an int of {bits} bits")));
        }
        obj.str()?.to_string()
    } else if obj.is_instance_of::<PyString>() {
        obj.extract()?
    } else if obj.is_instance(decimal_type(obj.py())?)? {
        decimal_text(obj, what)?
    } else {
        let type_name = obj
            .get_type()
            .name()
            .map_or_else(|_| String::from("?"), |n| n.to_string());
        return Err(PyTypeError::new_err(format!(
            "{what} must be a Decimal, int or str, not {type_name}"
        )));
    };
    loyalty_core::parse_decimal(&text)
        .map_err(|e| invalid(ErrorKind::InvalidAmount, format!("{what}: {}", e.message())))
}

/// A `Decimal` in fixed-point form (`str()` would give "1E+5" for some values), checked first
/// so that `Decimal('1e100000000')` is refused by its short name instead of being written
/// out as a hundred million digits.
fn decimal_text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let short = || {
        obj.str()
            .map_or_else(|_| String::from("?"), |s| s.to_string())
    };
    if !obj.call_method0("is_finite")?.extract::<bool>()? {
        return Err(invalid(
            ErrorKind::InvalidAmount,
            format!("{what}: {} is not a finite number", short()),
        ));
    }
    let adjusted: i64 = obj.call_method0("adjusted")?.extract()?;
    let exponent: i64 = obj
        .call_method0("as_tuple")?
        .getattr("exponent")?
        .extract()?;
    if adjusted > 40 {
        return Err(too_large(what, &short()));
    }
    if exponent < -60 {
        return Err(invalid(
            ErrorKind::InvalidAmount,
            format!(
                "{what}: {} has too many digits (at most 28 decimal places)",
                short()
            ),
        ));
    }
    obj.call_method1("__format__", ("f",))?.extract()
}

fn too_large(what: &str, value: &str) -> PyErr {
    invalid(
        ErrorKind::InvalidAmount,
        format!("{what}: {value} is too large (at most {})", Decimal::MAX),
    )
}

/// An unsigned 64-bit id.
pub(crate) fn id(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!("{what} must be an int")));
    }
    obj.extract::<u64>().map_err(|_| {
        invalid(
            ErrorKind::InvalidInput,
            format!("{what} {} is not an unsigned 64-bit integer", repr(obj)),
        )
    })
}

/// A text argument (`str`); anything else is a `TypeError` naming the argument.
pub(crate) fn text(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    obj.extract::<String>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a str, not {}", type_name(obj))))
}

/// An optional text argument: `None` or a `str`.
pub(crate) fn optional_text(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<String>> {
    obj.filter(|o| !o.is_none())
        .map(|o| text(o, what))
        .transpose()
}

/// The name of `obj`'s type, for messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| String::from("?"), |n| n.to_string())
}

/// A signed whole number (`int`, not `bool`); the engine checks its range.
pub(crate) fn integer(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!("{what} must be an int")));
    }
    obj.extract::<i64>().map_err(|_| {
        invalid(
            ErrorKind::InvalidInput,
            format!("{what} {} is outside the signed 64-bit range", repr(obj)),
        )
    })
}

/// A time: Unix seconds as an `int`, or a timezone-aware `datetime` (whole seconds, floored).
pub(crate) fn time(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    let py = obj.py();
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int or an aware datetime, not bool"
        )));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().map_err(|_| {
            invalid(
                ErrorKind::InvalidInput,
                format!("{what} {} is outside the signed 64-bit range", repr(obj)),
            )
        });
    }
    let datetime = py.import("datetime")?;
    if obj.is_instance(&datetime.getattr("datetime")?)? {
        if obj.call_method0("utcoffset")?.is_none() {
            return Err(invalid(
                ErrorKind::InvalidInput,
                format!(
                    "{what} {} is a naive datetime; pass an aware one (tzinfo set)",
                    repr(obj)
                ),
            ));
        }
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let epoch = datetime
            .getattr("datetime")?
            .call1((1970, 1, 1, 0, 0, 0, 0, utc))?;
        let second = datetime.getattr("timedelta")?.call1((0, 1))?;
        let seconds = obj
            .call_method1("__sub__", (epoch,))?
            .call_method1("__floordiv__", (second,))?;
        return seconds.extract::<i64>();
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be an int or an aware datetime"
    )))
}

/// `repr(obj)`, for messages: cut to its first 60 characters, so that a huge value is named
/// briefly rather than copied whole into the message.
pub(crate) fn repr(obj: &Bound<'_, PyAny>) -> String {
    const MOST: usize = 60;
    let full = obj
        .repr()
        .map_or_else(|_| String::from("?"), |r| r.to_string());
    match full.char_indices().nth(MOST) {
        Some((cut, _)) => format!("{}… ({} characters)", &full[..cut], full.chars().count()),
        None => full,
    }
}

/// A count (such as a leaderboard's size): a non-negative `int`.
pub(crate) fn count(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<usize> {
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!("{what} must be an int")));
    }
    obj.extract::<usize>().map_err(|_| {
        invalid(
            ErrorKind::InvalidInput,
            format!("{what} {} is not a count (0 or more)", repr(obj)),
        )
    })
}

/// A sequence (list, tuple, or anything with `tolist()`, such as a numpy array) as a list.
pub(crate) fn column<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let source = if obj.hasattr("tolist")? {
        obj.call_method0("tolist")?
    } else {
        obj.clone()
    };
    if source.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a sequence, not str"
        )));
    }
    source
        .try_iter()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a sequence")))?
        .collect()
}

/// An offline order's origin (SPEC 9.7): a `(terminal, recorded_at)` pair, or a dict with exactly
/// the keys `terminal` and `recorded_at` (the JSON form's object).
pub(crate) fn offline(obj: &Bound<'_, PyAny>) -> PyResult<loyalty_core::Offline> {
    let (terminal, recorded_at) = if let Ok(dict) = obj.cast::<pyo3::types::PyDict>() {
        let keys: Vec<String> = dict.keys().extract().unwrap_or_default();
        let mut sorted = keys.clone();
        sorted.sort();
        if sorted != ["recorded_at", "terminal"] {
            return Err(invalid(
                ErrorKind::InvalidInput,
                format!(
                    "offline must have exactly the keys terminal and recorded_at, not {keys:?}"
                ),
            ));
        }
        (
            dict.as_any().get_item("terminal")?,
            dict.as_any().get_item("recorded_at")?,
        )
    } else if let Ok((terminal, recorded_at)) =
        obj.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()
    {
        (terminal, recorded_at)
    } else {
        return Err(PyTypeError::new_err(format!(
            "offline must be a (terminal, recorded_at) pair or a dict, not {}",
            type_name(obj)
        )));
    };
    Ok(loyalty_core::Offline::new(
        text(&terminal, "offline terminal")?,
        time(&recorded_at, "offline recorded_at")?,
    ))
}
