//! The HTTP routes, one module per area.

mod account;
pub(crate) mod account_page;
mod authorize;
mod body_limit;
mod discovery;
mod form_body;
mod health;
mod introspect;
mod jwks;
mod logout;
pub(crate) mod mail_requests;
mod metrics;
mod native_nonce;
mod passkeys;
mod recovery;
mod revocations;
mod revoke;
mod signup;
mod token;
mod upstream_token;
mod userinfo;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::Router;
use tower::ServiceBuilder;

use crate::pages::presentation::PresentationLayer;
use crate::public_urls::Endpoint;
use crate::state::AppState;

/// Largest body any endpoint reads; token requests are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// `GET /metrics` alone, for the separate metrics listener (`metrics_listen`): the counters
/// are for operators, not for the public listener (Keycloak and Hydra, too, serve them on a
/// management port).
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics::metrics)).with_state(state)
}

/// The routes, at the root whatever the issuer's path ([`crate::public_urls`] explains why).
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    if let Some(route) = state.urls.path_inserted_metadata_route() {
        router = router.route(&route, get(discovery::metadata));
    }
    router
        .route(Endpoint::OpenIdConfiguration.route(), get(discovery::metadata))
        .route(Endpoint::AuthorizationServerMetadata.route(), get(discovery::metadata))
        .route(Endpoint::Jwks.route(), get(jwks::jwks))
        .route(Endpoint::Token.route(), post(token::token))
        .route(Endpoint::Authorize.route(), get(authorize::authorize_get).post(authorize::authorize_post))
        .route(Endpoint::AuthorizeResume.route(), get(authorize::resume))
        .route(Endpoint::Login.route(), post(authorize::login))
        .route(Endpoint::Consent.route(), post(authorize::consent))
        .route(Endpoint::SecondFactor.route(), post(authorize::second_factor))
        .route(Endpoint::EnrolTotp.route(), post(authorize::enrol_totp))
        .route(Endpoint::SecondFactorPasskeyOptions.route(), post(authorize::second_factor_passkey_options))
        .route(Endpoint::SecondFactorPasskey.route(), post(authorize::second_factor_passkey))
        .route(Endpoint::EnrolPasskeyOptions.route(), post(authorize::enrol_passkey_options))
        .route(Endpoint::EnrolPasskey.route(), post(authorize::enrol_passkey))
        .route("/federation/{name}/start", get(authorize::federation_start))
        .route("/federation/{name}/open-link", get(authorize::open_link_ticket))
        .route("/federation/{name}/callback", get(authorize::callback_get).post(authorize::callback_post))
        .route(Endpoint::FederationLink.route(), post(authorize::federation_link))
        .route("/federation/{name}/token", get(upstream_token::upstream_token))
        .route(Endpoint::UserInfo.route(), get(userinfo::userinfo_get).post(userinfo::userinfo_post))
        .route(Endpoint::Logout.route(), get(logout::logout).post(logout::logout))
        .route(Endpoint::Revoke.route(), post(revoke::revoke))
        .route(Endpoint::Introspect.route(), post(introspect::introspect))
        .route(Endpoint::Revocations.route(), get(revocations::feed))
        .route("/native/nonce", get(native_nonce::issue))
        .route("/account/identities", get(account::list_identities))
        .route(
            "/account/identities/{provider}",
            delete(account::unlink_identity).post(account::link_identity),
        )
        .route("/account/sessions", get(account::list_sessions))
        .route("/account/sessions/{id}", delete(account::end_session))
        .route("/account/logout", post(account::logout))
        .route("/account/password", post(account::change_password))
        .route(
            Endpoint::ForgotPassword.route(),
            get(recovery::forgot_password_form).post(recovery::forgot_password_request),
        )
        .route(
            Endpoint::ResetPassword.route(),
            get(recovery::reset_password_form).post(recovery::reset_password_submit),
        )
        .route(Endpoint::Signup.route(), get(signup::signup_form).post(signup::signup_request))
        .route(
            Endpoint::VerifyEmail.route(),
            get(signup::verify_email_form).post(signup::verify_email_submit),
        )
        .route(Endpoint::AccountPage.route(), get(account_page::account))
        .route(Endpoint::AccountEndSession.route(), post(account_page::end_session))
        .route(Endpoint::AccountEndSessions.route(), post(account_page::end_sessions))
        .route(Endpoint::AccountChangePassword.route(), post(account_page::change_password))
        .route(Endpoint::AccountChangeEmail.route(), post(account_page::change_email))
        .route(Endpoint::AccountPasskeyOptions.route(), post(account_page::passkey_options))
        .route(Endpoint::AccountAddPasskey.route(), post(account_page::add_passkey))
        .route(Endpoint::AccountRemovePasskey.route(), post(account_page::remove_passkey))
        .route(Endpoint::PasskeyScript.route(), get(passkeys::script))
        .route(Endpoint::PasskeySignInOptions.route(), post(authorize::passkey_sign_in_options))
        .route(Endpoint::PasskeySignIn.route(), post(authorize::passkey_sign_in))
        .route(Endpoint::AccountTotpBegin.route(), post(account_page::totp_begin))
        .route(Endpoint::AccountTotpConfirm.route(), post(account_page::totp_confirm))
        .route(Endpoint::AccountRecoveryCodes.route(), post(account_page::recovery_codes))
        .route(Endpoint::AccountRemoveFactor.route(), post(account_page::remove_factor))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // One `layer` call for the three: each `Router::layer` boxes every route once more,
        // and axum clones a route's boxes on every request (docs/architecture.md,
        // "Performance budgets").
        .layer(
            ServiceBuilder::new()
                .layer(PresentationLayer { presentation: state.presentation.clone() })
                .layer(body_limit::RejectDeclaredOversizeLayer)
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .with_state(state)
}
