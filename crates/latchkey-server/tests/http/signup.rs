//! Self-registration with e-mail verification over HTTP, with a real SMTP server
//! (docs/architecture.md, "Sign-up and e-mail verification"): no sign-in before the address
//! is verified (no pre-account takeover), the link works once, and the answer does not tell
//! whether the address already has an account.

use std::time::Duration;

use latchkey_store::testing::TestDatabase;
use reqwest::Response;

use crate::flow::{hidden, Browser};
use crate::recovery::submit_link_form;
use crate::smtp_sink::SmtpSink;
use crate::testkit::{test_config, TestServer, PASSWORD};

latchkey_store::on_both_backends!(
    a_new_account_signs_in_only_after_its_address_is_verified,
    the_answer_does_not_tell_whether_the_address_is_registered,
);

const CHOSEN: &str = "lanterns over the harbour";

async fn open(db: TestDatabase) -> (TestServer, SmtpSink, String) {
    let sink = SmtpSink::start().await;
    let config =
        latchkey_server::Config { smtp_url: Some(sink.url()), self_registration: true, ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    let app = server.with_app_and_alice().await;
    (server, sink, app)
}

async fn sign_up(server: &TestServer, email: &str, username: &str, password: &str) -> Response {
    let mut browser = Browser::new(server);
    let page = browser.get("/signup").await.text().await.unwrap();
    let form = [("csrf", hidden(&page, "csrf")), ("email", email.into()), ("username", username.into())];
    let mut fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fields.push(("password", password));
    browser.post("/signup", &fields, None).await
}

async fn follow(server: &TestServer, link: &str) -> Response {
    submit_link_form(server, link, "/verify-email", &[]).await
}

async fn a_new_account_signs_in_only_after_its_address_is_verified(db: TestDatabase) {
    let (server, mut sink, app) = open(db).await;
    let answer = sign_up(&server, "newbie@example.com", "newbie", CHOSEN).await;
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains("Check your e-mail"));
    assert_eq!(
        server.password_login(&app, "newbie", CHOSEN).await.status(),
        400,
        "no session before verification"
    );

    let mail = sink.next_mail().await;
    assert_eq!(
        (mail.to.as_slice(), mail.subject.as_str()),
        (&["newbie@example.com".to_owned()][..], "Latchkey: Verify your e-mail address")
    );
    let link = mail.link(&server.url("/verify-email?token="));
    let user = server.store.user_by_username("newbie").await.unwrap().unwrap();
    assert!(!user.email_verified && user.verification_required);

    assert_eq!(follow(&server, &link).await.status(), 200);
    let user = server.store.user_by_username("newbie").await.unwrap().unwrap();
    assert!(user.email_verified && !user.verification_required);
    assert_eq!(server.password_login(&app, "newbie", CHOSEN).await.status(), 200);
    assert_eq!(follow(&server, &link).await.status(), 400, "the link works once");

    let weak = sign_up(&server, "other@example.com", "", "password1").await;
    assert_eq!(weak.status(), 400);
    assert!(weak.text().await.unwrap().contains("most commonly used passwords"));
    let taken = sign_up(&server, "other@example.com", "newbie", CHOSEN).await;
    assert_eq!(taken.status(), 400, "usernames are public handles");
    let spaced = sign_up(&server, "other@example.com", "new bie", CHOSEN).await;
    assert_eq!(spaced.status(), 400);
    let spaced = spaced.text().await.unwrap();
    assert!(spaced.contains("the username contains whitespace or control characters"), "{spaced}");
}

async fn the_answer_does_not_tell_whether_the_address_is_registered(db: TestDatabase) {
    let (server, mut sink, app) = open(db).await;
    let registered = sign_up(&server, "alice@example.com", "", CHOSEN).await;
    let fresh = sign_up(&server, "fresh@example.com", "", CHOSEN).await;
    assert_eq!(registered.status(), fresh.status());
    assert_eq!(registered.bytes().await.unwrap(), fresh.bytes().await.unwrap());

    let mut mails = [sink.next_mail().await, sink.next_mail().await];
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails[0].to, ["alice@example.com"]);
    assert_eq!(mails[0].subject, "Latchkey: You already have an account", "the owner is told instead");
    assert_eq!(mails[1].subject, "Latchkey: Verify your e-mail address");
    assert!(sink.mail_within(Duration::from_secs(2)).await.is_none());
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200, "alice is untouched");
    assert_eq!(server.password_login(&app, "alice@example.com", CHOSEN).await.status(), 400);
}
