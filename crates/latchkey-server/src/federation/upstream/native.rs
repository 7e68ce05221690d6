//! Subject tokens a native app brings to the token exchange (RFC 8693 §2.1; `docs/
//! architecture.md`, "Native apps"), validated into the same [`UpstreamLogin`] the browser
//! flow's callback produces:
//!
//! - an ID token: every check of [`Upstream::validate_id_token`], with our client id and the
//!   provider's `native_client_ids` as the accepted audiences, and the nonce claim the caller
//!   expects (raw or hashed, per provider);
//! - an access token: only from a provider that can say which app it was issued to (Facebook's
//!   `debug_token`, [`super::facebook_inspect`]); any other provider is refused, since its
//!   UserInfo would accept a token issued to any app.
//!
//! Each comes with what the replay table keys it by: the issuer and the `jti`, or the SHA-256
//! of the token when it has none, and when it expires.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest::sha256;
use serde_json::Value;
use zeroize::Zeroizing;

use super::{
    facebook, facebook_inspect, Flavor, IdTokenExpectations, ProviderConfig, ProviderKind, Upstream,
    UpstreamError, UpstreamLogin, UpstreamTokens,
};

/// A validated subject token.
#[derive(Debug)]
pub struct NativeSubject {
    pub login: UpstreamLogin,
    /// Who issued the token, for the replay table (the issuer, or `provider:NAME`).
    pub replay_issuer: String,
    /// The token's `jti`, or the base64url SHA-256 of the token.
    pub replay_id: String,
    /// When the token stops being valid; the replay row lives until then.
    pub expires_at: i64,
}

fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(token.as_bytes()))
}

fn tokens(id_token: Option<&str>) -> UpstreamTokens {
    UpstreamTokens {
        access_token: Zeroizing::new(String::new()),
        refresh_token: None,
        id_token: id_token.map(str::to_owned),
        expires_in: None,
        scope: None,
    }
}

impl Upstream {
    /// An ID token a native app got from the provider's SDK, with `nonce_claim` the value its
    /// `nonce` claim must have.
    pub async fn native_id_token(
        &self,
        p: &ProviderConfig,
        id_token: &str,
        nonce_claim: &str,
    ) -> Result<NativeSubject, UpstreamError> {
        let issuer = p.issuer().ok_or(UpstreamError::IdToken("this provider does not issue ID tokens"))?;
        let audiences: Vec<String> =
            std::iter::once(p.client_id.clone()).chain(p.native_client_ids.clone()).collect();
        let expect =
            IdTokenExpectations { audiences: &audiences, nonce: Some(nonce_claim), access_token: None };
        let claims = self.validate_id_token(p, id_token, &expect).await?;
        let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned();
        let expires_at = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(UpstreamError::IdToken("it has no expiry (exp)"))?;
        let replay_id = match claims.get("jti").and_then(Value::as_str) {
            Some(jti) if !jti.is_empty() && jti.len() <= 255 => format!("jti:{jti}"),
            _ => format!("sha256:{}", token_hash(id_token)),
        };
        let profile = p.mapping.normalize(p.flavor, &claims);
        let login = UpstreamLogin { subject, raw_claims: claims, profile, tokens: tokens(Some(id_token)) };
        Ok(NativeSubject { login, replay_issuer: issuer.to_owned(), replay_id, expires_at })
    }

    /// An access token a native app got from the provider's SDK (Facebook Login).
    pub async fn native_access_token(
        &self,
        p: &ProviderConfig,
        access_token: &str,
    ) -> Result<NativeSubject, UpstreamError> {
        let (ProviderKind::OAuth2 { userinfo_endpoint, .. }, Flavor::Facebook) = (&p.kind, p.flavor) else {
            return Err(UpstreamError::Profile(
                "this provider cannot say which app an access token was issued to: send an ID token",
            ));
        };
        let profile_url = p.overrides.userinfo_endpoint.as_ref().unwrap_or(userinfo_endpoint);
        let inspected =
            facebook_inspect::inspect(&self.http, p, profile_url, access_token, self.clock.now()).await?;
        let identity = facebook::identity(&self.http, p, profile_url, access_token).await?;
        if identity.subject != inspected.user_id {
            return Err(UpstreamError::SubjectMismatch);
        }
        let profile = p.mapping.normalize(p.flavor, &identity.claims);
        let login = UpstreamLogin {
            subject: identity.subject,
            raw_claims: identity.claims,
            profile,
            tokens: tokens(None),
        };
        Ok(NativeSubject {
            login,
            replay_issuer: format!("provider:{}", p.name),
            replay_id: format!("sha256:{}", token_hash(access_token)),
            expires_at: inspected.expires_at,
        })
    }
}
