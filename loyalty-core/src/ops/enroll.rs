use rust_decimal::Decimal;

use crate::amount::check_scale;
use crate::calendar::MonthDay;
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::outcome::Effect;
use crate::member_row::MemberRow;
use super::kind::{walk, Op};
use crate::ids::{MemberId, OpId};

/// `enroll {id, at, member, referrer?, birthday?, purchase?, questionnaire?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Enroll {
    /// The operation's id (idempotency key).
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The new member's id.
    pub member: MemberId,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    /// The member whose referral link brought this one, if any.
    pub referrer: Option<MemberId>,
    /// `"MM-DD"`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub birthday: Option<String>,
    /// The first purchase that admits the member to a closed programme (money).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::serde_decimal::option"
        )
    )]
    pub purchase: Option<Decimal>,
    /// Whether the member filled the questionnaire of a closed programme.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "core::ops::Not::not")
    )]
    pub questionnaire: bool,
}

/// Constructors: the operation structs are `#[non_exhaustive]` (a SPEC version may add a field,
/// as v2 added order lines), so callers outside this crate build them with `new` and the
/// `with_` setters of the optional fields, or from their JSON form.
impl Enroll {
    /// A member joining on their own, with no birthday or closed-programme fields.
    pub fn new(id: OpId, at: i64, member: MemberId) -> Enroll {
        Enroll {
            id,
            at,
            member,
            ..Enroll::default()
        }
    }

    /// Through `referrer`'s link (or nobody's).
    #[must_use]
    pub fn with_referrer(mut self, referrer: Option<MemberId>) -> Enroll {
        self.referrer = referrer;
        self
    }

    /// With a birthday, `"MM-DD"`.
    #[must_use]
    pub fn with_birthday(mut self, birthday: Option<String>) -> Enroll {
        self.birthday = birthday;
        self
    }

    /// With the purchase and questionnaire of a closed programme's entry condition.
    #[must_use]
    pub fn with_entry(mut self, purchase: Option<Decimal>, questionnaire: bool) -> Enroll {
        self.purchase = purchase;
        self.questionnaire = questionnaire;
        self
    }
}

walk!(Enroll { member: u64, referrer: opt_u64, birthday: opt_str, purchase: opt_decimal, questionnaire: bool });

impl Op for Enroll {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.enroll(self)
    }
}


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
        if self.members.len() >= u32::MAX as usize {
            return fail(
                ErrorKind::InvalidInput,
                "the engine holds the most members it can (2^32 − 1)",
            );
        }
        let m = self.add_member(MemberRow::new(o.member, referrer, o.at));
        if let Some(md) = birthday {
            self.add_birthday(m, md, o.at);
        }
        let mut achievements = Vec::new();
        if let Some(r) = referrer {
            let referrer = self.member_mut(r);
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
