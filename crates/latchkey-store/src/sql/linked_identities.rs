//! [`LinkedIdentityStore`] for [`SqlStore`].

use async_trait::async_trait;

use super::SqlStore;
use crate::error::StoreError;
use crate::linked_identities::{LinkedIdentityStore, Unlinked};

#[async_trait]
impl LinkedIdentityStore for SqlStore {
    async fn unlink_federated_identity(
        &self,
        user_id: &str,
        provider: &str,
        no_password_hash: &str,
    ) -> Result<Unlinked, StoreError> {
        let fail = |e| self.fail(e, || "federated identity".into());
        let done = sqlx::query(
            "DELETE FROM federated_identities WHERE user_id = $1 AND provider = $2 AND (\
             EXISTS (SELECT 1 FROM users WHERE id = $1 AND password_hash <> $3) OR \
             EXISTS (SELECT 1 FROM federated_identities WHERE user_id = $1 AND provider <> $2))",
        )
        .bind(user_id)
        .bind(provider)
        .bind(no_password_hash)
        .execute(&self.writer)
        .await
        .map_err(fail)?;
        if done.rows_affected() == 1 {
            return Ok(Unlinked::Unlinked);
        }
        let linked = sqlx::query("SELECT 1 FROM federated_identities WHERE user_id = $1 AND provider = $2")
            .bind(user_id)
            .bind(provider)
            .fetch_optional(&self.writer)
            .await
            .map_err(fail)?;
        Ok(if linked.is_some() { Unlinked::LastWay } else { Unlinked::NotLinked })
    }
}
