//! `latchkey token inspect`: the JWT debugger. Decodes the token, verifies its signature
//! against this server's keys (or a JWKS URL) and its claims against the expected issuer and
//! audience, and says in plain words what is wrong, and which key signed it and that key's
//! state (active, retiring, revoked...). Exits 1 when the token is not valid.

use std::collections::HashMap;

use anyhow::{bail, Context as _};
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_core::clock::Clock;
use latchkey_core::key_rotation::KeyState;
use latchkey_crypto::{decode_unverified, verify_jwt, Jwk, JwkSet, KeySet};
use serde_json::json;

use crate::cli::TokenCommand;
use crate::context::Context;
use crate::output::print_json;

async fn fetch_jwks(url: &str) -> anyhow::Result<JwkSet> {
    let response = reqwest::get(url).await.with_context(|| format!("cannot fetch {url}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("{url} answered {status}");
    }
    response.json().await.with_context(|| format!("{url} did not return a JWKS"))
}

/// Every stored key, whatever its state, so the key of a token is named even when it is no
/// longer accepted; and each key's state.
async fn server_keys(ctx: &Context) -> anyhow::Result<(JwkSet, HashMap<String, KeyState>)> {
    let records = ctx.store.signing_keys().await?;
    let keys = records
        .iter()
        .map(|r| serde_json::from_str::<Jwk>(&r.public_jwk))
        .collect::<Result<Vec<_>, _>>()
        .context("a stored public key is not a JWK")?;
    Ok((JwkSet { keys }, records.iter().map(|r| (r.kid.clone(), r.state)).collect()))
}

pub async fn run(ctx: Option<&Context>, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Inspect { token, jwks, issuer, audience, json } = command;
    let token = token.trim();
    let (header, claims) = decode_unverified(token).map_err(|e| anyhow::anyhow!("this is not a JWT: {e}"))?;
    let (jwk_set, states, default_issuer, default_audience) = match (&jwks, ctx) {
        (Some(url), _) => (fetch_jwks(url).await?, HashMap::new(), None, None),
        (None, Some(ctx)) => {
            let (keys, states) = server_keys(ctx).await?;
            (keys, states, Some(ctx.config.issuer()?.to_string()), Some(ctx.config.audience()?))
        }
        (None, None) => bail!("give --jwks URL, or run where the server's database is reachable"),
    };
    let (keys, _unusable) = KeySet::from_jwks(&jwk_set);
    let issuer = issuer.or(default_issuer);
    let audience = audience.or(default_audience);
    let now = latchkey_core::clock::SystemClock.now();

    let mut problems: Vec<String> = Vec::new();
    let mut verified_with = None;
    match verify_jwt::<AccessTokenClaims>(token, &keys) {
        Ok(verified) => {
            verified_with = verified.header.kid.clone();
            let state = verified_with.as_ref().and_then(|kid| states.get(kid));
            if let Some(state) = state.filter(|state| !state.is_published()) {
                problems.push(format!(
                    "signed by key {}, which is {state}: its tokens are no longer accepted",
                    verified_with.as_deref().unwrap_or("?")
                ));
            }
            let checks = ClaimChecks { issuer: issuer.as_deref(), audience: audience.as_deref(), leeway: 0 };
            problems.extend(
                check_access_token(verified.header.typ.as_deref(), &verified.claims, &checks, now)
                    .iter()
                    .map(ToString::to_string),
            );
        }
        Err(e) => problems.push(format!("signature not verified: {e}")),
    }
    let valid = problems.is_empty();
    let key_state = verified_with.as_ref().and_then(|kid| states.get(kid)).map(|state| state.as_str());
    if json {
        print_json(&json!({
            "valid": valid, "header": header, "claims": claims, "problems": problems,
            "verified_with_kid": verified_with, "key_state": key_state,
        }))?;
    } else {
        println!("header: {}", serde_json::to_string_pretty(&header)?);
        println!("claims: {}", serde_json::to_string_pretty(&claims)?);
        if let Some(kid) = &verified_with {
            println!("signed by key {kid} ({})", key_state.unwrap_or("published at the JWKS URL"));
        }
        if valid {
            let exp = claims.get("exp").and_then(|v| v.as_i64()).unwrap_or(now);
            println!(
                "VALID: signature verified with key {} ({}); expires in {} s",
                verified_with.as_deref().unwrap_or("?"),
                header.alg,
                exp - now
            );
        } else {
            println!("INVALID:");
            for problem in &problems {
                println!("  - {problem}");
            }
        }
    }
    if valid {
        Ok(())
    } else {
        bail!("the token is not valid (see above)")
    }
}
