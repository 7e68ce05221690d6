//! The admin API (issue 17; docs/architecture.md, "Admin API"): users (and their linked
//! identities), clients, upstream providers, sessions, signing keys and audit events over
//! HTTP, JSON in and out, for operators' scripts, Terraform and `latchkey --server`. It is
//! served under `/admin/` on the public listener, or on `admin_listen` alone when that is set.
//!
//! - Every operation is one of [`crate::admin`], [`crate::keys`] or [`crate::federation`], the
//!   same the CLI runs on the database: no rule is written twice.
//! - Callers authenticate with an admin client's access token ([`auth`]); every call is an
//!   audit event naming the client.
//! - Errors are RFC 9457 problem details ([`problem`]); updates need `If-Match`
//!   ([`precondition`]); lists are cursor-paginated ([`page`]).
//! - [`AdminApi`] is the OpenAPI 3.1 description, generated from the handlers' annotations,
//!   served at `/admin/openapi.json` and checked in as `docs/admin-openapi.json`.
//!
//! A new resource is one more file: its handlers with their `#[utoipa::path]`, its routes in
//! [`router`], its paths in [`AdminApi`].

mod audit;
mod auth;
mod client_patch;
mod clients;
mod identities;
mod keys;
mod page;
mod precondition;
mod problem;
mod providers;
mod sessions;
mod users;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use audit::AuditEventView;
pub use client_patch::client_settings_after;
pub use clients::{ClientView, NewClientRequest, NewSecret, RegisteredClient};
pub use keys::{KeyView, RevokedKey, RotateRequest, RotatedKey};
pub use page::Page;
pub use problem::ProblemBody;
pub use providers::ProviderView;
pub use sessions::SessionView;
pub use users::{NewUserRequest, PasswordRequest, SessionsEnded, Unlocked, UserView};

use crate::routes::MAX_BODY_BYTES;
use crate::state::AppState;
use problem::Problem;

/// The OpenAPI description of the admin API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey admin API",
        description = "Administer a Latchkey server: users, clients, upstream providers, sessions, \
            signing keys and audit events. Authenticate with an access token of an admin client (scope \
            latchkey:admin, client_credentials grant). Errors are RFC 9457 problem details; \
            updates need If-Match with the ETag read."
    ),
    paths(
        users::list, users::create, users::get, users::update, users::delete, users::disable,
        users::enable, users::set_password, users::unlock, users::revoke_sessions,
        identities::list, identities::unlink,
        clients::list, clients::create, clients::get, clients::update, clients::delete, clients::rotate_secret,
        providers::list, providers::create, providers::get, providers::update, providers::delete,
        providers::test_mapping, providers::restrict,
        sessions::list, sessions::get, sessions::revoke,
        keys::list, keys::rotate, keys::revoke,
        audit::list,
    ),
    modifiers(&AdminToken),
    security(("admin_token" = [])),
    tags(
        (name = "users", description = "User accounts"),
        (name = "clients", description = "OAuth clients"),
        (name = "providers", description = "Upstream identity providers"),
        (name = "sessions", description = "Sessions (refresh-token families)"),
        (name = "keys", description = "Token-signing keys"),
        (name = "audit", description = "Audit events"),
    )
)]
pub struct AdminApi;

/// The `admin_token` security scheme: a bearer (or DPoP-bound) access token.
struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("admin_token", SecurityScheme::Http(scheme));
    }
}

/// The description as served and checked in (pretty JSON, one trailing newline).
pub fn openapi_json() -> String {
    let mut text = AdminApi::openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

async fn serve_openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

async fn no_such_resource() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no such admin resource")
}

async fn method_not_allowed() -> Problem {
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, "this admin resource does not take that method")
}

/// `/admin/...`, to merge into the public router or to serve on `admin_listen`.
pub fn router(state: AppState) -> Router {
    let authenticated = Router::new()
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::get).patch(users::update).delete(users::delete))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/users/{id}/password", post(users::set_password))
        .route("/users/{id}/unlock", post(users::unlock))
        .route("/users/{id}/revoke-sessions", post(users::revoke_sessions))
        .route("/users/{id}/identities", get(identities::list))
        .route("/users/{id}/identities/{provider}", delete(identities::unlink))
        .route("/clients", get(clients::list).post(clients::create))
        .route("/clients/{id}", get(clients::get).patch(clients::update).delete(clients::delete))
        .route("/clients/{id}/rotate-secret", post(clients::rotate_secret))
        .route("/providers", get(providers::list).post(providers::create))
        .route("/providers/{name}", get(providers::get).patch(providers::update).delete(providers::delete))
        .route("/providers/{name}/test-mapping", post(providers::test_mapping))
        .route("/clients/{id}/providers", put(providers::restrict))
        .route("/sessions", get(sessions::list))
        .route("/sessions/{id}", get(sessions::get).delete(sessions::revoke))
        .route("/keys", get(keys::list))
        .route("/keys/rotate", post(keys::rotate))
        .route("/keys/{kid}/revoke", post(keys::revoke))
        .route("/audit-events", get(audit::list))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_admin));
    let admin = authenticated
        .route("/openapi.json", get(serve_openapi))
        .fallback(no_such_resource)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    Router::new().nest("/admin", admin)
}
