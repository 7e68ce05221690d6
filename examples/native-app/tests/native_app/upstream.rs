//! The provider's side for the native-app test: `e2e/upstream-provider.mjs` (a real OpenID
//! Connect provider) with a native client `com.example.bank.ios`, registered at Latchkey as a
//! provider whose native client ids include it, and the sign-in the platform SDK would do
//! there (authorization code with PKCE and Latchkey's nonce, a private-use redirect).

use std::collections::HashMap;
use std::process::Stdio;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_core::federation_linking::Linking;
use latchkey_crypto::{digest::sha256, random};
use latchkey_server::federation::mapping::ClaimMapping;
use latchkey_server::federation::providers::{add_provider, ProviderSpec, SecretSealer};
use latchkey_server::federation::upstream::{EndpointOverrides, Flavor, PkceMode, ProviderKind};
use latchkey_server::testing::TestLatchkey;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use zeroize::Zeroizing;

/// The app's client id at the provider: the `aud` of the ID tokens it gets.
pub const NATIVE_CLIENT_ID: &str = "com.example.bank.ios";
const NATIVE_REDIRECT: &str = "com.example.bank:/oauth/callback";
const LATCHKEY_CLIENT_ID: &str = "latchkey";
const LATCHKEY_CLIENT_SECRET: &str = "upstream-secret";

/// The running provider; stops when dropped.
pub struct Upstream {
    pub issuer: String,
    _child: tokio::process::Child,
}

impl Upstream {
    /// `None` when the e2e packages are not installed.
    pub async fn start(latchkey_issuer: &str, name: &str) -> Option<Self> {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
        if !dir.join("node_modules/oidc-provider").exists() {
            return None;
        }
        let mut child = tokio::process::Command::new("node")
            .arg("upstream-provider.mjs")
            .current_dir(dir)
            .env("UPSTREAM_CLIENT_ID", LATCHKEY_CLIENT_ID)
            .env("UPSTREAM_CLIENT_SECRET", LATCHKEY_CLIENT_SECRET)
            .env("UPSTREAM_REDIRECT_URI", format!("{latchkey_issuer}/federation/{name}/callback"))
            .env("UPSTREAM_NATIVE_CLIENT_ID", NATIVE_CLIENT_ID)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot start node");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(Self { issuer: ready["issuer"].as_str().unwrap().to_owned(), _child: child })
    }
}

/// Registers the provider as `name` at Latchkey, accepting ID tokens issued to the app.
pub async fn register_provider(latchkey: &TestLatchkey, name: &str, issuer: &str, linking: Linking) {
    let spec = ProviderSpec {
        name: name.into(),
        kind: ProviderKind::Oidc { issuer: issuer.into() },
        flavor: Flavor::Generic,
        client_id: LATCHKEY_CLIENT_ID.into(),
        client_secret: Zeroizing::new(LATCHKEY_CLIENT_SECRET.into()),
        scopes: vec!["email".into()],
        linking,
        create_users: true,
        store_tokens: false,
        pkce: PkceMode::Auto,
        mapping: ClaimMapping::for_flavor(Flavor::Generic),
        overrides: EndpointOverrides::default(),
        native_client_ids: vec![NATIVE_CLIENT_ID.into()],
    };
    let sealer = SecretSealer::new(&latchkey.master).unwrap();
    let now = latchkey_core::clock::Clock::now(&latchkey_core::clock::SystemClock);
    add_provider(latchkey.store.as_ref(), &sealer, spec, now).await.unwrap();
}

/// What the platform SDK does: signs in at the provider as the app (its interaction signs
/// the one user in at once), with `nonce`, and returns the ID token.
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
    let tokens: Value =
        http.post(format!("{issuer}/token")).form(&form).send().await.unwrap().json().await.unwrap();
    tokens["id_token"].as_str().unwrap_or_else(|| panic!("no ID token: {tokens}")).to_owned()
}
