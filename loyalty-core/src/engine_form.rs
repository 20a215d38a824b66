//! The snapshot form of an [`Engine`]: the form every snapshot since version 1 has had,
//! written and read here field by field, so that the engine's layout can change without
//! changing what a snapshot holds. Order records and the idempotency entries are two maps in
//! the form and one table in the engine.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::catalogue::OpenRedemption;
use crate::compiled::Compiled;
use crate::engine::{ticked, Engine};
use crate::ids::IdMap;
use crate::ids::{MemberId, OpId};
use crate::member_row::MemberRow;
use crate::name::Name;
use crate::outcome::{Outcome, Totals};
use crate::positions::MemberIndex;
use crate::program::Program;
use crate::records::{Digest, Keep, Kept, Records};
use crate::schedule::Schedule;
use crate::state::{Answer, Contribution, OrderRecord, Slot};
use crate::state::{Grace, OpenHold};

/// An idempotency entry: `{digest, outcome}` for a whole outcome (the form of every snapshot
/// written before compact entries), `{digest}` (with `pending` when true) for a plain order,
/// `{digest, enrolled}` for a plain enrolment.
#[derive(Serialize, Deserialize)]
struct AppliedForm<O> {
    digest: u64,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    outcome: Option<O>,
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pending: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enrolled: Option<MemberId>,
    /// A plain order's level change of its buyer: level indices before and after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tier: Option<(u8, u8)>,
}

fn none<O>() -> Option<O> {
    None
}

#[derive(Serialize)]
struct EngineOut<'a> {
    program: &'a Program,
    clock: i64,
    members: &'a [MemberRow],
    index: Index<'a>,
    orders: Orders<'a>,
    applied: Applied<'a>,
    totals: Totals,
    schedule: &'a Schedule,
    sent_today: &'a IdMap<u32, (i64, Decimal)>,
    windows: &'a IdMap<u32, Vec<Contribution>>,
    budgets_used: &'a IdMap<Name, Decimal>,
    birthdays: &'a [Slot],
    gift_generation: u32,
    answers: &'a [Answer],
    last_reward: &'a IdMap<u32, i64>,
    last_tick: &'a Outcome,
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    rewards_used: &'a HashMap<String, u64>,
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    redemptions: &'a IdMap<OpId, OpenRedemption>,
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    holds: &'a IdMap<OpId, OpenHold>,
    #[serde(skip_serializing_if = "is_zero")]
    holds_made: u64,
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    graces: &'a IdMap<u32, Grace>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Deserialize)]
struct EngineIn {
    program: Program,
    clock: i64,
    members: Vec<MemberRow>,
    index: IdMap<MemberId, u32>,
    orders: IdMap<OpId, OrderRecord>,
    applied: IdMap<OpId, AppliedForm<Box<Outcome>>>,
    totals: Totals,
    schedule: Schedule,
    sent_today: IdMap<u32, (i64, Decimal)>,
    windows: IdMap<u32, Vec<Contribution>>,
    budgets_used: IdMap<Name, Decimal>,
    birthdays: Vec<Slot>,
    gift_generation: u32,
    answers: Vec<Answer>,
    last_reward: IdMap<u32, i64>,
    last_tick: Outcome,
    /// v3: absent from the snapshots written before.
    #[serde(default)]
    rewards_used: HashMap<String, u64>,
    #[serde(default)]
    redemptions: IdMap<OpId, OpenRedemption>,
    #[serde(default)]
    holds: IdMap<OpId, OpenHold>,
    #[serde(default)]
    holds_made: u64,
    #[serde(default)]
    graces: IdMap<u32, Grace>,
}

/// The member index, as a map from member id to position.
struct Index<'a>(&'a [MemberRow]);

impl Serialize for Index<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().enumerate().map(|(i, m)| (m.id, i as u32)))
    }
}

/// The order records, as a map from order id.
struct Orders<'a>(&'a Records);

impl Serialize for Orders<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.orders())
    }
}

/// The idempotency entries, as a map from operation id.
struct Applied<'a>(&'a Engine);

impl Serialize for Applied<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let records = &self.0.records;
        let members = &self.0.members;
        s.collect_map(self.0.digests().map(|(id, digest)| {
            let mut form = AppliedForm {
                digest,
                outcome: None,
                pending: false,
                enrolled: None,
                tier: None,
            };
            match records.kept(id) {
                Some(Kept::Whole(outcome)) => form.outcome = Some(outcome),
                Some(Kept::Order { pending, tier }) => {
                    form.pending = pending;
                    form.tier = tier;
                }
                Some(Kept::Enrolled(m)) => form.enrolled = members.get(m as usize).map(|m| m.id),
                None => {}
            }
            (id, form)
        }))
    }
}

impl Serialize for Engine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EngineOut {
            program: &self.program,
            clock: self.clock,
            members: &self.members,
            index: Index(&self.members),
            orders: Orders(&self.records),
            applied: Applied(self),
            totals: self.totals,
            schedule: &self.schedule,
            sent_today: &self.sent_today,
            windows: &self.windows,
            budgets_used: &self.budgets_used,
            birthdays: &self.birthdays,
            gift_generation: self.gift_generation,
            answers: &self.answers,
            last_reward: &self.last_reward,
            last_tick: &self.last_tick,
            rewards_used: &self.rewards_used,
            redemptions: &self.redemptions,
            holds: &self.holds,
            holds_made: self.holds_made,
            graces: &self.graces,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Engine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Engine, D::Error> {
        let form = EngineIn::deserialize(d)?;
        let index = index(&form.members, &form.index).map_err(serde::de::Error::custom)?;
        let position = |id: MemberId| {
            let members = &form.members;
            index.find(id, |p| members[p as usize].id)
        };
        let records =
            records(form.orders, form.applied, position).map_err(serde::de::Error::custom)?;
        Ok(Engine {
            program: Compiled::new(form.program),
            clock: form.clock,
            members: form.members,
            index,
            records,
            totals: form.totals,
            schedule: form.schedule,
            sent_today: form.sent_today,
            windows: form.windows,
            budgets_used: form.budgets_used,
            birthdays: form.birthdays,
            gift_generation: form.gift_generation,
            answers: form.answers,
            last_reward: form.last_reward,
            rewards_used: form.rewards_used,
            redemptions: form.redemptions,
            holds: form.holds,
            holds_made: form.holds_made,
            graces: form.graces,
            postings: Vec::new(),
            txn: crate::undo::Txn::default(),
            last_tick: form.last_tick,
            last: ticked(),
            spare: None,
            level_scratch: Vec::new(),
        })
    }
}

/// The operation table from the two maps of the form: every order record belongs to an
/// accepted operation, and every compact entry has what rebuilds it.
fn records(
    orders: IdMap<OpId, OrderRecord>,
    applied: IdMap<OpId, AppliedForm<Box<Outcome>>>,
    position: impl Fn(MemberId) -> Option<u32>,
) -> Result<Records, String> {
    let mut table = Records::default();
    // Slots in id order: the same snapshot always builds the same table.
    let mut orders: Vec<_> = orders.into_iter().collect();
    orders.sort_unstable_by_key(|(id, _)| *id);
    for (id, record) in orders {
        if !applied.contains_key(&id) {
            return Err(format!("order {id} has a record but was never accepted"));
        }
        table.put_order(id, record);
    }
    for (id, form) in applied {
        let keep = match (form.outcome, form.enrolled) {
            (Some(outcome), _) => Keep::Whole(outcome),
            (None, Some(member)) => Keep::Enrolled(position(member).ok_or_else(|| {
                format!("operation {id} enrolled member {member}, who is not enrolled")
            })?),
            (None, None) if table.has_order(id) => Keep::Order {
                pending: form.pending,
                tier: form.tier,
            },
            (None, None) => {
                return Err(format!(
                    "operation {id} is filed as an order without an order record"
                ))
            }
        };
        table.file(id, Digest::Kept(form.digest), keep);
    }
    Ok(table)
}

/// The member index, built from the members and checked against the one the snapshot holds:
/// each id once, each at its own position.
fn index(members: &[MemberRow], stated: &IdMap<MemberId, u32>) -> Result<MemberIndex, String> {
    let mut index = MemberIndex::default();
    for (i, m) in members.iter().enumerate() {
        if index.find(m.id, |p| members[p as usize].id).is_some() {
            return Err(format!("member {} is enrolled twice", m.id));
        }
        index.insert(m.id, i as u32, |p| members[p as usize].id);
    }
    if stated.len() != members.len() {
        return Err(format!(
            "{} ids index {} members",
            stated.len(),
            members.len()
        ));
    }
    for (id, m) in stated {
        if members.get(*m as usize).map(|x| x.id) != Some(*id) {
            return Err(format!("id {id} is indexed to member position {m}"));
        }
    }
    Ok(index)
}
