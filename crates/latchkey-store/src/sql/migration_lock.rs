//! Serialises SQLite migrations across processes. PostgreSQL migrations take an advisory lock
//! (sqlx); SQLite has none, so two processes starting at once on an empty file would both see
//! it unmigrated and the slower one would fail ("table users already exists"). Each process
//! takes an exclusive `flock` on `<database>-migrate.lock` next to the database (as SQLite
//! keeps `-wal` and `-shm` there) for the length of its migration run; the second then finds
//! everything applied. The lock is released when the file is closed, also when a process
//! dies, so a crash never leaves it held. A separate file, because closing any descriptor of
//! the database file itself would drop SQLite's own POSIX locks in this process.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;
use sqlx::sqlite::SqliteConnectOptions;

use crate::error::StoreError;

/// How long a process waits for another's migrations before it gives up.
const WAIT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(25);

/// The lock file of the SQLite database at `url`.
pub(super) fn path_for(url: &str) -> Result<PathBuf, StoreError> {
    let options = SqliteConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl(e.to_string()))?;
    let mut name = options.get_filename().as_os_str().to_owned();
    name.push("-migrate.lock");
    Ok(PathBuf::from(name))
}

/// Holds the lock until dropped.
pub(super) struct MigrationLock {
    _file: File,
}

/// Waits (polling, so that a runtime thread is never blocked) until this process holds the
/// lock, at most [`WAIT`].
pub(super) async fn acquire(path: &Path) -> Result<MigrationLock, StoreError> {
    let unavailable =
        |why: String| StoreError::Unavailable(format!("migration lock {}: {why}", path.display()));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| unavailable(e.to_string()))?;
    let started = Instant::now();
    loop {
        match file.try_lock_exclusive() {
            Ok(true) => return Ok(MigrationLock { _file: file }),
            Ok(false) if started.elapsed() < WAIT => tokio::time::sleep(POLL).await,
            Ok(false) => {
                return Err(unavailable(format!("another process has been migrating for over {WAIT:?}")))
            }
            Err(e) => return Err(unavailable(e.to_string())),
        }
    }
}
