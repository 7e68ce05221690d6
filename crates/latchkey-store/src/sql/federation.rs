//! [`FederationStore`] for [`SqlStore`]: upstream providers, which of them each client
//! offers, and linked identities. The flows in flight are in [`super::federation_flows`].

use async_trait::async_trait;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, flag, from_json, to_json, SqlStore};
use crate::error::StoreError;
use crate::federation::{
    FederatedIdentity, FederationFlow, FederationStore, UpstreamProviderRecord, UpstreamTokenRecord,
};
use crate::model::User;

macro_rules! provider_columns {
    () => {
        "name, kind, flavor, issuer, endpoints, client_id, sealed_client_secret, scopes, linking, \
         create_users, store_tokens, pkce, claim_mapping, native_client_ids, created_at, updated_at, version"
    };
}

macro_rules! identity_columns {
    () => {
        "provider, subject, user_id, email, linked_at, last_login_at"
    };
}

fn provider_from_row(row: &AnyRow) -> Result<UpstreamProviderRecord, StoreError> {
    Ok(UpstreamProviderRecord {
        name: col(row, "name")?,
        kind: col(row, "kind")?,
        flavor: col(row, "flavor")?,
        issuer: col(row, "issuer")?,
        endpoints: col(row, "endpoints")?,
        client_id: col(row, "client_id")?,
        sealed_client_secret: col(row, "sealed_client_secret")?,
        scopes: from_json(row, "scopes")?,
        linking: col(row, "linking")?,
        create_users: col::<i64>(row, "create_users")? != 0,
        store_tokens: col::<i64>(row, "store_tokens")? != 0,
        pkce: col(row, "pkce")?,
        claim_mapping: col(row, "claim_mapping")?,
        native_client_ids: from_json(row, "native_client_ids")?,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
        version: col(row, "version")?,
    })
}

fn identity_from_row(row: &AnyRow) -> Result<FederatedIdentity, StoreError> {
    Ok(FederatedIdentity {
        provider: col(row, "provider")?,
        subject: col(row, "subject")?,
        user_id: col(row, "user_id")?,
        email: col(row, "email")?,
        linked_at: col(row, "linked_at")?,
        last_login_at: col(row, "last_login_at")?,
    })
}

/// Binds a provider's settings, `kind` to `native_client_ids` in the order of
/// `provider_columns!`, for the insert and the update alike.
fn bind_settings<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    p: &'q UpstreamProviderRecord,
) -> Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(&p.kind)
        .bind(&p.flavor)
        .bind(&p.issuer)
        .bind(&p.endpoints)
        .bind(&p.client_id)
        .bind(&p.sealed_client_secret)
        .bind(to_json(&p.scopes))
        .bind(&p.linking)
        .bind(flag(p.create_users))
        .bind(flag(p.store_tokens))
        .bind(&p.pkce)
        .bind(&p.claim_mapping)
        .bind(to_json(&p.native_client_ids))
}

/// Links an upstream identity (shared with the unit of work, where a new user and its
/// identity commit together); a second link of the same identity is a conflict.
pub(super) fn insert_identity(identity: &FederatedIdentity) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query(concat!(
        "INSERT INTO federated_identities (",
        identity_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(&identity.provider)
    .bind(&identity.subject)
    .bind(&identity.user_id)
    .bind(&identity.email)
    .bind(identity.linked_at)
    .bind(identity.last_login_at)
}

#[async_trait]
impl FederationStore for SqlStore {
    async fn create_upstream_provider(&self, p: &UpstreamProviderRecord) -> Result<(), StoreError> {
        let query = sqlx::query(concat!(
            "INSERT INTO upstream_providers (",
            provider_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ))
        .bind(&p.name);
        bind_settings(query, p)
            .bind(p.created_at)
            .bind(p.updated_at)
            .bind(p.version)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("provider {}", p.name)))?;
        Ok(())
    }

    async fn upstream_provider(&self, name: &str) -> Result<Option<UpstreamProviderRecord>, StoreError> {
        sqlx::query(concat!("SELECT ", provider_columns!(), " FROM upstream_providers WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || format!("provider {name}")))?
            .as_ref()
            .map(provider_from_row)
            .transpose()
    }

    async fn list_upstream_providers(&self) -> Result<Vec<UpstreamProviderRecord>, StoreError> {
        sqlx::query(concat!("SELECT ", provider_columns!(), " FROM upstream_providers ORDER BY name"))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "providers".into()))?
            .iter()
            .map(provider_from_row)
            .collect()
    }

    async fn upstream_providers_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<UpstreamProviderRecord>, StoreError> {
        // The primary key serves the order and the cursor.
        let query = match after {
            None => sqlx::query(concat!(
                "SELECT ",
                provider_columns!(),
                " FROM upstream_providers ORDER BY name LIMIT $1"
            )),
            Some(after) => sqlx::query(concat!(
                "SELECT ",
                provider_columns!(),
                " FROM upstream_providers WHERE name > $1 ORDER BY name LIMIT $2"
            ))
            .bind(after),
        };
        query
            .bind(limit.max(0))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "providers".into()))?
            .iter()
            .map(provider_from_row)
            .collect()
    }

    async fn update_upstream_provider(
        &self,
        p: &UpstreamProviderRecord,
        expected_version: i64,
    ) -> Result<Option<UpstreamProviderRecord>, StoreError> {
        let query = sqlx::query(concat!(
            "UPDATE upstream_providers SET version = version + 1, kind = $3, flavor = $4, \
             issuer = $5, endpoints = $6, client_id = $7, sealed_client_secret = $8, scopes = $9, \
             linking = $10, create_users = $11, store_tokens = $12, pkce = $13, claim_mapping = $14, \
             native_client_ids = $15, updated_at = $16 WHERE name = $1 AND version = $2 RETURNING ",
            provider_columns!()
        ))
        .bind(&p.name)
        .bind(expected_version);
        bind_settings(query, p)
            .bind(p.updated_at)
            .fetch_optional(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("provider {}", p.name)))?
            .as_ref()
            .map(provider_from_row)
            .transpose()
    }

    async fn remove_upstream_provider(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM upstream_providers WHERE name = $1")
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("provider {name}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_client_upstream_providers(
        &self,
        client_id: &str,
        providers: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await.map_err(|e| self.fail(e, || "database".into()))?;
        sqlx::query("DELETE FROM client_upstream_providers WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.fail(e, || format!("client {client_id}")))?;
        for provider in providers {
            sqlx::query("INSERT INTO client_upstream_providers (client_id, provider) VALUES ($1, $2)")
                .bind(client_id)
                .bind(provider)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.fail(e, || format!("provider {provider} of client {client_id}")))?;
        }
        tx.commit().await.map_err(|e| self.fail(e, || "database".into()))
    }

    async fn client_upstream_providers(&self, client_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT name FROM upstream_providers WHERE \
             NOT EXISTS (SELECT 1 FROM client_upstream_providers WHERE client_id = $1) \
             OR name IN (SELECT provider FROM client_upstream_providers WHERE client_id = $1) \
             ORDER BY name",
        )
        .bind(client_id)
        .fetch_all(&self.reader)
        .await
        .map_err(|e| self.fail(e, || format!("providers of client {client_id}")))?;
        rows.iter().map(|row| col(row, "name")).collect()
    }

    async fn users_with_email(&self, email: &str) -> Result<Vec<User>, StoreError> {
        super::users::with_email(self, email).await
    }

    async fn client_password_login(&self, client_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT password_login FROM client_login_options WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || format!("client {client_id}")))?;
        Ok(match row {
            Some(row) => col::<i64>(&row, "password_login")? != 0,
            None => true,
        })
    }

    async fn set_client_password_login(&self, client_id: &str, allowed: bool) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO client_login_options (client_id, password_login) VALUES ($1, $2) \
             ON CONFLICT (client_id) DO UPDATE SET password_login = excluded.password_login",
        )
        .bind(client_id)
        .bind(flag(allowed))
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("client {client_id}")))?;
        Ok(())
    }

    async fn federated_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<FederatedIdentity>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            identity_columns!(),
            " FROM federated_identities WHERE provider = $1 AND subject = $2"
        ))
        .bind(provider)
        .bind(subject)
        .fetch_optional(&self.reader)
        .await
        .map_err(|e| self.fail(e, || format!("identity at {provider}")))?
        .as_ref()
        .map(identity_from_row)
        .transpose()
    }

    async fn federated_identities_of_user(
        &self,
        user_id: &str,
    ) -> Result<Vec<FederatedIdentity>, StoreError> {
        sqlx::query(concat!(
            "SELECT ",
            identity_columns!(),
            " FROM federated_identities WHERE user_id = $1 ORDER BY provider, subject"
        ))
        .bind(user_id)
        .fetch_all(&self.reader)
        .await
        .map_err(|e| self.fail(e, || format!("identities of user {user_id}")))?
        .iter()
        .map(identity_from_row)
        .collect()
    }

    async fn touch_federated_identity(
        &self,
        provider: &str,
        subject: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE federated_identities SET last_login_at = $3 WHERE provider = $1 AND subject = $2",
        )
        .bind(provider)
        .bind(subject)
        .bind(now)
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("identity at {provider}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_federation_flow(&self, flow: &FederationFlow) -> Result<(), StoreError> {
        super::federation_flows::create(self, flow).await
    }

    async fn consume_federation_flow(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<FederationFlow>, StoreError> {
        super::federation_flows::consume(self, state_hash, now).await
    }

    async fn bind_federation_flow(
        &self,
        state_hash: &str,
        unbound_hash: &str,
        browser_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        super::federation_flows::bind(self, state_hash, unbound_hash, browser_hash, now).await
    }

    async fn federation_flow(&self, state_hash: &str) -> Result<Option<FederationFlow>, StoreError> {
        super::federation_flows::get(self, state_hash).await
    }

    async fn delete_expired_federation_flows(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
        super::federation_flows::delete_expired(self, cutoff, limit).await
    }

    async fn put_upstream_tokens(&self, tokens: &UpstreamTokenRecord) -> Result<(), StoreError> {
        super::upstream_tokens::put(self, tokens).await
    }

    async fn upstream_tokens(
        &self,
        provider: &str,
        user_id: &str,
    ) -> Result<Option<UpstreamTokenRecord>, StoreError> {
        super::upstream_tokens::get(self, provider, user_id).await
    }

    async fn delete_expired_upstream_tokens(&self, now: i64, limit: i64) -> Result<u64, StoreError> {
        super::upstream_tokens::delete_expired(self, now, limit).await
    }
}
