//! The terminal kit against a file-store centre: offline sales within their allowance, a sync
//! that applies each of them exactly once whatever the transport does (lost answers, batches
//! delivered twice or out of order), crashes mid-sale, and the bad inputs of issue 24.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use loyalty_core::{Decimal, Engine, Enroll, ErrorKind, Operation, Order, Program};
use loyalty_store::{Store, SyncPolicy};
use loyalty_terminal::{into_store, op_id, Answers, Cache, Terminal, TerminalError};

const T0: i64 = 1_767_225_600;
const HOUR: i64 = 3_600;

fn d(v: i64) -> Decimal {
    Decimal::from(v)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loyalty-terminal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn program() -> Program {
    Program::from_json(
        r#"{"name": "Corner bakery", "tiers": {"levels": [
            {"name": "Regular", "threshold": "0", "accrual_rate": "0.05"},
            {"name": "Friend", "threshold": "2000", "accrual_rate": "0.1"}]},
            "redemption": {"max_share": "0.5", "min_points": "5"},
            "offline": {"max_points_per_order": "30", "max_points_per_terminal": "100"}}"#,
    )
    .unwrap()
}

/// A centre with members 1..=n, each with 50 points (1 000 spent).
fn centre(dir: &Path, n: u64) -> Store {
    let mut store = Store::open(&dir.join("centre"), &program(), SyncPolicy::EveryRecord).unwrap();
    for m in 1..=n {
        store.apply(&Enroll::new(m * 10, T0, m).into()).unwrap();
        store
            .apply(&Order::new(m * 10 + 1, T0, m, d(1000)).into())
            .unwrap();
    }
    store
}

fn kind(e: &TerminalError) -> Option<ErrorKind> {
    match e {
        TerminalError::Engine(e) => Some(e.kind()),
        _ => None,
    }
}

#[test]
fn an_offline_morning_syncs_once_whatever_the_transport_loses() {
    let dir = scratch("morning");
    let mut centre = centre(&dir, 3);
    let cache = Cache::export_all(centre.engine());
    let mut till = Terminal::create(&dir.join("till"), 4, "till-4", &cache).unwrap();
    // The allowance: cached 50, capped by the 30 a sale.
    assert_eq!(till.allowance(1), d(30));
    let sale = till.order(T0 + HOUR, 1, d(100), d(30)).unwrap();
    assert_eq!(sale.id, op_id(4, 0));
    assert_eq!(sale.points_earned_estimate, d(70) * Decimal::new(5, 2));
    // 50 − 30 = 20 left for member 1; then the terminal's own 100 caps the rest.
    assert_eq!(till.allowance(1), d(20));
    let refused = till.order(T0 + HOUR, 1, d(100), d(21)).unwrap_err();
    assert_eq!(kind(&refused), Some(ErrorKind::InsufficientPoints));
    till.order(T0 + HOUR, 2, d(80), d(30)).unwrap();
    till.order(T0 + HOUR, 3, d(80), d(30)).unwrap();
    assert_eq!(till.allowance(1), d(10), "100 for the terminal, 90 spent");
    till.enroll(T0 + HOUR, 77, Some(1)).unwrap();
    let own = till.order(T0 + 2 * HOUR, 77, d(40), d(0)).unwrap();
    till.refund(T0 + 2 * HOUR, own.id, d(40)).unwrap();
    let twice = till.refund(T0 + 2 * HOUR, own.id, d(1)).unwrap_err();
    assert_eq!(kind(&twice), Some(ErrorKind::RefundExceedsOrder), "{twice}");
    // The refunds are in the queue: a restarted terminal remembers them.
    drop(till);
    let mut till = Terminal::open(&dir.join("till"), 4).unwrap();
    let after_restart = till.refund(T0 + 2 * HOUR, own.id, d(1)).unwrap_err();
    assert_eq!(kind(&after_restart), Some(ErrorKind::RefundExceedsOrder));
    let online = till.refund(T0 + 2 * HOUR, 11, d(10)).unwrap_err();
    assert_eq!(kind(&online), Some(ErrorKind::UnknownOrder), "{online}");
    // Figures the centre would refuse for good are refused here, before anything is queued.
    for (amount, points) in [("10.005", "0"), ("10", "0.001"), ("1e30", "0")] {
        let amount = amount.parse().unwrap_or(Decimal::MAX);
        let e = till
            .order(T0 + 2 * HOUR, 1, amount, points.parse().unwrap())
            .unwrap_err();
        assert_eq!(kind(&e), Some(ErrorKind::InvalidAmount), "{e}");
    }
    let e = till
        .refund(T0 + 2 * HOUR, sale.id, "0.001".parse().unwrap())
        .unwrap_err();
    assert_eq!(kind(&e), Some(ErrorKind::InvalidAmount), "{e}");
    let backwards = till.order(T0, 1, d(10), d(0)).unwrap_err();
    assert_eq!(kind(&backwards), Some(ErrorKind::TimeWentBackwards));
    assert_eq!(till.pending().count(), 6);

    // The centre applies the batch, but its answer is lost: nothing is marked sent.
    let lost = till.sync(T0 + 3 * HOUR, |ops: &[Operation]| {
        into_store(&mut centre)(ops).unwrap();
        Err::<Answers, _>("connection reset")
    });
    assert!(matches!(lost, Err(TerminalError::Transport(_))));
    assert_eq!(till.pending().count(), 6);
    let records = centre.records();
    // Sent again (after a restart of the terminal): the centre answers the first outcomes.
    drop(till);
    let mut till = Terminal::open(&dir.join("till"), 4).unwrap();
    let report = till.sync(T0 + 4 * HOUR, into_store(&mut centre)).unwrap();
    assert_eq!((report.answered, report.refused.len()), (6, 0));
    assert_eq!(till.pending().count(), 0);
    // Exactly once: the resend journaled retries (same outcomes), and the state is the replay.
    let journal = centre.read_journal().unwrap();
    let mut ids: Vec<u64> = journal.iter().filter_map(|r| r.op.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, records);
    let replayed = Engine::replay(program(), &journal).unwrap();
    assert_eq!(replayed.state_digest(), centre.engine().state_digest());
    // Member 1 paid 30 of 50 and earned 3.50 on 70 cash.
    assert_eq!(
        centre.engine().member(1).unwrap().available,
        Decimal::new(2350, 2)
    );
    assert_eq!(centre.engine().totals().overdraft, d(0));
    // The cache after sync is the centre's view; the allowances start again from it.
    till.refresh(&Cache::export_all(centre.engine())).unwrap();
    assert_eq!(till.spent_offline(), d(0));
    assert_eq!(till.cache().members[&1].available, Decimal::new(2350, 2));
    assert_eq!(till.allowance(1), Decimal::new(2350, 2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_terminals_overdraw_at_most_their_limits() {
    let dir = scratch("overdraw");
    let mut centre = centre(&dir, 1);
    let cache = Cache::export_all(centre.engine());
    let mut a = Terminal::create(&dir.join("a"), 1, "a", &cache).unwrap();
    let mut b = Terminal::create(&dir.join("b"), 2, "b", &cache).unwrap();
    // Both believe member 1 has 50: each lets 30 go.
    a.order(T0 + HOUR, 1, d(100), d(30)).unwrap();
    b.order(T0 + HOUR, 1, d(100), d(30)).unwrap();
    b.sync(T0 + 2 * HOUR, into_store(&mut centre)).unwrap();
    a.sync(T0 + 2 * HOUR, into_store(&mut centre)).unwrap();
    // 60 spent of 50 (plus b's 3.50 earned first): the shortfall is debt, within 2 × 30.
    let overdraft = centre.engine().totals().overdraft;
    assert_eq!(overdraft, Decimal::new(650, 2));
    assert!(overdraft <= d(60));
    assert_eq!(
        centre.engine().member(1).unwrap().available,
        Decimal::new(-300, 2)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_crash_mid_sale_loses_only_the_unacknowledged_sale() {
    let dir = scratch("crash");
    let centre = centre(&dir, 1);
    let cache = Cache::export_all(centre.engine());
    let mut till = Terminal::create(&dir.join("till"), 3, "till-3", &cache).unwrap();
    till.order(T0 + HOUR, 1, d(100), d(10)).unwrap();
    till.order(T0 + HOUR, 1, d(100), d(10)).unwrap();
    drop(till);
    // The power fails while the second sale is written: its entry is torn, it was never
    // acknowledged, and the first one is intact.
    let queue = dir.join("till/queue.log");
    let bytes = std::fs::read(&queue).unwrap();
    std::fs::write(&queue, &bytes[..bytes.len() - 3]).unwrap();
    let mut till = Terminal::open(&dir.join("till"), 3).unwrap();
    assert_eq!(till.pending().count(), 1);
    assert_eq!(till.allowance(1), d(30), "only the first sale counts");
    // The next sale takes the torn sale's id: the centre never saw it.
    assert_eq!(
        till.order(T0 + HOUR, 1, d(50), d(5)).unwrap().id,
        op_id(3, 1)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_caches_clashing_terminals_and_damaged_queues_are_refused_and_lose_nothing() {
    let dir = scratch("bad");
    let centre = centre(&dir, 1);
    let cache = Cache::export_all(centre.engine());
    let mut till = Terminal::create(&dir.join("till"), 5, "till-5", &cache).unwrap();
    till.order(T0 + HOUR, 1, d(100), d(10)).unwrap();
    // Another terminal's number on this queue; a second create on it; terminal 0.
    assert!(matches!(
        Terminal::open(&dir.join("till"), 6),
        Err(TerminalError::BadTerminal(_))
    ));
    assert!(matches!(
        Terminal::create(&dir.join("till"), 5, "till-5", &cache),
        Err(TerminalError::BadTerminal(_))
    ));
    assert!(matches!(
        Terminal::create(&dir.join("zero"), 0, "zero", &cache),
        Err(TerminalError::BadTerminal(_))
    ));
    // A cache of another program is refused by refresh, and nothing changes.
    let mut other = cache.clone();
    other.program.name = "Another shop".to_owned();
    assert!(matches!(
        till.refresh(&other),
        Err(TerminalError::BadCache(_))
    ));
    assert_eq!(till.cache(), &cache);
    drop(till);
    // An edited cache file fails its checksum; a damaged queue is corruption: both refused.
    let cache_file = dir.join("till/cache.json");
    let text = std::fs::read_to_string(&cache_file).unwrap();
    std::fs::write(&cache_file, text.replacen("\"50", "\"90", 1)).unwrap();
    let err = Terminal::open(&dir.join("till"), 5).unwrap_err();
    assert!(matches!(err, TerminalError::BadCache(_)), "{err}");
    std::fs::write(&cache_file, &text).unwrap();
    let queue = dir.join("till/queue.log");
    let good = std::fs::read(&queue).unwrap();
    let mut bad = good.clone();
    bad[20] ^= 0x40;
    std::fs::write(&queue, &bad).unwrap();
    let err = Terminal::open(&dir.join("till"), 5).unwrap_err();
    assert!(
        matches!(&err, TerminalError::Store(e) if e.is_corruption()),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&queue).unwrap(),
        bad,
        "a refused queue is left as it was"
    );
    std::fs::write(&queue, &good).unwrap();
    assert_eq!(
        Terminal::open(&dir.join("till"), 5)
            .unwrap()
            .pending()
            .count(),
        1
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small deterministic generator (no dependency for a test).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Eight terminals, random offline periods, batches delivered twice, late (after newer ones)
/// or with their answers lost, terminals restarted: every sale a terminal acknowledged is
/// applied at the centre exactly once, the centre is the replay of its journal, and what each
/// terminal overdrew in a period stays within the program's limit.
#[test]
fn eight_terminals_sync_exactly_once_through_a_bad_network() {
    let dir = scratch("eight");
    let mut centre = centre(&dir, 40);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let cache = Cache::export_all(centre.engine());
    let mut tills: Vec<Terminal> = (1..=8)
        .map(|t| Terminal::create(&dir.join(format!("t{t}")), t, &format!("t{t}"), &cache).unwrap())
        .collect();
    let mut acknowledged: HashSet<u64> = HashSet::new();
    let mut stale: Vec<Vec<Operation>> = Vec::new();
    let mut at = T0 + HOUR;
    for _round in 0..60 {
        at += HOUR;
        for till in &mut tills {
            for _ in 0..rng.below(6) {
                let member = 1 + rng.below(40);
                let points = Decimal::from(rng.below(40)).min(till.allowance(member));
                let amount = d(20 + rng.below(300) as i64);
                if let Ok(receipt) = till.order(at, member, amount, points.min(amount)) {
                    acknowledged.insert(receipt.id);
                }
            }
        }
        at += 60;
        for till in &mut tills {
            if rng.below(3) > 0 {
                continue; // still offline
            }
            let overdraft = centre.engine().totals().overdraft;
            match rng.below(4) {
                // The answers are lost after the centre applied the batch; kept to resend late.
                0 => {
                    let _ = till.sync(at, |ops: &[Operation]| {
                        into_store(&mut centre)(ops).unwrap();
                        stale.push(ops.to_vec());
                        Err::<Answers, _>("lost")
                    });
                }
                // The terminal restarts before it syncs.
                1 => {
                    let number = till.number();
                    *till = Terminal::open(&dir.join(format!("t{number}")), number).unwrap();
                    till.sync(at, into_store(&mut centre)).unwrap();
                }
                _ => {
                    till.sync(at, into_store(&mut centre)).unwrap();
                }
            }
            // An old batch arrives again, late: the centre answers its first outcomes.
            if !stale.is_empty() && rng.below(2) == 0 {
                let old = stale.remove(rng.below(stale.len() as u64) as usize);
                let answers = into_store(&mut centre)(&old).unwrap();
                assert!(
                    answers.iter().all(Result::is_ok),
                    "a resent batch is answered whole"
                );
            }
            // What the terminal's sync overdrew at the centre is within what it spent offline
            // in the period, which is within the program's limit.
            let spent = till.spent_offline();
            assert!(
                spent <= d(100),
                "terminal {} spent {spent} offline",
                till.number()
            );
            assert!(centre.engine().totals().overdraft - overdraft <= spent);
            if till.pending().count() == 0 {
                till.refresh(&Cache::export_all(centre.engine())).unwrap();
            }
        }
    }
    for till in &mut tills {
        till.sync(at + HOUR, into_store(&mut centre)).unwrap();
    }
    let journal = centre.read_journal().unwrap();
    let mut applied: HashMap<u64, usize> = HashMap::new();
    for r in &journal {
        if let Some(id) = r.op.id() {
            *applied.entry(id).or_default() += 1;
        }
    }
    for id in &acknowledged {
        assert!(
            applied.contains_key(id),
            "acknowledged sale {id} never reached the centre"
        );
    }
    let replayed = Engine::replay(program(), &journal).unwrap();
    assert_eq!(replayed.state_digest(), centre.engine().state_digest());
    // Every acknowledged sale is one order at the centre: retries repeat the first outcome.
    let orders = centre
        .engine()
        .member_ids()
        .map(|m| centre.engine().member(m).unwrap().orders)
        .sum::<u64>();
    assert_eq!(orders, 40 + acknowledged.len() as u64);
    assert!(
        acknowledged.len() > 300,
        "only {} sales",
        acknowledged.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sync dated before the terminal's last sale (its clock went back while it was offline)
/// sends nothing: the centre would refuse the sale for good (recorded after it was applied).
#[test]
fn a_sync_dated_before_the_last_sale_sends_nothing_and_loses_nothing() {
    let dir = scratch("sync-backwards");
    let mut centre = centre(&dir, 1);
    let cache = Cache::export_all(centre.engine());
    let mut till = Terminal::create(&dir.join("till"), 2, "till-2", &cache).unwrap();
    let sale = till.order(T0 + 2 * HOUR, 1, d(100), d(10)).unwrap();
    let mut called = false;
    let refused = till
        .sync(T0 + HOUR, |_: &[Operation]| {
            called = true;
            Ok::<Answers, &str>(Vec::new())
        })
        .unwrap_err();
    assert_eq!(
        kind(&refused),
        Some(ErrorKind::TimeWentBackwards),
        "{refused}"
    );
    assert!(!called, "the transport was called");
    assert_eq!(
        kind(&till.batch(T0).unwrap_err()),
        Some(ErrorKind::TimeWentBackwards)
    );
    assert_eq!(till.pending().count(), 1);
    till.sync(T0 + 3 * HOUR, into_store(&mut centre)).unwrap();
    let journal = centre.read_journal().unwrap();
    assert!(journal.iter().any(|r| r.op.id() == Some(sale.id)));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A host that takes a batch, sends it, and marks it by its ids: a sale queued meanwhile is not
/// marked by it, and a batch marked twice (two syncs that raced) marks nothing more.
#[test]
fn a_batch_is_marked_by_its_ids() {
    let dir = scratch("ack-batch");
    let mut centre = centre(&dir, 2);
    let cache = Cache::export_all(centre.engine());
    let mut till = Terminal::create(&dir.join("till"), 3, "till-3", &cache).unwrap();
    till.order(T0 + HOUR, 1, d(50), d(0)).unwrap();
    till.order(T0 + HOUR, 2, d(50), d(0)).unwrap();
    let batch = till.batch(T0 + 2 * HOUR).unwrap();
    let answers = into_store(&mut centre)(&batch).unwrap();
    let late = till.order(T0 + 2 * HOUR, 1, d(20), d(0)).unwrap(); // queued meanwhile
    till.acknowledge_batch(&batch, answers.len()).unwrap();
    till.acknowledge_batch(&batch, answers.len()).unwrap();
    let pending: Vec<_> = till.pending().filter_map(Operation::id).collect();
    assert_eq!(pending, [late.id]);
    assert!(matches!(
        till.acknowledge_batch(&batch, 3),
        Err(TerminalError::Transport(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
