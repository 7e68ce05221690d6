//! The rotation batch reads each session by its primary key, never by a scan of `sessions`,
//! on both backends: checked with the databases' own `EXPLAIN` over 3,000 sessions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::Row;

use super::Sql;
use crate::error::Backend;
use crate::testing::TestDatabase;
use crate::{SqlStore, Store};

/// The plan's lines for a batch of three rotations.
async fn plan_of(backend: Backend) -> Option<Vec<String>> {
    let db = TestDatabase::of(backend)?;
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    for seed in [
        "INSERT INTO users (id, username, password_hash, created_at, updated_at) VALUES ('u1', 'alice', 'x', 0, 0)",
        "INSERT INTO clients (id, name, kind, created_at) VALUES ('c1', 'c', 'public', 0)",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
         INSERT INTO sessions (id, user_id, client_id, scope, auth_time, created_at, last_used_at, \
         idle_expires_at, absolute_expires_at) SELECT 's' || i, 'u1', 'c1', 'openid', 0, 0, 0, 100, 200 FROM n",
        "ANALYZE",
    ] {
        sqlx::query(seed).execute(&store.writer).await.unwrap();
    }
    let (explain, column) = match backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
        Backend::Postgres => ("EXPLAIN ", 0),
    };
    let rows = r#"[{"sid":"s7","expected":0,"now_at":50,"idle_until":90,"jkt":null},
                   {"sid":"s8","expected":0,"now_at":50,"idle_until":90,"jkt":"k"},
                   {"sid":"s9","expected":0,"now_at":50,"idle_until":90,"jkt":null}]"#;
    let plan = sqlx::query(&format!("{explain}{}", Sql::of(backend).rotate))
        .bind(rows)
        .fetch_all(&store.writer)
        .await
        .unwrap();
    Some(plan.iter().map(|row| row.try_get::<String, _>(column).unwrap()).collect())
}

#[tokio::test]
async fn sqlite_rotates_a_batch_by_primary_key() {
    let plan = plan_of(Backend::Sqlite).await.unwrap();
    assert!(
        plan.iter().any(|line| line == "SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 (id=?)"),
        "{plan:#?}"
    );
    assert!(!plan.iter().any(|line| line.starts_with("SCAN sessions")), "{plan:#?}");
}

#[tokio::test]
async fn postgres_rotates_a_batch_by_primary_key() {
    let Some(plan) = plan_of(Backend::Postgres).await else { return };
    assert!(plan.iter().any(|line| line.contains("Index Scan on sessions_pkey")), "{plan:#?}");
    assert!(!plan.iter().any(|line| line.contains("Seq Scan on sessions")), "{plan:#?}");
}
