//! Per-client sign-up settings (docs/architecture.md, "Sign-up and e-mail verification"): a
//! client may offer sign-up on its login page while the server's `self_registration` is off,
//! or refuse it while it is on; a client with `require_verified_email` refuses users whose
//! address is not verified, at the hosted login and at the password grant.

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{ClientSignup, UserUpdate};

use crate::flow::{sign_in, Browser, Rp};
use crate::testkit::{assert_oauth_error, test_config, TestServer, PASSWORD};

latchkey_store::on_both_backends!(
    a_client_offers_or_refuses_sign_up_whatever_the_server_default,
    a_client_that_requires_verified_addresses_refuses_unverified_users,
);

fn signup(self_registration: Option<bool>) -> impl FnOnce(&mut latchkey_store::NewClient) {
    move |spec| spec.signup = ClientSignup { self_registration, require_verified_email: false }
}

async fn status(server: &TestServer, path: &str) -> u16 {
    server.http.get(server.url(path)).send().await.unwrap().status().as_u16()
}

async fn a_client_offers_or_refuses_sign_up_whatever_the_server_default(db: TestDatabase) {
    let server = TestServer::start_on(db, None, test_config()).await;
    let offers = Rp::register_with(&server, ClientKind::Public, "openid", signup(Some(true))).await;
    let follows = Rp::register_with(&server, ClientKind::Public, "openid", signup(None)).await;
    assert_eq!(status(&server, "/signup").await, 404, "the server's self_registration is off");
    let path = format!("/signup?client_id={}", offers.client_id);
    assert_eq!(status(&server, &path).await, 200, "this client offers it");
    assert_eq!(status(&server, &format!("/signup?client_id={}", follows.client_id)).await, 404);
    assert_eq!(status(&server, "/signup?client_id=nobody").await, 404);

    let mut browser = Browser::new(&server);
    let login = browser.get(&offers.authorize_url(&[])).await.text().await.unwrap();
    assert!(login.contains(&format!("href=\"{path}\"")), "{login}");
    let mut other = Browser::new(&server);
    let login = other.get(&follows.authorize_url(&[])).await.text().await.unwrap();
    assert!(!login.contains("Create an account"), "{login}");
}

async fn a_client_that_requires_verified_addresses_refuses_unverified_users(db: TestDatabase) {
    let server = TestServer::start_on(db, None, test_config()).await;
    let alice = server.add_user("alice", &[]).await;
    let strict = |spec: &mut latchkey_store::NewClient| spec.signup.require_verified_email = true;
    let rp = Rp::register_with(&server, ClientKind::Public, "openid", strict).await;
    let (app, _) = server.add_client_with(ClientKind::Public, &[GrantType::Password], "openid", strict).await;

    assert_oauth_error(server.password_login(&app, "alice", PASSWORD).await, 400, "invalid_grant").await;
    let mut browser = Browser::new(&server);
    let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    let refused = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    let refused = browser.get(&crate::flow::location(&refused)).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("accepts only verified e-mail addresses"));

    let vouched = UserUpdate {
        id: alice.id.clone(),
        expected_version: alice.version,
        email: alice.email.clone(),
        email_verified: true,
        roles: alice.roles.clone(),
    };
    server.store.update_user(&vouched, 0).await.unwrap().unwrap();
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200);
}
