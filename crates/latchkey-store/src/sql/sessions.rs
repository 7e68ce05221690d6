//! [`SessionStore`] for [`SqlStore`]: one row per refresh-token family, rotated by a
//! compare-and-swap statement that rotates a whole batch at once.

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, from_json, method_from_row, to_json, SqlStore};
use crate::error::StoreError;
use crate::model::{NewSession, Session, SessionWithUser};
use crate::traits::SessionStore;

macro_rules! session_columns {
    () => {
        "id, user_id, client_id, scope, generation, rotated_at, auth_time, created_at, \
         last_used_at, idle_expires_at, absolute_expires_at, revoked_at, revoke_reason, ip, \
         user_agent, dpop_jkt, amr, idp"
    };
}

/// The same columns qualified with `s.`, for joins (`users` has an `id` too).
macro_rules! session_columns_s {
    () => {
        "s.id, s.user_id, s.client_id, s.scope, s.generation, s.rotated_at, s.auth_time, \
         s.created_at, s.last_used_at, s.idle_expires_at, s.absolute_expires_at, s.revoked_at, \
         s.revoke_reason, s.ip, s.user_agent, s.dpop_jkt, s.amr, s.idp"
    };
}

/// A live session at `$n`: the SQL form of the one rule,
/// [`latchkey_core::session::SessionLifetime`] (which [`crate::Session::is_live`] applies).
macro_rules! live_at {
    ($n:literal) => {
        concat!("revoked_at IS NULL AND idle_expires_at > ", $n, " AND absolute_expires_at > ", $n)
    };
}

/// When an unrevoked session stops being live: its earlier deadline
/// ([`latchkey_core::session::SessionLifetime::expires_at`]).
macro_rules! expires_at {
    () => {
        "CASE WHEN idle_expires_at < absolute_expires_at THEN idle_expires_at ELSE absolute_expires_at END"
    };
}
pub(super) use expires_at;
pub(super) use live_at;
pub(super) use session_columns;

/// The rotation compare-and-swap for a batch of rotations, written once for both backends;
/// only where the batch's rows come from differs (`$with` and `$jobs`, see [`ROTATE_SQLITE`]
/// and [`ROTATE_POSTGRES`]).
///
/// The batch is one JSON text parameter, an array of `{sid, expected, now_at, idle_until,
/// jkt}` (sqlx's `Any` driver cannot bind arrays), read as rows `j`; one `UPDATE ... FROM`
/// rotates every session whose row matches. A single statement is atomic on its own, so a
/// batch of rotations is one step on SQLite's connection thread and one round trip to
/// PostgreSQL, with no `BEGIN`/`COMMIT` (see [`super::group_commit`]).
///
/// The user's columns come from scalar subqueries in `RETURNING`, which SQLite (>= 3.35) and
/// PostgreSQL both accept: the update and the read of its user are one statement. (SQLite
/// cannot return the columns of the `FROM` rows, hence the session's own `id` identifies the
/// caller.) The user row is read in the same statement snapshot, and `users` is not modified,
/// so there is no window in which the session and the user disagree.
///
/// Exactly one caller wins a generation: PostgreSQL locks each row and re-checks the `WHERE`
/// clause against the winner's committed version (generation moved on: no match); SQLite runs
/// writers one at a time, and a write statement takes the write lock before reading, so the
/// busy timeout applies and no stale snapshot is ever updated. Within one statement a session
/// is updated at most once however many rows of `j` match it (both databases document that
/// for `UPDATE ... FROM`, but not which row's values are used), so the queue puts at most one
/// row per session in a statement and answers duplicates itself.
///
/// Each row of `j` is a primary-key lookup of `sessions`, never a scan (`EXPLAIN` with
/// thousands of sessions, kept true by the tests in `group_commit/explain.rs`): SQLite scans
/// `json_each` into `j`, scans `j` and searches `sqlite_autoindex_sessions_1 (id=?)`;
/// PostgreSQL, which estimates 100 rows for any set-returning function and would otherwise
/// hash-join a sequential scan of `sessions`, is given the ids as `id = ANY (ARRAY(...))` and
/// reads them through `sessions_pkey`.
macro_rules! rotate_batch {
    ($with:literal, $jobs:literal, $by_key:literal) => {
        concat!(
            $with,
            "UPDATE sessions SET generation = generation + 1, rotated_at = j.now_at, last_used_at = j.now_at, ",
            "idle_expires_at = CASE WHEN j.idle_until < absolute_expires_at THEN j.idle_until ",
            "ELSE absolute_expires_at END FROM ",
            $jobs,
            " WHERE ",
            $by_key,
            "sessions.id = j.sid AND sessions.generation = j.expected ",
            "AND (sessions.dpop_jkt IS NULL OR sessions.dpop_jkt = j.jkt) AND ",
            live_at!("j.now_at"),
            " RETURNING ",
            session_columns!(),
            ", (SELECT u.username FROM users u WHERE u.id = sessions.user_id) AS username",
            ", (SELECT u.email FROM users u WHERE u.id = sessions.user_id) AS email",
            ", (SELECT u.roles FROM users u WHERE u.id = sessions.user_id) AS roles",
            ", (SELECT u.disabled FROM users u WHERE u.id = sessions.user_id) AS user_disabled"
        )
    };
}

/// [`rotate_batch!`] on SQLite (`->>` needs 3.38, `MATERIALIZED` 3.35; the bundled library is
/// 3.46). `j` is materialized: as a subquery in `FROM` SQLite folded it into the `UPDATE`,
/// and each use of a column of `j` (eight per row) printed the row's JSON object back to
/// text and parsed it again; now each field is extracted once (docs/architecture.md,
/// "Performance budgets").
pub(super) const ROTATE_SQLITE: &str = rotate_batch!(
    "WITH j AS MATERIALIZED (SELECT value ->> 'sid' AS sid, value ->> 'expected' AS expected, \
     value ->> 'now_at' AS now_at, value ->> 'idle_until' AS idle_until, value ->> 'jkt' AS jkt \
     FROM json_each($1)) ",
    "j",
    ""
);

/// [`rotate_batch!`] on PostgreSQL.
pub(super) const ROTATE_POSTGRES: &str = rotate_batch!(
    "",
    "json_to_recordset($1::json) AS j(sid text, expected bigint, now_at bigint, idle_until bigint, jkt text)",
    "sessions.id = ANY (ARRAY(SELECT json_array_elements($1::json) ->> 'sid')) AND "
);

/// Revokes one session unless it already is (the statements below are shared with the unit
/// of work, so each is written once).
pub(super) fn revoke<'q>(id: &'q str, now: i64, reason: &'q str) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
}

/// Revokes every unrevoked session of a user, but `except`.
pub(super) fn revoke_of_user<'q>(
    user_id: &'q str,
    now: i64,
    reason: &'q str,
    except: Option<&'q str>,
) -> Query<'q, Any, AnyArguments<'q>> {
    let query = match except {
        None => sqlx::query(
            "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 \
             WHERE user_id = $1 AND revoked_at IS NULL",
        ),
        Some(_) => sqlx::query(
            "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 \
             WHERE user_id = $1 AND revoked_at IS NULL AND id <> $4",
        ),
    };
    let query = query.bind(user_id).bind(now).bind(reason);
    match except {
        None => query,
        Some(except) => query.bind(except),
    }
}

/// Revokes every unrevoked session started from a browser session.
pub(super) fn revoke_of_browser_session<'q>(
    browser_session_id: &'q str,
    now: i64,
    reason: &'q str,
) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 \
         WHERE browser_session_id = $1 AND revoked_at IS NULL",
    )
    .bind(browser_session_id)
    .bind(now)
    .bind(reason)
}

pub(super) fn session_from_row(row: &AnyRow) -> Result<Session, StoreError> {
    Ok(Session {
        id: col(row, "id")?,
        user_id: col(row, "user_id")?,
        client_id: col(row, "client_id")?,
        scope: col(row, "scope")?,
        generation: col(row, "generation")?,
        rotated_at: col(row, "rotated_at")?,
        auth_time: col(row, "auth_time")?,
        created_at: col(row, "created_at")?,
        last_used_at: col(row, "last_used_at")?,
        idle_expires_at: col(row, "idle_expires_at")?,
        absolute_expires_at: col(row, "absolute_expires_at")?,
        revoked_at: col(row, "revoked_at")?,
        revoke_reason: col(row, "revoke_reason")?,
        ip: col(row, "ip")?,
        user_agent: col(row, "user_agent")?,
        dpop_jkt: col(row, "dpop_jkt")?,
        method: method_from_row(row)?,
    })
}

/// A session row followed by `username, email, roles, user_disabled`.
fn session_with_user_from_row(row: &AnyRow) -> Result<SessionWithUser, StoreError> {
    let session = session_from_row(row)?;
    // NULL only if the user vanished, which `ON DELETE CASCADE` rules out.
    let username: Option<String> = col(row, "username")?;
    let username = username
        .ok_or_else(|| StoreError::corrupt("session", format!("session {} has no user", session.id)))?;
    Ok(SessionWithUser {
        session,
        username,
        email: col(row, "email")?,
        roles: from_json(row, "roles")?,
        user_disabled: col::<i64>(row, "user_disabled")? != 0,
    })
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(&self, s: &NewSession) -> Result<Session, StoreError> {
        sqlx::query(concat!(
            "INSERT INTO sessions (",
            session_columns!(),
            ", browser_session_id) VALUES ($1, $2, $3, $4, 0, NULL, $5, $6, $6, $7, $8, NULL, NULL, $9, $10, $14, $11, $12, $13)"
        ))
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(&s.client_id)
        .bind(&s.scope)
        .bind(s.auth_time)
        .bind(s.created_at)
        .bind(s.idle_expires_at)
        .bind(s.absolute_expires_at)
        .bind(&s.ip)
        .bind(&s.user_agent)
        .bind(to_json(&s.method.amr))
        .bind(&s.method.idp)
        .bind(&s.browser_session_id)
        .bind(&s.dpop_jkt)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("session {}", s.id)))?;
        Ok(Session {
            id: s.id.clone(),
            user_id: s.user_id.clone(),
            client_id: s.client_id.clone(),
            scope: s.scope.clone(),
            generation: 0,
            rotated_at: None,
            auth_time: s.auth_time,
            created_at: s.created_at,
            last_used_at: s.created_at,
            idle_expires_at: s.idle_expires_at,
            absolute_expires_at: s.absolute_expires_at,
            revoked_at: None,
            revoke_reason: None,
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
            dpop_jkt: s.dpop_jkt.clone(),
            method: s.method.clone(),
        })
    }

    async fn session(&self, id: &str) -> Result<Option<SessionWithUser>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            session_columns_s!(),
            ", u.username, u.email, u.roles, u.disabled AS user_disabled ",
            "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.fail(e, || format!("session {id}")))?
        .as_ref()
        .map(session_with_user_from_row)
        .transpose()
    }

    async fn rotate_session(
        &self,
        id: &str,
        expected_generation: i64,
        now: i64,
        new_idle_expires_at: i64,
        dpop_jkt: Option<&str>,
    ) -> Result<Option<SessionWithUser>, StoreError> {
        let row = self
            .group_commit
            .rotate(id, expected_generation, now, new_idle_expires_at, dpop_jkt)
            .await
            .map_err(|e| self.note(e))?;
        row.as_ref().map(session_with_user_from_row).transpose()
    }

    async fn revoke_session(&self, id: &str, now: i64, reason: &str) -> Result<bool, StoreError> {
        let done = revoke(id, now, reason)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("session {id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_user_sessions(
        &self,
        user_id: &str,
        now: i64,
        reason: &str,
        except_session: Option<&str>,
    ) -> Result<u64, StoreError> {
        let done = revoke_of_user(user_id, now, reason, except_session)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("sessions of user {user_id}")))?;
        Ok(done.rows_affected())
    }

    async fn revoke_browser_session_sessions(
        &self,
        browser_session_id: &str,
        now: i64,
        reason: &str,
    ) -> Result<u64, StoreError> {
        let done = revoke_of_browser_session(browser_session_id, now, reason)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || "sessions".into()))?;
        Ok(done.rows_affected())
    }

    async fn list_live_sessions(&self, user_id: Option<&str>, now: i64) -> Result<Vec<Session>, StoreError> {
        let query = match user_id {
            Some(user_id) => sqlx::query(concat!(
                "SELECT ",
                session_columns!(),
                " FROM sessions WHERE user_id = $1 AND ",
                live_at!("$2"),
                " ORDER BY created_at DESC, id DESC"
            ))
            .bind(user_id)
            .bind(now),
            None => sqlx::query(concat!(
                "SELECT ",
                session_columns!(),
                " FROM sessions WHERE ",
                live_at!("$1"),
                " ORDER BY created_at DESC, id DESC"
            ))
            .bind(now),
        };
        query
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "sessions".into()))?
            .iter()
            .map(session_from_row)
            .collect()
    }

    async fn delete_dead_sessions(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        // `DELETE ... LIMIT` is neither standard nor in SQLite's default build; the subquery
        // is portable and, with the expiry indexes, touches only the rows it deletes.
        let done = sqlx::query(
            "DELETE FROM sessions WHERE id IN (\
             SELECT id FROM sessions \
             WHERE revoked_at <= $1 OR idle_expires_at <= $1 OR absolute_expires_at <= $1 \
             LIMIT $2)",
        )
        .bind(cutoff)
        .bind(limit.max(0))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "sessions".into()))?;
        Ok(done.rows_affected())
    }
}
