//! Injected database failures, to prove that writes which belong together commit together.
//!
//! [`FailingSessionRevocations`] installs a trigger that makes every statement setting
//! `sessions.revoked_at` fail, on SQLite (`RAISE(ABORT)`) and PostgreSQL (a PL/pgSQL
//! function). A unit of work whose first statement succeeded and whose second — ending
//! sessions — fails must leave no trace of the first.

use sqlx::{AnyConnection, Connection};

use crate::Backend;

const SQLITE_INSTALL: &str = "CREATE TRIGGER latchkey_test_fail_revocations \
     BEFORE UPDATE OF revoked_at ON sessions \
     BEGIN SELECT RAISE(ABORT, 'injected failure: sessions cannot be revoked'); END;";
const SQLITE_REMOVE: &str = "DROP TRIGGER latchkey_test_fail_revocations;";
const POSTGRES_INSTALL: &str = "CREATE FUNCTION latchkey_test_fail_revocations() RETURNS trigger \
     LANGUAGE plpgsql AS $$ BEGIN \
     RAISE EXCEPTION 'injected failure: sessions cannot be revoked'; END $$; \
     CREATE TRIGGER latchkey_test_fail_revocations BEFORE UPDATE OF revoked_at ON sessions \
     FOR EACH ROW EXECUTE FUNCTION latchkey_test_fail_revocations();";
const POSTGRES_REMOVE: &str = "DROP TRIGGER latchkey_test_fail_revocations ON sessions; \
     DROP FUNCTION latchkey_test_fail_revocations();";

/// While this value is installed, revoking a session fails in the database.
#[derive(Debug)]
pub struct FailingSessionRevocations {
    url: String,
    backend: Backend,
}

impl FailingSessionRevocations {
    /// Installs the trigger in the (migrated) database at `url`.
    pub async fn install(url: &str) -> FailingSessionRevocations {
        let backend = Backend::from_url(url).expect("a test database URL");
        let sql = match backend {
            Backend::Sqlite => SQLITE_INSTALL,
            Backend::Postgres => POSTGRES_INSTALL,
        };
        execute(url, sql).await;
        FailingSessionRevocations { url: url.to_owned(), backend }
    }

    /// Lets revocations succeed again.
    pub async fn remove(self) {
        let sql = match self.backend {
            Backend::Sqlite => SQLITE_REMOVE,
            Backend::Postgres => POSTGRES_REMOVE,
        };
        execute(&self.url, sql).await;
    }
}

async fn execute(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.expect("connect to the test database");
    sqlx::Executor::execute(&mut conn, sqlx::raw_sql(sql)).await.expect("change the fault trigger");
    let _ = conn.close().await;
}
