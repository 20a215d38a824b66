//! Helpers shared by the integration tests: programs and operations written as JSON, as a
//! host would send them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_core::{Decimal, Engine, ErrorKind, MemberView, Operation, Outcome, Program};

pub fn d(s: &str) -> Decimal {
    loyalty_core::parse_decimal(s).unwrap()
}

/// An engine running `levels` (a JSON list) with `extra` top-level fields (a JSON object body).
pub fn engine(levels: &str, extra: &str) -> Engine {
    let sep = if extra.trim().is_empty() { "" } else { "," };
    let json = format!(r#"{{"tiers": {{"levels": {levels}}}{sep}{extra}}}"#);
    Engine::new(Program::from_json(&json).unwrap_or_else(|e| panic!("{json}: {e}"))).unwrap()
}

/// One level named "L" with this accrual rate.
pub fn one_level(rate: &str, extra: &str) -> Engine {
    engine(
        &format!(r#"[{{"name": "L", "threshold": "0", "accrual_rate": "{rate}"}}]"#),
        extra,
    )
}

pub fn apply(e: &mut Engine, op: &str) -> Result<Outcome, loyalty_core::Error> {
    Operation::from_json(op).and_then(|op| e.apply(&op))
}

pub fn ok(e: &mut Engine, op: &str) -> Outcome {
    let out = apply(e, op).unwrap_or_else(|err| panic!("{op}: {err}"));
    e.verify().unwrap();
    out
}

pub fn err(e: &mut Engine, op: &str) -> ErrorKind {
    let before = e.state_digest();
    let kind = match apply(e, op) {
        Ok(_) => panic!("{op} succeeded"),
        Err(err) => err.kind(),
    };
    assert_eq!(before, e.state_digest(), "rejected {op} changed the state");
    kind
}

pub fn view(e: &Engine, member: u64) -> MemberView {
    e.member(member).unwrap()
}

pub fn available(e: &Engine, member: u64) -> Decimal {
    view(e, member).available
}

pub const DAY: i64 = 86_400;
pub const T0: i64 = 1_767_225_600;
