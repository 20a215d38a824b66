//! The rules of held points (SPEC 9.1): opening, capturing and closing holds, and what the clock
//! does to them (held pieces expire, holds time out).
//!
//! Held points stay the member's: they never leave the member's account in the books
//! (holding and releasing post nothing), only the member's lots, so nothing else can spend,
//! send or claw them back. A capture posts what it spends to `redeemed`; a held piece that
//! expires posts to `expired`.

use rust_decimal::Decimal;

use crate::amount::{add, positive};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind};
use crate::ids::OpId;
use crate::ledger::Lot;
use crate::outcome::Account;
use crate::schedule::Due;
use crate::state::OpenHold;

impl Engine {
    /// The points in member `m`'s open holds. Open holds are few (a hold lives for a checkout),
    /// so a scan costs less than a total kept on every member.
    pub(crate) fn held_by(&self, m: u32) -> Decimal {
        self.holds
            .values()
            .filter(|h| h.member == m)
            .fold(Decimal::ZERO, |s, h| add(s, h.points()))
    }

    /// The points in every open hold.
    pub(crate) fn held_total(&self) -> Decimal {
        self.holds
            .values()
            .fold(Decimal::ZERO, |s, h| add(s, h.points()))
    }

    /// Open hold `id`, of member `m` when one is named; otherwise `UnknownHold` (never made,
    /// another operation's id, captured, released, timed out, or another member's).
    pub(crate) fn open_hold(&self, id: OpId, m: Option<u32>) -> Result<&OpenHold, Error> {
        match self.holds.get(&id) {
            Some(h) if m.is_none_or(|m| m == h.member) => Ok(h),
            Some(_) => Err(Error::new(
                ErrorKind::UnknownHold,
                format!("hold {id} is not one of this member's"),
            )),
            None => Err(Error::new(
                ErrorKind::UnknownHold,
                format!("no open hold has id {id}"),
            )),
        }
    }

    /// Opens hold `id` on `pieces` taken from member `m`'s lots at `at`: it times out after
    /// the ttl in force now, and each piece's expiry is in the time index.
    pub(crate) fn start_hold(&mut self, id: OpId, m: u32, at: i64, pieces: Vec<Lot>) {
        let ttl = self.program.holds.unwrap_or_default().ttl_seconds;
        let seq = self.next_hold_seq();
        self.schedule_at(at.saturating_add(ttl), Due::TimeOut { seq, hold: id });
        let mut last = None;
        for e in pieces.iter().filter_map(|p| p.expires_at) {
            if last != Some(e) {
                self.schedule_at(e, Due::HeldExpire { hold: id });
                last = Some(e);
            }
        }
        self.set_hold(id, Some(OpenHold { member: m, pieces }));
    }

    /// Closes hold `id` and gives its pieces back; returns its member and what went back.
    pub(crate) fn close_hold(&mut self, id: OpId) -> Option<(u32, Decimal)> {
        let hold = self.set_hold(id, None)?;
        let back = hold.points();
        self.give_back(hold.member, &hold.pieces);
        Some((hold.member, back))
    }

    /// Captures hold `id` (an order paid with it): `points` from its pieces, earliest expiry
    /// first, go to `redeemed`; the rest goes back to the member; the hold closes.
    pub(crate) fn capture(&mut self, id: OpId, points: Decimal) {
        let Some(hold) = self.set_hold(id, None) else {
            return;
        };
        let mut left = points;
        let mut rest = Vec::with_capacity(hold.pieces.len());
        for mut piece in hold.pieces {
            let part = piece.points.min(left);
            left -= part;
            piece.points -= part;
            if positive(piece.points) {
                rest.push(piece);
            }
        }
        let member = self.members[hold.member as usize].id;
        self.post(Account::Available(member), Account::Redeemed, points);
        self.give_back(hold.member, &rest);
    }

    /// Member `m`'s held `pieces` back as lots, each keeping its expiry, earliest first,
    /// paying debt first like every credit. Nothing is posted: held points never left the
    /// member's account.
    pub(crate) fn give_back(&mut self, m: u32, pieces: &[Lot]) {
        for piece in pieces {
            self.add_lot(m, piece.points, piece.expires_at);
        }
    }

    /// The clock reached `when`: the pieces of hold `id` that expire by then go to `expired`
    /// (a hold never extends a point's life). A closed hold's event is inert.
    pub(crate) fn expire_held(&mut self, id: OpId, when: i64) {
        let Some(hold) = self.holds.get(&id) else {
            return;
        };
        let due = hold
            .pieces
            .iter()
            .take_while(|p| p.expires_at.is_some_and(|e| e <= when))
            .count();
        if due == 0 {
            return;
        }
        let member = self.members[hold.member as usize].id;
        let mut hold = hold.clone();
        let expired = hold
            .pieces
            .drain(..due)
            .fold(Decimal::ZERO, |s, p| add(s, p.points));
        self.set_hold(id, Some(hold));
        self.post(Account::Available(member), Account::Expired, expired);
    }
}
