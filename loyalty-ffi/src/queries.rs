//! Read-only questions a C host asks of an engine beyond the member view and the totals: the
//! clock, the state digest, how many members are at each level, who is enrolled, what a
//! campaign gave, the operation table (issue 22: the C surface answers what the Rust and
//! Python ones do).

use std::ffi::c_char;

use crate::api::{loyalty_engine, write_ids};
use crate::convert::{put, text, to_minor};
use crate::{guard, handle_ref, loyalty_result, write_str, Failure};

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

/// The ids of every enrolled member, in enrolment order, into `ids` (room for `capacity`);
/// `*count` gets how many. If they do not fit: `LOYALTY_BUFFER_TOO_SMALL`, nothing written to
/// `ids`, and `*count` gets how many are needed (`ids` may be NULL with `capacity` 0, to ask).
///
/// # Safety
/// `engine` must be a live handle; `ids` must point to `capacity` `uint64_t`s; `count` to a
/// `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_member_ids(
    engine: *const loyalty_engine,
    ids: *mut u64,
    capacity: usize,
    count: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let found: Vec<u64> = h.engine().member_ids().collect();
        unsafe { write_ids(&found, ids, capacity, count) }
    })
}

/// Whether `member` is enrolled, into `*out`.
///
/// # Safety
/// `engine` must be a live handle; `out` must point to a `bool`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_is_member(
    engine: *const loyalty_engine,
    member: u64,
    out: *mut bool,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        unsafe { put(out, h.engine().is_member(member), "out") }
    })
}

/// The bonus points campaign `name` has given so far, net of refunds, as a decimal string
/// (`"0"` for a name no campaign had).
///
/// # Safety
/// `engine` must be a live handle; `name` a NUL-terminated string; `buf` must point to `len`
/// bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_campaign_used(
    engine: *const loyalty_engine,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let used = h.engine().campaign_used(unsafe { text(name, "name") }?);
        unsafe { write_str(&used.to_string(), buf, len, written) }
    })
}

/// The program in force, as JSON (the form `loyalty_engine_new` takes).
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_program_json(
    engine: *const loyalty_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        unsafe { write_str(&h.engine().program().to_json(), buf, len, written) }
    })
}

/// Points expiring soon (SPEC 9.2): `member`'s available points in lots that expire by `days`
/// days after the clock, as `*points` minor units at `*scale` places (the points scale, or
/// more when a lot has more places, so every figure is readable), and the earliest of those
/// expiries in `*next` when `*has_next`. `LOYALTY_UNKNOWN_MEMBER`, then
/// `LOYALTY_INVALID_INPUT` for `days` outside 0..=36 500. The out-parameters are written only
/// on success.
///
/// # Safety
/// `engine` must be a live handle; `points`, `scale`, `has_next` and `next` must point to an
/// `int64_t`, a `uint32_t`, a `bool` and an `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_expiring(
    engine: *const loyalty_engine,
    member: u64,
    days: i64,
    points: *mut i64,
    scale: *mut u32,
    has_next: *mut bool,
    next: *mut i64,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let soon = h.engine().expiring(member, days)?;
        let places = soon
            .points
            .scale()
            .max(h.engine().program().points_scale as u32);
        let minor = to_minor(soon.points, places, "points")?;
        for (null, what) in [
            (points.is_null(), "points"),
            (scale.is_null(), "scale"),
            (has_next.is_null(), "has_next"),
            (next.is_null(), "next"),
        ] {
            if null {
                return Err(Failure::null(what));
            }
        }
        unsafe { put(points, minor, "points") }?;
        unsafe { put(scale, places, "scale") }?;
        unsafe { put(has_next, soon.next.is_some(), "has_next") }?;
        unsafe { put(next, soon.next.unwrap_or(0), "next") }
    })
}
