//! Durability through the C ABI: snapshots of an engine, and the crash-safe file store.

use std::ffi::c_char;
use std::path::Path;

use ::loyalty_store::{Store, StoreError, SyncPolicy};
use loyalty_core::{statement, Engine, Operation, Program};

use crate::api::{loyalty_engine, loyalty_outcome, summarize};
use crate::convert::{put, text};
use crate::{guard, handle_mut, handle_ref, json, loyalty_result, write_str, Failure, Handle};

/// A crash-safe store: an engine whose accepted operations are journaled to a directory before
/// they are acknowledged. Opaque; `loyalty_store_open` / `loyalty_store_free`. Not thread-safe.
#[derive(Debug)]
pub struct loyalty_store {
    store: Store,
}

impl Handle for loyalty_store {
    const NAME: &'static str = "store";
}

impl loyalty_store {
    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Engine(e) => e.into(),
            e => Failure::new(store_result(&e), e.to_string()),
        }
    }
}

/// The C status of a store failure that is not the engine's.
fn store_result(e: &StoreError) -> loyalty_result {
    match e {
        StoreError::Poisoned => loyalty_result::LOYALTY_STORE_POISONED,
        StoreError::Forked { .. } => loyalty_result::LOYALTY_FORKED,
        e if e.is_corruption() => loyalty_result::LOYALTY_CORRUPT,
        _ => loyalty_result::LOYALTY_IO,
    }
}

/// The engine's whole state as JSON, into `buf`.
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_engine_snapshot_json(
    engine: *const loyalty_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        unsafe { write_str(&h.engine().snapshot_json(), buf, len, written) }
    })
}

/// A new engine from a snapshot written by `loyalty_engine_snapshot_json`.
///
/// # Safety
/// `snapshot_json` must be a NUL-terminated string; `out` must point to a `loyalty_engine *`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_engine_from_snapshot_json(
    snapshot_json: *const c_char,
    out: *mut *mut loyalty_engine,
) -> loyalty_result {
    guard(|| {
        let engine = Engine::from_snapshot_json(unsafe { text(snapshot_json, "snapshot_json") }?)?;
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        unsafe { put(out, loyalty_engine::boxed(engine), "out") }
    })
}

/// Opens (or creates, with `program_json`) the store in directory `dir`. `sync_every` is how
/// many records go between two syncs to disk: 1 syncs each record (nothing acknowledged is
/// ever lost), 0 never syncs explicitly.
///
/// # Safety
/// `dir` and `program_json` must be NUL-terminated strings; `out` must point to a
/// `loyalty_store *`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_store_open(
    dir: *const c_char,
    program_json: *const c_char,
    sync_every: u32,
    out: *mut *mut loyalty_store,
) -> loyalty_result {
    guard(|| {
        let dir = unsafe { text(dir, "dir") }?;
        let program = Program::from_json(unsafe { text(program_json, "program_json") }?)?;
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let store = Store::open(Path::new(dir), &program, SyncPolicy::every(sync_every))?;
        unsafe { put(out, Box::into_raw(Box::new(loyalty_store { store })), "out") }
    })
}

/// Frees a store (its journal is already on disk per the sync policy). NULL does nothing.
///
/// # Safety
/// `store` must come from `loyalty_store_open` and not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn loyalty_store_free(store: *mut loyalty_store) {
    // SAFETY: handles come from `Box::into_raw` in `loyalty_store_open`.
    unsafe { crate::free_boxed(store) }
}

/// Applies an operation in its JSON form; it is journaled before this returns `LOYALTY_OK`.
///
/// # Safety
/// `store` must be a live handle; `op_json` a NUL-terminated string; `out` NULL or pointing
/// to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_store_apply_json(
    store: *mut loyalty_store,
    op_json: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    guard(|| {
        let s = unsafe { handle_mut(store) }?;
        let op = Operation::from_json(unsafe { text(op_json, "op_json") }?)?;
        let outcome = s.store.apply(&op)?;
        if !out.is_null() {
            let scale = s.store.engine().program().points_scale as u32;
            // SAFETY: non-NULL `out` points to a writable `loyalty_outcome`.
            unsafe { out.write(summarize(&outcome, scale)) };
        }
        Ok(())
    })
}

/// Writes a snapshot so that opening skips replaying the records before it.
///
/// # Safety
/// `store` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn loyalty_store_snapshot(store: *mut loyalty_store) -> loyalty_result {
    guard(|| {
        let s = unsafe { handle_mut(store) }?;
        s.store.snapshot().map(|_| ()).map_err(Failure::from)
    })
}

/// How many records the store's journal holds.
///
/// # Safety
/// `store` must be a live handle; `records` must point to a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_store_records(
    store: *const loyalty_store,
    records: *mut u64,
) -> loyalty_result {
    guard(|| {
        let s = unsafe { handle_ref(store) }?;
        unsafe { put(records, s.store.records(), "records") }
    })
}

/// Member `member` as JSON (as `loyalty_member_json`).
///
/// # Safety
/// `store` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_store_member_json(
    store: *const loyalty_store,
    member: u64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let s = unsafe { handle_ref(store) }?;
        let view = s.store.engine().member(member)?;
        unsafe { write_str(&json(&view)?, buf, len, written) }
    })
}

/// Member `member`'s statement from the journal as JSON: a list of lines with `at`,
/// `operation`, `id`, `what`, `available_change`, `pending_change` and `balance`.
///
/// # Safety
/// `store` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_store_statement_json(
    store: *const loyalty_store,
    member: u64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let s = unsafe { handle_ref(store) }?;
        let lines = statement(member, &s.store.read_journal()?);
        unsafe { write_str(&json(&lines)?, buf, len, written) }
    })
}
