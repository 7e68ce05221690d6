//! The HTTP routes, one module per area.

mod account;
mod authorize;
mod discovery;
mod form_body;
mod health;
mod introspect;
mod jwks;
mod logout;
mod metrics;
mod revocations;
mod revoke;
mod token;
mod userinfo;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;

use crate::state::AppState;

/// Largest body any endpoint reads; token requests are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery::metadata))
        .route("/.well-known/oauth-authorization-server", get(discovery::metadata))
        .route("/jwks.json", get(jwks::jwks))
        .route("/token", post(token::token))
        .route("/authorize", get(authorize::authorize_get).post(authorize::authorize_post))
        .route("/authorize/resume", get(authorize::resume))
        .route("/login", post(authorize::login))
        .route("/consent", post(authorize::consent))
        .route("/userinfo", get(userinfo::userinfo).post(userinfo::userinfo))
        .route("/logout", get(logout::logout).post(logout::logout))
        .route("/revoke", post(revoke::revoke))
        .route("/introspect", post(introspect::introspect))
        .route("/revocations", get(revocations::feed))
        .route("/account/sessions", get(account::list_sessions))
        .route("/account/sessions/{id}", delete(account::end_session))
        .route("/account/logout", post(account::logout))
        .route("/account/password", post(account::change_password))
        .route("/metrics", get(metrics::metrics))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
