use crate::amount::compare;
use crate::engine::Engine;
use crate::outcome::{Account, Unlocked};
use crate::program::Condition;

impl Engine {
    /// Unlocks, in config order, every achievement whose condition member `m` now meets for
    /// the first time, crediting its points as a lot (SPEC 8.6).
    pub(crate) fn unlock_achievements(&mut self, m: u32, at: i64, out: &mut Vec<Unlocked>) {
        for i in 0..self.program.achievements.len() {
            let a = &self.program.achievements[i];
            let member = &self.members[m as usize];
            if member
                .extras()
                .is_some_and(|e| e.achievements.contains(&a.name))
            {
                continue;
            }
            let holds = match a.condition() {
                Condition::Orders(n) => u64::from(member.orders) >= n,
                Condition::Referrals(n) => u64::from(member.referrals) >= n,
                Condition::Spend(s) => compare(member.spend(), s).is_ge(),
            };
            if !holds {
                continue;
            }
            let (name, points, id) = (a.name.clone(), a.points, member.id);
            self.extras(m).achievements.push(name.clone());
            let expires_at = self.expiry_from(at);
            self.credit_lot(m, points, expires_at, Account::Issued);
            out.push(Unlocked {
                member: id,
                achievement: name,
                points,
            });
        }
    }
}
