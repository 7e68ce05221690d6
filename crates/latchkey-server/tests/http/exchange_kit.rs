//! What the token-exchange tests share: a provider registered with the native app's client id,
//! a client registered for the grant, a nonce from `/native/nonce`, an ID token signed by the
//! hostile provider, and the exchange request itself.

use latchkey_core::federation_linking::Linking;
use latchkey_core::token_exchange::GRANT_TYPE;
use latchkey_server::federation::providers::{add_provider, ProviderSpec, SecretSealer};
use latchkey_store::{ClientKind, GrantType};
use reqwest::Response;
use serde_json::{json, Value};

use crate::hostile::HostileProvider;
use crate::native_app::oidc_provider_spec;
use crate::testkit::{TestServer, START};

pub(crate) use crate::native_app::NATIVE_CLIENT_ID;

pub(crate) struct Setup {
    pub provider: HostileProvider,
    pub app: String,
}

/// Registers the generic OpenID Connect provider `name` at `issuer`, where Latchkey is
/// `client_id` and the native apps are `native_client_ids`.
pub(crate) async fn register(
    server: &TestServer,
    name: &str,
    issuer: &str,
    client_id: &str,
    linking: Linking,
    native_client_ids: &[&str],
) {
    let spec = oidc_provider_spec(name, issuer, client_id, linking, native_client_ids);
    add(server, spec).await;
}

/// Registers `spec`, its secret sealed under the server's master key.
pub(crate) async fn add(server: &TestServer, spec: ProviderSpec) {
    let sealer = SecretSealer::new(&server.latchkey.master).unwrap();
    add_provider(server.store.as_ref(), &sealer, spec, START).await.unwrap();
}

pub(crate) async fn native_app(server: &TestServer) -> String {
    server
        .add_client(
            ClientKind::Public,
            &[GrantType::TokenExchange, GrantType::RefreshToken],
            "openid profile",
        )
        .await
        .0
}

pub(crate) async fn setup(server: &TestServer, linking: Linking) -> Setup {
    setup_named(server, "acme", linking).await
}

pub(crate) async fn setup_named(server: &TestServer, name: &str, linking: Linking) -> Setup {
    let provider = HostileProvider::start().await;
    register(server, name, &provider.issuer, "our-client", linking, &[NATIVE_CLIENT_ID]).await;
    Setup { provider, app: native_app(server).await }
}

pub(crate) async fn nonce(server: &TestServer) -> String {
    let response = server.http.get(server.url("/native/nonce")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 600);
    body["nonce"].as_str().unwrap().to_owned()
}

/// An ID token for the native app, `user-1`, with `nonce`; `adjust` changes the claims.
pub(crate) fn id_token(
    setup: &Setup,
    nonce: &str,
    adjust: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> String {
    let mut claims = json!({
        "iss": setup.provider.issuer, "sub": "user-1", "aud": NATIVE_CLIENT_ID, "exp": START + 300,
        "iat": START - 2, "nonce": nonce, "email": "ada@example.com", "email_verified": true, "name": "Ada",
        "jti": format!("jti-{nonce}"),
    });
    adjust(claims.as_object_mut().unwrap());
    setup.provider.key.sign_jwt("JWT", &claims).unwrap()
}

pub(crate) async fn exchange(
    server: &TestServer,
    app: &str,
    provider: &str,
    token: &str,
    kind: &str,
    nonce: Option<&str>,
) -> Response {
    let mut form = vec![
        ("grant_type", GRANT_TYPE),
        ("client_id", app),
        ("subject_token", token),
        ("subject_token_type", kind),
        ("provider", provider),
    ];
    form.extend(nonce.map(|n| ("nonce", n)));
    server.post_form("/token", &form).await
}

pub(crate) fn payload(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}
