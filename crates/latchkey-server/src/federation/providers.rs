//! Configured upstream providers (`docs/architecture.md`, "Federation"): registering one and
//! updating it under one set of checks (`record_of`; for `latchkey providers add`,
//! `/admin/providers` and the tests), and turning a stored row back into the
//! [`ProviderConfig`] the upstream client takes, plus what the flow needs (the linking
//! policy, whether users may be created).
//!
//! The client secret is sealed under the master key (AES-256-GCM, as signing keys are), with
//! the provider's name as associated data, so a sealed secret copied to another row does not
//! open.

use anyhow::{bail, ensure, Context};
use latchkey_core::federation_linking::Linking;
use latchkey_crypto::MasterKey;
use latchkey_store::{Store, UpstreamProviderRecord};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::mapping::ClaimMapping;
use super::upstream::{EndpointOverrides, Flavor, PkceMode, ProviderConfig, ProviderKind};

/// Longest provider name; names appear in URLs (`/federation/{name}/start`).
const MAX_NAME_LEN: usize = 64;

const SECRET_PURPOSE: &str = "latchkey upstream client secret v1";

/// Seals and opens upstream client secrets (and kept upstream tokens) under the master key.
pub struct SecretSealer(MasterKey);

impl SecretSealer {
    pub fn new(master: &MasterKey) -> anyhow::Result<Self> {
        Ok(Self(MasterKey::from_base64(&master.to_base64())?))
    }

    /// Associated data: what the sealed value is, and whose (NUL-separated).
    fn aad(purpose: &str, owners: &[&str]) -> Vec<u8> {
        let mut aad = purpose.as_bytes().to_vec();
        for owner in owners {
            aad.push(0);
            aad.extend_from_slice(owner.as_bytes());
        }
        aad
    }

    /// Seals `plain` for `purpose`, bound to `owners` (a provider, a user).
    pub fn seal(&self, purpose: &str, owners: &[&str], plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        Ok(self.0.seal(plain, &Self::aad(purpose, owners))?)
    }

    /// Opens what [`Self::seal`] sealed for the same purpose and owners.
    pub fn open(&self, purpose: &str, owners: &[&str], sealed: &[u8]) -> anyhow::Result<Zeroizing<Vec<u8>>> {
        self.0
            .open(sealed, &Self::aad(purpose, owners))
            .context("cannot decrypt: is this the master key it was sealed with, and its row?")
    }

    fn seal_secret(&self, name: &str, secret: &str) -> anyhow::Result<Vec<u8>> {
        self.seal(SECRET_PURPOSE, &[name], secret.as_bytes())
    }

    fn open_secret(&self, name: &str, sealed: &[u8]) -> anyhow::Result<Zeroizing<String>> {
        let plain = self
            .open(SECRET_PURPOSE, &[name], sealed)
            .with_context(|| format!("the client secret of provider {name}"))?;
        Ok(Zeroizing::new(String::from_utf8(plain.to_vec()).context("the client secret is not UTF-8")?))
    }
}

/// What the `endpoints` column holds: the kind (issuer or OAuth 2.0 endpoints) and the
/// overrides.
#[derive(Serialize, Deserialize)]
pub(super) struct StoredEndpoints {
    pub provider: ProviderKind,
    #[serde(default)]
    pub overrides: EndpointOverrides,
}

/// The endpoints of a stored provider.
pub(super) fn stored_endpoints(record: &UpstreamProviderRecord) -> anyhow::Result<StoredEndpoints> {
    serde_json::from_str(&record.endpoints).context("the stored endpoints are not valid JSON")
}

/// A provider to register.
pub struct ProviderSpec {
    pub name: String,
    pub kind: ProviderKind,
    pub flavor: Flavor,
    pub client_id: String,
    pub client_secret: Zeroizing<String>,
    pub scopes: Vec<String>,
    pub linking: Linking,
    pub create_users: bool,
    pub store_tokens: bool,
    pub pkce: PkceMode,
    pub mapping: ClaimMapping,
    pub overrides: EndpointOverrides,
    pub native_client_ids: Vec<String>,
}

/// A stored provider, ready to use.
pub struct Provider {
    pub config: ProviderConfig,
    pub linking: Linking,
    pub create_users: bool,
    pub store_tokens: bool,
}

fn check_name(name: &str) -> anyhow::Result<()> {
    ensure!(
        !name.is_empty() && name.len() <= MAX_NAME_LEN,
        "a provider name has 1 to {MAX_NAME_LEN} characters"
    );
    ensure!(
        name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'),
        "a provider name has only lower-case letters, digits, - and _ (it appears in URLs)"
    );
    Ok(())
}

/// Registers a provider; its client secret is sealed before it is stored.
pub async fn add_provider(
    store: &dyn Store,
    sealer: &SecretSealer,
    spec: ProviderSpec,
    now: i64,
) -> anyhow::Result<UpstreamProviderRecord> {
    check_name(&spec.name)?;
    ensure!(!spec.client_secret.is_empty(), "the client secret is empty");
    let sealed = sealer.seal_secret(&spec.name, &spec.client_secret)?;
    let record = record_of(spec, sealed, now)?;
    store.create_upstream_provider(&record).await?;
    Ok(record)
}

/// Gives the provider `current` the settings of `spec`, checked as [`add_provider`] checks
/// them, as one compare-and-swap on `expected_version` (the admin API's `If-Match`); an
/// empty client secret keeps the sealed one. `None` when the provider changed meanwhile.
pub async fn update_provider(
    store: &dyn Store,
    sealer: &SecretSealer,
    current: &UpstreamProviderRecord,
    spec: ProviderSpec,
    expected_version: i64,
    now: i64,
) -> anyhow::Result<Option<UpstreamProviderRecord>> {
    ensure!(spec.name == current.name, "a provider's name cannot change");
    let sealed = if spec.client_secret.is_empty() {
        current.sealed_client_secret.clone()
    } else {
        sealer.seal_secret(&spec.name, &spec.client_secret)?
    };
    let record = UpstreamProviderRecord { created_at: current.created_at, ..record_of(spec, sealed, now)? };
    Ok(store.update_upstream_provider(&record, expected_version).await?)
}

/// The row of a checked provider whose secret is sealed.
fn record_of(
    spec: ProviderSpec,
    sealed_client_secret: Vec<u8>,
    now: i64,
) -> anyhow::Result<UpstreamProviderRecord> {
    ensure!(!spec.client_id.is_empty(), "the client id is empty");
    spec.mapping.validate().map_err(anyhow::Error::msg)?;
    if let ProviderKind::Oidc { issuer } = &spec.kind {
        let url = url::Url::parse(issuer).context("the issuer is not a URL")?;
        if url.query().is_some() || url.fragment().is_some() {
            bail!("an issuer has no query or fragment (OpenID Connect Discovery 1.0 §2)");
        }
    }
    let issuer = match &spec.kind {
        ProviderKind::Oidc { issuer } => Some(issuer.clone()),
        ProviderKind::OAuth2 { .. } => None,
    };
    let endpoints = StoredEndpoints { provider: spec.kind.clone(), overrides: spec.overrides };
    Ok(UpstreamProviderRecord {
        kind: if issuer.is_some() { "oidc" } else { "oauth2" }.to_owned(),
        issuer,
        flavor: spec.flavor.as_str().to_owned(),
        endpoints: serde_json::to_string(&endpoints)?,
        client_id: spec.client_id,
        sealed_client_secret,
        scopes: spec.scopes,
        linking: spec.linking.as_str().to_owned(),
        create_users: spec.create_users,
        store_tokens: spec.store_tokens,
        pkce: spec.pkce.as_str().to_owned(),
        claim_mapping: serde_json::to_string(&spec.mapping)?,
        native_client_ids: spec.native_client_ids,
        created_at: now,
        updated_at: now,
        version: 0,
        name: spec.name,
    })
}

/// The provider called `name`, its secret unsealed; `None` when there is none.
pub async fn load(store: &dyn Store, sealer: &SecretSealer, name: &str) -> anyhow::Result<Option<Provider>> {
    match store.upstream_provider(name).await? {
        Some(record) => Ok(Some(open(sealer, &record)?)),
        None => Ok(None),
    }
}

/// A stored row, opened.
pub fn open(sealer: &SecretSealer, record: &UpstreamProviderRecord) -> anyhow::Result<Provider> {
    let endpoints = stored_endpoints(record)?;
    let config = ProviderConfig {
        name: record.name.clone(),
        kind: endpoints.provider,
        flavor: record.flavor.parse().map_err(anyhow::Error::msg)?,
        client_id: record.client_id.clone(),
        client_secret: sealer.open_secret(&record.name, &record.sealed_client_secret)?,
        scopes: record.scopes.clone(),
        pkce: record.pkce.parse().map_err(anyhow::Error::msg)?,
        mapping: serde_json::from_str(&record.claim_mapping)
            .context("the stored claim mapping is not valid")?,
        overrides: endpoints.overrides,
        native_client_ids: record.native_client_ids.clone(),
    };
    Ok(Provider {
        config,
        linking: Linking::parse(&record.linking).context("unknown linking policy")?,
        create_users: record.create_users,
        store_tokens: record.store_tokens,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_provider_and_key() {
        let master = MasterKey::generate().unwrap();
        let sealer = SecretSealer::new(&master).unwrap();
        let sealed = sealer.seal_secret("google", "s3cret").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"), "stored encrypted");
        assert_eq!(sealer.open_secret("google", &sealed).unwrap().as_str(), "s3cret");
        assert!(sealer.open_secret("github", &sealed).is_err(), "bound to the provider's name");
        let other = SecretSealer::new(&MasterKey::generate().unwrap()).unwrap();
        assert!(other.open_secret("google", &sealed).is_err());
        // Owners are separated: ("a", "bc") is not ("ab", "c").
        let tokens = sealer.seal("p", &["a", "bc"], b"t").unwrap();
        assert!(sealer.open("p", &["ab", "c"], &tokens).is_err());
        assert!(sealer.open("q", &["a", "bc"], &tokens).is_err(), "bound to the purpose");
        assert_eq!(sealer.open("p", &["a", "bc"], &tokens).unwrap().as_slice(), b"t");
    }

    #[test]
    fn provider_names_are_url_safe() {
        assert!(check_name("github-enterprise_2").is_ok());
        for bad in ["", "GitHub", "a/b", "a b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
