//! WebAuthn passkeys (docs/architecture.md, "Passkeys"), through webauthn-rs: the relying
//! party, derived from the issuer's public URL (never from the request's `Host`), the user
//! handle, and the ceremonies — registration ([`registration`]), passwordless sign-in with a
//! discoverable credential and a passkey as a known user's second factor ([`assertion`]).
//! The ceremony state lives in the database every process shares ([`ceremony`]).
//!
//! Every ceremony requires user verification (webauthn-rs's passkey default): an assertion
//! proves the key and the user's PIN or biometric at the authenticator.

pub mod assertion;
mod ceremony;
pub mod registration;

use latchkey_core::OAuthError;
use latchkey_crypto::digest::sha256;
use url::Url;
use webauthn_rs::prelude::{Passkey, Uuid};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::error::ApiError;
use crate::state::AppState;

pub use ceremony::Handle;

/// Whether this deployment can have passkeys: WebAuthn's relying party id is a domain
/// (WebAuthn §5.1.3 step 7: an IP address is no valid domain, and browsers refuse it), so an
/// issuer at an IP address (`http://127.0.0.1:8080`) offers none.
pub fn available(state: &AppState) -> bool {
    Url::parse(state.urls.issuer().origin()).is_ok_and(|origin| origin.domain().is_some())
}

/// The relying party of this deployment: its id is the issuer's host, its one origin the
/// issuer's origin (WebAuthn §5.1.3 steps 9 and 11: the browser's `clientDataJSON.origin`
/// must be exactly that). An issuer at an IP address is refused ([`available`]).
pub fn relying_party(state: &AppState) -> Result<Webauthn, ApiError> {
    let origin = Url::parse(state.urls.issuer().origin()).map_err(ApiError::internal)?;
    let Some(rp_id) = origin.domain() else {
        let error = OAuthError::invalid_request("passkeys need an issuer with a domain name");
        return Err(error.into());
    };
    WebauthnBuilder::new(rp_id, &origin)
        .and_then(|builder| builder.rp_name("Latchkey").build())
        .map_err(ApiError::internal)
}

/// The WebAuthn user handle of a user (WebAuthn §14.6.1: no personal data in it): a digest
/// of the user id, so it needs no column and is the same for every passkey of the user (an
/// authenticator keeps one discoverable credential per relying party and user handle).
pub fn user_handle(user_id: &str) -> Uuid {
    let digest = sha256(&[b"latchkey webauthn user handle\0".as_slice(), user_id.as_bytes()].concat());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

/// A stored credential's JSON back as webauthn-rs's `Passkey`.
fn parse_credential(json: &str) -> Result<Passkey, ApiError> {
    serde_json::from_str(json).map_err(ApiError::internal)
}

/// A `Passkey` as the JSON the store keeps.
fn credential_json(passkey: &Passkey) -> Result<String, ApiError> {
    serde_json::to_string(passkey).map_err(ApiError::internal)
}

/// Writes a passkey audit event of `user_id`; `credential_id` names the passkey.
pub(crate) async fn audit(
    state: &AppState,
    user_id: &str,
    kind: &str,
    credential_id: &str,
) -> Result<(), ApiError> {
    let detail = format!("credential={credential_id}");
    crate::authn::record_audit(state, user_id, None, kind, &detail, state.clock.now()).await
}

#[cfg(test)]
mod tests;
