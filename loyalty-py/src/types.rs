//! The small frozen objects the Python API returns.

use loyalty_core::{
    Account, Effect, MemberView, Nps as CoreNps, Outcome as CoreOutcome, Totals as CoreTotals,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::decimal_out;

pub(crate) fn d(py: Python<'_>, v: loyalty_core::Decimal) -> PyResult<Py<PyAny>> {
    decimal_out(py, v)
}

/// `Decimal('1.50')` as Python shows it.
fn dr(v: loyalty_core::Decimal) -> String {
    format!("Decimal('{v}')")
}

/// A Python object's `repr()`.
fn r(py: Python<'_>, obj: &Py<PyAny>) -> String {
    obj.bind(py)
        .repr()
        .map_or_else(|_| String::from("?"), |s| s.to_string())
}

/// A string as Python's `repr()` shows it.
pub(crate) fn q(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A referral commission, paid (by an order) or clawed back (by a refund).
#[pyclass(module = "loyalty", frozen, get_all)]
#[derive(Debug)]
pub struct Commission {
    pub member: u64,
    pub depth: u32,
    pub points: Py<PyAny>,
}

#[pymethods]
impl Commission {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Commission(member={}, depth={}, points={})",
            self.member,
            self.depth,
            r(py, &self.points)
        )
    }
}

/// A member's level changed.
#[pyclass(module = "loyalty", frozen, get_all)]
#[derive(Debug)]
pub struct TierChange {
    pub member: u64,
    pub from_tier: String,
    pub to_tier: String,
}

#[pymethods]
impl TierChange {
    fn __repr__(&self) -> String {
        format!(
            "TierChange(member={}, from_tier={}, to_tier={})",
            self.member,
            q(&self.from_tier),
            q(&self.to_tier)
        )
    }
}

/// Points moved between two ledger accounts: `"issued"`, `"redeemed"`, `"expired"`, `"fees"`,
/// `"available:<member>"` or `"pending:<member>"`.
#[pyclass(module = "loyalty", frozen, get_all)]
#[derive(Debug)]
pub struct Posting {
    pub source: String,
    pub target: String,
    pub points: Py<PyAny>,
}

#[pymethods]
impl Posting {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Posting(source={}, target={}, points={})",
            q(&self.source),
            q(&self.target),
            r(py, &self.points)
        )
    }
}

fn account(a: Account) -> String {
    match a {
        Account::Issued => String::from("issued"),
        Account::Redeemed => String::from("redeemed"),
        Account::Expired => String::from("expired"),
        Account::Fees => String::from("fees"),
        Account::Available(m) => format!("available:{m}"),
        Account::Pending(m) => format!("pending:{m}"),
    }
}

/// What an accepted operation did. `effect` names the kind (`"ordered"`, `"refunded"`, …);
/// fields that do not concern that kind are zero or empty. Values are computed on access.
#[pyclass(module = "loyalty", frozen)]
#[derive(Debug)]
pub struct Outcome {
    pub(crate) inner: CoreOutcome,
}

#[pymethods]
impl Outcome {
    /// The whole outcome in the core's JSON form (the form of a journal record's `outcome`, of
    /// C's `loyalty_outcome_json` and of the Rust API's serde), decimals as exact strings.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    /// `"enrolled"`, `"ordered"`, `"refunded"`, `"transferred"`, `"adjusted"`, `"ticked"`,
    /// `"configured"`, `"surveyed"`, `"redeemed"` or `"cancelled"`.
    #[getter]
    fn effect(&self) -> &'static str {
        self.inner.effect.name()
    }

    // Every getter below reads one of the core's projections (`loyalty_core::Effect`'s
    // methods, `projection.rs`) and converts it: none looks at the effect's kind itself.

    /// The member concerned: enrolled, buyer, sender, adjusted, surveyed, redeeming, or whose
    /// redemption was cancelled.
    #[getter]
    fn member(&self) -> Option<u64> {
        self.inner.effect.member()
    }

    /// A transfer's recipient.
    #[getter]
    fn recipient(&self) -> Option<u64> {
        self.inner.effect.recipient()
    }

    /// The order (for an order or a refund).
    #[getter]
    fn order(&self) -> Option<u64> {
        self.inner.effect.order()
    }

    /// Cash paid for an order: amount less the points' value.
    #[getter]
    fn cash(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.cash())
    }

    /// The accrual X of an order.
    #[getter]
    fn accrued(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.accrued())
    }

    /// Points spent on an order or on rewards, sent by a transfer, adjusted, rewarded for a
    /// survey, or given back by a cancelled redemption.
    #[getter]
    fn points(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.points())
    }

    /// A transfer's fee.
    #[getter]
    fn fee(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.fee())
    }

    /// The money a refund returned.
    #[getter]
    fn refunded(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.refunded())
    }

    /// Campaign bonuses of an order, or what a refund clawed back of them: `(campaign, points)`.
    #[getter]
    fn campaign_bonuses(&self, py: Python<'_>) -> PyResult<Vec<(String, Py<PyAny>)>> {
        self.inner
            .effect
            .campaign_bonuses()
            .iter()
            .map(|b| Ok((b.campaign.to_string(), d(py, b.points)?)))
            .collect()
    }

    /// Commissions an order paid, or a refund clawed back.
    #[getter]
    fn commissions(&self, py: Python<'_>) -> PyResult<Vec<Commission>> {
        self.inner
            .effect
            .commissions()
            .iter()
            .map(|c| {
                Ok(Commission {
                    member: c.member,
                    depth: c.depth,
                    points: d(py, c.points)?,
                })
            })
            .collect()
    }

    /// Spent points a refund gave back.
    #[getter]
    fn points_returned(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.points_returned())
    }

    /// The accrual a refund clawed back.
    #[getter]
    fn accrual_clawed(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.accrual_clawed())
    }

    /// Stamp cards that earned a stamp (order) or lost one (refund).
    #[getter]
    fn stamps(&self) -> Vec<String> {
        self.inner
            .effect
            .stamps()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Points for completed stamp cards.
    #[getter]
    fn stamp_rewards(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        d(py, self.inner.effect.stamp_rewards())
    }

    /// Achievements unlocked: `(member, achievement, points)`.
    #[getter]
    fn achievements(&self, py: Python<'_>) -> PyResult<Vec<(u64, String, Py<PyAny>)>> {
        self.inner
            .effect
            .achievements()
            .iter()
            .map(|a| Ok((a.member, a.achievement.to_string(), d(py, a.points)?)))
            .collect()
    }

    /// Level changes the operation caused.
    #[getter]
    fn tier_changes(&self) -> Vec<TierChange> {
        self.inner
            .effect
            .tier_changes()
            .iter()
            .map(|t| TierChange {
                member: t.member,
                from_tier: t.from.clone(),
                to_tier: t.to.clone(),
            })
            .collect()
    }

    /// Whether a survey's member was `"new"` or `"regular"`.
    #[getter]
    fn member_kind(&self) -> Option<&'static str> {
        self.inner
            .effect
            .member_kind()
            .map(loyalty_core::MemberKind::name)
    }

    /// A redemption's reward name.
    #[getter]
    fn reward(&self) -> Option<String> {
        self.inner.effect.reward().map(|(name, _)| name.to_owned())
    }

    /// A redemption's quantity.
    #[getter]
    fn quantity(&self) -> Option<u64> {
        self.inner.effect.reward().map(|(_, n)| n)
    }

    /// The redemption a cancel took back.
    #[getter]
    fn redemption(&self) -> Option<u64> {
        self.inner.effect.redemption()
    }

    /// Every posting of the double-entry ledger the operation made.
    #[getter]
    fn postings(&self, py: Python<'_>) -> PyResult<Vec<Posting>> {
        self.inner
            .postings
            .iter()
            .map(|p| {
                Ok(Posting {
                    source: account(p.from),
                    target: account(p.to),
                    points: d(py, p.points)?,
                })
            })
            .collect()
    }

    fn __repr__(&self) -> String {
        let mut parts = vec![format!("effect={}", q(self.effect()))];
        match &self.inner.effect {
            Effect::Ordered(o) => {
                parts.push(format!("member={}", o.member));
                parts.push(format!("accrued={}", dr(o.accrued)));
                if !o.points_spent.is_zero() {
                    parts.push(format!("points={}", dr(o.points_spent)));
                }
                let c: Vec<String> = o
                    .commissions
                    .iter()
                    .map(|c| format!("({}, {})", c.member, dr(c.points)))
                    .collect();
                if !c.is_empty() {
                    parts.push(format!("commissions=[{}]", c.join(", ")));
                }
            }
            Effect::Refunded(r) => {
                parts.push(format!("order={}", r.order));
                parts.push(format!("points_returned={}", dr(r.points_returned)));
                parts.push(format!("accrual_clawed={}", dr(r.accrual_clawed)));
            }
            Effect::Transferred {
                from,
                to,
                points,
                fee,
            } => {
                parts.push(format!(
                    "member={from}, to={to}, points={}, fee={}",
                    dr(*points),
                    dr(*fee)
                ));
            }
            _ => {
                if let Some(m) = self.member() {
                    parts.push(format!("member={m}"));
                }
                if !self.inner.effect.points().is_zero() {
                    parts.push(format!("points={}", dr(self.inner.effect.points())));
                }
            }
        }
        format!("Outcome({})", parts.join(", "))
    }
}

/// A member as of the clock.
#[pyclass(module = "loyalty", frozen, get_all)]
#[derive(Debug)]
#[allow(clippy::struct_field_names)] // `member.member` is the SPEC's field name
pub struct Member {
    pub member: u64,
    pub referrer: Option<u64>,
    pub available: Py<PyAny>,
    pub pending: Py<PyAny>,
    /// Points in the member's open holds (v3).
    pub held: Py<PyAny>,
    pub tier: String,
    /// The level's index in the program's levels (0: the entry level), as in C.
    pub level: usize,
    pub qualifying: Py<PyAny>,
    pub next_tier: Option<String>,
    pub to_next: Option<Py<PyAny>>,
    /// When the member's tier grace ends (v3), `None` when none runs.
    pub grace_until: Option<i64>,
    pub stamps: Py<PyDict>,
    pub achievements: Vec<String>,
    pub orders: u64,
    pub referrals: u64,
}

impl Member {
    pub(crate) fn new(py: Python<'_>, v: MemberView) -> PyResult<Member> {
        let stamps = PyDict::new(py);
        for (card, count) in &v.stamps {
            stamps.set_item(card, count)?;
        }
        Ok(Member {
            member: v.member,
            referrer: v.referrer,
            available: d(py, v.available)?,
            pending: d(py, v.pending)?,
            held: d(py, v.held)?,
            tier: v.tier,
            level: v.level,
            qualifying: d(py, v.qualifying)?,
            next_tier: v.next_tier,
            to_next: v.to_next.map(|t| d(py, t)).transpose()?,
            grace_until: v.grace_until,
            stamps: stamps.unbind(),
            achievements: v.achievements,
            orders: v.orders,
            referrals: v.referrals,
        })
    }
}

#[pymethods]
impl Member {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Member(member={}, available={}, pending={}, tier={}, qualifying={})",
            self.member,
            r(py, &self.available),
            r(py, &self.pending),
            q(&self.tier),
            r(py, &self.qualifying)
        )
    }
}

/// The program's system accounts: `issued = redeemed + expired + fees + liability`.
#[pyclass(module = "loyalty", frozen, get_all)]
#[derive(Debug)]
pub struct Totals {
    pub issued: Py<PyAny>,
    pub redeemed: Py<PyAny>,
    pub expired: Py<PyAny>,
    pub fees: Py<PyAny>,
    pub liability: Py<PyAny>,
    /// Points offline orders spent beyond their members' balance (v3), which became debt.
    pub overdraft: Py<PyAny>,
}

impl Totals {
    pub(crate) fn new(py: Python<'_>, t: CoreTotals) -> PyResult<Totals> {
        Ok(Totals {
            issued: d(py, t.issued)?,
            redeemed: d(py, t.redeemed)?,
            expired: d(py, t.expired)?,
            fees: d(py, t.fees)?,
            liability: d(py, t.liability)?,
            overdraft: d(py, t.overdraft)?,
        })
    }
}

#[pymethods]
impl Totals {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Totals(issued={}, redeemed={}, expired={}, fees={}, liability={})",
            r(py, &self.issued),
            r(py, &self.redeemed),
            r(py, &self.expired),
            r(py, &self.fees),
            r(py, &self.liability)
        )
    }
}

/// An NPS report: promoters score 9–10, passives 7–8, detractors 0–6; `score` is
/// `(promoters − detractors) × 100 ÷ responses` to one place, `None` with no responses.
#[pyclass(module = "loyalty", frozen, get_all)]
#[derive(Debug)]
pub struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub responses: u64,
    pub score: Option<Py<PyAny>>,
}

impl Nps {
    pub(crate) fn new(py: Python<'_>, n: &CoreNps) -> PyResult<Nps> {
        Ok(Nps {
            promoters: n.promoters,
            passives: n.passives,
            detractors: n.detractors,
            responses: n.responses,
            score: n.score.map(|s| d(py, s)).transpose()?,
        })
    }
}

#[pymethods]
impl Nps {
    fn __repr__(&self, py: Python<'_>) -> String {
        let score = self
            .score
            .as_ref()
            .map_or_else(|| String::from("None"), |s| r(py, s));
        format!(
            "Nps(score={score}, promoters={}, passives={}, detractors={}, responses={})",
            self.promoters, self.passives, self.detractors, self.responses
        )
    }
}

/// The result of a batch call: per row, the error name (`None` when accepted) and, when kept,
/// the outcome.
#[pyclass(module = "loyalty", frozen)]
#[derive(Debug)]
pub struct BatchResult {
    pub(crate) errors: Vec<Option<&'static str>>,
    pub(crate) outcomes: Option<Vec<Option<CoreOutcome>>>,
}

#[pymethods]
impl BatchResult {
    /// Per row: `None` if accepted, else the SPEC error name (`"InsufficientPoints"`).
    #[getter]
    fn errors(&self) -> Vec<Option<&'static str>> {
        self.errors.clone()
    }

    /// How many rows were accepted.
    #[getter]
    fn accepted(&self) -> usize {
        self.errors.iter().filter(|e| e.is_none()).count()
    }

    /// The outcome of row `i` (`None` if it was rejected); `ValueError` if outcomes were not kept.
    fn outcome(&self, i: usize) -> PyResult<Option<Outcome>> {
        let outcomes = self.outcomes.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(
                "outcomes were not kept (pass keep_outcomes=True)",
            )
        })?;
        let row = outcomes
            .get(i)
            .ok_or_else(|| pyo3::exceptions::PyIndexError::new_err(format!("no row {i}")))?;
        Ok(row.clone().map(|inner| Outcome { inner }))
    }

    fn __len__(&self) -> usize {
        self.errors.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "BatchResult(rows={}, accepted={})",
            self.errors.len(),
            self.accepted()
        )
    }
}
