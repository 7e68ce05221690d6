//! An upstream provider as the operator describes it — the flags of `latchkey providers add`
//! and the JSON of `POST /admin/providers` are the same document — and the one place that
//! turns it into a [`ProviderSpec`] (presets, kinds, defaults). Updates
//! (`PATCH /admin/providers/{name}`) merge a patch (RFC 7396) into the document of the stored
//! provider and go through the same rules ([`settings_after`]). The client secret is
//! write-only: given to register or to replace, never shown.

use anyhow::{bail, Context as _};
use latchkey_core::federation_linking::Linking;
use latchkey_core::token_exchange::NonceHashing;
use latchkey_store::UpstreamProviderRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::mapping::ClaimMapping;
use super::providers::{stored_endpoints, ProviderSpec};
use super::upstream::{preset, EndpointOverrides, Flavor, ProviderKind};

fn yes() -> bool {
    true
}

/// An upstream provider to register (the flags of `latchkey providers add`).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderRequest {
    /// Our name for it, in URLs: lower-case letters, digits, `-` and `_`.
    pub name: String,
    /// `google`, `apple`, `microsoft`, `github` or `facebook`: kind, endpoints, scopes and mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// `oidc` (configured by `issuer`, found by discovery) or `oauth2` (explicit endpoints).
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub emails_endpoint: Option<String>,
    /// Quirks to apply [default: the preset's, else `generic`].
    #[serde(default)]
    pub flavor: Option<String>,
    /// Our client id at the provider.
    pub client_id: String,
    /// Our client secret at the provider: write-only, never in a response. In a patch,
    /// absent keeps the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Scopes to request [default: the preset's].
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `never` (default), `prompt` or `auto`.
    #[serde(default)]
    pub linking: Option<String>,
    #[serde(default = "yes")]
    pub create_users: bool,
    #[serde(default)]
    pub store_tokens: bool,
    /// PKCE S256 with the provider: `auto` (default), `force` or `never`.
    #[serde(default)]
    pub pkce: Option<String>,
    /// JSON pointers per profile field [default: the flavor's].
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub claim_mapping: Option<Value>,
    #[serde(default)]
    pub native_client_ids: Vec<String>,
    /// How ID tokens carry a native app's nonce: `raw` or `sha256` (registration only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_hashing: Option<String>,
}

fn url(name: &str, raw: Option<&String>) -> anyhow::Result<Option<Url>> {
    raw.map(|raw| Url::parse(raw).with_context(|| format!("{name} is not a URL"))).transpose()
}

fn required(name: &str, raw: Option<&String>) -> anyhow::Result<Url> {
    url(name, raw)?.with_context(|| format!("kind oauth2 needs {name}"))
}

impl ProviderRequest {
    /// The nonce comparison asked for, when one is.
    pub fn nonce_hashing(&self) -> anyhow::Result<Option<NonceHashing>> {
        let parsed = self.nonce_hashing.as_deref().map(NonceHashing::parse).transpose();
        parsed.map_err(|e| anyhow::anyhow!("nonce_hashing: {e}"))
    }

    /// The provider this describes, to check and store with [`super::providers`]; an absent
    /// secret is an empty one (refused at registration, "keep" in an update).
    pub fn into_spec(self) -> anyhow::Result<ProviderSpec> {
        let preset = match &self.preset {
            Some(name) => {
                Some(preset(name).context("unknown preset: google, apple, microsoft, github or facebook")?)
            }
            None => None,
        };
        let kind = match (&preset, self.kind.as_deref()) {
            (_, Some("oidc")) => {
                ProviderKind::Oidc { issuer: self.issuer.clone().context("kind oidc needs issuer")? }
            }
            (_, Some("oauth2")) => ProviderKind::OAuth2 {
                authorization_endpoint: required(
                    "authorization_endpoint",
                    self.authorization_endpoint.as_ref(),
                )?,
                token_endpoint: required("token_endpoint", self.token_endpoint.as_ref())?,
                userinfo_endpoint: required("userinfo_endpoint", self.userinfo_endpoint.as_ref())?,
            },
            (_, Some(_)) => bail!("kind is oidc or oauth2"),
            (Some(preset), None) => match (&preset.kind, &self.issuer) {
                (ProviderKind::Oidc { .. }, Some(issuer)) => ProviderKind::Oidc { issuer: issuer.clone() },
                (kind, _) => kind.clone(),
            },
            (None, None) => bail!("give a preset or a kind"),
        };
        let flavor = match (&self.flavor, &preset) {
            (Some(flavor), _) => flavor.parse().map_err(anyhow::Error::msg)?,
            (None, Some(preset)) => preset.flavor,
            (None, None) => Flavor::Generic,
        };
        let mapping = match self.claim_mapping {
            Some(raw) => serde_json::from_value(raw).context("the claim mapping is not a valid one")?,
            None => ClaimMapping::for_flavor(flavor),
        };
        let scopes = match (self.scopes.is_empty(), &preset) {
            (true, Some(preset)) => preset.scopes.clone(),
            _ => self.scopes,
        };
        let linking = self.linking.as_deref().unwrap_or("never");
        Ok(ProviderSpec {
            name: self.name,
            kind,
            flavor,
            client_id: self.client_id,
            client_secret: Zeroizing::new(self.client_secret.unwrap_or_default()),
            scopes,
            linking: Linking::parse(linking).context("linking is never, prompt or auto")?,
            create_users: self.create_users,
            store_tokens: self.store_tokens,
            pkce: self.pkce.as_deref().unwrap_or("auto").parse().map_err(anyhow::Error::msg)?,
            mapping,
            overrides: EndpointOverrides {
                authorization_endpoint: url("authorization_endpoint", self.authorization_endpoint.as_ref())?,
                token_endpoint: url("token_endpoint", self.token_endpoint.as_ref())?,
                userinfo_endpoint: url("userinfo_endpoint", self.userinfo_endpoint.as_ref())?,
                jwks_uri: url("jwks_uri", self.jwks_uri.as_ref())?,
                emails_endpoint: url("emails_endpoint", self.emails_endpoint.as_ref())?,
            },
            native_client_ids: self.native_client_ids,
        })
    }

    /// The document of a stored provider, without its secret: what a patch is merged into.
    pub fn of_record(record: &UpstreamProviderRecord) -> anyhow::Result<Self> {
        let endpoints = stored_endpoints(record)?;
        let text = |url: &Option<Url>| url.as_ref().map(Url::to_string);
        let overrides = &endpoints.overrides;
        let (issuer, [authorization_endpoint, token_endpoint, userinfo_endpoint]) = match &endpoints.provider
        {
            ProviderKind::Oidc { issuer } => (
                Some(issuer.clone()),
                [
                    text(&overrides.authorization_endpoint),
                    text(&overrides.token_endpoint),
                    text(&overrides.userinfo_endpoint),
                ],
            ),
            ProviderKind::OAuth2 { authorization_endpoint, token_endpoint, userinfo_endpoint } => (
                None,
                [authorization_endpoint, token_endpoint, userinfo_endpoint].map(|url| Some(url.to_string())),
            ),
        };
        Ok(Self {
            name: record.name.clone(),
            kind: Some(record.kind.clone()),
            issuer,
            authorization_endpoint,
            token_endpoint,
            userinfo_endpoint,
            jwks_uri: text(&overrides.jwks_uri),
            emails_endpoint: text(&overrides.emails_endpoint),
            flavor: Some(record.flavor.clone()),
            client_id: record.client_id.clone(),
            scopes: record.scopes.clone(),
            linking: Some(record.linking.clone()),
            create_users: record.create_users,
            store_tokens: record.store_tokens,
            pkce: Some(record.pkce.clone()),
            claim_mapping: Some(serde_json::from_str(&record.claim_mapping)?),
            native_client_ids: record.native_client_ids.clone(),
            ..Self::default()
        })
    }
}

/// Members a patch does not take: the name (in URLs, and bound to the sealed secret) and
/// what only registration means.
const FIXED: [&str; 3] = ["name", "preset", "nonce_hashing"];

/// The provider `record` describes after `patch` (RFC 7396 §2: members replace, `null`
/// removes, back to the registration default), not yet checked; its secret empty unless the
/// patch sets one.
pub fn settings_after(record: &UpstreamProviderRecord, patch: &Value) -> anyhow::Result<ProviderSpec> {
    let Some(members) = patch.as_object() else { bail!("a merge patch of a provider is a JSON object") };
    if let Some(fixed) = FIXED.iter().find(|name| members.contains_key(**name)) {
        bail!("{fixed} cannot be changed");
    }
    let mut document = serde_json::to_value(ProviderRequest::of_record(record)?)?;
    json_patch::merge(&mut document, patch);
    // serde's message would quote the request; the schema says what each member takes.
    let request: ProviderRequest = serde_json::from_value(document).map_err(|_| {
        anyhow::anyhow!("the patched provider has an unknown member or a value of the wrong type (see the ProviderRequest schema)")
    })?;
    request.into_spec()
}
