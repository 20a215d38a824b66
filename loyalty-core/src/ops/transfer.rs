use rust_decimal::Decimal;

use crate::amount::{add, check_scale, mul};
use crate::calendar::DAY;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::operation::Transfer;
use crate::outcome::{Account, Effect};
use crate::schedule::Due;

impl Engine {
    /// `transfer` (SPEC 5.4): the points keep their expiry dates; the fee goes to `fees`.
    pub(crate) fn transfer(&mut self, o: &Transfer) -> Result<Effect, Error> {
        let rules = &self.program.transfers;
        if !rules.enabled {
            return fail(
                ErrorKind::TransfersDisabled,
                "the program does not allow transfers",
            );
        }
        let from = self.member_index(o.from)?;
        let to = self.member_index(o.to)?;
        if from == to {
            return fail(
                ErrorKind::SelfTransfer,
                format!("member {} cannot transfer to themselves", o.from),
            );
        }
        let points = check_scale(o.points, self.program.points_places(), "points")?;
        if points <= Decimal::ZERO {
            return fail(
                ErrorKind::InvalidAmount,
                format!("transfer points {} must be > 0", o.points),
            );
        }
        if points < rules.min_points {
            return fail(
                ErrorKind::BelowMinimum,
                format!(
                    "{points} points is below the transfer minimum {}",
                    rules.min_points
                ),
            );
        }
        if let Some(max) = rules.max_points.filter(|max| points > *max) {
            return fail(
                ErrorKind::AboveMaximum,
                format!("{points} points is above the transfer maximum {max}"),
            );
        }
        if let Some(name) = &rules.min_tier {
            let needed = self.program.level_index(name).unwrap_or(0);
            let level = self.level_of(from);
            if level < needed {
                let have = &self.program.tiers.levels[level].name;
                return fail(
                    ErrorKind::TierTooLow,
                    format!("member {} is {have}; transfers need {name}", o.from),
                );
            }
        }
        let day = o.at.div_euclid(DAY);
        let sent = self
            .sent_today
            .get(&from)
            .filter(|(d, _)| *d == day)
            .map_or(Decimal::ZERO, |(_, s)| *s);
        if let Some(limit) = rules.daily_limit.filter(|limit| add(sent, points) > *limit) {
            return fail(
                ErrorKind::DailyLimit,
                format!(
                    "member {} sent {sent} today; {points} more exceeds the daily limit {limit}",
                    o.from
                ),
            );
        }
        let fee = self.program.round_points(mul(points, rules.fee_rate)?);
        let available = self.members[from as usize].ledger.available();
        if add(points, fee) > available {
            return fail(
                ErrorKind::InsufficientPoints,
                format!(
                    "member {} has {available} points, needs {points} + fee {fee}",
                    o.from
                ),
            );
        }
        let mut pieces = Vec::new();
        self.members[from as usize]
            .ledger
            .take(points, |lot| pieces.push(lot));
        for lot in pieces {
            let paid_debt = self.members[to as usize]
                .ledger
                .credit(lot.points, lot.expires_at);
            if let (Some(e), true) = (lot.expires_at, paid_debt < lot.points) {
                self.schedule.push(e, Due::Expire { member: to });
            }
        }
        self.post(Account::Available(o.from), Account::Available(o.to), points);
        self.debit(from, fee, Account::Fees);
        self.sent_today.insert(from, (day, add(sent, points)));
        Ok(Effect::Transferred {
            from: o.from,
            to: o.to,
            points,
            fee,
        })
    }
}
