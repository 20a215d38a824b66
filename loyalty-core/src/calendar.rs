//! Civil dates in UTC, for birthdays. Proleptic Gregorian, days counted from 1970-01-01
//! (the algorithms of H. Hinnant's `chrono`-compatible date library).

use crate::error::{Error, ErrorKind};

/// Seconds in a day: a UTC day of `at` is `at.div_euclid(DAY)`.
pub const DAY: i64 = 86_400;

/// A day of the year, as given at enrolment (`"MM-DD"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonthDay {
    month: u8,
    day: u8,
}

impl MonthDay {
    /// Parses `"MM-DD"`: `InvalidInput` unless it is a real day of some year (`02-29` is one).
    pub fn parse(text: &str) -> Result<MonthDay, Error> {
        let bad = || {
            Error::new(
                ErrorKind::InvalidInput,
                format!("birthday '{text}' is not a day of the year (MM-DD)"),
            )
        };
        let bytes = text.as_bytes();
        if bytes.len() != 5 || bytes[2] != b'-' || !text.is_char_boundary(2) {
            return Err(bad());
        }
        let number = |s: &str| -> Result<u8, Error> {
            if s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (month, day) = (number(&text[..2])?, number(&text[3..])?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(2000, month) {
            return Err(bad());
        }
        Ok(MonthDay { month, day })
    }

    /// A slot number 0..416 (month × 32 + day), for indexing by day of the year.
    pub(crate) fn slot(self) -> u32 {
        u32::from(self.month) * 32 + u32::from(self.day)
    }

    pub(crate) fn from_slot(slot: u32) -> MonthDay {
        MonthDay {
            month: (slot / 32) as u8,
            day: (slot % 32) as u8,
        }
    }

    /// The first second of this day in `year`; 29 February is 28 February in common years.
    /// `None` beyond the range of `i64` seconds.
    pub(crate) fn midnight_in(self, year: i64) -> Option<i64> {
        let day = self.day.min(days_in_month(year, self.month));
        days_from_civil(year, self.month, day)?.checked_mul(DAY)
    }
}

impl core::fmt::Display for MonthDay {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date; `None` if it overflows.
pub(crate) fn days_from_civil(year: i64, month: u8, day: u8) -> Option<i64> {
    let y = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era.checked_mul(146_097)?.checked_add(doe - 719_468)
}

/// The civil year of a Unix time.
pub(crate) fn year_of(at: i64) -> i64 {
    let z = at.div_euclid(DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400;
    if month <= 2 {
        year + 1
    } else {
        year
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_days_only() {
        assert!(MonthDay::parse("02-29").is_ok());
        assert!(MonthDay::parse("12-31").is_ok());
        for bad in [
            "13-01", "02-30", "00-10", "04-31", "1-10", "01-1x", "01/10", "", "é1-10", "+1-10",
        ] {
            let err = MonthDay::parse(bad).err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::InvalidInput), "{bad}");
        }
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(
            days_from_civil(2026, 1, 1).map(|d| d * DAY),
            Some(1_767_225_600)
        );
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(year_of(1_767_225_600), 2026);
        assert_eq!(year_of(1_767_225_599), 2025);
        assert_eq!(year_of(-1), 1969);
        let _ = year_of(i64::MAX);
        let _ = year_of(i64::MIN);
    }

    #[test]
    fn february_29_falls_on_the_28th_in_common_years() {
        let leap = MonthDay::parse("02-29").ok();
        assert_eq!(
            leap.and_then(|m| m.midnight_in(2027)),
            days_from_civil(2027, 2, 28).map(|d| d * DAY)
        );
        assert_eq!(
            leap.and_then(|m| m.midnight_in(2028)),
            days_from_civil(2028, 2, 29).map(|d| d * DAY)
        );
        assert_eq!(leap.map(|m| MonthDay::from_slot(m.slot())), leap);
        assert_eq!(leap.and_then(|m| m.midnight_in(i64::MAX / 10)), None);
    }
}
