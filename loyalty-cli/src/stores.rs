//! The store commands: `store`, `statement`, `replay`, `export`. Each reads the store with
//! [`loyalty_store::inspect`], which writes nothing.

use std::io::Write;
use std::path::Path;

use loyalty_core::{statement as statement_of, Account, Engine, JournalRecord};
use loyalty_store::{inspect, Inspection, StoreError};

use crate::time::{date, date_time};
use crate::{Failure, Outcome};

fn read(dir: &Path) -> Result<Inspection, Failure> {
    inspect(dir).map_err(|e| match &e {
        StoreError::Io { .. } | StoreError::NoDirectory => Failure::unreadable(e.to_string()),
        _ => Failure::invalid(e.to_string()),
    })
}

fn w(result: std::io::Result<()>) -> Outcome {
    result.map_err(|e| Failure::output(&e))
}

/// `loyalty store DIR`.
pub(crate) fn summary(dir: &Path, out: &mut dyn Write) -> Outcome {
    let store = read(dir)?;
    let engine = &store.engine;
    let program = engine.program();
    w(writeln!(out, "store {}", dir.display()))?;
    w(writeln!(out, "  program    {}", program.name))?;
    w(writeln!(out, "  records    {}", store.records.len()))?;
    w(writeln!(
        out,
        "  clock      {} ({})",
        date_time(engine.clock()),
        engine.clock()
    ))?;
    w(writeln!(out, "  members    {}", engine.member_count()))?;
    let tiers: Vec<String> = engine
        .tier_counts()
        .into_iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    w(writeln!(out, "  levels     {}", tiers.join(", ")))?;
    let t = engine.totals();
    w(writeln!(
        out,
        "  points     issued {}, redeemed {}, expired {}, fees {}, liability {}",
        t.issued, t.redeemed, t.expired, t.fees, t.liability
    ))?;
    for note in notes(&store) {
        w(writeln!(out, "  note       {note}"))?;
    }
    let verified = engine.verify();
    let verdict = match &verified {
        Ok(()) => "ok: issued = redeemed + expired + fees + liability".to_owned(),
        Err(e) => format!("FAILED: {e}"),
    };
    w(writeln!(out, "  verify     {verdict}"))?;
    w(writeln!(out, "  digest     {:016x}", engine.state_digest()))?;
    verified
        .map_err(|e| Failure::invalid(format!("{}: the books do not balance: {e}", dir.display())))
}

/// What a writer opening the store would repair, in words that say nothing was changed.
fn notes(store: &Inspection) -> Vec<String> {
    let mut notes = Vec::new();
    if store.recovery.truncated_bytes > 0 {
        notes.push(format!(
            "journal.log ends in a torn tail of {} bytes (a write cut short; the next writer cuts it off)",
            store.recovery.truncated_bytes
        ));
    }
    for (path, why) in &store.recovery.skipped_snapshots {
        notes.push(format!("{} is not used: {why}", path.display()));
    }
    notes
}

/// `loyalty statement DIR MEMBER`.
pub(crate) fn statement(dir: &Path, member: u64, out: &mut dyn Write) -> Outcome {
    let store = read(dir)?;
    let view = store.engine.member(member).map_err(|e| {
        Failure::invalid(format!(
            "{}: member {member}: {}",
            dir.display(),
            e.message()
        ))
    })?;
    let next = match (&view.next_tier, view.to_next) {
        (Some(tier), Some(left)) => format!(", {left} to go to {tier}"),
        _ => String::new(),
    };
    w(writeln!(
        out,
        "member {member}: {} available, {} pending; level {}, qualifying total {}{next}",
        view.available, view.pending, view.tier, view.qualifying
    ))?;
    if let Some(referrer) = view.referrer {
        w(writeln!(
            out,
            "  referred by member {referrer}; {} referrals, {} orders",
            view.referrals, view.orders
        ))?;
    }
    w(writeln!(
        out,
        "{:<10} {:>6} {:<10} {:<12} {:>12} {:>12} {:>12}",
        "date", "id", "operation", "what", "available", "pending", "balance"
    ))?;
    for line in statement_of(member, &store.records) {
        let id = line.id.map_or("-".to_owned(), |id| id.to_string());
        w(writeln!(
            out,
            "{:<10} {id:>6} {:<10} {:<12} {:>12} {:>12} {:>12}",
            date(line.at),
            line.operation,
            line.what,
            line.available_change,
            line.pending_change,
            line.balance
        ))?;
    }
    Ok(())
}

/// `loyalty replay DIR`: the state from the newest good snapshot and the records after it,
/// against the journal replayed from `program.json`.
pub(crate) fn replay(dir: &Path, out: &mut dyn Write) -> Outcome {
    let store = read(dir)?;
    let opened = store.engine.state_digest();
    let replayed = Engine::replay(store.program.clone(), &store.records).map_err(|e| {
        Failure::invalid(format!(
            "{}: the journal does not replay: {}",
            dir.display(),
            e.message()
        ))
    })?;
    let fresh = replayed.state_digest();
    w(writeln!(
        out,
        "replayed {} records of {}",
        store.records.len(),
        dir.display()
    ))?;
    w(writeln!(
        out,
        "  digest as opened (snapshot and the records after it) {opened:016x}"
    ))?;
    w(writeln!(
        out,
        "  digest replayed from program.json                    {fresh:016x}"
    ))?;
    if opened != fresh {
        return Err(Failure::invalid(format!(
            "{}: the replayed state differs from the stored one ({fresh:016x} ≠ {opened:016x})",
            dir.display()
        )));
    }
    replayed.verify().map_err(|e| {
        Failure::invalid(format!("{}: the books do not balance: {e}", dir.display()))
    })?;
    w(writeln!(out, "  same state; the books balance"))
}

/// `loyalty export DIR --format jsonl`: each record as stored, with its position `seq`
/// (1-based).
pub(crate) fn export_jsonl(dir: &Path, out: &mut dyn Write) -> Outcome {
    let store = read(dir)?;
    for (seq, record) in (1u64..).zip(&store.records) {
        let mut value = serde_json::to_value(record)
            .map_err(|e| Failure::invalid(format!("record {seq}: {e}")))?;
        if let Some(map) = value.as_object_mut() {
            map.insert("seq".to_owned(), seq.into());
        }
        w(writeln!(out, "{value}"))?;
    }
    Ok(())
}

/// `loyalty export DIR --format csv`: one row per posting (a record without postings, such as
/// an enrolment, gets one row with empty posting columns), so that a spreadsheet sums points
/// by account.
pub(crate) fn export_csv(dir: &Path, out: &mut dyn Write) -> Outcome {
    let store = read(dir)?;
    w(writeln!(
        out,
        "seq,at,operation,id,from,from_member,to,to_member,points"
    ))?;
    for (seq, record) in (1u64..).zip(&store.records) {
        for row in rows(seq, record) {
            w(writeln!(out, "{}", row.join(",")))?;
        }
    }
    Ok(())
}

fn rows(seq: u64, record: &JournalRecord) -> Vec<Vec<String>> {
    let head = vec![
        seq.to_string(),
        record.op.at().to_string(),
        csv_field(record.op.kind()),
        record.op.id().map_or(String::new(), |id| id.to_string()),
    ];
    if record.outcome.postings.is_empty() {
        let mut row = head;
        row.extend(std::iter::repeat_n(String::new(), 5));
        return vec![row];
    }
    record
        .outcome
        .postings
        .iter()
        .map(|p| {
            let mut row = head.clone();
            let (from, from_member) = account(p.from);
            let (to, to_member) = account(p.to);
            row.extend([
                from.to_owned(),
                from_member,
                to.to_owned(),
                to_member,
                p.points.to_string(),
            ]);
            row
        })
        .collect()
}

fn account(a: Account) -> (&'static str, String) {
    match a {
        Account::Issued => ("issued", String::new()),
        Account::Redeemed => ("redeemed", String::new()),
        Account::Expired => ("expired", String::new()),
        Account::Fees => ("fees", String::new()),
        Account::Available(m) => ("available", m.to_string()),
        Account::Pending(m) => ("pending", m.to_string()),
    }
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
