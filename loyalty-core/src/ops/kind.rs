//! What every operation kind provides: its field walk and its [`Op`].
//!
//! The field walk: each operation kind lists its fields once, with [`walk!`], and that one list
//! drives the digest (`ops/digest.rs`), the binary record (`binary.rs`, both ways) and the field
//! tables the scenario runners and the bindings read (`KINDS` in `ops/mod.rs`). A field's type is a
//! method name of [`Sink`] and [`Source`]: `u64`, `i64`, `bool`, `decimal`, `str`, `opt_u64`,
//! `opt_str`, `opt_decimal`, `lines`, `program`, `opt_offline`.
//!
//! Fields added to a kind after its first form go in its **tail**, after a `;`: each is
//! optional, and an operation with none of them set writes exactly what it wrote before (see
//! [`Sink::tail`]).

// The reading half serves binary records, which need the `serde` feature (a program travels as
// JSON in them).
#![cfg_attr(not(feature = "serde"), allow(dead_code))]

use rust_decimal::Decimal;

use crate::engine::Engine;
use crate::error::Error;
use crate::ids::OpId;
use crate::line::Line;
use crate::offline::Offline;
use crate::outcome::Effect;
use crate::program::Program;

/// Where a walk writes an operation's fields (the digest, a binary record). Every method takes
/// the field by reference so that `walk!` calls them all alike.
#[allow(clippy::trivially_copy_pass_by_ref, clippy::ref_option)]
pub(crate) trait Sink {
    fn u64(&mut self, v: &u64);
    fn i64(&mut self, v: &i64);
    fn bool(&mut self, v: &bool);
    fn decimal(&mut self, v: &Decimal);
    fn str(&mut self, v: &str);
    fn opt_u64(&mut self, v: &Option<u64>);
    fn opt_str(&mut self, v: &Option<String>);
    fn opt_decimal(&mut self, v: &Option<Decimal>);
    fn lines(&mut self, v: &[Line]);
    fn program(&mut self, v: &Program);
    fn opt_offline(&mut self, v: &Option<Offline>);
    /// Marks the start of the kind's tail: the optional fields added since the kind's first
    /// form, written only when one of them is set, so that every operation without them keeps
    /// its digest and its binary record byte for byte.
    fn tail(&mut self);
}

/// Where a walk reads an operation's fields back (a binary record); `name` is the field's, for
/// the error message.
pub(crate) trait Source {
    fn u64(&mut self, name: &str) -> Result<u64, Error>;
    fn i64(&mut self, name: &str) -> Result<i64, Error>;
    fn bool(&mut self, name: &str) -> Result<bool, Error>;
    fn decimal(&mut self, name: &str) -> Result<Decimal, Error>;
    fn str(&mut self, name: &str) -> Result<String, Error>;
    fn opt_u64(&mut self, name: &str) -> Result<Option<u64>, Error>;
    fn opt_str(&mut self, name: &str) -> Result<Option<String>, Error>;
    fn opt_decimal(&mut self, name: &str) -> Result<Option<Decimal>, Error>;
    fn lines(&mut self, name: &str) -> Result<Vec<Line>, Error>;
    fn program(&mut self, name: &str) -> Result<Program, Error>;
    fn opt_offline(&mut self, name: &str) -> Result<Option<Offline>, Error>;
    /// Whether the record has a tail (see [`Sink::tail`]).
    fn tail(&mut self) -> bool;
}

/// An operation kind's fields: what `walk!` generates.
pub(crate) trait Walk: Sized {
    /// Every field with its type name, `id` (when it has one) and `at` first.
    const FIELDS: &'static [(&'static str, &'static str)];
    /// Whether it carries an id (every kind but `tick`).
    const HAS_ID: bool = true;
    fn id(&self) -> Option<OpId>;
    fn at(&self) -> i64;
    fn set_at(&mut self, at: i64);
    /// Writes every field after `id` and `at`, in the list's order.
    fn write<S: Sink>(&self, s: &mut S);
    /// Reads them back, in the same order.
    fn read<R: Source>(id: OpId, at: i64, r: &mut R) -> Result<Self, Error>;
}

/// What each kind does, beside its fields.
pub(crate) trait Op: Walk {
    /// Applies it: every check, then the commit.
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error>;
}

/// `walk!(Kind { field: type, … ; tail_field: type, … })`: the [`Walk`] of a kind with `id`
/// and `at`, from the list of its other fields (the tail after `;`, optional fields only).
macro_rules! walk {
    ($Kind:ident { $($field:ident : $ty:ident),* $(,)? $(; $($tail:ident : $tty:ident),+ $(,)?)? }) => {
        impl $crate::ops::kind::Walk for $Kind {
            const FIELDS: &'static [(&'static str, &'static str)] = &[
                ("id", "u64"),
                ("at", "i64"),
                $((stringify!($field), stringify!($ty)),)*
                $($((stringify!($tail), stringify!($tty)),)+)?
            ];
            fn id(&self) -> Option<$crate::ids::OpId> {
                Some(self.id)
            }
            fn at(&self) -> i64 {
                self.at
            }
            fn set_at(&mut self, at: i64) {
                self.at = at;
            }
            fn write<S: $crate::ops::kind::Sink>(&self, _s: &mut S) {
                $(_s.$ty(&self.$field);)*
                $(
                    if false $(|| self.$tail.is_some())+ {
                        _s.tail();
                        $(_s.$tty(&self.$tail);)+
                    }
                )?
            }
            fn read<R: $crate::ops::kind::Source>(
                id: $crate::ids::OpId,
                at: i64,
                _r: &mut R,
            ) -> Result<Self, $crate::error::Error> {
                let _tail = _r.tail();
                // A struct expression evaluates its fields in the order written: the list's.
                Ok($Kind {
                    id,
                    at,
                    $($field: _r.$ty(stringify!($field))?,)*
                    $($($tail: if _tail { _r.$tty(stringify!($tail))? } else { None },)+)?
                })
            }
        }
    };
}
pub(crate) use walk;
