//! C ABI for the loyalty engine.
//!
//! Conventions (the rustls-ffi ones):
//! - every function returns a [`loyalty_result`] (or nothing, for `_free`) and runs inside a
//!   panic boundary: a panic becomes `LOYALTY_PANIC`, never an unwind into C;
//! - handles are opaque; each `_new` has a `_free` that accepts NULL;
//! - out-parameters are written only on `LOYALTY_OK`, but for the size needed on
//!   `LOYALTY_BUFFER_TOO_SMALL` (so that a caller can allocate it and call again);
//! - after any failure, `loyalty_last_error_message` gives a message naming the bad value (the
//!   message is kept per thread, like `errno`).
//!
//! Amounts cross as `int64_t` minor units at the program's scale (1234.50 at scale 2 is 123450)
//! or, in the `_str` functions, as decimal strings.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

mod api;
mod catalogue;
mod checkout;
mod convert;
mod durable;
mod provisional;
mod queries;
mod result;
mod terminal;

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use loyalty_core::{Error, ErrorKind};

pub use api::*;
pub use catalogue::*;
pub use checkout::*;
pub use durable::*;
pub use provisional::*;
pub use queries::*;
pub use result::loyalty_result;
pub use terminal::*;

impl loyalty_result {
    fn from_kind(kind: ErrorKind) -> loyalty_result {
        let code = kind.code() as usize;
        Self::FROM_KIND
            .get(code.wrapping_sub(1))
            .copied()
            .unwrap_or(loyalty_result::LOYALTY_PANIC)
    }
}

/// A failure inside the binding: its status and message.
pub(crate) struct Failure {
    result: loyalty_result,
    message: String,
}

impl Failure {
    pub(crate) fn new(result: loyalty_result, message: impl Into<String>) -> Failure {
        Failure {
            result,
            message: message.into(),
        }
    }

    pub(crate) fn null(what: &str) -> Failure {
        Failure::new(
            loyalty_result::LOYALTY_NULL_POINTER,
            format!("{what} is NULL"),
        )
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure {
            result: loyalty_result::from_kind(e.kind()),
            message: e.message().to_owned(),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Keeps a failure's message for `loyalty_last_error_message`. A NUL inside it (a `\u0000`
/// from the caller's JSON, quoted back) would cut the C string short: it is written `\0`.
fn set_last_error(message: String) {
    let message = if message.contains('\0') {
        message.replace('\0', "\\0")
    } else {
        message
    };
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
}

/// Runs `body` inside the panic boundary and turns its result into a status.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> loyalty_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => loyalty_result::LOYALTY_OK,
        Ok(Err(f)) => {
            set_last_error(f.message);
            f.result
        }
        Err(_) => {
            set_last_error(String::from(
                "internal error (a panic was caught at the C boundary)",
            ));
            loyalty_result::LOYALTY_PANIC
        }
    }
}

/// A value as JSON for a caller's buffer (serialising the engine's own types cannot fail; if
/// it ever did, that is a bug, reported as `LOYALTY_PANIC`).
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value)
        .map_err(|e| Failure::new(loyalty_result::LOYALTY_PANIC, e.to_string()))
}

/// Drops a handle made by `Box::into_raw`, inside the panic boundary; NULL does nothing.
///
/// # Safety
/// `handle` must be NULL or come from `Box::into_raw` and not be used afterwards.
pub(crate) unsafe fn free_boxed<T>(handle: *mut T) {
    if !handle.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the caller's promise.
            drop(unsafe { Box::from_raw(handle) });
        }));
    }
}

/// An opaque handle type of this library, named in messages (Castable-style: one way from a C
/// pointer to a Rust reference for every handle).
pub(crate) trait Handle {
    /// The handle's name in a NULL-pointer message ("engine", "store").
    const NAME: &'static str;
}

/// The handle `p` points to, or `LOYALTY_NULL_POINTER` naming it.
///
/// # Safety
/// `p` must be NULL or a live handle from its `_new`, not freed and not used mutably elsewhere
/// meanwhile.
pub(crate) unsafe fn handle_ref<'a, T: Handle>(p: *const T) -> Result<&'a T, Failure> {
    // SAFETY: the caller's promise.
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(T::NAME))
}

/// The handle `p` points to, mutably, or `LOYALTY_NULL_POINTER` naming it.
///
/// # Safety
/// As for [`handle_ref`], and not used at all elsewhere meanwhile.
pub(crate) unsafe fn handle_mut<'a, T: Handle>(p: *mut T) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller's promise.
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(T::NAME))
}

/// Copies `text` and a NUL into `buf` of `len` bytes; `*written` gets the length without the
/// NUL. If it does not fit: `LOYALTY_BUFFER_TOO_SMALL`, nothing written to `buf`, and
/// `*written` gets the size needed (NUL included), so that the caller can allocate and call
/// again; `buf` may be NULL when `len` is 0, to ask for that size.
pub(crate) unsafe fn write_str(
    text: &str,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> Result<(), Failure> {
    if buf.is_null() && len > 0 {
        return Err(Failure::null("buf"));
    }
    if written.is_null() {
        return Err(Failure::null("written"));
    }
    let needed = text.len() + 1;
    if len < needed {
        // SAFETY: `written` is non-null and the caller promises it points to a `size_t`.
        unsafe { *written = needed };
        return Err(Failure::new(
            loyalty_result::LOYALTY_BUFFER_TOO_SMALL,
            format!("buffer of {len} bytes is too small: {needed} needed"),
        ));
    }
    // SAFETY: the caller promises `buf` points to `len` writable bytes; we write `needed ≤ len`.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        *buf.add(text.len()) = 0;
        *written = text.len();
    }
    Ok(())
}

/// Writes the message of this thread's last failure into `buf` (NUL-terminated); `*written`
/// gets its length. An empty message if nothing failed yet.
///
/// # Safety
/// `buf` must point to `len` writable bytes and `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_last_error_message(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    // The message must survive this call's own failure, so it is read before `guard` runs.
    let message = LAST_ERROR.with(|e| e.borrow().clone());
    let result = catch_unwind(AssertUnwindSafe(|| unsafe {
        write_str(&message, buf, len, written)
    }));
    match result {
        Ok(Ok(())) => loyalty_result::LOYALTY_OK,
        Ok(Err(f)) => f.result,
        Err(_) => loyalty_result::LOYALTY_PANIC,
    }
}

/// The name of a result: the SPEC error name (`"InsufficientPoints"`), `"Ok"`, the binding's
/// own (`"NullPointer"`, `"InvalidUtf8"`, `"BufferTooSmall"`, `"Panic"`, `"Io"`), or
/// `"Unknown"` for a number that is no result. Takes a plain integer, since a C caller can
/// pass any (an enum parameter holding another value would be undefined behaviour in Rust).
/// A static string: never free it.
#[no_mangle]
pub extern "C" fn loyalty_result_name(result: i32) -> *const c_char {
    loyalty_result::ALL
        .iter()
        .find(|r| **r as i32 == result)
        .map_or(c"Unknown", |r| r.c_name())
        .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn result_numbers_match_the_core_error_codes() {
        for kind in ErrorKind::ALL {
            let result = loyalty_result::from_kind(kind);
            assert_eq!(result as u32, kind.code());
            assert_eq!(result.c_name().to_str().ok(), Some(kind.name()));
        }
    }

    #[test]
    fn every_integer_has_a_name() {
        for (n, name) in [
            (0, "Ok"),
            (19, "InvalidInput"),
            (104, "Io"),
            (21, "UnknownRedemption"),
            (22, "UnknownHold"),
            (23, "Unknown"),
            (-1, "Unknown"),
            (i32::MAX, "Unknown"),
        ] {
            let got = unsafe { CStr::from_ptr(loyalty_result_name(n)) };
            assert_eq!(got.to_str().ok(), Some(name));
        }
    }
}
