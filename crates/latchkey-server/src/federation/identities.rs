//! A user's ways to sign in (`docs/architecture.md`, "Native apps", linked sign-in methods):
//! their password, if they have one, and each linked upstream identity. Shared by the account
//! API (`/account/identities`) and the CLI (`latchkey users identities|unlink`). Unlinking
//! never removes the last way in (the store checks it inside its one `DELETE`).

use latchkey_store::{AuditEvent, Store, Unlinked, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sign_in::NO_PASSWORD;
use crate::error::ApiError;

/// One linked provider.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LinkedProvider {
    pub provider: String,
    pub linked_at: i64,
    pub last_used_at: i64,
}

/// Everything the user can sign in with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignInMethods {
    pub password: bool,
    pub identities: Vec<LinkedProvider>,
}

pub async fn of_user(store: &dyn Store, user: &User) -> Result<SignInMethods, ApiError> {
    let identities = store
        .federated_identities_of_user(&user.id)
        .await?
        .into_iter()
        .map(|i| LinkedProvider {
            provider: i.provider,
            linked_at: i.linked_at,
            last_used_at: i.last_login_at,
        })
        .collect();
    Ok(SignInMethods { password: user.password_hash != NO_PASSWORD, identities })
}

/// Unlinks the user's identity at `provider`, recording it in the audit trail.
pub async fn unlink(store: &dyn Store, user: &User, provider: &str, now: i64) -> Result<Unlinked, ApiError> {
    let outcome = store.unlink_federated_identity(&user.id, provider, NO_PASSWORD).await?;
    if outcome == Unlinked::Unlinked {
        store
            .record_audit_event(&AuditEvent {
                at: now,
                kind: "identity_unlinked".into(),
                user_id: Some(user.id.clone()),
                client_id: None,
                session_id: None,
                detail: Some(format!("provider={provider}")),
            })
            .await?;
        tracing::info!(user_id = %user.id, provider, "upstream identity unlinked");
    }
    Ok(outcome)
}
