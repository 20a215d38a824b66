//! The operations of SPEC sections 5 and 8, one file per kind, and [`operations!`]: the one
//! list of kinds. Each kind's file holds its struct, its field list (`walk!`) and its [`Op`]
//! (the checks and the commit, and what a provisional apply must keep to take it back). The
//! list generates the [`Operation`] enum, its accessors, the dispatch, the binary tags and the
//! field tables ([`KINDS`]); the digest and the binary record walk the fields.
//!
//! Each kind checks everything first (in the SPEC's order) and mutates only once every check
//! has passed, so a rejected operation changes nothing.

mod digest;
pub(crate) mod kind;

use crate::engine::Engine;
use crate::error::Error;
#[cfg(feature = "serde")]
use crate::error::ErrorKind;
use crate::ids::OpId;
use crate::outcome::Effect;
use kind::{Op, Sink, Walk};

/// The one list of operation kinds: `module::Kind(held type) = binary tag "json name";`.
/// A new kind is one line here and one file in this folder.
macro_rules! operations {
    ($( $(#[$doc:meta])* $module:ident :: $Kind:ident ( $Held:ty ) = $tag:literal $name:literal; )*) => {
        $(
            mod $module;
            pub use $module::$Kind;
        )*

        /// One operation. Every kind but [`Operation::Tick`] carries a unique id.
        ///
        /// Its JSON form is the scenario step form: `{"op": "order", "id": 10, "at": …,
        /// "member": 2, "amount": "1000.00"}`.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(tag = "op", rename_all = "lowercase"))]
        pub enum Operation {
            $( $(#[$doc])* $Kind($Held), )*
        }

        /// Every kind in the list: its JSON name, its binary tag, and its fields with their
        /// types (`id` and `at` first), for the scenario runners and the bindings.
        pub const KINDS: &[(&str, u8, &[(&str, &str)])] =
            &[$(($name, $tag, <$Kind as Walk>::FIELDS)),*];

        impl Operation {
            /// The operation id (`None` for a tick).
            pub fn id(&self) -> Option<OpId> {
                match self { $(Operation::$Kind(o) => o.id(),)* }
            }

            /// When it happens (Unix seconds).
            pub fn at(&self) -> i64 {
                match self { $(Operation::$Kind(o) => o.at(),)* }
            }

            /// Moves the operation to instant `at` (a host that stamps operations with "now"
            /// as it appends them to a shared journal). Its id and content, hence its
            /// idempotency digest, stay the same.
            pub fn set_at(&mut self, at: i64) {
                match self { $(Operation::$Kind(o) => o.set_at(at),)* }
            }

            /// The kind's name, as in the JSON form (`"order"`).
            pub fn kind(&self) -> &'static str {
                match self { $(Operation::$Kind(_) => $name,)* }
            }

            /// The kind's tag in binary records.
            #[cfg(feature = "serde")]
            pub(crate) fn tag(&self) -> u8 {
                match self { $(Operation::$Kind(_) => $tag,)* }
            }

            /// Whether a kind's binary record carries an id (`None`: no such tag).
            #[cfg(feature = "serde")]
            pub(crate) fn tag_has_id(tag: u8) -> Option<bool> {
                match tag { $($tag => Some(<$Kind as Walk>::HAS_ID),)* _ => None }
            }

            /// Writes every field after `id` and `at`.
            pub(crate) fn write_fields<S: Sink>(&self, s: &mut S) {
                match self { $(Operation::$Kind(o) => o.write(s),)* }
            }

            /// Reads the fields after `id` and `at` of the kind tagged `tag` (a known tag).
            #[cfg(feature = "serde")]
            pub(crate) fn read_fields<R: kind::Source>(
                tag: u8,
                id: OpId,
                at: i64,
                r: &mut R,
            ) -> Result<Option<Operation>, Error> {
                Ok(match tag {
                    $($tag => Some(<$Kind as Walk>::read(id, at, r)?.into()),)*
                    _ => None,
                })
            }

            /// Applies it to `engine` (the dispatch).
            pub(crate) fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
                match self { $(Operation::$Kind(o) => o.run(engine),)* }
            }
        }

        $(
            impl From<$Kind> for Operation {
                #[allow(clippy::useless_conversion)]
                fn from(op: $Kind) -> Operation {
                    Operation::$Kind(op.into())
                }
            }
        )*
    };
}

operations! {
    /// Enrol a member (5.1, 8.4, 8.7).
    enroll::Enroll(Enroll) = 1 "enroll";
    /// A paid order (5.2, 8.1).
    order::Order(Order) = 2 "order";
    /// Return part or all of an order (5.3).
    refund::Refund(Refund) = 3 "refund";
    /// Points from one member to another (5.4).
    transfer::Transfer(Transfer) = 4 "transfer";
    /// A supervisor's correction (5.5).
    adjust::Adjust(Adjust) = 5 "adjust";
    /// Move the clock forward (5.6).
    tick::Tick(Tick) = 6 "tick";
    /// Replace the program (5.7); boxed, a program being large.
    configure::Configure(Box<Configure>) = 7 "configure";
    /// A survey answer (8.8).
    survey::Survey(Survey) = 8 "survey";
    /// Rewards of the catalogue paid with points (9.5).
    redeem::Redeem(Redeem) = 9 "redeem";
    /// A redemption taken back (9.5).
    cancel::Cancel(Cancel) = 10 "cancel";
    /// Points reserved for a checkout (9.1).
    hold::Hold(Hold) = 11 "hold";
    /// A hold given back (9.1).
    release::Release(Release) = 12 "release";
}

pub(crate) use order::check_lines;

impl Operation {
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
    // A configure's program is judged as a program: its mistakes are `InvalidConfig`, in every
    // form the operation comes in (typed calls parse it with `Program::from_json` too).
    if let Some(pos) = text.find(crate::program::BAD_PROGRAM) {
        let message = &text[pos + crate::program::BAD_PROGRAM.len()..];
        return Error::new(ErrorKind::InvalidConfig, message);
    }
    if let Some(pos) = text.find(crate::serde_decimal::BAD_DECIMAL) {
        let message = &text[pos + crate::serde_decimal::BAD_DECIMAL.len()..];
        return Error::new(ErrorKind::InvalidAmount, message);
    }
    Error::new(
        ErrorKind::InvalidInput,
        format!("malformed operation: {text}"),
    )
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

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
