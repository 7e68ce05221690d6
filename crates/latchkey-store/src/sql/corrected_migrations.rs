//! Migrations whose text was corrected after release, and the databases migrated before.
//!
//! sqlx stores a SHA-384 of every applied migration and refuses to run when a file no longer
//! matches it. Migration 0001 once cited, in a comment, a design file that is not in the
//! repository; the comment now cites docs/architecture.md, which changed the checksum and
//! nothing else. Before migrating, a database that holds exactly the old checksum of that
//! version gets the current one: any other difference is still refused by sqlx.

use sqlx::migrate::Migrator;
use sqlx::AnyPool;

use crate::error::Backend;

/// Version 0001's checksum before its comment was corrected, per backend.
const OLD_0001_SQLITE: [u8; 48] = [
    190, 104, 167, 150, 125, 17, 226, 246, 18, 185, 11, 45, 75, 50, 219, 102, 17, 45, 182, 99, 8, 27, 206,
    218, 137, 209, 52, 177, 179, 176, 201, 49, 158, 181, 189, 177, 29, 117, 81, 123, 132, 62, 222, 75, 194,
    0, 245, 175,
];
const OLD_0001_POSTGRES: [u8; 48] = [
    247, 115, 2, 188, 186, 88, 168, 235, 248, 147, 200, 75, 18, 119, 179, 81, 56, 120, 65, 243, 75, 211, 160,
    53, 74, 162, 107, 209, 11, 11, 209, 225, 71, 154, 121, 85, 17, 14, 131, 105, 183, 210, 138, 139, 84, 54,
    194, 103,
];

/// The old checksum of version 1 on `backend` (what a database migrated before holds).
fn old_checksum_of_0001(backend: Backend) -> &'static [u8] {
    match backend {
        Backend::Sqlite => &OLD_0001_SQLITE,
        Backend::Postgres => &OLD_0001_POSTGRES,
    }
}

/// Replaces the old checksum of version 1 by the current one, if the database has it.
pub(super) async fn accept(pool: &AnyPool, backend: Backend, migrator: &Migrator) -> Result<(), sqlx::Error> {
    // The history table exists once anything was migrated (`to_regclass` follows the
    // search_path, so each schema is asked about its own).
    let exists = match backend {
        Backend::Sqlite => {
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT count(*) FROM (SELECT to_regclass('_sqlx_migrations') AS t) r WHERE t IS NOT NULL"
        }
    };
    let found: i64 = sqlx::query_scalar(exists).fetch_one(pool).await?;
    let Some(current) = migrator.iter().find(|m| m.version == 1) else { return Ok(()) };
    if found == 0 {
        return Ok(());
    }
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 1 AND checksum = $2")
        .bind(current.checksum.to_vec())
        .bind(old_checksum_of_0001(backend).to_vec())
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(any(test, feature = "testing"))]
impl super::SqlStore {
    /// Writes `checksum` as the recorded checksum of an applied `version`, as an older release
    /// (or a tampered file) would have left it: test support only.
    pub async fn set_migration_checksum(&self, version: i64, checksum: &[u8]) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2")
            .bind(checksum.to_vec())
            .bind(version)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The old checksum of version 1 on this store's backend.
    pub fn old_checksum_of_0001(&self) -> &'static [u8] {
        old_checksum_of_0001(self.backend)
    }
}
