//! Printing results: one JSON document on stdout with `--json`, plain text otherwise.
//! Progress and logs go to stderr, so stdout stays machine-readable.

use std::time::{Duration, UNIX_EPOCH};

use latchkey_store::{Client, User};
use serde_json::{json, Value};

/// Prints one JSON document on stdout.
pub fn print_json(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A Unix time as RFC 3339 in UTC, to the second (`2026-12-01T09:50:51Z`).
pub fn rfc3339(unix: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}

/// A user as shown to an operator: never the password hash.
pub fn user_json(user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "roles": user.roles,
        "disabled": user.disabled,
        "created_at": user.created_at,
    })
}

/// A client as shown to an operator: never the secret hash.
pub fn client_json(client: &Client) -> Value {
    json!({
        "client_id": client.id,
        "name": client.name,
        "type": client.kind.as_str(),
        "grant_types": client.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "scopes": client.scopes,
        "access_token_ttl": client.access_token_ttl,
        "refresh_token_ttl": client.refresh_idle_ttl,
        "session_max_lifetime": client.refresh_absolute_ttl,
        "reuse_window": client.reuse_window,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "require_consent": client.require_consent,
        "pkce_required": client.pkce_required,
        "dpop": client.dpop.as_str(),
        "dpop_nonce": client.dpop_nonce,
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "backchannel_logout_session_required": client.backchannel_logout_session_required,
        "created_at": client.created_at,
    })
}
