//! `latchkey sessions list|revoke`: an operator's view of sessions, e.g. to end every session
//! of a user whose device was stolen.

use anyhow::bail;
use latchkey_store::Session;
use serde_json::{json, Value};

use super::users::find;
use crate::cli::SessionsCommand;
use crate::context::Context;
use crate::output::{print_json, rfc3339};

fn session_json(session: &Session) -> Value {
    json!({
        "id": session.id,
        "user_id": session.user_id,
        "client_id": session.client_id,
        "scope": session.scope,
        "created_at": session.created_at,
        "last_used_at": session.last_used_at,
        "expires_at": session.idle_expires_at.min(session.absolute_expires_at),
        "ip": session.ip,
        "user_agent": session.user_agent,
    })
}

/// One line per session under a header, tab-separated (`--json` keeps the Unix times).
fn print_table(sessions: &[Session]) {
    println!("SESSION\tUSER\tCLIENT\tCREATED\tLAST USED\tEXPIRES\tIP\tUSER AGENT");
    for s in sessions {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            s.id,
            s.user_id,
            s.client_id,
            rfc3339(s.created_at),
            rfc3339(s.last_used_at),
            rfc3339(s.idle_expires_at.min(s.absolute_expires_at)),
            s.ip.as_deref().unwrap_or("-"),
            s.user_agent.as_deref().unwrap_or("-"),
        );
    }
}

pub async fn run(ctx: &Context, command: SessionsCommand) -> anyhow::Result<()> {
    match command {
        SessionsCommand::List { user, json } => {
            let user_id = match user {
                Some(name) => Some(find(ctx, &name).await?.id),
                None => None,
            };
            let sessions = ctx.store.list_live_sessions(user_id.as_deref(), ctx.now()).await?;
            if json {
                return print_json(&sessions.iter().map(session_json).collect());
            }
            print_table(&sessions);
            Ok(())
        }
        SessionsCommand::Revoke { id: Some(id), .. } => {
            if !ctx.store.revoke_session(&id, ctx.now(), "revoked_by_admin").await? {
                bail!("no live session with id {id:?}");
            }
            println!("revoked session {id}");
            Ok(())
        }
        SessionsCommand::Revoke { id: None, user: Some(name) } => {
            let user = find(ctx, &name).await?;
            let ended = ctx.store.revoke_user_sessions(&user.id, ctx.now(), "revoked_by_admin", None).await?;
            println!("revoked {ended} session(s) of {name}");
            Ok(())
        }
        SessionsCommand::Revoke { id: None, user: None } => bail!("give a session id or --user NAME"),
    }
}
