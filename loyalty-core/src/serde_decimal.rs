//! Serde forms of decimals: written as strings, read from strings or JSON integers.
//!
//! Floats are refused (a JSON `0.1` is already inexact when it is parsed), and strings are
//! parsed exactly (see [`crate::amount::parse_decimal`]).

use core::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

use crate::amount::parse_decimal;

/// The prefix of every decimal parse error, so that callers can tell `InvalidAmount` apart.
pub(crate) const BAD_DECIMAL: &str = "bad decimal: ";

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal as a string, or an integer")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(|e| E::custom(format!("{BAD_DECIMAL}{}", e.message())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // An integer beyond 64 bits reaches here as a float too: name it for what it is.
        #[allow(clippy::float_cmp)]
        let whole = v.is_finite() && v.trunc() == v && v.abs() >= 9.223_372_036_854_776e18;
        Err(E::custom(if whole {
            format!("{BAD_DECIMAL}{v:e} is too large for a JSON integer; write it as a string")
        } else {
            format!("{BAD_DECIMAL}{v} is a binary float; write decimals as strings")
        }))
    }
}

/// Serializes a decimal as its string.
pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Reads a decimal from a string or an integer.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// A decimal that may be `null`.
pub mod option {
    use super::{Decimal, DecimalVisitor, Deserializer, Serializer};

    /// Serializes `None` as `null`, a decimal as its string.
    #[allow(clippy::ref_option)]
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    /// Reads `null`, a decimal string or an integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        struct OptVisitor;
        impl<'de> serde::de::Visitor<'de> for OptVisitor {
            type Value = Option<Decimal>;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("null or a decimal")
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                d.deserialize_any(DecimalVisitor).map(Some)
            }
        }
        d.deserialize_option(OptVisitor)
    }
}

/// A list of decimals.
pub mod vec {
    use serde::de::{SeqAccess, Visitor};
    use serde::ser::SerializeSeq;

    use super::{Decimal, Deserializer, Serializer};

    /// Serializes each decimal as a string.
    pub fn serialize<S: Serializer>(v: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for d in v {
            seq.serialize_element(&d.to_string())?;
        }
        seq.end()
    }

    /// Reads a list of decimal strings or integers.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Decimal>, D::Error> {
        struct Wrapped(Decimal);
        impl<'de> serde::Deserialize<'de> for Wrapped {
            fn deserialize<D2: Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
                super::deserialize(d).map(Wrapped)
            }
        }
        struct SeqVisitor;
        impl<'de> Visitor<'de> for SeqVisitor {
            type Value = Vec<Decimal>;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a list of decimals")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Wrapped(d)) = seq.next_element()? {
                    out.push(d);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(SeqVisitor)
    }
}
