//! What the MFA tests share: a user's authenticator app (the secret read off the enrolment
//! page, as a person would type it in), and the hosted pages driven through the second
//! factor.

use std::collections::HashMap;

use latchkey_core::clock::Clock;
use latchkey_crypto::totp::TotpSecret;
use zeroize::Zeroizing;

use crate::flow::{answer_consent, hidden, location, query_of, sign_in, Browser, Rp, REDIRECT_URI};
use crate::testkit::{TestServer, PASSWORD};

/// RFC 4648 base32 (no padding), as authenticator apps read the key.
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes().filter(|c| *c != b'=') {
        let index = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase()).expect("base32");
        value = (value << 5) | u32::try_from(index).unwrap();
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((value >> bits) & 0xff).unwrap());
        }
    }
    out
}

/// The text of the element with `id` in a page.
pub fn element_text(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no #{id} in page: {html}")) + marker.len();
    html[start..start + html[start..].find('<').unwrap()].to_owned()
}

/// The authenticator app set up from an enrolment page.
pub fn app_from(enrolment_page: &str) -> TotpSecret {
    TotpSecret::from_bytes(Zeroizing::new(base32_decode(&element_text(enrolment_page, "totp-secret"))))
}

/// The recovery codes listed on a page.
pub fn recovery_codes_of(html: &str) -> Vec<String> {
    let list = &html[html.find("id=\"recovery-codes\"").expect("recovery codes")..];
    let list = &list[..list.find("</ul>").unwrap()];
    list.split("<code>").skip(1).map(|item| item[..item.find('<').unwrap()].to_owned()).collect()
}

/// Posts `code` on a second-factor or enrolment page that was just shown.
pub async fn post_code(browser: &mut Browser, page: &str, code: &str) -> reqwest::Response {
    let action = if page.contains("action=\"/login/enrol-totp\"") {
        "/login/enrol-totp"
    } else {
        "/login/second-factor"
    };
    let (interaction, csrf) = (hidden(page, "interaction"), hidden(page, "csrf"));
    browser.post(action, &[("interaction", &interaction), ("csrf", &csrf), ("code", code)], None).await
}

/// Runs the browser side as alice through every page, the second factor included (enrolling
/// into `app` when asked, else answering with its current code). Returns the final redirect's
/// query and the recovery codes if an enrolment showed some.
pub async fn authorize_with_mfa(
    server: &TestServer,
    browser: &mut Browser,
    rp: &Rp,
    extra: &[(&str, &str)],
    app: &mut Option<TotpSecret>,
) -> (HashMap<String, String>, Vec<String>) {
    let mut response = browser.get(&rp.authorize_url(extra)).await;
    let mut codes = Vec::new();
    loop {
        if response.status() == 303 {
            let next = location(&response);
            if next.starts_with(REDIRECT_URI) {
                return (query_of(&next), codes);
            }
            response = browser.get(&next).await;
            continue;
        }
        assert_eq!(response.status(), 200, "unexpected page");
        let html = response.text().await.unwrap();
        let now = server.clock.now();
        response = if html.contains("action=\"/login\"") {
            sign_in(browser, &html, "alice", PASSWORD).await
        } else if html.contains("action=\"/consent\"") {
            answer_consent(browser, &html, "allow").await
        } else if html.contains("action=\"/login/enrol-totp\"") {
            let new_app = app_from(&html);
            let code = new_app.code_at(now);
            *app = Some(new_app);
            post_code(browser, &html, &code).await
        } else if html.contains("action=\"/login/second-factor\"") {
            post_code(browser, &html, &app.as_ref().expect("an enrolled app").code_at(now)).await
        } else if html.contains("id=\"recovery-codes\"") {
            codes = recovery_codes_of(&html);
            let start = html.find("class=\"provider\" href=\"").unwrap() + 23;
            let href = html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&");
            browser.get(&href).await
        } else {
            panic!("unexpected page: {html}");
        };
    }
}
