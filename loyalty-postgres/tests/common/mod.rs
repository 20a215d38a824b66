//! The server the tests run against: `LOYALTY_TEST_PG` (a DSN), else a throwaway cluster
//! started with PostgreSQL's own `initdb`/`pg_ctl` (`scripts/pg-throwaway.sh`), else none (the
//! tests say so and pass as skipped).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use loyalty_core::Program;

/// Monday 2026-01-05 00:00 UTC.
pub const T0: i64 = 1_767_571_200;

/// A server for the tests; a throwaway cluster is stopped when this is dropped.
pub struct Server {
    pub dsn: String,
    throwaway: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(dir) = &self.throwaway {
            let _ = Command::new("bash")
                .arg(script())
                .arg("stop")
                .arg(dir)
                .status();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-throwaway.sh")
}

/// The server, or `None` (with the reason printed) when there is none to be had.
pub fn server() -> Option<Server> {
    if let Ok(dsn) = std::env::var("LOYALTY_TEST_PG") {
        return Some(Server {
            dsn,
            throwaway: None,
        });
    }
    let dir = std::env::temp_dir().join(format!("loyalty-pg-{}", std::process::id()));
    let out = Command::new("bash")
        .arg(script())
        .arg("start")
        .arg(&dir)
        .output()
        .unwrap();
    if !out.status.success() {
        let why = format!(
            "no PostgreSQL (set LOYALTY_TEST_PG): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        // scripts/test.sh sets LOYALTY_REQUIRE_PG: there, a test without a server fails.
        assert!(
            std::env::var_os("LOYALTY_REQUIRE_PG").is_none(),
            "{why}; LOYALTY_REQUIRE_PG is set, so PostgreSQL tests must not skip"
        );
        eprintln!("SKIPPED: {why}");
        return None;
    }
    Some(Server {
        dsn: String::from_utf8(out.stdout).unwrap().trim().to_owned(),
        throwaway: Some(dir),
    })
}

pub fn connect(dsn: &str) -> postgres::Client {
    postgres::Client::connect(dsn, postgres::NoTls).unwrap()
}

/// A program name no other test (or earlier run) uses.
pub fn fresh_name(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{what}-{}-{nanos}", std::process::id())
}

pub fn program() -> Program {
    Program::from_json(
        r#"{"name": "Falcon Club", "money_scale": 2, "points_scale": 2, "tiers": {"levels": [
        {"name": "Bunny", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.02", "0.01"]},
        {"name": "Wolf", "threshold": "500", "accrual_rate": "0.07", "referral_rates": ["0.03", "0.01"]}]},
        "redemption": {"max_share": "0.5", "min_points": "0"}}"#,
    )
    .unwrap()
}

/// A small deterministic generator (xorshift64*), for the tests that play many processes.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}
