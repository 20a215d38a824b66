//! The offline terminal kit (SPEC 9.7 and `docs/offline.md`): a point-of-sale terminal keeps
//! selling while it cannot reach the centre, within an allowance the centre granted, and sends
//! its sales later, exactly once.
//!
//! - [`Cache`]: what the terminal keeps from its last time online (the program, members'
//!   balances), exported by the centre, versioned and checksummed.
//! - [`Terminal`]: the terminal's queue of offline operations (a crash-safe [`loyalty_store::Log`]
//!   in its directory), the allowance of each member, offline `enroll`, `order` and `refund`
//!   (of its own sales), each with a [`Receipt`] for a sale.
//! - [`Terminal::sync`]: the queue to the centre through any transport, resumable after a crash
//!   at any point (the centre's idempotency makes a resend harmless); then
//!   [`Terminal::refresh`] with a new cache.
//! - Ids: [`op_id`] — the terminal's number in the high 16 bits, its sequence in the low 48.
//!
//! ```
//! use loyalty_core::{Decimal, Engine, Enroll, Order, Program};
//! use loyalty_terminal::{into_store, Cache, Terminal};
//!
//! let dir = std::env::temp_dir().join(format!("loyalty-terminal-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! let program = Program::from_json(r#"{"name": "Bakery", "tiers": {"levels": [
//!     {"name": "Regular", "threshold": "0", "accrual_rate": "0.05"}]},
//!     "offline": {"max_points_per_order": "20"}}"#)?;
//! let mut centre = loyalty_store::Store::open(&dir.join("centre"), &program, loyalty_store::SyncPolicy::EveryRecord)?;
//! centre.apply(&Enroll::new(1, 0, 7).into())?;
//! centre.apply(&Order::new(2, 0, 7, Decimal::from(1000)).into())?; // 50 points
//!
//! // Online: the terminal takes its cache. Offline: it sells, within the allowance.
//! let mut till = Terminal::create(&dir.join("till-1"), 1, "till-1", &Cache::export_all(centre.engine()))?;
//! assert_eq!(till.allowance(7), Decimal::from(20)); // the per-sale limit
//! let receipt = till.order(3_600, 7, Decimal::from(100), Decimal::from(20))?;
//! assert_eq!(receipt.points_earned_estimate, Decimal::new(400, 2)); // 80 cash at 5 %
//!
//! // Back online: the sale goes to the centre, once.
//! till.sync(7_200, into_store(&mut centre))?;
//! assert_eq!(centre.engine().member(7)?.available, Decimal::new(3400, 2)); // 50 − 20 + 4
//! till.refresh(&Cache::export_all(centre.engine()))?;
//! # let _ = std::fs::remove_dir_all(&dir);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod cache;
mod ids;
mod sync;
mod terminal;

use std::path::PathBuf;

pub use cache::{Cache, CachedMember, CACHE_VERSION};
pub use ids::{op_id, split, MAX_SEQ, SEQ_BITS};
pub use sync::{into_store, Answers, SyncReport};
pub use terminal::{Receipt, Terminal};

/// What can go wrong at a terminal. Nothing already queued is ever lost by one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalError {
    /// The rules refused the operation (nothing was queued): the same kinds as the engine's.
    #[error(transparent)]
    Engine(#[from] loyalty_core::Error),
    /// The queue file failed or is damaged (see [`loyalty_store::StoreError`]).
    #[error(transparent)]
    Store(#[from] loyalty_store::StoreError),
    /// The file system failed on `path`.
    #[error("i/o on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The cache is damaged, of a newer version, or another program's: nothing was changed.
    #[error("the terminal cache is not usable: {0}")]
    BadCache(String),
    /// The terminal number, name or directory does not fit (a clash with another terminal's
    /// queue, terminal 0).
    #[error("{0}")]
    BadTerminal(String),
    /// The transport failed or answered wrongly: nothing was marked sent; sync again.
    #[error("sync failed, nothing was marked sent (sync again): {0}")]
    Transport(String),
}
