//! How a batch becomes statements: at most one per kind of write, and each job's key (a
//! session id, a replay key) at most once per statement.
//!
//! Within one `UPDATE ... FROM`, a session is updated once however many rows match it, with
//! the values of a row neither database promises (SQLite took the last one when tried), and
//! the row returned could not say which job it answers. So the batch is first reduced to what
//! running its jobs one after the other would do, in some order — they are concurrent, none
//! was answered before another was queued, so any order is a correct outcome:
//!
//! - a job equal to one already placed (same session, generation, time, key) runs right after
//!   it and cannot win: if the first won, the generation moved on; if it lost, nothing
//!   changed. It is answered `None` without a row of its own, and the refresh grant classifies
//!   it as a concurrent duplicate. Likewise a replay key already placed is a replay (`false`).
//! - a job for a session already placed that differs (another generation, another DPoP key,
//!   which may be the right one where the first is wrong) goes into a later statement of the
//!   same batch, which sees the first one's outcome.
//!
//! Rows are sorted by key, so that batches lock sessions in one order (see [`super`]).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

use super::{Proof, Rotation, Sql, Write};
use crate::error::StoreError;

/// One statement of a batch: its SQL, its rows as the JSON bound to `$1`, and the jobs it
/// answers.
pub(super) struct Statement<'a> {
    sql: &'static str,
    rows: String,
    /// The column of a returned row that holds its job's key.
    pub(super) key_column: &'static str,
    /// Each job's key and its place in the batch, sorted by key.
    jobs: Vec<(&'a str, usize)>,
}

impl Statement<'_> {
    pub(super) fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        sqlx::query(self.sql).bind(&self.rows)
    }

    /// The place in the batch of the job whose key is `key`.
    pub(super) fn job_of(&self, key: &str) -> Option<usize> {
        let found = self.jobs.binary_search_by(|(k, _)| (*k).cmp(key)).ok()?;
        self.jobs.get(found).map(|(_, job)| *job)
    }
}

/// A write as a row of its statement's JSON, serialized straight from borrowed fields (no
/// `serde_json::Value` tree per job: docs/architecture.md, "Performance budgets").
trait BatchRow {
    type Row<'r>: Serialize
    where
        Self: 'r;
    fn key(&self) -> &str;
    fn row(&self) -> Self::Row<'_>;
}

/// A row of `rotate_batch!`'s `j` (`sessions`).
#[derive(Serialize)]
struct RotationRow<'r> {
    sid: &'r str,
    expected: i64,
    now_at: i64,
    idle_until: i64,
    jkt: Option<&'r str>,
}

impl BatchRow for Rotation {
    type Row<'r> = RotationRow<'r>;

    fn key(&self) -> &str {
        &self.id
    }

    fn row(&self) -> RotationRow<'_> {
        RotationRow {
            sid: &self.id,
            expected: self.expected_generation,
            now_at: self.now,
            idle_until: self.new_idle_expires_at,
            jkt: self.dpop_jkt.as_deref(),
        }
    }
}

/// A row of `record_proofs!`'s `j` (`dpop_proofs`).
#[derive(Serialize)]
struct ProofRow<'r> {
    replay_key: &'r str,
    expires_at: i64,
}

impl BatchRow for Proof {
    type Row<'r> = ProofRow<'r>;

    fn key(&self) -> &str {
        &self.replay_key
    }

    fn row(&self) -> ProofRow<'_> {
        ProofRow { replay_key: &self.replay_key, expires_at: self.expires_at }
    }
}

/// The statements for `writes`, in the order to run them.
pub(super) fn plan<'a>(
    writes: impl Iterator<Item = &'a Write>,
    sql: Sql,
) -> Result<Vec<Statement<'a>>, StoreError> {
    // rounds[n]: the (n + 1)-th distinct rotation of each session in the batch.
    let mut rounds: Vec<Vec<(usize, &Rotation)>> = Vec::new();
    let mut placed: HashMap<&str, Vec<&Rotation>> = HashMap::new();
    let mut proofs = Vec::new();
    let mut replay_keys = HashSet::new();
    for (job, write) in writes.enumerate() {
        match write {
            Write::Rotate(rotation) => {
                let earlier = placed.entry(rotation.id.as_str()).or_default();
                if earlier.contains(&rotation) {
                    continue;
                }
                if rounds.len() == earlier.len() {
                    rounds.push(Vec::new());
                }
                if let Some(round) = rounds.get_mut(earlier.len()) {
                    round.push((job, rotation));
                }
                earlier.push(rotation);
            }
            Write::RecordProof(proof) => {
                if replay_keys.insert(proof.replay_key.as_str()) {
                    proofs.push((job, proof));
                }
            }
        }
    }
    let mut statements =
        rounds.into_iter().map(|round| statement(sql.rotate, "id", round)).collect::<Result<Vec<_>, _>>()?;
    if !proofs.is_empty() {
        statements.push(statement(sql.record_proofs, "replay_key", proofs)?);
    }
    Ok(statements)
}

/// One statement for `jobs`, whose keys are distinct.
fn statement<'a, T: BatchRow>(
    sql: &'static str,
    key_column: &'static str,
    mut jobs: Vec<(usize, &'a T)>,
) -> Result<Statement<'a>, StoreError> {
    jobs.sort_unstable_by(|(_, a), (_, b)| a.key().cmp(b.key()));
    let rows = jobs.iter().map(|(_, write)| write.row()).collect::<Vec<_>>();
    let rows = serde_json::to_string(&rows).map_err(|e| StoreError::Database(format!("batch rows: {e}")))?;
    let jobs = jobs.into_iter().map(|(job, write)| (write.key(), job)).collect();
    Ok(Statement { sql, rows, key_column, jobs })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{Proof, Rotation, Sql, Write};
    use super::plan;
    use crate::error::Backend;

    fn rotate(id: &str, generation: i64, key: Option<&str>) -> Write {
        Write::Rotate(Rotation {
            id: id.into(),
            expected_generation: generation,
            now: 10,
            new_idle_expires_at: 20,
            dpop_jkt: key.map(Into::into),
        })
    }

    fn proof(key: &str) -> Write {
        Write::RecordProof(Proof { replay_key: key.into(), expires_at: 30 })
    }

    #[test]
    fn equal_jobs_share_a_row_and_differing_ones_wait_for_the_next_statement() {
        let writes = [
            rotate("b", 0, Some("k1")),
            rotate("a", 0, None),
            proof("p2"),
            rotate("b", 0, Some("k1")),
            rotate("b", 0, Some("k2")),
            proof("p1"),
            proof("p2"),
            rotate("b", 1, Some("k2")),
        ];
        let statements = plan(writes.iter(), Sql::of(Backend::Sqlite)).unwrap();
        let rows: Vec<serde_json::Value> =
            statements.iter().map(|s| serde_json::from_str(&s.rows).unwrap()).collect();
        let keys = |n: usize, field: &str| -> Vec<String> {
            rows[n].as_array().unwrap().iter().map(|row| row[field].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(statements.len(), 4);
        // Sorted by key; the second "b" job equal to the first has no row.
        assert_eq!(keys(0, "sid"), ["a", "b"]);
        assert_eq!((statements[0].job_of("a"), statements[0].job_of("b")), (Some(1), Some(0)));
        assert_eq!(keys(1, "sid"), ["b"]);
        assert_eq!(statements[1].job_of("b"), Some(4));
        assert_eq!(statements[2].job_of("b"), Some(7));
        assert_eq!(rows[2][0]["expected"], 1);
        assert_eq!(keys(3, "replay_key"), ["p1", "p2"]);
        assert_eq!((statements[3].job_of("p1"), statements[3].job_of("p2")), (Some(5), Some(2)));
        assert_eq!(statements[3].job_of("p3"), None);
    }
}
