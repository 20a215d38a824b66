//! Read-only questions a C host asks of an engine beyond the member view and the totals: the
//! clock, the state digest, and how many members are at each level (issue 22: the C surface
//! answers what the Rust and Python ones do).

use std::ffi::c_char;

use crate::api::loyalty_engine;
use crate::convert::put;
use crate::{guard, handle_ref, loyalty_result, write_str};

/// The engine's clock: the latest `at` it has seen (Unix seconds; `INT64_MIN` before the
/// first operation).
///
/// # Safety
/// `engine` must be a live handle; `out` must point to an `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_clock(
    engine: *const loyalty_engine,
    out: *mut i64,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        unsafe { put(out, h.engine().clock(), "out") }
    })
}

/// A stable hash of the whole state: equal states give equal digests, in every binding and on
/// every platform (the digest Rust's `Engine::state_digest` and Python's `state_digest` give).
///
/// # Safety
/// `engine` must be a live handle; `out` must point to a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_state_digest(
    engine: *const loyalty_engine,
    out: *mut u64,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        unsafe { put(out, h.engine().state_digest(), "out") }
    })
}

/// How many members are at each level, lowest first, as JSON: `[["Bunny", 12], ["Wolf", 3]]`.
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_tier_counts_json(
    engine: *const loyalty_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let json = crate::json(&h.engine().tier_counts())?;
        unsafe { write_str(&json, buf, len, written) }
    })
}

/// Every operation kind the engine knows, with its fields in order and their types, as JSON:
/// `{"order": [["id", "u64"], ["at", "i64"], ["member", "u64"], ["amount", "decimal"], …], …}`.
/// The typed function of a kind takes the engine, then these fields in this order (decimals as
/// strings in the `_str` forms), then the outcome; a scenario runner reads this table rather
/// than listing the kinds itself.
///
/// # Safety
/// `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_operations_json(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let kinds: serde_json::Map<String, serde_json::Value> = loyalty_core::KINDS
            .iter()
            .map(|(name, _, fields)| ((*name).to_owned(), serde_json::json!(fields)))
            .collect();
        let json = crate::json(&kinds)?;
        unsafe { write_str(&json, buf, len, written) }
    })
}
