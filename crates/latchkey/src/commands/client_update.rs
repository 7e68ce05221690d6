//! `latchkey clients update`: the flags become one JSON merge patch (RFC 7396), applied on the
//! database by [`admin::update_client`] or sent to `PATCH /admin/clients/{id}` with the
//! `If-Match` of the version read ([`crate::remote::AdminApi::merge_patch`]).

use anyhow::Context as _;
use latchkey_server::admin;
use latchkey_server::admin_api::{client_settings_after, ClientView};
use serde_json::{Map, Value};

use super::parse_seconds;
use crate::cli::ClientUpdateArgs;
use crate::output::print_json;
use crate::target::Target;

/// The merge patch the flags describe: `--patch`, then each flag given.
fn merge_patch(args: &ClientUpdateArgs) -> anyhow::Result<Value> {
    let mut patch = match &args.patch {
        Some(raw) => match serde_json::from_str(raw).context("--patch is not JSON")? {
            Value::Object(members) => members,
            _ => anyhow::bail!("--patch is a JSON object, e.g. '{{\"require_consent\": false}}'"),
        },
        None => Map::new(),
    };
    let mut set = |name: &str, value: Value| {
        patch.insert(name.to_owned(), value);
    };
    if let Some(name) = &args.name {
        set("name", name.as_str().into());
    }
    for (name, list) in [
        ("grant_types", &args.grants),
        ("scopes", &args.scopes),
        ("redirect_uris", &args.redirect_uris),
        ("post_logout_redirect_uris", &args.post_logout_redirect_uris),
    ] {
        if !list.is_empty() {
            set(name, list.iter().map(|item| item.trim()).collect::<Vec<_>>().into());
        }
    }
    for (name, duration) in [
        ("access_token_ttl", &args.lifetimes.access_token_ttl),
        ("refresh_token_ttl", &args.lifetimes.refresh_token_ttl),
        ("session_max_lifetime", &args.lifetimes.session_max_lifetime),
        ("reuse_window", &args.lifetimes.reuse_window),
    ] {
        if let Some(duration) = duration {
            set(name, parse_seconds(duration)?.into());
        }
    }
    if let Some(dpop) = args.dpop {
        set("dpop", dpop.as_str().into());
    }
    if let Some(uri) = &args.backchannel_logout_uri {
        set("backchannel_logout_uri", uri.as_str().into());
    }
    anyhow::ensure!(!patch.is_empty(), "nothing to change: give a flag or --patch");
    Ok(Value::Object(patch))
}

pub async fn run(target: &Target, args: ClientUpdateArgs) -> anyhow::Result<()> {
    let patch = merge_patch(&args)?;
    let id = &args.client_id;
    let client: ClientView = match target {
        Target::Local(ctx) => {
            let client = ctx.store.client_by_id(id).await?;
            let client = client.with_context(|| format!("no client with id {id:?}"))?;
            let settings = client_settings_after(&client, &patch)?;
            let updated = admin::update_client(ctx.store.as_ref(), &client, client.version, settings).await?;
            ClientView::from(&updated.context("the client changed meanwhile; run the command again")?)
        }
        Target::Remote(api) => api.merge_patch(&format!("/clients/{id}"), &patch).await?,
    };
    if args.json {
        return print_json(&serde_json::to_value(&client)?);
    }
    println!("updated client {} (servers see the change within a few seconds)", client.client_id);
    Ok(())
}
