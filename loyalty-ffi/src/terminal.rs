//! Offline terminals for C (`loyalty-terminal`, docs/offline.md): a terminal's queue and cache in
//! a directory, offline sales within each member's allowance, and the sync, straight into a
//! store, through the host's own network in one call (`loyalty_terminal_sync` with a transport
//! callback), or in two (`loyalty_terminal_batch_json`, then `loyalty_terminal_acknowledge`).
//! Amounts are minor units at the cached program's scales.

use std::ffi::{c_char, c_void, CString};
use std::path::Path;

use ::loyalty_terminal::{into_store, Cache, Terminal, TerminalError};
use loyalty_core::Decimal;

use crate::api::loyalty_engine;
use crate::convert::{from_minor, put, text, to_minor};
use crate::durable::loyalty_store;
use crate::{guard, handle_mut, handle_ref, json, loyalty_result, write_str, Failure, Handle};

/// A terminal working offline from its directory. Opaque; `loyalty_terminal_create` or
/// `loyalty_terminal_open`, then `loyalty_terminal_free`. Not thread-safe.
#[derive(Debug)]
pub struct loyalty_terminal {
    terminal: Terminal,
}

impl Handle for loyalty_terminal {
    const NAME: &'static str = "terminal";
}

/// What the cashier hands the customer for an offline sale, in minor units of points.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct loyalty_receipt {
    /// The id the sale goes to the centre under.
    pub id: u64,
    /// Points redeemed: final.
    pub points_redeemed: i64,
    /// Points the sale should earn, from the cached program: an estimate.
    pub points_earned_estimate: i64,
}

impl From<TerminalError> for Failure {
    fn from(e: TerminalError) -> Failure {
        match e {
            TerminalError::Engine(e) => e.into(),
            TerminalError::Store(e) => e.into(),
            e @ TerminalError::BadCache(_) => {
                Failure::new(loyalty_result::LOYALTY_CORRUPT, e.to_string())
            }
            e @ TerminalError::BadTerminal(_) => {
                Failure::new(loyalty_result::LOYALTY_INVALID_INPUT, e.to_string())
            }
            e => Failure::new(loyalty_result::LOYALTY_IO, e.to_string()),
        }
    }
}

impl loyalty_terminal {
    fn points(&self, v: i64) -> Decimal {
        from_minor(v, self.terminal.cache().program.points_scale as u32)
    }

    fn money(&self, v: i64) -> Decimal {
        from_minor(v, self.terminal.cache().program.money_scale as u32)
    }

    fn minor_points(&self, v: Decimal, what: &str) -> Result<i64, Failure> {
        to_minor(v, self.terminal.cache().program.points_scale as u32, what)
    }
}

/// The centre's side: the cache of every member of `engine` for a terminal, as JSON.
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_cache_json(
    engine: *const loyalty_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        unsafe { write_str(&Cache::export_all(h.engine()).to_json(), buf, len, written) }
    })
}

/// Sets up terminal `number` (≥ 1, unique in the shop) named `name` in directory `dir` from the
/// centre's cache (`loyalty_terminal_cache_json`). A directory with a queue already is refused.
///
/// # Safety
/// `dir`, `name` and `cache_json` must be NUL-terminated strings; `out` must point to a
/// `loyalty_terminal *`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_create(
    dir: *const c_char,
    number: u16,
    name: *const c_char,
    cache_json: *const c_char,
    out: *mut *mut loyalty_terminal,
) -> loyalty_result {
    guard(|| {
        let dir = unsafe { text(dir, "dir") }?;
        let name = unsafe { text(name, "name") }?;
        let cache = Cache::from_json(unsafe { text(cache_json, "cache_json") }?)?;
        unsafe {
            hand_out(out, || {
                Terminal::create(Path::new(dir), number, name, &cache)
            })
        }
    })
}

/// Reopens terminal `number` from `dir` (after a restart or a crash: what was acknowledged is
/// there). Another terminal's queue is `LOYALTY_INVALID_INPUT`; damage is `LOYALTY_CORRUPT`.
///
/// # Safety
/// `dir` must be a NUL-terminated string; `out` must point to a `loyalty_terminal *`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_open(
    dir: *const c_char,
    number: u16,
    out: *mut *mut loyalty_terminal,
) -> loyalty_result {
    guard(|| {
        let dir = unsafe { text(dir, "dir") }?;
        unsafe { hand_out(out, || Terminal::open(Path::new(dir), number)) }
    })
}

/// Makes the terminal `make` gives (after checking `out`, so that a NULL `out` touches no
/// directory) and writes its handle through `out`.
///
/// # Safety
/// `out` NULL or pointing to a writable `loyalty_terminal *`.
unsafe fn hand_out(
    out: *mut *mut loyalty_terminal,
    make: impl FnOnce() -> Result<Terminal, TerminalError>,
) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null("out"));
    }
    let handle = Box::into_raw(Box::new(loyalty_terminal { terminal: make()? }));
    unsafe { put(out, handle, "out") }
}

/// Frees a terminal (its queue is on disk). NULL does nothing.
///
/// # Safety
/// `terminal` must come from `loyalty_terminal_create` or `_open` and not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_free(terminal: *mut loyalty_terminal) {
    // SAFETY: handles come from `Box::into_raw` in `loyalty_terminal_create` / `_open`.
    unsafe { crate::free_boxed(terminal) }
}

/// What `member` may spend offline now, into `*points` (minor units).
///
/// # Safety
/// `terminal` must be a live handle; `points` must point to an `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_allowance(
    terminal: *const loyalty_terminal,
    member: u64,
    points: *mut i64,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_ref(terminal) }?;
        let allowance = t.minor_points(t.terminal.allowance(member), "allowance")?;
        unsafe { put(points, allowance, "points") }
    })
}

/// An offline sale of `amount` (minor units of money) paying `points` (minor units) within the
/// member's allowance; queued durably before this returns; `*out` gets the receipt.
///
/// # Safety
/// `terminal` must be a live handle; `out` NULL or pointing to a `loyalty_receipt`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_order(
    terminal: *mut loyalty_terminal,
    at: i64,
    member: u64,
    amount: i64,
    points: i64,
    out: *mut loyalty_receipt,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        let (amount, points) = (t.money(amount), t.points(points));
        let r = t.terminal.order(at, member, amount, points)?;
        let receipt = loyalty_receipt {
            id: r.id,
            points_redeemed: t.minor_points(r.points_redeemed, "points_redeemed")?,
            points_earned_estimate: t
                .minor_points(r.points_earned_estimate, "points_earned_estimate")?,
        };
        if !out.is_null() {
            unsafe { put(out, receipt, "out") }?;
        }
        Ok(())
    })
}

/// Enrols `member` offline (`referrer` NULL: none); `*id` gets the operation's id.
///
/// # Safety
/// `terminal` must be a live handle; `referrer` NULL or pointing to a `uint64_t`; `id` NULL or
/// pointing to a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_enroll(
    terminal: *mut loyalty_terminal,
    at: i64,
    member: u64,
    referrer: *const u64,
    id: *mut u64,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        // SAFETY: NULL or a readable `uint64_t`.
        let referrer = unsafe { referrer.as_ref() }.copied();
        let queued = t.terminal.enroll(at, member, referrer)?;
        if !id.is_null() {
            unsafe { put(id, queued, "id") }?;
        }
        Ok(())
    })
}

/// Refunds `amount` (minor units of money) of `order`, a sale this terminal made.
///
/// # Safety
/// `terminal` must be a live handle; `id` NULL or pointing to a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_refund(
    terminal: *mut loyalty_terminal,
    at: i64,
    order: u64,
    amount: i64,
    id: *mut u64,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        let amount = t.money(amount);
        let queued = t.terminal.refund(at, order, amount)?;
        if !id.is_null() {
            unsafe { put(id, queued, "id") }?;
        }
        Ok(())
    })
}

/// How many operations wait for the centre, into `*count`.
///
/// # Safety
/// `terminal` must be a live handle; `count` must point to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_pending(
    terminal: *const loyalty_terminal,
    count: *mut usize,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_ref(terminal) }?;
        unsafe { put(count, t.terminal.pending().count(), "count") }
    })
}

/// Syncs straight into a store (the back office's centre): every pending operation, in order,
/// at `now`; `*answered` gets how many the store answered (applied, or refused for good).
///
/// # Safety
/// `terminal` and `store` must be live handles; `answered` NULL or pointing to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_sync_store(
    terminal: *mut loyalty_terminal,
    now: i64,
    store: *mut loyalty_store,
    answered: *mut usize,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        let s = unsafe { handle_mut(store) }?;
        let report = t.terminal.sync(now, into_store(s.store_mut()))?;
        if !answered.is_null() {
            unsafe { put(answered, report.answered, "answered") }?;
        }
        Ok(())
    })
}

/// Syncs straight into an engine handle (a demo, a test, a centre in the same process): as
/// `loyalty_terminal_sync_store`, without a journal.
///
/// # Safety
/// `terminal` and `engine` must be live handles; `answered` NULL or pointing to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_sync_engine(
    terminal: *mut loyalty_terminal,
    now: i64,
    engine: *mut loyalty_engine,
    answered: *mut usize,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        let centre = unsafe { handle_mut(engine) }?.engine_mut();
        let transport = |ops: &[loyalty_core::Operation]| {
            Ok::<_, std::convert::Infallible>(
                ops.iter().map(|op| centre.apply(op)).collect::<Vec<_>>(),
            )
        };
        let report = t.terminal.sync(now, transport)?;
        if !answered.is_null() {
            unsafe { put(answered, report.answered, "answered") }?;
        }
        Ok(())
    })
}

/// The host's transport for `loyalty_terminal_sync`: sends `batch_json` (`batch_len` bytes and a
/// NUL, a JSON array of operations) to the centre, which applies each in order
/// (`loyalty_apply_json`), and writes into `*answered` how many it answered: applied, or refused
/// for good; stop counting at the first `LOYALTY_TIME_WENT_BACKWARDS` (that one and the rest go
/// again). Returns 0 when the answers came back; anything else means they were lost, and
/// nothing is marked sent.
pub type loyalty_transport = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        batch_json: *const c_char,
        batch_len: usize,
        answered: *mut usize,
    ) -> i32,
>;

/// Syncs through the host's network: the pending operations, dated `now`, go to `transport`
/// (with `ctx`) as one batch; what it says the centre answered is marked sent (durable on
/// return) and `*answered` gets how many. A transport that fails is `LOYALTY_IO`, one that claims
/// more answers than operations `LOYALTY_INVALID_INPUT`: nothing is marked, sync again (the
/// centre answers a resent operation with its first outcome). With nothing pending the transport
/// is not called.
///
/// # Safety
/// `terminal` must be a live handle; `transport` a function safe to call with `ctx`, which does
/// not use this terminal while it runs; `answered` NULL or pointing to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_sync(
    terminal: *mut loyalty_terminal,
    now: i64,
    transport: loyalty_transport,
    ctx: *mut c_void,
    answered: *mut usize,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        let send = transport.ok_or_else(|| Failure::null("transport"))?;
        let batch = t.terminal.batch(now)?;
        let mut count = 0;
        if !batch.is_empty() {
            // JSON escapes every control character: the text has no NUL inside.
            let text = CString::new(json(&batch)?)
                .map_err(|e| Failure::new(loyalty_result::LOYALTY_PANIC, e.to_string()))?;
            let len = text.as_bytes().len();
            let status = unsafe { send(ctx, text.as_ptr(), len, &raw mut count) };
            if status != 0 {
                return Err(Failure::new(
                    loyalty_result::LOYALTY_IO,
                    format!("the transport returned {status}: nothing was marked sent; sync again"),
                ));
            }
            if count > batch.len() {
                return Err(Failure::new(
                    loyalty_result::LOYALTY_INVALID_INPUT,
                    format!(
                        "the transport says {count} answered of {} sent: nothing was marked sent",
                        batch.len()
                    ),
                ));
            }
            t.terminal.acknowledge_batch(&batch, count)?;
        }
        if !answered.is_null() {
            unsafe { put(answered, count, "answered") }?;
        }
        Ok(())
    })
}

/// The pending operations as a JSON array dated `now`, for a host that carries batches over its
/// own network: the centre applies each (`loyalty_apply_json`), then the host calls
/// `loyalty_terminal_acknowledge` with how many it answered.
///
/// # Safety
/// `terminal` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_batch_json(
    terminal: *const loyalty_terminal,
    now: i64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_ref(terminal) }?;
        let batch = json(&t.terminal.batch(now)?)?;
        unsafe { write_str(&batch, buf, len, written) }
    })
}

/// Marks the first `count` pending operations as answered by the centre (durable on return).
///
/// # Safety
/// `terminal` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_acknowledge(
    terminal: *mut loyalty_terminal,
    count: usize,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        Ok(t.terminal.acknowledge_first(count)?)
    })
}

/// Replaces the cache with one the centre exported after the last sync.
///
/// # Safety
/// `terminal` must be a live handle; `cache_json` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn loyalty_terminal_refresh(
    terminal: *mut loyalty_terminal,
    cache_json: *const c_char,
) -> loyalty_result {
    guard(|| {
        let t = unsafe { handle_mut(terminal) }?;
        let cache = Cache::from_json(unsafe { text(cache_json, "cache_json") }?)?;
        Ok(t.terminal.refresh(&cache)?)
    })
}
