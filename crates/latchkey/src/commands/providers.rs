//! `latchkey providers add|list|remove|restrict|test-mapping`: upstream identity providers
//! (`docs/architecture.md`, "Federation"). On the database through the server crate's
//! `federation::provider_ops` and `federation::providers`, like the server itself; with
//! `--server`, through the admin API (`/admin/providers`), which runs the same functions.
//! Either way the flags become one [`ProviderRequest`] and the answer is a [`ProviderView`].

use std::io::Read;

use anyhow::{bail, Context as _};
use latchkey_server::admin_api::ProviderView;
use latchkey_server::federation::provider_ops::{self, LoginOptions, MappingTest};
use latchkey_server::federation::provider_request::ProviderRequest;
use latchkey_server::federation::providers::SecretSealer;
use reqwest::Method;
use serde_json::{json, Value};

use crate::cli::{ProviderAddArgs, ProviderKindArg, ProvidersCommand};
use crate::context::Context;
use crate::output::print_json;
use crate::target::Target;

fn read_secret_stdin() -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the client secret from standard input")?;
    let secret = input.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(!secret.is_empty(), "no client secret on standard input");
    Ok(secret)
}

/// The provider the flags describe.
fn request(args: ProviderAddArgs, client_secret: String) -> anyhow::Result<ProviderRequest> {
    let claim_mapping = args.mapping.as_deref().map(serde_json::from_str::<Value>).transpose();
    let kind = args.kind.map(|kind| match kind {
        ProviderKindArg::Oidc => "oidc".to_owned(),
        ProviderKindArg::Oauth2 => "oauth2".to_owned(),
    });
    Ok(ProviderRequest {
        name: args.name,
        preset: args.preset,
        kind,
        issuer: args.issuer,
        authorization_endpoint: args.authorization_endpoint,
        token_endpoint: args.token_endpoint,
        userinfo_endpoint: args.userinfo_endpoint,
        jwks_uri: args.jwks_uri,
        emails_endpoint: args.emails_endpoint,
        flavor: args.flavor,
        client_id: args.client_id,
        client_secret: Some(client_secret),
        scopes: args.scopes,
        linking: Some(args.linking),
        create_users: args.create_users,
        store_tokens: args.store_tokens,
        pkce: Some(args.pkce),
        claim_mapping: claim_mapping.context("--mapping is not JSON")?,
        native_client_ids: args.native_client_ids,
        nonce_hashing: args.nonce_hashing,
    })
}

/// The server's issuer, which the redirect URIs of the views start with.
fn issuer(ctx: &Context) -> anyhow::Result<String> {
    Ok(ctx.config.issuer()?.as_str().to_owned())
}

pub async fn run(target: &Target, command: ProvidersCommand) -> anyhow::Result<()> {
    match command {
        ProvidersCommand::Add(args) => {
            let json = args.json;
            let request = request(*args, read_secret_stdin()?)?;
            let view: ProviderView = match target {
                Target::Local(ctx) => {
                    let sealer = SecretSealer::new(&ctx.master_key().await?)?;
                    let record =
                        provider_ops::register(ctx.store.as_ref(), &sealer, request, ctx.now()).await?;
                    ProviderView::new(&record, &issuer(ctx)?)
                }
                Target::Remote(api) => api.call(Method::POST, "/providers", Some(&request)).await?,
            };
            if json {
                return print_json(&serde_json::to_value(&view)?);
            }
            println!("added provider {}", view.name);
            println!("register this redirect URI at the provider: {}", view.redirect_uri);
            Ok(())
        }
        ProvidersCommand::List { json } => {
            let list: Vec<ProviderView> = match target {
                Target::Local(ctx) => {
                    let issuer = issuer(ctx)?;
                    let records = ctx.store.list_upstream_providers().await?;
                    records.iter().map(|p| ProviderView::new(p, &issuer)).collect()
                }
                Target::Remote(api) => api.list_all("/providers", &[]).await?,
            };
            if json {
                return print_json(&serde_json::to_value(&list)?);
            }
            for p in &list {
                let at = p.issuer.clone().unwrap_or_else(|| p.kind.clone());
                println!("{}\t{}\t{}\t{}\tlinking={}", p.name, p.flavor, at, p.client_id, p.linking);
            }
            Ok(())
        }
        ProvidersCommand::Remove { name, json } => {
            match target {
                Target::Local(ctx) => {
                    if !ctx.store.remove_upstream_provider(&name).await? {
                        bail!("no provider called {name:?}");
                    }
                }
                Target::Remote(api) => api.call_empty(Method::DELETE, &format!("/providers/{name}")).await?,
            }
            if json {
                return print_json(&json!({ "removed": name }));
            }
            println!("removed provider {name} and its linked identities");
            Ok(())
        }
        ProvidersCommand::Restrict { client_id, names, no_password_login } => {
            let options = LoginOptions { providers: names, password_login: !no_password_login };
            let offered: LoginOptions = match target {
                Target::Local(ctx) => provider_ops::restrict(ctx.store.as_ref(), &client_id, &options)
                    .await?
                    .with_context(|| format!("no client with id {client_id:?}"))?,
                Target::Remote(api) => {
                    let path = format!("/clients/{client_id}/providers");
                    api.call(Method::PUT, &path, Some(&options)).await?
                }
            };
            let password = if offered.password_login { "the password form, " } else { "" };
            println!("client {client_id} offers: {password}{}", offered.providers.join(", "));
            Ok(())
        }
        ProvidersCommand::TestMapping { name, claims, json } => {
            let raw = std::fs::read_to_string(&claims)
                .with_context(|| format!("cannot read {}", claims.display()))?;
            let claims: Value = serde_json::from_str(&raw).context("the claims file is not JSON")?;
            let tested: MappingTest = match target {
                Target::Local(ctx) => {
                    let sealer = SecretSealer::new(&ctx.master_key().await?)?;
                    provider_ops::test_mapping(ctx.store.as_ref(), &sealer, &name, &claims)
                        .await?
                        .with_context(|| format!("no provider called {name:?}"))?
                }
                Target::Remote(api) => {
                    api.call(Method::POST, &format!("/providers/{name}/test-mapping"), Some(&claims)).await?
                }
            };
            if json {
                return print_json(&serde_json::to_value(&tested)?);
            }
            println!("subject: {}", tested.subject);
            println!("profile: {}", tested.profile);
            println!("would {}", tested.decision);
            Ok(())
        }
    }
}
