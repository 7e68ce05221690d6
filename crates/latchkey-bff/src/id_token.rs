//! Checks the ID token from the code exchange (OpenID Connect Core §3.1.3.7): signed by a
//! key of the issuer's JWKS (the algorithm is the key's, never the token's), `iss` is the
//! issuer, `aud` contains this client (and with several audiences `azp` is this client),
//! not expired, and `nonce` is the one this sign-in sent (§15.5.2: replay defence).
//! The JWKS is fetched at each sign-in, so key rotation needs nothing more.

use latchkey_crypto::{verify_jwt, JwkSet, KeySet};
use serde_json::{Map, Value};

use crate::error::BffError;

/// Clock skew tolerated on `exp` and `iat`.
pub(crate) const LEEWAY: i64 = 60;

pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now: i64,
}

/// Fetches the JWKS and checks `token`; returns its claims.
pub async fn verify(
    http: &reqwest::Client,
    jwks: &url::Url,
    token: &str,
    expected: &Expected<'_>,
) -> Result<Map<String, Value>, BffError> {
    let keys = issuer_keys(http, jwks).await?;
    let verified = verify_jwt::<Map<String, Value>>(token, &keys)
        .map_err(|_| BffError::SignIn("the ID token's signature does not verify"))?;
    check_claims(&verified.claims, expected)?;
    Ok(verified.claims)
}

/// The issuer's current keys, from its JWKS.
pub(crate) async fn issuer_keys(http: &reqwest::Client, jwks: &url::Url) -> Result<KeySet, BffError> {
    let set: JwkSet = http
        .get(jwks.clone())
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|_| BffError::BadGateway("the issuer's JWKS could not be fetched"))?
        .json()
        .await
        .map_err(|_| BffError::BadGateway("the issuer's JWKS is not JSON"))?;
    Ok(KeySet::from_jwks(&set).0)
}

/// Whether `aud` names `client_id`, and with several audiences `azp` is `client_id` too
/// (Core §3.1.3.7 steps 3–5).
pub(crate) fn is_for(claims: &Map<String, Value>, client_id: &str) -> bool {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    audiences.contains(&client_id)
        && (audiences.len() == 1 || claims.get("azp").and_then(Value::as_str) == Some(client_id))
}

fn check_claims(claims: &Map<String, Value>, expected: &Expected<'_>) -> Result<(), BffError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if text("iss") != Some(expected.issuer) {
        return Err(BffError::SignIn("the ID token is from another issuer"));
    }
    if !is_for(claims, expected.client_id) {
        return Err(BffError::SignIn("the ID token is for another client"));
    }
    if number("exp").is_none_or(|exp| exp + LEEWAY <= expected.now) {
        return Err(BffError::SignIn("the ID token has expired"));
    }
    if number("iat").is_some_and(|iat| iat > expected.now + LEEWAY) {
        return Err(BffError::SignIn("the ID token was issued in the future"));
    }
    if text("nonce") != Some(expected.nonce) {
        return Err(BffError::SignIn("the ID token's nonce is not this sign-in's"));
    }
    if text("sub").is_none_or(str::is_empty) {
        return Err(BffError::SignIn("the ID token names no subject"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn expected() -> Expected<'static> {
        Expected { issuer: "https://id.example", client_id: "bank", nonce: "n-1", now: 1000 }
    }

    fn claims(overrides: Value) -> Map<String, Value> {
        let mut base = json!({
            "iss": "https://id.example", "aud": "bank", "azp": "bank", "sub": "u1",
            "exp": 1300, "iat": 1000, "nonce": "n-1"
        });
        for (k, v) in overrides.as_object().unwrap() {
            base[k] = v.clone();
        }
        base.as_object().unwrap().clone()
    }

    #[test]
    fn a_valid_token_passes_and_each_claim_is_checked() {
        assert!(check_claims(&claims(json!({})), &expected()).is_ok());
        for bad in [
            json!({"iss": "https://evil.example"}),
            json!({"aud": "other"}),
            json!({"aud": ["bank", "other"], "azp": "other"}),
            json!({"exp": 900}),
            json!({"iat": 2000}),
            json!({"nonce": "replayed"}),
            json!({"nonce": null}),
            json!({"sub": ""}),
        ] {
            assert!(check_claims(&claims(bad.clone()), &expected()).is_err(), "{bad}");
        }
        assert!(check_claims(&claims(json!({"aud": ["bank", "other"]})), &expected()).is_ok());
    }
}
