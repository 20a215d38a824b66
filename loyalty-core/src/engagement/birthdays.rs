use crate::calendar::{year_of, MonthDay, DAY};
use crate::engine::Engine;
use crate::outcome::Account;
use crate::schedule::Due;
use crate::state::Celebrant;

/// Slots of [`MonthDay::slot`]: month × 32 + day < 13 × 32.
const SLOTS: usize = 13 * 32;

/// Gifts are given for birthdays in years 1 to 9999 only: an explicit limit, so that a clock
/// jumping across the `i64` range gives a bounded number of gifts instead of billions.
pub(crate) const GIFT_YEARS: core::ops::RangeInclusive<i64> = 1..=9999;

impl Engine {
    /// Files member `m` under their birthday; a day's first member schedules its gifts.
    pub(crate) fn add_birthday(&mut self, m: u32, birthday: MonthDay, at: i64) {
        let slot = birthday.slot();
        if self.add_celebrant(slot, m, SLOTS) == 1 {
            // A member enrolled at a gift's instant is not enrolled before it.
            self.schedule_gift(slot, at.saturating_add(1));
        }
    }

    /// Schedules the first gift of `slot` at or after `earliest` (SPEC 8.4: 00:00 UTC,
    /// `days_before` days before the birthday). Whom it gifts is decided when it fires.
    pub(crate) fn schedule_gift(&mut self, slot: u32, earliest: i64) {
        let Some(days_before) = self.program.birthday.as_ref().map(|b| b.days_before) else {
            return;
        };
        let birthday = MonthDay::from_slot(slot);
        let first_year = year_of(earliest).max(*GIFT_YEARS.start());
        // A gift up to 365 days early falls at most one calendar year before its birthday.
        for year in first_year..=first_year.saturating_add(2) {
            if !GIFT_YEARS.contains(&year) {
                return;
            }
            let Some(instant) = birthday
                .midnight_in(year)
                .and_then(|t| t.checked_sub(days_before * DAY))
            else {
                return;
            };
            if instant >= earliest {
                self.schedule_at(
                    instant,
                    Due::Gift {
                        slot,
                        year,
                        generation: self.gift_generation,
                    },
                );
                return;
            }
        }
    }

    /// Reschedules every day's gifts under a new birthday rule; events of the old rule are
    /// left to lapse (their generation no longer matches).
    pub(crate) fn reschedule_gifts(&mut self, at: i64) {
        self.next_gift_generation();
        for slot in 0..self.birthdays.len() as u32 {
            if !self.birthdays[slot as usize].0.is_empty() {
                self.schedule_gift(slot, at);
            }
        }
    }

    /// Gives the gifts of `slot` for the birthday in `year` at instant `when`, to every
    /// member enrolled before it and not yet gifted for that year, then schedules the next.
    pub(crate) fn give_gifts(&mut self, slot: u32, year: i64, generation: u32, when: i64) {
        let Some(points) = self.program.birthday.as_ref().map(|b| b.points) else {
            return;
        };
        if generation != self.gift_generation {
            return;
        }
        // GIFT_YEARS bounds every scheduled year, so it fits.
        let Ok(year16) = u16::try_from(year) else {
            return;
        };
        let expires_at = self.expiry_from(when);
        for pos in 0..self.birthdays[slot as usize].0.len() {
            let Celebrant { member: m, gifted } = self.birthdays[slot as usize].0[pos];
            // Years only move forward: a later year's gift never falls before an earlier
            // year's instant under any rule (`days_before` ≤ 365), so `<` is "not gifted for it".
            if gifted < year16 && self.members[m as usize].enrolled_at < when {
                self.set_gifted(slot, pos as u32, year16);
                self.credit_lot(m, points, expires_at, Account::Issued);
            }
        }
        self.schedule_gift(slot, when.saturating_add(1));
    }
}
