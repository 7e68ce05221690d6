//! Federation over real HTTP: Latchkey signs users in through a real OpenID Connect provider
//! (panva's oidc-provider, `e2e/upstream-provider.mjs`, started per test), on both backends,
//! then issues its own tokens (`sub` the local user, `amr` `["fed"]`, `idp` the provider).
//! Also: a replayed callback, a callback from another browser, a user declining upstream,
//! and an upstream that is down — each refused with a page or a redirect, never a 500,
//! never a second user.

use std::process::Stdio;

use latchkey_core::federation_linking::Linking;
use latchkey_server::federation::mapping::ClaimMapping;
use latchkey_server::federation::providers::{add_provider, ProviderSpec, SecretSealer};
use latchkey_server::federation::upstream::{EndpointOverrides, Flavor, PkceMode, ProviderKind};
use latchkey_store::testing::skip_unless_required;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use zeroize::Zeroizing;

use crate::flow::{location, query_of, Browser, Rp, REDIRECT_URI};
use crate::testkit::{TestServer, START};

latchkey_store::on_both_backends!(
    a_federated_login_creates_one_user_and_issues_our_tokens,
    a_replayed_or_foreign_callback_is_refused,
    a_user_who_declines_upstream_goes_back_to_the_client,
    an_unreachable_upstream_is_a_page_not_a_500,
    a_form_post_callback_comes_back_as_a_get,
);

const CLIENT_ID: &str = "latchkey";
const CLIENT_SECRET: &str = "upstream-client-secret-for-tests";

/// The upstream provider process; stops when dropped.
pub struct Upstream {
    pub issuer: String,
    _child: tokio::process::Child,
    /// Kept open: the provider logs to its stdout.
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Upstream {
    pub async fn start(server: &TestServer, name: &str, extra: &[(&str, &str)]) -> Option<Self> {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
        if !dir.join("node_modules/oidc-provider").exists() {
            skip_unless_required("missing e2e/node_modules/oidc-provider (run `npm ci --prefix e2e`)");
            return None;
        }
        let mut command = tokio::process::Command::new("node");
        command
            .arg("upstream-provider.mjs")
            .current_dir(dir)
            .env("UPSTREAM_CLIENT_ID", CLIENT_ID)
            .env("UPSTREAM_CLIENT_SECRET", CLIENT_SECRET)
            .env("UPSTREAM_REDIRECT_URI", format!("{}/federation/{name}/callback", server.issuer))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in extra {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("cannot start node");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next_line().await.unwrap().expect("the upstream provider did not start");
        let ready: Value = serde_json::from_str(&line).unwrap();
        Some(Self { issuer: ready["issuer"].as_str().unwrap().to_owned(), _child: child, _stdout: lines })
    }
}

pub async fn add_upstream(server: &TestServer, name: &str, issuer: &str, linking: Linking) {
    add_upstream_with(server, name, issuer, linking, true).await;
}

pub async fn add_upstream_with(
    server: &TestServer,
    name: &str,
    issuer: &str,
    linking: Linking,
    create_users: bool,
) {
    add(server, name, issuer, linking, create_users, (CLIENT_ID, CLIENT_SECRET)).await;
}

/// The provider of `tests/federation_upstream/hostile.rs`, as `hostile`.
pub async fn add_upstream_hostile(server: &TestServer, issuer: &str, linking: Linking) {
    use crate::hostile::{CLIENT_ID as HOSTILE_ID, CLIENT_SECRET as HOSTILE_SECRET};
    add(server, "hostile", issuer, linking, true, (HOSTILE_ID, HOSTILE_SECRET)).await;
}

async fn add(
    server: &TestServer,
    name: &str,
    issuer: &str,
    linking: Linking,
    create_users: bool,
    (client_id, client_secret): (&str, &str),
) {
    let spec = ProviderSpec {
        name: name.into(),
        kind: ProviderKind::Oidc { issuer: issuer.into() },
        flavor: Flavor::Generic,
        client_id: client_id.into(),
        client_secret: Zeroizing::new(client_secret.into()),
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        linking,
        create_users,
        store_tokens: false,
        pkce: PkceMode::Auto,
        mapping: ClaimMapping::for_flavor(Flavor::Generic),
        overrides: EndpointOverrides::default(),
        native_client_ids: vec![],
    };
    let sealer = SecretSealer::new(&server.latchkey.master).unwrap();
    add_provider(server.store.as_ref(), &sealer, spec, START).await.unwrap();
}

/// Where [`follow`] stopped.
pub struct Stop {
    pub status: u16,
    /// The redirect to the client, when reached.
    pub back: Option<String>,
    /// The callback URL Latchkey was (or, with `stop_at_callback`, is about to be) called at.
    pub callback: Option<String>,
    /// The page shown, when one was.
    pub body: String,
}

/// Follows redirects from `url` (Latchkey and the upstream, one cookie jar) until the browser
/// is sent to the client's redirect URI or a page is shown (or, with `stop_at_callback`,
/// until it is about to call Latchkey's callback).
pub async fn follow_until(browser: &mut Browser, url: &str, stop_at_callback: bool) -> Stop {
    let mut url = url.to_owned();
    let mut callback = None;
    for _ in 0..20 {
        if url.contains("/federation/") && url.contains("/callback") {
            callback = Some(url.clone());
            if stop_at_callback {
                return Stop { status: 0, back: None, callback, body: String::new() };
            }
        }
        let response = browser.get(&url).await;
        let status = response.status().as_u16();
        if !(300..400).contains(&status) {
            return Stop { status, back: None, callback, body: response.text().await.unwrap() };
        }
        let next = location(&response);
        let next = if next.starts_with('/') && !url.starts_with(&browser.base) {
            let origin = url::Url::parse(&url).unwrap();
            format!("{}{next}", origin.origin().ascii_serialization())
        } else {
            next
        };
        if next.starts_with(REDIRECT_URI) {
            return Stop { status, back: Some(next), callback, body: String::new() };
        }
        url = next;
    }
    panic!("too many redirects");
}

/// [`follow_until`] the client or a page: (status, the redirect to the client, the callback).
pub async fn follow(browser: &mut Browser, url: &str) -> (u16, Option<String>, Option<String>) {
    let stop = follow_until(browser, url, false).await;
    (stop.status, stop.back, stop.callback)
}

pub fn payload(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn a_federated_login_creates_one_user_and_issues_our_tokens(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "acme", &[]).await else { return };
    server.clock.set(latchkey_core::clock::Clock::now(&latchkey_core::clock::SystemClock));
    add_upstream(&server, "acme", &upstream.issuer, Linking::Never).await;
    let rp =
        Rp::register_with(&server, latchkey_core::client::ClientKind::Public, "openid email profile", |c| {
            c.require_consent = false;
        })
        .await;

    // The login page offers the provider.
    let mut browser = Browser::new(&server);
    let page = browser.get(&rp.authorize_url(&[("scope", "openid email"), ("state", "s1")])).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("Continue with acme") && html.contains("name=\"password\""), "{html}");
    let (interaction, csrf) = (crate::flow::hidden(&html, "interaction"), crate::flow::hidden(&html, "csrf"));

    // A client that offers only its providers: no password form, and its login post refused.
    server.store.set_client_password_login(&rp.client_id, false).await.unwrap();
    let page = browser.get(&rp.authorize_url(&[("scope", "openid email"), ("state", "s1")])).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("Continue with acme") && !html.contains("name=\"password\""), "{html}");
    let form = [("interaction", interaction.as_str()), ("csrf", &csrf), ("username", "u"), ("password", "p")];
    assert_eq!(browser.post("/login", &form, None).await.status(), 403);
    server.store.set_client_password_login(&rp.client_id, true).await.unwrap();
    assert_eq!(browser.post("/login", &form, None).await.status(), 401, "the same post, password allowed");

    let mut subjects = Vec::new();
    for round in 0..2 {
        let mut browser = Browser::new(&server);
        let start = rp.authorize_url(&[
            ("scope", "openid email profile"),
            ("state", "s1"),
            ("nonce", "n1"),
            ("idp_hint", "acme"),
        ]);
        let (status, back, _) = follow(&mut browser, &start).await;
        let back = back.unwrap_or_else(|| panic!("round {round}: stopped with {status}"));
        let query = query_of(&back);
        assert_eq!((query["state"].as_str(), query["iss"].as_str()), ("s1", server.issuer.as_str()));
        let tokens: Value = rp.exchange(&server, &query["code"]).await.json().await.unwrap();
        let id_token = payload(tokens["id_token"].as_str().unwrap());
        let access = payload(tokens["access_token"].as_str().unwrap());
        for claims in [&id_token, &access] {
            assert_eq!(claims["amr"], serde_json::json!(["fed"]), "{claims}");
            assert_eq!(claims["idp"], "acme");
            assert_ne!(claims["sub"], "upstream-user-1", "sub is the local user, not the upstream's");
        }
        assert_eq!(id_token["nonce"], "n1");
        let info = userinfo_of(&server, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(
            (info["email"].as_str(), &info["email_verified"]),
            (Some("alice@example.com"), &Value::Bool(true))
        );
        assert_eq!(
            (info["name"].as_str(), info["sub"].as_str()),
            (Some("Alice Upstream"), id_token["sub"].as_str()),
            "round {round}: {info}"
        );
        subjects.push(id_token["sub"].as_str().unwrap().to_owned());
    }
    assert_eq!(subjects[0], subjects[1], "the second login finds the same user");
    let user = server.store.user_by_id(&subjects[0]).await.unwrap().unwrap();
    assert_eq!((user.email.as_deref(), user.email_verified), (Some("alice@example.com"), true));
    assert_eq!(user.profile["name"], "Alice Upstream");
    assert_eq!(server.store.list_users().await.unwrap().len(), 1);
}

/// The normalized profile reaches the relying party through UserInfo.
async fn userinfo_of(server: &TestServer, access_token: &str) -> Value {
    let response = server.http.get(server.url("/userinfo")).bearer_auth(access_token).send().await.unwrap();
    response.json().await.unwrap()
}

async fn a_replayed_or_foreign_callback_is_refused(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "acme", &[]).await else { return };
    server.clock.set(latchkey_core::clock::Clock::now(&latchkey_core::clock::SystemClock));
    add_upstream(&server, "acme", &upstream.issuer, Linking::Never).await;
    let rp = Rp::register_with(&server, latchkey_core::client::ClientKind::Public, "openid", |c| {
        c.require_consent = false;
    })
    .await;
    let mut browser = Browser::new(&server);
    let start = rp.authorize_url(&[("scope", "openid"), ("state", "s1"), ("idp_hint", "acme")]);
    let (_, back, callback) = follow(&mut browser, &start).await;
    assert!(back.is_some());
    let callback = callback.unwrap();

    // The same callback again: the flow was used.
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status(), 400);
    // Another browser with a fresh flow's state but not its cookie.
    let mut other = Browser::new(&server);
    let mut attacker = Browser::new(&server);
    let first = attacker.get(&start).await;
    let upstream_url = location(&first);
    let state = query_of(&upstream_url)["state"].clone();
    let forged = format!("/federation/acme/callback?state={state}&code=x");
    assert_eq!(other.get(&forged).await.status(), 400);
    let audit = server.store.audit_events(None, 50).await.unwrap();
    let reasons: Vec<String> =
        audit.iter().filter(|e| e.kind == "federation_failed").filter_map(|e| e.detail.clone()).collect();
    assert!(reasons.iter().any(|r| r.contains("reason=replayed")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("reason=state_mismatch")), "{reasons:?}");
    assert_eq!(server.store.list_users().await.unwrap().len(), 1, "one user, from the first callback");

    // The janitor purges flows a day after they expired (kept that long to recognise replays).
    use base64::Engine;
    let state_hash = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(latchkey_crypto::digest::sha256(state.as_bytes()));
    assert!(server.store.federation_flow(&state_hash).await.unwrap().is_some());
    let now = latchkey_core::clock::Clock::now(server.clock.as_ref());
    latchkey_server::janitor::sweep(server.store.as_ref(), now + 599 + 24 * 3600).await.unwrap();
    assert!(server.store.federation_flow(&state_hash).await.unwrap().is_some(), "kept a day");
    latchkey_server::janitor::sweep(server.store.as_ref(), now + 600 + 24 * 3600).await.unwrap();
    assert!(server.store.federation_flow(&state_hash).await.unwrap().is_none());
}

async fn a_user_who_declines_upstream_goes_back_to_the_client(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "acme", &[("UPSTREAM_DENY", "1")]).await else { return };
    server.clock.set(latchkey_core::clock::Clock::now(&latchkey_core::clock::SystemClock));
    add_upstream(&server, "acme", &upstream.issuer, Linking::Never).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let start = rp.authorize_url(&[("scope", "openid"), ("state", "s9"), ("idp_hint", "acme")]);
    let (_, back, _) = follow(&mut browser, &start).await;
    let query = query_of(&back.expect("an error redirect to the client"));
    assert_eq!((query["error"].as_str(), query["state"].as_str()), ("access_denied", "s9"));
    let audit = server.store.audit_events(None, 10).await.unwrap();
    assert!(
        audit.iter().any(|e| e.detail.as_deref() == Some("provider=acme reason=access_denied")),
        "{audit:?}"
    );
    assert!(server.store.list_users().await.unwrap().is_empty());
}

async fn an_unreachable_upstream_is_a_page_not_a_500(server: TestServer) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    add_upstream(&server, "acme", &issuer, Linking::Never).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let response = browser.get(&rp.authorize_url(&[("scope", "openid"), ("idp_hint", "acme")])).await;
    assert_eq!(response.status(), 502);
    assert!(response.text().await.unwrap().contains("could not be reached"));
    let unknown = browser.get(&rp.authorize_url(&[("scope", "openid"), ("idp_hint", "nope")])).await;
    assert_eq!(unknown.status(), 400);
}

/// Apple posts its callback cross-site, without SameSite=Lax cookies: Latchkey answers with a
/// 303 to the same callback as a GET (which carries them), the known parameters only, and
/// signs nobody in on the POST itself.
async fn a_form_post_callback_comes_back_as_a_get(server: TestServer) {
    let mut browser = Browser::new(&server);
    let form = [("state", "st&te"), ("code", "c0de"), ("user", "{\"name\":{}}"), ("evil", "x")];
    let response = browser.post("/federation/acme/callback", &form, Some("https://appleid.apple.com")).await;
    assert_eq!(response.status(), 303);
    let next = location(&response);
    assert!(next.starts_with("/federation/acme/callback?"), "{next}");
    let query = query_of(&next);
    assert_eq!((query["state"].as_str(), query["code"].as_str()), ("st&te", "c0de"));
    assert!(query.contains_key("user") && !query.contains_key("evil"));
    assert!(browser.cookies.keys().all(|name| !name.contains("session")), "nobody signed in");
    // The GET finds no flow for that state: a page, and an audit event.
    assert_eq!(browser.get(&next).await.status(), 400);
}
