//! [`ClientStore`] for [`SqlStore`].

use async_trait::async_trait;
use latchkey_core::client::ClientKind;
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_core::mfa::MfaPolicy;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use super::{col, flag, from_json, to_json, SqlStore};
use crate::client_model::{Client, ClientSignup, NewClient};
use crate::client_traits::ClientStore;
use crate::error::StoreError;

/// A client's settings: what an admin may change ([`ClientStore::update_client`]), bound in
/// this order by [`bind_settings`].
macro_rules! settings_columns {
    () => {
        "name, grant_types, scopes, access_token_ttl, refresh_idle_ttl, refresh_absolute_ttl, \
         reuse_window, redirect_uris, post_logout_redirect_uris, require_consent, pkce_required, \
         dpop, dpop_nonce, backchannel_logout_uri, backchannel_logout_session_required, \
         self_registration, require_verified_email, mfa"
    };
}

macro_rules! client_columns {
    () => {
        concat!("id, kind, secret_hash, created_at, version, ", settings_columns!())
    };
}

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// Binds the values of [`settings_columns`], in that order.
fn bind_settings<'q>(query: AnyQuery<'q>, client: &'q NewClient) -> AnyQuery<'q> {
    let grant_types: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
    query
        .bind(&client.name)
        .bind(to_json(&grant_types))
        .bind(to_json(&client.scopes))
        .bind(client.access_token_ttl)
        .bind(client.refresh_idle_ttl)
        .bind(client.refresh_absolute_ttl)
        .bind(client.reuse_window)
        .bind(to_json(&client.redirect_uris))
        .bind(to_json(&client.post_logout_redirect_uris))
        .bind(flag(client.require_consent))
        .bind(flag(client.pkce_required))
        .bind(client.dpop.as_str())
        .bind(flag(client.dpop_nonce))
        .bind(&client.backchannel_logout_uri)
        .bind(flag(client.backchannel_logout_session_required))
        .bind(client.signup.self_registration.map(flag))
        .bind(flag(client.signup.require_verified_email))
        .bind(client.mfa.as_str())
}

fn client_from_row(row: &AnyRow) -> Result<Client, StoreError> {
    let kind: String = col(row, "kind")?;
    let kind = ClientKind::parse(&kind).map_err(|e| StoreError::corrupt("client kind", e))?;
    let grant_types = from_json(row, "grant_types")?
        .iter()
        .map(|g| GrantType::parse(g).map_err(|e| StoreError::corrupt("client grant type", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let registration = NewClient {
        id: col(row, "id")?,
        name: col(row, "name")?,
        kind,
        secret_hash: col(row, "secret_hash")?,
        grant_types,
        scopes: from_json(row, "scopes")?,
        access_token_ttl: col(row, "access_token_ttl")?,
        refresh_idle_ttl: col(row, "refresh_idle_ttl")?,
        refresh_absolute_ttl: col(row, "refresh_absolute_ttl")?,
        reuse_window: col(row, "reuse_window")?,
        redirect_uris: from_json(row, "redirect_uris")?,
        post_logout_redirect_uris: from_json(row, "post_logout_redirect_uris")?,
        require_consent: col::<i64>(row, "require_consent")? != 0,
        pkce_required: col::<i64>(row, "pkce_required")? != 0,
        dpop: DpopPolicy::parse(&col::<String>(row, "dpop")?)
            .ok_or_else(|| StoreError::corrupt("client dpop", "not off, optional or required"))?,
        dpop_nonce: col::<i64>(row, "dpop_nonce")? != 0,
        backchannel_logout_uri: col(row, "backchannel_logout_uri")?,
        backchannel_logout_session_required: col::<i64>(row, "backchannel_logout_session_required")? != 0,
        signup: ClientSignup {
            self_registration: col::<Option<i64>>(row, "self_registration")?.map(|on| on != 0),
            require_verified_email: col::<i64>(row, "require_verified_email")? != 0,
        },
        mfa: MfaPolicy::parse(&col::<String>(row, "mfa")?)
            .ok_or_else(|| StoreError::corrupt("client mfa", "not off, optional or required"))?,
    };
    Ok(Client { registration, created_at: col(row, "created_at")?, version: col(row, "version")? })
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn create_client(&self, client: &NewClient, now: i64) -> Result<Client, StoreError> {
        let query = sqlx::query(concat!(
            "INSERT INTO clients (id, kind, secret_hash, created_at, ",
            settings_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) \
             RETURNING ",
            client_columns!()
        ))
        .bind(&client.id)
        .bind(client.kind.as_str())
        .bind(&client.secret_hash)
        .bind(now);
        let row = bind_settings(query, client)
            .fetch_one(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("client {}", client.id)))?;
        client_from_row(&row)
    }

    async fn update_client(
        &self,
        client: &NewClient,
        expected_version: i64,
    ) -> Result<Option<Client>, StoreError> {
        let query = sqlx::query(concat!(
            "UPDATE clients SET version = version + 1, name = $3, grant_types = $4, scopes = $5, \
             access_token_ttl = $6, refresh_idle_ttl = $7, refresh_absolute_ttl = $8, reuse_window = $9, \
             redirect_uris = $10, post_logout_redirect_uris = $11, require_consent = $12, \
             pkce_required = $13, dpop = $14, dpop_nonce = $15, backchannel_logout_uri = $16, \
             backchannel_logout_session_required = $17, \
             self_registration = $18, require_verified_email = $19, mfa = $20 WHERE id = $1 AND version = $2 RETURNING ",
            client_columns!()
        ))
        .bind(&client.id)
        .bind(expected_version);
        bind_settings(query, client)
            .fetch_optional(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("client {}", client.id)))?
            .as_ref()
            .map(client_from_row)
            .transpose()
    }

    async fn client_by_id(&self, id: &str) -> Result<Option<Client>, StoreError> {
        sqlx::query(concat!("SELECT ", client_columns!(), " FROM clients WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.fail(e, || format!("client {id}")))?
            .as_ref()
            .map(client_from_row)
            .transpose()
    }

    async fn list_clients(&self) -> Result<Vec<Client>, StoreError> {
        sqlx::query(concat!("SELECT ", client_columns!(), " FROM clients ORDER BY id"))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "clients".into()))?
            .iter()
            .map(client_from_row)
            .collect()
    }

    async fn clients_page(&self, after: Option<&str>, limit: i64) -> Result<Vec<Client>, StoreError> {
        // The primary key serves the order and the cursor.
        let query = match after {
            None => sqlx::query(concat!("SELECT ", client_columns!(), " FROM clients ORDER BY id LIMIT $1")),
            Some(after) => sqlx::query(concat!(
                "SELECT ",
                client_columns!(),
                " FROM clients WHERE id > $1 ORDER BY id LIMIT $2"
            ))
            .bind(after),
        };
        query
            .bind(limit.max(0))
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.fail(e, || "clients".into()))?
            .iter()
            .map(client_from_row)
            .collect()
    }

    async fn set_client_secret_hash(&self, id: &str, secret_hash: &[u8]) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE clients SET secret_hash = $2 WHERE id = $1 AND kind = 'confidential'")
            .bind(id)
            .bind(secret_hash)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("client {id}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_client(&self, id: &str) -> Result<bool, StoreError> {
        // Sessions go with it through `ON DELETE CASCADE` (indexed by sessions.client_id).
        let done = sqlx::query("DELETE FROM clients WHERE id = $1")
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(|e| self.fail(e, || format!("client {id}")))?;
        Ok(done.rows_affected() > 0)
    }
}
