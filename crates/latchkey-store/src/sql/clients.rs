//! [`ClientStore`] for [`SqlStore`].

use async_trait::async_trait;
use latchkey_core::client::ClientKind;
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_core::mfa::MfaPolicy;
use sqlx::any::AnyRow;

use super::{col, flag, from_json, to_json, SqlStore};
use crate::error::StoreError;
use crate::model::{Client, NewClient};
use crate::traits::ClientStore;

macro_rules! client_columns {
    () => {
        "id, name, kind, secret_hash, grant_types, scopes, access_token_ttl, refresh_idle_ttl, \
         refresh_absolute_ttl, reuse_window, created_at, redirect_uris, post_logout_redirect_uris, \
         require_consent, pkce_required, dpop, dpop_nonce, backchannel_logout_uri, \
         backchannel_logout_session_required, mfa"
    };
}

fn client_from_row(row: &AnyRow) -> Result<Client, StoreError> {
    let kind: String = col(row, "kind")?;
    let kind = ClientKind::parse(&kind).map_err(|e| StoreError::corrupt("client kind", e))?;
    let grant_types = from_json(row, "grant_types")?
        .iter()
        .map(|g| GrantType::parse(g).map_err(|e| StoreError::corrupt("client grant type", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Client {
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
        created_at: col(row, "created_at")?,
        redirect_uris: from_json(row, "redirect_uris")?,
        post_logout_redirect_uris: from_json(row, "post_logout_redirect_uris")?,
        require_consent: col::<i64>(row, "require_consent")? != 0,
        pkce_required: col::<i64>(row, "pkce_required")? != 0,
        dpop: DpopPolicy::parse(&col::<String>(row, "dpop")?)
            .ok_or_else(|| StoreError::corrupt("client dpop", "not off, optional or required"))?,
        dpop_nonce: col::<i64>(row, "dpop_nonce")? != 0,
        backchannel_logout_uri: col(row, "backchannel_logout_uri")?,
        backchannel_logout_session_required: col::<i64>(row, "backchannel_logout_session_required")? != 0,
        mfa: MfaPolicy::parse(&col::<String>(row, "mfa")?)
            .ok_or_else(|| StoreError::corrupt("client mfa", "not off, optional or required"))?,
    })
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn create_client(&self, client: &NewClient, now: i64) -> Result<Client, StoreError> {
        let grant_types: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
        sqlx::query(concat!(
            "INSERT INTO clients (",
            client_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        ))
        .bind(&client.id)
        .bind(&client.name)
        .bind(client.kind.as_str())
        .bind(&client.secret_hash)
        .bind(to_json(&grant_types))
        .bind(to_json(&client.scopes))
        .bind(client.access_token_ttl)
        .bind(client.refresh_idle_ttl)
        .bind(client.refresh_absolute_ttl)
        .bind(client.reuse_window)
        .bind(now)
        .bind(to_json(&client.redirect_uris))
        .bind(to_json(&client.post_logout_redirect_uris))
        .bind(flag(client.require_consent))
        .bind(flag(client.pkce_required))
        .bind(client.dpop.as_str())
        .bind(flag(client.dpop_nonce))
        .bind(&client.backchannel_logout_uri)
        .bind(flag(client.backchannel_logout_session_required))
        .bind(client.mfa.as_str())
        .execute(&self.writer)
        .await
        .map_err(|e| self.fail(e, || format!("client {}", client.id)))?;
        Ok(Client {
            id: client.id.clone(),
            name: client.name.clone(),
            kind: client.kind,
            secret_hash: client.secret_hash.clone(),
            grant_types: client.grant_types.clone(),
            scopes: client.scopes.clone(),
            access_token_ttl: client.access_token_ttl,
            refresh_idle_ttl: client.refresh_idle_ttl,
            refresh_absolute_ttl: client.refresh_absolute_ttl,
            reuse_window: client.reuse_window,
            created_at: now,
            redirect_uris: client.redirect_uris.clone(),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            require_consent: client.require_consent,
            pkce_required: client.pkce_required,
            dpop: client.dpop,
            dpop_nonce: client.dpop_nonce,
            backchannel_logout_uri: client.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: client.backchannel_logout_session_required,
            mfa: client.mfa,
        })
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
