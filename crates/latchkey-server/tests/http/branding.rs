//! Branding and languages over HTTP (docs/architecture.md, "Branding and languages"): the
//! configured name, logo and accent colour on the pages and in the e-mails, a policy whose
//! style hash is the one of the stylesheet actually served, hostile settings refused at
//! start, and the language chosen by `Accept-Language` with English as the fallback (on the
//! second-factor pages too).

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::clock::ManualClock;
use latchkey_crypto::digest::sha256;
use latchkey_server::testing::TestLatchkey;
use latchkey_server::Config;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{SqlStore, Store};

use crate::flow::{authorize_as_alice, hidden, Browser, Rp};
use crate::recovery::request_link;
use crate::smtp_sink::SmtpSink;
use crate::testkit::{test_config, TestServer, START};

latchkey_store::on_both_backends!(
    pages_show_the_brand_and_the_policy_allows_exactly_their_style_and_logo,
    emails_carry_the_brand_name,
    hostile_branding_is_refused_at_start,
    the_language_follows_accept_language_with_english_as_fallback,
);

const HOSTILE_NAME: &str = "\"><script>alert(1)</script>";

fn branded() -> Config {
    Config {
        brand_name: HOSTILE_NAME.to_owned(),
        brand_logo_url: Some("https://cdn.example.com/acme/logo.png".to_owned()),
        brand_accent: "#C0FFEE".to_owned(),
        self_registration: true,
        ..test_config()
    }
}

/// The page at `path`, with its Content-Security-Policy.
async fn page(server: &TestServer, path: &str, language: &str) -> (String, String) {
    let response =
        server.http.get(server.url(path)).header("accept-language", language).send().await.unwrap();
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    (response.text().await.unwrap(), csp)
}

async fn pages_show_the_brand_and_the_policy_allows_exactly_their_style_and_logo(db: TestDatabase) {
    let server = TestServer::start_on(db, None, branded()).await;
    for path in ["/forgot-password", "/signup", "/account"] {
        let (html, csp) = page(&server, path, "en").await;
        assert!(html.contains("<img src=\"https://cdn.example.com/acme/logo.png\" alt=\"\">"), "{html}");
        assert!(html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), "name escaped: {html}");
        assert!(!html.contains("<script>"), "{html}");
        let style = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
        assert!(style.contains("background:#c0ffee") && !style.contains("#2563eb"), "{style}");
        let hash = STANDARD.encode(sha256(style.as_bytes()));
        assert!(csp.contains(&format!("style-src 'sha256-{hash}';")), "{csp}");
        assert!(csp.contains("img-src 'self' https://cdn.example.com;"), "only the logo's origin: {csp}");
    }
}

async fn emails_carry_the_brand_name(db: TestDatabase) {
    let mut sink = SmtpSink::start().await;
    let config = Config { smtp_url: Some(sink.url()), brand_name: "Acme Bank".to_owned(), ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    server.with_app_and_alice().await;
    assert_eq!(request_link(&server, "alice@example.com").await.status(), 200);
    let mail = sink.next_mail().await;
    assert_eq!(mail.subject, "Acme Bank: Reset your password");
    assert!(
        mail.text.contains("your Acme Bank account") && mail.text.trim_end().ends_with("— Acme Bank"),
        "{}",
        mail.text
    );
}

async fn hostile_branding_is_refused_at_start(db: TestDatabase) {
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let hostile = [
        ("brand_accent", Config { brand_accent: "red;}body{display:none".into(), ..test_config() }),
        ("brand_accent", Config { brand_accent: "#fff;background:url(x)".into(), ..test_config() }),
        ("brand_logo_url", Config { brand_logo_url: Some("javascript:alert(1)".into()), ..test_config() }),
        (
            "brand_logo_url",
            Config { brand_logo_url: Some("http://cdn.example.com/l.png".into()), ..test_config() },
        ),
        (
            "brand_logo_url",
            Config { brand_logo_url: Some("https://a;b.example.com/l.png".into()), ..test_config() },
        ),
        ("brand_name", Config { brand_name: "Acme\r\nBcc: all@example.com".into(), ..test_config() }),
    ];
    for (setting, config) in hostile {
        let clock = Arc::new(ManualClock::new(START));
        let refused = TestLatchkey::start(store.clone(), clock, config).await.err().expect("refused");
        assert!(refused.to_string().contains(setting), "{setting}: {refused}");
    }
}

async fn the_language_follows_accept_language_with_english_as_fallback(db: TestDatabase) {
    let messages = tempfile::tempdir().unwrap();
    std::fs::create_dir(messages.path().join("fr")).unwrap();
    std::fs::write(
        messages.path().join("fr/pages.ftl"),
        "forgot-title = Mot de passe oublié ?\nforgot-submit = Envoyer le lien\n\
         mfa-title = Validation en deux étapes\n",
    )
    .unwrap();
    std::fs::write(
        messages.path().join("fr/mail.ftl"),
        "mail-reset-subject = { $brand } : nouveau mot de passe\n",
    )
    .unwrap();
    let mut sink = SmtpSink::start().await;
    let config = Config {
        smtp_url: Some(sink.url()),
        messages_dir: Some(messages.path().to_owned()),
        ..test_config()
    };
    let server = TestServer::start_on(db, None, config).await;
    server.with_app_and_alice().await;

    let (french, _) = page(&server, "/forgot-password", "de;q=0.2, fr-CA;q=0.9, it;q=0").await;
    assert!(
        french.contains("<html lang=\"fr\">") && french.contains("<h1>Mot de passe oublié ?</h1>"),
        "{french}"
    );
    assert!(french.contains(">Envoyer le lien</button>"), "{french}");
    assert!(french.contains("Enter the e-mail address of your account."), "untranslated: English: {french}");
    let (german, _) = page(&server, "/forgot-password", "de").await;
    assert!(
        german.contains("<html lang=\"en\">") && german.contains("<h1>Forgot your password?</h1>"),
        "{german}"
    );

    let mut browser = Browser::new(&server);
    let form = browser.get("/forgot-password").await.text().await.unwrap();
    let csrf = hidden(&form, "csrf");
    let fields = [("csrf", csrf.as_str()), ("email", "alice@example.com")];
    let sent = browser.post_with("/forgot-password", &fields, None, &[("accept-language", "fr")]).await;
    assert_eq!(sent.status(), 200);
    assert_eq!(sink.next_mail().await.subject, "Latchkey : nouveau mot de passe", "the e-mail in French");

    // The second-factor section of the account page, from the catalogue too.
    let rp = Rp::register(&server, "openid").await;
    authorize_as_alice(&mut browser, &rp, &[]).await;
    let csrf = hidden(&browser.get("/account").await.text().await.unwrap(), "csrf");
    let enrolment = browser
        .post_with("/account/totp/begin", &[("csrf", &csrf)], None, &[("accept-language", "fr")])
        .await;
    let enrolment = enrolment.text().await.unwrap();
    assert!(enrolment.contains("<h2>Validation en deux étapes</h2>"), "{enrolment}");
    assert!(
        enrolment.contains("Scan this code with an authenticator app"),
        "untranslated: English: {enrolment}"
    );
}
