//! # loyalty-postgres
//!
//! PostgreSQL as the shared, durable journal of a loyalty program, so that any number of
//! processes on any number of machines serve one program consistently, and a shop records a
//! loyalty operation in the same database transaction as its own order row.
//!
//! The journal table is the single source of truth. Each process keeps a [`Journal`]: an
//! in-memory replica of the engine that catches up on the rows after its last `seq` before
//! it answers or plans. [`Journal::append`] plans the operation on the replica without
//! keeping it; a rejected operation is not journaled and its error comes back as usual; an
//! accepted one is inserted at `seq + 1` in the caller's transaction (or in its own when the
//! caller gives a plain connection), with `ON CONFLICT DO NOTHING`: if another process took
//! that `seq` first, the replica catches up and plans again, and the caller's transaction is
//! never aborted by the race. docs/postgres.md has the protocol, the schema and the figures.
//!
//! ```no_run
//! use loyalty_core::{Enroll, Order, Program};
//! use loyalty_postgres::Journal;
//! use rust_decimal::Decimal;
//!
//! let mut client = postgres::Client::connect("host=127.0.0.1 user=postgres dbname=test", postgres::NoTls)?;
//! let program = Program::from_json(r#"{"tiers": {"levels": [
//!     {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03"}]}}"#)?;
//! let mut journal = Journal::open(&mut client, "falcon", &program)?;
//! journal.append(&mut client, &Enroll::new(1, 1_767_225_600, 7).into())?;
//! // The shop's own row and the loyalty operation commit together, or not at all.
//! let mut tx = client.transaction()?;
//! tx.execute("INSERT INTO shop_orders (id, amount) VALUES (2, 1000)", &[])?;
//! journal.append(&mut tx, &Order::new(2, 1_767_229_200, 7, Decimal::from(1000)).into())?;
//! tx.commit()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod journal;
mod schema;

pub use error::Error;
pub use journal::Journal;
pub use schema::{install, SCHEMA};
