//! `/admin/keys`: the signing keys, rotating them earlier than the schedule, and the
//! emergency revocation — the operations of `latchkey keys` ([`crate::keys`]).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use latchkey_store::SigningKeyRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::page::{page_of_rows, Page, PageQuery};
use super::problem::{Problem, ProblemBody};
use crate::keys;
use crate::state::AppState;

/// A signing key as an operator sees it: never its private part.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct KeyView {
    pub kid: String,
    pub purpose: String,
    pub alg: String,
    pub state: String,
    pub created_at: i64,
    pub activate_at: Option<i64>,
    pub retire_at: Option<i64>,
    pub delete_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<&SigningKeyRecord> for KeyView {
    fn from(key: &SigningKeyRecord) -> Self {
        Self {
            kid: key.kid.clone(),
            purpose: key.purpose.as_str().into(),
            alg: key.alg.clone(),
            state: key.state.as_str().into(),
            created_at: key.created_at,
            activate_at: key.activate_at,
            retire_at: key.retire_at,
            delete_at: key.delete_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// How to rotate.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// Sign with the new keys at once instead of after `key_publish_lead`.
    #[serde(default)]
    pub now: bool,
}

/// The next key of one purpose.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RotatedKey {
    pub kid: String,
    pub purpose: String,
    pub alg: String,
    pub activate_at: i64,
    /// False when a next key was already scheduled (this is it).
    pub created: bool,
}

impl From<keys::Rotated> for RotatedKey {
    fn from(rotated: keys::Rotated) -> Self {
        Self {
            kid: rotated.kid,
            purpose: rotated.purpose.as_str().into(),
            alg: rotated.alg,
            activate_at: rotated.activate_at,
            created: rotated.created,
        }
    }
}

/// The state a revoked key had.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RevokedKey {
    pub kid: String,
    pub previous_state: String,
}

#[utoipa::path(get, operation_id = "keys_list", path = "/admin/keys", tag = "keys", params(PageQuery),
    responses((status = 200, body = Page<KeyView>),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<KeyView>>, Problem> {
    let Query(page) = page?;
    let keys = state.store.signing_keys_page(page.after()?.as_deref(), page.rows()).await?;
    Ok(Json(page_of_rows(keys, &page, |key| key.kid.clone())))
}

#[utoipa::path(post, operation_id = "keys_rotate", path = "/admin/keys/rotate", tag = "keys", request_body = RotateRequest,
    responses((status = 200, body = Vec<RotatedKey>),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn rotate(
    State(state): State<AppState>,
    body: Result<Json<RotateRequest>, JsonRejection>,
) -> Result<Json<Vec<RotatedKey>>, Problem> {
    let Json(body) = body?;
    let now = state.clock.now();
    let rotated = keys::rotate(state.store.as_ref(), &state.master, &state.config, now, body.now).await?;
    let rotated = rotated.into_iter().map(RotatedKey::from).collect();
    state.keys.refresh(state.store.as_ref(), &state.config, now).await?;
    Ok(Json(rotated))
}

#[utoipa::path(post, operation_id = "keys_revoke", path = "/admin/keys/{kid}/revoke", tag = "keys", params(("kid" = String, Path)),
    responses((status = 200, body = RevokedKey),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    kid: Result<Path<String>, PathRejection>,
) -> Result<Json<RevokedKey>, Problem> {
    let Path(kid) = kid?;
    let now = state.clock.now();
    let before = keys::revoke(state.store.as_ref(), &state.master, &state.config, &kid, now).await?;
    let before = before.ok_or_else(|| Problem::not_found("unrevoked key"))?;
    state.keys.refresh(state.store.as_ref(), &state.config, now).await?;
    Ok(Json(RevokedKey { kid, previous_state: before.as_str().into() }))
}
