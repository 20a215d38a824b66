//! The scenario format of SPEC section 7, and a player that runs one through the public API.
//!
//! A scenario is `{"program": {...}, "steps": [...]}` (or `{"program": ..., "expect_error":
//! "InvalidConfig"}`). Steps are numbered from 1 in failure messages, as in every binding.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::amount::parse_decimal;
use crate::engine::Engine;
use crate::line::Line;
use crate::ops::Operation;
use crate::outcome::{MemberKind, MemberView, NpsQuery, Totals};
use crate::program::Program;
use crate::Decimal;

/// Why a scenario failed: the step (1-based; 0 for the file itself) and what differed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The step that failed, from 1 (0: the file or its program).
    pub step: usize,
    /// What differed.
    pub message: String,
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.step == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "step {}: {}", self.step, self.message)
        }
    }
}

fn fail_at<T>(step: usize, message: impl Into<String>) -> Result<T, Failure> {
    Err(Failure {
        step,
        message: message.into(),
    })
}

/// Plays a scenario given as JSON text; `Ok` when every step matched and the ledger
/// invariant held after each.
pub fn run(text: &str) -> Result<(), Failure> {
    let (root, program) = load(text)?;
    if let Some(expected) = root.get("expect_error").and_then(Value::as_str) {
        return match program {
            Err(e) if e.kind().name() == expected => Ok(()),
            Err(e) => fail_at(0, format!("expected {expected}, program refused with {e}")),
            Ok(_) => fail_at(0, format!("expected {expected}, program accepted")),
        };
    }
    let mut engine = program.or_else(|e| fail_at(0, format!("program refused: {e}")))?;
    for (i, step) in steps(&root).iter().enumerate() {
        let n = i + 1;
        let Some(step) = step.as_object() else {
            return fail_at(n, "a step is a JSON object");
        };
        play(&mut engine, step).or_else(|m| fail_at(n, m))?;
        engine
            .verify()
            .or_else(|m| fail_at(n, format!("invariant broken: {m}")))?;
    }
    Ok(())
}

/// A scenario file read and checked: its root object, and its program's engine (or why the
/// program was refused).
type Loaded = (Map<String, Value>, Result<Engine, crate::Error>);

/// The file read and its shape checked, and its program built (or why it could not be).
fn load(text: &str) -> Result<Loaded, Failure> {
    let root: Value =
        serde_json::from_str(text).or_else(|e| fail_at(0, format!("not JSON: {e}")))?;
    let Value::Object(root) = root else {
        return fail_at(0, "a scenario is a JSON object");
    };
    check_root(&root).or_else(|m| fail_at(0, m))?;
    let program_json = root
        .get("program")
        .map(Value::to_string)
        .unwrap_or_default();
    let program = Program::from_json(&program_json).and_then(Engine::new);
    Ok((root, program))
}

/// The file's steps (none when it expects its program to be refused).
fn steps(root: &Map<String, Value>) -> &[Value] {
    root.get("steps")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The file's shape (SPEC 7): a program, and either steps or an expected error; anything else
/// is a mistake in the file, which must fail rather than pass with nothing checked.
fn check_root(root: &Map<String, Value>) -> Result<(), String> {
    if let Some(key) = root
        .keys()
        .find(|k| !matches!(k.as_str(), "program" | "steps" | "expect_error"))
    {
        return Err(format!("unknown key '{key}' at the top level"));
    }
    if !root.contains_key("program") {
        return Err("no program".to_owned());
    }
    match (root.get("steps"), root.get("expect_error")) {
        (Some(_), Some(_)) => Err("both steps and expect_error".to_owned()),
        (None, None) => Err("no steps and no expect_error".to_owned()),
        (Some(steps), None) if !steps.is_array() => {
            Err(format!("steps must be an array, not {steps}"))
        }
        (None, Some(e)) if !e.is_string() => {
            Err(format!("expect_error must be an error name, not {e}"))
        }
        _ => Ok(()),
    }
}

/// The kinds of steps that check rather than operate; such a step holds exactly one of them.
const CHECKS: [&str; 7] = [
    "expect",
    "expect_totals",
    "expect_price",
    "expect_leaderboard",
    "expect_nps",
    "expect_stock",
    "expect_expiring",
];

fn play(engine: &mut Engine, step: &Map<String, Value>) -> Result<(), String> {
    if step.contains_key("op") {
        return play_operation(engine, step);
    }
    if step.len() != 1 || !step.keys().all(|k| CHECKS.contains(&k.as_str())) {
        let keys: Vec<&String> = step.keys().collect();
        return Err(format!(
            "a step is an operation (\"op\") or exactly one of {CHECKS:?}, not {keys:?}"
        ));
    }
    if let Some(check) = step.values().next().filter(|v| !v.is_object()) {
        return Err(format!("a check holds a JSON object, not {check}"));
    }
    if let Some(e) = step.get("expect").and_then(Value::as_object) {
        let id = e
            .get("member")
            .and_then(Value::as_u64)
            .ok_or("expect needs a member id")?;
        let view = engine.member(id).map_err(|e| e.to_string())?;
        return check_member(&view, e);
    }
    if let Some(e) = step.get("expect_totals").and_then(Value::as_object) {
        return check_totals(engine.totals(), e);
    }
    if let Some(e) = step.get("expect_price").and_then(Value::as_object) {
        return check_price(engine, e);
    }
    if let Some(e) = step.get("expect_leaderboard").and_then(Value::as_object) {
        let n = e
            .get("n")
            .and_then(Value::as_u64)
            .ok_or("expect_leaderboard needs n")?;
        let want: Vec<u64> = e
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let got = engine.leaderboard(usize::try_from(n).unwrap_or(usize::MAX));
        return if got == want {
            Ok(())
        } else {
            Err(format!("leaderboard {got:?}, expected {want:?}"))
        };
    }
    if let Some(e) = step.get("expect_nps").and_then(Value::as_object) {
        return check_nps(engine, e);
    }
    if let Some(e) = step.get("expect_stock").and_then(Value::as_object) {
        return check_stock(engine, e);
    }
    if let Some(e) = step.get("expect_expiring").and_then(Value::as_object) {
        return check_expiring(engine, e);
    }
    Err(format!("unknown step {}", Value::Object(step.clone())))
}

fn play_operation(engine: &mut Engine, step: &Map<String, Value>) -> Result<(), String> {
    let mut op = step.clone();
    let expected = op
        .remove("expect_error")
        .and_then(|v| v.as_str().map(str::to_owned));
    let result = Operation::from_value(Value::Object(op)).and_then(|op| engine.apply(&op));
    match (result, expected) {
        (Ok(_), None) => Ok(()),
        (Err(e), Some(want)) if e.kind().name() == want => Ok(()),
        (Err(e), Some(want)) => Err(format!("expected {want}, got {e}")),
        (Err(e), None) => Err(format!("unexpected error {e}")),
        (Ok(_), Some(want)) => Err(format!("expected {want}, the operation succeeded")),
    }
}

/// `{"expect_stock": {"reward": "Mug", "left": 3}}` (`left` null: unlimited).
fn check_stock(engine: &Engine, e: &Map<String, Value>) -> Result<(), String> {
    let reward = e
        .get("reward")
        .and_then(Value::as_str)
        .ok_or("expect_stock needs a reward name")?;
    let want = e.get("left").ok_or("expect_stock needs left")?;
    let got = engine.stock_left(reward).map_err(|e| e.to_string())?;
    let same = match want {
        Value::Null => got.is_none(),
        n => n.as_u64().is_some_and(|n| got == Some(n)),
    };
    if same {
        Ok(())
    } else {
        Err(format!("{reward}: {got:?} left, expected {want}"))
    }
}

/// The member and days of an `expect_expiring` step (`days` any JSON number: the engine
/// refuses what is not a whole number of days in range).
fn expiring_query(e: &Map<String, Value>) -> Result<(u64, i64), String> {
    let member = e
        .get("member")
        .and_then(Value::as_u64)
        .ok_or("expect_expiring needs a member id")?;
    let days = e.get("days").ok_or("expect_expiring needs days")?;
    let days = days
        .as_i64()
        .unwrap_or(if days.as_f64().is_some_and(|d| d > 0.0) {
            i64::MAX
        } else {
            -1
        });
    Ok((member, days))
}

/// `{"expect_expiring": {"member": 1, "days": 30, "points": "120", "next": 1769817600}}`
/// (`next` may be null), or with `"expect_error": KIND` instead of `points` and `next`.
fn check_expiring(engine: &Engine, e: &Map<String, Value>) -> Result<(), String> {
    let (member, days) = expiring_query(e)?;
    let got = engine.expiring(member, days);
    if let Some(want) = e.get("expect_error").and_then(Value::as_str) {
        return match got {
            Err(err) if err.kind().name() == want => Ok(()),
            Err(err) => Err(format!("expiring: expected {want}, got {err}")),
            Ok(got) => Err(format!("expiring: expected {want}, got {got:?}")),
        };
    }
    let got = got.map_err(|e| e.to_string())?;
    same_decimal(
        "expiring points",
        got.points,
        e.get("points").ok_or("expect_expiring needs points")?,
    )?;
    let want = e.get("next").ok_or("expect_expiring needs next")?;
    if want.as_i64() == got.next || (want.is_null() && got.next.is_none()) {
        Ok(())
    } else {
        Err(format!("expiring next {:?}, expected {want}", got.next))
    }
}

/// Compares decimals by value ("12.5" equals "12.50").
fn same_decimal(field: &str, got: Decimal, want: &Value) -> Result<(), String> {
    let want_text = match want {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("{field}: expected value {other} is not a decimal")),
    };
    let want = parse_decimal(&want_text).map_err(|e| format!("{field}: {e}"))?;
    if got == want {
        Ok(())
    } else {
        Err(format!("{field} is {got}, expected {want_text}"))
    }
}

fn check_member(view: &MemberView, e: &Map<String, Value>) -> Result<(), String> {
    let who = format!("member {}", view.member);
    for (field, want) in e {
        let result = match field.as_str() {
            "member" => Ok(()),
            "available" => same_decimal("available", view.available, want),
            "pending" => same_decimal("pending", view.pending, want),
            "held" => same_decimal("held", view.held, want),
            "qualifying" => same_decimal("qualifying", view.qualifying, want),
            "tier" => same_text("tier", Some(&view.tier), want),
            "next_tier" => same_text("next_tier", view.next_tier.as_deref(), want),
            "to_next" => match (view.to_next, want) {
                (None, Value::Null) => Ok(()),
                (Some(got), want) if !want.is_null() => same_decimal("to_next", got, want),
                (got, want) => Err(format!("to_next is {got:?}, expected {want}")),
            },
            "grace_until" => match (view.grace_until, want) {
                (None, Value::Null) => Ok(()),
                (Some(got), want) if want.as_i64() == Some(got) => Ok(()),
                (got, want) => Err(format!("grace_until is {got:?}, expected {want}")),
            },
            "orders" => {
                if want.as_u64() == Some(view.orders) {
                    Ok(())
                } else {
                    Err(format!("orders is {}, expected {want}", view.orders))
                }
            }
            "stamps" => check_stamps(&view.stamps, want),
            "achievements" => {
                let want: Vec<&str> = want
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                if view
                    .achievements
                    .iter()
                    .map(String::as_str)
                    .eq(want.iter().copied())
                {
                    Ok(())
                } else {
                    Err(format!(
                        "achievements are {:?}, expected {want:?}",
                        view.achievements
                    ))
                }
            }
            other => Err(format!("unknown expect field {other}")),
        };
        result.map_err(|m| format!("{who}: {m}"))?;
    }
    Ok(())
}

fn same_text(field: &str, got: Option<&str>, want: &Value) -> Result<(), String> {
    if got == want.as_str() {
        Ok(())
    } else {
        Err(format!("{field} is {got:?}, expected {want}"))
    }
}

fn check_stamps(got: &BTreeMap<String, i64>, want: &Value) -> Result<(), String> {
    for (card, count) in want.as_object().into_iter().flatten() {
        let have = got.get(card).copied().unwrap_or(0);
        if count.as_i64() != Some(have) {
            return Err(format!("stamps[{card}] is {have}, expected {count}"));
        }
    }
    Ok(())
}

fn check_totals(t: Totals, e: &Map<String, Value>) -> Result<(), String> {
    for (field, want) in e {
        let got = match field.as_str() {
            "issued" => t.issued,
            "redeemed" => t.redeemed,
            "expired" => t.expired,
            "fees" => t.fees,
            "liability" => t.liability,
            "overdraft" => t.overdraft,
            other => return Err(format!("unknown totals field {other}")),
        };
        same_decimal(field, got, want)?;
    }
    Ok(())
}

fn decimal_field(e: &Map<String, Value>, field: &str) -> Result<Decimal, String> {
    match e.get(field) {
        Some(Value::String(s)) => parse_decimal(s).map_err(|x| x.to_string()),
        Some(Value::Number(n)) => parse_decimal(&n.to_string()).map_err(|x| x.to_string()),
        _ => Err(format!("{field} is missing")),
    }
}

/// The member and lines of an `expect_price` step.
fn price_query(e: &Map<String, Value>) -> Result<(u64, Vec<Line>), String> {
    let member = e
        .get("member")
        .and_then(Value::as_u64)
        .ok_or("expect_price needs a member")?;
    let lines: Vec<Line> = match e.get("lines") {
        Some(lines) => serde_json::from_value(lines.clone()).map_err(|x| x.to_string())?,
        None => vec![Line::new(
            e.get("category").and_then(Value::as_str),
            decimal_field(e, "amount")?,
        )],
    };
    Ok((member, lines))
}

fn check_price(engine: &Engine, e: &Map<String, Value>) -> Result<(), String> {
    let (member, lines) = price_query(e)?;
    let got = engine.price(member, &lines).map_err(|x| x.to_string())?;
    same_decimal("price", got, e.get("price").unwrap_or(&Value::Null))
}

/// The query of an `expect_nps` step.
fn nps_query(e: &Map<String, Value>) -> Result<NpsQuery, String> {
    let kind = match e.get("member_kind").and_then(Value::as_str) {
        None => None,
        Some("new") => Some(MemberKind::New),
        Some("regular") => Some(MemberKind::Regular),
        Some(other) => return Err(format!("unknown member_kind {other}")),
    };
    Ok(NpsQuery {
        from: e.get("from").and_then(Value::as_i64),
        to: e.get("to").and_then(Value::as_i64),
        segment: e.get("segment").and_then(Value::as_str).map(str::to_owned),
        member_kind: kind,
    })
}

fn check_nps(engine: &Engine, e: &Map<String, Value>) -> Result<(), String> {
    let report = engine.nps(&nps_query(e)?);
    if let Some(want) = e.get("responses") {
        if want.as_u64() != Some(report.responses) {
            return Err(format!(
                "responses is {}, expected {want}",
                report.responses
            ));
        }
    }
    match (report.score, e.get("nps")) {
        (_, None) | (None, Some(Value::Null)) => Ok(()),
        (Some(got), Some(want)) if !want.is_null() => same_decimal("nps", got, want),
        (got, Some(want)) => Err(format!("nps is {got:?}, expected {want}")),
    }
}

/// What each step of a scenario gives, one JSON value per operation or member check, so that
/// the bindings can be compared step by step (the conformance test): an accepted operation's
/// whole outcome in its JSON form (a tick's too), a refused one's `{"error": NAME, "message": …}`, an
/// `expect` step's member view, an `expect_totals` step's totals, and the answer of a query
/// step (`expect_price`, `expect_leaderboard`, `expect_nps`, `expect_stock`,
/// `expect_expiring`; see
/// [`trace_query`]).
pub fn trace(text: &str) -> Result<Vec<Value>, Failure> {
    let (root, program) = load(text)?;
    let Ok(mut engine) = program else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, step) in steps(&root).iter().enumerate() {
        let Some(step) = step.as_object() else {
            return fail_at(i + 1, "a step is a JSON object");
        };
        if let Some(value) = trace_step(&mut engine, step).or_else(|m| fail_at(i + 1, m))? {
            out.push(value);
        }
    }
    Ok(out)
}

fn trace_step(engine: &mut Engine, step: &Map<String, Value>) -> Result<Option<Value>, String> {
    let json = |v: Result<Value, serde_json::Error>| v.map_err(|e| e.to_string());
    if step.contains_key("op") {
        let mut op = step.clone();
        op.remove("expect_error");
        let result = Operation::from_value(Value::Object(op)).and_then(|op| engine.apply(&op));
        return Ok(Some(match result {
            Ok(outcome) => json(serde_json::to_value(outcome))?,
            Err(e) => serde_json::json!({"error": e.kind().name(), "message": e.message()}),
        }));
    }
    if let Some(e) = step.get("expect").and_then(Value::as_object) {
        let member = e.get("member").and_then(Value::as_u64).unwrap_or_default();
        return match engine.member(member) {
            Ok(view) => Ok(Some(json(serde_json::to_value(view))?)),
            Err(e) => Ok(Some(
                serde_json::json!({"error": e.kind().name(), "message": e.message()}),
            )),
        };
    }
    if step.contains_key("expect_totals") {
        return Ok(Some(json(serde_json::to_value(engine.totals()))?));
    }
    trace_query(engine, step)
}

/// A query step's answer, whole: `{"price": "…"}`, `{"leaderboard": [ids]}`, the NPS report
/// `{"promoters", "passives", "detractors", "responses", "score"}` (score a string or null),
/// `{"stock": n or null}`, `{"expiring": "…", "next": instant or null}`; a refused query gives
/// `{"error", "message"}`.
fn trace_query(engine: &Engine, step: &Map<String, Value>) -> Result<Option<Value>, String> {
    let refused =
        |e: crate::Error| serde_json::json!({"error": e.kind().name(), "message": e.message()});
    if let Some(e) = step.get("expect_price").and_then(Value::as_object) {
        let (member, lines) = price_query(e)?;
        return Ok(Some(engine.price(member, &lines).map_or_else(
            refused,
            |p| serde_json::json!({"price": p.to_string()}),
        )));
    }
    if let Some(e) = step.get("expect_leaderboard").and_then(Value::as_object) {
        let n = e.get("n").and_then(Value::as_u64).unwrap_or_default();
        let top = engine.leaderboard(usize::try_from(n).unwrap_or(usize::MAX));
        return Ok(Some(serde_json::json!({ "leaderboard": top })));
    }
    if let Some(e) = step.get("expect_nps").and_then(Value::as_object) {
        let r = engine.nps(&nps_query(e)?);
        return Ok(Some(serde_json::json!({
            "promoters": r.promoters, "passives": r.passives, "detractors": r.detractors,
            "responses": r.responses, "score": r.score.map(|s| s.to_string()),
        })));
    }
    if let Some(e) = step.get("expect_stock").and_then(Value::as_object) {
        let reward = e.get("reward").and_then(Value::as_str).unwrap_or_default();
        return Ok(Some(engine.stock_left(reward).map_or_else(
            refused,
            |left| serde_json::json!({ "stock": left }),
        )));
    }
    if let Some(e) = step.get("expect_expiring").and_then(Value::as_object) {
        let (member, days) = expiring_query(e)?;
        return Ok(Some(engine.expiring(member, days).map_or_else(
            refused,
            |x| serde_json::json!({"expiring": x.points.to_string(), "next": x.next}),
        )));
    }
    Ok(None)
}
