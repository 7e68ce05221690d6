//! `latchkey clients add|list|remove`.

use anyhow::bail;
use latchkey_server::admin;
use latchkey_server::admin_api::NewClientRequest;

use super::parse_seconds;
use crate::cli::{ClientTypeArg, ClientsCommand};
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
            admin,
            access_token_ttl,
            refresh_token_ttl,
            session_max_lifetime,
            reuse_window,
            redirect_uris,
            post_logout_redirect_uris,
            skip_consent,
            no_pkce,
            dpop,
            dpop_nonce,
            json,
        } => {
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
                access_token_ttl: optional_seconds(access_token_ttl)?,
                refresh_token_ttl: optional_seconds(refresh_token_ttl)?,
                session_max_lifetime: optional_seconds(session_max_lifetime)?,
                reuse_window: optional_seconds(reuse_window)?,
                require_consent: !skip_consent,
                pkce_required: !no_pkce,
                dpop: Some(dpop.as_str().to_owned()),
                dpop_nonce,
                admin,
            };
            let client = request.into_new_client()?;
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
