//! `latchkey keys list|rotate|revoke`: the token-signing keys and their rotation
//! (docs/architecture.md, "Signing-key rotation"). Rotation happens by itself; these are for
//! looking, for rotating earlier (`rotate`, `rotate --now`), and for emergencies (`revoke`).

use latchkey_server::admin_api::{KeyView, RevokedKey, RotateRequest, RotatedKey};
use latchkey_server::keys;
use reqwest::Method;

use crate::cli::KeysCommand;
use crate::output::{print_json, rfc3339};
use crate::target::Target;

fn print_table(keys: &[KeyView]) {
    let date = |at: Option<i64>| at.map_or_else(|| "-".to_owned(), rfc3339);
    println!("KID\tPURPOSE\tALG\tSTATE\tCREATED\tSIGNS FROM\tUNPUBLISHED FROM\tDELETED FROM");
    for k in keys {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            k.kid,
            k.purpose,
            k.alg,
            k.state,
            rfc3339(k.created_at),
            date(k.activate_at),
            date(k.retire_at.or(k.revoked_at)),
            date(k.delete_at),
        );
    }
}

/// How long resource servers may cache the JWKS and running servers take to switch, for the
/// warnings (the server's settings when local; the defaults' wording when remote).
fn delays(target: &Target) -> String {
    match target {
        Target::Local(ctx) => format!(
            "up to {} s; running servers switch within {} s",
            ctx.config.jwks_max_age.as_secs(),
            ctx.config.key_reload_interval.as_secs()
        ),
        Target::Remote(_) => "up to the server's jwks_max_age".to_owned(),
    }
}

pub async fn run(target: &Target, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::List { json } => {
            let mut keys: Vec<KeyView> = match target {
                Target::Local(ctx) => ctx.store.signing_keys().await?.iter().map(KeyView::from).collect(),
                Target::Remote(api) => api.list_all("/keys", &[]).await?,
            };
            // Newest first, whichever way they came.
            keys.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.kid.cmp(&b.kid)));
            if json {
                print_json(&serde_json::to_value(&keys)?)?;
            } else {
                print_table(&keys);
            }
        }
        KeysCommand::Rotate { now } => {
            let rotated: Vec<RotatedKey> = match target {
                Target::Local(ctx) => {
                    let master = ctx.master_key().await?;
                    let rotated =
                        keys::rotate(ctx.store.as_ref(), &master, &ctx.config, ctx.now(), now).await?;
                    rotated.into_iter().map(RotatedKey::from).collect()
                }
                Target::Remote(api) => {
                    api.call(Method::POST, "/keys/rotate", Some(&RotateRequest { now })).await?
                }
            };
            for key in &rotated {
                let verb = if key.created { "new" } else { "already scheduled" };
                println!(
                    "{} {} key {} ({verb}): signs from {}",
                    key.purpose,
                    key.alg,
                    key.kid,
                    rfc3339(key.activate_at)
                );
            }
            if now {
                eprintln!(
                    "WARNING: the new keys sign NOW, without being published first. Resource servers \
                     that cached the JWKS ({}) reject tokens signed with them until they fetch it \
                     again; clients see 401s meanwhile.",
                    delays(target)
                );
            }
        }
        KeysCommand::Revoke { kid } => {
            let revoked: RevokedKey = match target {
                Target::Local(ctx) => {
                    let master = ctx.master_key().await?;
                    match keys::revoke(ctx.store.as_ref(), &master, &ctx.config, &kid, ctx.now()).await? {
                        None => anyhow::bail!("no signing key {kid} that is not revoked already"),
                        Some(before) => {
                            RevokedKey { kid: kid.clone(), previous_state: before.as_str().into() }
                        }
                    }
                }
                Target::Remote(api) => {
                    api.call(Method::POST, &format!("/keys/{kid}/revoke"), None::<&()>).await?
                }
            };
            let before = &revoked.previous_state;
            println!("revoked key {kid} (was {before}): it is out of the JWKS and on the revocation feed");
            if before == "active" {
                eprintln!(
                    "WARNING: {kid} was signing; a new key signs now. Resource servers that cached \
                     the JWKS reject its tokens until they fetch it again ({}).",
                    delays(target)
                );
            }
        }
    }
    Ok(())
}
