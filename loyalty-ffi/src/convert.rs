//! Conversions at the boundary: C strings, minor units, out-parameters.

use std::ffi::{c_char, CStr};

use loyalty_core::Decimal;

use crate::{loyalty_result, Failure};

/// A required UTF-8 string argument.
pub(crate) unsafe fn text<'a>(p: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: the caller promises a NUL-terminated string that outlives the call.
    let raw = unsafe { CStr::from_ptr(p) };
    raw.to_str().map_err(|e| {
        Failure::new(
            loyalty_result::LOYALTY_INVALID_UTF8,
            format!("{what} is not UTF-8: {e}"),
        )
    })
}

/// An optional UTF-8 string argument (NULL: none).
pub(crate) unsafe fn optional_text<'a>(
    p: *const c_char,
    what: &str,
) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        Ok(None)
    } else {
        unsafe { text(p, what) }.map(Some)
    }
}

/// A decimal string argument; a malformed one is `LOYALTY_INVALID_AMOUNT`.
pub(crate) unsafe fn decimal(p: *const c_char, what: &str) -> Result<Decimal, Failure> {
    let s = unsafe { text(p, what) }?;
    loyalty_core::parse_decimal(s).map_err(|e| {
        Failure::new(
            loyalty_result::LOYALTY_INVALID_AMOUNT,
            format!("{what}: {}", e.message()),
        )
    })
}

/// Minor units at `scale` as a decimal: 123450 at scale 2 is 1234.50. Always exact.
pub(crate) fn from_minor(v: i64, scale: u32) -> Decimal {
    Decimal::new(v, scale)
}

/// A decimal as minor units at `scale`, if it is a whole number of them and fits `int64_t`.
pub(crate) fn to_minor(v: Decimal, scale: u32, what: &str) -> Result<i64, Failure> {
    let scaled = v.checked_mul(Decimal::from(10_i64.pow(scale.min(18))));
    scaled.filter(|s| s.fract().is_zero()).and_then(|s| i64::try_from(s).ok()).ok_or_else(|| {
        Failure::new(
            loyalty_result::LOYALTY_INVALID_AMOUNT,
            format!("{what} {v} is not a whole number of int64 minor units at scale {scale}; use the JSON form"),
        )
    })
}

/// Like [`to_minor`] for outcome summaries, where the operation already happened: saturates
/// (and truncates extra places) instead of failing. The JSON outcome is always exact.
pub(crate) fn to_minor_saturating(v: Decimal, scale: u32) -> i64 {
    let scaled = v
        .saturating_mul(Decimal::from(10_i64.pow(scale.min(18))))
        .trunc();
    i64::try_from(scaled).unwrap_or(if scaled.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Writes `value` through `out` (which must not be NULL).
pub(crate) unsafe fn put<T>(out: *mut T, value: T, what: &str) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: the caller promises `out` points to a writable `T`.
    unsafe { out.write(value) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_round_trip_and_refuse_what_does_not_fit() {
        assert_eq!(from_minor(123_450, 2).to_string(), "1234.50");
        assert_eq!(to_minor(from_minor(123_450, 2), 2, "x").ok(), Some(123_450));
        assert!(to_minor(Decimal::new(1, 3), 2, "x").is_err());
        assert!(to_minor(Decimal::from(i64::MAX), 2, "x").is_err());
        assert_eq!(to_minor_saturating(Decimal::from(i64::MAX), 2), i64::MAX);
        assert_eq!(to_minor_saturating(Decimal::from(i64::MIN), 2), i64::MIN);
    }
}
