//! Recovery codes: ten single-use codes for when the authenticator is lost, shown once and
//! stored as keyed hashes (HMAC-SHA256 under a key derived from the master key, like client
//! secrets). Using one is an audit event and, when the user has an address, an e-mail.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::random;
use latchkey_store::{AuditEvent, User};

use crate::error::ApiError;
use crate::mail::templates;
use crate::state::AppState;

/// How many codes a set has.
pub const COUNT: usize = 10;
/// Characters of a code: 10 of a 32-letter alphabet, 50 bits.
const LEN: usize = 10;
/// RFC 4648 base32, lower-case (no `0`, `1`, `8` or `9` to confuse with letters).
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const MAC_PURPOSE: &str = "latchkey recovery-code mac v1";

fn hash(state: &AppState, user_id: &str, code: &str) -> String {
    let normalized: String =
        code.chars().filter(|c| !matches!(c, '-' | ' ')).flat_map(char::to_lowercase).collect();
    let mac = state.master.derive_mac_key(MAC_PURPOSE);
    URL_SAFE_NO_PAD.encode(mac.tag(&[user_id.as_bytes(), b"\0", normalized.as_bytes()].concat()))
}

/// A new set for the user, replacing the old one; the codes are returned to be shown once,
/// as `xxxxx-xxxxx`.
pub async fn generate(state: &AppState, user_id: &str) -> Result<Vec<String>, ApiError> {
    let mut codes = Vec::with_capacity(COUNT);
    for _ in 0..COUNT {
        let raw: [u8; LEN] = random::bytes()?;
        let letters: String = raw.iter().map(|b| char::from(ALPHABET[usize::from(b % 32)])).collect();
        codes.push(format!("{}-{}", &letters[..LEN / 2], &letters[LEN / 2..]));
    }
    let hashes: Vec<String> = codes.iter().map(|code| hash(state, user_id, code)).collect();
    state.store.replace_recovery_codes(user_id, &hashes, state.clock.now()).await?;
    Ok(codes)
}

/// Uses `code` if it is one of the user's unused codes: records the audit event and queues
/// the e-mail that tells the user.
pub async fn accept(state: &AppState, user: &User, code: &str) -> Result<bool, ApiError> {
    let now = state.clock.now();
    if !state.store.use_recovery_code(&user.id, &hash(state, &user.id, code), now).await? {
        return Ok(false);
    }
    let left = state.store.recovery_codes_left(&user.id).await?;
    let event = AuditEvent {
        at: now,
        kind: "recovery_code_used".to_owned(),
        user_id: Some(user.id.clone()),
        client_id: None,
        session_id: None,
        detail: Some(format!("left={left}")),
    };
    state.store.record_audit_event(&event).await?;
    if let Some(address) = &user.email {
        state.outbox.enqueue(&templates::recovery_code_used(address, &user.username, left)).await?;
    }
    tracing::info!(user_id = %user.id, left, "recovery code used");
    Ok(true)
}
