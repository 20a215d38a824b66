//! The reward catalogue (SPEC 9.5) for C: `redeem`, `cancel` and the stock left. The typed
//! operations take the fields of the core's operation table in order
//! (`loyalty_operations_json`), then the outcome.

use std::ffi::c_char;

use loyalty_core::{Cancel, Operation, Redeem};

use crate::api::{loyalty_engine, loyalty_outcome, run};
use crate::convert::{put, text};
use crate::{guard, handle_ref, loyalty_result};

/// Redeems `quantity` of reward `reward` (its name) for `member`: the points leave the
/// member's lots earliest expiry first and count to `redeemed`.
///
/// # Safety
/// `engine` must be a live handle; `reward` a NUL-terminated string; `out` NULL or pointing to
/// a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_redeem(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    reward: *const c_char,
    quantity: u64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    let build = |_: &loyalty_engine| {
        let reward = unsafe { text(reward, "reward") }?;
        Ok(Operation::from(
            Redeem::new(id, at, member, reward).with_quantity(quantity),
        ))
    };
    unsafe { run(engine, out, build) }
}

/// Cancels the redemption made by operation `redemption`: its points come back as a new lot.
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_cancel(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    redemption: u64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe { run(engine, out, |_| Ok(Cancel::new(id, at, redemption).into())) }
}

/// How many of reward `reward` are left: `*limited` false for unlimited stock (`*left` then
/// 0), else `*left` = max(0, stock − used). A name not in the catalogue is
/// `LOYALTY_INVALID_INPUT`; the out-parameters are written only on success.
///
/// # Safety
/// `engine` must be a live handle; `reward` a NUL-terminated string; `limited` and `left` must
/// point to a `bool` and a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_stock_left(
    engine: *const loyalty_engine,
    reward: *const c_char,
    limited: *mut bool,
    left: *mut u64,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let stock = h.engine().stock_left(unsafe { text(reward, "reward") }?)?;
        if limited.is_null() {
            return Err(crate::Failure::null("limited"));
        }
        unsafe { put(left, stock.unwrap_or(0), "left") }?;
        unsafe { put(limited, stock.is_some(), "limited") }
    })
}
