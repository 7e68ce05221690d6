//! `/admin/providers`: the upstream identity providers (docs/architecture.md, "Federation") —
//! list, get, register, update (`If-Match`), remove, the dry run of a claim mapping — and
//! `/admin/clients/{id}/providers`, what a client's login page offers: the operations of
//! `latchkey providers`, through [`crate::federation::providers`],
//! [`crate::federation::provider_ops`] and the one description of a provider, [`ProviderRequest`]. The client secret is write-only: sealed under the master key on the
//! way in, never in an answer.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use latchkey_store::UpstreamProviderRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::page::{page_of_rows_shown, Page, PageQuery};
use super::precondition::{expected_version, stale, with_etag};
use super::problem::{Problem, ProblemBody};
use crate::federation::provider_ops::{self, LoginOptions, MappingTest};
use crate::federation::provider_request::{settings_after, ProviderRequest};
use crate::federation::providers;
use crate::state::AppState;

/// A provider as an operator sees it: never its client secret.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ProviderView {
    pub name: String,
    /// `oidc` or `oauth2`.
    pub kind: String,
    pub flavor: String,
    pub issuer: Option<String>,
    /// The kind's endpoints and the overrides, as stored.
    #[schema(value_type = Object)]
    pub endpoints: Value,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub linking: String,
    pub create_users: bool,
    pub store_tokens: bool,
    pub pkce: String,
    pub native_client_ids: Vec<String>,
    #[schema(value_type = Object)]
    pub claim_mapping: Value,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ProviderView {
    /// The view of `record` on the server whose issuer is `issuer`.
    pub fn new(record: &UpstreamProviderRecord, issuer: &str) -> Self {
        Self {
            name: record.name.clone(),
            kind: record.kind.clone(),
            flavor: record.flavor.clone(),
            issuer: record.issuer.clone(),
            endpoints: serde_json::from_str(&record.endpoints).unwrap_or(Value::Null),
            client_id: record.client_id.clone(),
            scopes: record.scopes.clone(),
            linking: record.linking.clone(),
            create_users: record.create_users,
            store_tokens: record.store_tokens,
            pkce: record.pkce.clone(),
            native_client_ids: record.native_client_ids.clone(),
            claim_mapping: serde_json::from_str(&record.claim_mapping).unwrap_or(Value::Null),
            redirect_uri: format!("{}/federation/{}/callback", issuer.trim_end_matches('/'), record.name),
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

fn provider_response(state: &AppState, status: StatusCode, record: &UpstreamProviderRecord) -> Response {
    with_etag(status, record.version, Json(ProviderView::new(record, &state.issuer)))
}

async fn find(state: &AppState, name: &str) -> Result<UpstreamProviderRecord, Problem> {
    state.store.upstream_provider(name).await?.ok_or_else(|| Problem::not_found("provider"))
}

#[utoipa::path(get, operation_id = "providers_list", path = "/admin/providers", tag = "providers", params(PageQuery),
    responses((status = 200, body = Page<ProviderView>),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<ProviderView>>, Problem> {
    let Query(page) = page?;
    let rows = state.store.upstream_providers_page(page.after()?.as_deref(), page.rows()).await?;
    let show = |p: &UpstreamProviderRecord| ProviderView::new(p, &state.issuer);
    Ok(Json(page_of_rows_shown(rows, &page, |p| p.name.clone(), show)))
}

#[utoipa::path(post, operation_id = "providers_create", path = "/admin/providers", tag = "providers", request_body = ProviderRequest,
    responses((status = 201, body = ProviderView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<ProviderRequest>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(request) = body?;
    let sealer = &state.federation.sealer;
    let record = provider_ops::register(state.store.as_ref(), sealer, request, state.clock.now()).await?;
    Ok(provider_response(&state, StatusCode::CREATED, &record))
}

#[utoipa::path(get, operation_id = "providers_get", path = "/admin/providers/{name}", tag = "providers", params(("name" = String, Path)),
    responses((status = 200, body = ProviderView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Path(name) = name?;
    Ok(provider_response(&state, StatusCode::OK, &find(&state, &name).await?))
}

#[utoipa::path(patch, operation_id = "providers_update", path = "/admin/providers/{name}", tag = "providers",
    request_body(content = serde_json::Value, content_type = "application/merge-patch+json",
        description = "A JSON merge patch (RFC 7396) of the provider as a ProviderRequest; name, preset and nonce_hashing stay; client_secret, when given, replaces the secret"),
    params(("name" = String, Path), ("If-Match" = String, Header, description = "The ETag the change is based on")),
    responses((status = 200, body = ProviderView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Problem> {
    let Path(name) = name?;
    let expected = expected_version(&headers)?;
    let Json(patch) = body?;
    let current = find(&state, &name).await?;
    if current.version != expected {
        return Err(stale());
    }
    let spec = settings_after(&current, &patch)?;
    let sealer = &state.federation.sealer;
    let now = state.clock.now();
    let updated =
        providers::update_provider(state.store.as_ref(), sealer, &current, spec, expected, now).await?;
    updated.map(|record| provider_response(&state, StatusCode::OK, &record)).ok_or_else(stale)
}

#[utoipa::path(delete, operation_id = "providers_delete", path = "/admin/providers/{name}", tag = "providers", params(("name" = String, Path)),
    responses((status = 204, description = "Removed, with its linked identities (the users stay)"),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let Path(name) = name?;
    if state.store.remove_upstream_provider(&name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("provider"))
    }
}

#[utoipa::path(post, operation_id = "providers_test_mapping", path = "/admin/providers/{name}/test-mapping", tag = "providers",
    params(("name" = String, Path)),
    request_body(content = serde_json::Value, description = "Upstream claims: an ID token's payload or a UserInfo answer"),
    responses((status = 200, body = MappingTest),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn test_mapping(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<MappingTest>, Problem> {
    let Path(name) = name?;
    let Json(claims) = body?;
    let sealer = &state.federation.sealer;
    let tested = provider_ops::test_mapping(state.store.as_ref(), sealer, &name, &claims).await?;
    tested.map(Json).ok_or_else(|| Problem::not_found("provider"))
}

#[utoipa::path(put, operation_id = "clients_login_options", path = "/admin/clients/{id}/providers", tag = "clients",
    params(("id" = String, Path)), request_body = LoginOptions,
    responses((status = 200, body = LoginOptions, description = "What the client's login page now offers"),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn restrict(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<LoginOptions>, JsonRejection>,
) -> Result<Json<LoginOptions>, Problem> {
    let Path(id) = id?;
    let Json(options) = body?;
    let offered = provider_ops::restrict(state.store.as_ref(), &id, &options).await?;
    offered.map(Json).ok_or_else(|| Problem::not_found("client"))
}
