//! Group commit for the writes of the hot paths: refresh-token rotations and DPoP proofs'
//! replay keys (one per DPoP request, RFC 9449 §11.1), on both backends.
//!
//! Every write is queued to the store's committing task, which takes everything waiting — up
//! to [`MAX_BATCH`] — and writes it with one statement per kind (the batch as one JSON
//! parameter: `rotate_batch!` in `sessions`, `record_proofs!` in `dpop_proofs`), answering each
//! caller only after the commit, so every 200 is still durable. A lone write is not delayed
//! by a timer: the task starts a batch as soon as one job is queued, after yielding once to
//! the runtime so that the requests already runnable can queue theirs (tokio runs a task it
//! has just woken next, which made every first job a batch of its own: measured 5 rotations
//! per commit without the yield, 7.5 with it, and 8–11 % more refreshes/s on SQLite). The
//! jobs that arrive during a commit form the next batch (on PostgreSQL, another committer's).
//!
//! On PostgreSQL [`POSTGRES_COMMITTERS`] such tasks take turns at the queue, so that several
//! batches are in flight, each on a connection of its own: a batch waiting for a row that
//! another transaction holds (a unit of work ending a user's sessions, another process's
//! batch) no longer stops every other rotation and DPoP request of the process until the lock
//! is released; the next batches commit beside it. The jobs in the waiting batch still wait,
//! and as many waiting batches as committers (retries of the same locked session, say) stop
//! the queue as before. Throughput did not measurably change (BENCHMARKS.md). SQLite keeps
//! one: it has one writer connection and commits one transaction at a time.
//!
//! Why: with `synchronous=FULL` every SQLite commit waits for an fsync of the WAL, and SQLite
//! has no group commit of its own, so one commit per request capped durable rotations at the
//! disk's sync rate (~500/s measured here). And sqlx runs each SQLite statement on a
//! per-connection thread, a round trip of 4–5 context switches: a batch of n rotations used to
//! cost n + 2 of them (`BEGIN`, n statements, `COMMIT`), now one. PostgreSQL has group commit,
//! but each rotation was a round trip and a transaction of its own; a burst is now one.
//!
//! A batch holding only rotations (or only proofs) is one statement, atomic on its own, so it
//! runs without `BEGIN`/`COMMIT`. A batch with several statements (both kinds, or a session
//! rotated by differing jobs, see [`plan`]) runs them in one write transaction: one fsync on
//! SQLite. If a batch fails for any reason but an outage — for example PostgreSQL picking it
//! as a deadlock victim (SQLSTATE 40P01) when another batch (of this process or another)
//! locks the same sessions in another order — its jobs are retried one by one, so no job
//! loses its answer to another one. (The rows are sorted by key, which makes such a deadlock
//! rare, not impossible: the order of locking is the plan's.) A retry is safe even when the
//! failure left it unknown whether the batch committed: a rotation that did commit then loses
//! its compare-and-swap (the refresh grant treats that as a concurrent duplicate), a proof
//! then reads as a replay. The same holds between batches in flight together: the later one
//! waits for the row lock, then finds the generation moved on or the replay key taken.

#[cfg(test)]
mod explain;
mod plan;
#[cfg(test)]
mod side_by_side;

use std::sync::Arc;

use sqlx::any::AnyRow;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot, Mutex};

use self::plan::{plan, Statement};
use super::col;
use super::dpop_proofs::{RECORD_PROOFS_POSTGRES, RECORD_PROOFS_SQLITE};
use super::sessions::{ROTATE_POSTGRES, ROTATE_SQLITE};
use super::unit_of_work::begin_write;
use crate::error::{map_sqlx, Backend, StoreError};

/// Most writes committed together.
const MAX_BATCH: usize = 256;
/// Queued writes before callers wait for room (back-pressure, not an error).
const QUEUE: usize = 4096;
/// Batches in flight at once on PostgreSQL (module doc).
const POSTGRES_COMMITTERS: usize = 3;

/// What a queued job writes.
enum Write {
    Rotate(Rotation),
    RecordProof(Proof),
}

/// One refresh-token rotation: `SessionStore::rotate_session`'s arguments.
#[derive(PartialEq, Eq)]
struct Rotation {
    id: String,
    expected_generation: i64,
    now: i64,
    new_idle_expires_at: i64,
    dpop_jkt: Option<String>,
}

/// One DPoP proof's replay key.
struct Proof {
    replay_key: String,
    expires_at: i64,
}

/// The answer to one job: the row the statement returned for it, if any.
type Answer = Result<Option<AnyRow>, StoreError>;

/// One queued write and where to answer.
struct Job {
    write: Write,
    reply: oneshot::Sender<Answer>,
}

/// The handle the store keeps; the committing tasks end when every handle is dropped.
#[derive(Clone, Debug)]
pub(super) struct WriteQueue {
    jobs: mpsc::Sender<Job>,
}

impl WriteQueue {
    /// Starts the committing tasks on `writer` (SQLite: the single writer connection).
    pub(super) fn start(writer: AnyPool, backend: Backend) -> Self {
        let (jobs, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, backend, receiver));
        Self { jobs }
    }

    /// Rotates through the next batch; the row is returned once its batch has committed.
    pub(super) async fn rotate(
        &self,
        id: &str,
        expected_generation: i64,
        now: i64,
        new_idle_expires_at: i64,
        dpop_jkt: Option<&str>,
    ) -> Answer {
        self.submit(Write::Rotate(Rotation {
            id: id.to_owned(),
            expected_generation,
            now,
            new_idle_expires_at,
            dpop_jkt: dpop_jkt.map(str::to_owned),
        }))
        .await
    }

    /// Records a DPoP proof's replay key through the next batch: `true` when it was new.
    pub(super) async fn record_proof(&self, replay_key: &str, expires_at: i64) -> Result<bool, StoreError> {
        let row =
            self.submit(Write::RecordProof(Proof { replay_key: replay_key.to_owned(), expires_at })).await?;
        Ok(row.is_some())
    }

    async fn submit(&self, write: Write) -> Answer {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the group-commit writer has stopped".into());
        self.jobs.send(Job { write, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The batch statements of one backend.
#[derive(Clone, Copy)]
struct Sql {
    backend: Backend,
    rotate: &'static str,
    record_proofs: &'static str,
}

impl Sql {
    fn of(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Sql { backend, rotate: ROTATE_SQLITE, record_proofs: RECORD_PROOFS_SQLITE },
            Backend::Postgres => {
                Sql { backend, rotate: ROTATE_POSTGRES, record_proofs: RECORD_PROOFS_POSTGRES }
            }
        }
    }
}

/// Starts the committers: one on SQLite, [`POSTGRES_COMMITTERS`] on PostgreSQL (module doc).
async fn run(writer: AnyPool, backend: Backend, receiver: mpsc::Receiver<Job>) {
    let sql = Sql::of(backend);
    let receiver = Arc::new(Mutex::new(receiver));
    let committers = match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => POSTGRES_COMMITTERS,
    };
    for _ in 1..committers {
        tokio::spawn(commit_batches(writer.clone(), sql, Arc::clone(&receiver)));
    }
    commit_batches(writer, sql, receiver).await;
}

/// Takes batches from the queue until every handle is dropped; the lock is held while a batch
/// is gathered, never during its commit.
async fn commit_batches(writer: AnyPool, sql: Sql, receiver: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        {
            let mut receiver = receiver.lock().await;
            if receiver.recv_many(&mut batch, MAX_BATCH).await == 0 {
                return;
            }
            // Let the requests that are already runnable queue their writes (module doc).
            tokio::task::yield_now().await;
            while batch.len() < MAX_BATCH {
                let Ok(job) = receiver.try_recv() else { break };
                batch.push(job);
            }
        }
        let answers = answer(&writer, sql, &batch).await;
        for (job, answer) in batch.drain(..).zip(answers) {
            let _ = job.reply.send(answer);
        }
    }
}

/// Commits the batch, or on a failure that is not an outage, each of its jobs alone.
async fn answer(writer: &AnyPool, sql: Sql, jobs: &[Job]) -> Vec<Answer> {
    match commit(writer, sql, jobs).await {
        Ok(rows) => rows.into_iter().map(Ok).collect(),
        Err(error) if jobs.len() > 1 && !error.is_unavailable() => {
            tracing::debug!(%error, jobs = jobs.len(), "group commit failed; retrying its jobs one by one");
            let mut answers = Vec::with_capacity(jobs.len());
            for job in jobs {
                answers.push(
                    commit(writer, sql, std::slice::from_ref(job)).await.map(|mut rows| rows.pop().flatten()),
                );
            }
            answers
        }
        Err(error) => jobs.iter().map(|_| Err(error.clone())).collect(),
    }
}

/// Runs the batch's statements (in one transaction when there are several) and gives each
/// job the row returned for it.
async fn commit(writer: &AnyPool, sql: Sql, jobs: &[Job]) -> Result<Vec<Option<AnyRow>>, StoreError> {
    let statements = plan(jobs.iter().map(|job| &job.write), sql)?;
    let mut answers: Vec<Option<AnyRow>> = jobs.iter().map(|_| None).collect();
    let failed = |e| map_sqlx(e, || "refresh sessions and DPoP proofs".into());
    if let [statement] = statements.as_slice() {
        let rows = statement.query().fetch_all(writer).await.map_err(failed)?;
        deliver(statement, rows, &mut answers)?;
        return Ok(answers);
    }
    // Dropped on an error: sqlx rolls it back.
    let mut tx = begin_write(writer, sql.backend).await.map_err(failed)?;
    for statement in &statements {
        let rows = statement.query().fetch_all(&mut *tx).await.map_err(failed)?;
        deliver(statement, rows, &mut answers)?;
    }
    tx.commit().await.map_err(failed)?;
    Ok(answers)
}

/// Gives each returned row to the job it answers, by its key column.
fn deliver(
    statement: &Statement,
    rows: Vec<AnyRow>,
    answers: &mut [Option<AnyRow>],
) -> Result<(), StoreError> {
    for row in rows {
        let key: String = col(&row, statement.key_column)?;
        if let Some(answer) = statement.job_of(&key).and_then(|job| answers.get_mut(job)) {
            *answer = Some(row);
        }
    }
    Ok(())
}
