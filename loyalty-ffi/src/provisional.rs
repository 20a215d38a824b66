//! Dry runs and provisional operations for C (what Rust's `Engine::plan`,
//! `apply_provisionally` and `revert`, and Python's, do), and outcomes by id: a host that shares
//! one journal plans on its replica, and one that lost an outcome asks for it again.

use std::ffi::c_char;

use loyalty_core::{Operation, Provisional};

use crate::api::loyalty_engine;
use crate::convert::{put, text};
use crate::{guard, handle_mut, handle_ref, loyalty_result, write_str, Failure, Handle};

/// What takes back an operation applied with `loyalty_apply_provisionally_json`: give it to
/// `loyalty_revert` (newest first), or free it with `loyalty_provisional_free` to keep the
/// operation.
#[derive(Debug)]
pub struct loyalty_provisional {
    inner: Provisional,
}

impl Handle for loyalty_provisional {
    const NAME: &'static str = "provisional";
}

/// The outcome the operation `op_json` (its JSON form) would have if it were applied now, as
/// JSON, or the error it would be refused with; the engine is left as it was.
///
/// # Safety
/// `engine` must be a live handle; `op_json` a NUL-terminated string; `buf` must point to `len`
/// bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_plan_json(
    engine: *mut loyalty_engine,
    op_json: *const c_char,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        let op = Operation::from_json(unsafe { text(op_json, "op_json") }?)?;
        let json = crate::json(&h.engine_mut().plan(&op)?)?;
        unsafe { write_str(&json, buf, len, written) }
    })
}

/// Applies `op_json` as `loyalty_apply_json` does and writes to `*out` what takes it back. The
/// operation stays unless it is given to `loyalty_revert`.
///
/// # Safety
/// `engine` must be a live handle; `op_json` a NUL-terminated string; `out` must point to a
/// `loyalty_provisional *`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_apply_provisionally_json(
    engine: *mut loyalty_engine,
    op_json: *const c_char,
    out: *mut *mut loyalty_provisional,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        let op = Operation::from_json(unsafe { text(op_json, "op_json") }?)?;
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let (_, inner) = h.engine_mut().apply_provisionally(&op)?;
        let boxed = Box::into_raw(Box::new(loyalty_provisional { inner }));
        unsafe { put(out, boxed, "out") }
    })
}

/// Takes back the operation `provisional` stands for (newest first when there are several)
/// and frees `provisional`. NULL does nothing.
///
/// # Safety
/// `engine` must be a live handle; `provisional` NULL or a handle from
/// `loyalty_apply_provisionally_json` on this engine, not freed.
#[no_mangle]
pub unsafe extern "C" fn loyalty_revert(
    engine: *mut loyalty_engine,
    provisional: *mut loyalty_provisional,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        if provisional.is_null() {
            return Ok(());
        }
        // SAFETY: the handle came from `Box::into_raw` in `loyalty_apply_provisionally_json`.
        let p = unsafe { Box::from_raw(provisional) };
        h.engine_mut().revert(p.inner);
        Ok(())
    })
}

/// Frees `provisional`, keeping its operation. NULL does nothing.
///
/// # Safety
/// `provisional` NULL or a handle from `loyalty_apply_provisionally_json`, not freed.
#[no_mangle]
pub unsafe extern "C" fn loyalty_provisional_free(provisional: *mut loyalty_provisional) {
    // SAFETY: handles come from `Box::into_raw`.
    unsafe { crate::free_boxed(provisional) }
}

/// The outcome of the accepted operation `id`, as JSON, as it was returned then;
/// `LOYALTY_INVALID_INPUT` for an id never accepted.
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_outcome_of_json(
    engine: *const loyalty_engine,
    id: u64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let outcome = h.engine().outcome(id).ok_or_else(|| {
            Failure::new(
                loyalty_result::LOYALTY_INVALID_INPUT,
                format!("operation {id} was not accepted"),
            )
        })?;
        unsafe { write_str(&crate::json(&outcome)?, buf, len, written) }
    })
}

/// The outcome of the last tick (releases, gifts and expiries it made), as JSON; a tick has
/// no id to ask for it by. An engine that has not ticked gives an outcome with no postings.
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_last_tick_json(
    engine: *const loyalty_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let json = crate::json(h.engine().last_tick())?;
        unsafe { write_str(&json, buf, len, written) }
    })
}
