//! What every operation kind provides: its field walk and its [`Op`].
//!
//! The field walk: each operation kind lists its fields once, with [`walk!`], and that one list
//! drives the digest (`ops/digest.rs`), the binary record (`binary.rs`, both ways) and the field
//! tables the scenario runners and the bindings read (`KINDS` in `ops/mod.rs`). A field's type is a
//! method name of [`Sink`] and [`Source`]: `u64`, `i64`, `bool`, `decimal`, `str`, `opt_u64`,
//! `opt_str`, `opt_decimal`, `lines`, `program`.

// The reading half serves binary records, which need the `serde` feature (a program travels as
// JSON in them).
#![cfg_attr(not(feature = "serde"), allow(dead_code))]

use rust_decimal::Decimal;

use crate::engine::Engine;
use crate::error::Error;
use crate::ids::OpId;
use crate::line::Line;
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

/// `walk!(Kind { field: type, … })`: the [`Walk`] of a kind with `id` and `at`, from the
/// list of its other fields.
macro_rules! walk {
    ($Kind:ident { $($field:ident : $ty:ident),* $(,)? }) => {
        impl $crate::ops::kind::Walk for $Kind {
            const FIELDS: &'static [(&'static str, &'static str)] =
                &[("id", "u64"), ("at", "i64"), $((stringify!($field), stringify!($ty))),*];
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
            }
            fn read<R: $crate::ops::kind::Source>(
                id: $crate::ids::OpId,
                at: i64,
                _r: &mut R,
            ) -> Result<Self, $crate::error::Error> {
                // A struct expression evaluates its fields in the order written: the list's.
                Ok($Kind { id, at, $($field: _r.$ty(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use walk;
