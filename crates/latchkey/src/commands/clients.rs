//! `latchkey clients add|list|remove`.

use anyhow::bail;
use latchkey_core::client::ClientKind;
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_core::redirect_uri::RedirectUri;
use latchkey_core::scope::Scope;
use latchkey_server::admin::{self, NewClient};

use super::parse_seconds;
use crate::cli::{ClientTypeArg, ClientsCommand, DpopArg};
use crate::context::Context;
use crate::output::{client_json, print_json};

fn optional_seconds(raw: Option<String>) -> anyhow::Result<Option<i64>> {
    raw.as_deref().map(parse_seconds).transpose()
}

pub async fn run(ctx: &Context, command: ClientsCommand) -> anyhow::Result<()> {
    match command {
        ClientsCommand::Add {
            name,
            kind,
            grants,
            scopes,
            access_token_ttl,
            refresh_token_ttl,
            session_max_lifetime,
            reuse_window,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            backchannel_logout_session_required,
            skip_consent,
            no_pkce,
            dpop,
            dpop_nonce,
            json,
        } => {
            let grant_types = grants
                .iter()
                .map(|g| {
                    GrantType::parse_short(g.trim())
                        .map_err(|e| anyhow::anyhow!("{}", e.description().unwrap_or_default()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let scope = Scope::parse(&scopes.join(" "))
                .map_err(|e| anyhow::anyhow!("{}", e.description().unwrap_or_default()))?;
            let kind = match kind {
                ClientTypeArg::Public => ClientKind::Public,
                ClientTypeArg::Confidential => ClientKind::Confidential,
            };
            if no_pkce && kind == ClientKind::Public {
                anyhow::bail!(
                    "--no-pkce is only for legacy confidential clients: public clients always use PKCE"
                );
            }
            for uri in redirect_uris.iter().chain(&post_logout_redirect_uris) {
                if let Some(warning) = RedirectUri::parse(uri).ok().and_then(|u| u.registration_warning()) {
                    eprintln!("{warning}");
                }
            }
            let client = NewClient {
                access_token_ttl: optional_seconds(access_token_ttl)?,
                refresh_idle_ttl: optional_seconds(refresh_token_ttl)?,
                refresh_absolute_ttl: optional_seconds(session_max_lifetime)?,
                reuse_window: optional_seconds(reuse_window)?,
                redirect_uris,
                post_logout_redirect_uris,
                require_consent: !skip_consent,
                pkce_required: !no_pkce,
                dpop: match dpop {
                    DpopArg::Off => DpopPolicy::Off,
                    DpopArg::Optional => DpopPolicy::Optional,
                    DpopArg::Required => DpopPolicy::Required,
                },
                dpop_nonce,
                backchannel_logout_uri,
                backchannel_logout_session_required,
                ..NewClient::new(name, kind, &grant_types, scope)
            };
            let secrets = latchkey_server::client_secrets(&ctx.master_key().await?);
            let (client, secret) = admin::add_client(ctx.store.as_ref(), &secrets, client, ctx.now()).await?;
            if json {
                let mut value = client_json(&client);
                value["client_secret"] = secret.into();
                return print_json(&value);
            }
            println!("client_id:     {}", client.id);
            if let Some(secret) = secret {
                println!("client_secret: {secret}\n(shown once: only a hash is stored)");
            }
            Ok(())
        }
        ClientsCommand::List { json } => {
            let clients = ctx.store.list_clients().await?;
            if json {
                return print_json(&clients.iter().map(client_json).collect());
            }
            for client in &clients {
                let grants: Vec<&str> = client.grant_types.iter().map(|g| g.as_str()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    client.id,
                    client.name,
                    client.kind,
                    grants.join(","),
                    client.scopes.join(" ")
                );
            }
            Ok(())
        }
        ClientsCommand::Remove { client_id } => {
            if !ctx.store.remove_client(&client_id).await? {
                bail!("no client with id {client_id:?}");
            }
            println!("removed client {client_id} and its sessions");
            Ok(())
        }
    }
}
