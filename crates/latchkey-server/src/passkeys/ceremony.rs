//! Ceremony state shared by every process (docs/architecture.md, "Passkeys"): webauthn-rs
//! keeps the challenge in a state value the server must hold until the browser answers
//! ("YOU MUST STORE THE STATE SERVER SIDE"). It goes into `webauthn_ceremonies` under the
//! SHA-256 of a 256-bit handle the browser carries, for one purpose (and one user when the
//! ceremony is for a known user), for [`CEREMONY_TTL`]; taking it deletes it, so a replayed
//! answer finds nothing. Not process memory: the browser may finish at another process.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest::sha256;
use latchkey_crypto::random;
use latchkey_store::{Ceremony, CeremonyPurpose};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

/// How long a ceremony may take: the browser's prompt and the user's touch or PIN.
pub const CEREMONY_TTL: i64 = 300;

/// The handle of a ceremony, as the browser carries it.
pub type Handle = String;

fn hash(handle: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(handle.as_bytes()))
}

/// Stores `state` for `purpose` (and `user_id`); returns the handle for the browser.
pub(super) async fn store<T: Serialize>(
    app: &AppState,
    purpose: CeremonyPurpose,
    user_id: Option<&str>,
    state: &T,
) -> Result<Handle, ApiError> {
    let handle = random::token(32)?;
    let ceremony = Ceremony {
        handle_hash: hash(&handle),
        purpose,
        user_id: user_id.map(str::to_owned),
        state: serde_json::to_string(state).map_err(ApiError::internal)?,
        expires_at: app.clock.now() + CEREMONY_TTL,
    };
    app.store.create_webauthn_ceremony(&ceremony).await?;
    Ok(handle)
}

/// Takes the live ceremony `handle` of `purpose`, once; `None` when it is unknown, taken,
/// expired or for another purpose, or (when `user_id` is given) for another user.
pub(super) async fn take<T: DeserializeOwned>(
    app: &AppState,
    purpose: CeremonyPurpose,
    user_id: Option<&str>,
    handle: &str,
) -> Result<Option<T>, ApiError> {
    if handle.is_empty() || handle.len() > 100 {
        return Ok(None);
    }
    let Some(ceremony) = app.store.take_webauthn_ceremony(&hash(handle), purpose, app.clock.now()).await?
    else {
        return Ok(None);
    };
    if ceremony.user_id.as_deref() != user_id {
        return Ok(None);
    }
    Ok(Some(serde_json::from_str(&ceremony.state).map_err(ApiError::internal)?))
}
