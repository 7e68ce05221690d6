//! Who a native app's subject token signs in as (RFC 8693; `docs/architecture.md`, "Native
//! apps"): the provider the client named and may use, the nonce consumed once, the token
//! validated by the upstream client ([`super::upstream::NativeSubject`]), its replay refused
//! by the table every process shares, then the browser flow's own sign-in step
//! ([`super::sign_in`]) — same user creation and linking policy, except that an exchange never
//! links an account on its own: a `prompt` policy answers an error that sends the app to the
//! browser flow, where the user proves the account.
//!
//! Every refusal is `invalid_request` (RFC 8693 §2.2.2), with words that never echo input.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_core::federation_linking::Outcome;
use latchkey_core::token_exchange::{ExchangeParams, NonceHashing, SubjectTokenType};
use latchkey_core::OAuthError;
use latchkey_crypto::digest::sha256;
use latchkey_store::{Client, User};

use super::providers::{self, Provider};
use super::sign_in::{self, SignedIn};
use super::upstream::{Flavor, NativeSubject, UpstreamError};
use crate::error::ApiError;
use crate::state::AppState;

/// How long a nonce from `/native/nonce` may wait for its exchange.
pub const NONCE_TTL: i64 = 600;

/// The SHA-256 of a nonce, as stored.
pub fn nonce_hash(nonce: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(nonce.as_bytes()))
}

/// The answer when the login would link the provider to an existing account.
const NOT_LINKED: &str = "an account with this e-mail address exists: sign in through the browser flow \
                          (/authorize) once to link this provider to it";

/// Why the exchange was refused: the subject token (counts as a failed attempt) or the
/// request around it.
pub enum Refusal {
    BadToken(OAuthError),
    Request(OAuthError),
}

/// The provider's nonce comparison: configured, or Apple's hashed nonce by default.
async fn nonce_hashing(state: &AppState, provider: &Provider) -> Result<NonceHashing, ApiError> {
    let configured = state.store.provider_nonce_hashing(&provider.config.name).await?;
    Ok(match configured.as_deref().map(NonceHashing::parse) {
        Some(Ok(mode)) => mode,
        _ if provider.config.flavor == Flavor::Apple => NonceHashing::Sha256,
        _ => NonceHashing::Raw,
    })
}

fn bad_token(error: &UpstreamError) -> Refusal {
    let description = match error {
        UpstreamError::Unreachable | UpstreamError::Discovery(_) => {
            return Refusal::Request(OAuthError::temporarily_unavailable());
        }
        other => format!("the subject_token was refused: {other}"),
    };
    Refusal::BadToken(OAuthError::invalid_request(description))
}

/// The provider `name` if the client may use it.
async fn provider_for(
    state: &AppState,
    client: &Client,
    name: &str,
) -> Result<Result<Provider, Refusal>, ApiError> {
    let unknown = || Refusal::Request(OAuthError::invalid_request("unknown provider for this client"));
    if !state.store.client_upstream_providers(&client.id).await?.iter().any(|p| p == name) {
        return Ok(Err(unknown()));
    }
    match state.store.upstream_provider(name).await? {
        Some(record) => {
            Ok(Ok(providers::open(&state.federation.sealer, &record).map_err(ApiError::Internal)?))
        }
        None => Ok(Err(unknown())),
    }
}

/// Validates the subject token and signs its user in; the provider's name comes back for the
/// tokens' `idp`.
pub async fn sign_in_with(
    state: &AppState,
    client: &Client,
    params: &ExchangeParams,
) -> Result<Result<(User, String), Refusal>, ApiError> {
    let provider = match provider_for(state, client, &params.provider).await? {
        Ok(provider) => provider,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let upstream = &state.federation.upstream;
    let token = params.subject_token.expose();
    let validated = match (params.subject_token_type, &params.nonce) {
        (SubjectTokenType::IdToken, Some(nonce)) => {
            if !state.store.consume_native_nonce(&nonce_hash(nonce.expose()), state.clock.now()).await? {
                let why = "the nonce is not one this server issued, has expired or was used";
                return Ok(Err(Refusal::BadToken(OAuthError::invalid_request(why))));
            }
            let claim = nonce_hashing(state, &provider).await?.expected_claim(nonce.expose());
            upstream.native_id_token(&provider.config, token, &claim).await
        }
        (SubjectTokenType::IdToken, None) => {
            return Ok(Err(Refusal::Request(OAuthError::invalid_request(
                "nonce is required with an ID token",
            ))));
        }
        (SubjectTokenType::AccessToken, _) => upstream.native_access_token(&provider.config, token).await,
    };
    let NativeSubject { login, replay_issuer, replay_id, expires_at } = match validated {
        Ok(subject) => subject,
        Err(error) => return Ok(Err(bad_token(&error))),
    };
    if !state.store.record_subject_token(&replay_issuer, &replay_id, expires_at).await? {
        let why = "this subject_token was already exchanged";
        return Ok(Err(Refusal::BadToken(OAuthError::invalid_request(why))));
    }
    let decision = sign_in::decide(state.store.as_ref(), &provider, &login.subject, &login.profile).await?;
    if matches!(decision.outcome, Outcome::Link { .. } | Outcome::PromptLink { .. }) {
        return Ok(Err(Refusal::Request(OAuthError::invalid_request(NOT_LINKED))));
    }
    let name = provider.config.name.clone();
    Ok(match sign_in::sign_in(state, &provider, &login, &client.id).await? {
        SignedIn::User(user) => Ok((user, name)),
        SignedIn::PromptLink(_) => Err(Refusal::Request(OAuthError::invalid_request(NOT_LINKED))),
        SignedIn::Refused(refusal) => Err(Refusal::Request(OAuthError::invalid_request(format!(
            "this provider login cannot be used: {}",
            refusal.why()
        )))),
    })
}
