//! `hold {id, at, member, points}` (SPEC 9.1): points reserved for a checkout. They leave the
//! member's lots, earliest expiry first, into the hold, which an order captures (`hold` field),
//! a `release` gives back, or the clock times out.

use rust_decimal::Decimal;

use super::kind::{walk, Op};
use crate::amount::{check_scale, positive};
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::ids::{MemberId, OpId};
use crate::outcome::Effect;

/// `hold {id, at, member, points}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Hold {
    /// The operation's id, which names the hold (an order's `hold`, a `release`).
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The member whose points are held.
    pub member: MemberId,
    /// How many points.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
}

impl Hold {
    /// Holds `points` of `member`'s.
    pub fn new(id: OpId, at: i64, member: MemberId, points: Decimal) -> Hold {
        Hold {
            id,
            at,
            member,
            points,
        }
    }
}

walk!(Hold { member: u64, points: decimal });

impl Op for Hold {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        let (m, points) = engine.check_hold(self)?;
        let mut pieces = Vec::new();
        engine
            .member_mut(m)
            .ledger_mut(|l| l.take(points, |piece| pieces.push(piece)));
        engine.start_hold(self.id, m, self.at, pieces);
        Ok(Effect::Held {
            member: self.member,
            hold: self.id,
            points,
        })
    }
}

impl Engine {
    /// Every check of a hold, in the SPEC's order: the member's position and the points.
    fn check_hold(&self, o: &Hold) -> Result<(u32, Decimal), Error> {
        let m = self.member_index(o.member)?;
        let points = check_scale(o.points, self.program.points_places(), "points")?;
        if !positive(points) {
            return fail(
                ErrorKind::InvalidAmount,
                format!("hold points {} must be > 0", o.points),
            );
        }
        let minimum = self.program.redemption.min_points;
        if points < minimum {
            return fail(
                ErrorKind::BelowMinimum,
                format!("{points} points is below the redemption minimum {minimum}"),
            );
        }
        let available = self.members[m as usize].available();
        if points > available {
            return fail(
                ErrorKind::InsufficientPoints,
                format!(
                    "member {} has {available} points, cannot hold {points}",
                    o.member
                ),
            );
        }
        Ok((m, points))
    }
}
