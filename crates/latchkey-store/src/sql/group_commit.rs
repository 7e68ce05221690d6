//! Group commit for the SQLite writes of the hot paths: refresh-token rotations and DPoP
//! proofs' replay keys (one per DPoP request, RFC 9449 §11.1).
//!
//! With `synchronous=FULL`, every SQLite commit waits for an fsync of the WAL, so one commit
//! per request caps durable rotations, and DPoP requests, at the disk's sync rate (measured
//! here: ~500/s for rotations; ~2,000/s DPoP client credentials against 13,000/s bearer).
//! SQLite has no group commit of its own (PostgreSQL does, so this is SQLite-only). These
//! writes are therefore queued to one task that runs everything waiting — up to [`MAX_BATCH`] — inside
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

/// Most writes committed together.
const MAX_BATCH: usize = 256;
/// Queued writes before callers wait for room (back-pressure, not an error).
const QUEUE: usize = 4096;

/// What a queued job writes.
enum Write {
    /// The `ROTATE` statement's parameters.
    Rotate {
        id: String,
        expected_generation: i64,
        now: i64,
        new_idle_expires_at: i64,
        dpop_jkt: Option<String>,
    },
    /// [`RECORD_PROOF`]'s parameters.
    RecordProof { replay_key: String, expires_at: i64 },
}

/// Records a DPoP proof's replay key once: a row back when the key was new, none when a
/// proof with that key was recorded before (a replay).
pub(super) const RECORD_PROOF: &str = "INSERT INTO dpop_proofs (replay_key, expires_at) VALUES ($1, $2) \
     ON CONFLICT (replay_key) DO NOTHING RETURNING replay_key";

/// One queued write and where to answer.
struct Job {
    write: Write,
    reply: oneshot::Sender<Result<Option<AnyRow>, StoreError>>,
}

/// The handle the store keeps; the task ends when every handle is dropped.
#[derive(Clone, Debug)]
pub(super) struct WriteQueue {
    jobs: mpsc::Sender<Job>,
}

impl WriteQueue {
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
        let dpop_jkt = dpop_jkt.map(str::to_owned);
        self.submit(Write::Rotate {
            id: id.to_owned(),
            expected_generation,
            now,
            new_idle_expires_at,
            dpop_jkt,
        })
        .await
    }

    /// Records a DPoP proof's replay key through the next batch: `true` when it was new.
    pub(super) async fn record_proof(&self, replay_key: &str, expires_at: i64) -> Result<bool, StoreError> {
        let row = self.submit(Write::RecordProof { replay_key: replay_key.to_owned(), expires_at }).await?;
        Ok(row.is_some())
    }

    async fn submit(&self, write: Write) -> Result<Option<AnyRow>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the group-commit writer has stopped".into());
        self.jobs.send(Job { write, reply }).await.map_err(|_| stopped())?;
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
        return Ok(vec![statement(rotate_sql, job).fetch_optional(&mut *conn).await.map_err(failed(job))]);
    }
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.map_err(|e| map_sqlx(e, database))?;
    let mut rows = Vec::with_capacity(jobs.len());
    for job in jobs {
        rows.push(statement(rotate_sql, job).fetch_optional(&mut *conn).await.map_err(failed(job)));
    }
    if let Err(e) = sqlx::query("COMMIT").execute(&mut *conn).await {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        return Err(map_sqlx(e, database));
    }
    Ok(rows)
}

/// The job's statement with its parameters.
fn statement<'q>(rotate_sql: &'static str, job: &'q Job) -> Query<'q, Any, AnyArguments<'q>> {
    match &job.write {
        Write::Rotate { id, expected_generation, now, new_idle_expires_at, dpop_jkt } => {
            sqlx::query(rotate_sql)
                .bind(id)
                .bind(*expected_generation)
                .bind(*now)
                .bind(*new_idle_expires_at)
                .bind(dpop_jkt)
        }
        Write::RecordProof { replay_key, expires_at } => {
            sqlx::query(RECORD_PROOF).bind(replay_key).bind(*expires_at)
        }
    }
}

/// The error of one job's statement, naming what it wrote.
fn failed(job: &Job) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match &job.write {
        Write::Rotate { id, .. } => map_sqlx(e, || format!("session {id}")),
        Write::RecordProof { .. } => map_sqlx(e, || "DPoP proof".to_owned()),
    }
}
