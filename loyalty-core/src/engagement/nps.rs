use rust_decimal::Decimal;

use crate::amount::Rounding;
use crate::engine::Engine;
use crate::outcome::{MemberKind, Nps, NpsQuery};

impl Engine {
    /// The NPS of the answers matching `query` (SPEC 8.8): promoters 9–10, passives 7–8,
    /// detractors 0–6; `(promoters − detractors) × 100 ÷ responses`, half-even to one place.
    pub fn nps(&self, query: &NpsQuery) -> Nps {
        let mut report = Nps::default();
        let matching = self.answers.iter().filter(|a| {
            query.from.is_none_or(|f| a.at >= f)
                && query.to.is_none_or(|t| a.at < t)
                && query
                    .segment
                    .as_ref()
                    .is_none_or(|s| a.segment.as_ref() == Some(s))
                && query
                    .member_kind
                    .is_none_or(|k| (k == MemberKind::Regular) == a.regular)
        });
        for a in matching {
            match a.score {
                9..=10 => report.promoters += 1,
                7..=8 => report.passives += 1,
                _ => report.detractors += 1,
            }
            report.responses += 1;
        }
        if report.responses > 0 {
            let net = i128::from(report.promoters) - i128::from(report.detractors);
            let num = Decimal::from(net.unsigned_abs() * 100);
            let score = Rounding::HalfEven
                .round_ratio(num, Decimal::from(report.responses), 1)
                .unwrap_or_default();
            let mut score = if net < 0 { -score } else { score };
            score.rescale(1);
            report.score = Some(score);
        }
        report
    }
}
