//! `latchkey clients add|list|update|remove|rotate-secret` (`update` in [`super::client_update`]).

use anyhow::{bail, Context as _};
use latchkey_core::redirect_uri::RedirectUri;
use latchkey_server::admin;
use latchkey_server::admin_api::{ClientView, NewClientRequest, NewSecret, RegisteredClient};
use reqwest::Method;

use super::parse_seconds;
use crate::cli::{ClientTypeArg, ClientsCommand};
use crate::output::print_json;
use crate::target::Target;

fn optional_seconds(raw: Option<String>) -> anyhow::Result<Option<i64>> {
    raw.as_deref().map(parse_seconds).transpose()
}

pub async fn run(target: &Target, command: ClientsCommand) -> anyhow::Result<()> {
    match command {
        ClientsCommand::Add {
            name,
            kind,
            grants,
            scopes,
            admin,
            lifetimes,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            backchannel_logout_session_required,
            self_registration,
            no_self_registration,
            require_verified_email,
            skip_consent,
            no_pkce,
            dpop,
            dpop_nonce,
            mfa,
            json,
        } => {
            for uri in redirect_uris.iter().chain(&post_logout_redirect_uris) {
                if let Some(warning) = RedirectUri::parse(uri).ok().and_then(|u| u.registration_warning()) {
                    eprintln!("{warning}");
                }
            }
            let request = NewClientRequest {
                name,
                kind: kind.map(|kind| match kind {
                    ClientTypeArg::Public => "public".to_owned(),
                    ClientTypeArg::Confidential => "confidential".to_owned(),
                }),
                grant_types: grants.iter().map(|g| g.trim().to_owned()).collect(),
                scopes,
                redirect_uris,
                post_logout_redirect_uris,
                access_token_ttl: optional_seconds(lifetimes.access_token_ttl)?,
                refresh_token_ttl: optional_seconds(lifetimes.refresh_token_ttl)?,
                session_max_lifetime: optional_seconds(lifetimes.session_max_lifetime)?,
                reuse_window: optional_seconds(lifetimes.reuse_window)?,
                require_consent: !skip_consent,
                pkce_required: !no_pkce,
                dpop: Some(dpop.as_str().to_owned()),
                dpop_nonce,
                mfa: Some(mfa),
                backchannel_logout_uri,
                backchannel_logout_session_required,
                self_registration: (self_registration || no_self_registration).then_some(self_registration),
                require_verified_email,
                admin,
            };
            let registered: RegisteredClient = match target {
                Target::Local(ctx) => {
                    let client = request.into_new_client()?;
                    let secrets = latchkey_server::client_secrets(&ctx.master_key().await?);
                    let (client, client_secret) =
                        admin::add_client(ctx.store.as_ref(), &secrets, client, ctx.now()).await?;
                    RegisteredClient { client: ClientView::from(&client), client_secret }
                }
                Target::Remote(api) => api.call(Method::POST, "/clients", Some(&request)).await?,
            };
            if json {
                return print_json(&serde_json::to_value(&registered)?);
            }
            println!("client_id:     {}", registered.client.client_id);
            if let Some(secret) = registered.client_secret {
                println!("client_secret: {secret}\n(shown once: only a hash is stored)");
            }
            Ok(())
        }
        ClientsCommand::List { json } => {
            let clients: Vec<ClientView> = match target {
                Target::Local(ctx) => ctx.store.list_clients().await?.iter().map(ClientView::from).collect(),
                Target::Remote(api) => api.list_all("/clients", &[]).await?,
            };
            if json {
                return print_json(&serde_json::to_value(&clients)?);
            }
            for client in &clients {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    client.client_id,
                    client.name,
                    client.kind,
                    client.grant_types.join(","),
                    client.scopes.join(" ")
                );
            }
            Ok(())
        }
        ClientsCommand::Update(args) => super::client_update::run(target, *args).await,
        ClientsCommand::Remove { client_id } => {
            match target {
                Target::Local(ctx) => {
                    if !ctx.store.remove_client(&client_id).await? {
                        bail!("no client with id {client_id:?}");
                    }
                }
                Target::Remote(api) => {
                    api.call_empty(Method::DELETE, &format!("/clients/{client_id}")).await?
                }
            }
            println!("removed client {client_id} and its sessions");
            Ok(())
        }
        ClientsCommand::RotateSecret { client_id, json } => {
            let secret: NewSecret = match target {
                Target::Local(ctx) => {
                    let client = ctx.store.client_by_id(&client_id).await?;
                    let client = client.with_context(|| format!("no client with id {client_id:?}"))?;
                    let secrets = latchkey_server::client_secrets(&ctx.master_key().await?);
                    let client_secret =
                        admin::rotate_client_secret(ctx.store.as_ref(), &secrets, &client).await?;
                    NewSecret { client_secret }
                }
                Target::Remote(api) => {
                    api.call(Method::POST, &format!("/clients/{client_id}/rotate-secret"), None::<&()>)
                        .await?
                }
            };
            if json {
                return print_json(&serde_json::to_value(&secret)?);
            }
            println!("client_secret: {}\n(shown once: the old secret no longer works)", secret.client_secret);
            Ok(())
        }
    }
}
