//! `GET /federation/{name}/start?interaction=…`: the "Continue with NAME" button (and the
//! `idp_hint` step of `/authorize`). Makes the flow row — `state` (256 bits, stored as its
//! SHA-256), `nonce`, PKCE S256 verifier — binds it to this browser with the flow cookie
//! (`crate::cookies`), and sends the browser to the provider.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest::sha256;
use latchkey_crypto::random;
use latchkey_store::{Client, FederationFlow};
use url::Url;

use super::super::error::AuthorizeError;
use super::super::redirect::redirect_to;
use super::super::resolve_client;
use super::{failure, provider, FLOW_TTL};
use crate::browser::Interaction;
use crate::error::ApiError;
use crate::federation::providers::Provider;
use crate::federation::upstream::{OutboundRequest, UpstreamError};
use crate::pages::tr;
use crate::state::AppState;

/// The SHA-256 of a flow secret (`state`, the flow cookie), as stored.
pub(super) fn hash(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(secret.as_bytes()))
}

pub async fn start(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthorizeError> {
    let interaction = super::super::interaction_in_query(&state, query.as_deref())?;
    let client = resolve_client::resolve(&state, &interaction.q).await?.client;
    begin(&state, &name, &client, &interaction.q).await
}

/// Sends the browser to provider `name` to sign in for the authorization request `q` of
/// `client`.
pub async fn begin(
    state: &AppState,
    name: &str,
    client: &Client,
    q: &str,
) -> Result<Response, AuthorizeError> {
    if !state.store.client_upstream_providers(&client.id).await?.iter().any(|p| p == name) {
        return Err(AuthorizeError::page(tr("federation-not-offered")));
    }
    let provider = provider(state, name).await?;
    let now = state.clock.now();
    let interaction = Interaction { q: q.to_owned(), bs: None, fresh: false, exp: now + FLOW_TTL };
    let browser_secret = random::token(32)?;
    let purpose = interaction.seal(&state.page_mac)?;
    let url = match create_flow(state, &provider, purpose, &hash(&browser_secret)).await? {
        Ok((url, _)) => url,
        Err(error) => {
            return Err(failure(state, name, "start", StatusCode::BAD_GATEWAY, error.to_string()).await);
        }
    };
    let mut response = redirect_to(url.as_str(), &[]);
    let cookie = state.cookies.set_cookie(state.cookies.federation_name, &browser_secret, FLOW_TTL);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Makes the flow row — `purpose` is what the callback does (a sealed [`Interaction`] to
/// resume, or a sealed account link), `browser_hash` the flow cookie's hash — and returns
/// the provider's authorization URL and the flow's `state` hash (or why the provider cannot
/// make one).
pub(super) async fn create_flow(
    state: &AppState,
    provider: &Provider,
    purpose: String,
    browser_hash: &str,
) -> Result<Result<(Url, String), UpstreamError>, ApiError> {
    let name = &provider.config.name;
    let now = state.clock.now();
    let flow_state = random::token(32)?;
    let nonce = random::token(32)?;
    let verifier = random::token(32)?;
    let redirect_uri =
        Url::parse(&state.urls.federation_url(name, "callback")).map_err(ApiError::internal)?;
    let outbound = OutboundRequest {
        redirect_uri,
        state: flow_state.clone(),
        nonce: nonce.clone(),
        pkce_challenge: Some(URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()))),
        login_hint: None,
    };
    let url = match state.federation.upstream.authorization_url(&provider.config, &outbound).await {
        Ok(url) => url,
        Err(error) => return Ok(Err(error)),
    };
    let state_hash = hash(&flow_state);
    state
        .store
        .create_federation_flow(&FederationFlow {
            state_hash: state_hash.clone(),
            provider: name.clone(),
            nonce,
            pkce_verifier: Some(verifier),
            interaction: purpose,
            browser_hash: browser_hash.to_owned(),
            created_at: now,
            expires_at: now + FLOW_TTL,
            used_at: None,
        })
        .await?;
    Ok(Ok((url, state_hash)))
}
