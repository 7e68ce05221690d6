//! Test support for every crate of the workspace (feature `testing`): throwaway databases,
//! one test run on both backends ([`on_both_backends!`](crate::on_both_backends)), and
//! skipping that is seen ([`skip`]).
//!
//! [`TestDatabase::sqlite`] is a fresh file in a new temporary directory;
//! [`TestDatabase::postgres`] is a fresh schema in the database named by
//! `LATCHKEY_TEST_POSTGRES_URL`, or `None` (with a `skipped:` line) when that variable is not
//! set. Either way [`TestDatabase::url`] is a self-contained URL that other processes (a server
//! under test) can use, and dropping the value removes the database.
//!
//! Test support fails loudly: a database that was asked for but cannot be made (the variable
//! is set, the server does not answer) is a broken test environment, not something to skip,
//! hence the panics allowed below.
#![allow(clippy::panic, clippy::expect_used)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection;

use crate::{Backend, SqlStore, Store};

mod backends;
mod faults;
mod proxy;
mod skip;

pub use backends::{run, run_blocking, Fixture};
pub use faults::FailingSessionRevocations;
pub use proxy::CuttableProxy;
pub use skip::{required, skip, skip_unless_required, REQUIRE_VAR, SKIP_LOG_VAR};

/// The environment variable naming the PostgreSQL database the tests may create schemas in.
pub const POSTGRES_URL_VAR: &str = "LATCHKEY_TEST_POSTGRES_URL";

/// A database that exists for as long as this value does.
pub struct TestDatabase {
    /// Connect with [`SqlStore::connect`] (or hand to a server under test).
    pub url: String,
    backend: Backend,
    /// Keeps the SQLite file's directory alive.
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL server URL and the schema to drop.
    schema: Option<(String, String)>,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase").field("backend", &self.backend).field("url", &self.url).finish()
    }
}

impl TestDatabase {
    /// A new SQLite file in a new temporary directory.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::Builder::new()
            .prefix("latchkey-test-")
            .tempdir()
            .expect("create a temporary directory for a SQLite test database");
        let path = dir.path().join("latchkey.db");
        TestDatabase {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend: Backend::Sqlite,
            _dir: Some(dir),
            schema: None,
        }
    }

    /// A new database of `backend`, or `None` when the test is skipped (PostgreSQL without
    /// `LATCHKEY_TEST_POSTGRES_URL`).
    pub fn of(backend: Backend) -> Option<TestDatabase> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres(),
        }
    }

    /// A new schema `lk_test_<random hex>` in `$LATCHKEY_TEST_POSTGRES_URL`, or `None` (the test
    /// is [`skip`]ped) when the variable is not set. The URL selects the schema with
    /// `options=-c search_path=<schema>`. Panics when the variable is set but the schema cannot
    /// be made: a PostgreSQL test that cannot reach its database fails.
    pub fn postgres() -> Option<TestDatabase> {
        match std::env::var(POSTGRES_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => Some(Self::postgres_in(url)),
            _ => {
                skip(&format!("{POSTGRES_URL_VAR} not set"));
                None
            }
        }
    }

    /// A new schema in the PostgreSQL database at `base`.
    fn postgres_in(base: String) -> TestDatabase {
        let schema = format!("lk_test_{}", random_hex());
        let create = format!("CREATE SCHEMA {schema}");
        if let Err(e) = execute_detached(base.clone(), create) {
            panic!("{POSTGRES_URL_VAR} is set but schema {schema} could not be created: {e}");
        }
        TestDatabase {
            url: with_search_path(&base, &schema),
            backend: Backend::Postgres,
            _dir: None,
            schema: Some((base, schema)),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Connects and migrates.
    pub async fn store(&self) -> SqlStore {
        let store = SqlStore::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connect to the {} test database: {e}", self.backend));
        store.migrate().await.unwrap_or_else(|e| panic!("migrate the {} test database: {e}", self.backend));
        store
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.schema.take() {
            // Best effort; a lock held by a still-open pool must not hang the test run.
            let sql = format!("SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE");
            let _ = execute_detached(base, sql);
        }
    }
}

/// Appends `options=-c search_path=<schema>` (percent-encoded) to a PostgreSQL URL.
fn with_search_path(base: &str, schema: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{schema}")
}

/// Runs `sql` on a fresh connection to `url`, on a short-lived thread with its own runtime, so
/// that it works from synchronous code, from `Drop`, and from inside another runtime alike.
fn execute_detached(url: String, sql: String) -> Result<(), String> {
    std::thread::spawn(move || {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime
            .block_on(async {
                let mut conn = sqlx::PgConnection::connect(&url).await?;
                sqlx::Executor::execute(&mut conn, sqlx::raw_sql(&sql)).await?;
                conn.close().await
            })
            .map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| "helper thread panicked".to_owned())?
}

/// 128 bits, unique per process (counter) and across processes (random keys, pid, time).
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut out = String::with_capacity(32);
    for half in 0..2u8 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u8(half);
        hasher.write_u64(count);
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn search_path_is_encoded() {
        assert_eq!(
            with_search_path("postgres://u@h/db", "lk_test_ab"),
            "postgres://u@h/db?options=-c%20search_path%3Dlk_test_ab"
        );
        assert_eq!(
            with_search_path("postgres://u@h/db?sslmode=disable", "s"),
            "postgres://u@h/db?sslmode=disable&options=-c%20search_path%3Ds"
        );
    }

    /// Nothing listens on port 1: with the variable set, an unreachable server is a failure.
    #[test]
    #[should_panic(expected = "could not be created")]
    fn unreachable_postgres_fails_instead_of_skipping() {
        TestDatabase::postgres_in("postgres://postgres@127.0.0.1:1/test".to_owned());
    }

    #[test]
    fn random_hex_is_fresh() {
        let (a, b) = (random_hex(), random_hex());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
