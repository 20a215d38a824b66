use rust_decimal::Decimal;

use crate::amount::check_scale;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::outcome::{Account, Effect};
use super::kind::{walk, Op};
use crate::ids::{MemberId, OpId};

/// `adjust {id, at, member, points, reason}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Adjust {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The member adjusted.
    pub member: MemberId,
    /// Positive credits, negative debits.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub points: Decimal,
    #[cfg_attr(feature = "serde", serde(default))]
    /// Why, for the audit trail.
    pub reason: String,
}

impl Adjust {
    /// `points` added to `member` (negative: taken), with no reason given.
    pub fn new(id: OpId, at: i64, member: MemberId, points: Decimal) -> Adjust {
        Adjust {
            id,
            at,
            member,
            points,
            reason: String::new(),
        }
    }

    /// Why, for the audit trail.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Adjust {
        self.reason = reason.into();
        self
    }
}

walk!(Adjust { member: u64, points: decimal, reason: str });

impl Op for Adjust {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.adjust(self)
    }
}


impl Engine {
    /// `adjust` (SPEC 5.5).
    pub(crate) fn adjust(&mut self, o: &Adjust) -> Result<Effect, Error> {
        let m = self.member_index(o.member)?;
        let points = check_scale(o.points, self.program.points_places(), "points")?;
        if points.is_zero() {
            return fail(
                ErrorKind::InvalidAmount,
                format!("adjustment points {} must not be 0", o.points),
            );
        }
        let available = self.members[m as usize].available();
        if points < Decimal::ZERO && -points > available {
            return fail(
                ErrorKind::InsufficientPoints,
                format!(
                    "member {} has {available} points, cannot take {}",
                    o.member, -points
                ),
            );
        }
        if points > Decimal::ZERO {
            let expires_at = self.expiry_from(o.at);
            self.credit_lot(m, points, expires_at, Account::Issued);
        } else {
            self.debit(m, -points, Account::Issued);
        }
        Ok(Effect::Adjusted {
            member: o.member,
            points,
        })
    }
}
