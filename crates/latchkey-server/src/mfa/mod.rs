//! Second factors (docs/architecture.md, "Multi-factor authentication"): which factors a user
//! enrolled, checking a code, and the `acr` a sign-in earns.
//!
//! A second factor is one [`SecondFactor`] variant. The hosted login's second-factor step
//! (`routes::authorize::second_factor_policy`) asks for whichever the user enrolled (a code
//! for [`totp`], an assertion for a passkey: `crate::passkeys::assertion`), and the account
//! page lists them.

pub mod codes;
pub mod recovery_codes;
pub mod totp;

use latchkey_store::SignInMethod;

use crate::error::ApiError;
use crate::state::AppState;

/// A kind of second factor a user can enrol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// An authenticator app (RFC 6238 TOTP), confirmed by its first code.
    Totp,
    /// One WebAuthn passkey or more (docs/architecture.md, "Passkeys").
    Passkey,
}

/// The second factors the user enrolled (and confirmed).
pub async fn enrolled(state: &AppState, user_id: &str) -> Result<Vec<SecondFactor>, ApiError> {
    let totp = state.store.totp_factor(user_id).await?.is_some_and(|t| t.confirmed_at.is_some());
    let passkey = !state.store.passkeys_of_user(user_id).await?.is_empty();
    Ok([(totp, SecondFactor::Totp), (passkey, SecondFactor::Passkey)]
        .into_iter()
        .filter_map(|(has, factor)| has.then_some(factor))
        .collect())
}

/// Whether the user must keep their factors: none would be `left` after a removal, and they
/// have a live session with a client whose policy is `required` (that client would send them
/// straight back to enrolment). "Whose client" is read from live refresh sessions, which every
/// code exchange starts.
pub async fn last_factor_kept(
    state: &AppState,
    user_id: &str,
    left: &[SecondFactor],
) -> Result<bool, ApiError> {
    Ok(left.is_empty()
        && state.store.has_session_with_mfa_required_client(user_id, state.clock.now()).await?)
}

/// The `acr` of a sign-in (OpenID Connect Core §2): the configured multi-factor class when
/// its `amr` says two factors were used, else the single-factor class.
pub fn acr(state: &AppState, method: &SignInMethod) -> String {
    let config = &state.config;
    if method.is_multi_factor() { &config.acr_multi_factor } else { &config.acr_single_factor }.clone()
}

/// Whether an authorization request's `acr_values` asks for the multi-factor class.
pub fn acr_asks_mfa(state: &AppState, acr_values: &[String]) -> bool {
    acr_values.iter().any(|value| *value == state.config.acr_multi_factor)
}
