//! [`SqlStore`]: the one implementation of the storage traits, over `sqlx::AnyPool`.

mod account_tokens;
mod admin_pages;
mod audit;
mod backchannel_logout;
mod browser_sessions;
mod clients;
mod codes;
mod consents;
mod corrected_migrations;
mod dpop_proofs;
mod federation;
mod federation_flows;
mod group_commit;
mod instance;
mod keys;
mod linked_identities;
mod lockout;
mod migration_lock;
mod native_exchange;
mod outbox;
mod passkeys;
mod revocations;
mod second_factors;
mod sessions;
mod throttle;
mod unit_of_work;
mod upstream_tokens;
mod uptime;
mod users;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
/// SQLite readers; in WAL mode they never block the writer nor each other.
const SQLITE_READERS: u32 = 4;
const POSTGRES_MAX_CONNECTIONS: u32 = 10;
/// A PostgreSQL connection idle for this long is pinged before use, in case the server went
/// away meanwhile. Busy connections are not pinged (sqlx's default pings before every use: a
/// second round trip), so a rotation stays one round trip; see [`OutageClock`] for the rest.
const POSTGRES_IDLE_PING: Duration = Duration::from_secs(10);

/// Per-connection PostgreSQL settings: a statement that runs (or waits for a lock) longer
/// than 30 s is cancelled by the server, and a transaction left idle that long is ended, so a
/// stuck request never holds locks for the others. Generous, since migrations run under it too;
/// a request gives up sooner (the server's `request_timeout`).
const POSTGRES_SESSION: &str = "SET statement_timeout = '30s'; \
                                SET idle_in_transaction_session_timeout = '30s';";

/// Per-connection SQLite settings. `busy_timeout` first, so the rest wait for locks;
/// `synchronous=FULL` because a refresh that returned 200 must survive a crash (in WAL mode
/// FULL syncs the WAL at every commit); `foreign_keys` for the `ON DELETE CASCADE`s.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                              PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// The SQL implementation of [`Store`] for SQLite and PostgreSQL. Cheap to clone (the pools
/// are reference counted).
///
/// Reads go to `reader`, writes to `writer`. On PostgreSQL both are the same pool. On SQLite,
/// which allows one writer at a time, `writer` holds a single connection: writers of this
/// process queue in the pool (first come, first served) instead of contending for the file
/// lock, where SQLite's busy handler would make them sleep and retry (measured: concurrent
/// rotations ran at half the sequential rate that way). Other processes still contend
/// through the lock and `busy_timeout`.
#[derive(Clone)]
pub struct SqlStore {
    reader: AnyPool,
    writer: AnyPool,
    backend: Backend,
    outages: OutageClock,
    /// Rotations and DPoP proofs, committed in batches (see [`group_commit`]).
    group_commit: group_commit::WriteQueue,
    /// SQLite files only: the lock file that serialises migrations ([`migration_lock`]).
    migration_lock: Option<PathBuf>,
}

/// When this store last saw the database unavailable. A pooled connection that sat idle
/// through that moment may be dead (its server restarted, its link cut), so it is pinged
/// before its next use; connections in steady use are not. Without this, every idle
/// connection would fail one request after an outage; with it, only the request that
/// discovered the outage does.
#[derive(Clone, Debug)]
struct OutageClock {
    epoch: Instant,
    /// Milliseconds since `epoch` of the last outage seen; 0 for none.
    last_ms: Arc<AtomicU64>,
}

impl OutageClock {
    fn new() -> Self {
        Self { epoch: Instant::now(), last_ms: Arc::new(AtomicU64::new(0)) }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn record(&self) {
        self.last_ms.store(self.now_ms().max(1), Ordering::Relaxed);
    }

    /// True when an outage was seen within the last `window` (e.g. while a connection idled).
    fn seen_within(&self, window: Duration) -> bool {
        let last = self.last_ms.load(Ordering::Relaxed);
        let window = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        last != 0 && self.now_ms().saturating_sub(last) <= window
    }
}

impl std::fmt::Debug for SqlStore {
    // The URL is not kept, so it cannot leak a password through Debug.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .field("reader_connections", &self.reader.size())
            .field("writer_connections", &self.writer.size())
            .finish()
    }
}

impl SqlStore {
    /// Opens the connection pools (and checks that a connection can be made).
    ///
    /// SQLite: the file is created if missing (`mode=rwc` unless the URL sets a mode), WAL,
    /// `synchronous=FULL`, `busy_timeout=5000`, `foreign_keys=ON`; one writer connection and
    /// up to 4 readers. An in-memory URL (`sqlite::memory:`) gets a single connection that is
    /// never recycled, since every connection would otherwise open a database of its own.
    ///
    /// PostgreSQL: up to 10 connections, each with a 30 s `statement_timeout` and
    /// `idle_in_transaction_session_timeout`; `?options=-c search_path=...` in the URL is
    /// honoured. (sqlx sets no socket timeouts nor TCP keepalive; a silent link is bounded by
    /// the server's request timeout instead.)
    ///
    /// Acquiring a connection waits at most 3 s, then fails with [`StoreError::Unavailable`];
    /// the pool reconnects by itself once the database is back.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let outages = OutageClock::new();
        let (reader, writer, migration_lock) = match backend {
            Backend::Postgres => {
                let clock = outages.clone();
                let options = pool_options()
                    .max_connections(POSTGRES_MAX_CONNECTIONS)
                    .after_connect(|conn, _meta| Box::pin(run_settings(conn, POSTGRES_SESSION)))
                    .before_acquire(move |conn, meta| {
                        let suspect = meta.idle_for >= POSTGRES_IDLE_PING || clock.seen_within(meta.idle_for);
                        Box::pin(async move {
                            if suspect {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    });
                connect_once(url).await?;
                let pool = open(url, options).await?;
                (pool.clone(), pool, None)
            }
            Backend::Sqlite if url.contains(":memory:") || url.contains("mode=memory") => {
                let options = sqlite_pool_options()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
                let pool = open(url, options).await?;
                (pool.clone(), pool, None)
            }
            Backend::Sqlite => {
                let url = sqlite_url_with_mode(url);
                // The writer first: it creates the file and switches it to WAL (which takes an
                // exclusive lock) before any reader has it open.
                let writer = open(&url, sqlite_pool_options().max_connections(1)).await?;
                let reader = open(&url, sqlite_pool_options().max_connections(SQLITE_READERS)).await?;
                (reader, writer, Some(migration_lock::path_for(&url)?))
            }
        };
        let group_commit = group_commit::WriteQueue::start(writer.clone(), backend);
        let store = SqlStore { reader, writer, backend, outages, group_commit, migration_lock };
        tracing::debug!(%backend, "database pools opened");
        Ok(store)
    }

    /// Closes every connection; later calls fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// Maps a sqlx error (see [`map_sqlx`]) and remembers an outage.
    fn fail(&self, err: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
        self.note(map_sqlx(err, what))
    }

    /// Remembers an outage reported by an already mapped error.
    fn note(&self, err: StoreError) -> StoreError {
        if err.is_unavailable() {
            self.outages.record();
        }
        err
    }
}

fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // sqlx would otherwise ping before every acquire: a second round trip per query.
        .test_before_acquire(false)
}

fn sqlite_pool_options() -> AnyPoolOptions {
    pool_options().after_connect(|conn, _meta| Box::pin(run_settings(conn, SQLITE_PRAGMAS)))
}

fn connect_options(url: &str) -> Result<AnyConnectOptions, StoreError> {
    url.parse().map_err(|e: sqlx::Error| StoreError::InvalidUrl(e.to_string()))
}

fn map_connect_error(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Configuration(e) => StoreError::InvalidUrl(e.to_string()),
        e => map_sqlx(e, || "database".into()),
    }
}

async fn open(url: &str, options: AnyPoolOptions) -> Result<AnyPool, StoreError> {
    options.connect_with(connect_options(url)?).await.map_err(map_connect_error)
}

/// Makes one connection before the pool, which retries until [`ACQUIRE_TIMEOUT`] and then only
/// says "timed out": a database that is not there reports the real cause at start
/// ("connection refused", "password authentication failed"). A server that does not answer
/// at all is left to the pool's timeout.
async fn connect_once(url: &str) -> Result<(), StoreError> {
    let options = connect_options(url)?;
    match tokio::time::timeout(ACQUIRE_TIMEOUT, sqlx::AnyConnection::connect_with(&options)).await {
        Ok(Ok(connection)) => connection.close().await.map_err(map_connect_error),
        Ok(Err(e)) => Err(map_connect_error(e)),
        Err(_elapsed) => Ok(()),
    }
}

async fn run_settings(conn: &mut sqlx::AnyConnection, settings: &'static str) -> Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, settings).await?;
    Ok(())
}

/// Adds `mode=rwc` (create if missing) unless the URL already says which mode it wants.
fn sqlite_url_with_mode(url: &str) -> String {
    let has_mode =
        url.split_once('?').is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("mode=")));
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

    fn pool_usage(&self) -> Vec<crate::model::PoolUsage> {
        [("reader", &self.reader), ("writer", &self.writer)]
            .into_iter()
            .map(|(pool, p)| crate::model::PoolUsage {
                pool,
                connections: p.size(),
                idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            })
            .collect()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(|e| self.fail(e, || "ping".into()))?;
        Ok(())
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        // SQLite has no advisory lock: without this, two processes migrating an empty file at
        // once both see it unmigrated and one fails ("table users already exists").
        let _lock = match &self.migration_lock {
            Some(path) => Some(migration_lock::acquire(path).await?),
            None => None,
        };
        corrected_migrations::accept(&self.writer, self.backend, migrator)
            .await
            .map_err(|e| self.fail(e, || "migration history".into()))?;
        migrator
            .run(&self.writer)
            .await
            .map_err(|e| self.fail(sqlx::Error::Migrate(Box::new(e)), || "migration".into()))
    }
}

#[cfg(any(test, feature = "testing"))]
impl SqlStore {
    /// Applies the migrations up to `version` only, so that a test can write rows as an older
    /// version did and see what a later migration makes of them (then [`Store::migrate`]).
    /// Builds the migrator from sqlx's documented-hidden fields: test support only.
    pub async fn migrate_up_to(&self, version: i64) -> Result<(), StoreError> {
        let all = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        let older: Vec<_> = all.iter().filter(|m| m.version <= version).cloned().collect();
        let migrator = Migrator { migrations: std::borrow::Cow::Owned(older), ..Migrator::DEFAULT };
        migrator
            .run(&self.writer)
            .await
            .map_err(|e| self.fail(sqlx::Error::Migrate(Box::new(e)), || "migration".into()))
    }
}

/// Reads a column, turning a type mismatch into [`StoreError::Database`].
fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(name).map_err(|e| StoreError::corrupt("row", format!("column {name}: {e}")))
}

/// Lists are stored as JSON arrays of strings in a TEXT column.
fn to_json(list: &[impl AsRef<str>]) -> String {
    let items: Vec<&str> = list.iter().map(AsRef::as_ref).collect();
    serde_json::Value::from(items).to_string()
}

fn from_json(row: &AnyRow, name: &str) -> Result<Vec<String>, StoreError> {
    let raw: String = col(row, name)?;
    serde_json::from_str(&raw).map_err(|e| StoreError::corrupt("row", format!("column {name}: {e}")))
}

/// A sign-in method is stored as `amr` (a JSON array) and `idp`.
fn method_from_row(row: &AnyRow) -> Result<crate::model::SignInMethod, StoreError> {
    Ok(crate::model::SignInMethod { amr: from_json(row, "amr")?, idp: col(row, "idp")? })
}

/// Booleans are stored as BIGINT 0/1 (the Any driver has no portable boolean).
fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[cfg(test)]
mod tests;
