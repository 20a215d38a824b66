use rust_decimal::Decimal;

use crate::amount::{add, check_scale, mul};
use crate::calendar::DAY;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::outcome::{Account, Effect};
use crate::schedule::Due;
use super::kind::{walk, Op};
use crate::ids::{MemberId, OpId};

/// `transfer {id, at, from, to, points}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Transfer {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The sender.
    pub from: MemberId,
    /// The recipient.
    pub to: MemberId,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The points sent (the fee is on top).
    pub points: Decimal,
}

impl Transfer {
    /// `points` from `from` to `to`.
    pub fn new(id: OpId, at: i64, from: MemberId, to: MemberId, points: Decimal) -> Transfer {
        Transfer {
            id,
            at,
            from,
            to,
            points,
        }
    }
}

walk!(Transfer { from: u64, to: u64, points: decimal });

impl Op for Transfer {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.transfer(self)
    }
}


/// A transfer that passed every check: who, how much, and the sender's day so far.
struct Checked {
    from: u32,
    to: u32,
    points: Decimal,
    fee: Decimal,
    day: i64,
    sent: Decimal,
}

impl Engine {
    /// `transfer` (SPEC 5.4): the points keep their expiry dates; the fee goes to `fees`.
    pub(crate) fn transfer(&mut self, o: &Transfer) -> Result<Effect, Error> {
        let c = self.check_transfer(o)?;
        let mut pieces = Vec::new();
        self.member_mut(c.from)
            .ledger_mut(|l| l.take(c.points, |lot| pieces.push(lot)));
        for lot in pieces {
            let paid_debt = self
                .member_mut(c.to)
                .credit(lot.points, lot.expires_at);
            if let (Some(e), true) = (lot.expires_at, paid_debt < lot.points) {
                self.schedule_at(e, Due::Expire { member: c.to });
            }
        }
        self.post(
            Account::Available(o.from),
            Account::Available(o.to),
            c.points,
        );
        self.debit(c.from, c.fee, Account::Fees);
        self.set_sent_today(c.from, (c.day, add(c.sent, c.points)));
        Ok(Effect::Transferred {
            from: o.from,
            to: o.to,
            points: c.points,
            fee: c.fee,
        })
    }

    /// Every rule of SPEC 5.4, in the SPEC's order; changes nothing.
    fn check_transfer(&self, o: &Transfer) -> Result<Checked, Error> {
        if !self.program.transfers.enabled {
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
        let points = self.transfer_points(o)?;
        self.check_sender_level(o, from)?;
        let day = o.at.div_euclid(DAY);
        let sent = self.sent_on(from, day);
        if let Some(limit) = self
            .program
            .transfers
            .daily_limit
            .filter(|limit| add(sent, points) > *limit)
        {
            return fail(
                ErrorKind::DailyLimit,
                format!(
                    "member {} sent {sent} today; {points} more exceeds the daily limit {limit}",
                    o.from
                ),
            );
        }
        let fee = self
            .program
            .round_points(mul(points, self.program.transfers.fee_rate)?);
        let available = self.members[from as usize].available();
        if add(points, fee) > available {
            return fail(
                ErrorKind::InsufficientPoints,
                format!(
                    "member {} has {available} points, needs {points} + fee {fee}",
                    o.from
                ),
            );
        }
        Ok(Checked {
            from,
            to,
            points,
            fee,
            day,
            sent,
        })
    }

    /// The points sent: at the points scale, positive, within the minimum and maximum.
    fn transfer_points(&self, o: &Transfer) -> Result<Decimal, Error> {
        let rules = &self.program.transfers;
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
        Ok(points)
    }

    /// `transfers.min_tier`: the sender's level must be at least it.
    fn check_sender_level(&self, o: &Transfer, from: u32) -> Result<(), Error> {
        let Some(name) = &self.program.transfers.min_tier else {
            return Ok(());
        };
        let needed = self.program.level_index(name).unwrap_or(0);
        let level = self.level_of(from);
        if level < needed {
            let have = &self.program.tiers.levels[level].name;
            return fail(
                ErrorKind::TierTooLow,
                format!("member {} is {have}; transfers need {name}", o.from),
            );
        }
        Ok(())
    }

    /// What member `from` has sent on `day` (the daily limit's running total).
    fn sent_on(&self, from: u32, day: i64) -> Decimal {
        self.sent_today
            .get(&from)
            .filter(|(d, _)| *d == day)
            .map_or(Decimal::ZERO, |(_, s)| *s)
    }
}
