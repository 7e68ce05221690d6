//! The store's error type and the mapping from sqlx errors to it.
//!
//! The server turns [`StoreError::Unavailable`] into `503 Service Unavailable` (the client may
//! retry) and everything else into `500`, except [`StoreError::Conflict`], which admin endpoints
//! report as `409`. Messages never carry secrets: sqlx errors describe the statement's failure,
//! never the bound values, and we never format a password hash or a sealed key into one.

use std::borrow::Cow;

use sqlx::error::DatabaseError;

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Connection refused or closed, pool timeout, I/O error, server shutting down, SQLite busy
    /// for longer than the busy timeout: transient, the server answers 503.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A unique constraint was violated; the payload names what conflicted ("user alice").
    #[error("{0} already exists")]
    Conflict(String),
    /// The database URL is malformed or names an unsupported backend.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// Anything else: a bug, a corrupt row, a failed migration.
    #[error("database error: {0}")]
    Database(String),
}

impl StoreError {
    /// True for errors that say "try again later" rather than "this request is wrong".
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// A row whose contents this version cannot interpret.
    pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> Self {
        Self::Database(format!("corrupt {what}: {detail}"))
    }
}

/// The database behind a store, chosen by the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite:` / `sqlite://` or `postgres://` / `postgresql://`.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            // Only the scheme is echoed: the rest may hold a password.
            let scheme = url.split_once(':').map_or("(none)", |(scheme, _)| scheme);
            Err(StoreError::InvalidUrl(format!("unsupported scheme {scheme:?}; use sqlite: or postgres://")))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Maps a sqlx error. `what` names the row being written, for [`StoreError::Conflict`]
/// (for example `user alice`); reads pass something descriptive too, it is only used there.
pub(crate) fn map_sqlx(err: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match err {
        sqlx::Error::Database(db) => map_database(db.as_ref(), what),
        sqlx::Error::Io(e) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::Tls(e) => StoreError::Unavailable(format!("TLS: {e}")),
        sqlx::Error::PoolTimedOut => StoreError::Unavailable("timed out waiting for a connection".into()),
        sqlx::Error::PoolClosed => StoreError::Unavailable("connection pool closed".into()),
        sqlx::Error::WorkerCrashed => StoreError::Unavailable("SQLite worker thread crashed".into()),
        sqlx::Error::Migrate(m) => match *m {
            sqlx::migrate::MigrateError::Execute(e) | sqlx::migrate::MigrateError::ExecuteMigration(e, _) => {
                match map_sqlx(e, what) {
                    unavailable @ StoreError::Unavailable(_) => unavailable,
                    other => StoreError::Database(format!("migration failed: {other}")),
                }
            }
            other => StoreError::Database(format!("migration failed: {other}")),
        },
        other => StoreError::Database(other.to_string()),
    }
}

fn map_database(db: &dyn DatabaseError, what: impl FnOnce() -> String) -> StoreError {
    if db.is_unique_violation() {
        return StoreError::Conflict(what());
    }
    let code = db.code().unwrap_or(Cow::Borrowed(""));
    let unavailable = if db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_some() {
        pg_unavailable(&code)
    } else {
        sqlite_unavailable(&code)
    };
    let message = match code.as_ref() {
        "" => db.message().to_owned(),
        code => format!("{} (code {code})", db.message()),
    };
    if unavailable {
        StoreError::Unavailable(message)
    } else {
        StoreError::Database(message)
    }
}

/// SQLSTATE classes that mean "the server is not (or no longer) there":
/// 08 connection exception, 57P01 admin_shutdown, 57P02 crash_shutdown,
/// 57P03 cannot_connect_now, 53300 too_many_connections.
fn pg_unavailable(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "53300")
}

/// SQLite primary result codes (the low byte of the extended code) that are transient or
/// environmental: BUSY (5), LOCKED (6), IOERR (10), FULL (13), CANTOPEN (14).
fn sqlite_unavailable(code: &str) -> bool {
    code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 10 | 13 | 14))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite:x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("sqlite://x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://h/db").ok(), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://h/db").ok(), Some(Backend::Postgres));
        let err = Backend::from_url("mysql://root:hunter2@h/db").unwrap_err();
        assert!(matches!(err, StoreError::InvalidUrl(_)));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn sqlstate_classes() {
        assert!(pg_unavailable("08006"));
        assert!(pg_unavailable("57P01"));
        assert!(!pg_unavailable("23505"));
        assert!(!pg_unavailable("42P01"));
        assert!(sqlite_unavailable("5"));
        assert!(sqlite_unavailable("517")); // SQLITE_BUSY_SNAPSHOT
        assert!(!sqlite_unavailable("2067")); // SQLITE_CONSTRAINT_UNIQUE
        assert!(!sqlite_unavailable("1"));
    }

    #[test]
    fn unavailable_is_unavailable() {
        assert!(StoreError::Unavailable("x".into()).is_unavailable());
        assert!(!StoreError::Database("x".into()).is_unavailable());
    }
}
