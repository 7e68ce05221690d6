//! `PATCH /admin/clients/{id}` takes a JSON merge patch (RFC 7396) of the client as `GET`
//! shows it. The patched document is read as a registration ([`NewClientRequest`]) and
//! checked by [`admin::update_client`] with the rules of `latchkey clients add`, so the rules
//! live in one place and a new client setting is one field of [`NewClientRequest`] plus one
//! line of its `From<&Client>` below.

use anyhow::ensure;
use latchkey_store::Client;
use serde_json::Value;

use super::clients::NewClientRequest;
use crate::admin::NewClient;

/// Members of a client that no patch changes (its id, creation time, and `admin`, which is a
/// way of registering, not a setting).
const FIXED: [&str; 3] = ["client_id", "created_at", "admin"];

impl From<&Client> for NewClientRequest {
    fn from(client: &Client) -> Self {
        Self {
            name: client.name.clone(),
            kind: Some(client.kind.as_str().to_owned()),
            grant_types: client.grant_types.iter().map(|g| g.as_str().to_owned()).collect(),
            scopes: client.scopes.clone(),
            redirect_uris: client.redirect_uris.clone(),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            access_token_ttl: client.access_token_ttl,
            refresh_token_ttl: client.refresh_idle_ttl,
            session_max_lifetime: client.refresh_absolute_ttl,
            reuse_window: client.reuse_window,
            require_consent: client.require_consent,
            pkce_required: client.pkce_required,
            dpop: Some(client.dpop.as_str().to_owned()),
            dpop_nonce: client.dpop_nonce,
            backchannel_logout_uri: client.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: client.backchannel_logout_session_required,
            self_registration: client.signup.self_registration,
            require_verified_email: client.signup.require_verified_email,
            mfa: Some(client.mfa.as_str().to_owned()),
            admin: false,
        }
    }
}

/// The settings `client` has after `patch` (RFC 7396 §2: members replace, `null` removes,
/// which puts a setting back to its registration default), not yet checked.
pub fn client_settings_after(client: &Client, patch: &Value) -> anyhow::Result<NewClient> {
    let members = patch.as_object();
    ensure!(members.is_some(), "a merge patch of a client is a JSON object");
    if let Some(fixed) = FIXED.iter().find(|name| members.is_some_and(|m| m.contains_key(**name))) {
        anyhow::bail!("{fixed} cannot be changed");
    }
    let mut document = serde_json::to_value(NewClientRequest::from(client))?;
    json_patch::merge(&mut document, patch);
    // serde's message would quote the request; the schema says what each member takes.
    let request: NewClientRequest = serde_json::from_value(document).map_err(|_| {
        anyhow::anyhow!("the patched client has an unknown member or a value of the wrong type (see the ClientView schema)")
    })?;
    request.into_new_client()
}
