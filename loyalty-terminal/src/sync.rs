//! Sync: the queued operations go to the centre, in order, through a transport the host
//! supplies; the centre applies them as ordinary operations. A crash or a lost answer at any
//! point is harmless: what was not acknowledged is sent again, and the centre answers a
//! resent operation (same id, same content) with its first outcome and changes nothing.

use std::fmt::Display;

use loyalty_core::{Error, ErrorKind, OpId, Operation, Outcome};
use loyalty_store::{Store, StoreError};

use crate::terminal::Terminal;
use crate::TerminalError;

/// What a sync did.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Operations the centre answered (applied, or refused for good).
    pub answered: usize,
    /// Those it refused, with why (an offline enrolment of someone who enrolled online since:
    /// `MemberExists`). They are not sent again.
    pub refused: Vec<(OpId, Error)>,
}

/// What a transport answers for a batch: one result per operation, in order.
pub type Answers = Vec<Result<Outcome, Error>>;

impl Terminal {
    /// Sends every pending operation, in order, as one batch through `transport`, each at `now`
    /// (the instant it reaches the centre; an offline sale keeps its `recorded_at`). What the
    /// centre answered is marked in the queue; a transport that fails, or answers fewer
    /// operations than it was sent, marks nothing (the batch goes again next time). A sale the
    /// centre refuses because its clock is past `now` (`TimeWentBackwards`) stops the sync
    /// there: it was not applied, and goes again with a later `now`. A `now` before the
    /// terminal's last operation is refused (`TimeWentBackwards`) and sends nothing.
    pub fn sync<E: Display>(
        &mut self,
        now: i64,
        transport: impl FnOnce(&[Operation]) -> Result<Answers, E>,
    ) -> Result<SyncReport, TerminalError> {
        let batch = self.batch(now)?;
        if batch.is_empty() {
            return Ok(SyncReport::default());
        }
        let answers = transport(&batch).map_err(|e| TerminalError::Transport(e.to_string()))?;
        if answers.len() > batch.len() {
            return Err(TerminalError::Transport(format!(
                "{} answers for {} operations",
                answers.len(),
                batch.len()
            )));
        }
        let mut report = SyncReport::default();
        for (op, answer) in batch.iter().zip(answers) {
            match answer {
                Err(e) if e.kind() == ErrorKind::TimeWentBackwards => break,
                Err(e) => report.refused.push((op.id().unwrap_or(0), e)),
                Ok(_) => {}
            }
            report.answered += 1;
        }
        self.acknowledge_first(report.answered)?;
        Ok(report)
    }

    /// The pending operations as a batch to send, each dated `now` (for a host that carries
    /// batches itself: send it, then [`Terminal::acknowledge_first`] what the centre answered).
    /// A `now` before the terminal's last operation is `TimeWentBackwards`: the centre would
    /// refuse a sale applied before it was made, for good.
    pub fn batch(&self, now: i64) -> Result<Vec<Operation>, TerminalError> {
        self.check_time(now)?;
        let dated = |(_, op): &(u64, Operation)| {
            let mut op = op.clone();
            op.set_at(now);
            op
        };
        Ok(self.pending_entries().iter().map(dated).collect())
    }

    /// Marks the first `n` pending operations as answered by the centre (durable on return).
    /// Mark only answers that came back: what is not marked is sent again, harmlessly.
    pub fn acknowledge_first(&mut self, n: usize) -> Result<(), TerminalError> {
        let Some(n) = n.checked_sub(1) else {
            return Ok(());
        };
        let Some(&(through, _)) = self.pending_entries().get(n) else {
            return Err(TerminalError::Transport(format!(
                "{} answers for {} pending operations",
                n + 1,
                self.pending_entries().len()
            )));
        };
        self.acknowledge(through)
    }

    /// Marks sent the first `answered` operations of `batch` (as [`Terminal::batch`] gave it),
    /// by their ids: what a sync that ran concurrently marked already stays marked, and an
    /// operation queued since the batch was taken is never marked by it.
    pub fn acknowledge_batch(
        &mut self,
        batch: &[Operation],
        answered: usize,
    ) -> Result<(), TerminalError> {
        let Some(last) = answered.checked_sub(1) else {
            return Ok(());
        };
        let Some(id) = batch.get(last).and_then(Operation::id) else {
            return Err(TerminalError::Transport(format!(
                "{answered} answers for {} operations",
                batch.len()
            )));
        };
        let through = self
            .pending_entries()
            .iter()
            .find(|(_, op)| op.id() == Some(id))
            .map(|(seq, _)| *seq);
        match through {
            Some(seq) => self.acknowledge(seq),
            None => Ok(()), // marked already
        }
    }
}

/// A transport straight into a file store (a terminal in the back office, or a test): each
/// operation applied in order; an I/O failure of the store fails the whole batch (what it
/// applied before stays, and answers the same when sent again).
pub fn into_store(
    store: &mut Store,
) -> impl FnOnce(&[Operation]) -> Result<Answers, StoreError> + '_ {
    move |ops| {
        let mut answers = Vec::with_capacity(ops.len());
        for op in ops {
            match store.apply(op) {
                Ok(outcome) => answers.push(Ok(outcome)),
                Err(StoreError::Engine(e)) => answers.push(Err(e)),
                Err(other) => return Err(other),
            }
        }
        Ok(answers)
    }
}
