//! Single-use links sent by e-mail (docs/architecture.md, "Account recovery"): a random
//! 256-bit token in the link, only its SHA-256 in the database, one live link per user and
//! purpose (a newer one replaces the older), used at most once (a compare-and-swap in the
//! unit of work that performs it), and bound to the password hash it was issued under, so a
//! password change by any path invalidates it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest::sha256;
use latchkey_crypto::random;
use latchkey_store::{AccountToken, User};

use crate::error::ApiError;
use crate::state::AppState;

/// A forgotten-password link, valid for [`PASSWORD_RESET_TTL`].
pub const PASSWORD_RESET: &str = "password_reset";
/// How long a forgotten-password link works: one hour at most (OWASP Forgot Password Cheat
/// Sheet).
pub const PASSWORD_RESET_TTL: i64 = 3_600;
/// An e-mail verification link, valid for [`EMAIL_VERIFICATION_TTL`].
pub const EMAIL_VERIFICATION: &str = "email_verification";
pub const EMAIL_VERIFICATION_TTL: i64 = 24 * 3_600;
/// A link to a new address that makes it the account's (docs/architecture.md, "Changing the
/// e-mail address"), valid as long as a verification link.
pub const EMAIL_CHANGE: &str = "email_change";
/// Longest token accepted from a request (ours are 43 characters).
const MAX_TOKEN_LEN: usize = 128;

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(token.as_bytes()))
}

/// A digest of a password hash (itself salted): the link stays valid only while it matches.
fn password_mark(password_hash: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(password_hash.as_bytes()))
}

/// Issues a link for `user`, replacing their previous one of this purpose; returns the token.
pub async fn issue(
    state: &AppState,
    user: &User,
    email: &str,
    purpose: &str,
    ttl: i64,
) -> Result<String, ApiError> {
    let token = random::token(32)?;
    let now = state.clock.now();
    let record = AccountToken {
        user_id: user.id.clone(),
        purpose: purpose.to_owned(),
        token_hash: token_hash(&token),
        email: email.to_owned(),
        password_mark: password_mark(&user.password_hash),
        created_at: now,
        expires_at: now + ttl,
    };
    state.store.issue_account_token(&record).await?;
    Ok(token)
}

/// The live link of `token` and its enabled user, when the user still has the password the
/// link was issued under.
pub async fn live(
    state: &AppState,
    token: &str,
    purpose: &str,
) -> Result<Option<(AccountToken, User)>, ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Ok(None);
    }
    let now = state.clock.now();
    let Some(link) = state.store.live_account_token(&token_hash(token), purpose, now).await? else {
        return Ok(None);
    };
    let user = state.store.user_by_id(&link.user_id).await?;
    Ok(user
        .filter(|user| !user.disabled && password_mark(&user.password_hash) == link.password_mark)
        .map(|user| (link, user)))
}
