//! The schema, shipped as SQL and created on first use.

use postgres::GenericClient;

use crate::Error;

/// The schema: programs, the journal, snapshots. Idempotent. The core's
/// (`loyalty-core/sql/journal.sql`), which the Python package creates too.
pub const SCHEMA: &str = loyalty_core::JOURNAL_SCHEMA;

/// An arbitrary advisory-lock key of this crate: concurrent first uses take turns creating
/// the schema (two `CREATE TABLE IF NOT EXISTS` racing can both try to create the type).
/// What [`SCHEMA`] creates.
const RELATIONS: [&str; 4] = [
    "loyalty_programs",
    "loyalty_journal",
    "loyalty_journal_op_id",
    "loyalty_snapshots",
];

const SCHEMA_LOCK: i64 = 0x6c6f_7961_6c74_7901;

/// Creates the schema if it is missing (idempotent, safe to run from many processes at once).
pub fn install(client: &mut impl GenericClient) -> Result<(), Error> {
    // Present already (the usual case): no DDL at all, since even `CREATE INDEX IF NOT
    // EXISTS` waits for the lock of a table another transaction is writing to.
    let present: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = ANY($1) AND pg_table_is_visible(oid)",
            &[&&RELATIONS[..]],
        )?
        .get(0);
    if present == RELATIONS.len() as i64 {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
    tx.batch_execute(SCHEMA)?;
    tx.commit()?;
    Ok(())
}
