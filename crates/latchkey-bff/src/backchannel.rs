//! `POST {prefix}/backchannel-logout`: OpenID Connect Back-Channel Logout 1.0. Latchkey posts a
//! logout token (`logout_token=`, a JWT) when a user's session ends there; the BFF ends its own
//! sessions of that Latchkey session (`sid`) or, without one, of that user (`sub`).
//!
//! The token is checked as §2.6 asks: signed by a key of the issuer's JWKS, `iss` the issuer,
//! `aud` this client, `iat` recent and `exp` not past, an `events` object with the
//! back-channel-logout member, a `sid` or a `sub`, and no `nonce` (so an ID token cannot
//! pass for a logout token); `typ`, when present, is `logout+jwt` (§2.4). Server to server:
//! no cookie, no CSRF check (nothing a browser can forge: the token is signed). Answers 200,
//! or 400 JSON with `Cache-Control: no-store` (§2.8).

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use latchkey_crypto::verify_jwt;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::bff::Bff;
use crate::error::BffError;
use crate::id_token::{is_for, issuer_keys, LEEWAY};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// Logout tokens older than this are refused (§2.6 step 5 leaves the bound to the RP).
const MAX_AGE: i64 = 300;

#[derive(Deserialize)]
pub struct LogoutForm {
    logout_token: String,
}

/// Who the token logs out.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Session(String),
    User(String),
}

fn refused(why: &'static str) -> BffError {
    BffError::BadRequest(why)
}

fn check(claims: &Map<String, Value>, issuer: &str, client_id: &str, now: i64) -> Result<Target, BffError> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if text("iss") != Some(issuer) || !is_for(claims, client_id) {
        return Err(refused("the logout token is not from the issuer for this client"));
    }
    if number("iat").is_none_or(|iat| iat > now + LEEWAY || iat < now - MAX_AGE) {
        return Err(refused("the logout token is not recent"));
    }
    if number("exp").is_some_and(|exp| exp + LEEWAY <= now) {
        return Err(refused("the logout token has expired"));
    }
    if !claims
        .get("events")
        .and_then(Value::as_object)
        .is_some_and(|events| events.get(EVENT).is_some_and(Value::is_object))
    {
        return Err(refused("the token is not a back-channel logout token"));
    }
    if claims.contains_key("nonce") {
        return Err(refused("a logout token carries no nonce"));
    }
    match (text("sid"), text("sub")) {
        (Some(sid), _) => Ok(Target::Session(sid.to_owned())),
        (None, Some(sub)) => Ok(Target::User(sub.to_owned())),
        (None, None) => Err(refused("the logout token names neither sid nor sub")),
    }
}

pub async fn backchannel_logout(
    State(bff): State<Bff>,
    Form(form): Form<LogoutForm>,
) -> Result<Response, BffError> {
    let inner = &bff.inner;
    let endpoints = inner.client.endpoints();
    let jwks = endpoints.jwks.as_ref().ok_or(BffError::BadGateway("the issuer announces no jwks_uri"))?;
    let keys = issuer_keys(&inner.http, jwks).await?;
    let verified = verify_jwt::<Map<String, Value>>(&form.logout_token, &keys)
        .map_err(|_| refused("the logout token's signature does not verify"))?;
    if verified.header.typ.as_deref().is_some_and(|typ| !typ.eq_ignore_ascii_case("logout+jwt")) {
        return Err(refused("the token's typ is not logout+jwt"));
    }
    let ended = match check(&verified.claims, &endpoints.issuer, &inner.config.client_id, inner.clock.now())?
    {
        Target::Session(sid) => inner.store.delete_by_sid(&sid).await?,
        Target::User(sub) => inner.store.delete_by_sub(&sub).await?,
    };
    tracing::info!(ended, "BFF back-channel logout");
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(overrides: Value) -> Map<String, Value> {
        let mut base = json!({
            "iss": "https://id.example", "aud": "bank", "iat": 1000, "exp": 1120, "jti": "j1",
            "sub": "u1", "sid": "s1", "events": { EVENT: {} }
        });
        for (k, v) in overrides.as_object().unwrap() {
            base[k] = v.clone();
        }
        base.as_object().unwrap().clone()
    }

    #[test]
    fn sid_first_then_sub_and_every_rule_checked() {
        let check = |c: Value| check(&claims(c), "https://id.example", "bank", 1000);
        assert_eq!(check(json!({})).unwrap(), Target::Session("s1".into()));
        assert_eq!(check(json!({"sid": null})).unwrap(), Target::User("u1".into()));
        for bad in [
            json!({"iss": "https://evil.example"}),
            json!({"aud": "other"}),
            json!({"iat": 500}),
            json!({"iat": 2000}),
            json!({"iat": null}),
            json!({"exp": 900}),
            json!({"events": {}}),
            json!({"events": {EVENT: "yes"}}),
            json!({"events": null}),
            json!({"nonce": "n"}),
            json!({"sid": null, "sub": null}),
            json!({"sid": "", "sub": ""}),
        ] {
            assert!(check(bad.clone()).is_err(), "{bad}");
        }
    }
}
