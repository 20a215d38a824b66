//! Operations (SPEC section 5): what a host asks the engine to do.

use core::hash::Hash;

use rust_decimal::Decimal;

#[cfg(feature = "serde")]
use crate::error::{Error, ErrorKind};
use crate::program::Program;

/// Member id, chosen by the host.
pub type MemberId = u64;
/// Operation id, chosen by the host; one id space for every kind of operation.
pub type OpId = u64;

/// One operation. Every kind but [`Operation::Tick`] carries a unique id.
///
/// Its JSON form is the scenario step form: `{"op": "order", "id": 10, "at": …, "member": 2,
/// "amount": "1000.00"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "op", rename_all = "lowercase"))]
pub enum Operation {
    /// Enrol a member (5.1, 8.4, 8.7).
    Enroll(Enroll),
    /// A paid order (5.2, 8.1).
    Order(Order),
    /// Return part or all of an order (5.3).
    Refund(Refund),
    /// Points from one member to another (5.4).
    Transfer(Transfer),
    /// A supervisor's correction (5.5).
    Adjust(Adjust),
    /// Move the clock forward (5.6).
    Tick(Tick),
    /// Replace the program (5.7).
    Configure(Box<Configure>),
    /// A survey answer (8.8).
    Survey(Survey),
}

/// `enroll {id, at, member, referrer?, birthday?, purchase?, questionnaire?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Enroll {
    /// The operation's id (idempotency key).
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The new member's id.
    pub member: MemberId,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    /// The member whose referral link brought this one, if any.
    pub referrer: Option<MemberId>,
    /// `"MM-DD"`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub birthday: Option<String>,
    /// The first purchase that admits the member to a closed programme (money).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::serde_decimal::option"
        )
    )]
    pub purchase: Option<Decimal>,
    /// Whether the member filled the questionnaire of a closed programme.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "core::ops::Not::not")
    )]
    pub questionnaire: bool,
}

/// `order {id, at, member, amount, points = 0, lines?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Order {
    /// The operation's id, which is also the order's (refunds name it).
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The buyer.
    pub member: MemberId,
    /// What the order costs (money).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub amount: Decimal,
    /// Points spent on it.
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub points: Decimal,
    /// The order's lines; empty means one line with no category.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub lines: Vec<Line>,
}

/// One line of an order or of a price query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Line {
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    /// The line's category (campaigns and club prices match on it); `None` for none.
    pub category: Option<String>,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The line's amount, money.
    pub amount: Decimal,
}

impl Line {
    /// A line of `amount` in `category`.
    pub fn new(category: Option<&str>, amount: Decimal) -> Line {
        Line {
            category: category.map(str::to_owned),
            amount,
        }
    }
}

/// Constructors: the operation structs are `#[non_exhaustive]` (a SPEC version may add a field,
/// as v2 added order lines), so callers outside this crate build them with `new` and the
/// `with_` setters of the optional fields, or from their JSON form.
impl Enroll {
    /// A member joining on their own, with no birthday or closed-programme fields.
    pub fn new(id: OpId, at: i64, member: MemberId) -> Enroll {
        Enroll {
            id,
            at,
            member,
            ..Enroll::default()
        }
    }

    /// Through `referrer`'s link (or nobody's).
    #[must_use]
    pub fn with_referrer(mut self, referrer: Option<MemberId>) -> Enroll {
        self.referrer = referrer;
        self
    }

    /// With a birthday, `"MM-DD"`.
    #[must_use]
    pub fn with_birthday(mut self, birthday: Option<String>) -> Enroll {
        self.birthday = birthday;
        self
    }

    /// With the purchase and questionnaire of a closed programme's entry condition.
    #[must_use]
    pub fn with_entry(mut self, purchase: Option<Decimal>, questionnaire: bool) -> Enroll {
        self.purchase = purchase;
        self.questionnaire = questionnaire;
        self
    }
}

impl Order {
    /// An order of `amount` paid in cash only, with no lines.
    pub fn new(id: OpId, at: i64, member: MemberId, amount: Decimal) -> Order {
        Order {
            id,
            at,
            member,
            amount,
            ..Order::default()
        }
    }

    /// Paying `points` of it with points.
    #[must_use]
    pub fn with_points(mut self, points: Decimal) -> Order {
        self.points = points;
        self
    }

    /// With its lines (categories for campaigns and club prices).
    #[must_use]
    pub fn with_lines(mut self, lines: Vec<Line>) -> Order {
        self.lines = lines;
        self
    }
}

impl Refund {
    /// Refunding `amount` of order `order`.
    pub fn new(id: OpId, at: i64, order: OpId, amount: Decimal) -> Refund {
        Refund {
            id,
            at,
            order,
            amount,
        }
    }
}

impl Transfer {
    /// `points` from `from` to `to`.
    pub fn new(id: OpId, at: i64, from: MemberId, to: MemberId, points: Decimal) -> Transfer {
        Transfer {
            id,
            at,
            from,
            to,
            points,
        }
    }
}

impl Adjust {
    /// `points` added to `member` (negative: taken), with no reason given.
    pub fn new(id: OpId, at: i64, member: MemberId, points: Decimal) -> Adjust {
        Adjust {
            id,
            at,
            member,
            points,
            reason: String::new(),
        }
    }

    /// Why, for the audit trail.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Adjust {
        self.reason = reason.into();
        self
    }
}

impl Tick {
    /// The clock moved to `at`.
    pub fn new(at: i64) -> Tick {
        Tick { at }
    }
}

impl Configure {
    /// `program` in force from `at`.
    pub fn new(id: OpId, at: i64, program: Program) -> Configure {
        Configure { id, at, program }
    }
}

impl Survey {
    /// `member`'s answer `score` (0–10), with no segment.
    pub fn new(id: OpId, at: i64, member: MemberId, score: i64) -> Survey {
        Survey {
            id,
            at,
            member,
            score,
            segment: None,
        }
    }

    /// In a segment (store, channel) for NPS queries.
    #[must_use]
    pub fn with_segment(mut self, segment: Option<String>) -> Survey {
        self.segment = segment;
        self
    }
}

/// `refund {id, at, order, amount}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Refund {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The id of the order operation.
    pub order: OpId,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The money refunded (part or all of what is left of the order).
    pub amount: Decimal,
}

/// `transfer {id, at, from, to, points}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Transfer {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The sender.
    pub from: MemberId,
    /// The recipient.
    pub to: MemberId,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The points sent (the fee is on top).
    pub points: Decimal,
}

/// `adjust {id, at, member, points, reason}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Adjust {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The member adjusted.
    pub member: MemberId,
    /// Positive credits, negative debits.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
    #[cfg_attr(feature = "serde", serde(default))]
    /// Why, for the audit trail.
    pub reason: String,
}

/// `tick {at}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Tick {
    /// The time to advance the clock to, Unix seconds.
    pub at: i64,
}

/// `configure {id, at, program}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Configure {
    /// The operation's id.
    pub id: OpId,
    /// When the new rules take effect, Unix seconds.
    pub at: i64,
    /// The whole new program.
    pub program: Program,
}

/// `survey {id, at, member, score, segment?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Survey {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The member answering.
    pub member: MemberId,
    /// 0..=10.
    pub score: i64,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    /// A free segment name (store, channel) for NPS queries; `None` for none.
    pub segment: Option<String>,
}

impl Operation {
    /// The operation id (`None` for a tick).
    pub fn id(&self) -> Option<OpId> {
        match self {
            Operation::Enroll(o) => Some(o.id),
            Operation::Order(o) => Some(o.id),
            Operation::Refund(o) => Some(o.id),
            Operation::Transfer(o) => Some(o.id),
            Operation::Adjust(o) => Some(o.id),
            Operation::Tick(_) => None,
            Operation::Configure(o) => Some(o.id),
            Operation::Survey(o) => Some(o.id),
        }
    }

    /// When it happens (Unix seconds).
    pub fn at(&self) -> i64 {
        match self {
            Operation::Enroll(o) => o.at,
            Operation::Order(o) => o.at,
            Operation::Refund(o) => o.at,
            Operation::Transfer(o) => o.at,
            Operation::Adjust(o) => o.at,
            Operation::Tick(o) => o.at,
            Operation::Configure(o) => o.at,
            Operation::Survey(o) => o.at,
        }
    }

    /// Moves the operation to instant `at` (a host that stamps operations with "now" as it
    /// appends them to a shared journal). Its id and content, hence its idempotency digest,
    /// stay the same.
    pub fn set_at(&mut self, at: i64) {
        match self {
            Operation::Enroll(o) => o.at = at,
            Operation::Order(o) => o.at = at,
            Operation::Refund(o) => o.at = at,
            Operation::Transfer(o) => o.at = at,
            Operation::Adjust(o) => o.at = at,
            Operation::Tick(o) => o.at = at,
            Operation::Configure(o) => o.at = at,
            Operation::Survey(o) => o.at = at,
        }
    }

    /// The kind's name, as in the JSON form (`"order"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::Enroll(_) => "enroll",
            Operation::Order(_) => "order",
            Operation::Refund(_) => "refund",
            Operation::Transfer(_) => "transfer",
            Operation::Adjust(_) => "adjust",
            Operation::Tick(_) => "tick",
            Operation::Configure(_) => "configure",
            Operation::Survey(_) => "survey",
        }
    }

    /// Parses the JSON form of an operation. A malformed decimal is `InvalidAmount`; any
    /// other malformed field (a score of 5.5, an unknown field, a missing id) is `InvalidInput`.
    #[cfg(feature = "serde")]
    pub fn from_json(text: &str) -> Result<Operation, Error> {
        serde_json::from_str(text).map_err(|e| classify(&e))
    }

    /// As [`Operation::from_json`], from a parsed JSON value.
    #[cfg(feature = "serde")]
    pub fn from_value(value: serde_json::Value) -> Result<Operation, Error> {
        serde_json::from_value(value).map_err(|e| classify(&e))
    }

    /// The JSON form.
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(feature = "serde")]
fn classify(e: &serde_json::Error) -> Error {
    let text = e.to_string();
    if let Some(pos) = text.find(crate::serde_decimal::BAD_DECIMAL) {
        let message = &text[pos + crate::serde_decimal::BAD_DECIMAL.len()..];
        return Error::new(ErrorKind::InvalidAmount, message);
    }
    Error::new(
        ErrorKind::InvalidInput,
        format!("malformed operation: {text}"),
    )
}

macro_rules! into_operation {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Operation {
            fn from(op: $ty) -> Operation {
                Operation::$ty(op)
            }
        }
    )*};
}
into_operation!(Enroll, Order, Refund, Transfer, Adjust, Tick, Survey);

impl From<Configure> for Operation {
    fn from(op: Configure) -> Operation {
        Operation::Configure(Box::new(op))
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    #[test]
    fn parses_the_scenario_form() {
        let op = Operation::from_json(
            r#"{"op": "order", "id": 10, "at": 5, "member": 2, "amount": "1000.00"}"#,
        )
        .unwrap();
        assert_eq!(op.id(), Some(10));
        assert_eq!(op.at(), 5);
        let Operation::Order(o) = &op else {
            unreachable!()
        };
        assert_eq!(o.amount, Decimal::from(1000));
        assert_eq!(o.points, Decimal::ZERO);
        let tick = Operation::from_json(r#"{"op": "tick", "at": 7}"#).unwrap();
        assert_eq!(tick.id(), None);
        assert_eq!(Operation::from_json(&op.to_json()).unwrap(), op);
    }

    #[test]
    fn malformed_fields_are_classified() {
        let bad_amount = Operation::from_json(
            r#"{"op": "order", "id": 1, "at": 0, "member": 2, "amount": "1.000000000000000000000000000001"}"#,
        );
        assert_eq!(bad_amount.unwrap_err().kind(), ErrorKind::InvalidAmount);
        let float = Operation::from_json(
            r#"{"op": "order", "id": 1, "at": 0, "member": 2, "amount": 0.1}"#,
        );
        assert_eq!(float.unwrap_err().kind(), ErrorKind::InvalidAmount);
        let score = Operation::from_json(
            r#"{"op": "survey", "id": 1, "at": 0, "member": 2, "score": 5.5}"#,
        );
        assert_eq!(score.unwrap_err().kind(), ErrorKind::InvalidInput);
        let typo = Operation::from_json(
            r#"{"op": "order", "id": 1, "at": 0, "member": 2, "amount": "1", "pionts": "1"}"#,
        );
        assert_eq!(typo.unwrap_err().kind(), ErrorKind::InvalidInput);
        let unknown = Operation::from_json(r#"{"op": "dance", "id": 1, "at": 0}"#);
        assert_eq!(unknown.unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn digest_ignores_time_and_trailing_zeros() {
        let a = Operation::from_json(
            r#"{"op": "order", "id": 13, "at": 5, "member": 2, "amount": "500", "points": "98"}"#,
        )
        .unwrap();
        let b = Operation::from_json(r#"{"op": "order", "id": 13, "at": 9, "member": 2, "amount": "500.00", "points": "98.0"}"#).unwrap();
        let c = Operation::from_json(
            r#"{"op": "order", "id": 13, "at": 5, "member": 2, "amount": "501", "points": "98"}"#,
        )
        .unwrap();
        let d = Operation::from_json(
            r#"{"op": "adjust", "id": 13, "at": 5, "member": 2, "points": "500"}"#,
        )
        .unwrap();
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), c.digest());
        assert_ne!(a.digest(), d.digest());
    }
}
