use rust_decimal::Decimal;
use smallvec::SmallVec;

use crate::name::Name;
use crate::amount::{add, check_scale, mul, positive};
use crate::engine::Engine;
use crate::error::{fail, Error, ErrorKind};
use crate::outcome::{Account, CampaignBonus, Commission, Ordered, Unlocked};
use crate::program::Basis;
use crate::state::{Moved, OrderExtras, OrderRecord, StampMark};
use super::kind::{walk, Op};
use crate::ids::{MemberId, OpId};
use crate::line::Line;
use crate::offline::{Offline, MAX_TERMINAL_CHARS};
use crate::outcome::Effect;

/// `order {id, at, member, amount, points = 0, lines?}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
#[non_exhaustive]
pub struct Order {
    /// The operation's id, which is also the order's (refunds name it).
    pub id: OpId,
    /// When it happens, Unix seconds.
    pub at: i64,
    /// The buyer.
    pub member: MemberId,
    /// What the order costs (money).
    #[cfg_attr(feature = "serde", serde(with = "crate::serde_decimal"))]
    pub amount: Decimal,
    /// Points spent on it.
    #[cfg_attr(feature = "serde", serde(default, with = "crate::serde_decimal"))]
    pub points: Decimal,
    /// The order's lines; empty means one line with no category.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub lines: Vec<Line>,
    /// The hold whose points pay this order (SPEC 9.1): `points` come from it, and the rest of
    /// it goes back to the member.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub hold: Option<OpId>,
    /// Where and when a terminal made this order while offline (SPEC 9.7): its points are
    /// never refused for want of balance; a shortfall becomes debt.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub offline: Option<Offline>,
}


impl Order {
    /// An order of `amount` paid in cash only, with no lines.
    pub fn new(id: OpId, at: i64, member: MemberId, amount: Decimal) -> Order {
        Order {
            id,
            at,
            member,
            amount,
            ..Order::default()
        }
    }

    /// Paying `points` of it with points.
    #[must_use]
    pub fn with_points(mut self, points: Decimal) -> Order {
        self.points = points;
        self
    }

    /// With its lines (categories for campaigns and club prices).
    #[must_use]
    pub fn with_lines(mut self, lines: Vec<Line>) -> Order {
        self.lines = lines;
        self
    }

    /// Paid with the points of hold `hold` (a capture, SPEC 9.1).
    #[must_use]
    pub fn with_hold(mut self, hold: OpId) -> Order {
        self.hold = Some(hold);
        self
    }

    /// Made at a terminal while offline (SPEC 9.7).
    #[must_use]
    pub fn with_offline(mut self, offline: Offline) -> Order {
        self.offline = Some(offline);
        self
    }
}

walk!(Order { member: u64, amount: decimal, points: decimal, lines: lines; hold: opt_u64, offline: opt_offline });

impl Op for Order {
    fn run(&self, engine: &mut Engine) -> Result<Effect, Error> {
        engine.order(self).map(Effect::Ordered)
    }
}


type Commissions = smallvec::SmallVec<[(u32, u32, Decimal); 2]>;

/// Where an order's points come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Payer {
    /// The buyer's lots (5.2).
    Lots,
    /// An open hold (a capture, 9.1).
    Hold(OpId),
    /// The buyer's lots as far as they go, then debt (an offline order, 9.7).
    Overdraft,
}

/// Everything an order will do, computed before anything changes.
struct Plan {
    buyer: u32,
    payer: Payer,
    /// The buyer's level before the order.
    level: usize,
    amount: Decimal,
    points: Decimal,
    cash: Decimal,
    accrual: Decimal,
    /// `(referrer, depth, K)`: usually one or two, inline.
    commissions: Commissions,
    /// `(campaign, B)`: usually none or one, inline.
    bonuses: SmallVec<[(Name, Decimal); 1]>,
    /// `(stamp card index, matching amount)`: the same.
    stamps: SmallVec<[(usize, Decimal); 1]>,
}

impl Engine {
    /// `order` (SPEC 5.2, 8.1, 8.3, 8.5, 8.6).
    pub(crate) fn order(&mut self, o: &Order) -> Result<Box<Ordered>, Error> {
        let plan = self.plan_order(o)?;
        Ok(self.commit_order(o, plan))
    }

    fn plan_order(&self, o: &Order) -> Result<Plan, Error> {
        let p = &self.program;
        let buyer = self.member_index(o.member)?;
        let (amount, points) = order_amounts(o, p.money_places(), p.points_places())?;
        let payer = payer(o)?;
        // No points (most orders): `mul` would return a plain 0 (a zero product has no places).
        let spent_value = if points.is_zero() {
            Decimal::ZERO
        } else {
            mul(points, p.point_value)?
        };
        match payer {
            // The terminal gave the discount already: no redemption rule applies, but cash is
            // never negative.
            Payer::Overdraft if spent_value > amount => {
                return fail(
                    ErrorKind::InvalidAmount,
                    format!("{points} points are worth {spent_value}, more than the amount {amount}"),
                );
            }
            Payer::Hold(h) => {
                let held = self.open_hold(h, Some(buyer))?.points();
                if positive(points) {
                    let whose = || format!("hold {h} holds {held} points");
                    self.check_redemption(amount, points, spent_value, (held, &whose))?;
                }
            }
            Payer::Lots if positive(points) => {
                let available = self.members[buyer as usize].available();
                let whose = || format!("member {} has {available} points", o.member);
                self.check_redemption(amount, points, spent_value, (available, &whose))?;
            }
            Payer::Lots | Payer::Overdraft => {}
        }
        let cash = amount - spent_value;
        let level_index = self.level_of(buyer);
        let accrual = p.round_points(mul(cash, p.tiers.levels[level_index].accrual_rate)?);
        let commissions = self.plan_commissions(buyer, cash)?;
        let bonuses = self.campaign_bonuses(o, level_index, amount, cash)?;
        let stamps = self.stamps_earned(&o.lines, amount);
        Ok(Plan {
            buyer,
            payer,
            level: level_index,
            amount,
            points,
            cash,
            accrual,
            commissions,
            bonuses,
            stamps,
        })
    }

    /// SPEC 5.2's redemption rules for `points` worth `spent_value` on an order of `amount`,
    /// paid from `balance` (the buyer's available points, or a hold's) with what it is, in words,
    /// for a refusal's message (written only then).
    fn check_redemption(
        &self,
        amount: Decimal,
        points: Decimal,
        spent_value: Decimal,
        balance: (Decimal, &dyn Fn() -> String),
    ) -> Result<(), Error> {
        let p = &self.program;
        if points < p.redemption.min_points {
            return fail(
                ErrorKind::BelowMinimum,
                format!(
                    "{points} points is below the redemption minimum {}",
                    p.redemption.min_points
                ),
            );
        }
        let cap = mul(amount, p.redemption.max_share)?;
        if spent_value > cap {
            return fail(
                ErrorKind::RedemptionCap,
                format!(
                    "{points} points are worth {spent_value}, above the cap {cap} of this order"
                ),
            );
        }
        let (balance, what) = balance;
        if points > balance {
            return fail(
                ErrorKind::InsufficientPoints,
                format!("{}, cannot spend {points}", what()),
            );
        }
        Ok(())
    }

    /// The commission of each referrer up the chain, at the rate of their level before the
    /// order counts. Inlined into `plan_order`, its one caller: outlined it costs a plain order
    /// about 60 instructions more (callgrind).
    #[allow(clippy::inline_always)] // measured, as said above
    #[inline(always)]
    fn plan_commissions(&self, buyer: u32, cash: Decimal) -> Result<Commissions, Error> {
        let levels = &self.program.tiers.levels;
        let mut out = Commissions::new();
        for (depth, r) in self.referral_chain(buyer) {
            if let Some(rate) = levels[self.level_of(r)].referral_rates.get(depth - 1) {
                let k = self.program.round_points(mul(cash, *rate)?);
                if positive(k) {
                    out.push((r, depth as u32, k));
                }
            }
        }
        Ok(out)
    }

    /// The referrers an order of `buyer` can pay, `(depth, member)` nearest first, as deep
    /// as the longest list of referral rates goes.
    fn referral_chain(&self, buyer: u32) -> impl Iterator<Item = (usize, u32)> + '_ {
        let deepest = self.program.deepest();
        let first = self.members[buyer as usize].referrer().map(|r| (1, r));
        core::iter::successors(first, |&(depth, r)| {
            self.members[r as usize].referrer().map(|n| (depth + 1, n))
        })
        .take_while(move |&(depth, _)| depth <= deepest)
    }

    fn commit_order(&mut self, o: &Order, plan: Plan) -> Box<Ordered> {
        let buyer = plan.buyer;
        // The previous order's outcome box and buffers, emptied (see `Engine::spare`).
        let mut out = self.spare.take().unwrap_or_default();
        let levels_before =
            self.snapshot_levels(buyer, plan.level, plan.commissions.iter().map(|c| c.0));
        let own = self.credit_order(o, &plan);
        self.count_order(o, &plan, own);
        let (marks, stamp_rewards) = self.add_stamps(buyer, &plan.stamps, o.at);
        let mut achievements = emptied(&mut out.achievements);
        self.unlock_achievements(buyer, o.at, &mut achievements);
        let tier_changes = self.tier_changes_since(levels_before);
        self.file_order(o, &plan, marks, stamp_rewards, &achievements);
        let names = plan.stamps.iter().map(|(i, _)| &self.program.stamps[*i].name);
        let stamps = refilled(&mut out.stamps, names.cloned());
        let mut commissions = emptied(&mut out.commissions);
        commissions.extend(plan.commissions.iter().map(|(r, depth, points)| Commission {
            member: self.members[*r as usize].id,
            depth: *depth,
            points: *points,
        }));
        let bonuses = plan.bonuses.into_iter();
        let campaign_bonuses = refilled(
            &mut out.campaign_bonuses,
            bonuses.map(|(campaign, points)| CampaignBonus { campaign, points }),
        );
        *out = Ordered {
            order: o.id,
            member: o.member,
            cash: plan.cash,
            points_spent: plan.points,
            accrued: plan.accrual,
            campaign_bonuses,
            commissions,
            stamps,
            stamp_rewards,
            achievements,
            tier_changes,
        };
        out
    }

    /// The postings of an order: the points spent, the buyer's accrual and campaign bonuses,
    /// each referrer's commission, and the campaigns' budget use. Returns the buyer's credit.
    fn credit_order(&mut self, o: &Order, plan: &Plan) -> Decimal {
        match plan.payer {
            Payer::Lots => self.debit(plan.buyer, plan.points, Account::Redeemed),
            Payer::Hold(h) => self.capture(h, plan.points),
            Payer::Overdraft => self.overdraw(plan.buyer, plan.points),
        }
        // With no bonus (most orders), `add(accrual, 0)` without the call: a sum with a zero is
        // the other operand whole, or that zero when both are.
        let own = match plan.bonuses.as_slice() {
            [] if plan.accrual.is_zero() => Decimal::ZERO,
            [] => plan.accrual,
            bonuses => {
                let total = bonuses.iter().fold(Decimal::ZERO, |s, (_, b)| add(s, *b));
                add(plan.accrual, total)
            }
        };
        self.credit_from_order(plan.buyer, own, o.at, o.id);
        for (r, _, k) in &plan.commissions {
            self.credit_from_order(*r, *k, o.at, o.id);
        }
        for (name, b) in &plan.bonuses {
            self.change_budget_use(name, |used| add(used, *b));
        }
        own
    }

    /// What the order adds to the buyer's and referrers' totals, and to the qualifying
    /// windows (cash on a spend basis, points earned on a points basis).
    fn count_order(&mut self, o: &Order, plan: &Plan, own: Decimal) {
        let points_basis = self.program.tiers.basis == Basis::Points;
        let member = self.member_mut(plan.buyer);
        member.add_spend(plan.cash);
        member.add_earned(own);
        member.orders = member.orders.saturating_add(1);
        let counted = if points_basis { own } else { plan.cash };
        self.contribute(plan.buyer, o.id, o.at, counted);
        for (r, _, k) in &plan.commissions {
            let referrer = self.member_mut(*r);
            referrer.add_earned(*k);
            if points_basis {
                self.contribute(*r, o.id, o.at, *k);
            }
        }
    }

    /// Files the order's record, which refunds and retries read. An order with campaign
    /// bonuses or stamps keeps them, with its card rewards and achievements, in its extras.
    fn file_order(
        &mut self,
        o: &Order,
        plan: &Plan,
        marks: SmallVec<[StampMark; 1]>,
        rewarded: Decimal,
        unlocked: &[Unlocked],
    ) {
        let extras = (!plan.bonuses.is_empty() || !marks.is_empty()).then(|| {
            Box::new(OrderExtras {
                bonuses: plan
                    .bonuses
                    .iter()
                    .map(|(n, b)| (n.clone(), Moved::new(*b)))
                    .collect(),
                stamps: marks,
                rewarded,
                unlocked: unlocked
                    .iter()
                    .map(|u| (u.achievement.clone(), u.points))
                    .collect(),
            })
        });
        self.put_order(
            o.id,
            OrderRecord {
                buyer: plan.buyer,
                at: o.at,
                amount: plan.amount,
                refunded: Decimal::ZERO,
                points: Moved::new(plan.points),
                cash: Moved::new(plan.cash),
                accrual: Moved::new(plan.accrual),
                commissions: plan
                    .commissions
                    .iter()
                    .map(|(r, d, k)| (*r, *d, Moved::new(*k)))
                    .collect(),
                extras,
            },
        );
    }

    /// Adds an order's stamps to member `m`'s cards; a full card pays its reward as a lot.
    fn add_stamps(
        &mut self,
        m: u32,
        stamps: &[(usize, Decimal)],
        at: i64,
    ) -> (SmallVec<[StampMark; 1]>, Decimal) {
        let mut marks = SmallVec::new();
        let mut reward = Decimal::ZERO;
        for &(card_index, matching) in stamps {
            let card = &self.program.stamps[card_index];
            let (name, size, min_amount, points) = (
                card.name.clone(),
                card.card_size,
                card.min_amount,
                card.reward_points,
            );
            let count = self.stamp_count(m, &name);
            *count += 1;
            // SPEC 8.5: every full card pays, so a shrunk card_size may pay several at once.
            // A count may be negative (a refund took back a stamp of a card already paid).
            if *count >= size {
                let full = *count / size;
                *count %= size;
                // Within range: counts stay below u32::MAX (card sizes are capped, snapshots
                // checked) and points ≤ MAX_AMOUNT; saturate like `add` rather than fail here.
                let paid = mul(points, Decimal::from(full)).unwrap_or(Decimal::MAX);
                reward = add(reward, paid);
            }
            marks.push(StampMark {
                card: name,
                matching,
                min_amount,
                taken: false,
            });
        }
        let expires_at = self.expiry_from(at);
        self.credit_lot(m, reward, expires_at, Account::Issued);
        (marks, reward)
    }
}

/// `items` in `v`'s buffer when there are any (an engagement order's bonuses and stamps
/// reuse the previous order's), in no buffer when there are none (most orders).
fn refilled<T>(v: &mut Vec<T>, items: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    if items.len() == 0 {
        return Vec::new();
    }
    let mut v = emptied(v);
    v.extend(items);
    v
}

/// `v` emptied, its buffer kept for reuse.
fn emptied<T>(v: &mut Vec<T>) -> Vec<T> {
    let mut v = core::mem::take(v);
    v.clear();
    v
}

/// Where the order's points come from; an offline order's origin checked (`InvalidInput`): a
/// terminal of 1..=64 characters, a sale recorded no later than the order arrives, no hold.
fn payer(o: &Order) -> Result<Payer, Error> {
    let Some(offline) = &o.offline else {
        return Ok(o.hold.map_or(Payer::Lots, Payer::Hold));
    };
    let chars = offline.terminal.chars().count();
    if !(1..=MAX_TERMINAL_CHARS).contains(&chars) {
        return fail(
            ErrorKind::InvalidInput,
            format!("offline.terminal {:?} must have 1..={MAX_TERMINAL_CHARS} characters", offline.terminal),
        );
    }
    if offline.recorded_at > o.at {
        return fail(
            ErrorKind::InvalidInput,
            format!(
                "offline.recorded_at {} is after the order's at {}",
                offline.recorded_at, o.at
            ),
        );
    }
    if let Some(h) = o.hold {
        return fail(
            ErrorKind::InvalidInput,
            format!("an offline order cannot capture hold {h}"),
        );
    }
    Ok(Payer::Overdraft)
}

/// Each line's category must be non-empty (`InvalidInput`) and its amount positive at the
/// money scale (`InvalidAmount`).
pub(crate) fn check_lines(lines: &[Line], money_places: u32) -> Result<(), Error> {
    for (i, line) in lines.iter().enumerate() {
        if line.category.as_deref() == Some("") {
            return fail(
                ErrorKind::InvalidInput,
                format!("lines[{i}]: category must not be empty"),
            );
        }
        let amount = check_scale(line.amount, money_places, &format!("lines[{i}].amount"))?;
        if !positive(amount) {
            return fail(
                ErrorKind::InvalidAmount,
                format!("lines[{i}].amount {} must be > 0", line.amount),
            );
        }
    }
    Ok(())
}

/// An order's amount and points, at their scales: the amount positive, the points not
/// negative, and the lines (if any) adding up to the amount.
fn order_amounts(o: &Order, money: u32, points_places: u32) -> Result<(Decimal, Decimal), Error> {
    let amount = check_scale(o.amount, money, "amount")?;
    if !positive(amount) {
        return fail(
            ErrorKind::InvalidAmount,
            format!("order amount {} must be > 0", o.amount),
        );
    }
    let points = check_scale(o.points, points_places, "points")?;
    if points < Decimal::ZERO {
        return fail(
            ErrorKind::InvalidAmount,
            format!("points {} must not be negative", o.points),
        );
    }
    check_lines(&o.lines, money)?;
    if !o.lines.is_empty() {
        let sum = o.lines.iter().fold(Decimal::ZERO, |s, l| add(s, l.amount));
        if sum != amount {
            return fail(
                ErrorKind::InvalidAmount,
                format!("lines add up to {sum}, not the order amount {amount}"),
            );
        }
    }
    Ok((amount, points))
}
