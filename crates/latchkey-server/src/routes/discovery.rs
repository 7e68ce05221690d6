//! Server metadata (RFC 8414 §2, OpenID Connect Discovery 1.0 §3). Lists only what this
//! server implements.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::grant::GrantType;
use serde_json::json;

use crate::keys::ID_TOKEN_ALGORITHM;
use crate::public_urls::Endpoint;
use crate::state::AppState;

pub async fn metadata(State(state): State<AppState>) -> Response {
    let urls = &state.urls;
    let grants: Vec<&str> = GrantType::ALL.iter().map(|g| g.as_str()).collect();
    let body = json!({
        "issuer": urls.issuer().as_str(),
        "token_endpoint": urls.url(Endpoint::Token),
        "jwks_uri": urls.url(Endpoint::Jwks),
        "authorization_endpoint": urls.url(Endpoint::Authorize),
        "userinfo_endpoint": urls.url(Endpoint::UserInfo),
        "end_session_endpoint": urls.url(Endpoint::Logout),
        // OpenID Connect Back-Channel Logout 1.0 §2.1 (docs/architecture.md, "Back-channel logout").
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "revocation_endpoint": urls.url(Endpoint::Revoke),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint": urls.url(Endpoint::Introspect),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": grants,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        // RFC 9449 §5.1: the algorithms accepted for DPoP proofs.
        "dpop_signing_alg_values_supported": crate::dpop::SUPPORTED_ALGS.map(|alg| alg.as_str()),
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "id_token_signing_alg_values_supported": [ID_TOKEN_ALGORITHM.as_str()],
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "azp",
            "preferred_username", "updated_at", "email", "email_verified", "acr", "amr"
        ],
        // OpenID Connect Discovery 1.0 §3 (docs/architecture.md, "Multi-factor authentication").
        "acr_values_supported": [&state.config.acr_single_factor, &state.config.acr_multi_factor],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}
