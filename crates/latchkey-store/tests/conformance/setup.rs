//! Connection setup and failure behaviour, which differ by backend by nature.

use std::collections::HashSet;

use latchkey_store::testing::{CuttableProxy, TestDatabase};
use latchkey_store::{Backend, SqlStore, Store, StoreError, UserStore};

use super::{new_user, NOW};

#[tokio::test]
async fn invalid_urls_are_rejected() {
    let err = SqlStore::connect("mysql://root:hunter2@localhost/db").await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidUrl(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"));
    assert_eq!(Backend::from_url("postgresql://h/db").unwrap(), Backend::Postgres);
}

#[tokio::test]
async fn unreachable_postgres_is_unavailable() {
    // Nothing listens on port 1: connection refused, surfaced within the acquire timeout.
    let started = std::time::Instant::now();
    let err = SqlStore::connect("postgres://postgres@127.0.0.1:1/test").await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode() {
    use sqlx::{Connection, Row};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    // No `mode=rwc` in the URL: the store adds it.
    let store = SqlStore::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    store.migrate().await.unwrap();
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    assert!(path.exists());
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(&mut conn).await.unwrap().get(0);
    assert_eq!(mode, "wal");
    store.close().await;
}

#[tokio::test]
async fn sqlite_in_memory_is_one_database() {
    let store = SqlStore::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    // Concurrent callers share the single connection, hence the same database.
    let reads: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.user_by_username("alice").await })
        })
        .collect();
    let mut ids = HashSet::new();
    for read in reads {
        ids.insert(read.await.unwrap().unwrap().unwrap().id);
    }
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["u1"]);
}

#[test]
fn postgres_test_database_drops_its_schema() {
    let Some(db) = TestDatabase::postgres() else {
        return;
    };
    let schema_of = |url: &str| -> String {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            use sqlx::{Connection, Row};
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query("SELECT current_schema()::text").fetch_one(&mut conn).await.unwrap().get(0)
        })
    };
    let schema = schema_of(&db.url);
    assert!(schema.starts_with("lk_test_"), "{schema}");
    drop(db);
    let base = std::env::var(latchkey_store::testing::POSTGRES_URL_VAR).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let exists: bool = runtime.block_on(async {
        use sqlx::{Connection, Row};
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(&schema)
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get(0)
    });
    assert!(!exists, "schema {schema} survived the drop");
}

/// After an outage the store recovers by itself, and connections that sat idle in the pool
/// through it are not handed out dead: at most the request that discovered the outage fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_recovers_after_an_outage() {
    let Some(db) = TestDatabase::postgres() else {
        return;
    };
    let (proxy, url) = CuttableProxy::in_front_of(&db).await.unwrap();
    let store = SqlStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    // Fill the pool with several idle connections.
    let reads: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.user_by_username("alice").await })
        })
        .collect();
    for read in reads {
        read.await.unwrap().unwrap().unwrap();
    }

    proxy.cut().await;
    let err = store.ping().await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    let err = store.user_by_username("alice").await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");

    proxy.restore().await.unwrap();
    for _ in 0..10 {
        store.ping().await.unwrap();
        assert!(store.user_by_username("alice").await.unwrap().is_some());
    }
    drop(store);
    proxy.cut().await;
}

/// Two processes starting at once on an empty SQLite file (two stores here, each with its
/// own pools, as two processes have) both open and migrate it; repeated, as the race is one.
#[tokio::test]
async fn two_stores_migrating_one_empty_sqlite_file_at_once_both_succeed() {
    for round in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("latchkey.db").display());
        let starts: Vec<_> = (0..2)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move {
                    let store = SqlStore::connect(&url).await?;
                    store.migrate().await?;
                    store.ping().await
                })
            })
            .collect();
        for start in starts {
            start.await.unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
}
