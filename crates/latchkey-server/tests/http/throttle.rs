//! The sign-in throttle from the attacker's side (issue 9): the counts live in the shared
//! database, an IP that must wait is told so (429 with `Retry-After`) while an account that
//! must wait answers like a wrong password, a browser that signed in before is not kept out by
//! other people's guessing, correct logins never count, and `X-Forwarded-For` is believed from
//! trusted proxies only. The opt-in permanent lockout answers like a wrong password, known
//! device or not, until an admin unlocks the account.

use latchkey_core::clock::Clock;
use latchkey_server::admin;
use latchkey_server::throttle::{
    ACCOUNT_FREE_FAILURES, ACCOUNT_IP_FREE_FAILURES, IP_FREE_FAILURES, MAX_DELAY, WINDOW,
};
use latchkey_store::testing::TestDatabase;
use latchkey_store::{on_both_backends, ThrottleCount};
use reqwest::Response;

use crate::flow::{sign_in, Browser, Rp};
use crate::testkit::{assert_oauth_error, test_config, TestServer, PASSWORD};

on_both_backends!(
    password_grant_ip_limit_is_429_with_retry_after,
    concurrent_correct_logins_all_succeed,
    known_device_signs_in_while_the_account_is_under_attack,
    forwarded_for_is_believed_from_trusted_proxies_only,
    forwarded_for_from_an_untrusted_peer_is_ignored,
    permanent_lockout_answers_like_a_wrong_password_until_unlocked,
);

async fn password_login_from(
    server: &TestServer,
    app: &str,
    forwarded_for: &str,
    username: &str,
    password: &str,
) -> Response {
    let form =
        [("grant_type", "password"), ("client_id", app), ("username", username), ("password", password)];
    server
        .http
        .post(server.url("/token"))
        .header("x-forwarded-for", forwarded_for)
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn ip_failures(server: &TestServer, ip: &str) -> Vec<ThrottleCount> {
    server.store.throttle_counts(&[&format!("ip:{ip}")], server.clock.now()).await.unwrap()
}

async fn password_grant_ip_limit_is_429_with_retry_after(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let mut wrong = serde_json::Value::Null;
    for i in 0..IP_FREE_FAILURES {
        let response = server.password_login(&app, &format!("user{i}"), "guess").await;
        wrong = assert_oauth_error(response, 400, "invalid_grant").await;
    }
    let limited = server.password_login(&app, "alice", PASSWORD).await;
    assert_eq!(limited.status(), 429, "this IP guessed at too many accounts");
    let retry_after: i64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1);
    assert_eq!(limited.json::<serde_json::Value>().await.unwrap(), wrong, "the body of a wrong password");
    server.clock.advance(retry_after);
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200, "the wait is over");
}

async fn concurrent_correct_logins_all_succeed(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let logins = (0..20).map(|_| server.password_login(&app, "alice", PASSWORD));
    let statuses: Vec<u16> =
        futures::future::join_all(logins).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, vec![200; 20]);
    assert_eq!(server.store.throttle_counts(&["account:alice"], server.clock.now()).await.unwrap(), vec![]);
}

async fn known_device_signs_in_while_the_account_is_under_attack(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut device = Browser::new(&server);
    let login = device.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert_eq!(sign_in(&mut device, &login, "alice", PASSWORD).await.status(), 303);
    assert!(device.cookies.contains_key("latchkey_device"), "a successful sign-in remembers the browser");
    device.cookies.remove("latchkey_session");

    let mut attacker = Browser::new(&server);
    let page = attacker.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    for _ in 0..ACCOUNT_FREE_FAILURES {
        assert_eq!(sign_in(&mut attacker, &page, "alice", "guess").await.status(), 401);
    }
    let page = attacker.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert_eq!(sign_in(&mut attacker, &page, "alice", PASSWORD).await.status(), 401, "the account waits");

    let login = device.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert_eq!(
        sign_in(&mut device, &login, "alice", PASSWORD).await.status(),
        303,
        "the known device does not"
    );
    // A device cookie is for its own account only.
    server.add_user("bob", &[]).await;
    for _ in 0..ACCOUNT_IP_FREE_FAILURES {
        sign_in(&mut attacker, &page, "bob", "guess").await;
    }
    device.cookies.remove("latchkey_session");
    let login = device.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert_eq!(sign_in(&mut device, &login, "bob", PASSWORD).await.status(), 401);
}

async fn forwarded_for_is_believed_from_trusted_proxies_only(db: TestDatabase) {
    let config =
        latchkey_server::Config { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    let app = server.with_app_and_alice().await;
    // Behind a trusted proxy, each client is its own IP: the right-most untrusted hop.
    for i in 0..ACCOUNT_FREE_FAILURES {
        let chain = format!("198.51.100.1, 203.0.113.{i}");
        assert_eq!(password_login_from(&server, &app, &chain, "alice", "guess").await.status(), 400);
    }
    assert_eq!(ip_failures(&server, "203.0.113.0").await.len(), 1);
    assert_eq!(ip_failures(&server, "198.51.100.1").await, vec![], "a hop the client wrote");
    assert_eq!(ip_failures(&server, "127.0.0.1").await, vec![], "the proxy itself");
    // The account waits for everyone after its free failures from many addresses.
    let response = password_login_from(&server, &app, "203.0.113.200", "alice", PASSWORD).await;
    assert_oauth_error(response, 400, "invalid_grant").await;
    drop(server);
}

/// From an untrusted peer, a forged X-Forwarded-For changes nothing: the peer is the IP.
async fn forwarded_for_from_an_untrusted_peer_is_ignored(server: TestServer) {
    let app = server.with_app_and_alice().await;
    for i in 0..IP_FREE_FAILURES {
        let forged = format!("203.0.113.{i}");
        assert_eq!(
            password_login_from(&server, &app, &forged, &format!("user{i}"), "guess").await.status(),
            400
        );
    }
    assert_eq!(password_login_from(&server, &app, "203.0.113.250", "alice", PASSWORD).await.status(), 429);
    assert_eq!(ip_failures(&server, "203.0.113.0").await, vec![]);
    assert_eq!(ip_failures(&server, "127.0.0.1").await[0].failures, i64::from(IP_FREE_FAILURES));
}

async fn audit_kinds(server: &TestServer) -> Vec<String> {
    let events = server.store.audit_events(None, 100).await.unwrap();
    events.into_iter().rev().map(|event| event.kind).collect()
}

/// `lockout_after_failures = 3`: the third consecutive wrong password locks alice for good
/// (until `latchkey users unlock`); her right password is then answered with the very body of a
/// wrong one, after the same verify (the audit trail tells the two apart, so the password was
/// checked), also from a browser that signed in before and after the throttle's window.
async fn permanent_lockout_answers_like_a_wrong_password_until_unlocked(db: TestDatabase) {
    let config = latchkey_server::Config { lockout_after_failures: 3, ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    let alice = server.add_user("alice", &[]).await;
    let app = server.with_app_and_alice_client().await;
    let rp = Rp::register(&server, "openid").await;
    let mut device = Browser::new(&server);
    let login = device.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert_eq!(sign_in(&mut device, &login, "alice", PASSWORD).await.status(), 303);
    device.cookies.remove("latchkey_session");

    // Consecutive: a success in between starts the count again.
    for password in ["guess", "guess", PASSWORD, "guess", "guess"] {
        server.password_login(&app, "alice", password).await;
    }
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200, "not locked yet");
    let mut wrong = serde_json::Value::Null;
    for _ in 0..3 {
        wrong = assert_oauth_error(server.password_login(&app, "alice", "guess").await, 400, "invalid_grant")
            .await;
    }
    let locked = server.password_login(&app, "alice", PASSWORD).await;
    assert_eq!(assert_oauth_error(locked, 400, "invalid_grant").await, wrong, "exactly a wrong password");

    server.clock.advance(WINDOW + MAX_DELAY);
    let later = server.password_login(&app, "alice", PASSWORD).await;
    assert_eq!(assert_oauth_error(later, 400, "invalid_grant").await, wrong, "a lock does not wear off");
    let login = device.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert_eq!(sign_in(&mut device, &login, "alice", PASSWORD).await.status(), 401, "nor for a known device");

    let kinds = audit_kinds(&server).await;
    assert_eq!(kinds.iter().filter(|kind| *kind == "account_locked").count(), 1, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|kind| *kind == "authentication_refused_locked").count(), 3, "{kinds:?}");

    assert!(admin::unlock_user(server.store.as_ref(), &alice, server.clock.now()).await.unwrap());
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200, "unlocked");
    assert_eq!(audit_kinds(&server).await.iter().filter(|kind| *kind == "account_unlocked").count(), 1);
}
