//! Quick throughput and memory numbers, measured (not estimated):
//!
//! `cargo run --release --example throughput -- --members 1000000 --orders 2000000`
//!
//! prints one line `orders_per_sec=… bytes_per_member=… bytes_per_order=…`. Members are enrolled
//! with one level of referral (each referred by the one before); orders go to random members.
//! Memory is counted by a global allocator that tracks live bytes: `bytes_per_member` is what
//! enrolling added per member (before any lot), `bytes_per_order` what the orders added per
//! order remembered (the order record a refund needs, the idempotency record, lots).
//! `--engagement` adds a campaign, a stamp card and achievements to the program. `--replay`
//! also journals the orders and times replaying them into a fresh engine, from JSON records
//! (`json_replay_records_per_sec`: decoding and replaying) and from binary records
//! (`replay_records_per_sec`: decoding and replaying).
//! `--compare-floor PATH` then runs the floor (`../shared/perf/floor`) on the same workload and
//! prints its figures and the engine's ratios to them, measured in one run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use loyalty::{Decimal, Engine, Enroll, Operation, Order, Program};

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const T0: i64 = 1_767_225_600;

const PLAIN: &str = r#"{"tiers": {"levels": [
    {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
    {"name": "Wolf", "threshold": "2500", "accrual_rate": "0.05", "referral_rates": ["0.02"]},
    {"name": "Lion", "threshold": "10000", "accrual_rate": "0.07", "referral_rates": ["0.03"]}]}}"#;

const ENGAGEMENT: &str = r#",
    "campaigns": [{"name": "Spring", "from": 0, "to": 9999999999, "multiplier": "2", "budget": "1000000000"}],
    "stamps": [{"name": "visits", "min_amount": "10", "card_size": 10, "reward_points": "5"}],
    "achievements": [{"name": "First", "orders": 1, "points": "5"}, {"name": "Big", "spend": "5000", "points": "50"}]"#;

/// SPEC v3's sections, configured and never used by the orders (`--checkout`): what they cost
/// when a shop turns them on.
const CHECKOUT: &str = r#",
    "holds": {"ttl_seconds": 900},
    "offline": {"max_points_per_order": "50", "max_points_per_terminal": "500"},
    "rewards": [{"name": "Mug", "points": "150", "stock": 25}, {"name": "Pass", "points": "400", "levels": ["Lion"]}]"#;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), loyalty::Error> {
    let members = arg("--members", 1_000_000).max(1);
    let orders = arg("--orders", 2_000_000);
    let engagement = std::env::args().any(|a| a == "--engagement");
    let mut program = PLAIN.to_owned();
    if engagement {
        program = format!("{}{ENGAGEMENT}}}", &program[..program.len() - 1]);
    }
    if std::env::args().any(|a| a == "--checkout") {
        program = format!("{}{CHECKOUT}}}", &program[..program.len() - 1]);
    }

    let empty = LIVE.load(Ordering::Relaxed);
    let mut engine = population(&program, members)?;
    let enrolled = LIVE.load(Ordering::Relaxed);

    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let ops: Vec<Operation> = (0..orders)
        .map(|i| {
            let r = next();
            Operation::Order(Order::new(
                members + 1 + i,
                T0 + 1,
                r % members + 1,
                Decimal::new((r >> 32) as i64 % 100_000 + 100, 2),
            ))
        })
        .collect();
    let prepared = LIVE.load(Ordering::Relaxed);

    let replay = std::env::args().any(|a| a == "--replay");
    let mut journal = Vec::new();
    let started = Instant::now();
    for op in &ops {
        if replay {
            journal.push(engine.apply_journaled(op)?);
        } else {
            engine.apply_ref(op)?;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let after = LIVE.load(Ordering::Relaxed);
    drop(ops);
    if replay {
        time_replay(&engine, &program, members, &journal, seconds)?;
    }

    engine
        .verify()
        .map_err(|e| loyalty::Error::new(loyalty::ErrorKind::InvalidInput, e.to_string()))?;
    let per_order = if orders == 0 {
        0.0
    } else {
        (after - prepared) as f64 / orders as f64
    };
    let ours = Figures {
        orders_per_sec: orders as f64 / seconds,
        bytes_per_member: (enrolled - empty) as f64 / members as f64,
        bytes_per_order: per_order,
    };
    println!(
        "orders_per_sec={:.0} bytes_per_member={:.1} bytes_per_order={:.1} members={members} orders={orders}{}",
        ours.orders_per_sec,
        ours.bytes_per_member,
        ours.bytes_per_order,
        if engagement { " engagement=on" } else { "" }
    );
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = args
        .iter()
        .position(|a| a == "--compare-floor")
        .and_then(|i| args.get(i + 1))
    {
        compare_floor(path, members, orders, &ours);
    }
    Ok(())
}

/// What one run measured.
struct Figures {
    orders_per_sec: f64,
    bytes_per_member: f64,
    bytes_per_order: f64,
}

/// Runs the floor (`../shared/perf/floor`: the least work an order can cost) on the same
/// workload right after the engine, and prints its figures and the engine's ratios to them.
fn compare_floor(path: &str, members: u64, orders: u64, ours: &Figures) {
    let out = std::process::Command::new("cargo")
        .args(["run", "--release", "--quiet", "--manifest-path"])
        .arg(std::path::Path::new(path).join("Cargo.toml"))
        .args(["--target-dir", "target/floor", "--"])
        .args([members.to_string(), orders.to_string()])
        .output();
    let text = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            eprintln!("the floor failed: {}", String::from_utf8_lossy(&o.stderr));
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("cannot run the floor at {path}: {e}");
            std::process::exit(1);
        }
    };
    let field = |name: &str| -> f64 {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let floor = Figures {
        orders_per_sec: field("orders_per_sec"),
        bytes_per_member: field("bytes_per_member"),
        bytes_per_order: field("bytes_per_order"),
    };
    println!(
        "floor_orders_per_sec={:.0} floor_bytes_per_member={:.1} floor_bytes_per_order={:.1} \
         speed_ratio={:.3} member_bytes_ratio={:.2} order_bytes_ratio={:.2}",
        floor.orders_per_sec,
        floor.bytes_per_member,
        floor.bytes_per_order,
        ours.orders_per_sec / floor.orders_per_sec,
        ours.bytes_per_member / floor.bytes_per_member,
        ours.bytes_per_order / floor.bytes_per_order,
    );
}

/// An engine with `members` members, each referred by the one before.
fn population(program: &str, members: u64) -> Result<Engine, loyalty::Error> {
    let mut engine = Engine::new(Program::from_json(program)?)?;
    for m in 1..=members {
        let referrer = (m > 1).then(|| m - 1);
        engine.apply(&Operation::Enroll(
            Enroll::new(m, T0, m).with_referrer(referrer),
        ))?;
    }
    Ok(engine)
}

/// Encodes the journal, decodes it, and replays it onto an engine holding the same enrolments.
fn time_replay(
    engine: &Engine,
    program: &str,
    members: u64,
    journal: &[loyalty::JournalRecord],
    applied: f64,
) -> Result<(), loyalty::Error> {
    let bad =
        |e: serde_json::Error| loyalty::Error::new(loyalty::ErrorKind::InvalidInput, e.to_string());
    let started = Instant::now();
    let lines: Vec<String> = journal
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    let encode = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let records: Vec<loyalty::JournalRecord> = lines
        .iter()
        .map(|l| serde_json::from_str(l))
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    let decode = started.elapsed().as_secs_f64();
    let mut fresh = population(program, members)?;
    let started = Instant::now();
    fresh.replay_onto(&records)?;
    let replay = started.elapsed().as_secs_f64();
    assert_eq!(
        fresh.state_digest(),
        engine.state_digest(),
        "replay rebuilt another state"
    );

    // The binary journal: the operations alone, back to back; decoded and replayed.
    let mut bytes = Vec::new();
    for record in journal {
        record.op.to_binary(&mut bytes);
    }
    let mut fresh = population(program, members)?;
    let started = Instant::now();
    let n = fresh.replay_binary(&bytes)?;
    let binary = started.elapsed().as_secs_f64();
    assert_eq!(
        fresh.state_digest(),
        engine.state_digest(),
        "binary replay rebuilt another state"
    );
    println!(
        "records={} apply_and_journal_s={applied:.2} json_encode_s={encode:.2} json_decode_s={decode:.2} \
         json_replay_s={replay:.2} json_replay_records_per_sec={:.0} binary_bytes_per_record={:.1} \
         replay_records_per_sec={:.0}",
        records.len(),
        records.len() as f64 / (decode + replay),
        bytes.len() as f64 / n as f64,
        n as f64 / binary
    );
    Ok(())
}
