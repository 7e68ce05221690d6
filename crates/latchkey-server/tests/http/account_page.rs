//! The account page over HTTP (docs/architecture.md, "The account page"): behind the browser
//! session, it lists the user's application sessions and ends one, and changes the password
//! with the current one, ending every other session.

use latchkey_core::clock::Clock;

use crate::flow::{hidden, tokens_for_alice, Browser, Rp};
use crate::testkit::{assert_oauth_error, TestServer, PASSWORD};

latchkey_store::on_both_backends!(the_account_page_ends_a_session_and_changes_the_password);

async fn the_account_page_ends_a_session_and_changes_the_password(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let rp = Rp::register(&server, "openid offline_access").await;
    let mut browser = Browser::new(&server);
    let web = tokens_for_alice(&server, &mut browser, &rp, &[]).await;
    let phone = server.login_alice(&app).await;
    assert_eq!(server.http.get(server.url("/account")).send().await.unwrap().status(), 401, "not signed in");

    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Username: <strong>alice</strong>"), "{page}");
    assert_eq!(page.matches("End this session").count(), 2, "{page}");
    let csrf = hidden(&page, "csrf");
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    let sessions = server.store.list_live_sessions(Some(&alice.id), server.clock.now()).await.unwrap();
    let phone_session = sessions.iter().find(|s| s.client_id == app).unwrap().id.clone();

    let ended =
        browser.post("/account/end-session", &[("csrf", &csrf), ("session", &phone_session)], None).await;
    assert_eq!(ended.status(), 200);
    assert!(ended.text().await.unwrap().contains("The session was ended."));
    assert_oauth_error(
        server.refresh(&app, phone["refresh_token"].as_str().unwrap()).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        server.refresh(&rp.client_id, web["refresh_token"].as_str().unwrap()).await.status(),
        200,
        "the other stays"
    );

    let change = |current: &'static str, new: &'static str| {
        [("csrf", csrf.clone()), ("current_password", current.into()), ("new_password", new.into())]
    };
    let wrong = change("not my password", "lanterns over the harbour");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = browser.post("/account/change-password", &wrong, None).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("The current password is wrong."));

    let good = change(PASSWORD, "lanterns over the harbour");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let changed = browser.post("/account/change-password", &good, None).await;
    assert_eq!(changed.status(), 200);
    assert!(changed.text().await.unwrap().contains("Your password was changed"));
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 400);
    assert_eq!(server.password_login(&app, "alice", "lanterns over the harbour").await.status(), 200);
    assert_eq!(browser.get("/account").await.status(), 200, "this browser stays signed in");
}
