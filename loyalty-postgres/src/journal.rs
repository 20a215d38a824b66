//! [`Journal`]: a process's replica of one program, kept in step with the journal table.

use loyalty_core::{
    Engine, JournalRecord, JournalRow, Operation, Outcome, Program, Provisional, Replica,
};
use postgres::GenericClient;

use crate::schema::install;
use crate::Error;

/// The rows after a `seq`, with the caller's transaction id (`NULL` before it writes) and,
/// per row, whether the caller's own open transaction wrote it (not committed yet).
const CATCH_UP: &str = "
SELECT x.xid, j.seq, CASE WHEN j.seq > $3 THEN j.record::text END,
       (j.xmin = pg_current_xact_id_if_assigned()::xid) IS TRUE, j.digest, j.at
FROM (SELECT pg_current_xact_id_if_assigned()::text AS xid) x
LEFT JOIN LATERAL (
    SELECT seq, record, xmin, digest, at FROM loyalty_journal
    WHERE program = $1 AND seq > $2 ORDER BY seq
) j ON true";

/// The rest of a batch, once its first row holds the next `seq` (nobody else can then take
/// the ones after it).
const APPEND_REST: &str = "
INSERT INTO loyalty_journal (program, seq, op_id, op_kind, digest, at, record)
SELECT $1, s, o::numeric, k, d, a, r::json
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])
    AS t(s, o, k, d, a, r)";

/// Takes `seq` unless another transaction holds or took it: then no row comes back, and the
/// caller's transaction is not aborted.
const APPEND: &str = "
INSERT INTO loyalty_journal (program, seq, op_id, op_kind, digest, at, record)
VALUES ($1, $2, $3::text::numeric, $4, $5, $6, $7::text::json)
ON CONFLICT DO NOTHING
RETURNING pg_current_xact_id()::text";

/// An operation staged on the replica. Short-lived (returned and taken apart at once), so
/// its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Staged {
    /// A retry of an accepted id, with its original outcome.
    Retry(Outcome),
    /// A new operation: its record, and what takes it back.
    New(JournalRecord, Provisional),
}

/// What inserting a batch did.
enum Inserted {
    /// Every row, in the transaction with this id (`None`: nothing to insert, every
    /// operation rejected or retried).
    Done(Option<String>),
    /// Another process holds the first `seq`.
    Taken,
}

/// One process's replica of a program whose journal is a PostgreSQL table.
///
/// Use it from one thread at a time, with one transaction open at a time (a pool of
/// connections is fine: each call names the connection or transaction it runs in). The
/// transaction must be `READ COMMITTED` (PostgreSQL's default): each catch-up must see rows
/// other processes committed since the transaction began.
#[derive(Debug)]
pub struct Journal {
    program: String,
    engine: Engine,
    /// The protocol's state (the core's: `loyalty.postgres` keeps the same).
    replica: Replica,
    conflicts: u64,
}

impl Journal {
    /// Opens program `name`: creates the schema if missing, registers the program with
    /// `program` as its starting definition on first use (a program already registered with
    /// another definition is an error), then loads the latest snapshot and the rows after it.
    pub fn open(
        client: &mut impl GenericClient,
        name: &str,
        program: &Program,
    ) -> Result<Journal, Error> {
        install(client)?;
        client.execute(
            "INSERT INTO loyalty_programs (program, definition) VALUES ($1, $2::text::jsonb)
             ON CONFLICT DO NOTHING",
            &[&name, &program.to_json()],
        )?;
        let stored: String = client
            .query_one(
                "SELECT definition::text FROM loyalty_programs WHERE program = $1",
                &[&name],
            )?
            .get(0);
        if Program::from_json(&stored)? != *program {
            return Err(Error::Journal(format!(
                "program {name:?} is registered with another starting definition: {stored}"
            )));
        }
        let (engine, seq) = match latest_snapshot(client, name)? {
            Some(found) => found,
            None => (Engine::new(program.clone())?, 0),
        };
        let mut journal = Journal {
            program: name.to_owned(),
            engine,
            replica: Replica::new(name, seq),
            conflicts: 0,
        };
        journal.catch_up(client)?;
        Ok(journal)
    }

    /// The program's name.
    pub fn name(&self) -> &str {
        &self.program
    }

    /// The last committed row this replica has applied.
    pub fn seq(&self) -> i64 {
        self.replica.seq()
    }

    /// How many appends found their `seq` taken by another process and planned again.
    pub fn conflicts(&self) -> u64 {
        self.conflicts
    }

    /// The replica as of its last catch-up, this process's open transaction included. Call
    /// [`Journal::read`] to catch up first.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Catches up, then gives the replica to read (read-your-writes within an open
    /// transaction).
    pub fn read(&mut self, client: &mut impl GenericClient) -> Result<&Engine, Error> {
        self.catch_up(client)?;
        Ok(&self.engine)
    }

    /// Applies the rows committed since the last catch-up (and learns whether this process's
    /// own transaction ended: committed, its rows are here; rolled back, they are gone and
    /// their provisional effects are reverted). Returns how many rows it applied.
    pub fn catch_up(&mut self, client: &mut impl GenericClient) -> Result<usize, Error> {
        loop {
            // Our own rows come back as identities only: a long transaction re-reads no records.
            let (seq, ours_end) = (self.replica.seq(), self.replica.ours_end());
            let rows = client.query(CATCH_UP, &[&self.program, &seq, &ours_end])?;
            let xid: Option<String> = rows.first().and_then(|r| r.get(0));
            let mut found = Vec::with_capacity(rows.len());
            for row in &rows {
                if let Some(seq) = row.get::<_, Option<i64>>(1) {
                    let text: Option<String> = row.get(2);
                    found.push((
                        seq,
                        row.get::<_, i64>(4),
                        row.get::<_, i64>(5),
                        text,
                        row.get(3),
                    ));
                }
            }
            let rows: Vec<JournalRow<'_>> = found
                .iter()
                .map(|(seq, digest, at, text, mine)| JournalRow {
                    seq: *seq,
                    digest: *digest,
                    at: *at,
                    record: text.as_deref(),
                    mine: *mine,
                })
                .collect();
            // `None`: our transaction rolled back and its rows were taken back: read again.
            if let Some(n) = self
                .replica
                .catch_up(&mut self.engine, xid.as_deref(), &rows)?
            {
                return Ok(n);
            }
        }
    }

    /// The outcome `op` would have now, or its error, without appending it.
    pub fn plan(
        &mut self,
        client: &mut impl GenericClient,
        op: &Operation,
    ) -> Result<Outcome, Error> {
        self.catch_up(client)?;
        Ok(self.engine.plan(op)?)
    }

    /// Appends `op`: catches up, plans it, and inserts it at the next `seq` in `client` (the
    /// caller's transaction, or a connection: then its own). A rejected operation is not
    /// journaled and its error comes back as [`Error::Rejected`]; a retry of an accepted id
    /// returns the original outcome and appends nothing. If another process took the `seq`,
    /// catches up and plans again.
    pub fn append(
        &mut self,
        client: &mut impl GenericClient,
        op: &Operation,
    ) -> Result<Outcome, Error> {
        self.append_stamped(client, op.clone(), None)
    }

    /// As [`Journal::append`], with `op` stamped "now": the later of the caller's clock `now`
    /// and the journal's clock, so that hosts whose clocks differ slightly never see
    /// `TimeWentBackwards`. (An explicit earlier `at` given to `append` still is one.)
    pub fn append_now(
        &mut self,
        client: &mut impl GenericClient,
        op: Operation,
        now: i64,
    ) -> Result<Outcome, Error> {
        self.append_stamped(client, op, Some(now))
    }

    fn append_stamped(
        &mut self,
        client: &mut impl GenericClient,
        mut op: Operation,
        now: Option<i64>,
    ) -> Result<Outcome, Error> {
        loop {
            self.catch_up(client)?;
            if let Some(now) = now {
                // Stamped after each catch-up: a conflict may have moved the clock on.
                op.set_at(now.max(self.engine.clock()));
            }
            let (record, provisional) = match self.stage(&op)? {
                Staged::Retry(outcome) => return Ok(outcome),
                Staged::New(record, provisional) => (record, provisional),
            };
            let seq = self.replica.next_seq();
            match self.insert(client, seq, &record) {
                Ok(Some(xid)) => {
                    self.replica
                        .appended(seq, &record.op, provisional, Some(xid));
                    return Ok(record.outcome);
                }
                Ok(None) => {
                    self.engine.revert(provisional);
                    self.conflicts += 1;
                }
                Err(e) => {
                    self.engine.revert(provisional);
                    return Err(e);
                }
            }
        }
    }

    /// Appends `ops` in order, as one batch in `client` (the caller's transaction, or its
    /// own): each is planned on top of the ones before it; a rejected one is not journaled and
    /// its error comes back in its place; a retry returns its original outcome. The accepted
    /// ones take consecutive `seq`s: the first alone (if another process took it, the batch
    /// is planned again), the rest in one statement. With `now`, each is stamped as by
    /// [`Journal::append_now`].
    pub fn append_batch(
        &mut self,
        client: &mut impl GenericClient,
        ops: &[Operation],
        now: Option<i64>,
    ) -> Result<Vec<Result<Outcome, loyalty_core::Error>>, Error> {
        // All or nothing, also on a plain connection (a savepoint inside a transaction). The
        // program's advisory lock makes concurrent batches queue instead of planning a hundred
        // operations only to find the frontier taken (it is held until the transaction ends,
        // as the frontier itself would be).
        let mut tx = client.transaction()?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&format!("loyalty-batch:{}", self.program)],
        )?;
        loop {
            self.catch_up(&mut tx)?;
            let first_seq = self.replica.next_seq();
            let (results, planned) = self.plan_batch(ops, now);
            match self.insert_batch(&mut tx, first_seq, &planned) {
                Ok(Inserted::Done(xid)) => {
                    if let Err(e) = tx.commit() {
                        self.revert_all(planned);
                        return Err(e.into());
                    }
                    for (i, (record, provisional)) in planned.into_iter().enumerate() {
                        let seq = first_seq + i as i64;
                        self.replica
                            .appended(seq, &record.op, provisional, xid.clone());
                    }
                    return Ok(results);
                }
                Ok(Inserted::Taken) => {
                    self.revert_all(planned);
                    self.conflicts += 1;
                }
                Err(e) => {
                    self.revert_all(planned);
                    return Err(e);
                }
            }
        }
    }

    /// Applies each of `ops` provisionally on top of the ones before it.
    #[allow(clippy::type_complexity)]
    fn plan_batch(
        &mut self,
        ops: &[Operation],
        now: Option<i64>,
    ) -> (
        Vec<Result<Outcome, loyalty_core::Error>>,
        Vec<(JournalRecord, Provisional)>,
    ) {
        let mut results = Vec::with_capacity(ops.len());
        let mut planned = Vec::new();
        for op in ops {
            let mut op = op.clone();
            if let Some(now) = now {
                op.set_at(now.max(self.engine.clock()));
            }
            match self.stage(&op) {
                Ok(Staged::Retry(outcome)) => results.push(Ok(outcome)),
                Ok(Staged::New(record, provisional)) => {
                    results.push(Ok(record.outcome.clone()));
                    planned.push((record, provisional));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        (results, planned)
    }

    /// Applies `op` to the replica provisionally: a retry of an accepted id answers its
    /// original outcome and has nothing to journal.
    fn stage(&mut self, op: &Operation) -> Result<Staged, loyalty_core::Error> {
        let (outcome, provisional) = self.engine.apply_provisionally(op)?;
        if provisional.is_retry() {
            return Ok(Staged::Retry(outcome));
        }
        Ok(Staged::New(
            JournalRecord::new(op.clone(), outcome),
            provisional,
        ))
    }

    fn revert_all(&mut self, planned: Vec<(JournalRecord, Provisional)>) {
        for (_, provisional) in planned.into_iter().rev() {
            self.engine.revert(provisional);
        }
    }

    /// Inserts a batch from `seq` on.
    fn insert_batch(
        &self,
        client: &mut impl GenericClient,
        seq: i64,
        planned: &[(JournalRecord, Provisional)],
    ) -> Result<Inserted, Error> {
        let Some(((first, _), rest)) = planned.split_first() else {
            return Ok(Inserted::Done(None));
        };
        let Some(xid) = self.insert(client, seq, first)? else {
            return Ok(Inserted::Taken);
        };
        if rest.is_empty() {
            return Ok(Inserted::Done(Some(xid)));
        }
        let mut columns = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for (i, (record, _)) in rest.iter().enumerate() {
            let op = &record.op;
            columns.0.push(seq + 1 + i as i64);
            columns.1.push(op.id().map(|id| id.to_string()));
            columns.2.push(op.kind());
            columns.3.push(op.digest() as i64);
            columns.4.push(op.at());
            columns.5.push(encode(record)?);
        }
        let n = client.execute(
            APPEND_REST,
            &[
                &self.program,
                &columns.0,
                &columns.1,
                &columns.2,
                &columns.3,
                &columns.4,
                &columns.5,
            ],
        )?;
        if n != rest.len() as u64 {
            return Err(Error::Journal(format!(
                "program {:?}: {n} of a batch's {} rows were inserted",
                self.program,
                rest.len()
            )));
        }
        Ok(Inserted::Done(Some(xid)))
    }

    fn insert(
        &self,
        client: &mut impl GenericClient,
        seq: i64,
        record: &JournalRecord,
    ) -> Result<Option<String>, Error> {
        let op = &record.op;
        let text = encode(record)?;
        // The digest is a u64 stored in a bigint: the same 64 bits, read as signed.
        let digest = op.digest() as i64;
        let row = client.query_opt(
            APPEND,
            &[
                &self.program,
                &seq,
                &op.id().map(|id| id.to_string()),
                &op.kind(),
                &digest,
                &op.at(),
                &text,
            ],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Writes a snapshot of the committed state (after a catch-up); a new process starts from
    /// the latest one. Returns the `seq` it covers. Refused inside a transaction that has
    /// appended (its rows are not committed yet).
    pub fn snapshot(&mut self, client: &mut impl GenericClient) -> Result<i64, Error> {
        self.catch_up(client)?;
        if self.replica.has_pending() {
            return Err(Error::Journal(String::from(
                "a snapshot is taken outside a transaction that appended",
            )));
        }
        client.execute(
            "INSERT INTO loyalty_snapshots (program, seq, state, digest)
             VALUES ($1, $2, $3, $4::text::numeric) ON CONFLICT DO NOTHING",
            &[
                &self.program,
                &self.replica.seq(),
                &self.engine.snapshot_bytes(),
                &self.engine.state_digest().to_string(),
            ],
        )?;
        Ok(self.replica.seq())
    }
}

/// The latest snapshot of `program` and the `seq` it covers, checked: it loads (its checksum
/// holds), its state digest is the one recorded beside it, and the journal still holds every
/// row it covers (a deleted row would leave a replica a permanent gap).
fn latest_snapshot(
    client: &mut impl GenericClient,
    program: &str,
) -> Result<Option<(Engine, i64)>, Error> {
    let Some(row) = client.query_opt(
        "SELECT seq, state, digest::text FROM loyalty_snapshots WHERE program = $1
         ORDER BY seq DESC LIMIT 1",
        &[&program],
    )?
    else {
        return Ok(None);
    };
    let seq: i64 = row.get(0);
    let refuse = |what: String| {
        Error::Journal(format!(
            "program {program:?}: the snapshot at seq {seq} {what}; delete that snapshot row to \
             start from an older one or from the journal"
        ))
    };
    let engine = Engine::from_snapshot_bytes(row.get(1))
        .map_err(|e| refuse(format!("does not load: {}", e.message())))?;
    let recorded: String = row.get(2);
    let loaded = engine.state_digest().to_string();
    if loaded != recorded {
        return Err(refuse(format!(
            "is damaged: its state digest is {loaded}, {recorded} was recorded"
        )));
    }
    let held: i64 = client
        .query_one(
            "SELECT count(*) FROM loyalty_journal WHERE program = $1 AND seq <= $2",
            &[&program, &seq],
        )?
        .get(0);
    if held != seq {
        return Err(Error::Journal(format!(
            "program {program:?}: the journal holds {held} of the rows 1..={seq} that the \
             snapshot at seq {seq} covers: rows were deleted; restore them from a backup"
        )));
    }
    Ok(Some((engine, seq)))
}

fn encode(record: &JournalRecord) -> Result<String, Error> {
    serde_json::to_string(record)
        .map_err(|e| Error::Journal(format!("cannot encode the record: {e}")))
}
