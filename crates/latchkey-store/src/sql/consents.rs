//! [`ConsentStore`] for [`SqlStore`]: remembered consents.

use async_trait::async_trait;

use super::SqlStore;
use crate::error::StoreError;
use crate::traits::ConsentStore;

#[async_trait]
impl ConsentStore for SqlStore {
    async fn grant_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, client_id, scope) DO NOTHING",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(scope)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || "consent".into()))?;
        Ok(())
    }

    async fn has_consent(&self, user_id: &str, client_id: &str, scope: &str) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT 1 AS one FROM consents WHERE user_id = $1 AND client_id = $2 AND scope = $3")
                .bind(user_id)
                .bind(client_id)
                .bind(scope)
                .fetch_optional(&self.reader)
                .await
                .map_err(|e| self.fail(e, || "consent".into()))?;
        Ok(row.is_some())
    }
}
