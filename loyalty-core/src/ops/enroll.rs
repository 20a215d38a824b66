use rust_decimal::Decimal;

use crate::amount::check_scale;
use crate::calendar::MonthDay;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::ledger::Ledger;
use crate::operation::Enroll;
use crate::outcome::Effect;
use crate::state::Member;

impl Engine {
    /// `enroll` (SPEC 5.1, 8.4, 8.7).
    pub(crate) fn enroll(&mut self, o: &Enroll) -> Result<Effect, Error> {
        if self.position(o.member).is_some() {
            return fail(
                ErrorKind::MemberExists,
                format!("member {} is already enrolled", o.member),
            );
        }
        if o.referrer == Some(o.member) {
            return fail(
                ErrorKind::SelfReferral,
                format!("member {} cannot refer themselves", o.member),
            );
        }
        let referrer = match o.referrer {
            Some(r) => Some(self.position(r).ok_or_else(|| {
                Error::new(
                    ErrorKind::UnknownReferrer,
                    format!("referrer {r} is not enrolled"),
                )
            })?),
            None => None,
        };
        let birthday = o.birthday.as_deref().map(MonthDay::parse).transpose()?;
        let purchase = o
            .purchase
            .map(|p| check_scale(p, self.program.money_places(), "purchase"))
            .transpose()?;
        if purchase.is_some_and(|p| p < Decimal::ZERO) {
            return fail(
                ErrorKind::InvalidAmount,
                format!(
                    "purchase {} must not be negative",
                    o.purchase.unwrap_or_default()
                ),
            );
        }
        self.check_admission(o, purchase)?;
        let Ok(m) = u32::try_from(self.members.len()) else {
            return fail(
                ErrorKind::InvalidInput,
                "the engine holds the most members it can (2^32 − 1)",
            );
        };
        self.members.push(Member {
            id: o.member,
            referrer,
            enrolled_at: o.at,
            ledger: Ledger::default(),
            spend: Decimal::ZERO,
            earned: Decimal::ZERO,
            orders: 0,
            referrals: 0,
            extras: None,
        });
        self.index_member(o.member, m);
        if let Some(md) = birthday {
            self.add_birthday(m, md, o.at);
        }
        let mut achievements = Vec::new();
        if let Some(r) = referrer {
            let referrer = &mut self.members[r as usize];
            referrer.referrals = referrer.referrals.saturating_add(1);
            self.unlock_achievements(r, o.at, &mut achievements);
        }
        Ok(Effect::Enrolled {
            member: o.member,
            achievements,
        })
    }

    /// A closed programme admits a member with a large enough first purchase or a filled
    /// questionnaire (SPEC 8.7).
    fn check_admission(&self, o: &Enroll, purchase: Option<Decimal>) -> Result<(), Error> {
        let Some(rule) = &self.program.enrollment else {
            return Ok(());
        };
        let Some(min) = rule.min_purchase else {
            return Ok(());
        };
        let by_purchase = purchase.is_some_and(|p| p >= min);
        let by_questionnaire = rule.questionnaire && o.questionnaire;
        if by_purchase || by_questionnaire {
            return Ok(());
        }
        let offered = purchase.map_or_else(
            || String::from("no purchase"),
            |p| format!("a purchase of {p}"),
        );
        fail(
            ErrorKind::BelowMinimum,
            format!(
                "member {} brings {offered}; the programme admits from {min}{}",
                o.member,
                if rule.questionnaire {
                    " or with the questionnaire"
                } else {
                    ""
                }
            ),
        )
    }
}
