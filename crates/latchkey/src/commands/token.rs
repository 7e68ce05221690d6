//! `latchkey token inspect`: the JWT debugger. Decodes the token, verifies its signature
//! against this server's keys (or a JWKS URL) and its claims against the expected issuer and
//! audience, and says in plain words what is wrong. Exits 1 when the token is not valid.

use anyhow::{bail, Context as _};
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_core::clock::Clock;
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

async fn server_keys(ctx: &Context) -> anyhow::Result<JwkSet> {
    let records = ctx.store.signing_keys().await?;
    let keys = records
        .iter()
        .map(|r| serde_json::from_str::<Jwk>(&r.public_jwk))
        .collect::<Result<Vec<_>, _>>()
        .context("a stored public key is not a JWK")?;
    Ok(JwkSet { keys })
}

pub async fn run(ctx: Option<&Context>, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Inspect { token, jwks, issuer, audience, json } = command;
    let token = token.trim();
    let (header, claims) = decode_unverified(token).map_err(|e| anyhow::anyhow!("this is not a JWT: {e}"))?;
    let (jwk_set, default_issuer, default_audience) = match (&jwks, ctx) {
        (Some(url), _) => (fetch_jwks(url).await?, None, None),
        (None, Some(ctx)) => {
            (server_keys(ctx).await?, Some(ctx.config.issuer()?.to_string()), Some(ctx.config.audience()?))
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
    if json {
        print_json(
            &json!({ "valid": valid, "header": header, "claims": claims, "problems": problems, "verified_with_kid": verified_with }),
        )?;
    } else {
        println!("header: {}", serde_json::to_string_pretty(&header)?);
        println!("claims: {}", serde_json::to_string_pretty(&claims)?);
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
