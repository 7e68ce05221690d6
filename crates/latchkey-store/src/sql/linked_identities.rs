//! [`LinkedIdentityStore`] for [`SqlStore`]. Two unlinks of the same user's two identities at
//! once must not both pass the "another way in remains" check, so the check and the `DELETE`
//! run in one transaction that first locks the user: `SELECT … FOR UPDATE` on PostgreSQL (the
//! `DELETE` then reads the other transaction's outcome), `BEGIN IMMEDIATE` on SQLite (one
//! writer at a time).

use async_trait::async_trait;

use super::SqlStore;
use crate::error::{Backend, StoreError};
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
        let mut tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
        .map_err(fail)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(fail)?;
        }
        let done = sqlx::query(
            "DELETE FROM federated_identities WHERE user_id = $1 AND provider = $2 AND (\
             EXISTS (SELECT 1 FROM users WHERE id = $1 AND password_hash <> $3) OR \
             EXISTS (SELECT 1 FROM federated_identities WHERE user_id = $1 AND provider <> $2))",
        )
        .bind(user_id)
        .bind(provider)
        .bind(no_password_hash)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        let outcome = if done.rows_affected() == 1 {
            Unlinked::Unlinked
        } else {
            let linked =
                sqlx::query("SELECT 1 FROM federated_identities WHERE user_id = $1 AND provider = $2")
                    .bind(user_id)
                    .bind(provider)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(fail)?;
            if linked.is_some() {
                Unlinked::LastWay
            } else {
                Unlinked::NotLinked
            }
        };
        tx.commit().await.map_err(fail)?;
        Ok(outcome)
    }
}
