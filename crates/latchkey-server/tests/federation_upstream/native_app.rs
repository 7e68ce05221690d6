//! What a native app does at a real OpenID Connect provider (`e2e/upstream-provider.mjs`,
//! with `UPSTREAM_NATIVE_CLIENT_ID`), shared by the token-exchange tests here and the
//! native-app example's test (`examples/native-app`): the provider registered at Latchkey
//! with the app's client id among its native client ids, and the sign-in the platform SDK
//! would do (authorization code with PKCE and Latchkey's nonce, a private-use redirect).

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_core::federation_linking::Linking;
use latchkey_crypto::{digest::sha256, random};
use latchkey_server::federation::mapping::ClaimMapping;
use latchkey_server::federation::providers::ProviderSpec;
use latchkey_server::federation::upstream::{EndpointOverrides, Flavor, PkceMode, ProviderKind};
use serde_json::Value;
use zeroize::Zeroizing;

/// The app's client id at the provider: the `aud` of the ID tokens it gets.
pub const NATIVE_CLIENT_ID: &str = "com.example.bank.ios";
/// The app's private-use redirect (RFC 8252 §7.1), as `upstream-provider.mjs` registers it.
pub const NATIVE_REDIRECT: &str = "com.example.bank:/oauth/callback";

/// The generic OpenID Connect provider `name` at `issuer`, where Latchkey is `client_id`
/// and the native apps are `native_client_ids`; new users are created.
pub fn oidc_provider_spec(
    name: &str,
    issuer: &str,
    client_id: &str,
    linking: Linking,
    native_client_ids: &[&str],
) -> ProviderSpec {
    ProviderSpec {
        name: name.into(),
        kind: ProviderKind::Oidc { issuer: issuer.into() },
        flavor: Flavor::Generic,
        client_id: client_id.into(),
        client_secret: Zeroizing::new("upstream-secret".into()),
        scopes: vec!["email".into()],
        linking,
        create_users: true,
        store_tokens: false,
        pkce: PkceMode::Auto,
        mapping: ClaimMapping::for_flavor(Flavor::Generic),
        overrides: EndpointOverrides::default(),
        native_client_ids: native_client_ids.iter().map(|id| id.to_string()).collect(),
    }
}

/// Signs in at the provider as the native app with `nonce` (its interaction signs the one
/// user in at once; a cookie jar carries its interaction cookies); returns the ID token.
pub async fn sign_in_as_native_app(issuer: &str, nonce: &str) -> String {
    let verifier = random::token(32).unwrap();
    let challenge = URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()));
    let mut url = url::Url::parse(&format!("{issuer}/auth")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", NATIVE_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email")
        .append_pair("redirect_uri", NATIVE_REDIRECT)
        .append_pair("nonce", nonce)
        .append_pair("state", "app-state")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut cookies = HashMap::new();
    let mut next = url.to_string();
    let code = loop {
        let jar: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let response = http.get(&next).header("cookie", jar.join("; ")).send().await.unwrap();
        for value in response.headers().get_all("set-cookie") {
            let parsed = cookie::Cookie::parse(value.to_str().unwrap().to_owned()).unwrap();
            cookies.insert(parsed.name().to_owned(), parsed.value().to_owned());
        }
        assert!(response.status().is_redirection(), "{}", response.status());
        let target = response.headers()["location"].to_str().unwrap().to_owned();
        if let Some(query) = target.strip_prefix(&format!("{NATIVE_REDIRECT}?")) {
            let params: HashMap<String, String> =
                url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
            break params["code"].clone();
        }
        next = if target.starts_with('/') { format!("{issuer}{target}") } else { target };
    };
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", NATIVE_REDIRECT),
        ("client_id", NATIVE_CLIENT_ID),
        ("code_verifier", verifier.as_str()),
    ];
    let response = http.post(format!("{issuer}/token")).form(&form).send().await.unwrap();
    let tokens: Value = response.json().await.unwrap();
    tokens["id_token"].as_str().unwrap_or_else(|| panic!("no ID token: {tokens}")).to_owned()
}
