//! OpenID Connect ID tokens (Core §2, §3.1.3.6): signed with the RS256 key, `typ: JWT`.

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest::sha256;
use latchkey_store::SignInMethod;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// The claims of an ID token issued by Latchkey.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    /// The client id (Core §2: the audience is the relying party).
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The browser (single-sign-on) session, for RP-initiated logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The authorized party: the client the token was issued to (Core §2).
    pub azp: String,
    /// How the user signed in (Core §2, RFC 8176): `["pwd"]` or `["fed"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The authentication context class (Core §2): single- or multi-factor
    /// (docs/architecture.md, "Multi-factor authentication").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// The upstream identity provider of a federated login (`docs/architecture.md`,
    /// "Federation").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
}

/// Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token's ASCII.
pub fn at_hash(access_token: &str) -> String {
    let digest = sha256(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// What an ID token says.
pub struct IdTokenSpec<'a> {
    pub subject: &'a str,
    pub client_id: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
    pub access_token: &'a str,
    pub browser_session_id: Option<&'a str>,
    pub method: &'a SignInMethod,
    pub ttl: i64,
}

/// Signs an ID token for `spec`, valid from now for `spec.ttl` seconds. An RS256 signature
/// costs ~0.65 ms of CPU (BENCHMARKS.md), long enough to stall the requests sharing an async
/// worker, so it runs on the blocking pool.
pub async fn issue(state: &AppState, spec: &IdTokenSpec<'_>) -> Result<String, ApiError> {
    let now = state.clock.now();
    let claims = IdTokenClaims {
        iss: state.issuer.to_string(),
        sub: spec.subject.to_owned(),
        aud: spec.client_id.to_owned(),
        exp: now + spec.ttl,
        iat: now,
        auth_time: spec.auth_time,
        nonce: spec.nonce.map(str::to_owned),
        at_hash: Some(at_hash(spec.access_token)),
        sid: spec.browser_session_id.map(str::to_owned),
        azp: spec.client_id.to_owned(),
        amr: spec.method.amr.clone(),
        acr: Some(crate::mfa::acr(state, spec.method)),
        idp: spec.method.idp.clone(),
    };
    let keys = state.keys.clone();
    tokio::task::spawn_blocking(move || keys.id_token_signer().sign_jwt("JWT", &claims))
        .await
        .context("the ID-token signing task failed")?
        .map_err(ApiError::from)
}
