//! The authorization endpoint (RFC 6749 §3.1, §4.1.1; OpenID Connect Core §3.1.2) and the
//! hosted login and consent pages that it leads through.
//!
//! Every step re-evaluates the original request (carried, signed, in an [`Interaction`]):
//! the request is checked, then the browser session, then consent, and only then is a code
//! issued. A request that cannot be tied to a registered redirect URI ends on an error page;
//! every other error goes back to the client (RFC 6749 §4.1.2.1) with `state` and `iss`.

mod consent;
mod login;
pub(crate) mod redirect;

/// The form helpers other hosted endpoints share.
pub(crate) mod login_forms {
    pub(crate) use super::login::{forbidden_page, read_page_form};
}

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use latchkey_core::authorize::{state_of, AuthorizationRequest, Target};
use latchkey_core::client::ClientKind;
use latchkey_core::form::FormParams;
use latchkey_core::grant::GrantType;
use latchkey_core::redirect_uri::RedirectUri;
use latchkey_core::scope::Scope;
use latchkey_core::{ErrorCode, OAuthError};
use latchkey_crypto::random;
use latchkey_store::{Client, NewAuthorizationCode};

pub use consent::consent;
pub use login::login;

use crate::browser::{self, Interaction, INTERACTION_TTL};
use crate::error::ApiError;
use crate::pages::{self, ConsentForm, LoginForm};
use crate::public_urls::Endpoint;
use crate::routes::token::authorization_code::{code_hash, CODE_TTL};
use crate::state::AppState;
use redirect::{error_redirect, redirect_to};

/// Where in the flow a request is.
#[derive(Debug, Clone)]
pub enum Step {
    /// Straight from the client.
    Start,
    /// Back from the login form: the browser session `bs` was just created.
    AfterLogin { bs: String },
    /// Back from the consent form.
    Consent { bs: String, allow: bool, fresh: bool },
}

/// Longest query string or body the endpoint reads.
const MAX_REQUEST_LEN: usize = 8 * 1024;

fn bad_request_page(message: &str) -> Response {
    pages::error_page(StatusCode::BAD_REQUEST, "This request cannot be completed", message)
}

/// `GET /authorize`.
pub async fn authorize_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    process(&state, &headers, query.unwrap_or_default(), Step::Start).await
}

/// `POST /authorize` (RFC 6749 §3.1: the server supports POST too), a form body.
pub async fn authorize_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let is_form = content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    let Ok(body) = body else { return Ok(bad_request_page("The request body could not be read.")) };
    if !is_form {
        return Ok(bad_request_page("The authorization request must be a form post."));
    }
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return Ok(bad_request_page("The request is not valid UTF-8."));
    };
    process(&state, &headers, body, Step::Start).await
}

/// `GET /authorize/resume?interaction=...`: where the login form sends the browser.
pub async fn resume(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = query.unwrap_or_default();
    let now = state.clock.now();
    let interaction = FormParams::parse(query.as_bytes())
        .ok()
        .and_then(|form| form.get("interaction").map(str::to_owned))
        .and_then(|sealed| Interaction::open(&state.page_mac, &sealed, now));
    let Some(interaction) = interaction else {
        return Ok(bad_request_page(
            "This sign-in link has expired. Go back to the application and try again.",
        ));
    };
    let step = match interaction.bs {
        Some(bs) if interaction.fresh => Step::AfterLogin { bs },
        _ => Step::Start,
    };
    process(&state, &headers, interaction.q, step).await
}

/// The client's registered redirect URI that `presented` names (or the only one, when none
/// was presented).
fn resolve_redirect_uri(client: &Client, presented: Option<&str>) -> Option<String> {
    let registered: Vec<RedirectUri> =
        client.redirect_uris.iter().filter_map(|uri| RedirectUri::parse(uri).ok()).collect();
    match presented {
        Some(presented) => registered.iter().any(|r| r.matches(presented)).then(|| presented.to_owned()),
        None => match registered.as_slice() {
            [only] => Some(only.as_str().to_owned()),
            _ => None,
        },
    }
}

/// Runs the authorization request `query` from `step` to its next page or redirect.
pub async fn process(
    state: &AppState,
    headers: &HeaderMap,
    query: String,
    step: Step,
) -> Result<Response, ApiError> {
    if query.len() > MAX_REQUEST_LEN {
        return Ok(bad_request_page("The authorization request is too long."));
    }
    let Ok(pairs) = FormParams::parse_all(query.as_bytes()) else {
        return Ok(bad_request_page(
            "The authorization request is malformed (bad encoding or too many parameters).",
        ));
    };
    let target = match Target::parse(&pairs) {
        Ok(target) => target,
        Err(problem) => {
            return Ok(bad_request_page(&format!("The application sent an invalid request: {problem}.")))
        }
    };
    let client = match state.store.client_by_id(&target.client_id).await? {
        Some(client) => client,
        None => return Ok(bad_request_page("The application that sent you here is not registered.")),
    };
    let Some(redirect_uri) = resolve_redirect_uri(&client, target.redirect_uri.as_deref()) else {
        let problem = if target.redirect_uri.is_some() {
            "The application asked to return to an address it has not registered."
        } else {
            "The application did not say where to return to (redirect_uri)."
        };
        return Ok(bad_request_page(problem));
    };
    // From here on, errors go back to the client.
    let client_state = state_of(&pairs);
    let fail = |error: OAuthError| error_redirect(state, &redirect_uri, &error, client_state.as_deref());

    let request = match AuthorizationRequest::parse(&pairs) {
        Ok(request) => request,
        Err(error) => return Ok(fail(error)),
    };
    if !client.grant_types.contains(&GrantType::AuthorizationCode) {
        return Ok(fail(OAuthError::unauthorized_client(
            "this client may not use the authorization code flow",
        )));
    }
    let allowed = match Scope::from_tokens(&client.scopes) {
        Ok(allowed) => allowed,
        Err(_) => {
            return Err(ApiError::Internal(format!("client {} has an invalid stored scope", client.id)))
        }
    };
    let scope = match Scope::grant(request.scope.as_ref(), &allowed) {
        Ok(scope) => scope,
        Err(error) => return Ok(fail(error)),
    };
    if client.kind == ClientKind::Public && request.code_challenge.is_none() {
        return Ok(fail(OAuthError::invalid_request(
            "code_challenge is required: public clients must use PKCE with S256",
        )));
    }

    // Who is signed in, and is that good enough for this request?
    let now = state.clock.now();
    let session = browser::current_session(state, headers).await?;
    let user = match &session {
        Some(session) => state.store.user_by_id(&session.user_id).await?.filter(|u| !u.disabled),
        None => None,
    };
    let fresh = match (&step, &session) {
        (Step::AfterLogin { bs }, Some(s)) | (Step::Consent { bs, fresh: true, .. }, Some(s)) => *bs == s.id,
        _ => false,
    };
    let (session, user) = match (session, user) {
        (Some(session), Some(user))
            if fresh
                || (!request.prompt.login
                    && request.max_age.is_none_or(|max_age| now - session.auth_time <= max_age)) =>
        {
            (session, user)
        }
        _ => {
            if request.prompt.none {
                return Ok(fail(OAuthError::new(ErrorCode::LoginRequired, "the user must sign in")));
            }
            let interaction = Interaction { q: query, bs: None, fresh: false, exp: now + INTERACTION_TTL };
            return login_page(
                state,
                headers,
                &client,
                &interaction,
                request.login_hint.as_deref().unwrap_or(""),
                None,
            );
        }
    };

    // Consent: asked once per client and scope set, unless the client is exempt.
    let scope_text = scope.to_string();
    match &step {
        Step::Consent { bs, allow, .. } if *bs == session.id => {
            if !allow {
                return Ok(fail(OAuthError::new(ErrorCode::AccessDenied, "the user denied the request")));
            }
            state.store.grant_consent(&user.id, &client.id, &scope_text, now).await?;
        }
        _ => {
            let needs_consent = client.require_consent
                && (request.prompt.consent
                    || !state.store.has_consent(&user.id, &client.id, &scope_text).await?);
            if needs_consent {
                if request.prompt.none {
                    return Ok(fail(OAuthError::new(ErrorCode::ConsentRequired, "the user must consent")));
                }
                let interaction =
                    Interaction { q: query, bs: Some(session.id.clone()), fresh, exp: now + INTERACTION_TTL };
                let sealed = interaction.seal(&state.page_mac)?;
                let (csrf_cookie, set_csrf) = browser::csrf_cookie(state, headers)?;
                let csrf = browser::csrf_token(&state.page_mac, &csrf_cookie);
                let mut response = pages::consent_page(&ConsentForm {
                    action: &state.urls.path(Endpoint::Consent),
                    client_name: &client.name,
                    username: &user.username,
                    scopes: scope.iter().collect(),
                    interaction: &sealed,
                    csrf: &csrf,
                });
                if let Some(set) = set_csrf {
                    response.headers_mut().append(header::SET_COOKIE, set);
                }
                return Ok(response);
            }
        }
    }

    // RFC 6749 §4.1.2: the code, bound to everything the token request must repeat.
    let code = random::token(32)?;
    state
        .store
        .create_authorization_code(&NewAuthorizationCode {
            hash: code_hash(&code),
            client_id: client.id.clone(),
            user_id: user.id.clone(),
            redirect_uri: redirect_uri.clone(),
            redirect_uri_given: target.redirect_uri.is_some(),
            scope: scope_text,
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.as_ref().map(|c| c.as_str().to_owned()),
            auth_time: session.auth_time,
            browser_session_id: Some(session.id.clone()),
            created_at: now,
            expires_at: now + CODE_TTL,
        })
        .await?;
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = client_state.as_deref() {
        params.push(("state", s));
    }
    params.push(("iss", &state.issuer));
    Ok(redirect_to(&redirect_uri, &params))
}

/// The login page for `interaction`, with a CSRF cookie if the browser has none.
pub(crate) fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    interaction: &Interaction,
    username: &str,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let sealed = interaction.seal(&state.page_mac)?;
    let (csrf_cookie, set_csrf) = browser::csrf_cookie(state, headers)?;
    let csrf = browser::csrf_token(&state.page_mac, &csrf_cookie);
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    let mut response = pages::login_page(
        status,
        &LoginForm {
            action: &state.urls.path(Endpoint::Login),
            client_name: &client.name,
            interaction: &sealed,
            csrf: &csrf,
            username,
            error,
        },
    );
    if let Some(set) = set_csrf {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    Ok(response)
}

/// Adds a `Set-Cookie` to a response.
pub(crate) fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}
