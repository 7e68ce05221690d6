//! `latchkey keys list|rotate|revoke`: the token-signing keys and their rotation
//! (docs/architecture.md, "Signing-key rotation"). Rotation happens by itself; these are for
//! looking, for rotating earlier (`rotate`, `rotate --now`), and for emergencies (`revoke`).

use anyhow::bail;
use latchkey_core::key_rotation::KeyState;
use latchkey_server::keys;
use latchkey_store::SigningKeyRecord;
use serde_json::{json, Value};

use crate::cli::KeysCommand;
use crate::context::Context;
use crate::output::{print_json, rfc3339};

fn key_json(key: &SigningKeyRecord) -> Value {
    json!({
        "kid": key.kid,
        "purpose": key.purpose.as_str(),
        "alg": key.alg,
        "state": key.state.as_str(),
        "created_at": key.created_at,
        "activate_at": key.activate_at,
        "retire_at": key.retire_at,
        "delete_at": key.delete_at,
        "revoked_at": key.revoked_at,
    })
}

fn print_table(keys: &[SigningKeyRecord]) {
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

pub async fn run(ctx: &Context, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::List { json } => {
            let keys = ctx.store.signing_keys().await?;
            if json {
                print_json(&Value::from(keys.iter().map(key_json).collect::<Vec<_>>()))?;
            } else {
                print_table(&keys);
            }
        }
        KeysCommand::Rotate { now } => {
            let master = ctx.master_key().await?;
            let rotated = keys::rotate(ctx.store.as_ref(), &master, &ctx.config, ctx.now(), now).await?;
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
                     that cached the JWKS (up to {} s) reject tokens signed with them until they fetch \
                     it again; clients see 401s meanwhile. Running servers switch within {} s.",
                    ctx.config.jwks_max_age.as_secs(),
                    ctx.config.key_reload_interval.as_secs()
                );
            }
        }
        KeysCommand::Revoke { kid } => {
            let master = ctx.master_key().await?;
            match keys::revoke(ctx.store.as_ref(), &master, &ctx.config, &kid, ctx.now()).await? {
                None => bail!("no signing key {kid} that is not revoked already"),
                Some(before) => {
                    println!(
                        "revoked key {kid} (was {before}): it is out of the JWKS and on the revocation feed"
                    );
                    if before == KeyState::Active {
                        eprintln!(
                            "WARNING: {kid} was signing; a new key signs now. Resource servers that cached \
                             the JWKS reject its tokens until they fetch it again (up to {} s).",
                            ctx.config.jwks_max_age.as_secs()
                        );
                    }
                }
            }
        }
    }
    Ok(())
}
