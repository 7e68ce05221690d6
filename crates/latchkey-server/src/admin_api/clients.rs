//! `/admin/clients`: list, get, register, update (`If-Match`, [`super::client_patch`]),
//! remove, and rotate a confidential client's secret. Registration and updates go through
//! [`crate::admin`], the one place their rules live.

use anyhow::Context as _;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use axum::Json;
use latchkey_core::client::ClientKind;
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_core::mfa::MfaPolicy;
use latchkey_core::scope::{Scope, ADMIN_SCOPE};
use latchkey_store::{Client, ClientSignup};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::AdminCaller;
use super::client_patch::client_settings_after;
use super::page::{page_of_rows, Page, PageQuery};
use super::precondition::{expected_version, stale, with_etag};
use super::problem::{Problem, ProblemBody};
use crate::admin::{self, NewClient};
use crate::state::AppState;

/// A client as an operator sees it: never the secret hash.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_ttl: Option<i64>,
    pub session_max_lifetime: Option<i64>,
    pub reuse_window: Option<i64>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub require_consent: bool,
    pub pkce_required: bool,
    pub dpop: String,
    pub dpop_nonce: bool,
    /// Second factor at sign-in: `off`, `optional` or `required`.
    pub mfa: String,
    /// Where logout tokens go when a session of this client ends (Back-Channel Logout 1.0).
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// Sign-up from this client's login page: absent or null follows the server's
    /// `self_registration`; true offers it, false refuses it.
    pub self_registration: Option<bool>,
    /// Users whose e-mail address is not verified may not sign in to this client.
    pub require_verified_email: bool,
    pub created_at: i64,
}

impl From<&Client> for ClientView {
    fn from(client: &Client) -> Self {
        Self {
            client_id: client.id.clone(),
            name: client.name.clone(),
            kind: client.kind.as_str().into(),
            grant_types: client.grant_types.iter().map(|g| g.as_str().to_owned()).collect(),
            scopes: client.scopes.clone(),
            access_token_ttl: client.access_token_ttl,
            refresh_token_ttl: client.refresh_idle_ttl,
            session_max_lifetime: client.refresh_absolute_ttl,
            reuse_window: client.reuse_window,
            redirect_uris: client.redirect_uris.clone(),
            post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
            require_consent: client.require_consent,
            pkce_required: client.pkce_required,
            dpop: client.dpop.as_str().into(),
            dpop_nonce: client.dpop_nonce,
            mfa: client.mfa.as_str().into(),
            backchannel_logout_uri: client.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: client.backchannel_logout_session_required,
            self_registration: client.signup.self_registration,
            require_verified_email: client.signup.require_verified_email,
            created_at: client.created_at,
        }
    }
}

fn yes() -> bool {
    true
}

/// A client to register. With `admin`, a confidential client with the client-credentials
/// grant and the admin scope alone (what `latchkey clients add --admin` makes).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientRequest {
    pub name: String,
    /// `public` or `confidential`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub grant_types: Vec<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_token_ttl: Option<i64>,
    pub session_max_lifetime: Option<i64>,
    pub reuse_window: Option<i64>,
    #[serde(default = "yes")]
    pub require_consent: bool,
    #[serde(default = "yes")]
    pub pkce_required: bool,
    /// `off`, `optional` (default) or `required`.
    pub dpop: Option<String>,
    #[serde(default)]
    pub dpop_nonce: bool,
    /// Second factor at sign-in: `off` (default), `optional` or `required`.
    #[serde(default)]
    pub mfa: Option<String>,
    /// Where logout tokens go when a session of this client ends (Back-Channel Logout 1.0).
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub backchannel_logout_session_required: bool,
    /// Sign-up from this client's login page: absent or null follows the server's
    /// `self_registration`; true offers it, false refuses it.
    #[serde(default)]
    pub self_registration: Option<bool>,
    /// Users whose e-mail address is not verified may not sign in to this client.
    #[serde(default)]
    pub require_verified_email: bool,
    #[serde(default)]
    pub admin: bool,
}

/// A registered client and its secret (confidential clients; shown once).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RegisteredClient {
    #[serde(flatten)]
    pub client: ClientView,
    pub client_secret: Option<String>,
}

/// A new secret (shown once).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct NewSecret {
    pub client_secret: String,
}

fn describe(error: latchkey_core::OAuthError) -> anyhow::Error {
    anyhow::anyhow!("{}", error.description().unwrap_or_default())
}

impl NewClientRequest {
    /// The client to register ([`admin::add_client`] checks it), as the API and
    /// `latchkey clients add` describe it.
    pub fn into_new_client(self) -> anyhow::Result<NewClient> {
        let (kind, grants, scopes) = if self.admin {
            (
                Some("confidential".to_owned()),
                vec!["client_credentials".to_owned()],
                vec![ADMIN_SCOPE.to_owned()],
            )
        } else {
            (self.kind, self.grant_types, self.scopes)
        };
        let kind = match kind.as_deref() {
            None | Some("confidential") => ClientKind::Confidential,
            Some("public") => ClientKind::Public,
            Some(_) => anyhow::bail!("type is public or confidential"),
        };
        let grants = grants
            .iter()
            .map(|g| GrantType::parse_short(g))
            .collect::<Result<Vec<_>, _>>()
            .map_err(describe)?;
        let scope = Scope::parse(&scopes.join(" ")).map_err(describe)?;
        let dpop = match self.dpop.as_deref() {
            None => DpopPolicy::Optional,
            Some(text) => DpopPolicy::parse(text).context("dpop is off, optional or required")?,
        };
        let mfa = match self.mfa.as_deref() {
            None => MfaPolicy::Off,
            Some(text) => MfaPolicy::parse(text).context("mfa is off, optional or required")?,
        };
        Ok(NewClient {
            mfa,
            access_token_ttl: self.access_token_ttl,
            refresh_idle_ttl: self.refresh_token_ttl,
            refresh_absolute_ttl: self.session_max_lifetime,
            reuse_window: self.reuse_window,
            redirect_uris: self.redirect_uris,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            require_consent: self.require_consent,
            pkce_required: self.pkce_required,
            dpop,
            dpop_nonce: self.dpop_nonce,
            backchannel_logout_uri: self.backchannel_logout_uri,
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            signup: ClientSignup {
                self_registration: self.self_registration,
                require_verified_email: self.require_verified_email,
            },
            ..NewClient::new(self.name, kind, &grants, scope)
        })
    }
}

/// An admin cannot remove or re-key the client it calls as: the API would lock itself out
/// (use another admin client, or the CLI on the database).
fn not_the_caller(caller: &AdminCaller, id: &str) -> Result<(), Problem> {
    if caller.client_id == id {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "this is the client the request acts as; change it with another admin client",
        ));
    }
    Ok(())
}

async fn find(state: &AppState, id: &str) -> Result<Client, Problem> {
    state.store.client_by_id(id).await?.ok_or_else(|| Problem::not_found("client"))
}

#[utoipa::path(get, operation_id = "clients_list", path = "/admin/clients", tag = "clients", params(PageQuery),
    responses((status = 200, body = Page<ClientView>),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    page: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<ClientView>>, Problem> {
    let Query(page) = page?;
    let clients = state.store.clients_page(page.after()?.as_deref(), page.rows()).await?;
    Ok(Json(page_of_rows(clients, &page, |client| client.id.clone())))
}

#[utoipa::path(post, operation_id = "clients_create", path = "/admin/clients", tag = "clients", request_body = NewClientRequest,
    responses((status = 201, body = RegisteredClient),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewClientRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<RegisteredClient>), Problem> {
    let Json(body) = body?;
    let client = body.into_new_client()?;
    let (client, client_secret) =
        admin::add_client(state.store.as_ref(), &state.client_secrets, client, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(RegisteredClient { client: ClientView::from(&client), client_secret })))
}

fn client_response(client: &Client) -> Response {
    with_etag(StatusCode::OK, client.version, Json(ClientView::from(client)))
}

#[utoipa::path(get, operation_id = "clients_get", path = "/admin/clients/{id}", tag = "clients", params(("id" = String, Path)),
    responses((status = 200, body = ClientView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Path(id) = id?;
    Ok(client_response(&find(&state, &id).await?))
}

#[utoipa::path(patch, operation_id = "clients_update", path = "/admin/clients/{id}", tag = "clients",
    request_body(content = serde_json::Value, content_type = "application/merge-patch+json",
        description = "A JSON merge patch (RFC 7396) of the client as GET shows it; client_id, type and created_at stay"),
    params(("id" = String, Path), ("If-Match" = String, Header, description = "The ETag the change is based on")),
    responses((status = 200, body = ClientView, headers(("ETag" = String))),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Problem> {
    let Path(id) = id?;
    let expected = expected_version(&headers)?;
    let Json(patch) = body?;
    let client = find(&state, &id).await?;
    if client.version != expected {
        return Err(stale());
    }
    let settings = client_settings_after(&client, &patch)?;
    let updated = admin::update_client(state.store.as_ref(), &client, expected, settings).await?;
    state.clients.forget(&id);
    updated.map(|client| client_response(&client)).ok_or_else(stale)
}

#[utoipa::path(delete, operation_id = "clients_delete", path = "/admin/clients/{id}", tag = "clients", params(("id" = String, Path)),
    responses((status = 204, description = "Removed, with its sessions"),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<AdminCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let Path(id) = id?;
    not_the_caller(&caller, &id)?;
    if state.store.remove_client(&id).await? {
        state.clients.forget(&id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("client"))
    }
}

#[utoipa::path(post, operation_id = "clients_rotate_secret", path = "/admin/clients/{id}/rotate-secret", tag = "clients", params(("id" = String, Path)),
    responses((status = 200, body = NewSecret),
        (status = "default", body = ProblemBody, content_type = "application/problem+json")))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(caller): Extension<AdminCaller>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<NewSecret>, Problem> {
    let Path(id) = id?;
    not_the_caller(&caller, &id)?;
    let client = find(&state, &id).await?;
    let client_secret =
        admin::rotate_client_secret(state.store.as_ref(), &state.client_secrets, &client).await?;
    state.clients.forget(&id);
    Ok(Json(NewSecret { client_secret }))
}
