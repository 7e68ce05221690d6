//! The operations of `latchkey providers` beyond storing a row, written once for the CLI on
//! the database and the admin API (`/admin/providers`, `/admin/clients/{id}/providers`):
//! registering from a [`ProviderRequest`], choosing which providers a client's login page
//! offers, and the dry run of a claim mapping (docs/architecture.md, "Federation").

use anyhow::{bail, ensure, Context as _};
use latchkey_store::{Store, UpstreamProviderRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::provider_request::ProviderRequest;
use super::providers::{self, SecretSealer};
use super::sign_in;

/// Registers the provider `request` describes, with its nonce comparison when it names one.
pub async fn register(
    store: &dyn Store,
    sealer: &SecretSealer,
    request: ProviderRequest,
    now: i64,
) -> anyhow::Result<UpstreamProviderRecord> {
    let nonce_hashing = request.nonce_hashing()?;
    let record = providers::add_provider(store, sealer, request.into_spec()?, now).await?;
    if let Some(mode) = nonce_hashing {
        store.set_provider_nonce_hashing(&record.name, Some(mode.as_str())).await?;
    }
    Ok(record)
}

/// What a client's login page offers: these providers (all of them when none is named) and,
/// unless `password_login` is false, the password form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginOptions {
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default = "yes")]
    pub password_login: bool,
}

fn yes() -> bool {
    true
}

/// Sets what the login page of `client_id` offers; the answer names every provider it now
/// offers. `None` when there is no such client; an error when a named provider is unknown
/// (checked first: the foreign key would refuse it only as a database failure).
pub async fn restrict(
    store: &dyn Store,
    client_id: &str,
    options: &LoginOptions,
) -> anyhow::Result<Option<LoginOptions>> {
    if store.client_by_id(client_id).await?.is_none() {
        return Ok(None);
    }
    for name in &options.providers {
        ensure!(store.upstream_provider(name).await?.is_some(), "one of the named providers does not exist");
    }
    store.set_client_upstream_providers(client_id, &options.providers).await?;
    store.set_client_password_login(client_id, options.password_login).await?;
    let providers = store.client_upstream_providers(client_id).await?;
    Ok(Some(LoginOptions { providers, password_login: options.password_login }))
}

/// What a login with some upstream claims would do, and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MappingTest {
    pub subject: String,
    /// The claims through the provider's mapping.
    #[schema(value_type = Object)]
    pub profile: Value,
    /// What would happen: sign in, link, create a user, or refuse, with the reason.
    pub decision: String,
}

/// The dry run of a login at the provider called `name` with `claims` (an ID token's payload
/// or a UserInfo answer); `None` when there is no such provider.
pub async fn test_mapping(
    store: &dyn Store,
    sealer: &SecretSealer,
    name: &str,
    claims: &Value,
) -> anyhow::Result<Option<MappingTest>> {
    let Some(provider) = providers::load(store, sealer, name).await? else { return Ok(None) };
    let subject = match claims.get("sub").or_else(|| claims.get("id")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => bail!("the claims have no subject (\"sub\", or \"id\" for OAuth 2.0 providers)"),
    };
    let profile = provider.config.mapping.normalize(provider.config.flavor, claims);
    let decision = sign_in::decide(store, &provider, &subject, &profile).await?;
    let profile = serde_json::to_value(&profile).context("the profile")?;
    Ok(Some(MappingTest { subject, profile, decision: decision.to_string() }))
}
