//! The exported functions: the engine handle, one function per operation, the queries.

use std::ffi::c_char;

use loyalty_core::{
    Adjust, Configure, Decimal, Engine, Enroll, Line, MemberKind, NpsQuery, Operation, Order,
    Outcome, Program, Refund, Survey, Tick, Transfer,
};

use crate::convert::{
    decimal, from_minor, optional_text, put, text, to_minor, to_minor_saturating,
};
use crate::{guard, handle_mut, handle_ref, loyalty_result, write_str, Failure, Handle};

/// An engine: a program and its state. Opaque. Create with `loyalty_engine_new`, free with
/// `loyalty_engine_free`. Not thread-safe: one handle must not be used by two threads at once
/// (guard it with a mutex); different handles are independent.
#[derive(Debug)]
pub struct loyalty_engine {
    engine: Engine,
    /// The id of the last accepted operation that has one (its outcome stays in the engine).
    last: Option<u64>,
}

/// A summary of what an accepted operation did, in minor units of points. Values too large for
/// `int64_t` saturate; `loyalty_outcome_json` gives the exact, complete outcome.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct loyalty_outcome {
    /// Points accrued by the buyer of an order (X).
    pub accrued: i64,
    /// Campaign bonuses on an order.
    pub campaign_bonus: i64,
    /// Commissions paid up the referral chain, in all.
    pub commissions: i64,
    /// How many referrers earned a commission.
    pub commission_count: u32,
    /// Points spent on an order, or sent by a transfer.
    pub points: i64,
    /// A transfer's fee.
    pub fee: i64,
    /// Points a refund gave back to the buyer.
    pub points_returned: i64,
    /// Points a refund clawed back (accrual, bonuses and commissions).
    pub clawed: i64,
    /// Points credited as rewards (stamp cards, achievements, a survey, an adjustment).
    pub rewards: i64,
    /// How many members changed level.
    pub tier_changes: u32,
}

/// A member as of the clock. Points in minor units at the points scale; `qualifying` and
/// `to_next` in minor units at `qualifying_scale`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct loyalty_member {
    pub available: i64,
    pub pending: i64,
    pub qualifying: i64,
    /// Index of the member's level (0 is the lowest); see `loyalty_tier_name`.
    pub tier: u32,
    pub has_next_tier: bool,
    pub next_tier: u32,
    pub to_next: i64,
    pub orders: u64,
    pub referrals: u64,
    pub has_referrer: bool,
    pub referrer: u64,
    /// The scale of `qualifying` and `to_next` (the value is `qualifying / 10^qualifying_scale`):
    /// the money scale (spend basis) or the points scale (points basis), or more when the total
    /// has more places, as a spend total can (cash = amount − points × `point_value`). A member
    /// is always readable: no total the engine made is refused for its places.
    pub qualifying_scale: u32,
    /// Points in the member's open holds (v3): the member's, but not available.
    pub held: i64,
    /// Whether a tier grace runs (v3): the member keeps `tier` until `grace_until` though the
    /// qualifying total is below it.
    pub has_grace: bool,
    /// When the grace ends (Unix seconds); 0 when none runs.
    pub grace_until: i64,
}

/// The program totals, in minor units of points.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct loyalty_totals {
    pub issued: i64,
    pub redeemed: i64,
    pub expired: i64,
    pub fees: i64,
    pub liability: i64,
    /// Points offline orders spent beyond their members' balance (v3): it became debt.
    pub overdraft: i64,
}

/// Filters of an NPS query. `segment` may be NULL; `member_kind` is -1 (any), 0 (new) or
/// 1 (regular).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct loyalty_nps_query {
    pub has_from: bool,
    pub from: i64,
    pub has_to: bool,
    pub to: i64,
    pub segment: *const c_char,
    pub member_kind: i32,
}

/// An NPS report; `score_tenths` is the score × 10 (e.g. 333 for 33.3) when `has_score`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct loyalty_nps_report {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub responses: u64,
    pub has_score: bool,
    pub score_tenths: i64,
}

impl Handle for loyalty_engine {
    const NAME: &'static str = "engine";
}

impl loyalty_engine {
    /// A handle owning `engine`, for C.
    pub(crate) fn boxed(engine: Engine) -> *mut loyalty_engine {
        Box::into_raw(Box::new(loyalty_engine { engine, last: None }))
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    fn points_scale(&self) -> u32 {
        self.engine.program().points_scale as u32
    }

    fn money_scale(&self) -> u32 {
        self.engine.program().money_scale as u32
    }

    fn qualifying_scale(&self) -> u32 {
        match self.engine.program().tiers.basis {
            loyalty_core::Basis::Spend => self.money_scale(),
            loyalty_core::Basis::Points => self.points_scale(),
        }
    }

    /// Applies `op`; on success remembers its id and writes the outcome's summary through `out`
    /// (if not NULL). The outcome itself is not copied: the engine keeps it for retries.
    unsafe fn apply(&mut self, op: &Operation, out: *mut loyalty_outcome) -> Result<(), Failure> {
        let scale = self.points_scale();
        let summary = summarize(self.engine.apply_ref(op)?, scale);
        if op.id().is_some() {
            self.last = op.id();
        }
        if !out.is_null() {
            // SAFETY: non-NULL `out` points to a writable `loyalty_outcome`.
            unsafe { out.write(summary) };
        }
        Ok(())
    }
}

/// An amount as a C caller passes it: minor units at the program's money or points scale, or a
/// decimal string. Each operation is built by one function from these, so that the integer
/// export and its `_str` twin share one body.
#[derive(Clone, Copy)]
pub(crate) enum Amount {
    Money(i64),
    Points(i64),
    /// A required decimal string, named for messages.
    Text(*const c_char, &'static str),
    /// An optional decimal string: NULL is zero.
    ZeroIfNull(*const c_char, &'static str),
}

impl Amount {
    /// # Safety
    /// A `Text` or non-NULL `ZeroIfNull` pointer must be a NUL-terminated string.
    pub(crate) unsafe fn resolve(self, h: &loyalty_engine) -> Result<Decimal, Failure> {
        match self {
            Amount::Money(v) => Ok(from_minor(v, h.money_scale())),
            Amount::Points(v) => Ok(from_minor(v, h.points_scale())),
            Amount::ZeroIfNull(p, _) if p.is_null() => Ok(Decimal::ZERO),
            Amount::Text(p, what) | Amount::ZeroIfNull(p, what) => unsafe { decimal(p, what) },
        }
    }
}

/// Builds an operation against the handle, applies it, and writes the summary through `out`.
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or writable; what `build` reads, valid.
pub(crate) unsafe fn run(
    engine: *mut loyalty_engine,
    out: *mut loyalty_outcome,
    build: impl FnOnce(&loyalty_engine) -> Result<Operation, Failure>,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        let op = build(h)?;
        unsafe { h.apply(&op, out) }
    })
}

/// # Safety
/// The strings in its `Amount`s (and `reason`) must be NULL or NUL-terminated, as the
/// exports' callers promise.
unsafe fn order(
    h: &loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    amount: Amount,
    points: Amount,
) -> Result<Operation, Failure> {
    let (amount, points) = unsafe { (amount.resolve(h)?, points.resolve(h)?) };
    Ok(Order::new(id, at, member, amount)
        .with_points(points)
        .into())
}

/// # Safety
/// The strings in its `Amount`s (and `reason`) must be NULL or NUL-terminated, as the
/// exports' callers promise.
unsafe fn refund(
    h: &loyalty_engine,
    id: u64,
    at: i64,
    order: u64,
    amount: Amount,
) -> Result<Operation, Failure> {
    let amount = unsafe { amount.resolve(h) }?;
    Ok(Refund::new(id, at, order, amount).into())
}

/// # Safety
/// The strings in its `Amount`s (and `reason`) must be NULL or NUL-terminated, as the
/// exports' callers promise.
unsafe fn transfer(
    h: &loyalty_engine,
    id: u64,
    at: i64,
    from: u64,
    to: u64,
    points: Amount,
) -> Result<Operation, Failure> {
    let points = unsafe { points.resolve(h) }?;
    Ok(Transfer::new(id, at, from, to, points).into())
}

/// # Safety
/// The strings in its `Amount`s (and `reason`) must be NULL or NUL-terminated, as the
/// exports' callers promise.
unsafe fn adjust(
    h: &loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    points: Amount,
    reason: *const c_char,
) -> Result<Operation, Failure> {
    let points = unsafe { points.resolve(h) }?;
    let reason = unsafe { optional_text(reason, "reason") }?;
    Ok(Adjust::new(id, at, member, points)
        .with_reason(reason.unwrap_or_default())
        .into())
}

/// The core's summary of an outcome in minor units (saturating: the operation already
/// happened; `loyalty_outcome_json` is always exact).
pub(crate) fn summarize(outcome: &Outcome, scale: u32) -> loyalty_outcome {
    let m = |v| to_minor_saturating(v, scale);
    let s = outcome.summary();
    loyalty_outcome {
        accrued: m(s.accrued),
        campaign_bonus: m(s.campaign_bonus),
        commissions: m(s.commissions),
        commission_count: s.commission_count,
        points: m(s.points),
        fee: m(s.fee),
        points_returned: m(s.points_returned),
        clawed: m(s.clawed),
        rewards: m(s.rewards),
        tier_changes: s.tier_changes,
    }
}

/// Creates an engine from a JSON program (SPEC section 2). On failure (`LOYALTY_INVALID_CONFIG`
/// and a message naming the field) `*out` is left untouched.
///
/// # Safety
/// `config_json` must be a NUL-terminated string; `out` must point to a `loyalty_engine *`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_engine_new(
    config_json: *const c_char,
    out: *mut *mut loyalty_engine,
) -> loyalty_result {
    guard(|| {
        let json = unsafe { text(config_json, "config_json") }?;
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let engine = Engine::new(Program::from_json(json)?)?;
        unsafe { put(out, loyalty_engine::boxed(engine), "out") }
    })
}

/// Frees an engine. NULL is accepted and does nothing.
///
/// # Safety
/// `engine` must come from `loyalty_engine_new` and not be used after this call.
#[no_mangle]
pub unsafe extern "C" fn loyalty_engine_free(engine: *mut loyalty_engine) {
    // SAFETY: handles come from `loyalty_engine::boxed` (`Box::into_raw`).
    unsafe { crate::free_boxed(engine) }
}

/// The program's money and points scales (decimal places of minor units).
///
/// # Safety
/// `engine` must be a live handle; `money_scale` and `points_scale` must point to `uint32_t`s.
#[no_mangle]
pub unsafe extern "C" fn loyalty_engine_scales(
    engine: *const loyalty_engine,
    money_scale: *mut u32,
    points_scale: *mut u32,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        if money_scale.is_null() || points_scale.is_null() {
            return Err(Failure::null("scale out-parameter"));
        }
        unsafe { put(money_scale, h.money_scale(), "money_scale") }?;
        unsafe { put(points_scale, h.points_scale(), "points_scale") }
    })
}

/// Enrols `member`, referred by `*referrer` (NULL: no referrer). For a birthday, a closed
/// programme's purchase or questionnaire, use `loyalty_apply_json`.
///
/// # Safety
/// `engine` must be a live handle; `referrer` NULL or pointing to a `uint64_t`; `out` NULL or
/// pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_enroll(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    referrer: *const u64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        // SAFETY: NULL or a readable `uint64_t`.
        let referrer = unsafe { referrer.as_ref() }.copied();
        let op = Operation::Enroll(Enroll::new(id, at, member).with_referrer(referrer));
        unsafe { h.apply(&op, out) }
    })
}

/// An order of `amount` (minor units of money) paying `points` (minor units of points) with
/// points.
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_order(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    amount: i64,
    points: i64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            order(
                h,
                id,
                at,
                member,
                Amount::Money(amount),
                Amount::Points(points),
            )
        })
    }
}

/// `loyalty_order` with decimal strings; `points` may be NULL (none spent).
///
/// # Safety
/// As `loyalty_order`; `amount` a NUL-terminated string, `points` NULL or one.
#[no_mangle]
pub unsafe extern "C" fn loyalty_order_str(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    amount: *const c_char,
    points: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            let (amount, points) = (
                Amount::Text(amount, "amount"),
                Amount::ZeroIfNull(points, "points"),
            );
            order(h, id, at, member, amount, points)
        })
    }
}

/// Refunds `amount` (minor units of money) of order `order`.
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_refund(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    order: u64,
    amount: i64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            refund(h, id, at, order, Amount::Money(amount))
        })
    }
}

/// `loyalty_refund` with a decimal string.
///
/// # Safety
/// As `loyalty_refund`; `amount` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn loyalty_refund_str(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    order: u64,
    amount: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            refund(h, id, at, order, Amount::Text(amount, "amount"))
        })
    }
}

/// Sends `points` (minor units) from `from` to `to`.
///
/// # Safety
/// `engine` must be a live handle; `out` NULL or pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_transfer(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    from: u64,
    to: u64,
    points: i64,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            transfer(h, id, at, from, to, Amount::Points(points))
        })
    }
}

/// `loyalty_transfer` with a decimal string.
///
/// # Safety
/// As `loyalty_transfer`; `points` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn loyalty_transfer_str(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    from: u64,
    to: u64,
    points: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            transfer(h, id, at, from, to, Amount::Text(points, "points"))
        })
    }
}

/// A supervisor's correction of `points` (minor units; negative debits); `reason` may be NULL.
///
/// # Safety
/// `engine` must be a live handle; `reason` NULL or a NUL-terminated string; `out` NULL or
/// pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_adjust(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    points: i64,
    reason: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            adjust(h, id, at, member, Amount::Points(points), reason)
        })
    }
}

/// `loyalty_adjust` with a decimal string.
///
/// # Safety
/// As `loyalty_adjust`; `points` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn loyalty_adjust_str(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    points: *const c_char,
    reason: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    unsafe {
        run(engine, out, |h| {
            adjust(h, id, at, member, Amount::Text(points, "points"), reason)
        })
    }
}

/// Moves the clock to `at`: releases, birthday gifts and expiries happen.
///
/// # Safety
/// `engine` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn loyalty_tick(engine: *mut loyalty_engine, at: i64) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        unsafe { h.apply(&Operation::Tick(Tick::new(at)), std::ptr::null_mut()) }
    })
}

/// The supervisor replaces the program (JSON) from `at` on.
///
/// # Safety
/// `engine` must be a live handle; `program_json` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn loyalty_configure(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    program_json: *const c_char,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        let program = Program::from_json(unsafe { text(program_json, "program_json") }?)?;
        unsafe {
            h.apply(
                &Operation::Configure(Box::new(Configure::new(id, at, program))),
                std::ptr::null_mut(),
            )
        }
    })
}

/// A survey answer `score` (0..=10) in `segment` (NULL: none).
///
/// # Safety
/// `engine` must be a live handle; `segment` NULL or a NUL-terminated string; `out` NULL or
/// pointing to a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_survey(
    engine: *mut loyalty_engine,
    id: u64,
    at: i64,
    member: u64,
    score: i32,
    segment: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        let segment = unsafe { optional_text(segment, "segment") }?.map(str::to_owned);
        let op =
            Operation::Survey(Survey::new(id, at, member, i64::from(score)).with_segment(segment));
        unsafe { h.apply(&op, out) }
    })
}

/// Applies any operation in its JSON form (SPEC section 5 and 8: order lines, birthdays,
/// closed-programme fields…), e.g. `{"op": "order", "id": 3, "at": 0, "member": 1, "amount": "10"}`.
///
/// # Safety
/// `engine` must be a live handle; `op_json` a NUL-terminated string; `out` NULL or pointing to
/// a `loyalty_outcome`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_apply_json(
    engine: *mut loyalty_engine,
    op_json: *const c_char,
    out: *mut loyalty_outcome,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_mut(engine) }?;
        let op = Operation::from_json(unsafe { text(op_json, "op_json") }?)?;
        unsafe { h.apply(&op, out) }
    })
}

/// The complete outcome of the last accepted operation that has an id (every kind but a tick) as
/// JSON: effect and postings, decimals as strings. `LOYALTY_INVALID_INPUT` before any was accepted.
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_outcome_json(
    engine: *const loyalty_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let last = h.last.and_then(|id| h.engine.outcome(id)).ok_or_else(|| {
            Failure::new(
                loyalty_result::LOYALTY_INVALID_INPUT,
                "no operation was accepted yet",
            )
        })?;
        let json = crate::json(&last)?;
        unsafe { write_str(&json, buf, len, written) }
    })
}

/// The smallest scale, at least `base`, at which every value is a whole number of minor units.
fn exact_scale(base: u32, values: &[Option<Decimal>]) -> u32 {
    values
        .iter()
        .flatten()
        .map(|v| v.normalize().scale())
        .fold(base, u32::max)
}

/// Member `member` as of the clock.
///
/// # Safety
/// `engine` must be a live handle; `out` must point to a `loyalty_member`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_member_get(
    engine: *const loyalty_engine,
    member: u64,
    out: *mut loyalty_member,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let v = h.engine.member(member)?;
        let ps = h.points_scale();
        let qs = exact_scale(h.qualifying_scale(), &[Some(v.qualifying), v.to_next]);
        // Level counts are validated far below u32::MAX.
        let level = u32::try_from(v.level).unwrap_or(u32::MAX);
        let view = loyalty_member {
            available: to_minor(v.available, ps, "available")?,
            pending: to_minor(v.pending, ps, "pending")?,
            qualifying: to_minor(v.qualifying, qs, "qualifying")?,
            tier: level,
            has_next_tier: v.next_tier.is_some(),
            next_tier: if v.next_tier.is_some() {
                level.saturating_add(1)
            } else {
                0
            },
            to_next: v.to_next.map_or(Ok(0), |t| to_minor(t, qs, "to_next"))?,
            orders: v.orders,
            referrals: v.referrals,
            has_referrer: v.referrer.is_some(),
            referrer: v.referrer.unwrap_or(0),
            qualifying_scale: qs,
            held: to_minor(v.held, ps, "held")?,
            has_grace: v.grace_until.is_some(),
            grace_until: v.grace_until.unwrap_or(0),
        };
        unsafe { put(out, view, "out") }
    })
}

/// Member `member` as JSON: every field of the member view, decimals as exact strings, stamps
/// and achievements included.
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_member_json(
    engine: *const loyalty_engine,
    member: u64,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let view = h.engine.member(member)?;
        let json = crate::json(&view)?;
        unsafe { write_str(&json, buf, len, written) }
    })
}

/// The name of level `tier` (0 is the lowest).
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_tier_name(
    engine: *const loyalty_engine,
    tier: u32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let level = h.engine.program().tiers.levels.get(tier as usize);
        let level = level.ok_or_else(|| {
            Failure::new(
                loyalty_result::LOYALTY_INVALID_INPUT,
                format!("no level {tier}"),
            )
        })?;
        unsafe { write_str(&level.name, buf, len, written) }
    })
}

/// The program totals, in minor units of points.
///
/// # Safety
/// `engine` must be a live handle; `out` must point to a `loyalty_totals`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_totals_get(
    engine: *const loyalty_engine,
    out: *mut loyalty_totals,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let (t, ps) = (h.engine.totals(), h.points_scale());
        let totals = loyalty_totals {
            issued: to_minor(t.issued, ps, "issued")?,
            redeemed: to_minor(t.redeemed, ps, "redeemed")?,
            expired: to_minor(t.expired, ps, "expired")?,
            fees: to_minor(t.fees, ps, "fees")?,
            liability: to_minor(t.liability, ps, "liability")?,
            overdraft: to_minor(t.overdraft, ps, "overdraft")?,
        };
        unsafe { put(out, totals, "out") }
    })
}

/// The program totals as JSON (decimals as exact strings).
///
/// # Safety
/// `engine` must be a live handle; `buf` must point to `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_totals_json(
    engine: *const loyalty_engine,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let json = crate::json(&h.engine.totals())?;
        unsafe { write_str(&json, buf, len, written) }
    })
}

/// The club price (SPEC 8.2) for `member` of one line of `amount` (minor units of money) in
/// `category` (NULL: none), into `*price`.
///
/// # Safety
/// `engine` must be a live handle; `category` NULL or a NUL-terminated string; `price` must
/// point to an `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_price(
    engine: *const loyalty_engine,
    member: u64,
    amount: i64,
    category: *const c_char,
    price: *mut i64,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let category = unsafe { optional_text(category, "category") }?;
        let quote = h.engine.price(
            member,
            &[Line::new(category, from_minor(amount, h.money_scale()))],
        )?;
        unsafe { put(price, to_minor(quote, h.money_scale(), "price")?, "price") }
    })
}

/// The club price of several lines given as JSON (`[{"category": "services", "amount": "600"}]`),
/// written into `buf` as a decimal string.
///
/// # Safety
/// `engine` must be a live handle; `lines_json` a NUL-terminated string; `buf` must point to
/// `len` bytes, `written` to a `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_price_json(
    engine: *const loyalty_engine,
    member: u64,
    lines_json: *const c_char,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        let lines: Vec<Line> = serde_json::from_str(unsafe { text(lines_json, "lines_json") }?)
            .map_err(|e| {
                Failure::new(
                    loyalty_result::LOYALTY_INVALID_INPUT,
                    format!("lines_json: {e}"),
                )
            })?;
        let quote = h.engine.price(member, &lines)?;
        unsafe { write_str(&quote.to_string(), buf, len, written) }
    })
}

/// The `n` members with the highest qualifying totals (ties by smaller id) into `ids`, which has
/// room for `capacity`; `*count` gets how many were written. If they do not fit:
/// `LOYALTY_BUFFER_TOO_SMALL`, nothing written to `ids`, and `*count` gets how many are needed
/// (`ids` may be NULL when `capacity` is 0, to ask).
///
/// # Safety
/// `engine` must be a live handle; `ids` must point to `capacity` `uint64_t`s; `count` to a
/// `size_t`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_leaderboard(
    engine: *const loyalty_engine,
    n: usize,
    ids: *mut u64,
    capacity: usize,
    count: *mut usize,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        unsafe { write_ids(&h.engine.leaderboard(n), ids, capacity, count) }
    })
}

/// Copies `found` into `ids` (room for `capacity`) and its length into `*count`; if it does not
/// fit, `LOYALTY_BUFFER_TOO_SMALL` with `*count` the room needed and nothing in `ids`.
///
/// # Safety
/// `ids` must point to `capacity` `uint64_t`s (or be NULL with `capacity` 0), `count` to a
/// `size_t` (NULL is refused).
pub(crate) unsafe fn write_ids(
    found: &[u64],
    ids: *mut u64,
    capacity: usize,
    count: *mut usize,
) -> Result<(), Failure> {
    if (ids.is_null() && capacity > 0) || count.is_null() {
        return Err(Failure::null("ids or count"));
    }
    if found.len() > capacity {
        // SAFETY: `count` is non-null and points to a `size_t` (the caller's promise).
        unsafe { *count = found.len() };
        return Err(Failure::new(
            loyalty_result::LOYALTY_BUFFER_TOO_SMALL,
            format!("room for {capacity} ids: {} needed", found.len()),
        ));
    }
    // SAFETY: `ids` has room for `capacity ≥ found.len()` values.
    unsafe { std::ptr::copy_nonoverlapping(found.as_ptr(), ids, found.len()) };
    unsafe { put(count, found.len(), "count") }
}

/// The NPS of the survey answers matching `query` (NULL: all answers).
///
/// # Safety
/// `engine` must be a live handle; `query` NULL or pointing to a `loyalty_nps_query` (whose
/// `segment` is NULL or a NUL-terminated string); `out` must point to a `loyalty_nps_report`.
#[no_mangle]
pub unsafe extern "C" fn loyalty_nps(
    engine: *const loyalty_engine,
    query: *const loyalty_nps_query,
    out: *mut loyalty_nps_report,
) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        // SAFETY: NULL or a readable query.
        let q = match unsafe { query.as_ref() } {
            None => NpsQuery::default(),
            Some(q) => NpsQuery {
                from: q.has_from.then_some(q.from),
                to: q.has_to.then_some(q.to),
                segment: unsafe { optional_text(q.segment, "segment") }?.map(str::to_owned),
                member_kind: match q.member_kind {
                    -1 => None,
                    0 => Some(MemberKind::New),
                    1 => Some(MemberKind::Regular),
                    other => {
                        return Err(Failure::new(
                            loyalty_result::LOYALTY_INVALID_INPUT,
                            format!("member_kind {other} is not -1, 0 or 1"),
                        ))
                    }
                },
            },
        };
        let r = h.engine.nps(&q);
        let report = loyalty_nps_report {
            promoters: r.promoters,
            passives: r.passives,
            detractors: r.detractors,
            responses: r.responses,
            has_score: r.score.is_some(),
            score_tenths: r.score.map_or(0, |s| to_minor_saturating(s, 1)),
        };
        unsafe { put(out, report, "out") }
    })
}

/// Checks the ledger invariant (`issued = redeemed + expired + fees + liability`);
/// `LOYALTY_PANIC` with a message if it is broken (it never should be).
///
/// # Safety
/// `engine` must be a live handle.
#[no_mangle]
pub unsafe extern "C" fn loyalty_verify(engine: *const loyalty_engine) -> loyalty_result {
    guard(|| {
        let h = unsafe { handle_ref(engine) }?;
        h.engine
            .verify()
            .map_err(|e| Failure::new(loyalty_result::LOYALTY_PANIC, e.to_string()))
    })
}
