//! Registering a passkey for a signed-in user (WebAuthn §7.1, through webauthn-rs's passkey
//! registration): user verification required, the user's passkeys excluded (no second copy
//! on one authenticator), and a discoverable credential asked for (`residentKey: required`),
//! so that it can sign in without a username. webauthn-rs asks for a non-discoverable one by
//! default and does not check the choice at the end, so the option is raised here.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_store::{CeremonyPurpose, PasskeyRecord, StoreError, User};
use webauthn_rs::prelude::{CreationChallengeResponse, PasskeyRegistration, RegisterPublicKeyCredential};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::{ceremony, credential_json, parse_credential, relying_party, user_handle, Handle};
use crate::error::ApiError;
use crate::pages::tr;
use crate::state::AppState;

/// Longest passkey label, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Why a registration was refused, in words the account page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such ceremony: expired, used already, or another user's.
    Expired,
    /// The browser's answer did not verify (wrong challenge, origin, no user verification…).
    Invalid,
    /// The credential is registered already.
    AlreadyRegistered,
    /// The label is empty, too long or has control characters.
    BadName,
}

impl Refusal {
    /// What the user is told, in the request's language.
    pub fn message(self) -> String {
        match self {
            Self::Expired => tr("passkey-expired"),
            Self::Invalid => tr("passkey-invalid"),
            Self::AlreadyRegistered => tr("passkey-registered-already"),
            Self::BadName => tr("passkey-bad-name"),
        }
    }
}

/// Starts a registration for `user`: the options for `navigator.credentials.create` and the
/// ceremony's handle.
pub async fn start(state: &AppState, user: &User) -> Result<(Handle, CreationChallengeResponse), ApiError> {
    let exclude = state
        .store
        .passkeys_of_user(&user.id)
        .await?
        .iter()
        .map(|record| parse_credential(&record.credential).map(|passkey| passkey.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let (mut options, registration) = relying_party(state)?
        .start_passkey_registration(user_handle(&user.id), &user.username, &user.username, Some(exclude))
        .map_err(ApiError::internal)?;
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.require_resident_key = true;
        selection.resident_key = Some(ResidentKeyRequirement::Required);
    }
    let handle = ceremony::store(state, CeremonyPurpose::Register, Some(&user.id), &registration).await?;
    Ok((handle, options))
}

/// Finishes the registration `handle` of `user` with the browser's `credential` (JSON) and
/// stores the passkey under `name`.
pub async fn finish(
    state: &AppState,
    user: &User,
    handle: &str,
    credential: &str,
    name: &str,
) -> Result<Result<PasskeyRecord, Refusal>, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Ok(Err(Refusal::BadName));
    }
    let taken =
        ceremony::take::<PasskeyRegistration>(state, CeremonyPurpose::Register, Some(&user.id), handle);
    let Some(registration) = taken.await? else { return Ok(Err(Refusal::Expired)) };
    let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(credential) else {
        return Ok(Err(Refusal::Invalid));
    };
    let passkey = match relying_party(state)?.finish_passkey_registration(&credential, &registration) {
        Ok(passkey) => passkey,
        Err(error) => {
            tracing::info!(user_id = %user.id, %error, "passkey registration refused");
            // webauthn-rs refuses the user's own (excluded) credentials without saying so.
            let raw_id = URL_SAFE_NO_PAD.encode(credential.raw_id.as_slice());
            let known = state.store.passkey(&raw_id).await?.is_some();
            return Ok(Err(if known { Refusal::AlreadyRegistered } else { Refusal::Invalid }));
        }
    };
    let now = state.clock.now();
    let record = PasskeyRecord {
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        user_id: user.id.clone(),
        name: name.to_owned(),
        credential: credential_json(&passkey)?,
        created_at: now,
        last_used_at: None,
    };
    match state.store.add_passkey(&record).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(Err(Refusal::AlreadyRegistered)),
        Err(error) => return Err(error.into()),
    }
    super::audit(state, &user.id, "passkey_registered", &record.credential_id).await?;
    Ok(Ok(record))
}
