//! `latchkey audit list`: the audit events the server records (logins, failures, refresh-token
//! reuse, revocations, admin requests), newest first, from the database or `--server`.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use latchkey_server::admin_api::AuditEventView;
use latchkey_store::AuditFilter;

use crate::cli::AuditCommand;
use crate::output::{print_json, rfc3339};
use crate::target::Target;

/// `--since`: a time (RFC 3339, e.g. 2026-12-01T09:00:00Z) or how long ago (e.g. 24h, 7days).
fn parse_since(raw: &str, now: i64) -> anyhow::Result<i64> {
    if let Ok(at) = humantime::parse_rfc3339_weak(raw) {
        let at = at.duration_since(UNIX_EPOCH).context("a time before 1970")?;
        return Ok(i64::try_from(at.as_secs())?);
    }
    let ago = humantime::parse_duration(raw)
        .with_context(|| format!("{raw:?} is neither a time (2026-12-01T09:00:00Z) nor a duration (24h)"))?;
    Ok(now.saturating_sub(i64::try_from(ago.as_secs())?))
}

pub async fn run(target: &Target, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::List { user, kind, since, limit, json } = command;
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let user_id = match user {
        Some(name) => Some(target.user(&name).await?.id),
        None => None,
    };
    let since = since.as_deref().map(|raw| parse_since(raw, now)).transpose()?;
    let events: Vec<AuditEventView> = match target {
        Target::Local(ctx) => {
            let filter = AuditFilter { user_id, kind, since, ..AuditFilter::default() };
            let found = ctx.store.find_audit_events(&filter, i64::from(limit)).await?;
            found.iter().map(|(_, event)| AuditEventView::from(event)).collect()
        }
        Target::Remote(api) => {
            let mut filter = vec![];
            filter.extend(user_id.map(|id| ("user_id", id)));
            filter.extend(kind.map(|kind| ("type", kind)));
            filter.extend(since.map(|since| ("since", since.to_string())));
            api.list_at_most("/audit-events", &filter, limit as usize).await?
        }
    };
    if json {
        return print_json(&serde_json::to_value(&events)?);
    }
    println!("TIME\tTYPE\tUSER\tCLIENT\tSESSION\tDETAIL");
    for e in &events {
        let or_dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            rfc3339(e.at),
            e.kind,
            or_dash(&e.user_id),
            or_dash(&e.client_id),
            or_dash(&e.session_id),
            or_dash(&e.detail)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn since_is_a_time_or_a_duration_ago() {
        assert_eq!(parse_since("2026-12-01T00:00:00Z", 0).unwrap(), 1_796_083_200);
        assert_eq!(parse_since("24h", 100_000).unwrap(), 100_000 - 86_400);
        assert!(parse_since("yesterday", 0).is_err());
    }
}
