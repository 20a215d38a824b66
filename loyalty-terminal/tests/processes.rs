//! Terminals as processes (issue 24): eight terminal processes sell offline and sync with one
//! centre; this process is the centre and the network between them. It delivers batches twice
//! and late, loses answers, and kills terminals with SIGKILL mid-sale and mid-sync. At the end:
//! every sale a terminal acknowledged to its cashier is applied at the centre exactly once, the
//! centre's state is the replay of its journal, what each terminal overdrew in an offline period
//! is within the program's limit, and each cache a terminal saved after a sync was the centre's
//! view of its members.
//!
//! A custom harness (`harness = false`): run as `processes worker DIR NUMBER` it is a Rust
//! terminal; else it runs the variants named in `LOYALTY_TERMINAL_SIM` (default `rust,postgres`):
//! - `rust`: Rust terminals (this binary), a file-store centre;
//! - `c`: C terminals (`LOYALTY_TERMINAL_C_WORKER`, built from
//!   `loyalty-ffi/tests/c/terminal_worker.c` by `scripts/test-c.sh`), a file-store centre;
//! - `postgres`: Rust terminals, a PostgreSQL journal as the centre (skipped without a server
//!   unless `LOYALTY_REQUIRE_PG` is set).
//!
//! Terminal and centre speak lines over the terminal's stdin/stdout; amounts are whole units:
//! `order AT MEMBER AMOUNT POINTS` (points capped by the allowance) → `ok ID` or `no WHY`;
//! `enroll AT MEMBER` and `refund AT ORDER AMOUNT` → the same; `sync NOW` → `batch JSON`, to
//! which the centre says `answers JSON` (Rust), `answered N` (C) or `lost`, then `synced
//! PENDING` or `failed WHY`; `refresh CACHE` → `ok`; `quit`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../loyalty-postgres/tests/common/mod.rs"]
mod pg;

use pg::Rng;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use loyalty_core::{
    Decimal, Engine, Enroll, Error, ErrorKind, JournalRecord, OpId, Operation, Order, Outcome,
    Program,
};
use loyalty_store::{Store, SyncPolicy};
use loyalty_terminal::{split, Answers, Cache, Terminal, TerminalError};
use serde_json::{json, Value};

const T0: i64 = 1_767_225_600;
const TERMINALS: u16 = 8;
/// Members the centre enrols before the terminals start: few, so that terminals spend the same
/// members' points while offline and overdrafts happen.
const MEMBERS: u64 = 40;
/// The program's limit of points a terminal may redeem in one offline period.
const PER_TERMINAL: i64 = 300;

fn program() -> Program {
    Program::from_json(&format!(
        r#"{{"name": "Night market", "tiers": {{"levels": [
            {{"name": "Stall", "threshold": "0", "accrual_rate": "0.02"}},
            {{"name": "Regular", "threshold": "3000", "accrual_rate": "0.03"}}]}},
            "offline": {{"max_points_per_order": "60", "max_points_per_terminal": "{PER_TERMINAL}"}}}}"#
    ))
    .unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("worker") {
        worker(Path::new(&args[2]), args[3].parse().unwrap());
        return;
    }
    let ops: u64 = std::env::var("LOYALTY_TERMINAL_SIM_OPS").map_or(20_000, |v| {
        v.parse().expect("LOYALTY_TERMINAL_SIM_OPS: a number")
    });
    let variants =
        std::env::var("LOYALTY_TERMINAL_SIM").unwrap_or_else(|_| "rust,postgres".to_owned());
    let mut passed = 0;
    for variant in variants.split(',') {
        let started = std::time::Instant::now();
        let dir = scratch(variant);
        let stats = match variant {
            "rust" => Sim::new(FileCentre::open(&dir), Flavour::Rust, &dir).run(ops),
            "c" => {
                let exe = std::env::var("LOYALTY_TERMINAL_C_WORKER")
                    .expect("the c variant needs LOYALTY_TERMINAL_C_WORKER (scripts/test-c.sh)");
                Sim::new(FileCentre::open(&dir), Flavour::C(exe.into()), &dir).run(ops)
            }
            "postgres" => {
                let Some(server) = pg::server() else { continue };
                let centre = PgCentre::open(&server.dsn);
                Sim::new(centre, Flavour::Rust, &dir).run(ops)
            }
            other => panic!("LOYALTY_TERMINAL_SIM: unknown variant {other:?}"),
        };
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "terminal processes, {variant}: ok in {:.1} s: {stats:?}",
            started.elapsed().as_secs_f64()
        );
        passed += 1;
    }
    // As cargo's own harness says it, for scripts/summarize-log.py.
    println!("test result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loyalty-processes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------
// The terminal side (Rust): the terminal kit driven by the centre's lines.

fn worker(dir: &Path, number: u16) {
    let mut till = Terminal::open(dir, number).unwrap();
    let mut out = std::io::stdout().lock();
    let mut input = std::io::stdin().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    let mut line = String::new();
    while {
        line.clear();
        input.read_line(&mut line).unwrap() > 0
    } {
        let words: Vec<&str> = line.split_whitespace().collect();
        let n = |i: usize| -> i64 { words[i].parse().unwrap() };
        let reply = match words[0] {
            "order" => {
                let member = n(2) as u64;
                let points = Decimal::from(n(4)).min(till.allowance(member));
                answer(
                    till.order(n(1), member, Decimal::from(n(3)), points)
                        .map(|r| r.id),
                )
            }
            "enroll" => answer(till.enroll(n(1), n(2) as u64, None)),
            "refund" => answer(till.refund(n(1), n(2) as u64, Decimal::from(n(3)))),
            "sync" => {
                let report = till.sync(n(1), |batch: &[Operation]| {
                    writeln!(out, "batch {}", serde_json::to_string(batch).unwrap()).unwrap();
                    out.flush().unwrap();
                    let mut reply = String::new();
                    input.read_line(&mut reply).unwrap();
                    match reply.trim_end().split_once(' ') {
                        Some(("answers", answers)) => Ok(answers_from(answers)),
                        _ => Err("lost"),
                    }
                });
                match report {
                    Ok(_) => format!("synced {}", till.pending().count()),
                    Err(e) => format!("failed {e}"),
                }
            }
            "refresh" => {
                let cache = Cache::from_json(line["refresh ".len()..].trim_end()).unwrap();
                till.refresh(&cache).unwrap();
                "ok".to_owned()
            }
            _ => return,
        };
        writeln!(out, "{reply}").unwrap();
        out.flush().unwrap();
    }
}

fn answer(result: Result<OpId, TerminalError>) -> String {
    match result {
        Ok(id) => format!("ok {id}"),
        Err(e) => format!("no {e}"),
    }
}

/// The centre's answers as they travel: `{"ok": outcome}` or `{"error": [kind, message]}`.
fn answers_to(answers: &[Result<Outcome, Error>]) -> String {
    let wire: Vec<Value> = answers
        .iter()
        .map(|a| match a {
            Ok(outcome) => json!({ "ok": outcome }),
            Err(e) => json!({ "error": [e.kind().name(), e.message()] }),
        })
        .collect();
    serde_json::to_string(&wire).unwrap()
}

fn answers_from(text: &str) -> Answers {
    let wire: Vec<Value> = serde_json::from_str(text).unwrap();
    wire.into_iter()
        .map(|a| {
            if let Some(outcome) = a.get("ok") {
                return Ok(serde_json::from_value(outcome.clone()).unwrap());
            }
            let kind = ErrorKind::from_name(a["error"][0].as_str().unwrap()).unwrap();
            Err(Error::new(kind, a["error"][1].as_str().unwrap()))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The centre: a file store or a PostgreSQL journal.

trait Centre {
    /// Applies `op`: its outcome, or the rules' refusal (an I/O failure fails the test).
    fn apply(&mut self, op: &Operation) -> Result<Outcome, Error>;
    /// A terminal's batch through the transport the kit documents for this centre.
    fn deliver(&mut self, batch: &[Operation]) -> Answers;
    fn engine(&self) -> &Engine;
    fn journal(&mut self) -> Vec<JournalRecord>;
}

struct FileCentre(Store);

impl FileCentre {
    fn open(dir: &Path) -> FileCentre {
        let store = Store::open(&dir.join("centre"), &program(), SyncPolicy::EveryRecord);
        FileCentre(store.unwrap())
    }
}

impl Centre for FileCentre {
    fn apply(&mut self, op: &Operation) -> Result<Outcome, Error> {
        match self.0.apply(op) {
            Err(loyalty_store::StoreError::Engine(e)) => Err(e),
            other => Ok(other.unwrap()),
        }
    }
    fn deliver(&mut self, batch: &[Operation]) -> Answers {
        loyalty_terminal::into_store(&mut self.0)(batch).unwrap()
    }
    fn engine(&self) -> &Engine {
        self.0.engine()
    }
    fn journal(&mut self) -> Vec<JournalRecord> {
        self.0.read_journal().unwrap()
    }
}

struct PgCentre {
    client: postgres::Client,
    journal: loyalty_postgres::Journal,
    name: String,
}

impl PgCentre {
    fn open(dsn: &str) -> PgCentre {
        let mut client = pg::connect(dsn);
        let name = pg::fresh_name("terminals");
        let journal = loyalty_postgres::Journal::open(&mut client, &name, &program()).unwrap();
        PgCentre {
            client,
            journal,
            name,
        }
    }
}

impl Centre for PgCentre {
    fn apply(&mut self, op: &Operation) -> Result<Outcome, Error> {
        match self.journal.append(&mut self.client, op) {
            Ok(outcome) => Ok(outcome),
            Err(e) => Err(e.rejection().cloned().unwrap_or_else(|| panic!("{e}"))),
        }
    }
    /// The whole batch in one transaction: `Journal::append_batch` is the transport.
    fn deliver(&mut self, batch: &[Operation]) -> Answers {
        self.journal
            .append_batch(&mut self.client, batch, None)
            .unwrap()
    }
    fn engine(&self) -> &Engine {
        self.journal.engine()
    }
    fn journal(&mut self) -> Vec<JournalRecord> {
        let sql = "SELECT record::text FROM loyalty_journal WHERE program = $1 ORDER BY seq";
        let rows = self.client.query(sql, &[&self.name]).unwrap();
        let record = |r: &postgres::Row| serde_json::from_str(r.get::<_, &str>(0)).unwrap();
        rows.iter().map(record).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The simulation.

enum Flavour {
    Rust,
    C(PathBuf),
}

/// What happened, counted (each is asserted to have happened).
#[derive(Debug, Default)]
struct Stats {
    operations: u64,
    acknowledged: u64,
    online_orders: u64,
    syncs_behind_the_centre: u64,
    kills_mid_sale: u64,
    kills_mid_sync: u64,
    answers_lost: u64,
    batches_delivered_again: u64,
    batches_delivered_late: u64,
    caches_checked: u64,
    periods: u64,
    overdrawn_points: Decimal,
    /// The most one terminal overdrew in one offline period (the limit: `PER_TERMINAL`).
    largest_period_overdraft: Decimal,
}

/// A terminal process and its lines.
struct Process {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Process {
    fn say(&mut self, line: &str) {
        writeln!(self.input, "{line}").unwrap();
        self.input.flush().unwrap();
    }
    fn hear(&mut self) -> String {
        let mut line = String::new();
        let n = self.output.read_line(&mut line).unwrap();
        assert!(n > 0, "a terminal process ended by itself");
        line.trim_end().to_owned()
    }
    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

/// What the centre knows of one terminal.
struct Till {
    number: u16,
    dir: PathBuf,
    process: Option<Process>,
    /// Sales acknowledged to the cashier, with their amount, and whether refunded since.
    sales: Vec<(OpId, i64, bool)>,
    /// Members it enrolled (acknowledged), whom it may then sell to.
    enrolled: Vec<u64>,
    /// The sequence numbers its offline periods end at (each cache refresh after a whole sync).
    period_ends: Vec<u64>,
}

struct Sim<C: Centre> {
    centre: C,
    flavour: Flavour,
    rng: Rng,
    now: i64,
    tills: Vec<Till>,
    /// Batches kept to deliver again (`true`) or late, after newer ones (`false`: held up).
    stash: Vec<(Vec<Operation>, bool)>,
    /// Every operation acknowledged to a cashier.
    acknowledged: Vec<OpId>,
    stats: Stats,
}

impl<C: Centre> Sim<C> {
    fn new(mut centre: C, flavour: Flavour, dir: &Path) -> Sim<C> {
        // Each member: 1 000 spent online, 50 points.
        for m in 1..=MEMBERS {
            centre.apply(&Enroll::new(m * 2, T0, m).into()).unwrap();
            let order = Order::new(m * 2 + 1, T0, m, Decimal::from(1000));
            centre.apply(&order.into()).unwrap();
        }
        let cache = Cache::export_all(centre.engine());
        let tills = (1..=TERMINALS)
            .map(|number| {
                let dir = dir.join(format!("till-{number}"));
                Terminal::create(&dir, number, &format!("till-{number}"), &cache).unwrap();
                Till {
                    number,
                    dir,
                    process: None,
                    sales: Vec::new(),
                    enrolled: Vec::new(),
                    period_ends: Vec::new(),
                }
            })
            .collect();
        Sim {
            centre,
            flavour,
            rng: Rng(0x2545_f491_4f6c_dd1d),
            now: T0 + 3_600,
            tills,
            stash: Vec::new(),
            acknowledged: Vec::new(),
            stats: Stats::default(),
        }
    }

    fn run(mut self, operations: u64) -> Stats {
        while self.stats.operations < operations {
            self.now += 1 + self.rng.below(30) as i64;
            let t = self.rng.below(u64::from(TERMINALS)) as usize;
            // A terminal is offline most of the time: a sync now and then.
            if self.rng.chance(4) {
                self.sync(t);
            } else {
                self.sell(t);
            }
            if !self.stash.is_empty() && self.rng.chance(1) {
                self.deliver_stashed();
            }
            if self.rng.chance(3) {
                self.online_order();
            }
        }
        self.finish();
        self.check();
        self.stats
    }

    /// The web shop sells at the centre, its clock up to two minutes ahead of the terminals':
    /// a terminal that syncs just after is `TimeWentBackwards` there, and sends again later.
    /// Its customers spend the points the terminals cached too (overdrafts).
    fn online_order(&mut self) {
        let at = self.now + self.rng.below(120) as i64;
        let member = 1 + self.rng.below(MEMBERS);
        let amount = Decimal::from(50 + self.rng.below(200));
        let points = Decimal::from(self.rng.below(100));
        let id = 1 << 62 | self.stats.operations;
        let order = Order::new(id, at, member, amount).with_points(points);
        if self.centre.apply(&order.into()).is_ok() {
            self.stats.online_orders += 1;
        }
    }

    /// The terminal's process, started if it is not running (after a kill: a restart).
    fn process(&mut self, t: usize) -> &mut Process {
        let till = &mut self.tills[t];
        if till.process.is_none() {
            let mut command = match &self.flavour {
                Flavour::Rust => {
                    let mut c = Command::new(std::env::current_exe().unwrap());
                    c.arg("worker");
                    c
                }
                Flavour::C(exe) => Command::new(exe),
            };
            let mut child = command
                .arg(&till.dir)
                .arg(till.number.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut process = Process {
                input: child.stdin.take().unwrap(),
                output: BufReader::new(child.stdout.take().unwrap()),
                child,
            };
            assert_eq!(process.hear(), "ready");
            till.process = Some(process);
        }
        till.process.as_mut().unwrap()
    }

    fn kill(&mut self, t: usize) {
        // Somewhere in the middle of what the terminal was doing: its fsync takes about this.
        std::thread::sleep(Duration::from_micros(self.rng.below(600)));
        if let Some(p) = self.tills[t].process.take() {
            p.kill();
        }
    }

    /// One sale, enrolment or refund at terminal `t`; killed mid-way now and then.
    fn sell(&mut self, t: usize) {
        let now = self.now;
        let till = &self.tills[t];
        let roll = self.rng.below(100);
        let (line, sale) = if roll < 4 {
            // An offline enrolment: ids no other terminal uses.
            let member = 1_000_000 * u64::from(till.number) + self.stats.operations;
            (format!("enroll {now} {member}"), None)
        } else if roll < 8 && till.sales.iter().any(|s| !s.2) {
            let open: Vec<usize> = (0..till.sales.len())
                .filter(|&i| !till.sales[i].2)
                .collect();
            let i = open[self.rng.below(open.len() as u64) as usize];
            let (order, amount, _) = till.sales[i];
            (format!("refund {now} {order} {amount}"), Some(i))
        } else {
            let own = till.enrolled.len() as u64;
            let pick = self.rng.below(MEMBERS + own);
            let member = if pick < MEMBERS {
                pick + 1
            } else {
                till.enrolled[(pick - MEMBERS) as usize]
            };
            let amount = 20 + self.rng.below(400);
            let points = self.rng.below(80).min(amount);
            (format!("order {now} {member} {amount} {points}"), None)
        };
        self.stats.operations += 1;
        self.process(t).say(&line);
        if self.rng.chance(1) {
            self.kill(t);
            self.stats.kills_mid_sale += 1;
            return;
        }
        let reply = self.process(t).hear();
        let Some(id) = reply
            .strip_prefix("ok ")
            .map(|id| id.parse::<OpId>().unwrap())
        else {
            // The terminal refused (the allowance, or its own rules): nothing was queued.
            assert!(reply.starts_with("no "), "{reply}");
            return;
        };
        self.acknowledged.push(id);
        let till = &mut self.tills[t];
        let words: Vec<&str> = line.split(' ').collect();
        match (words[0], sale) {
            ("order", _) => till.sales.push((id, words[3].parse().unwrap(), false)),
            ("enroll", _) => till.enrolled.push(words[2].parse().unwrap()),
            (_, Some(i)) => till.sales[i].2 = true,
            _ => unreachable!(),
        }
    }

    /// Terminal `t` comes online and syncs; the network and the terminal fail in every way
    /// issue 24 lists. After a whole sync the terminal takes a fresh cache.
    fn sync(&mut self, t: usize) {
        let now = self.now;
        self.process(t).say(&format!("sync {now}"));
        let reply = self.process(t).hear();
        let Some(batch) = reply.strip_prefix("batch ") else {
            assert_eq!(reply, "synced 0");
            return self.refresh(t, None);
        };
        let batch: Vec<Operation> = serde_json::from_str(batch).unwrap();
        let fate = self.rng.below(100);
        if fate < 10 {
            // Held up in the network: it arrives later, after newer batches.
            self.stash.push((batch, false));
            self.process(t).say("lost");
            self.stats.answers_lost += 1;
            return assert!(self.process(t).hear().starts_with("failed "));
        }
        let answers = self.centre.deliver(&batch);
        if self.rng.chance(30) {
            self.stash.push((batch.clone(), true));
        }
        if fate < 20 {
            self.process(t).say("lost");
            self.stats.answers_lost += 1;
            return assert!(self.process(t).hear().starts_with("failed "));
        }
        if fate < 30 {
            // Killed before the answers arrived: they are lost with it.
            self.kill(t);
            self.stats.kills_mid_sync += 1;
            return;
        }
        let line = match self.flavour {
            Flavour::Rust => format!("answers {}", answers_to(&answers)),
            Flavour::C(_) => format!("answered {}", answered(&answers)),
        };
        self.process(t).say(&line);
        if fate < 40 {
            // Killed while it marks them sent.
            self.kill(t);
            self.stats.kills_mid_sync += 1;
            return;
        }
        let reply = self.process(t).hear();
        if reply == "synced 0" {
            let last = batch.last().and_then(Operation::id).unwrap();
            self.refresh(t, Some(split(last).1));
        } else if answered(&answers) < batch.len() {
            self.stats.syncs_behind_the_centre += 1;
        }
    }

    fn deliver_stashed(&mut self) {
        let i = self.rng.below(self.stash.len() as u64) as usize;
        let (batch, again) = self.stash.swap_remove(i);
        for answer in self.centre.deliver(&batch) {
            // Every operation of an old batch was applied already (its first outcome comes
            // back) or is now refused as too old for the centre's clock: never applied twice.
            if let Err(e) = answer {
                assert_eq!(e.kind(), ErrorKind::TimeWentBackwards, "{e}");
            }
        }
        if again {
            self.stats.batches_delivered_again += 1;
        } else {
            self.stats.batches_delivered_late += 1;
        }
    }

    /// A whole sync ends an offline period: the terminal takes the centre's cache (killed
    /// mid-way now and then); the cache it saved must be the centre's view of its members.
    fn refresh(&mut self, t: usize, through: Option<u64>) {
        let cache = Cache::export_all(self.centre.engine());
        self.process(t).say(&format!("refresh {}", cache.to_json()));
        // A refresh that may have happened (the terminal may be killed before it did) ends the
        // period in the count: a period counted in two parts only weakens the limit check on
        // it, while a refresh left out would join two periods and fail it wrongly.
        if let Some(through) = through {
            self.tills[t].period_ends.push(through);
        }
        if self.rng.chance(5) {
            self.kill(t);
            self.stats.kills_mid_sync += 1;
            return;
        }
        assert_eq!(self.process(t).hear(), "ok");
        let saved = std::fs::read_to_string(self.tills[t].dir.join("cache.json")).unwrap();
        let saved = Cache::from_json(&saved).unwrap();
        let members = saved.members.keys().copied();
        assert_eq!(saved, Cache::export(self.centre.engine(), members));
        self.stats.caches_checked += 1;
    }

    /// Every terminal syncs whole (no more failures), stops, and every late batch arrives.
    fn finish(&mut self) {
        for t in 0..self.tills.len() {
            self.now = self.now.max(self.centre.engine().clock()) + 1;
            let now = self.now;
            loop {
                self.process(t).say(&format!("sync {now}"));
                let reply = self.process(t).hear();
                let Some(batch) = reply.strip_prefix("batch ") else {
                    assert_eq!(reply, "synced 0");
                    break;
                };
                let batch: Vec<Operation> = serde_json::from_str(batch).unwrap();
                let answers = self.centre.deliver(&batch);
                let line = match self.flavour {
                    Flavour::Rust => format!("answers {}", answers_to(&answers)),
                    Flavour::C(_) => format!("answered {}", answered(&answers)),
                };
                self.process(t).say(&line);
                assert_eq!(self.process(t).hear(), "synced 0");
            }
            let mut process = self.tills[t].process.take().unwrap();
            process.say("quit");
            assert!(process.child.wait().unwrap().success());
        }
        while !self.stash.is_empty() {
            self.deliver_stashed();
        }
    }

    fn check(&mut self) {
        let journal = self.centre.journal();
        let mut applied: HashMap<OpId, u32> = HashMap::new();
        for record in &journal {
            *applied.entry(record.op.id().unwrap()).or_default() += 1;
        }
        // Exactly once: every acknowledged operation is in the journal, and no id twice.
        for id in &self.acknowledged {
            assert_eq!(applied.get(id), Some(&1), "acknowledged operation {id}");
        }
        assert!(
            applied.values().all(|&n| n == 1),
            "an operation applied twice"
        );
        let replayed = Engine::replay(program(), &journal).unwrap();
        assert_eq!(
            replayed.state_digest(),
            self.centre.engine().state_digest(),
            "the centre is not the replay of its journal"
        );
        self.check_overdrafts(&journal);
        let s = &mut self.stats;
        s.acknowledged = self.acknowledged.len() as u64;
        assert!(s.acknowledged * 10 > s.operations * 8, "{s:?}");
        assert!(s.kills_mid_sale + s.kills_mid_sync >= 50, "{s:?}");
        assert!(s.kills_mid_sale >= 20 && s.kills_mid_sync >= 20, "{s:?}");
        assert!(s.answers_lost > 0 && s.batches_delivered_again > 0, "{s:?}");
        assert!(
            s.batches_delivered_late > 0 && s.caches_checked > 0,
            "{s:?}"
        );
        assert!(s.overdrawn_points > Decimal::ZERO, "no overdraft: {s:?}");
        assert!(
            s.online_orders > 0 && s.syncs_behind_the_centre > 0,
            "{s:?}"
        );
    }

    /// What each terminal overdrew in each offline period is within the program's limit, and
    /// the overdrafts add up to the centre's total. Each operation's overdraft is what it
    /// added to the total, replaying the journal one record at a time.
    fn check_overdrafts(&mut self, journal: &[JournalRecord]) {
        let mut engine = Engine::new(program()).unwrap();
        let mut per_period: BTreeMap<(u16, usize), Decimal> = BTreeMap::new();
        for record in journal {
            let before = engine.totals().overdraft;
            engine.apply(&record.op).unwrap();
            let overdraft = engine.totals().overdraft - before;
            let (terminal, seq) = split(record.op.id().unwrap());
            let Some(till) = self.tills.iter().find(|t| t.number == terminal) else {
                continue; // the centre's own set-up
            };
            let period = till.period_ends.iter().filter(|&&end| end < seq).count();
            *per_period.entry((terminal, period)).or_default() += overdraft;
        }
        for ((terminal, period), overdraft) in &per_period {
            assert!(
                *overdraft <= Decimal::from(PER_TERMINAL),
                "terminal {terminal} overdrew {overdraft} in period {period}"
            );
        }
        self.stats.periods = per_period.len() as u64;
        self.stats.overdrawn_points = per_period.values().sum();
        self.stats.largest_period_overdraft =
            per_period.values().max().copied().unwrap_or_default();
        assert_eq!(
            self.stats.overdrawn_points,
            self.centre.engine().totals().overdraft
        );
    }
}

/// How many answers a terminal may mark sent: all, up to the first `TimeWentBackwards`.
fn answered(answers: &[Result<Outcome, Error>]) -> usize {
    answers
        .iter()
        .position(|a| matches!(a, Err(e) if e.kind() == ErrorKind::TimeWentBackwards))
        .unwrap_or(answers.len())
}
