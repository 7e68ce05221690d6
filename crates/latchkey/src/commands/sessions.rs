//! `latchkey sessions list|revoke`: an operator's view of sessions, e.g. to end every session
//! of a user whose device was stolen.

use anyhow::bail;
use latchkey_server::admin;
use latchkey_server::admin_api::{SessionView, SessionsEnded};
use reqwest::Method;

use crate::cli::SessionsCommand;
use crate::output::{print_json, rfc3339};
use crate::target::{stored_user, Target};

/// One line per session under a header, tab-separated (`--json` keeps the Unix times).
fn print_table(sessions: &[SessionView]) {
    println!("SESSION\tUSER\tCLIENT\tCREATED\tLAST USED\tEXPIRES\tIP\tUSER AGENT");
    for s in sessions {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            s.id,
            s.user_id,
            s.client_id,
            rfc3339(s.created_at),
            rfc3339(s.last_used_at),
            rfc3339(s.expires_at),
            s.ip.as_deref().unwrap_or("-"),
            s.user_agent.as_deref().unwrap_or("-"),
        );
    }
}

pub async fn run(target: &Target, command: SessionsCommand) -> anyhow::Result<()> {
    match command {
        SessionsCommand::List { user, json } => {
            let user_id = match user {
                Some(name) => Some(target.user(&name).await?.id),
                None => None,
            };
            let mut sessions: Vec<SessionView> = match target {
                Target::Local(ctx) => {
                    let live = ctx.store.list_live_sessions(user_id.as_deref(), ctx.now()).await?;
                    live.iter().map(SessionView::from).collect()
                }
                Target::Remote(api) => {
                    let filter: Vec<(&str, String)> = user_id.into_iter().map(|id| ("user_id", id)).collect();
                    api.list_all("/sessions", &filter).await?
                }
            };
            // Newest first, whichever way they came.
            sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.id.cmp(&b.id)));
            if json {
                return print_json(&serde_json::to_value(&sessions)?);
            }
            print_table(&sessions);
            Ok(())
        }
        SessionsCommand::Revoke { id: Some(id), .. } => {
            let revoked = match target {
                Target::Local(ctx) => admin::revoke_session(ctx.store.as_ref(), &id, ctx.now()).await?,
                Target::Remote(api) => {
                    api.call_empty(Method::DELETE, &format!("/sessions/{id}")).await?;
                    true
                }
            };
            if !revoked {
                bail!("no live session with id {id:?}");
            }
            println!("revoked session {id}");
            Ok(())
        }
        SessionsCommand::Revoke { id: None, user: Some(name) } => {
            let user = target.user(&name).await?;
            let ended = match target {
                Target::Local(ctx) => {
                    admin::revoke_user_sessions(
                        ctx.store.as_ref(),
                        &stored_user(ctx, &user).await?,
                        ctx.now(),
                    )
                    .await?
                }
                Target::Remote(api) => {
                    let path = format!("/users/{}/revoke-sessions", user.id);
                    api.call::<SessionsEnded>(Method::POST, &path, None::<&()>).await?.sessions_ended
                }
            };
            println!("revoked {ended} session(s) of {name}");
            Ok(())
        }
        SessionsCommand::Revoke { id: None, user: None } => bail!("give a session id or --user NAME"),
    }
}
