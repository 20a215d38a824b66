//! Checkout for C (SPEC 9.1, 9.7): holds, their capture and release, and offline orders. Each
//! operation comes in minor units and as decimal strings (`_str`), like the others.

use std::ffi::c_char;

use loyalty_core::{Hold, Offline, Operation, Order, Release};

use crate::api::{loyalty_engine, loyalty_outcome, run, Amount};
use crate::convert::text;
use crate::{loyalty_result, Failure};

/// # Safety
/// The strings in its `Amount`s must be NULL or NUL-terminated, as the exports' callers promise.
unsafe fn hold(
    h: &loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    points: Amount,
) -> Result<Operation, Failure> {
    let points = unsafe { points.resolve(h) }?;
    Ok(Hold::new(id, at, member, points).into())
}

/// Reserves `points` (minor units) of `member`'s for a checkout: they leave the member's
/// available points into hold `id` until an order captures it (`loyalty_capture`), a
/// `loyalty_release` gives it back, or it times out (`holds.ttl_seconds`).
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_hold(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    points: i64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            hold(h, id, at, member, Amount::Points(points))
        })
    }
}

/// `loyalty_hold` with a decimal string.
///
/// # Safety
/// As `loyalty_hold`; `points` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn loyalty_hold_str(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    points: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            hold(h, id, at, member, Amount::Text(points, "points"))
        })
    }
}

/// Gives open hold `hold` back to its member (a failed payment, an abandoned cart).
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_release(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    hold: u64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe { run(engine, out, |_| Ok(Release::new(id, at, hold).into())) }
}

/// # Safety
/// As [`hold`].
unsafe fn capture(
    h: &loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    (amount, points): (Amount, Amount),
    hold: u64,
) -> Result<Operation, Failure> {
    let (amount, points) = unsafe { (amount.resolve(h)?, points.resolve(h)?) };
    Ok(Order::new(id, at, member, amount)
        .with_points(points)
        .with_hold(hold)
        .into())
}

/// An order of `amount` (minor units of money) paying `points` (minor units, 0 allowed) from
/// open hold `hold`: the rest of the hold goes back to the member, and the hold closes.
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_capture(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    amount: i64,
    points: i64,
    hold: u64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    let amounts = (Amount::Money(amount), Amount::Points(points));
    unsafe { run(engine, out, |h| capture(h, id, at, member, amounts, hold)) }
}

/// `loyalty_capture` with decimal strings; `points` may be NULL (none spent: the whole hold
/// goes back).
///
/// # Safety
/// As `loyalty_capture`; `amount` a NUL-terminated string, `points` NULL or one.
#[no_mangle]
pub unsafe extern "C" fn loyalty_capture_str(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    amount: *const c_char,
    points: *const c_char,
    hold: u64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    let amounts = (
        Amount::Text(amount, "amount"),
        Amount::ZeroIfNull(points, "points"),
    );
    unsafe { run(engine, out, |h| capture(h, id, at, member, amounts, hold)) }
}

/// # Safety
/// As [`hold`]; `terminal` NULL or a NUL-terminated string.
unsafe fn offline(
    h: &loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    (amount, points): (Amount, Amount),
    (terminal, recorded_at): (*const c_char, i64),
) -> Result<Operation, Failure> {
    let (amount, points) = unsafe { (amount.resolve(h)?, points.resolve(h)?) };
    let terminal = unsafe { text(terminal, "terminal") }?;
    Ok(Order::new(id, at, member, amount)
        .with_points(points)
        .with_offline(Offline::new(terminal, recorded_at))
        .into())
}

/// An order a terminal made while offline, arriving now (`at`): sold at `terminal` at
/// `recorded_at` (≤ `at`). Its `points` are never refused for want of balance: what the
/// member's points do not cover becomes debt, counted to the `overdraft` total.
///
/// # Safety
/// `engine` must be a live handle; `terminal` a NUL-terminated string; `out` NULL or pointing
/// to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_order_offline(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    amount: i64,
    points: i64,
    terminal: *const c_char,
    recorded_at: i64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    let amounts = (Amount::Money(amount), Amount::Points(points));
    let origin = (terminal, recorded_at);
    unsafe { run(engine, out, |h| offline(h, id, at, member, amounts, origin)) }
}

/// `loyalty_order_offline` with decimal strings; `points` may be NULL (none spent).
///
/// # Safety
/// As `loyalty_order_offline`; `amount` a NUL-terminated string, `points` NULL or one.
#[no_mangle]
pub unsafe extern "C" fn loyalty_order_offline_str(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    amount: *const c_char,
    points: *const c_char,
    terminal: *const c_char,
    recorded_at: i64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    let amounts = (
        Amount::Text(amount, "amount"),
        Amount::ZeroIfNull(points, "points"),
    );
    let origin = (terminal, recorded_at);
    unsafe { run(engine, out, |h| offline(h, id, at, member, amounts, origin)) }
}
