//! The main demo: a month of the Falcon Club, a program with Bunny → Wolf → Lion levels,
//! two levels of referral commission, points spent on an order, a reward from the catalogue, a
//! transfer and a refund, ending with each member's statement and the program totals.
//!
//! `cargo run --release --example falcon` (built-in program), or pass a program JSON file:
//! `cargo run --release --example falcon -- my_program.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use loyalty::{Account, Decimal, Effect, Engine, Error, Operation, Outcome, Program};

/// The Falcon Club: Bunny → Wolf → Lion by lifetime spend, 3–7 % accrual, a 1 % transfer fee, and
/// referral commissions one level up the chain (two for a Lion). `loyalty check` prints it in
/// words.
const FALCON: &str = include_str!("programs/falcon.json");

const DAY: i64 = 86_400;
/// 2026-01-01 00:00 UTC.
const START: i64 = 1_767_225_600;

const NAMES: [(u64, &str); 4] = [(1, "Anna"), (2, "Boris"), (3, "Chen"), (4, "Dana")];

/// The month, as a host would send it: (day, operation without id and time).
const MONTH: &[(i64, &str)] = &[
    (0, r#"{"op": "enroll", "member": 1}"#),
    (0, r#"{"op": "enroll", "member": 2, "referrer": 1}"#),
    (1, r#"{"op": "enroll", "member": 3, "referrer": 2}"#),
    (1, r#"{"op": "enroll", "member": 4, "referrer": 1}"#),
    (2, r#"{"op": "order", "member": 2, "amount": "1000.00"}"#),
    (3, r#"{"op": "order", "member": 3, "amount": "2000.00"}"#),
    (5, r#"{"op": "order", "member": 1, "amount": "9800.00"}"#),
    (8, r#"{"op": "order", "member": 2, "amount": "1600.00"}"#),
    (9, r#"{"op": "order", "member": 3, "amount": "450.00"}"#),
    (
        12,
        r#"{"op": "order", "member": 2, "amount": "500.00", "points": "98"}"#,
    ),
    (15, r#"{"op": "order", "member": 4, "amount": "300.00"}"#),
    (
        18,
        r#"{"op": "transfer", "from": 1, "to": 4, "points": "100"}"#,
    ),
    // At the till, Dana's points are held while her card is charged (#13), then the order
    // captures them.
    (20, r#"{"op": "hold", "member": 4, "points": "109"}"#),
    (
        20,
        r#"{"op": "order", "member": 4, "amount": "120.00", "points": "109", "hold": 13}"#,
    ),
    (
        22,
        r#"{"op": "redeem", "member": 1, "reward": "Falcon mug"}"#,
    ),
    (24, r#"{"op": "refund", "order": 9, "amount": "150.00"}"#),
    (27, r#"{"op": "order", "member": 3, "amount": "5000.00"}"#),
];

/// One line of a member's statement.
struct Entry {
    day: i64,
    what: String,
    change: Decimal,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let program = match std::env::args().nth(1) {
        Some(path) => Program::from_json(&std::fs::read_to_string(&path).map_err(|e| {
            Error::new(
                loyalty::ErrorKind::InvalidConfig,
                format!("cannot read {path}: {e}"),
            )
        })?)?,
        None => Program::from_json(FALCON)?,
    };
    println!("{} — one month, {} operations", program.name, MONTH.len());
    println!("{}\n", legend(&program));
    let mut engine = Engine::new(program)?;
    let mut statements: BTreeMap<u64, Vec<Entry>> = BTreeMap::new();
    for (n, (day, op)) in MONTH.iter().enumerate() {
        let id = n as u64 + 1;
        let at = START + day * DAY;
        let json = op.replacen('{', &format!(r#"{{"id": {id}, "at": {at}, "#), 1);
        let operation = Operation::from_json(&json)?;
        let outcome = engine.apply(&operation)?;
        println!("day {day:>2}  #{id:<2} {}", describe(&operation, &outcome));
        record(&mut statements, *day, &operation, &outcome);
    }
    println!();
    for (id, name) in NAMES {
        print_statement(
            &engine,
            id,
            name,
            statements.get(&id).map_or(&[][..], Vec::as_slice),
        )?;
    }
    let t = engine.totals();
    println!(
        "Program totals: issued {} = redeemed {} + expired {} + fees {} + liability {}",
        t.issued, t.redeemed, t.expired, t.fees, t.liability
    );
    for reward in &engine.program().rewards {
        match engine.stock_left(&reward.name)? {
            Some(left) => println!("{}: {left} left in stock", reward.name),
            None => println!("{}: no stock limit", reward.name),
        }
    }
    engine
        .verify()
        .map_err(|e| Error::new(loyalty::ErrorKind::InvalidInput, e.to_string()))?;
    println!("Ledger invariant holds.");
    Ok(())
}

/// What the levels mean, in one paragraph: the demo's numbers make sense only with it.
fn legend(program: &Program) -> String {
    let levels: Vec<String> = program
        .tiers
        .levels
        .iter()
        .map(|l| {
            let rates: Vec<String> = l
                .referral_rates
                .iter()
                .map(|r| format!("{}", (r * Decimal::ONE_HUNDRED).normalize()))
                .collect();
            format!(
                "{} from {} ({} % back; referrer commission {} %)",
                l.name,
                l.threshold,
                (l.accrual_rate * Decimal::ONE_HUNDRED).normalize(),
                if rates.is_empty() {
                    "0".to_owned()
                } else {
                    rates.join(" % / ")
                }
            )
        })
        .collect();
    format!(
        "Levels, by {}: {}.\nA member's referrer earns a commission on each of their orders at the \
         referrer's level rate; a second rate pays the referrer's own referrer too.",
        basis(program),
        levels.join(", ")
    )
}

/// What a member's level is computed from, in words.
fn basis(program: &Program) -> &'static str {
    match program.tiers.basis {
        loyalty::Basis::Spend => "lifetime spend",
        loyalty::Basis::Points => "points earned",
    }
}

fn name_of(id: u64) -> &'static str {
    NAMES.iter().find(|(m, _)| *m == id).map_or("?", |(_, n)| n)
}

fn describe(op: &Operation, outcome: &Outcome) -> String {
    match (&outcome.effect, op) {
        (Effect::Enrolled { member, .. }, Operation::Enroll(e)) => match e.referrer {
            Some(r) => format!("{} joins, referred by {}", name_of(*member), name_of(r)),
            None => format!("{} joins", name_of(*member)),
        },
        (Effect::Ordered(o), Operation::Order(order)) => {
            let mut s = format!("{} pays {} ", name_of(o.member), order.amount);
            match order.hold {
                Some(h) => {
                    let _ = write!(s, "({} in points held by #{h}) ", o.points_spent);
                }
                None if !o.points_spent.is_zero() => {
                    let _ = write!(s, "({} in points) ", o.points_spent);
                }
                None => {}
            }
            let _ = write!(s, "and earns {}", o.accrued);
            for c in &o.commissions {
                let _ = write!(
                    s,
                    "; {} earns {} commission ({})",
                    name_of(c.member),
                    c.points,
                    if c.depth == 1 {
                        "direct referrer".to_owned()
                    } else {
                        format!("referrer at depth {}", c.depth)
                    }
                );
            }
            for t in &o.tier_changes {
                let _ = write!(s, "; {} rises {} → {}", name_of(t.member), t.from, t.to);
            }
            s
        }
        (Effect::Refunded(r), _) => {
            let mut s = format!(
                "refund of {} on order #{}: {} clawed back",
                r.amount, r.order, r.accrual_clawed
            );
            for c in &r.commissions_clawed {
                let _ = write!(s, ", {} from {}", c.points, name_of(c.member));
            }
            s
        }
        (
            Effect::Transferred {
                from,
                to,
                points,
                fee,
            },
            _,
        ) => {
            format!(
                "{} sends {points} points to {} (fee {fee})",
                name_of(*from),
                name_of(*to)
            )
        }
        (
            Effect::Redeemed {
                member,
                reward,
                points,
                ..
            },
            _,
        ) => format!("{} takes a {reward} for {points} points", name_of(*member)),
        (Effect::Held { member, points, .. }, _) => {
            format!(
                "{}'s card is charged; {points} points held meanwhile",
                name_of(*member)
            )
        }
        _ => op.kind().to_owned(),
    }
}

/// Adds each posting that touches a member's available points to their statement.
fn record(statements: &mut BTreeMap<u64, Vec<Entry>>, day: i64, op: &Operation, outcome: &Outcome) {
    for p in &outcome.postings {
        for (account, sign) in [(p.from, Decimal::NEGATIVE_ONE), (p.to, Decimal::ONE)] {
            let Account::Available(member) = account else {
                continue;
            };
            let what = match (p.from, p.to) {
                (Account::Issued, _) if matches!(op, Operation::Order(o) if o.member == member) => {
                    "accrual"
                }
                (Account::Issued, _) => "referral commission",
                (_, Account::Issued) => "clawback",
                (_, Account::Redeemed) if matches!(op, Operation::Redeem(_)) => "reward",
                (_, Account::Redeemed) => "paid with points",
                (Account::Redeemed, _) => "points returned",
                (_, Account::Fees) => "transfer fee",
                (Account::Available(_), Account::Available(_)) if sign.is_sign_negative() => "sent",
                (Account::Available(_), Account::Available(_)) => "received",
                _ => "other",
            };
            statements.entry(member).or_default().push(Entry {
                day,
                what: what.to_owned(),
                change: p.points * sign,
            });
        }
    }
}

fn print_statement(engine: &Engine, id: u64, name: &str, entries: &[Entry]) -> Result<(), Error> {
    let view = engine.member(id)?;
    println!(
        "{name} (member {id}) — level {}, {} {}",
        view.tier,
        basis(engine.program()),
        view.qualifying
    );
    let mut balance = Decimal::ZERO;
    for e in entries {
        balance += e.change;
        println!(
            "  day {:>2}  {:<20} {:>9}   balance {:>9}",
            e.day,
            e.what,
            format!("{:+}", e.change),
            balance
        );
    }
    match (&view.next_tier, view.to_next) {
        (Some(next), Some(missing)) => println!(
            "  available {}; {missing} more to reach {next}\n",
            view.available
        ),
        _ => println!("  available {}; top level\n", view.available),
    }
    Ok(())
}
