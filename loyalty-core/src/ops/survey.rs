use crate::calendar::DAY;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::operation::Survey;
use crate::outcome::{Account, Effect, MemberKind};
use crate::state::Answer;

impl Engine {
    /// `survey` (SPEC 8.8).
    pub(crate) fn survey(&mut self, o: &Survey) -> Result<Effect, Error> {
        let m = self.member_index(o.member)?;
        let Ok(score) = u8::try_from(o.score) else {
            return fail(
                ErrorKind::InvalidInput,
                format!("score {} is not an integer in 0..=10", o.score),
            );
        };
        if score > 10 {
            return fail(
                ErrorKind::InvalidInput,
                format!("score {} is not an integer in 0..=10", o.score),
            );
        }
        if o.segment.as_deref() == Some("") {
            return fail(ErrorKind::InvalidInput, "segment must not be empty");
        }
        let regular = self.members[m as usize].orders >= 2;
        let reward = self
            .program
            .surveys
            .as_ref()
            .and_then(|s| s.points.map(|p| (p, s.cooldown_days)));
        let points = match reward {
            Some((points, cooldown_days)) => {
                let cooldown = cooldown_days.saturating_mul(DAY);
                let rested = self
                    .last_reward
                    .get(&m)
                    .is_none_or(|prev| o.at.saturating_sub(*prev) >= cooldown);
                if rested {
                    let expires_at = self.expiry_from(o.at);
                    self.credit_lot(m, points, expires_at, Account::Issued);
                    self.last_reward.insert(m, o.at);
                    points
                } else {
                    rust_decimal::Decimal::ZERO
                }
            }
            None => rust_decimal::Decimal::ZERO,
        };
        self.answers.push(Answer {
            at: o.at,
            score,
            segment: o.segment.clone(),
            regular,
        });
        let kind = if regular {
            MemberKind::Regular
        } else {
            MemberKind::New
        };
        Ok(Effect::Surveyed {
            member: o.member,
            points,
            kind,
        })
    }
}
