//! Authenticating with a passkey (WebAuthn §7.2): passwordless, with a discoverable
//! credential that names its user ([`start_sign_in`], [`finish_sign_in`]), or as the second
//! factor of a user already known by their first ([`start_second_factor`],
//! [`finish_second_factor`]: `allowCredentials` lists that user's passkeys only).
//!
//! After each verified assertion the stored credential is replaced by the updated one (its
//! signature counter, its backup state), as webauthn-rs recommends, by compare-and-swap on the
//! stored value. A counter that did not grow (WebAuthn §6.1.1: a possibly cloned
//! authenticator) is refused by webauthn-rs; here it is audited as
//! `passkey_counter_regression`, and the passkey stays registered for the user to review.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_store::{CeremonyPurpose, PasskeyRecord, SignInMethod, User};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PublicKeyCredential, RequestChallengeResponse, WebauthnError, WebauthnResult,
};

use super::{ceremony, credential_json, parse_credential, relying_party, user_handle, Handle};
use crate::authn::passkey::PasskeyAttempt;
use crate::error::ApiError;
use crate::state::AppState;

/// Starts a passwordless sign-in: options for `navigator.credentials.get` with no
/// `allowCredentials` (the authenticator offers its discoverable credentials for this
/// relying party), and the ceremony's handle.
pub async fn start_sign_in(state: &AppState) -> Result<(Handle, RequestChallengeResponse), ApiError> {
    let (mut options, authentication) =
        relying_party(state)?.start_discoverable_authentication().map_err(ApiError::internal)?;
    // A button press, not the conditional (autofill) mediation webauthn-rs sets.
    options.mediation = None;
    let handle = ceremony::store(state, CeremonyPurpose::SignIn, None, &authentication).await?;
    Ok((handle, options))
}

/// Finishes the passwordless sign-in `handle` with the browser's `credential` (JSON): the
/// user and how they signed in, or `None` for any refusal (all look the same to the browser;
/// the audit trail tells them apart).
pub async fn finish_sign_in(
    state: &AppState,
    attempt: &PasskeyAttempt<'_>,
    handle: &str,
    credential: &str,
) -> Result<Option<(User, SignInMethod)>, ApiError> {
    let taken = ceremony::take::<DiscoverableAuthentication>(state, CeremonyPurpose::SignIn, None, handle);
    let (Some(authentication), Ok(credential)) =
        (taken.await?, serde_json::from_str::<PublicKeyCredential>(credential))
    else {
        attempt.failed(state, None).await?;
        return Ok(None);
    };
    let rp = relying_party(state)?;
    let record = match rp.identify_discoverable_authentication(&credential) {
        Ok((handle, credential_id)) => {
            registered(state, credential_id).await?.filter(|record| user_handle(&record.user_id) == handle)
        }
        Err(_) => None,
    };
    let Some(record) = record else {
        attempt.failed(state, None).await?;
        return Ok(None);
    };
    let Some(user) = attempt.eligible_user(state, &record.user_id).await? else { return Ok(None) };
    let verified = verify(state, &record, |passkey| {
        let key = DiscoverableKey::from(passkey);
        rp.finish_discoverable_authentication(&credential, authentication, &[key])
    })
    .await?;
    let Some(method) = verified else {
        attempt.failed(state, Some((&user, "authentication_failed"))).await?;
        return Ok(None);
    };
    attempt.succeeded(state, &user).await?;
    Ok(Some((user, method)))
}

/// Starts a second-factor assertion for `user`, who proved a first factor already: options
/// whose `allowCredentials` are the user's passkeys, and the ceremony's handle; `None` when
/// the user has no passkey.
pub async fn start_second_factor(
    state: &AppState,
    user: &User,
) -> Result<Option<(Handle, RequestChallengeResponse)>, ApiError> {
    let passkeys = state
        .store
        .passkeys_of_user(&user.id)
        .await?
        .iter()
        .map(|record| parse_credential(&record.credential))
        .collect::<Result<Vec<Passkey>, _>>()?;
    if passkeys.is_empty() {
        return Ok(None);
    }
    let (options, authentication) =
        relying_party(state)?.start_passkey_authentication(&passkeys).map_err(ApiError::internal)?;
    let handle =
        ceremony::store(state, CeremonyPurpose::SecondFactor, Some(&user.id), &authentication).await?;
    Ok(Some((handle, options)))
}

/// Finishes the second-factor assertion `handle` of `user` with the browser's `credential`
/// (JSON): how the factor was proved (`amr` `hwk`/`swk` and `mfa`), or `None` when it was
/// refused — a ceremony of another user or purpose, expired or used, a credential that is
/// not one of this user's passkeys, a bad signature or a counter regression.
pub async fn finish_second_factor(
    state: &AppState,
    user: &User,
    handle: &str,
    credential: &str,
) -> Result<Option<SignInMethod>, ApiError> {
    let taken =
        ceremony::take::<PasskeyAuthentication>(state, CeremonyPurpose::SecondFactor, Some(&user.id), handle);
    let (Some(authentication), Ok(credential)) =
        (taken.await?, serde_json::from_str::<PublicKeyCredential>(credential))
    else {
        return Ok(None);
    };
    let record = registered(state, credential.get_credential_id()).await?;
    let Some(record) = record.filter(|record| record.user_id == user.id) else { return Ok(None) };
    let rp = relying_party(state)?;
    verify(state, &record, |_| rp.finish_passkey_authentication(&credential, &authentication)).await
}

/// The registered passkey with this raw credential id.
async fn registered(state: &AppState, credential_id: &[u8]) -> Result<Option<PasskeyRecord>, ApiError> {
    if credential_id.is_empty() || credential_id.len() > 1023 {
        return Ok(None);
    }
    Ok(state.store.passkey(&URL_SAFE_NO_PAD.encode(credential_id)).await?)
}

/// Runs webauthn-rs's `check` of the assertion against the stored passkey; on success
/// stores the updated credential and returns how the user signed in.
async fn verify(
    state: &AppState,
    record: &PasskeyRecord,
    check: impl FnOnce(&Passkey) -> WebauthnResult<AuthenticationResult>,
) -> Result<Option<SignInMethod>, ApiError> {
    let mut passkey = parse_credential(&record.credential)?;
    let result = match check(&passkey) {
        Ok(result) => result,
        Err(WebauthnError::CredentialPossibleCompromise) => {
            tracing::warn!(user_id = %record.user_id, "passkey counter did not grow: possibly cloned; refused");
            super::audit(state, &record.user_id, "passkey_counter_regression", &record.credential_id).await?;
            return Ok(None);
        }
        Err(error) => {
            tracing::info!(user_id = %record.user_id, %error, "passkey assertion refused");
            return Ok(None);
        }
    };
    passkey.update_credential(&result);
    let updated = credential_json(&passkey)?;
    let now = state.clock.now();
    if !state.store.record_passkey_use(&record.credential_id, &record.credential, &updated, now).await? {
        // Another assertion of this credential won meanwhile: one of the two reused a counter.
        super::audit(state, &record.user_id, "passkey_counter_regression", &record.credential_id).await?;
        return Ok(None);
    }
    Ok(Some(SignInMethod::passkey(result.backup_eligible())))
}
