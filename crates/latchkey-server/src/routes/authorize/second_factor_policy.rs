//! Step 5b: is the sign-in strong enough? (docs/architecture.md, "Multi-factor
//! authentication".) The client's MFA policy, the request's `acr_values` (OpenID Connect Core
//! §3.1.2.1) and the user's enrolled factors decide ([`latchkey_core::mfa::second_factor_need`]);
//! a sign-in that needs more gets the second-factor page, or the enrolment (TOTP or a passkey)
//! when the user has no factor yet (Keycloak's "configure OTP" required action), or with `prompt=none` the
//! `interaction_required` error (§3.1.2.6).

use std::ops::ControlFlow;

use axum::response::Response;
use latchkey_core::authorize::AuthorizationRequest;
use latchkey_core::mfa::{second_factor_need, SecondFactorNeed};
use latchkey_core::{ErrorCode, OAuthError};

use super::error::AuthorizeError;
use super::login_policy::SignedIn;
use super::resolve_client::ClientRequest;
use super::{second_factor, Context};
use crate::browser::{Interaction, INTERACTION_TTL};
use crate::mfa;

pub async fn check(
    ctx: &Context<'_>,
    client_request: &ClientRequest,
    request: &AuthorizationRequest,
    signed_in: &SignedIn,
) -> Result<ControlFlow<Response>, AuthorizeError> {
    let state = ctx.state;
    let client = &client_request.client;
    let has_factor = !mfa::enrolled(state, &signed_in.user.id).await?.is_empty();
    let acr_asks_mfa = mfa::acr_asks_mfa(state, &request.acr_values);
    let need = second_factor_need(client.mfa, acr_asks_mfa, has_factor, &signed_in.session.method.amr);
    if need == SecondFactorNeed::None {
        return Ok(ControlFlow::Continue(()));
    }
    if request.prompt.none {
        let error = OAuthError::new(ErrorCode::InteractionRequired, "the user must present a second factor");
        return Err(client_request.return_to.error(error));
    }
    let interaction = Interaction {
        q: ctx.query.to_owned(),
        bs: Some(signed_in.session.id.clone()),
        fresh: signed_in.fresh,
        exp: state.clock.now() + INTERACTION_TTL,
    };
    let step = second_factor::Step { client, user: &signed_in.user, interaction: &interaction };
    let page = match need {
        SecondFactorNeed::Enrol => second_factor::enrol_page(state, ctx.headers, &step, None).await?,
        _ => second_factor::challenge_page(state, ctx.headers, &step, None).await?,
    };
    Ok(ControlFlow::Break(page))
}
