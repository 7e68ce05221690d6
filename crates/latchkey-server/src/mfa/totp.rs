//! TOTP authenticators (RFC 6238): enrolment (a new secret sealed under the master key, shown
//! as a QR code rendered here as SVG and as base32 text, confirmed by its first code) and
//! verification, each time step accepted once across processes.

use latchkey_crypto::totp::TotpSecret;
use latchkey_store::User;
use qrcode::render::svg;
use qrcode::QrCode;

use crate::error::ApiError;
use crate::state::AppState;

/// What the enrolment page shows.
pub struct Enrolment {
    /// The secret in base32, to type in.
    pub secret: String,
    /// The `otpauth://` URI as a QR code, an `<svg>` element.
    pub qr_svg: String,
}

/// The associated data a user's secret is sealed with: a sealed secret moved to another
/// user's row does not open.
fn aad(user_id: &str) -> Vec<u8> {
    [b"latchkey totp v1\0".as_slice(), user_id.as_bytes()].concat()
}

fn open(state: &AppState, user_id: &str, sealed: &[u8]) -> Result<TotpSecret, ApiError> {
    Ok(TotpSecret::from_bytes(state.master.open(sealed, &aad(user_id))?))
}

fn enrolment(state: &AppState, user: &User, secret: &TotpSecret) -> Result<Enrolment, ApiError> {
    // The app lists the account under the issuer's host name.
    let issuer = url::Url::parse(state.urls.issuer().as_str()).ok();
    let label = issuer.as_ref().and_then(url::Url::host_str).unwrap_or("Latchkey");
    let uri = secret.key_uri(label, &user.username);
    let qr = QrCode::new(uri.as_bytes()).map_err(ApiError::internal)?;
    let qr_svg = qr.render::<svg::Color<'_>>().min_dimensions(200, 200).build();
    Ok(Enrolment { secret: secret.base32(), qr_svg })
}

/// Starts an enrolment with a new secret (replacing an unconfirmed one); `None` when the user
/// already has a confirmed authenticator.
pub async fn begin_enrolment(state: &AppState, user: &User) -> Result<Option<Enrolment>, ApiError> {
    let secret = TotpSecret::generate()?;
    let sealed = state.master.seal(secret.as_bytes(), &aad(&user.id))?;
    if !state.store.begin_totp_enrolment(&user.id, &sealed, state.clock.now()).await? {
        return Ok(None);
    }
    enrolment(state, user, &secret).map(Some)
}

/// The enrolment waiting for its first code, shown again (after a wrong code).
pub async fn pending_enrolment(state: &AppState, user: &User) -> Result<Option<Enrolment>, ApiError> {
    match state.store.totp_factor(&user.id).await? {
        Some(factor) if factor.confirmed_at.is_none() => {
            enrolment(state, user, &open(state, &user.id, &factor.sealed_secret)?).map(Some)
        }
        _ => Ok(None),
    }
}

/// Whether `code` is a current code of the user's authenticator (confirmed, or with
/// `confirming` the one waiting for its first code) whose time step was not used yet; the
/// step is then used, by this process or any other, and a waiting enrolment is confirmed.
pub async fn accept(state: &AppState, user_id: &str, code: &str, confirming: bool) -> Result<bool, ApiError> {
    let Some(factor) = state.store.totp_factor(user_id).await? else { return Ok(false) };
    if factor.confirmed_at.is_some() == confirming {
        return Ok(false);
    }
    let now = state.clock.now();
    let secret = open(state, user_id, &factor.sealed_secret)?;
    let Some(step) = secret.matching_step(code, now) else { return Ok(false) };
    if !state.store.use_totp_step(user_id, step, now).await? {
        tracing::info!(user_id, "a TOTP code was replayed");
        return Ok(false);
    }
    if confirming {
        return Ok(state.store.confirm_totp(user_id, &factor.sealed_secret, now).await?);
    }
    Ok(true)
}
