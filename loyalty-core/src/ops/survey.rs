use crate::calendar::DAY;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::outcome::{Account, Effect, MemberKind};
use crate::state::Answer;
use super::kind::{walk, Op};
use crate::ids::{MemberId, OpId};

/// `survey {id, at, member, score, segment?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Survey {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The member answering.
    pub member: MemberId,
    /// 0..=10.
    pub score: i64,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    /// A free segment name (store, channel) for NPS queries; `None` for none.
    pub segment: Option<String>,
}

impl Survey {
    /// `member`'s answer `score` (0–10), with no segment.
    pub fn new(id: OpId, at: i64, member: MemberId, score: i64) -> Survey {
        Survey {
            id,
            at,
            member,
            score,
            segment: None,
        }
    }

    /// In a segment (store, channel) for NPS queries.
    #[must_use]
    pub fn with_segment(mut self, segment: Option<String>) -> Survey {
        self.segment = segment;
        self
    }
}

walk!(Survey { member: u64, score: i64, segment: opt_str });

impl Op for Survey {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.survey(self)
    }
}


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
                    self.set_last_reward(m, o.at);
                    points
                } else {
                    rust_decimal::Decimal::ZERO
                }
            }
            None => rust_decimal::Decimal::ZERO,
        };
        self.add_answer(Answer {
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
