//! The BFF's sessions in SQLite or PostgreSQL (sqlx `Any`), so that several BFF processes
//! behind one load balancer share them. Migrations are the crate's own (`migrations/`).
//!
//! [`SessionStore::lock`] is the one place a session's tokens change: a row lock held for the
//! whole refresh (PostgreSQL `SELECT … FOR UPDATE`; SQLite `BEGIN IMMEDIATE`, which takes the
//! database's write lock), so a second request — in this process or another — waits, then
//! reads the refreshed tokens instead of spending the refresh token again.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::error::BffError;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// One session row; the cookie value itself is never stored.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub id_hash: String,
    pub sealed_tokens: String,
    pub access_expires_at: i64,
    pub sub: String,
    pub sid: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str =
    "id_hash, sealed_tokens, access_expires_at, sub, sid, created_at, last_seen_at, expires_at";

fn row_of(row: &AnyRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        id_hash: row.try_get("id_hash")?,
        sealed_tokens: row.try_get("sealed_tokens")?,
        access_expires_at: row.try_get("access_expires_at")?,
        sub: row.try_get("sub")?,
        sid: row.try_get("sid")?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// Writers wait for the lock (`BEGIN IMMEDIATE` of another process) rather than fail;
/// WAL lets readers go on meanwhile.
async fn sqlite_settings(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;").await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct SessionStore {
    pool: AnyPool,
    backend: Backend,
}

impl SessionStore {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self, BffError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let options = AnyPoolOptions::new().acquire_timeout(std::time::Duration::from_secs(10));
        let pool = match backend {
            Backend::Postgres => options.max_connections(10).connect(url).await?,
            Backend::Sqlite => {
                let single = url.contains(":memory:") || url.contains("mode=memory");
                options
                    .max_connections(if single { 1 } else { 4 })
                    .after_connect(|conn, _| Box::pin(sqlite_settings(conn)))
                    .connect(url)
                    .await?
            }
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator.run(&pool).await.map_err(|error| {
            tracing::error!(%error, "BFF session migrations");
            BffError::Unavailable
        })?;
        Ok(Self { pool, backend })
    }

    pub async fn insert(&self, row: &SessionRow) -> Result<(), BffError> {
        sqlx::query(&format!("INSERT INTO bff_sessions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
            .bind(&row.id_hash)
            .bind(&row.sealed_tokens)
            .bind(row.access_expires_at)
            .bind(&row.sub)
            .bind(row.sid.clone())
            .bind(row.created_at)
            .bind(row.last_seen_at)
            .bind(row.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn find(&self, id_hash: &str) -> Result<Option<SessionRow>, BffError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM bff_sessions WHERE id_hash = $1"))
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(row_of).transpose()?)
    }

    /// Records use of the session (for the idle limit).
    pub async fn touch(&self, id_hash: &str, now: i64) -> Result<(), BffError> {
        sqlx::query("UPDATE bff_sessions SET last_seen_at = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete(&self, id_hash: &str) -> Result<bool, BffError> {
        let done = sqlx::query("DELETE FROM bff_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of Latchkey browser session `sid` (back-channel logout).
    pub async fn delete_by_sid(&self, sid: &str) -> Result<u64, BffError> {
        let done =
            sqlx::query("DELETE FROM bff_sessions WHERE sid = $1").bind(sid).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    /// Ends every session of user `sub` (back-channel logout without `sid`).
    pub async fn delete_by_sub(&self, sub: &str) -> Result<u64, BffError> {
        let done =
            sqlx::query("DELETE FROM bff_sessions WHERE sub = $1").bind(sub).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    /// Opens a transaction holding the session's row lock; `None` when the row is gone.
    pub async fn lock(&self, id_hash: &str) -> Result<Option<LockedSession>, BffError> {
        let (mut tx, select) = match self.backend {
            Backend::Postgres => (
                self.pool.begin().await?,
                format!("SELECT {COLUMNS} FROM bff_sessions WHERE id_hash = $1 FOR UPDATE"),
            ),
            Backend::Sqlite => (
                self.pool.begin_with("BEGIN IMMEDIATE").await?,
                format!("SELECT {COLUMNS} FROM bff_sessions WHERE id_hash = $1"),
            ),
        };
        let row = sqlx::query(&select).bind(id_hash).fetch_optional(&mut *tx).await?;
        match row.as_ref().map(row_of).transpose()? {
            Some(row) => Ok(Some(LockedSession { tx, row })),
            None => Ok(None),
        }
    }
}

/// A session row under lock; dropping it without [`LockedSession::commit`] rolls back.
pub struct LockedSession {
    tx: Transaction<'static, Any>,
    pub row: SessionRow,
}

impl LockedSession {
    /// Stores refreshed tokens and releases the lock.
    pub async fn replace_tokens(mut self, sealed: &str, access_expires_at: i64) -> Result<(), BffError> {
        sqlx::query("UPDATE bff_sessions SET sealed_tokens = $2, access_expires_at = $3 WHERE id_hash = $1")
            .bind(&self.row.id_hash)
            .bind(sealed)
            .bind(access_expires_at)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Deletes the session (its refresh token was refused) and releases the lock.
    pub async fn delete(mut self) -> Result<(), BffError> {
        sqlx::query("DELETE FROM bff_sessions WHERE id_hash = $1")
            .bind(&self.row.id_hash)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Releases the lock without changes.
    pub async fn release(self) -> Result<(), BffError> {
        self.tx.commit().await?;
        Ok(())
    }
}
