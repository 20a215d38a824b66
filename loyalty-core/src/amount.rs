//! Exact decimal arithmetic for money and points.
//!
//! Every value is a [`Decimal`]. Rounding happens in exactly one place ([`Rounding::round`] and
//! [`Rounding::round_ratio`]); multiplication goes through [`mul`], which refuses to lose digits, so
//! a result is either exact or the error `InvalidAmount`.

use core::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, ErrorKind};

/// The largest magnitude accepted for any money or points amount in an operation (10^15).
///
/// A limit stated up front keeps every sum the engine forms far below `Decimal`'s range, so
/// totals can never overflow however long a program runs.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

/// The largest rate or multiplier a program may set (1000, i.e. 100 000 %).
pub const MAX_RATE: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// How computed amounts are rounded to the program's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Rounding {
    /// Toward zero (the default): a program never gives away a fraction it did not owe.
    #[default]
    Down,
    /// Half away from zero.
    HalfUp,
    /// Half to even (banker's rounding).
    HalfEven,
}

impl Rounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::Down => RoundingStrategy::ToZero,
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        }
    }

    /// `value` rounded to `scale` decimal places.
    pub fn round(self, value: Decimal, scale: u32) -> Decimal {
        self.round_small(value, scale)
            .unwrap_or_else(|| value.round_dp_with_strategy(scale, self.strategy()))
    }

    /// [`Rounding::round`] in 64-bit integers, for the usual value: non-negative, a mantissa
    /// of 64 bits, at most 18 places to drop. `None` otherwise.
    fn round_small(self, value: Decimal, scale: u32) -> Option<Decimal> {
        if value.scale() <= scale {
            return Some(value);
        }
        if value.is_sign_negative() {
            return None;
        }
        let m = u64::try_from(value.mantissa()).ok()?;
        let unit = u64::try_from(*POW10.get((value.scale() - scale) as usize)?).ok()?;
        let (q, r) = (m / unit, m % unit);
        let half = u128::from(r) * 2;
        let up = match self {
            Rounding::Down => false,
            Rounding::HalfUp => half >= u128::from(unit),
            Rounding::HalfEven => {
                half > u128::from(unit) || (half == u128::from(unit) && q % 2 == 1)
            }
        };
        let q = q + u64::from(up);
        Some(Decimal::from_parts(
            q as u32,
            (q >> 32) as u32,
            0,
            false,
            scale,
        ))
    }

    /// `num ÷ den` rounded to `scale` places, exactly: the quotient is corrected with the exact
    /// remainder, so no digit beyond Decimal's 28 can tip the rounding.
    ///
    /// `num` must be ≥ 0 and `den` > 0 (every ratio the engine forms is).
    pub fn round_ratio(self, num: Decimal, den: Decimal, scale: u32) -> Result<Decimal, Error> {
        let overflow = || {
            Error::new(
                ErrorKind::InvalidAmount,
                "amount too large to compute exactly",
            )
        };
        if num < Decimal::ZERO || den <= Decimal::ZERO {
            return Err(Error::new(
                ErrorKind::InvalidAmount,
                format!("cannot divide {num} by {den}"),
            ));
        }
        let ulp = Decimal::new(1, scale);
        let approx = num.checked_div(den).ok_or_else(overflow)?;
        let mut quotient = approx.trunc_with_scale(scale);
        // remainder = num − quotient × den, kept in [0, ulp × den).
        let mut remainder = num.checked_sub(mul(quotient, den)?).ok_or_else(overflow)?;
        let step = mul(ulp, den)?;
        while remainder < Decimal::ZERO {
            quotient -= ulp;
            remainder += step;
        }
        while remainder >= step {
            quotient += ulp;
            remainder -= step;
        }
        let twice = remainder.checked_mul(Decimal::TWO).ok_or_else(overflow)?;
        let round_up = match self {
            Rounding::Down => false,
            Rounding::HalfUp => twice >= step,
            Rounding::HalfEven => twice > step || (twice == step && !is_even_at(quotient, scale)),
        };
        Ok(at_scale(
            if round_up { quotient + ulp } else { quotient },
            scale,
        ))
    }
}

/// Whether the last digit of `value` at `scale` places is even.
fn is_even_at(value: Decimal, scale: u32) -> bool {
    let mut v = value;
    v.rescale(scale);
    v.mantissa() % 2 == 0
}

/// `a × b`, exactly, or `InvalidAmount` when the product would need more than Decimal's 28
/// digits (`rust_decimal` would silently drop the low digits, which an exact ledger must refuse).
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    let too_long = || {
        Error::new(
            ErrorKind::InvalidAmount,
            format!("{a} × {b} is too large to compute exactly"),
        )
    };
    // The usual case: both mantissas fit 64 bits, so the product fits 128 without normalizing
    // first. Stripping the product's trailing zeros gives the same canonical result.
    let (mut mantissa, mut scale) =
        if let (Ok(x), Ok(y)) = (i64::try_from(a.mantissa()), i64::try_from(b.mantissa())) {
            (i128::from(x) * i128::from(y), a.scale() + b.scale())
        } else {
            let (a, b) = (a.normalize(), b.normalize());
            let m = a
                .mantissa()
                .checked_mul(b.mantissa())
                .ok_or_else(too_long)?;
            (m, a.scale() + b.scale())
        };
    if let Ok(mut small) = i64::try_from(mantissa) {
        // 64-bit division is several times cheaper than 128-bit.
        while scale > 0 && small % 10 == 0 {
            small /= 10;
            scale -= 1;
        }
        mantissa = i128::from(small);
    } else {
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| too_long())
}

/// 10^0 … 10^19.
const POW10: [i128; 20] = {
    let mut t = [1_i128; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `a` against `b` by value. Magnitudes below 2^64 (every usual amount) are brought to one
/// scale in 128-bit integers (exact: < 2^64 · 10^19 < 2^128), several times cheaper than
/// `Decimal`'s general comparison.
pub(crate) fn compare(a: Decimal, b: Decimal) -> core::cmp::Ordering {
    use core::cmp::Ordering;
    let (ua, ub) = (a.unpack(), b.unpack());
    let shift = ua.scale.abs_diff(ub.scale) as usize;
    if ua.hi == 0 && ub.hi == 0 && shift < POW10.len() {
        let magnitude = |mid: u32, lo: u32| (u128::from(mid) << 32) | u128::from(lo);
        let (mut x, mut y) = (magnitude(ua.mid, ua.lo), magnitude(ub.mid, ub.lo));
        let up = POW10[shift].unsigned_abs();
        if ua.scale > ub.scale {
            y *= up;
        } else {
            x *= up;
        }
        // A zero is neither side of the sign, whatever its flag says.
        return match (ua.negative && x != 0, ub.negative && y != 0) {
            (false, false) => x.cmp(&y),
            (true, true) => y.cmp(&x),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        };
    }
    a.cmp(&b)
}

/// `floor(d)` for a non-negative `d` whose mantissa fits 64 bits (every usual total).
pub(crate) fn whole_part(d: Decimal) -> Option<u64> {
    let u = d.unpack();
    if u.negative || u.hi != 0 {
        return None;
    }
    let mantissa = (u64::from(u.mid) << 32) | u64::from(u.lo);
    Some(whole_of(mantissa, u.scale))
}

/// The whole part of the non-negative figure `mantissa` at `scale` places.
pub(crate) fn whole_of(mantissa: u64, scale: u32) -> u64 {
    // A 64-bit mantissa is below 10^20: at 20 places or more it is a fraction.
    match POW10.get(scale as usize) {
        Some(p) => mantissa / p.unsigned_abs() as u64,
        None => 0,
    }
}

/// `d` as a whole number, when it is one written without places (`2500`, not `2500.00`) and
/// non-negative below 2^64.
pub(crate) fn as_whole(d: Decimal) -> Option<u64> {
    let u = d.unpack();
    (u.scale == 0 && !u.negative && u.hi == 0).then(|| (u64::from(u.mid) << 32) | u64::from(u.lo))
}

/// A non-negative `d` as its mantissa and scale, when the mantissa fits `T` (the compact
/// rows of the operation table keep figures so, and decode them to exactly `d`).
pub(crate) fn mantissa_and_scale<T: TryFrom<i128>>(d: Decimal) -> Option<(T, u32)> {
    if d.is_sign_negative() {
        return None;
    }
    Some((T::try_from(d.mantissa()).ok()?, d.scale()))
}

/// The same decimal, bit for bit: value, scale and sign (`1.0 ≠ 1.00` here, unlike `==`).
pub(crate) fn identical(a: Decimal, b: Decimal) -> bool {
    a.serialize() == b.serialize()
}

/// A zero that prints as `0` (`Decimal::ZERO` exactly, not `0.00`).
pub(crate) fn plain_zero(d: Decimal) -> bool {
    identical(d, Decimal::ZERO)
}

/// Whether `d > 0`, without a comparison across scales.
pub(crate) fn positive(d: Decimal) -> bool {
    !d.is_zero() && d.is_sign_positive()
}

/// `a + b` for running totals. Saturates instead of panicking; with every input capped at
/// [`MAX_AMOUNT`] a total cannot come near the bound in any realistic history.
pub fn add(a: Decimal, b: Decimal) -> Decimal {
    // The usual case, two non-negative amounts at one scale: their mantissas add exactly, as
    // `Decimal` would add them, at a fraction of the cost.
    // Read from the parts: building two 128-bit mantissas costs more than the sum.
    let (x, y) = (a.unpack(), b.unpack());
    if x.scale == y.scale && !x.negative && !y.negative && x.hi == 0 && y.hi == 0 {
        let magnitude = |mid: u32, lo: u32| (u64::from(mid) << 32) | u64::from(lo);
        if let Some(sum) = magnitude(x.mid, x.lo).checked_add(magnitude(y.mid, y.lo)) {
            return Decimal::from_parts(sum as u32, (sum >> 32) as u32, 0, false, x.scale);
        }
    }
    add_across_scales(a, b)
}

/// `a + b` when the scales differ (a total that starts as a plain `0`, a cash total with more
/// places than an accrual). Two non-negative amounts below 2^64: `Decimal` returns the other
/// operand whole when one is zero, else brings the one with fewer places to the other's scale
/// and adds the mantissas; when that sum fits 96 bits it is exact, and so is this.
#[inline(never)]
fn add_across_scales(a: Decimal, b: Decimal) -> Decimal {
    let (x, y) = (a.unpack(), b.unpack());
    let shift = x.scale.abs_diff(y.scale) as usize;
    if !x.negative && !y.negative && x.hi == 0 && y.hi == 0 && shift < POW10.len() {
        let magnitude = |mid: u32, lo: u32| (u128::from(mid) << 32) | u128::from(lo);
        let (mut left, mut right) = (magnitude(x.mid, x.lo), magnitude(y.mid, y.lo));
        if left == 0 {
            return b;
        }
        if right == 0 {
            return a;
        }
        let up = POW10[shift].unsigned_abs();
        if x.scale > y.scale {
            right *= up;
        } else {
            left *= up;
        }
        // Below 2^64 · 10^19 each: the sum cannot overflow 128 bits.
        let sum = left + right;
        if sum >> 96 == 0 {
            let part = |shift: u32| (sum >> shift) as u32;
            return Decimal::from_parts(part(0), part(32), part(64), false, x.scale.max(y.scale));
        }
    }
    a.saturating_add(b)
}

/// `a − b` for running totals (see [`add`]).
pub fn sub(a: Decimal, b: Decimal) -> Decimal {
    a.saturating_sub(b)
}

/// `value` shown with `scale` places ("30" → "30.00"), when that loses no digit.
pub fn at_scale(value: Decimal, scale: u32) -> Decimal {
    let mut v = value;
    if v.scale() < scale {
        v.rescale(scale);
    }
    v
}

/// Checks that `value` has at most `scale` decimal places (trailing zeros aside) and lies within
/// [`MAX_AMOUNT`]; returns it written at exactly `scale` places (sums of values at one scale
/// stay on `rust_decimal`'s fast path). `what` names the field in the error.
pub fn check_scale(value: Decimal, scale: u32, what: &str) -> Result<Decimal, Error> {
    // The usual input: non-negative, written with at most `scale` places, a 64-bit mantissa.
    // Written at `scale` places it is the same mantissa times a power of ten, and within the
    // limit when that mantissa is at most 10^15 at its own scale.
    let u = value.unpack();
    if !u.negative && u.hi == 0 && u.scale <= scale {
        let mantissa = (u64::from(u.mid) << 32) | u64::from(u.lo);
        let (own, up) = (
            POW10.get(u.scale as usize),
            POW10.get((scale - u.scale) as usize),
        );
        if let (Some(own), Some(up)) = (own, up) {
            let within = i128::from(mantissa) <= 1_000_000_000_000_000 * own;
            if let (true, Some(at)) = (within, mantissa.checked_mul(up.unsigned_abs() as u64)) {
                return Ok(Decimal::from_parts(
                    at as u32,
                    (at >> 32) as u32,
                    0,
                    false,
                    scale,
                ));
            }
        }
    }
    check_scale_normalized(value, scale, what)
}

/// [`check_scale`] for any input, through `normalize`.
fn check_scale_normalized(value: Decimal, scale: u32, what: &str) -> Result<Decimal, Error> {
    let normalized = value.normalize();
    if normalized.scale() > scale {
        return Err(Error::new(
            ErrorKind::InvalidAmount,
            format!("{what} {value} has more than {scale} decimal places"),
        ));
    }
    if compare(normalized.abs(), MAX_AMOUNT).is_gt() {
        return Err(Error::new(
            ErrorKind::InvalidAmount,
            format!("{what} {value} exceeds the limit of {MAX_AMOUNT}"),
        ));
    }
    Ok(at_scale(normalized, scale))
}

/// Parses a decimal string exactly (SPEC section 1): a plain decimal — digits, an optional
/// leading `-`, an optional `.` followed by digits — with no exponent, sign `+`, spaces or
/// bare point (`.5`, `5.`). More than 28 places, or too many digits, are refused rather than
/// silently rounded.
pub fn parse_decimal(text: &str) -> Result<Decimal, Error> {
    if !is_plain_decimal(text) {
        return Err(Error::new(
            ErrorKind::InvalidAmount,
            format!(
                "'{text}' is not a decimal number: write a plain decimal (digits, an \
                 optional leading '-', and an optional '.' followed by digits)"
            ),
        ));
    }
    Decimal::from_str_exact(text).map_err(|_| out_of_range(text))
}

/// Whether `text` is digits, an optional leading `-`, and an optional `.` followed by digits.
fn is_plain_decimal(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let body = text.strip_prefix('-').unwrap_or(text);
    match body.split_once('.') {
        Some((whole, places)) => digits(whole) && digits(places),
        None => digits(body),
    }
}

/// Why a plain decimal does not fit a `Decimal` (too many integer digits, or too many
/// places), so that the message names the real cause.
fn out_of_range(text: &str) -> Error {
    let digits = text.trim_start_matches('-');
    let whole = digits.split_once('.').map_or(digits, |(whole, _)| whole);
    let message = if whole.trim_start_matches('0').len() > 28 {
        format!("'{text}' is too large (at most {})", Decimal::MAX)
    } else {
        format!("'{text}' has too many digits (at most 28 decimal places and 29 digits in all)")
    };
    Error::new(ErrorKind::InvalidAmount, message)
}

impl FromStr for Rounding {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "down" => Ok(Rounding::Down),
            "half_up" => Ok(Rounding::HalfUp),
            "half_even" => Ok(Rounding::HalfEven),
            other => Err(Error::new(
                ErrorKind::InvalidConfig,
                format!("rounding: unknown mode '{other}'"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn a_numeral_out_of_range_says_why() {
        let message = |s: &str| parse_decimal(s).unwrap_err().message().to_owned();
        assert!(message(&"1".repeat(40)).contains("too large"));
        assert!(message("-100000000000000000000000000000000").contains("too large"));
        assert!(message("0.0000000000000000000000000000001").contains("too many digits"));
        assert!(message("abc").contains("not a decimal number"));
        assert!(message("1.2.3").contains("not a decimal number"));
        assert!(message("1e5").contains("not a decimal number"));
    }

    /// Sums across scales, plain zeros and the edges of the fast path, as `Decimal` adds them.
    #[test]
    fn sums_across_scales_are_decimals_own() {
        let big = Decimal::from(u64::MAX);
        let pairs = [
            (d("0"), d("12.50")),
            (d("12.50"), d("0")),
            (d("0.00"), d("3")),
            (d("1.5"), d("2.25")),
            (d("100"), d("0.001")),
            (big, d("0.1")),
            (big, big),
            (big, Decimal::new(1, 19)),
            (big, Decimal::new(1, 20)),
            (Decimal::MAX, d("1")),
            (d("-0"), d("0.00")),
            (d("-1.5"), d("2")),
        ];
        for (a, b) in pairs {
            assert_eq!(
                add(a, b).serialize(),
                a.saturating_add(b).serialize(),
                "{a} + {b}"
            );
        }
    }

    #[test]
    fn max_amount_is_ten_to_the_fifteenth() {
        assert_eq!(MAX_AMOUNT, d("1000000000000000"));
        assert_eq!(MAX_RATE, d("1000"));
    }

    #[test]
    fn rounding_modes_at_half() {
        assert_eq!(Rounding::Down.round(d("2.345"), 2), d("2.34"));
        assert_eq!(Rounding::HalfUp.round(d("2.345"), 2), d("2.35"));
        assert_eq!(Rounding::HalfEven.round(d("2.345"), 2), d("2.34"));
        assert_eq!(Rounding::HalfEven.round(d("2.355"), 2), d("2.36"));
        assert_eq!(Rounding::Down.round(d("2.999"), 0), d("2"));
        assert_eq!(Rounding::HalfUp.round(d("2.5"), 0), d("3"));
        assert_eq!(Rounding::HalfEven.round(d("2.5"), 0), d("2"));
    }

    #[test]
    fn ratio_multiplies_first_and_rounds_exactly() {
        // 1/3 of 300 is 100, not 99.99.
        assert_eq!(
            Rounding::Down.round_ratio(d("30000"), d("300"), 2).ok(),
            Some(d("100"))
        );
        assert_eq!(
            Rounding::Down.round_ratio(d("100"), d("3"), 2).ok(),
            Some(d("33.33"))
        );
        assert_eq!(
            Rounding::HalfUp.round_ratio(d("200"), d("3"), 2).ok(),
            Some(d("66.67"))
        );
        assert_eq!(
            Rounding::HalfEven.round_ratio(d("1"), d("8"), 2).ok(),
            Some(d("0.12"))
        );
        assert_eq!(
            Rounding::HalfUp.round_ratio(d("1"), d("8"), 2).ok(),
            Some(d("0.13"))
        );
        assert_eq!(
            Rounding::HalfEven.round_ratio(d("3"), d("8"), 2).ok(),
            Some(d("0.38"))
        );
        assert_eq!(
            Rounding::Down.round_ratio(d("0"), d("7"), 2).ok(),
            Some(d("0"))
        );
    }

    #[test]
    fn ratio_is_exact_where_28_digits_are_not_enough() {
        // 2/3 · 10^14 has more digits than Decimal keeps; the remainder fixes the last one.
        let num = d("200000000000000");
        assert_eq!(
            Rounding::Down.round_ratio(num, d("3"), 8).ok(),
            Some(d("66666666666666.66666666"))
        );
        assert_eq!(
            Rounding::HalfUp.round_ratio(num, d("3"), 8).ok(),
            Some(d("66666666666666.66666667"))
        );
    }

    #[test]
    fn mul_refuses_to_lose_digits() {
        assert_eq!(mul(d("1.5"), d("0.03")).ok(), Some(d("0.045")));
        let long = d("1234567890123.12345678");
        assert!(mul(long, d("0.123456789012")).is_err());
        assert!(mul(MAX_AMOUNT, MAX_RATE).is_ok());
        assert!(mul(MAX_AMOUNT, MAX_AMOUNT).is_err());
        assert!(mul(Decimal::MAX, Decimal::TWO).is_err());
    }

    #[test]
    fn scale_check_ignores_trailing_zeros() {
        assert_eq!(
            check_scale(d("10.100"), 2, "amount")
                .map(|v| v.to_string())
                .ok(),
            Some(String::from("10.10"))
        );
        let err = check_scale(d("10.001"), 2, "amount").err();
        assert_eq!(
            err.as_ref().map(Error::kind),
            Some(ErrorKind::InvalidAmount)
        );
        assert!(err.is_some_and(|e| e.message().contains("10.001")));
        assert!(check_scale(d("1000000000000000.01"), 2, "amount").is_err());
        assert_eq!(check_scale(d("12"), 0, "amount").ok(), Some(d("12")));
        assert!(check_scale(d("12.5"), 0, "amount").is_err());
        // The limit, either side, at every scale of the input and of the program.
        for (input, within) in [
            ("1000000000000000", true),
            ("1000000000000000.00", true),
            ("999999999999999.99", true),
            ("1000000000000000.01", false),
            ("1000000000000001", false),
            ("-1000000000000000", true),
        ] {
            for places in 2..=8 {
                let checked = check_scale(d(input), places, "amount");
                assert_eq!(checked.is_ok(), within, "{input} at {places}");
                let general = check_scale_normalized(d(input), places, "amount");
                assert_eq!(checked.ok(), general.ok(), "{input} at {places}");
            }
        }
    }

    #[test]
    fn parsing_is_exact() {
        assert!(parse_decimal("1.000000000000000000000000000001").is_err());
        assert!(parse_decimal("1e5").is_err());
        assert!(parse_decimal("").is_err());
        assert!(parse_decimal("abc").is_err());
        assert_eq!(parse_decimal("-0").ok().map(|v| v.is_zero()), Some(true));
        // SPEC section 1 (v3): a plain decimal only; no spaces, '+', or bare point.
        for text in [
            " 12.50 ", " 10", "10 ", "+10", ".5", "5.", "-", "-.5", "1..2", "--1", "1,5",
        ] {
            let e = parse_decimal(text).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidAmount, "{text:?}");
            assert!(e.message().contains(&format!("'{text}'")), "{text:?}: {e}");
        }
        assert_eq!(parse_decimal("12.50").ok(), Some(d("12.5")));
    }

    /// Every tie and near-tie of small values, in every mode, as `Decimal` rounds them.
    #[test]
    fn small_rounding_agrees_on_every_tie() {
        for m in 0..3_000_i64 {
            for scale in 1..=4 {
                let v = Decimal::new(m, scale);
                for places in 0..scale {
                    for mode in [Rounding::Down, Rounding::HalfUp, Rounding::HalfEven] {
                        let want = v.round_dp_with_strategy(places, mode.strategy());
                        assert_eq!(
                            mode.round(v, places).serialize(),
                            want.serialize(),
                            "{v} {places} {mode:?}"
                        );
                    }
                }
            }
        }
    }

    /// The edges of `compare`'s fast path: signed zeros, equal values at other scales, the
    /// widest shift it takes and the 64-bit magnitude it stops at.
    #[test]
    fn compare_edges_agree_with_decimal() {
        let mut negative_zero = Decimal::new(0, 2);
        negative_zero.set_sign_negative(true);
        let wide = Decimal::from_i128_with_scale(1_i128 << 64, 0);
        let pairs = [
            (negative_zero, Decimal::ZERO),
            (negative_zero, d("-0.001")),
            (d("-1.5"), d("-1.50")),
            (d("2500"), d("2499.99")),
            (d("-2500"), d("-2499.99")),
            (d("1"), Decimal::new(1, 19)),
            (d("1"), Decimal::new(1, 20)),
            (wide, d("18446744073709551615")),
            (-wide, d("-18446744073709551615")),
        ];
        for (a, b) in pairs {
            assert_eq!(compare(a, b), a.cmp(&b), "{a} against {b}");
            assert_eq!(compare(b, a), b.cmp(&a), "{b} against {a}");
        }
    }

    /// A decimal from raw parts: a mantissa of up to 96 bits, any scale, either sign.
    fn any_decimal() -> impl proptest::strategy::Strategy<Value = Decimal> {
        use proptest::prelude::*;
        (any::<i64>(), any::<u32>(), 0_u32..=28, 0_u8..4).prop_map(|(m, hi, scale, shape)| {
            let wide = i128::from(m) * (i128::from(hi) + 1);
            let mantissa = match shape {
                0 => i128::from(m % 100_000),
                1 => i128::from(m),
                2 => wide.clamp(-(1_i128 << 95), 1_i128 << 95),
                _ => 0,
            };
            Decimal::try_from_i128_with_scale(mantissa, scale).unwrap_or_default()
        })
    }

    proptest::proptest! {
        /// Rounding in integers gives what `Decimal` gives, bit for bit.
        #[test]
        fn small_rounding_agrees_with_decimal(v in any_decimal(), places in 0_u32..=28) {
            for mode in [Rounding::Down, Rounding::HalfUp, Rounding::HalfEven] {
                let want = v.round_dp_with_strategy(places, mode.strategy());
                proptest::prop_assert_eq!(mode.round(v, places).serialize(), want.serialize(), "{} {:?}", v, mode);
            }
        }

        /// An input checked on the fast path comes out as through `normalize`, bit for bit.
        #[test]
        fn scale_checks_agree_with_normalizing(v in any_decimal(), places in 0_u32..=8) {
            let fast = check_scale(v, places, "x").map(|d| d.serialize());
            let general = check_scale_normalized(v, places, "x").map(|d| d.serialize());
            proptest::prop_assert_eq!(fast.ok(), general.ok(), "{}", v);
        }

        /// The fast paths give what `Decimal` gives, bit for bit (scale and sign included).
        #[test]
        fn fast_paths_agree_with_decimal(a in any_decimal(), b in any_decimal()) {
            proptest::prop_assert_eq!(compare(a, b), a.cmp(&b));
            proptest::prop_assert_eq!(positive(a), a > Decimal::ZERO);
            proptest::prop_assert_eq!(add(a, b).serialize(), a.saturating_add(b).serialize());
            // The former `mul`: normalize, multiply, strip trailing zeros.
            let (na, nb) = (a.normalize(), b.normalize());
            let exact = na.mantissa().checked_mul(nb.mantissa()).and_then(|mut m| {
                let mut scale = na.scale() + nb.scale();
                while scale > 0 && m % 10 == 0 {
                    m /= 10;
                    scale -= 1;
                }
                Decimal::try_from_i128_with_scale(m, scale).ok()
            });
            match (mul(a, b), exact) {
                (Ok(p), Some(e)) => proptest::prop_assert_eq!(p.serialize(), e.serialize()),
                (Err(_), None) => {}
                (p, e) => proptest::prop_assert!(false, "mul({a}, {b}) = {p:?}, expected {e:?}"),
            }
        }
    }
}
