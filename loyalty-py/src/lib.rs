//! Python binding of the loyalty engine: the native module `loyalty._loyalty`, wrapped by the
//! `loyalty` package (`python/loyalty/`). Decimals in and out, never floats; one exception
//! class per SPEC error name; a batch API that runs without the GIL.

mod batch;
mod convert;
mod engine;
mod errors;
mod provisional;
mod replica;
mod store;
mod terminal;
mod types;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _loyalty(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<engine::Engine>()?;
    m.add_class::<types::Outcome>()?;
    m.add_class::<types::Commission>()?;
    m.add_class::<types::TierChange>()?;
    m.add_class::<types::Posting>()?;
    m.add_class::<types::Member>()?;
    m.add_class::<types::Totals>()?;
    m.add_class::<types::Nps>()?;
    m.add_class::<types::BatchResult>()?;
    m.add_class::<store::Store>()?;
    m.add_class::<terminal::Terminal>()?;
    m.add_class::<provisional::Provisional>()?;
    m.add_class::<replica::Replica>()?;
    m.add_function(wrap_pyfunction!(store::statement, m)?)?;
    m.add_function(wrap_pyfunction!(cli, m)?)?;
    errors::register(m)?;
    m.add("OPERATIONS", operations(m.py())?)?;
    m.add("JOURNAL_SCHEMA", loyalty_core::JOURNAL_SCHEMA)?;
    Ok(())
}

/// Every operation kind the core knows, with its fields in order and their types:
/// `{"order": [("id", "u64"), ("at", "i64"), ("member", "u64"), ("amount", "decimal"), …], …}`.
/// Each kind's method on `Engine` takes these fields by these names (a transfer's `from` and
/// `to` are `sender` and `recipient`, a configure's `program` is `program_source`).
fn operations(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let kinds = pyo3::types::PyDict::new(py);
    for (name, _, fields) in loyalty_core::KINDS {
        kinds.set_item(*name, fields.to_vec())?;
    }
    Ok(kinds)
}

/// The `loyalty` command line (`loyalty-cli`), run in this process: `argv` as `sys.argv` gives
/// it (the program name first); returns the exit code. Output goes to the process's standard
/// output and error. The console script `loyalty` of the Python package calls it.
#[pyfunction]
fn cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| loyalty_cli::run(argv))
}
