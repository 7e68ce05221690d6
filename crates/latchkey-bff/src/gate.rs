//! From a browser request to a session: the cookie's id is hashed and looked up; sessions
//! past their idle or absolute limit are deleted and answer 401. For API calls the CSRF check
//! ([`crate::csrf`]) comes first, then a fresh access token ([`crate::refresh`]).

use axum::http::HeaderMap;
use latchkey_client::TokenResponse;
use latchkey_crypto::{digest::sha256, random};

use crate::bff::Bff;
use crate::error::BffError;
use crate::id_token::{self, Expected};
use crate::sealed_tokens::SessionTokens;
use crate::store::SessionRow;
use crate::{cookies, csrf, refresh};

/// A session is marked as used at most this often (a write per request would be waste).
const TOUCH_EVERY: i64 = 60;
/// Assumed access-token lifetime when the token response does not say.
const DEFAULT_ACCESS_TTL: i64 = 300;

/// The stored form of a session id: SHA-256, hex. The id has 256 bits of entropy, so a
/// fast hash is enough (docs/architecture.md, "Secrets at rest").
pub fn hash_id(id: &str) -> String {
    sha256(id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// When a token response's access token expires.
pub(crate) fn access_expiry(now: i64, tokens: &TokenResponse) -> i64 {
    now + tokens.expires_in.unwrap_or(DEFAULT_ACCESS_TTL)
}

/// Checks the code exchange's ID token and stores a new session; returns the cookie value.
pub(crate) async fn new_session(bff: &Bff, tokens: TokenResponse, nonce: &str) -> Result<String, BffError> {
    let inner = &bff.inner;
    let now = inner.clock.now();
    let signed = tokens.id_token.as_deref().ok_or(BffError::SignIn("the issuer sent no ID token"))?;
    let jwks = inner
        .client
        .endpoints()
        .jwks
        .clone()
        .ok_or(BffError::BadGateway("the issuer announces no jwks_uri"))?;
    let expected =
        Expected { issuer: &inner.client.endpoints().issuer, client_id: &inner.config.client_id, nonce, now };
    let claims = id_token::verify(&inner.http, &jwks, signed, &expected).await?;
    let text = |name: &str| claims.get(name).and_then(serde_json::Value::as_str).map(str::to_owned);
    let id = random::token(32).map_err(|_| BffError::Internal("no randomness"))?;
    let id_hash = hash_id(&id);
    let sealed = SessionTokens {
        access_token: tokens.access_token.clone(),
        refresh_token: tokens.refresh_token.clone(),
        claims: claims.clone(),
    }
    .seal(&inner.key, &id_hash)?;
    let absolute = i64::try_from(inner.config.session_absolute.as_secs()).unwrap_or(i64::MAX / 2);
    let row = SessionRow {
        id_hash,
        sealed_tokens: sealed,
        access_expires_at: access_expiry(now, &tokens),
        sub: text("sub").unwrap_or_default(),
        sid: text("sid"),
        created_at: now,
        last_seen_at: now,
        expires_at: now.saturating_add(absolute),
    };
    inner.store.insert(&row).await?;
    Ok(id)
}

/// The request's live session: its row and tokens.
pub(crate) struct Current {
    pub row: SessionRow,
    pub tokens: SessionTokens,
}

/// The session named by the request's cookie, or [`BffError::SignedOut`].
pub(crate) async fn current(bff: &Bff, headers: &HeaderMap) -> Result<Current, BffError> {
    let inner = &bff.inner;
    let id = cookies::read(headers, cookies::SESSION, inner.config.insecure_loopback())
        .ok_or(BffError::SignedOut)?;
    let id_hash = hash_id(&id);
    let row = inner.store.find(&id_hash).await?.ok_or(BffError::SignedOut)?;
    let now = inner.clock.now();
    let idle = i64::try_from(inner.config.session_idle.as_secs()).unwrap_or(i64::MAX / 2);
    if now >= row.expires_at || now >= row.last_seen_at.saturating_add(idle) {
        inner.store.delete(&id_hash).await?;
        return Err(BffError::SignedOut);
    }
    if now - row.last_seen_at >= TOUCH_EVERY {
        inner.store.touch(&id_hash, now).await?;
    }
    let tokens = SessionTokens::open(&row.sealed_tokens, &inner.key, &row.id_hash)?;
    Ok(Current { row, tokens })
}

/// For an API call: the CSRF check, the session, and an access token that is not about to
/// expire.
pub(crate) async fn access_token(bff: &Bff, headers: &HeaderMap) -> Result<String, BffError> {
    csrf::check(headers, &bff.inner.origins).map_err(BffError::Csrf)?;
    let session = current(bff, headers).await?;
    refresh::fresh_access_token(bff, session).await
}
