use rust_decimal::Decimal;

use crate::amount::{add, check_scale, mul, sub};
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::outcome::{Account, CampaignBonus, Commission, Refunded};
use crate::program::Basis;
use crate::state::{Moved, OrderRecord};
use super::kind::{walk, Op};
use crate::ids::OpId;
use crate::outcome::Effect;

/// `refund {id, at, order, amount}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Refund {
    /// The operation's id.
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The id of the order operation.
    pub order: OpId,
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    /// The money refunded (part or all of what is left of the order).
    pub amount: Decimal,
}

impl Refund {
    /// Refunding `amount` of order `order`.
    pub fn new(id: OpId, at: i64, order: OpId, amount: Decimal) -> Refund {
        Refund {
            id,
            at,
            order,
            amount,
        }
    }
}

walk!(Refund { order: u64, amount: decimal });

impl Op for Refund {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.refund(self).map(|x| Effect::Refunded(Box::new(x)))
    }
}


/// What one refund moves, computed before anything changes.
struct Plan {
    refunded: Decimal,
    points_back: Decimal,
    cash_shrink: Decimal,
    accrual_claw: Decimal,
    commission_claws: Vec<Decimal>,
    bonus_claws: Vec<Decimal>,
    /// Indexes of the order's stamps to take back.
    stamps_taken: Vec<usize>,
}

impl Engine {
    /// `refund` (SPEC 5.3): every reversal is cumulative, `due(v) = round(v × R ÷ amount)`,
    /// so a full refund reverses exactly everything.
    pub(crate) fn refund(&mut self, o: &Refund) -> Result<Refunded, Error> {
        let Some(mut record) = self.records.order(o.order) else {
            return fail(
                ErrorKind::UnknownOrder,
                format!("order {} is not known", o.order),
            );
        };
        let plan = self.plan_refund(o, &record)?;
        let refunded = self.commit_refund(o, &mut record, &plan);
        self.put_order(o.order, record);
        Ok(refunded)
    }

    fn plan_refund(&self, o: &Refund, r: &OrderRecord) -> Result<Plan, Error> {
        let amount = check_scale(o.amount, self.program.money_places(), "amount")?;
        if amount <= Decimal::ZERO {
            return fail(
                ErrorKind::InvalidAmount,
                format!("refund amount {} must be > 0", o.amount),
            );
        }
        let refunded = add(r.refunded, amount);
        if refunded > r.amount {
            return fail(
                ErrorKind::RefundExceedsOrder,
                format!(
                    "refunds of order {} would reach {refunded}, above its amount {}",
                    o.order, r.amount
                ),
            );
        }
        let (ps, ms) = (self.program.points_places(), self.program.money_places());
        let rounding = self.program.rounding;
        // What v moves now, so that it has moved its due once `refunded` of the order is
        // returned. Never negative (SPEC 5.3): where a `configure` that changed the rounding
        // or a scale puts the due below what already moved, v moves nothing now; the last
        // refund moves the rest exactly.
        let due = |v: Moved, scale: u32| -> Result<Decimal, Error> {
            let total = if refunded == r.amount {
                v.total
            } else {
                rounding.round_ratio(mul(v.total, refunded)?, r.amount, scale)?
            };
            let rest = sub(total, v.moved);
            Ok(if rest.is_sign_negative() {
                Decimal::new(0, rest.scale())
            } else {
                rest
            })
        };
        let mut commission_claws = Vec::with_capacity(r.commissions.len());
        for (_, _, k) in &r.commissions {
            commission_claws.push(due(*k, ps)?);
        }
        let mut bonus_claws = Vec::new();
        let mut stamps_taken = Vec::new();
        if let Some(extras) = &r.extras {
            for (_, b) in &extras.bonuses {
                bonus_claws.push(due(*b, ps)?);
            }
            let left = sub(r.amount, refunded);
            for (i, s) in extras.stamps.iter().enumerate() {
                // remaining matching = matching × (amount − R) ÷ amount, compared without dividing.
                let remaining_scaled = mul(s.matching, left)?;
                if !s.taken
                    && (remaining_scaled.is_zero()
                        || remaining_scaled < mul(s.min_amount, r.amount)?)
                {
                    stamps_taken.push(i);
                }
            }
        }
        Ok(Plan {
            refunded,
            points_back: due(r.points, ps)?,
            cash_shrink: due(r.cash, ms)?,
            accrual_claw: due(r.accrual, ps)?,
            commission_claws,
            bonus_claws,
            stamps_taken,
        })
    }

    fn commit_refund(&mut self, o: &Refund, r: &mut OrderRecord, plan: &Plan) -> Refunded {
        let buyer = r.buyer;
        let level = self.level_of(buyer);
        let levels_before = self.snapshot_levels(buyer, level, r.commissions.iter().map(|c| c.0));

        r.refunded = plan.refunded;
        let expires_at = self.expiry_from(o.at);
        self.credit_lot(buyer, plan.points_back, expires_at, Account::Redeemed);
        r.points.moved += plan.points_back;

        let bonuses_clawed = self.claw_buyer(o, r, plan).1;
        let commissions_clawed = self.claw_commissions(o, r, plan);
        let mut stamps_taken = Vec::new();
        if let Some(extras) = r.extras.as_mut() {
            for &i in &plan.stamps_taken {
                let mark = &mut extras.stamps[i];
                mark.taken = true;
                *self.stamp_count(buyer, &mark.card) -= 1;
                stamps_taken.push(mark.card.clone());
            }
        }

        let tier_changes = self.tier_changes_since(levels_before);
        Refunded {
            order: o.order,
            amount: o.amount.normalize(),
            points_returned: plan.points_back,
            accrual_clawed: plan.accrual_claw,
            campaign_bonuses_clawed: bonuses_clawed,
            commissions_clawed,
            stamps_taken,
            tier_changes,
        }
    }

    /// Takes back the buyer's share: accrual and campaign bonuses (returning the bonuses to
    /// their budgets), and the refunded cash from spend and the qualifying window. Returns the
    /// points clawed and the bonuses by campaign.
    fn claw_buyer(
        &mut self,
        o: &Refund,
        r: &mut OrderRecord,
        plan: &Plan,
    ) -> (Decimal, Vec<CampaignBonus>) {
        let buyer = r.buyer;
        let mut bonuses_clawed = Vec::new();
        let mut own_claw = plan.accrual_claw;
        r.accrual.moved += plan.accrual_claw;
        if let Some(extras) = r.extras.as_mut() {
            for ((name, b), claw) in extras.bonuses.iter_mut().zip(&plan.bonus_claws) {
                b.moved += *claw;
                own_claw = add(own_claw, *claw);
                self.change_budget_use(name, |used| sub(used, *claw));
                if !claw.is_zero() {
                    bonuses_clawed.push(CampaignBonus {
                        campaign: name.clone(),
                        points: *claw,
                    });
                }
            }
        }
        self.claw_back(buyer, own_claw, o.order);

        let points_basis = self.program.tiers.basis == Basis::Points;
        let member = self.member_mut(buyer);
        member.set_spend(sub(member.spend(), plan.cash_shrink));
        member.set_earned(sub(member.earned(), own_claw));
        r.cash.moved += plan.cash_shrink;
        let counted = if points_basis {
            own_claw
        } else {
            plan.cash_shrink
        };
        self.withdraw(buyer, o.order, counted);
        (own_claw, bonuses_clawed)
    }

    /// Takes back each referrer's commission in proportion.
    fn claw_commissions(
        &mut self,
        o: &Refund,
        r: &mut OrderRecord,
        plan: &Plan,
    ) -> Vec<Commission> {
        let points_basis = self.program.tiers.basis == Basis::Points;
        let mut clawed = Vec::new();
        for ((referrer, depth, k), claw) in r.commissions.iter_mut().zip(&plan.commission_claws) {
            k.moved += *claw;
            self.claw_back(*referrer, *claw, o.order);
            let member = self.member_mut(*referrer);
            member.set_earned(sub(member.earned(), *claw));
            if points_basis {
                self.withdraw(*referrer, o.order, *claw);
            }
            if !claw.is_zero() {
                clawed.push(Commission {
                    member: self.members[*referrer as usize].id,
                    depth: *depth,
                    points: *claw,
                });
            }
        }
        clawed
    }

    /// Claws `points` of order `order` back from member `m` (SPEC 5.3): its pending credit
    /// first, then available lots, the rest as debt.
    fn claw_back(&mut self, m: u32, points: Decimal, order: u64) {
        if points <= Decimal::ZERO {
            return;
        }
        let member = self.member_mut(m);
        let clawed = member.ledger_mut(|l| l.claw_back(points, order));
        let id = member.id;
        self.post(Account::Pending(id), Account::Issued, clawed.from_pending);
        self.post(
            Account::Available(id),
            Account::Issued,
            clawed.from_available,
        );
    }
}
