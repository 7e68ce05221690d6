//! [`SqlStore`]: the one implementation of the storage traits, over `sqlx::AnyPool`.

mod clients;
mod keys;
mod sessions;
mod users;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Connection, Row};

use crate::error::{map_sqlx, Backend, StoreError};
use crate::traits::Store;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a caller waits for a pooled connection before the store answers
/// [`StoreError::Unavailable`]: short, so an outage becomes a quick 503, not a hung request.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// SQLite allows one writer at a time; a few connections are enough to overlap reads with it.
const SQLITE_MAX_CONNECTIONS: u32 = 4;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;
/// A PostgreSQL connection idle for this long is pinged before use (a restart of the server
/// while it sat in the pool would otherwise cost one failed request). Busy connections are not
/// pinged, so a rotation stays one round trip.
const POSTGRES_IDLE_PING: Duration = Duration::from_secs(10);

/// Per-connection SQLite settings. `busy_timeout` first, so the rest wait for locks;
/// `synchronous=FULL` because a refresh that returned 200 must survive a crash (in WAL mode
/// FULL syncs the WAL at every commit); `foreign_keys` for the `ON DELETE CASCADE`s.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
                              PRAGMA journal_mode = WAL; \
                              PRAGMA synchronous = FULL; \
                              PRAGMA foreign_keys = ON;";

/// The SQL implementation of [`Store`] for SQLite and PostgreSQL. Cheap to clone (the pool is
/// reference counted).
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for SqlStore {
    // The URL is not kept, so it cannot leak a password through Debug.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .field("pool_size", &self.pool.size())
            .finish()
    }
}

impl SqlStore {
    /// Opens a connection pool (and checks that one connection can be made).
    ///
    /// SQLite: the file is created if missing (`mode=rwc` unless the URL sets a mode), WAL,
    /// `synchronous=FULL`, `busy_timeout=5000`, `foreign_keys=ON`, at most 4 connections.
    /// An in-memory URL (`sqlite::memory:`) gets a single connection that is never recycled,
    /// since every connection would otherwise open a database of its own.
    ///
    /// PostgreSQL: at most 10 connections; `?options=-c search_path=...` in the URL is honoured.
    ///
    /// Acquiring a connection waits at most 3 s, then fails with [`StoreError::Unavailable`];
    /// the pool reconnects by itself once the database is back.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // sqlx would otherwise ping before every acquire: a second round trip per query.
            .test_before_acquire(false);
        let (url, pool_options) = match backend {
            Backend::Sqlite => {
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                let pool_options =
                    pool_options.after_connect(|conn, _meta| Box::pin(sqlite_pragmas(conn)));
                if in_memory {
                    let pool_options = pool_options
                        .max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None);
                    (url.to_owned(), pool_options)
                } else {
                    (
                        sqlite_url_with_mode(url),
                        pool_options.max_connections(SQLITE_MAX_CONNECTIONS),
                    )
                }
            }
            Backend::Postgres => {
                let pool_options = pool_options
                    .max_connections(POSTGRES_MAX_CONNECTIONS)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= POSTGRES_IDLE_PING {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    });
                (url.to_owned(), pool_options)
            }
        };
        let connect_options: AnyConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| StoreError::InvalidUrl(e.to_string()))?;
        let pool = pool_options
            .connect_with(connect_options)
            .await
            .map_err(|e| match e {
                sqlx::Error::Configuration(e) => StoreError::InvalidUrl(e.to_string()),
                e => map_sqlx(e, || "database".into()),
            })?;
        tracing::debug!(%backend, "database pool opened");
        Ok(SqlStore { pool, backend })
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

async fn sqlite_pragmas(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, SQLITE_PRAGMAS).await?;
    Ok(())
}

/// Adds `mode=rwc` (create if missing) unless the URL already says which mode it wants.
fn sqlite_url_with_mode(url: &str) -> String {
    let has_mode = url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("mode=")));
    if has_mode {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(|e| map_sqlx(e, || "ping".into()))?;
        Ok(())
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| map_sqlx(sqlx::Error::Migrate(Box::new(e)), || "migration".into()))
    }
}

/// Reads a column, turning a type mismatch into [`StoreError::Database`].
fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(name)
        .map_err(|e| StoreError::corrupt("row", format!("column {name}: {e}")))
}

/// Lists are stored as JSON arrays of strings in a TEXT column.
fn to_json(list: &[impl AsRef<str>]) -> String {
    let items: Vec<&str> = list.iter().map(AsRef::as_ref).collect();
    serde_json::Value::from(items).to_string()
}

fn from_json(row: &AnyRow, name: &str) -> Result<Vec<String>, StoreError> {
    let raw: String = col(row, name)?;
    serde_json::from_str(&raw)
        .map_err(|e| StoreError::corrupt("row", format!("column {name}: {e}")))
}

/// Booleans are stored as BIGINT 0/1 (the Any driver has no portable boolean).
fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_mode_is_added_once() {
        assert_eq!(sqlite_url_with_mode("sqlite:a.db"), "sqlite:a.db?mode=rwc");
        assert_eq!(
            sqlite_url_with_mode("sqlite://a.db?cache=shared"),
            "sqlite://a.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_url_with_mode("sqlite:a.db?mode=ro"),
            "sqlite:a.db?mode=ro"
        );
    }

    #[test]
    fn lists_round_trip_through_json() {
        let json = to_json(&["a\"b", "c"]);
        assert_eq!(json, r#"["a\"b","c"]"#);
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ["a\"b", "c"]);
    }
}
