//! `latchkey providers add|list|remove|restrict|test-mapping`: upstream identity providers
//! (`docs/architecture.md`, "Federation"), through the server crate's
//! `federation::providers` like the server itself.

use std::io::Read;

use anyhow::{bail, Context as _};
use latchkey_core::federation_linking::Linking;
use latchkey_core::token_exchange::NonceHashing;
use latchkey_server::federation::mapping::ClaimMapping;
use latchkey_server::federation::providers::{self, ProviderSpec, SecretSealer};
use latchkey_server::federation::sign_in;
use latchkey_server::federation::upstream::{preset, EndpointOverrides, Flavor, ProviderKind};
use latchkey_store::UpstreamProviderRecord;
use serde_json::{json, Value};
use url::Url;
use zeroize::Zeroizing;

use crate::cli::{ProviderAddArgs, ProviderKindArg, ProvidersCommand};
use crate::context::Context;
use crate::output::print_json;

fn url(flag: &str, raw: Option<&String>) -> anyhow::Result<Option<Url>> {
    raw.map(|raw| Url::parse(raw).with_context(|| format!("--{flag} {raw:?} is not a URL"))).transpose()
}

fn required(flag: &str, raw: Option<&String>) -> anyhow::Result<Url> {
    url(flag, raw)?.with_context(|| format!("--kind oauth2 needs --{flag}"))
}

fn read_secret_stdin() -> anyhow::Result<Zeroizing<String>> {
    let mut input = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the client secret from standard input")?;
    let secret = Zeroizing::new(input.trim_end_matches(['\r', '\n']).to_owned());
    anyhow::ensure!(!secret.is_empty(), "no client secret on standard input");
    Ok(secret)
}

/// The provider the flags describe.
fn spec(args: &ProviderAddArgs, client_secret: Zeroizing<String>) -> anyhow::Result<ProviderSpec> {
    let preset = match &args.preset {
        Some(name) => Some(preset(name).with_context(|| {
            format!("unknown preset {name:?}: google, apple, microsoft, github or facebook")
        })?),
        None => None,
    };
    let kind = match (&preset, args.kind) {
        (_, Some(ProviderKindArg::Oidc)) => {
            ProviderKind::Oidc { issuer: args.issuer.clone().context("--kind oidc needs --issuer")? }
        }
        (_, Some(ProviderKindArg::Oauth2)) => ProviderKind::OAuth2 {
            authorization_endpoint: required("authorization-endpoint", args.authorization_endpoint.as_ref())?,
            token_endpoint: required("token-endpoint", args.token_endpoint.as_ref())?,
            userinfo_endpoint: required("userinfo-endpoint", args.userinfo_endpoint.as_ref())?,
        },
        (Some(preset), None) => match (&preset.kind, &args.issuer) {
            (ProviderKind::Oidc { .. }, Some(issuer)) => ProviderKind::Oidc { issuer: issuer.clone() },
            (kind, _) => kind.clone(),
        },
        (None, None) => bail!("give --preset or --kind"),
    };
    let flavor = match (&args.flavor, &preset) {
        (Some(flavor), _) => flavor.parse().map_err(anyhow::Error::msg)?,
        (None, Some(preset)) => preset.flavor,
        (None, None) => Flavor::Generic,
    };
    let mapping = match &args.mapping {
        Some(raw) => serde_json::from_str(raw).context("--mapping is not a valid claim mapping")?,
        None => ClaimMapping::for_flavor(flavor),
    };
    let scopes = match (args.scopes.is_empty(), &preset) {
        (true, Some(preset)) => preset.scopes.clone(),
        _ => args.scopes.clone(),
    };
    Ok(ProviderSpec {
        name: args.name.clone(),
        kind,
        flavor,
        client_id: args.client_id.clone(),
        client_secret,
        scopes,
        linking: Linking::parse(&args.linking).context("--linking is never, prompt or auto")?,
        create_users: args.create_users,
        store_tokens: args.store_tokens,
        pkce: args.pkce.parse().map_err(anyhow::Error::msg)?,
        mapping,
        overrides: EndpointOverrides {
            authorization_endpoint: url("authorization-endpoint", args.authorization_endpoint.as_ref())?,
            token_endpoint: url("token-endpoint", args.token_endpoint.as_ref())?,
            userinfo_endpoint: url("userinfo-endpoint", args.userinfo_endpoint.as_ref())?,
            jwks_uri: url("jwks-uri", args.jwks_uri.as_ref())?,
            emails_endpoint: url("emails-endpoint", args.emails_endpoint.as_ref())?,
        },
        native_client_ids: args.native_client_ids.clone(),
    })
}

/// A provider as shown to an operator: never its secret.
fn provider_json(record: &UpstreamProviderRecord, callback: &str) -> Value {
    json!({
        "name": record.name,
        "kind": record.kind,
        "flavor": record.flavor,
        "issuer": record.issuer,
        "endpoints": serde_json::from_str::<Value>(&record.endpoints).unwrap_or(Value::Null),
        "client_id": record.client_id,
        "scopes": record.scopes,
        "linking": record.linking,
        "create_users": record.create_users,
        "store_tokens": record.store_tokens,
        "pkce": record.pkce,
        "native_client_ids": record.native_client_ids,
        "claim_mapping": serde_json::from_str::<Value>(&record.claim_mapping).unwrap_or(Value::Null),
        "redirect_uri": callback,
        "created_at": record.created_at,
    })
}

pub async fn run(ctx: &Context, command: ProvidersCommand) -> anyhow::Result<()> {
    let issuer = ctx.config.issuer()?;
    let callback = |name: &str| format!("{}/federation/{name}/callback", issuer.as_str());
    match command {
        ProvidersCommand::Add(args) => {
            let sealer = SecretSealer::new(&ctx.master_key().await?)?;
            let spec = spec(&args, read_secret_stdin()?)?;
            let nonce_hashing = args.nonce_hashing.as_deref().map(NonceHashing::parse).transpose();
            let nonce_hashing = nonce_hashing.map_err(|e| anyhow::anyhow!("--nonce-hashing: {e}"))?;
            let record = providers::add_provider(ctx.store.as_ref(), &sealer, spec, ctx.now()).await?;
            if let Some(mode) = nonce_hashing {
                ctx.store.set_provider_nonce_hashing(&record.name, Some(mode.as_str())).await?;
            }
            if args.json {
                return print_json(&provider_json(&record, &callback(&record.name)));
            }
            println!("added provider {}", record.name);
            println!("register this redirect URI at the provider: {}", callback(&record.name));
            Ok(())
        }
        ProvidersCommand::List { json } => {
            let list = ctx.store.list_upstream_providers().await?;
            if json {
                return print_json(&list.iter().map(|p| provider_json(p, &callback(&p.name))).collect());
            }
            for p in &list {
                let at = p.issuer.clone().unwrap_or_else(|| p.kind.clone());
                println!("{}\t{}\t{}\t{}\tlinking={}", p.name, p.flavor, at, p.client_id, p.linking);
            }
            Ok(())
        }
        ProvidersCommand::Remove { name, json } => {
            if !ctx.store.remove_upstream_provider(&name).await? {
                bail!("no provider called {name:?}");
            }
            if json {
                return print_json(&json!({ "removed": name }));
            }
            println!("removed provider {name} and its linked identities");
            Ok(())
        }
        ProvidersCommand::Restrict { client_id, names, no_password_login } => {
            ctx.store
                .client_by_id(&client_id)
                .await?
                .with_context(|| format!("no client with id {client_id:?}"))?;
            ctx.store.set_client_upstream_providers(&client_id, &names).await?;
            ctx.store.set_client_password_login(&client_id, !no_password_login).await?;
            let offered = ctx.store.client_upstream_providers(&client_id).await?;
            let password = if no_password_login { "" } else { "the password form, " };
            println!("client {client_id} offers: {password}{}", offered.join(", "));
            Ok(())
        }
        ProvidersCommand::TestMapping { name, claims, json } => {
            let sealer = SecretSealer::new(&ctx.master_key().await?)?;
            let provider = providers::load(ctx.store.as_ref(), &sealer, &name)
                .await?
                .with_context(|| format!("no provider called {name:?}"))?;
            let raw = std::fs::read_to_string(&claims)
                .with_context(|| format!("cannot read {}", claims.display()))?;
            let claims: Value = serde_json::from_str(&raw).context("the claims file is not JSON")?;
            let subject = match claims.get("sub").or_else(|| claims.get("id")) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => bail!("the claims have no subject (\"sub\", or \"id\" for OAuth 2.0 providers)"),
            };
            let profile = provider.config.mapping.normalize(provider.config.flavor, &claims);
            let decision = sign_in::decide(ctx.store.as_ref(), &provider, &subject, &profile).await?;
            if json {
                return print_json(
                    &json!({ "subject": subject, "profile": profile, "decision": decision.to_string() }),
                );
            }
            println!("subject: {subject}");
            println!("profile: {}", serde_json::to_string(&profile)?);
            println!("would {decision}");
            Ok(())
        }
    }
}
