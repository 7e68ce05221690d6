//! `--store-tokens` over HTTP against the real upstream, on both backends: a confidential
//! client with the `upstream_token` scope gets the user's upstream access token (which the
//! upstream accepts), refreshed upstream once it has expired; a client without the scope, or
//! a public one, gets 403 `insufficient_scope`.

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::federation_linking::Linking;
use latchkey_server::federation::mapping::ClaimMapping;
use latchkey_server::federation::providers::{add_provider, ProviderSpec, SecretSealer};
use latchkey_server::federation::upstream::{EndpointOverrides, Flavor, PkceMode, ProviderKind};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::federation::{follow, Upstream};
use crate::flow::{query_of, Browser, Rp};
use crate::testkit::{TestServer, START};

latchkey_store::on_both_backends!(kept_upstream_tokens_reach_confidential_clients_and_are_refreshed);

async fn add_keeping_provider(server: &TestServer, issuer: &str) {
    let spec = ProviderSpec {
        name: "acme".into(),
        kind: ProviderKind::Oidc { issuer: issuer.into() },
        flavor: Flavor::Generic,
        client_id: "latchkey".into(),
        client_secret: Zeroizing::new("upstream-client-secret-for-tests".into()),
        scopes: vec!["openid".into(), "email".into()],
        linking: Linking::Never,
        create_users: true,
        store_tokens: true,
        pkce: PkceMode::Auto,
        mapping: ClaimMapping::for_flavor(Flavor::Generic),
        overrides: EndpointOverrides::default(),
        native_client_ids: vec![],
    };
    let sealer = SecretSealer::new(&server.latchkey.master).unwrap();
    add_provider(server.store.as_ref(), &sealer, spec, START).await.unwrap();
}

/// Signs in through the upstream as `rp` with `scope`; our access token.
async fn our_access_token(server: &TestServer, rp: &Rp, scope: &str) -> String {
    let start = rp.authorize_url(&[("scope", scope), ("idp_hint", "acme")]);
    let (status, back, _) = follow(&mut Browser::new(server), &start).await;
    let back = back.unwrap_or_else(|| panic!("stopped with {status}"));
    let tokens: Value = rp.exchange(server, &query_of(&back)["code"]).await.json().await.unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn fetch(server: &TestServer, access_token: &str) -> reqwest::Response {
    server.http.get(server.url("/federation/acme/token")).bearer_auth(access_token).send().await.unwrap()
}

/// Whether the upstream's UserInfo accepts `token` as the upstream user's.
async fn upstream_accepts(issuer: &str, token: &str) -> bool {
    let response =
        reqwest::Client::new().get(format!("{issuer}/me")).bearer_auth(token).send().await.unwrap();
    response.status() == 200 && response.json::<Value>().await.unwrap()["sub"] == "upstream-user-1"
}

async fn kept_upstream_tokens_reach_confidential_clients_and_are_refreshed(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "acme", &[("UPSTREAM_ACCESS_TOKEN_TTL", "2")]).await else {
        return;
    };
    server.clock.set(SystemClock.now());
    add_keeping_provider(&server, &upstream.issuer).await;
    let backend = Rp::register_with(&server, ClientKind::Confidential, "openid upstream_token", |c| {
        c.require_consent = false;
    })
    .await;
    let ours = our_access_token(&server, &backend, "openid upstream_token").await;

    let response = fetch(&server, &ours).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let first: Value = response.json().await.unwrap();
    let first_token = first["access_token"].as_str().unwrap().to_owned();
    assert!(upstream_accepts(&upstream.issuer, &first_token).await);
    let stored = server.store.list_users().await.unwrap();
    let kept = server.store.upstream_tokens("acme", &stored[0].id).await.unwrap().unwrap();
    assert!(!kept.sealed_tokens.windows(first_token.len()).any(|w| w == first_token.as_bytes()), "sealed");

    // Expired upstream: refreshed there, and the new token works.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    server.clock.set(SystemClock.now());
    assert!(first["expires_in"].as_i64().unwrap() <= 2, "{first}");
    let refreshed: Value = fetch(&server, &ours).await.json().await.unwrap();
    let refreshed_token = refreshed["access_token"].as_str().unwrap();
    assert_ne!(refreshed_token, first_token);
    assert!(upstream_accepts(&upstream.issuer, refreshed_token).await);

    // Without the scope, or as a public client: refused.
    let without = our_access_token(&server, &backend, "openid").await;
    assert_eq!(fetch(&server, &without).await.status(), 403);
    let public = Rp::register_with(&server, ClientKind::Public, "openid upstream_token", |c| {
        c.require_consent = false;
    })
    .await;
    let public_token = our_access_token(&server, &public, "openid upstream_token").await;
    let refused = fetch(&server, &public_token).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.headers()["www-authenticate"].to_str().unwrap().contains("insufficient_scope"));
}
