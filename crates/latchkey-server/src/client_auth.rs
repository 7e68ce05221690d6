//! Client authentication (RFC 6749 §2.3), the one place for it: every endpoint a client
//! calls with its credentials (token, RFC 6749 §3.2.1; revocation, RFC 7009 §2.1;
//! introspection, RFC 7662 §2.1; the revocation feed) goes through [`authenticate_client`].
//! Methods: `client_secret_basic`, `client_secret_post`, or `none` for public clients (which
//! prove possession through PKCE instead, `latchkey_core::pkce`). Using two methods at once
//! is refused (§2.3: "MUST NOT use more than one authentication method in each request").

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::client::{ClientId, ClientKind};
use latchkey_core::form::{decode_component, FormParams};
use latchkey_core::token_request::Secret;
use latchkey_core::OAuthError;
use latchkey_store::Client;
use std::sync::Arc;

use crate::error::ApiError;
use crate::state::AppState;

/// The same answer for every authentication failure, so it reveals nothing about which
/// part was wrong.
fn failed() -> ApiError {
    OAuthError::invalid_client("client authentication failed").into()
}

/// Credentials from the `Authorization: Basic` header, form-decoded per RFC 6749 §2.3.1.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, Secret)>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| failed())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(failed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "the token endpoint accepts only Basic authentication in the Authorization header",
        )
        .into());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| failed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| failed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(failed)?;
    let form_decode = |s: &str| decode_component(s.as_bytes()).map_err(|_| failed());
    Ok(Some((form_decode(id)?, Secret::new(form_decode(secret)?))))
}

/// Authenticates the client of a form-body request (`client_id` and `client_secret` in the
/// form, or Basic credentials) and returns its registration.
pub async fn authenticate_form_client(
    state: &AppState,
    headers: &HeaderMap,
    form: &FormParams,
) -> Result<Arc<Client>, ApiError> {
    let secret = form.get("client_secret").map(Secret::new);
    authenticate_client(state, headers, form.get("client_id"), secret.as_ref()).await
}

/// Authenticates a client and returns its registration (shared with the client cache).
pub async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    body_client_id: Option<&str>,
    body_secret: Option<&Secret>,
) -> Result<Arc<Client>, ApiError> {
    let basic = basic_credentials(headers)?;
    let (client_id, secret) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "send the client secret either in the Authorization header or in the body, not both",
            )
            .into())
        }
        (Some((id, secret)), None) => {
            if body_client_id.is_some_and(|body_id| body_id != id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                )
                .into());
            }
            (id, Some(secret))
        }
        (None, secret) => {
            let id = body_client_id.ok_or_else(|| {
                OAuthError::invalid_client("client authentication is required: send client_id")
            })?;
            (id.to_owned(), secret.cloned())
        }
    };
    let client_id = ClientId::parse(&client_id).map_err(|_| failed())?;
    let client = state.clients.get(state.store.as_ref(), client_id.as_str()).await?.ok_or_else(failed)?;
    match (client.kind, secret, client.secret_hash.as_deref()) {
        (ClientKind::Public, None, _) => Ok(client),
        (ClientKind::Confidential, Some(secret), Some(hash))
            if state.client_secrets.verify(secret.expose(), hash) =>
        {
            Ok(client)
        }
        _ => Err(failed()),
    }
}
