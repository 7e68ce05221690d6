//! Changing the e-mail address on the account page, with a real SMTP server
//! (docs/architecture.md, "Changing the e-mail address"): the current password is required,
//! the address changes only when the link sent to it is used (once), the old address is told
//! at the request and at the change, and the answer is the same when another account has the
//! address (whose owner is told instead; no link is sent).

use std::time::Duration;

use latchkey_store::testing::TestDatabase;
use reqwest::Response;

use crate::flow::{hidden, tokens_for_alice, Browser, Rp};
use crate::recovery::submit_link_form;
use crate::smtp_sink::SmtpSink;
use crate::testkit::{test_config, TestServer, PASSWORD};

latchkey_store::on_both_backends!(
    the_address_changes_only_through_the_link_and_the_old_one_is_told,
    an_address_of_another_account_gets_the_same_answer_and_no_link,
);

const LINK_PREFIX: &str = "/verify-email?token=";

/// A server mailing through a sink, and alice signed in at the hosted pages.
async fn signed_in(db: TestDatabase) -> (TestServer, SmtpSink, Browser) {
    let sink = SmtpSink::start().await;
    let config = latchkey_server::Config { smtp_url: Some(sink.url()), ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    server.with_app_and_alice().await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    tokens_for_alice(&server, &mut browser, &rp, &[]).await;
    (server, sink, browser)
}

async fn ask(browser: &mut Browser, new_email: &str, password: &str) -> Response {
    let page = browser.get("/account").await.text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let form = [("csrf", csrf.as_str()), ("new_email", new_email), ("current_password", password)];
    browser.post("/account/change-email", &form, None).await
}

async fn email_of(server: &TestServer, username: &str) -> (Option<String>, bool) {
    let user = server.store.user_by_username(username).await.unwrap().unwrap();
    (user.email, user.email_verified)
}

async fn the_address_changes_only_through_the_link_and_the_old_one_is_told(db: TestDatabase) {
    let (server, mut sink, mut browser) = signed_in(db).await;
    let wrong = ask(&mut browser, "alice@new.example", "not my password").await;
    assert_eq!(wrong.status(), 400);
    assert!(wrong.text().await.unwrap().contains("The current password is wrong."));
    assert!(sink.mail_within(Duration::from_secs(1)).await.is_none(), "nothing sent");

    let asked = ask(&mut browser, "alice@new.example", PASSWORD).await;
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.unwrap().contains("We sent a link to the new address."));
    let mut mails = [sink.next_mail().await, sink.next_mail().await];
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails[0].to, ["alice@example.com"]);
    assert_eq!(mails[0].subject, "Latchkey: A change of your e-mail address was requested");
    assert!(mails[0].text.contains("alice@new.example") && !mails[0].text.contains(LINK_PREFIX));
    assert_eq!(mails[1].to, ["alice@new.example"]);
    assert_eq!(mails[1].subject, "Latchkey: Confirm your new e-mail address");
    assert_eq!(email_of(&server, "alice").await, (Some("alice@example.com".into()), false), "not yet");

    let link = mails[1].link(&server.url(LINK_PREFIX));
    let done = submit_link_form(&server, &link, "/verify-email", &[]).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("alice@new.example"));
    assert_eq!(email_of(&server, "alice").await, (Some("alice@new.example".into()), true));
    let told = sink.next_mail().await;
    assert_eq!(
        (told.to.as_slice(), told.subject.as_str()),
        (&["alice@example.com".to_owned()][..], "Latchkey: Your e-mail address was changed")
    );
    assert_eq!(submit_link_form(&server, &link, "/verify-email", &[]).await.status(), 400, "used once");
    let events = server.store.audit_events(None, 50).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "email_changed"));
}

async fn an_address_of_another_account_gets_the_same_answer_and_no_link(db: TestDatabase) {
    let (server, mut sink, mut browser) = signed_in(db).await;
    server.add_user("bob", &[]).await;
    let taken = ask(&mut browser, "BOB@example.com", PASSWORD).await;
    let mut first = [sink.next_mail().await, sink.next_mail().await];
    let fresh = ask(&mut browser, "fresh@example.com", PASSWORD).await;
    let mut second = [sink.next_mail().await, sink.next_mail().await];
    assert_eq!(taken.status(), fresh.status());
    assert_eq!(taken.bytes().await.unwrap(), fresh.bytes().await.unwrap(), "byte for byte");

    first.sort_by(|a, b| a.to.cmp(&b.to));
    second.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(first[1].to, ["bob@example.com"]);
    assert_eq!(first[1].subject, "Latchkey: Someone tried to use your e-mail address", "the owner is told");
    assert!(!first[1].text.contains(LINK_PREFIX), "no link to take the address with");
    assert_eq!(first[0].to, ["alice@example.com"]);
    assert_eq!(first[0].subject, second[0].subject, "alice's old address is told the same");
    assert_eq!(second[1].to, ["fresh@example.com"]);
    assert!(sink.mail_within(Duration::from_secs(1)).await.is_none());
    assert_eq!(email_of(&server, "alice").await.0.as_deref(), Some("alice@example.com"));
    assert_eq!(email_of(&server, "bob").await.0.as_deref(), Some("bob@example.com"));
}
