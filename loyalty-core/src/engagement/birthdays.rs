use crate::calendar::{year_of, MonthDay, DAY};
use crate::engine::Engine;
use crate::outcome::Account;
use crate::schedule::Due;

/// Slots of [`MonthDay::slot`]: month × 32 + day < 13 × 32.
const SLOTS: usize = 13 * 32;

/// Gifts are given for birthdays in years 1 to 9999 only: an explicit limit, so that a clock
/// jumping across the `i64` range gives a bounded number of gifts instead of billions.
pub(crate) const GIFT_YEARS: core::ops::RangeInclusive<i64> = 1..=9999;

impl Engine {
    /// Files member `m` under their birthday; a day's first member schedules its gifts.
    pub(crate) fn add_birthday(&mut self, m: u32, birthday: MonthDay, at: i64) {
        if self.birthdays.is_empty() {
            self.birthdays = vec![(Vec::new(), None); SLOTS];
        }
        let slot = birthday.slot();
        let members = &mut self.birthdays[slot as usize].0;
        members.push(m);
        if members.len() == 1 {
            // A member enrolled at a gift's instant is not enrolled before it.
            self.schedule_gift(slot, at.saturating_add(1));
        }
    }

    /// Schedules the next gift of `slot` at or after `earliest`, for a birthday year not yet
    /// gifted (SPEC 8.4: 00:00 UTC, `days_before` days before the birthday).
    pub(crate) fn schedule_gift(&mut self, slot: u32, earliest: i64) {
        let Some(days_before) = self.program.birthday.as_ref().map(|b| b.days_before) else {
            return;
        };
        let birthday = MonthDay::from_slot(slot);
        let last = self.birthdays[slot as usize].1;
        let first_year = year_of(earliest).max(*GIFT_YEARS.start());
        // A gift up to 365 days early falls at most one calendar year before its birthday.
        for year in first_year..=first_year.saturating_add(2) {
            if !GIFT_YEARS.contains(&year) {
                return;
            }
            if last.is_some_and(|l| year <= l) {
                continue;
            }
            let Some(instant) = birthday
                .midnight_in(year)
                .and_then(|t| t.checked_sub(days_before * DAY))
            else {
                return;
            };
            if instant >= earliest {
                self.schedule.push(
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
        self.gift_generation = self.gift_generation.wrapping_add(1);
        for slot in 0..self.birthdays.len() as u32 {
            if !self.birthdays[slot as usize].0.is_empty() {
                self.schedule_gift(slot, at);
            }
        }
    }

    /// Gives the gifts of `slot` for the birthday in `year` at instant `when`, to every
    /// member enrolled before it, then schedules next year's.
    pub(crate) fn give_gifts(&mut self, slot: u32, year: i64, generation: u32, when: i64) {
        let Some(points) = self.program.birthday.as_ref().map(|b| b.points) else {
            return;
        };
        let gifted = self.birthdays[slot as usize].1;
        if generation != self.gift_generation || gifted.is_some_and(|l| year <= l) {
            return;
        }
        self.save_gift_year(slot);
        self.birthdays[slot as usize].1 = Some(year);
        let expires_at = self.expiry_from(when);
        for i in 0..self.birthdays[slot as usize].0.len() {
            let m = self.birthdays[slot as usize].0[i];
            if self.members[m as usize].enrolled_at < when {
                self.save_ledger(m);
                self.credit_lot(m, points, expires_at, Account::Issued);
            }
        }
        self.schedule_gift(slot, when.saturating_add(1));
    }
}
