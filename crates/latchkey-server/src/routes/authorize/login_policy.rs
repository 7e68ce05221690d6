//! Step 5: who is signed in, and is that good enough for this request? (OpenID Connect Core
//! §3.1.2.1 `prompt` and `max_age`, §3.1.2.3.) A browser session whose user still exists and
//! is not disabled counts, unless `prompt=login` asks for a new login or the login is older
//! than `max_age`; a login made during this very request always counts. Otherwise the login
//! page — or, with `idp_hint=NAME`, the upstream provider NAME (`docs/architecture.md`,
//! "Federation") — or with `prompt=none` the `login_required` error (§3.1.2.6). A client
//! with `require_verified_email` refuses a user whose address is not verified (a page).

use std::ops::ControlFlow;

use axum::response::Response;
use latchkey_core::authorize::{AuthorizationRequest, Prompt};
use latchkey_core::{ErrorCode, OAuthError};
use latchkey_store::{BrowserSession, User};

use super::error::AuthorizeError;
use super::resolve_client::ClientRequest;
use super::{federation, login, Context};
use crate::browser::{self, Interaction, INTERACTION_TTL};
use crate::pages::tr;

/// The signed-in user the request goes on with.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: BrowserSession,
    pub user: User,
    /// The login happened during this request (it satisfies `prompt=login` and `max_age`).
    pub fresh: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginDecision {
    Proceed,
    ShowLogin,
    LoginRequired,
}

/// The rule: `auth_time` is the signed-in user's last login (`None` when nobody is signed in),
/// `fresh` whether it happened during this request.
pub fn decide(
    auth_time: Option<i64>,
    fresh: bool,
    prompt: Prompt,
    max_age: Option<i64>,
    now: i64,
) -> LoginDecision {
    let good_enough = auth_time.is_some_and(|auth_time| {
        fresh || (!prompt.login && max_age.is_none_or(|max_age| now - auth_time <= max_age))
    });
    if good_enough {
        LoginDecision::Proceed
    } else if prompt.none {
        LoginDecision::LoginRequired
    } else {
        LoginDecision::ShowLogin
    }
}

/// The signed-in user, or the login page to show.
pub async fn check(
    ctx: &Context<'_>,
    client_request: &ClientRequest,
    request: &AuthorizationRequest,
) -> Result<ControlFlow<Response, SignedIn>, AuthorizeError> {
    let state = ctx.state;
    let now = state.clock.now();
    let session = browser::current_session(state, ctx.headers).await?;
    let signed_in = match session {
        Some(session) => {
            state.store.user_by_id(&session.user_id).await?.filter(|u| !u.disabled).map(|user| {
                let fresh = ctx.step.logged_in_as(&session.id);
                SignedIn { session, user, fresh }
            })
        }
        None => None,
    };
    let auth_time = signed_in.as_ref().map(|s| s.session.auth_time);
    let fresh = signed_in.as_ref().is_some_and(|s| s.fresh);
    match (decide(auth_time, fresh, request.prompt, request.max_age, now), signed_in) {
        (LoginDecision::Proceed, Some(signed_in)) => {
            if !client_request.client.signup.admits(signed_in.user.email_verified) {
                // A client that requires verified addresses (`require_verified_email`).
                return Err(AuthorizeError::page(tr("login-unverified-only")));
            }
            Ok(ControlFlow::Continue(signed_in))
        }
        (LoginDecision::LoginRequired, _) => Err(client_request
            .return_to
            .error(OAuthError::new(ErrorCode::LoginRequired, "the user must sign in"))),
        _ => {
            // `idp_hint=NAME` (Keycloak's `kc_idp_hint`, Auth0's `connection`): straight to
            // that upstream provider instead of the login page.
            let hint = client_request.pairs.iter().find(|(name, _)| name == "idp_hint");
            if let Some((_, provider)) = hint {
                let upstream = federation::begin(state, provider, &client_request.client, ctx.query).await?;
                return Ok(ControlFlow::Break(upstream));
            }
            let interaction =
                Interaction { q: ctx.query.to_owned(), bs: None, fresh: false, exp: now + INTERACTION_TTL };
            let hint = request.login_hint.as_deref().unwrap_or("");
            let client = &client_request.client;
            let options = login::sign_in_options(state, client, &interaction).await?;
            let page = login::form_page(state, ctx.headers, client, &interaction, hint, None, &options)?;
            Ok(ControlFlow::Break(page))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 10_000;

    #[test]
    fn a_session_is_enough_unless_the_request_asks_for_more() {
        let none = Prompt::default();
        assert_eq!(decide(Some(0), false, none, None, NOW), LoginDecision::Proceed);
        assert_eq!(decide(None, false, none, None, NOW), LoginDecision::ShowLogin);
        let login = Prompt { login: true, ..none };
        assert_eq!(decide(Some(0), false, login, None, NOW), LoginDecision::ShowLogin);
        assert_eq!(decide(Some(NOW), true, login, None, NOW), LoginDecision::Proceed, "fresh login counts");
    }

    #[test]
    fn max_age_bounds_the_age_of_the_login() {
        let none = Prompt::default();
        assert_eq!(decide(Some(NOW - 60), false, none, Some(60), NOW), LoginDecision::Proceed);
        assert_eq!(decide(Some(NOW - 61), false, none, Some(60), NOW), LoginDecision::ShowLogin);
        assert_eq!(decide(Some(NOW - 61), true, none, Some(0), NOW), LoginDecision::Proceed);
    }

    #[test]
    fn prompt_none_never_shows_a_page() {
        let silent = Prompt { none: true, ..Prompt::default() };
        assert_eq!(decide(None, false, silent, None, NOW), LoginDecision::LoginRequired);
        assert_eq!(decide(Some(0), false, silent, Some(1), NOW), LoginDecision::LoginRequired);
        assert_eq!(decide(Some(0), false, silent, None, NOW), LoginDecision::Proceed);
    }
}
