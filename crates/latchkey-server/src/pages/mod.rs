//! The hosted pages: login, consent, error, logout confirmation and signed-out.
//!
//! Server-rendered HTML with no external assets and no JavaScript but the passkey ceremonies'
//! own script ([`passkeys`]), written as `maud`
//! templates: maud checks them at compile time and HTML-escapes every value it inserts, so no
//! value can be left unescaped; the only raw text is the [`STYLE`] constant. Every page goes
//! out through [`render`], which adds the headers of [`security_headers`].

pub mod account;
pub mod account_email;
pub mod account_factors;
mod branding;
mod consent;
pub mod passkeys;
pub mod presentation;
pub mod recovery;
pub mod second_factor;
mod security_headers;
pub mod signup;

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

pub use branding::DEFAULT_ACCENT;
pub use consent::{consent_page, ConsentForm};
pub use presentation::{tr, tr_args, tr_markup, Presentation};
pub use security_headers::add_security_headers;

/// The one stylesheet, inline and allowed by its hash in the Content-Security-Policy; its
/// [`DEFAULT_ACCENT`] is replaced by the configured `brand_accent` ([`Presentation`]).
const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
background:#f3f4f6;color:#111827;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
main{width:100%;max-width:24rem;margin:1rem;padding:2rem;background:#fff;border-radius:12px;\
box-shadow:0 1px 3px rgba(0,0,0,.1),0 8px 24px rgba(0,0,0,.06)}\
h1{font-size:1.35rem;margin:0 0 .25rem}\
p{margin:.5rem 0 1rem;color:#4b5563}\
label{display:block;font-weight:600;font-size:.9rem;margin:1rem 0 .35rem}\
input[type=text],input[type=password]{width:100%;padding:.6rem .75rem;border:1px solid #d1d5db;\
border-radius:8px;font:inherit}\
input:focus{outline:2px solid #2563eb;outline-offset:1px;border-color:#2563eb}\
button{width:100%;margin-top:1.25rem;padding:.65rem;border:0;border-radius:8px;background:#2563eb;\
color:#fff;font:inherit;font-weight:600;cursor:pointer}\
button:hover{filter:brightness(.88)}\
button.secondary{background:#fff;color:#374151;border:1px solid #d1d5db;margin-top:.6rem}\
button.secondary:hover{background:#f9fafb}\
ul{padding-left:1.2rem;margin:.5rem 0 0}li{margin:.3rem 0}\
.error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:.6rem .75rem;margin:1rem 0 0}\
.brand{font-size:.8rem;letter-spacing:.08em;text-transform:uppercase;color:#6b7280;margin-bottom:1rem}\
.brand img{display:block;max-height:3rem;max-width:100%;margin-bottom:.5rem}\
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}\
a.provider{display:block;margin-top:.6rem;padding:.65rem;border:1px solid #d1d5db;border-radius:8px;\
text-align:center;color:#374151;text-decoration:none;font-weight:600}\
a.provider:hover{background:#f9fafb}";

/// A whole page around `content`, with the branding, in the request's language, with the
/// security headers.
fn render(status: StatusCode, title: &str, content: Markup) -> Response {
    let page = presentation::with_current(|presentation, _| {
        let branding = &presentation.branding;
        html! {
            (DOCTYPE)
            html lang=(presentation::language_tag()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width,initial-scale=1";
                    title { (title) " · " (branding.name) }
                    style { (PreEscaped(&presentation.style)) }
                }
                body {
                    main {
                        div class="brand" {
                            @if let Some(logo) = &branding.logo { img src=(logo.as_str()) alt=""; }
                            (branding.name)
                        }
                        (content)
                    }
                }
            }
        }
    });
    let html = page.unwrap_or(content);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))],
        html.into_string(),
    )
        .into_response();
    add_security_headers(&mut response);
    response
}

/// An error shown to the user rather than sent to the client: for what must not be
/// redirected (unknown client, unregistered redirect URI, RFC 6749 §4.1.2.1), for refused or
/// expired forms, and for server failures in the browser flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: Cow<'static, str>,
    pub message: Cow<'static, str>,
}

impl ErrorPage {
    pub fn new(
        status: StatusCode,
        title: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self { status, title: title.into(), message: message.into() }
    }

    /// 400: the request cannot be completed, for `message`'s reason.
    pub fn bad_request(title: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, title, message)
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let content = html! { h1 { (self.title) } p { (self.message) } };
        render(self.status, &self.title, content)
    }
}

/// What the login form needs.
pub struct LoginForm<'a> {
    /// Where the form posts: the login endpoint's public path.
    pub action: &'a str,
    /// The forgotten-password page's path.
    pub forgot_password: &'a str,
    /// The sign-up page's path, when self-registration is on.
    pub signup: Option<&'a str>,
    pub client_name: &'a str,
    pub interaction: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// Whether the password form is shown (a client may offer only its providers).
    pub password: bool,
    /// "Continue with NAME" buttons: the provider's name and its start URL.
    pub providers: &'a [(String, String)],
    /// "Sign in with a passkey", shown with the password form (when the deployment can
    /// have passkeys).
    pub passkey: Option<&'a passkeys::PasskeySignIn<'a>>,
}

fn login_markup(form: &LoginForm<'_>) -> Markup {
    let has_username = !form.username.is_empty();
    html! {
        h1 { (tr("login-title")) }
        p { (tr_markup("login-continue-to", &[("client", html! { strong { (form.client_name) } })])) }
        @if let Some(error) = form.error {
            div class="error" role="alert" { (error) }
        }
        @if form.password {
        form method="post" action=(form.action) {
            input type="hidden" name="interaction" value=(form.interaction);
            input type="hidden" name="csrf" value=(form.csrf);
            label for="username" { (tr("field-username")) }
            input type="text" id="username" name="username" value=(form.username) autocomplete="username"
                autocapitalize="none" spellcheck="false" required autofocus[!has_username];
            label for="password" { (tr("field-password")) }
            input type="password" id="password" name="password" autocomplete="current-password" required
                autofocus[has_username];
            button type="submit" { (tr("login-submit")) }
        }
        @if let Some(passkey) = form.passkey { (passkeys::sign_in_button(passkey, form.interaction, form.csrf)) }
        }
        @for (name, href) in form.providers {
            a class="provider" href=(href) { (tr_args("login-continue-with", &[("provider", name.into())])) }
        }
        p {
            a href=(form.forgot_password) { (tr("login-forgot-password")) }
            @if let Some(signup) = form.signup { " · " a href=(signup) { (tr("login-create-account")) } }
        }
    }
}

/// What the form that links an upstream identity to an existing account needs.
pub struct LinkForm<'a> {
    pub action: &'a str,
    pub provider: &'a str,
    pub username: &'a str,
    /// The signed pending link.
    pub pending: &'a str,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
}

/// Asks the owner of an existing account for its password before linking an upstream
/// identity to it (`docs/architecture.md`, "Federation").
pub fn link_page(status: StatusCode, form: &LinkForm<'_>) -> Response {
    let content = html! {
        h1 { (tr("link-title")) }
        p {
            (tr_markup("link-intro", &[
                ("username", html! { strong { (form.username) } }),
                ("provider", html! { strong { (form.provider) } }),
            ]))
        }
        @if let Some(error) = form.error {
            div class="error" role="alert" { (error) }
        }
        form method="post" action=(form.action) {
            input type="hidden" name="pending" value=(form.pending);
            input type="hidden" name="csrf" value=(form.csrf);
            label for="password" { (tr("field-password")) }
            input type="password" id="password" name="password" autocomplete="current-password" required autofocus;
            button type="submit" { (tr("link-submit")) }
        }
    };
    render(status, &tr("link-title"), content)
}

pub fn login_page(status: StatusCode, form: &LoginForm<'_>) -> Response {
    render(status, &tr("login-title"), login_markup(form))
}

fn logout_confirm_markup(action: &str, fields: &[(&str, &str)], csrf: &str) -> Markup {
    html! {
        h1 { (tr("logout-title")) }
        p { (tr("logout-question")) }
        form method="post" action=(action) {
            @for (name, value) in fields {
                input type="hidden" name=(name) value=(value);
            }
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="confirm" value="yes";
            button type="submit" { (tr("logout-submit")) }
        }
    }
}

/// Asks the user to confirm a logout whose `id_token_hint` does not name the browser's
/// current session (or that came without one); the form
/// posts to `action`, the logout endpoint's public path.
pub fn logout_confirm_page(action: &str, fields: &[(&str, &str)], csrf: &str) -> Response {
    render(StatusCode::OK, &tr("logout-title"), logout_confirm_markup(action, fields, csrf))
}

pub fn signed_out_page() -> Response {
    render(
        StatusCode::OK,
        &tr("signed-out-title"),
        html! { h1 { (tr("signed-out-heading")) } p { (tr("signed-out-close")) } },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_by_construction() {
        let form = LoginForm {
            action: "/login",
            forgot_password: "/forgot-password",
            signup: None,
            client_name: "<script>alert(1)</script>",
            interaction: "i",
            csrf: "c",
            username: "\"><img src=x>",
            error: Some("a & b"),
            password: true,
            providers: &[],
            passkey: None,
        };
        let html = login_markup(&form).into_string();
        assert!(!html.contains("<script>alert") && !html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;") && html.contains("a &amp; b"), "{html}");
        assert!(html.contains("value=\"&quot;&gt;&lt;img src=x&gt;\" "), "{html}");
        let confirm = logout_confirm_markup("/logout", &[("state\"", "\"x")], "c").into_string();
        assert!(confirm.contains("name=\"state&quot;\" value=\"&quot;x\""), "{confirm}");
    }

    #[test]
    fn autofocus_goes_to_the_first_empty_field() {
        let mut form = LoginForm {
            action: "/login",
            forgot_password: "/forgot-password",
            signup: None,
            client_name: "App",
            interaction: "i",
            csrf: "c",
            username: "",
            error: None,
            password: true,
            providers: &[],
            passkey: None,
        };
        assert!(login_markup(&form).into_string().contains("spellcheck=\"false\" required autofocus>"));
        form.username = "alice";
        assert!(login_markup(&form).into_string().contains("current-password\" required autofocus>"));
    }
}
