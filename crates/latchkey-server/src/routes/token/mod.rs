//! `POST /token` (RFC 6749 §3.2): parses the form strictly, authenticates the client,
//! checks the client may use the grant, and hands over to one module per grant.

pub(crate) mod authorization_code;
mod client_credentials;
mod dpop;
pub(crate) mod password;
mod refresh;
mod response;
mod session;
mod token_exchange;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use latchkey_core::dpop::NONCE_HEADER;
use latchkey_core::token_request::{TokenGrant, TokenRequest};
use latchkey_core::OAuthError;
use std::net::{IpAddr, SocketAddr};

use super::form_body::read_form;
use crate::client_auth::authenticate_client;
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::state::AppState;

/// Where a request came from, recorded on the sessions it creates.
pub struct Origin {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// Longest `User-Agent` kept on a session.
const MAX_USER_AGENT_LEN: usize = 256;

impl Origin {
    pub(crate) fn from_request(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Self {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT_LEN).collect());
        Self { ip: Some(client_ip(peer, headers, &state.config.trusted_proxies)), user_agent }
    }
}

pub async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let form = read_form(&headers, body)?;
    let request = TokenRequest::from_form(&form)?;
    let client =
        authenticate_client(&state, &headers, request.client_id.as_deref(), request.client_secret.as_ref())
            .await?;
    let grant_type = request.grant.grant_type();
    if !client.grant_types.contains(&grant_type) {
        return Err(OAuthError::unauthorized_client(format!(
            "this client may not use the {grant_type} grant"
        ))
        .into());
    }
    // Only the grants that start a session record where the request came from.
    let origin = || Origin::from_request(&state, peer, &headers);
    let proven = dpop::proven_key(&state, &client, &headers).await?;
    let jkt = proven.jkt.as_deref();
    let issued = match request.grant {
        TokenGrant::Password { username, password, scope } => {
            password::grant(&state, &client, &username, password, scope.as_ref(), origin(), jkt).await
        }
        TokenGrant::RefreshToken { refresh_token, scope } => {
            refresh::grant(&state, &client, refresh_token.expose(), scope.as_ref(), jkt).await
        }
        TokenGrant::ClientCredentials { scope } => {
            client_credentials::grant(&state, &client, scope.as_ref(), jkt)
        }
        TokenGrant::AuthorizationCode { code, redirect_uri, code_verifier } => {
            authorization_code::grant(
                &state,
                &client,
                &code,
                redirect_uri.as_deref(),
                code_verifier.as_ref(),
                origin(),
                jkt,
            )
            .await
        }
        TokenGrant::TokenExchange { params, scope } => {
            token_exchange::grant(&state, &client, &params, scope.as_ref(), origin(), jkt).await
        }
    };
    let mut response = issued?;
    state.metrics.record_token(grant_type.as_str(), &client.id);
    if let Some(nonce) = proven.next_nonce.and_then(|nonce| HeaderValue::from_str(&nonce).ok()) {
        response.headers_mut().insert(NONCE_HEADER, nonce);
    }
    Ok(response)
}
