//! Group commit for SQLite rotations.
//!
//! With `synchronous=FULL`, every SQLite commit waits for an fsync of the WAL, so one commit
//! per refresh caps durable rotations at the disk's sync rate (measured here: ~500/s). SQLite
//! has no group commit of its own (PostgreSQL does, so this is SQLite-only). Rotations are
//! therefore queued to one task that runs everything waiting — up to [`MAX_BATCH`] — inside
//! one `BEGIN IMMEDIATE ... COMMIT`, and answers each caller only after the commit: every 200
//! is still durable, and one fsync covers the whole batch. A lone rotation is not delayed:
//! the task starts a batch as soon as one job is queued, and the jobs that arrive during its
//! fsync form the next batch.
//!
//! The compare-and-swap semantics are unchanged: statements in a batch run in order, so two
//! rotations of the same generation in one batch still produce exactly one winner.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyPool};
use tokio::sync::{mpsc, oneshot};

use crate::error::{map_sqlx, StoreError};

/// Most rotations committed together.
const MAX_BATCH: usize = 256;
/// Queued rotations before callers wait for room (back-pressure, not an error).
const QUEUE: usize = 4096;

/// One queued rotation: the parameters of the `ROTATE` statement and where to answer.
struct Job {
    id: String,
    expected_generation: i64,
    now: i64,
    new_idle_expires_at: i64,
    dpop_jkt: Option<String>,
    reply: oneshot::Sender<Result<Option<AnyRow>, StoreError>>,
}

/// The handle the store keeps; the task ends when every handle is dropped.
#[derive(Clone, Debug)]
pub(super) struct RotationQueue {
    jobs: mpsc::Sender<Job>,
}

impl RotationQueue {
    /// Starts the committing task on `writer` (the single SQLite writer connection).
    pub(super) fn start(writer: AnyPool, rotate_sql: &'static str) -> Self {
        let (jobs, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, rotate_sql, receiver));
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
    ) -> Result<Option<AnyRow>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let dpop_jkt = dpop_jkt.map(str::to_owned);
        let job = Job { id: id.to_owned(), expected_generation, now, new_idle_expires_at, dpop_jkt, reply };
        let stopped = || StoreError::Unavailable("the rotation writer has stopped".into());
        self.jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(writer: AnyPool, rotate_sql: &'static str, mut receiver: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match commit_batch(&writer, rotate_sql, &batch).await {
            Ok(rows) => {
                for (job, row) in batch.drain(..).zip(rows) {
                    let _ = job.reply.send(row);
                }
            }
            Err(error) => {
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(error.clone()));
                }
            }
        }
    }
}

/// Runs every job in one immediate transaction. A failing statement fails only its job
/// (SQLite keeps the transaction open); a failing `BEGIN` or `COMMIT` fails the batch.
///
/// A batch of one is its statement alone: in autocommit mode a single statement is its own
/// transaction, as atomic and as durable (one fsync), and each statement is a round trip to
/// sqlx's connection thread, so `BEGIN` and `COMMIT` would triple the work of a lone rotation.
async fn commit_batch(
    writer: &AnyPool,
    rotate_sql: &'static str,
    jobs: &[Job],
) -> Result<Vec<Result<Option<AnyRow>, StoreError>>, StoreError> {
    let database = || "database".to_owned();
    let mut conn = writer.acquire().await.map_err(|e| map_sqlx(e, database))?;
    if let [job] = jobs {
        return Ok(vec![rotate(rotate_sql, job).fetch_optional(&mut *conn).await.map_err(failed(job))]);
    }
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.map_err(|e| map_sqlx(e, database))?;
    let mut rows = Vec::with_capacity(jobs.len());
    for job in jobs {
        rows.push(rotate(rotate_sql, job).fetch_optional(&mut *conn).await.map_err(failed(job)));
    }
    if let Err(e) = sqlx::query("COMMIT").execute(&mut *conn).await {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        return Err(map_sqlx(e, database));
    }
    Ok(rows)
}

/// The rotation statement with the job's parameters.
fn rotate<'q>(rotate_sql: &'static str, job: &'q Job) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(rotate_sql)
        .bind(&job.id)
        .bind(job.expected_generation)
        .bind(job.now)
        .bind(job.new_idle_expires_at)
        .bind(&job.dpop_jkt)
}

/// The error of one job's statement, naming its session.
fn failed(job: &Job) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| map_sqlx(e, || format!("session {}", job.id))
}
