//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, OpenID Connect Core
//! §3.1.3). The redirect-URI and PKCE rules it applies live in `latchkey_core::redirect_uri`
//! and `latchkey_core::pkce`.
//!
//! Redemption is one compare-and-swap on the code row that also records the id of the
//! session about to be created, so of N concurrent redemptions exactly one wins, and a later
//! use of the same code (a replay: the code leaked) finds that session and ends it, with every
//! token issued from it (RFC 6749 §4.1.2, RFC 9700 §4.14).

use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_core::grant::GrantType;
use latchkey_core::pkce;
use latchkey_core::redirect_uri;
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_core::OAuthError;
use latchkey_crypto::digest::sha256;
use latchkey_store::{AuditEvent, Client};

use super::response::TokenResponse;
use super::session::{self, Login};
use super::Origin;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::id_token::{self, IdTokenSpec};
use crate::tokens::session_id::SessionId;

/// How long a code is valid (RFC 6749 §4.1.2 recommends at most 10 minutes; 60 s is plenty).
pub const CODE_TTL: i64 = 60;

/// The stored form of a code: its SHA-256 (a code has 256 bits of entropy).
pub fn code_hash(code: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(code.as_bytes()))
}

fn invalid_code() -> ApiError {
    OAuthError::invalid_grant("the authorization code is invalid, expired or already used").into()
}

/// Whether the client gets a refresh token: it must have the refresh_token grant, and when
/// it may ask for `offline_access` it gets one only if it did; a client that was not given
/// `offline_access` gets one whenever it has the grant (its registration is the policy).
pub fn refresh_allowed(client: &Client, scope: &Scope) -> bool {
    client.grant_types.contains(&GrantType::RefreshToken)
        && (scope.contains("offline_access") || !client.scopes.iter().any(|s| s == "offline_access"))
}

pub async fn grant(
    state: &AppState,
    client: &Client,
    code: &Secret,
    redirect_uri: Option<&str>,
    code_verifier: Option<&Secret>,
    origin: Origin,
    dpop_jkt: Option<&str>,
) -> Result<Response, ApiError> {
    let hash = code_hash(code.expose());
    let now = state.clock.now();
    let session_id = SessionId::generate()?;
    let Some(redeemed) =
        state.store.redeem_authorization_code(&hash, &client.id, now, &session_id.to_string()).await?
    else {
        if let Some(found) = state.store.authorization_code(&hash).await? {
            if found.used_at.is_some() && found.code.client_id == client.id {
                revoke_for_replay(state, &found.code.user_id, &client.id, found.session_id.as_deref(), now)
                    .await?;
            }
        }
        return Err(invalid_code());
    };
    let stored = redeemed.code;

    redirect_uri::check_token_request(&stored.redirect_uri, stored.redirect_uri_given, redirect_uri)?;
    pkce::verify(stored.code_challenge.as_deref(), code_verifier.map(Secret::expose))?;
    // RFC 9449 §10: a code bound to a key at /authorize is redeemed only with its proof.
    if stored.dpop_jkt.is_some() && stored.dpop_jkt.as_deref() != dpop_jkt {
        return Err(
            OAuthError::invalid_grant("the code is bound to a DPoP key; send a proof signed by it").into()
        );
    }

    let user =
        state.store.user_by_id(&stored.user_id).await?.filter(|u| !u.disabled).ok_or_else(invalid_code)?;
    let scope = Scope::parse(&stored.scope)?;
    let with_refresh = refresh_allowed(client, &scope);
    let started = session::start(
        state,
        client,
        Login {
            user_id: &user.id,
            username: &user.username,
            roles: &user.roles,
            scope: &scope,
            auth_time: stored.auth_time,
            origin,
            browser_session_id: stored.browser_session_id.as_deref(),
            dpop_jkt,
            method: &stored.method,
        },
        Some(session_id),
        with_refresh,
    )
    .await?;
    let id_token = if scope.contains("openid") {
        Some(
            id_token::issue(
                state,
                &IdTokenSpec {
                    subject: &user.id,
                    client_id: &client.id,
                    auth_time: stored.auth_time,
                    nonce: stored.nonce.as_deref(),
                    access_token: &started.access_token.token,
                    browser_session_id: stored.browser_session_id.as_deref(),
                    method: &stored.method,
                    ttl: state.policy(client).access_token_ttl,
                },
            )
            .await?,
        )
    } else {
        None
    };
    tracing::info!(user_id = %user.id, client_id = %client.id, sid = %session_id, "authorization code redeemed");
    Ok(TokenResponse {
        access_token: started.access_token.token,
        token_type: started.access_token.token_type,
        expires_in: started.access_token.expires_in,
        refresh_token: started.refresh_token,
        scope: (!scope.is_empty()).then(|| scope.to_string()),
        id_token,
        issued_token_type: None,
    }
    .into_response())
}

/// A used code came back: end the session its first use started, and record it, in one unit
/// of work.
async fn revoke_for_replay(
    state: &AppState,
    user_id: &str,
    client_id: &str,
    session_id: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let mut work = state.store.begin().await?;
    if let Some(sid) = session_id {
        work.revoke_session(sid, now, "authorization_code_replay").await?;
    }
    work.record_audit_event(&AuditEvent {
        at: now,
        kind: "authorization_code_replay".to_owned(),
        user_id: Some(user_id.to_owned()),
        client_id: Some(client_id.to_owned()),
        session_id: session_id.map(str::to_owned),
        detail: None,
    })
    .await?;
    work.commit().await?;
    tracing::warn!(client_id, sid = ?session_id, "authorization code replayed: its session was ended");
    Ok(())
}
