//! [`InstanceStore`] for [`SqlStore`]: the `instance_settings` table (migration 0006).

use async_trait::async_trait;

use super::SqlStore;
use crate::error::StoreError;
use crate::traits::InstanceStore;

#[async_trait]
impl InstanceStore for SqlStore {
    async fn instance_setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("instance setting {name}")))
    }

    async fn init_instance_setting(&self, name: &str, value: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO instance_settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("instance setting {name}")))?;
        // Read on the writer: the row just inserted (or the winner's) is there.
        self.instance_setting(name)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("instance setting {name} vanished")))
    }

    async fn replace_instance_setting(&self, name: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO instance_settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("instance setting {name}")))?;
        Ok(())
    }
}
