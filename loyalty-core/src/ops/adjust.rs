use rust_decimal::Decimal;

use crate::amount::check_scale;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::operation::Adjust;
use crate::outcome::{Account, Effect};

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
        let available = self.members[m as usize].ledger.available();
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
