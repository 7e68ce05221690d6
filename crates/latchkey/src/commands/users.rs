//! `latchkey users add|list|disable|enable|delete|set-email|roles|unlock|identities|unlink|
//! set-password|import`.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::Path;

use anyhow::{bail, Context as _};
use indicatif::{ProgressBar, ProgressStyle};
use latchkey_server::admin::{self, UserSpec};
use latchkey_server::admin_api::{NewUserRequest, PasswordRequest, SessionsEnded, Unlocked, UserView};
use latchkey_server::federation::identities::{self, SignInMethods};
use latchkey_store::Unlinked;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::read_password_stdin;
use crate::cli::UsersCommand;
use crate::context::Context;
use crate::output::print_json;
use crate::target::{stored_user, Target};

pub async fn run(target: &Target, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Add { username, email, email_verified, roles, password_stdin: _, json } => {
            let password = read_password_stdin()?;
            let user: UserView = match target {
                Target::Local(ctx) => {
                    let spec = UserSpec { username, email, email_verified, roles };
                    let pool = ctx.password_pool()?;
                    UserView::from(
                        &admin::add_user(ctx.store.as_ref(), &pool, spec, &password, ctx.now()).await?,
                    )
                }
                Target::Remote(api) => {
                    let request = NewUserRequest {
                        username,
                        email,
                        email_verified,
                        roles,
                        password: password.expose().to_owned(),
                    };
                    api.call(Method::POST, "/users", Some(&request)).await?
                }
            };
            if json {
                print_json(&serde_json::to_value(&user)?)
            } else {
                println!("created user {} (id {})", user.username, user.id);
                Ok(())
            }
        }
        UsersCommand::List { json } => {
            let users: Vec<UserView> = match target {
                Target::Local(ctx) => ctx.store.list_users().await?.iter().map(UserView::from).collect(),
                Target::Remote(api) => api.list_all("/users", &[]).await?,
            };
            if json {
                return print_json(&serde_json::to_value(&users)?);
            }
            for user in &users {
                let state = if user.disabled { "disabled" } else { "active" };
                let email = user.email.as_deref().unwrap_or("-");
                println!("{}\t{}\t{email}\t{state}\t{}", user.id, user.username, user.roles.join(","));
            }
            Ok(())
        }
        UsersCommand::Disable { username } => {
            let user = target.user(&username).await?;
            let ended = match target {
                Target::Local(ctx) => {
                    admin::disable_user(ctx.store.as_ref(), &stored_user(ctx, &user).await?, ctx.now())
                        .await?
                }
                Target::Remote(api) => {
                    let path = format!("/users/{}/disable", user.id);
                    api.call::<SessionsEnded>(Method::POST, &path, None::<&()>).await?.sessions_ended
                }
            };
            println!("disabled {username}; ended {ended} session(s)");
            Ok(())
        }
        UsersCommand::Enable { username } => {
            let user = target.user(&username).await?;
            match target {
                Target::Local(ctx) => {
                    admin::enable_user(ctx.store.as_ref(), &stored_user(ctx, &user).await?, ctx.now()).await?
                }
                Target::Remote(api) => {
                    let path = format!("/users/{}/enable", user.id);
                    api.call::<UserView>(Method::POST, &path, None::<&()>).await?;
                }
            }
            println!("enabled {username}");
            Ok(())
        }
        UsersCommand::Delete { username, yes } => {
            let user = target.user(&username).await?;
            if !yes
                && !confirm(&format!("Delete {username}, end their sessions and unlink their identities?"))?
            {
                bail!("not deleted");
            }
            match target {
                Target::Local(ctx) => {
                    admin::delete_user(ctx.store.as_ref(), &stored_user(ctx, &user).await?, ctx.now())
                        .await?;
                }
                Target::Remote(api) => api.call_empty(Method::DELETE, &format!("/users/{}", user.id)).await?,
            }
            println!("deleted {username}");
            Ok(())
        }
        UsersCommand::SetEmail { username, email, verified } => {
            let user = target.user(&username).await?;
            let patch = json!({ "email": email, "email_verified": verified });
            let updated =
                update(target, &user, &patch, (Some(email.clone()), verified), user.roles.clone()).await?;
            let state = if updated.email_verified { "verified" } else { "not verified" };
            println!("e-mail of {username} is now {email} ({state})");
            Ok(())
        }
        UsersCommand::Roles { username, add, remove } => {
            let user = target.user(&username).await?;
            let roles = admin::changed_roles(&user.roles, &add, &remove);
            let patch = json!({ "roles": roles });
            let email = (user.email.clone(), user.email_verified);
            let updated = update(target, &user, &patch, email, roles).await?;
            println!("roles of {username}: {}", updated.roles.join(","));
            Ok(())
        }
        UsersCommand::Unlock { username } => {
            let user = target.user(&username).await?;
            let was_locked = match target {
                Target::Local(ctx) => {
                    admin::unlock_user(ctx.store.as_ref(), &stored_user(ctx, &user).await?, ctx.now()).await?
                }
                Target::Remote(api) => {
                    let path = format!("/users/{}/unlock", user.id);
                    api.call::<Unlocked>(Method::POST, &path, None::<&()>).await?.was_locked
                }
            };
            if was_locked {
                println!("unlocked {username}");
            } else {
                println!("{username} was not locked; cleared their sign-in throttle");
            }
            Ok(())
        }
        UsersCommand::Identities { username, json } => {
            let user = target.user(&username).await?;
            let methods: SignInMethods = match target {
                Target::Local(ctx) => {
                    identities::of_user(ctx.store.as_ref(), &stored_user(ctx, &user).await?).await?
                }
                Target::Remote(api) => {
                    api.call(Method::GET, &format!("/users/{}/identities", user.id), None::<&()>).await?
                }
            };
            if json {
                return print_json(&serde_json::to_value(&methods)?);
            }
            println!("password\t{}", if methods.password { "set" } else { "none" });
            for identity in &methods.identities {
                println!(
                    "{}\tlinked {}\tlast used {}",
                    identity.provider, identity.linked_at, identity.last_used_at
                );
            }
            Ok(())
        }
        UsersCommand::Unlink { username, provider } => {
            let user = target.user(&username).await?;
            let ctx = match target {
                Target::Local(ctx) => ctx,
                Target::Remote(api) => {
                    let path = format!("/users/{}/identities/{provider}", user.id);
                    api.call_empty(Method::DELETE, &path).await?;
                    println!("unlinked {provider} from {username}");
                    return Ok(());
                }
            };
            let stored = stored_user(ctx, &user).await?;
            match identities::unlink(ctx.store.as_ref(), &stored, &provider, ctx.now()).await? {
                Unlinked::Unlinked => println!("unlinked {provider} from {username}"),
                Unlinked::NotLinked => bail!("{username} has no identity at {provider:?}"),
                Unlinked::LastWay => {
                    bail!("{provider} is {username}'s only way to sign in: set a password first (users set-password)")
                }
            }
            Ok(())
        }
        UsersCommand::SetPassword { username, password_stdin: _ } => {
            let password = read_password_stdin()?;
            let user = target.user(&username).await?;
            let ended = match target {
                Target::Local(ctx) => {
                    let stored = stored_user(ctx, &user).await?;
                    let pool = ctx.password_pool()?;
                    admin::set_password(ctx.store.as_ref(), &pool, &stored, &password, ctx.now()).await?
                }
                Target::Remote(api) => {
                    let path = format!("/users/{}/password", user.id);
                    let request = PasswordRequest { password: password.expose().to_owned() };
                    api.call::<SessionsEnded>(Method::POST, &path, Some(&request)).await?.sessions_ended
                }
            };
            println!("password of {username} changed; ended {ended} session(s)");
            Ok(())
        }
        UsersCommand::Import { file, skip_existing, json } => {
            import(target.local("users import")?, &file, skip_existing, json).await
        }
    }
}

/// Asks `question` on the terminal; a non-interactive run must say --yes.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("standard input is not a terminal: confirm with --yes");
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Changes a user's e-mail or roles: on the database with the version just read, or through
/// the admin API's conditional `PATCH` (`patch` is its body).
async fn update(
    target: &Target,
    user: &UserView,
    patch: &serde_json::Value,
    email: (Option<String>, bool),
    roles: Vec<String>,
) -> anyhow::Result<UserView> {
    match target {
        Target::Local(ctx) => {
            let stored = stored_user(ctx, user).await?;
            let updated =
                admin::update_user(ctx.store.as_ref(), &stored, stored.version, email, roles, ctx.now())
                    .await?;
            Ok(UserView::from(&updated.context("the user changed meanwhile: try again")?))
        }
        Target::Remote(api) => api.merge_patch(&format!("/users/{}", user.id), patch).await,
    }
}

/// One line of an import file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportLine {
    username: String,
    #[serde(default)]
    email: Option<String>,
    password_hash: String,
    #[serde(default)]
    roles: Vec<String>,
}

/// What became of one import line.
enum Outcome {
    Imported,
    Skipped,
}

/// Imports one line: a user record with only the known fields (serde names an unknown one).
async fn import_line(ctx: &Context, line: &str, skip_existing: bool) -> anyhow::Result<Outcome> {
    let entry = serde_json::from_str::<ImportLine>(line).context("not a valid user record")?;
    if skip_existing && ctx.store.user_by_username(&entry.username).await?.is_some() {
        return Ok(Outcome::Skipped);
    }
    let spec =
        UserSpec { username: entry.username, email: entry.email, email_verified: false, roles: entry.roles };
    admin::import_user(ctx.store.as_ref(), spec, entry.password_hash, ctx.now()).await?;
    Ok(Outcome::Imported)
}

/// Imports JSON lines; each line is created whole or not at all, and every rejected line is
/// reported with its number. Exits non-zero when any line was rejected.
async fn import(ctx: &Context, path: &Path, skip_existing: bool, json: bool) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read {} (is it UTF-8 text?)", path.display()))?;
    let progress = ProgressBar::new(lines.len() as u64);
    progress.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} users {msg}")?);
    let (mut imported, mut skipped) = (0usize, 0usize);
    let mut rejected = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        progress.inc(1);
        if line.trim().is_empty() {
            continue;
        }
        match import_line(ctx, line, skip_existing).await {
            Ok(Outcome::Imported) => imported += 1,
            Ok(Outcome::Skipped) => skipped += 1,
            Err(e) => rejected.push((index + 1, format!("{e:#}"))),
        }
    }
    progress.finish_and_clear();
    if json {
        let rejected: Vec<_> =
            rejected.iter().map(|(line, reason)| json!({"line": line, "reason": reason})).collect();
        print_json(&json!({ "imported": imported, "skipped": skipped, "rejected": rejected }))?;
    } else {
        println!("imported {imported} user(s), skipped {skipped} existing, rejected {}", rejected.len());
        for (line, reason) in &rejected {
            println!("line {line}: {reason}");
        }
    }
    if rejected.is_empty() {
        Ok(())
    } else {
        bail!("{} line(s) rejected", rejected.len())
    }
}
