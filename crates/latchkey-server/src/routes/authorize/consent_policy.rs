//! Step 6: has the user agreed to give this client this scope? Asked once per client and scope
//! set, unless the client is registered as exempt (`require_consent` off); `prompt=consent`
//! asks again (OpenID Connect Core §3.1.2.1). With `prompt=none` a needed consent is the
//! `consent_required` error (§3.1.2.6); a user who denies is `access_denied` (RFC 6749
//! §4.1.2.1).

use std::ops::ControlFlow;

use axum::response::Response;
use latchkey_core::authorize::AuthorizationRequest;
use latchkey_core::scope::Scope;
use latchkey_core::{ErrorCode, OAuthError};

use super::error::AuthorizeError;
use super::login_policy::SignedIn;
use super::resolve_client::ClientRequest;
use super::{consent, Context};
use crate::browser::{Interaction, INTERACTION_TTL};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentDecision {
    /// Consent is not needed, or was given before.
    Proceed,
    /// The user just allowed: record it and go on.
    Record,
    Denied,
    Ask,
    ConsentRequired,
}

/// The rule: `answer` is the user's answer on the consent page, if this request comes from
/// it; `needed` whether the request needs a consent it does not have.
pub fn decide(answer: Option<bool>, needed: bool, prompt_none: bool) -> ConsentDecision {
    match answer {
        Some(true) => ConsentDecision::Record,
        Some(false) => ConsentDecision::Denied,
        None if !needed => ConsentDecision::Proceed,
        None if prompt_none => ConsentDecision::ConsentRequired,
        None => ConsentDecision::Ask,
    }
}

/// Goes on when consent is given, or shows the consent page.
pub async fn check(
    ctx: &Context<'_>,
    client_request: &ClientRequest,
    request: &AuthorizationRequest,
    scope: &Scope,
    signed_in: &SignedIn,
) -> Result<ControlFlow<Response>, AuthorizeError> {
    let state = ctx.state;
    let (client, user) = (&client_request.client, &signed_in.user);
    let back = &client_request.return_to;
    let scope_text = scope.to_string();
    let answer = ctx.step.consent_answer(&signed_in.session.id);
    let needed = answer.is_none()
        && client.require_consent
        && (request.prompt.consent || !state.store.has_consent(&user.id, &client.id, &scope_text).await?);
    match decide(answer, needed, request.prompt.none) {
        ConsentDecision::Proceed => Ok(ControlFlow::Continue(())),
        ConsentDecision::Record => {
            state.store.grant_consent(&user.id, &client.id, &scope_text, state.clock.now()).await?;
            Ok(ControlFlow::Continue(()))
        }
        ConsentDecision::Denied => {
            Err(back.error(OAuthError::new(ErrorCode::AccessDenied, "the user denied the request")))
        }
        ConsentDecision::ConsentRequired => {
            Err(back.error(OAuthError::new(ErrorCode::ConsentRequired, "the user must consent")))
        }
        ConsentDecision::Ask => {
            let interaction = Interaction {
                q: ctx.query.to_owned(),
                bs: Some(signed_in.session.id.clone()),
                fresh: signed_in.fresh,
                exp: state.clock.now() + INTERACTION_TTL,
            };
            let page = consent::form_page(state, ctx.headers, client, user, scope, &interaction)?;
            Ok(ControlFlow::Break(page))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_wins_over_everything() {
        assert_eq!(decide(Some(true), true, true), ConsentDecision::Record);
        assert_eq!(decide(Some(false), false, false), ConsentDecision::Denied);
    }

    #[test]
    fn a_needed_consent_is_asked_for_unless_prompt_none() {
        assert_eq!(decide(None, false, true), ConsentDecision::Proceed);
        assert_eq!(decide(None, true, false), ConsentDecision::Ask);
        assert_eq!(decide(None, true, true), ConsentDecision::ConsentRequired);
    }
}
