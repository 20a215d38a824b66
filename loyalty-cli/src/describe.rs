//! A program in words: what `loyalty check` prints, so that a supervisor can read back what
//! the file says (levels, rates, campaigns, limits) before it goes live.

use std::io::{self, Write};

use loyalty_core::{Basis, Campaign, Decimal, Program, Rounding};

use crate::time::date_time;

/// Writes `program` in words.
pub(crate) fn program(p: &Program, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}: a valid program", p.name)?;
    units(p, out)?;
    levels(p, out)?;
    limits(p, out)?;
    campaigns(&p.campaigns, out)?;
    engagement(p, out)?;
    checkout(p, out)
}

fn units(p: &Program, out: &mut dyn Write) -> io::Result<()> {
    let rounding = match p.rounding {
        Rounding::Down => "rounded down",
        Rounding::HalfUp => "rounded half up",
        Rounding::HalfEven => "rounded half to even",
    };
    writeln!(
        out,
        "  money has {} decimal places, points {} ({rounding}); 1 point pays {} unit of money",
        p.money_scale,
        p.points_scale,
        plain(p.point_value)
    )?;
    let pending = match p.pending_days {
        0 => "points are available at once".to_owned(),
        n => format!("points stay pending for {n} days, then become available"),
    };
    let expiry = match p.expiry_days {
        Some(n) => format!("they expire {n} days after they are credited"),
        None => "they never expire".to_owned(),
    };
    writeln!(out, "  {pending}; {expiry}")
}

fn levels(p: &Program, out: &mut dyn Write) -> io::Result<()> {
    let basis = match (p.tiers.basis, p.tiers.window_days) {
        (Basis::Spend, None) => "lifetime spend, less refunds".to_owned(),
        (Basis::Spend, Some(n)) => format!("spend over the last {n} days"),
        (Basis::Points, None) => "points earned, ever".to_owned(),
        (Basis::Points, Some(n)) => format!("points earned over the last {n} days"),
    };
    writeln!(out, "levels, reached by {basis}:")?;
    if let Some(days) = p.tiers.grace_days {
        writeln!(
            out,
            "  a member who falls below a level keeps it {days} days (tier grace)"
        )?;
    }
    for level in &p.tiers.levels {
        let referral = if level.referral_rates.is_empty() {
            "no referral commission".to_owned()
        } else {
            let rates: Vec<String> = level.referral_rates.iter().map(|r| percent(*r)).collect();
            match rates.as_slice() {
                [one] => format!("referral commission {one} to the referrer"),
                _ => format!("referral commission {} up the chain", rates.join(", ")),
            }
        };
        writeln!(
            out,
            "  {:<12} from {:>10}: accrual {}, {referral}, club discount {}",
            level.name,
            plain(level.threshold),
            percent(level.accrual_rate),
            percent(level.discount)
        )?;
    }
    Ok(())
}

fn limits(p: &Program, out: &mut dyn Write) -> io::Result<()> {
    let r = &p.redemption;
    let least = if r.min_points.is_zero() {
        String::new()
    } else {
        format!(", at least {} points at a time", plain(r.min_points))
    };
    writeln!(
        out,
        "redemption: points pay up to {} of an order{least}",
        percent(r.max_share)
    )?;
    let t = &p.transfers;
    if !t.enabled {
        return writeln!(out, "transfers: disabled");
    }
    let mut rules = vec![format!("at least {} points", plain(t.min_points))];
    if let Some(max) = t.max_points {
        rules.push(format!("at most {} points each", plain(max)));
    }
    if let Some(daily) = t.daily_limit {
        rules.push(format!("at most {} points a day", plain(daily)));
    }
    rules.push(format!("fee {}", percent(t.fee_rate)));
    if let Some(tier) = &t.min_tier {
        rules.push(format!("from level {tier} up"));
    }
    writeln!(out, "transfers: {}", rules.join(", "))
}

fn campaigns(list: &[Campaign], out: &mut dyn Write) -> io::Result<()> {
    if list.is_empty() {
        return writeln!(out, "campaigns: none");
    }
    writeln!(out, "campaigns:")?;
    for c in list {
        let lines = c
            .categories
            .as_ref()
            .map_or("every line".to_owned(), |cats| {
                format!("lines of {}", cats.join(", "))
            });
        let buyers = c.levels.as_ref().map_or(String::new(), |ls| {
            format!(", for levels {}", ls.join(", "))
        });
        let mut gives = Vec::new();
        if !c.discount.is_zero() {
            gives.push(format!("{} off", percent(c.discount)));
        }
        if c.multiplier != Decimal::ONE {
            gives.push(format!("accrual ×{}", plain(c.multiplier)));
        }
        if !c.bonus_rate.is_zero() {
            gives.push(format!(
                "{} bonus points per unit of cash",
                plain(c.bonus_rate)
            ));
        }
        let budget = c.budget.map_or(String::new(), |b| {
            format!(", bonus budget {} points", plain(b))
        });
        writeln!(
            out,
            "  {}: {} until {}, {lines}{buyers}: {}{budget}",
            c.name,
            date_time(c.from),
            date_time(c.to),
            if gives.is_empty() {
                "nothing".to_owned()
            } else {
                gives.join(", ")
            }
        )?;
    }
    Ok(())
}

fn engagement(p: &Program, out: &mut dyn Write) -> io::Result<()> {
    if let Some(b) = &p.birthday {
        writeln!(
            out,
            "birthday gift: {} points, {} days before the birthday",
            plain(b.points),
            b.days_before
        )?;
    }
    for s in &p.stamps {
        let on = s
            .category
            .as_ref()
            .map_or("any order".to_owned(), |c| format!("an order with {c}"));
        writeln!(
            out,
            "stamp card {}: a stamp for {on} of at least {}; {} stamps give {} points",
            s.name,
            plain(s.min_amount),
            s.card_size,
            plain(s.reward_points)
        )?;
    }
    for a in &p.achievements {
        let when = match (a.orders, a.referrals, a.spend) {
            (Some(n), _, _) => format!("{n} orders"),
            (_, Some(n), _) => format!("{n} referrals"),
            (_, _, Some(s)) => format!("a spend of {}", plain(s)),
            _ => "never".to_owned(),
        };
        writeln!(
            out,
            "achievement {}: at {when}, {} points",
            a.name,
            plain(a.points)
        )?;
    }
    if let Some(e) = &p.enrollment {
        let mut ways = Vec::new();
        if let Some(min) = e.min_purchase {
            ways.push(format!("a first purchase of at least {}", plain(min)));
        }
        if e.questionnaire {
            ways.push("a filled questionnaire".to_owned());
        }
        writeln!(
            out,
            "closed programme: members are admitted by {}",
            ways.join(" or ")
        )?;
    }
    if let Some(s) = &p.surveys {
        let points = s
            .points
            .map_or("no points".to_owned(), |x| format!("{} points", plain(x)));
        writeln!(
            out,
            "surveys: {points} an answer, at most one rewarded answer every {} days",
            s.cooldown_days
        )?;
    }
    Ok(())
}

/// Holds (SPEC 9.1), offline limits (9.7), the reward catalogue (9.5) and the clock guard (9.4).
fn checkout(p: &Program, out: &mut dyn Write) -> io::Result<()> {
    let ttl = p.holds.unwrap_or_default().ttl_seconds;
    writeln!(
        out,
        "holds: points held at checkout go back after {ttl} s unless an order captures them"
    )?;
    if let Some(limits) = p.offline {
        let limit = |v: Option<Decimal>| v.map_or_else(|| "no limit".to_owned(), plain);
        writeln!(
            out,
            "offline terminals: points per sale {}, per terminal between syncs {}",
            limit(limits.max_points_per_order),
            limit(limits.max_points_per_terminal)
        )?;
    }
    for r in &p.rewards {
        let stock = r
            .stock
            .map_or_else(|| "no stock limit".to_owned(), |n| format!("{n} in stock"));
        let who = match &r.levels {
            None => String::new(),
            Some(levels) if levels.is_empty() => ", for nobody".to_owned(),
            Some(levels) => format!(", for levels {}", levels.join(", ")),
        };
        writeln!(
            out,
            "reward {}: {} points, {stock}{who}",
            r.name,
            plain(r.points)
        )?;
    }
    if let Some(days) = p.max_step_days {
        writeln!(
            out,
            "clock guard: an operation more than {days} days after the clock is refused"
        )?;
    }
    Ok(())
}

/// A decimal without trailing zeros: `2`, `0.5`.
fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A rate as a percentage: `0.035` → `3.5 %`.
fn percent(rate: Decimal) -> String {
    format!("{} %", plain(rate * Decimal::ONE_HUNDRED))
}
