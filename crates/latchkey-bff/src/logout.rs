//! `GET {prefix}/user` and `POST {prefix}/logout`.
//!
//! `user` shows the ID token's claims (never a token) and where to sign out; 401 JSON when
//! signed out, so the page shows its sign-in button. `logout` deletes the BFF session,
//! revokes the refresh token at Latchkey (RFC 7009 §2.1; for Latchkey that ends the whole
//! refresh session) and answers the URL of Latchkey's RP-initiated logout (OpenID Connect
//! RP-Initiated Logout 1.0 §2) for the page to navigate to, which ends the single-sign-on
//! session too. The URL carries no `id_token_hint`: no token ever reaches the page, so
//! Latchkey asks the user to confirm (its logout page). Both are CSRF-checked like API
//! calls ([`crate::csrf`]).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::bff::Bff;
use crate::error::BffError;
use crate::gate::{current, hash_id};
use crate::{cookies, csrf};

pub async fn user(State(bff): State<Bff>, headers: HeaderMap) -> Result<Response, BffError> {
    csrf::check(&headers, &bff.inner.origins).map_err(BffError::Csrf)?;
    let session = current(&bff, &headers).await?;
    let logout_url = format!("{}/logout", bff.inner.config.prefix);
    let mut response =
        Json(json!({ "claims": session.tokens.claims, "logout_url": logout_url })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn logout(State(bff): State<Bff>, headers: HeaderMap) -> Result<Response, BffError> {
    csrf::check(&headers, &bff.inner.origins).map_err(BffError::Csrf)?;
    let inner = &bff.inner;
    let insecure = inner.config.insecure_loopback();
    let session = current(&bff, &headers).await?;
    let id = cookies::read(&headers, cookies::SESSION, insecure).unwrap_or_default();
    inner.store.delete(&hash_id(&id)).await?;
    if let Some(refresh_token) = &session.tokens.refresh_token {
        if let Err(error) = inner.client.revoke(refresh_token).await {
            tracing::warn!(%error, "BFF logout: revoking the refresh token failed");
        }
    }
    let logout_url = inner.client.endpoints().end_session.clone().map(|mut url| {
        let back = inner
            .config
            .post_logout_redirect_uri
            .clone()
            .unwrap_or_else(|| format!("{}/", inner.config.origin()));
        url.query_pairs_mut()
            .append_pair("client_id", &inner.config.client_id)
            .append_pair("post_logout_redirect_uri", &back);
        url.to_string()
    });
    let mut response = Json(json!({ "logout_url": logout_url })).into_response();
    let headers = response.headers_mut();
    headers.insert(header::SET_COOKIE, cookies::clear(cookies::SESSION, insecure));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
