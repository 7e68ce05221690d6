//! The hosted pages: login, consent, error, logout confirmation and signed-out.
//!
//! Server-rendered HTML with no external assets and no JavaScript: the one stylesheet is
//! inline and allowed by its hash in the Content-Security-Policy. Every page is sent with
//! `frame-ancestors 'none'` and `X-Frame-Options: DENY` (no clickjacking of the consent
//! button), `Referrer-Policy: no-referrer` (no codes or state in Referer headers) and
//! `Cache-Control: no-store`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_crypto::digest::sha256;

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
button:hover{background:#1d4ed8}\
button.secondary{background:#fff;color:#374151;border:1px solid #d1d5db;margin-top:.6rem}\
button.secondary:hover{background:#f9fafb}\
ul{padding-left:1.2rem;margin:.5rem 0 0}li{margin:.3rem 0}\
.error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:.6rem .75rem;margin:1rem 0 0}\
.brand{font-size:.8rem;letter-spacing:.08em;text-transform:uppercase;color:#6b7280;margin-bottom:1rem}\
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}";

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The security headers of every hosted page and of the redirects the pages answer with.
pub fn add_security_headers(response: &mut Response) {
    let style_hash = STANDARD.encode(sha256(STYLE.as_bytes()));
    let csp = format!(
        "default-src 'none'; style-src 'sha256-{style_hash}'; img-src 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    );
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A full page with the security headers.
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main><div class=\"brand\">Latchkey</div>{body}</main></body></html>",
        title = escape(title)
    );
    let mut response =
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html)
            .into_response();
    add_security_headers(&mut response);
    response
}

/// The error page for what must not be redirected (unknown client, unregistered redirect
/// URI) and for refused form posts.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!("<h1>{}</h1><p>{}</p>", escape(title), escape(message));
    page(status, title, &body)
}

/// What the login form needs.
pub struct LoginForm<'a> {
    /// Where the form posts: the login endpoint's public path.
    pub action: &'a str,
    pub client_name: &'a str,
    pub interaction: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

pub fn login_page(status: StatusCode, form: &LoginForm<'_>) -> Response {
    let error = form
        .error
        .map(|e| format!("<div class=\"error\" role=\"alert\">{}</div>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1><p>to continue to <strong>{client}</strong></p>{error}\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"interaction\" value=\"{interaction}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"username\">Username</label>\
         <input type=\"text\" id=\"username\" name=\"username\" value=\"{username}\" autocomplete=\"username\" \
         autocapitalize=\"none\" spellcheck=\"false\" required{autofocus_user}>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required{autofocus_pass}>\
         <button type=\"submit\">Sign in</button></form>",
        action = escape(form.action),
        client = escape(form.client_name),
        interaction = escape(form.interaction),
        csrf = escape(form.csrf),
        username = escape(form.username),
        autofocus_user = if form.username.is_empty() { " autofocus" } else { "" },
        autofocus_pass = if form.username.is_empty() { "" } else { " autofocus" },
    );
    page(status, "Sign in", &body)
}

/// A scope in words, for the consent page.
pub fn describe_scope(scope: &str) -> String {
    match scope {
        "openid" => "Know who you are (your account identifier)".to_owned(),
        "profile" => "See your username and profile".to_owned(),
        "email" => "See your email address".to_owned(),
        "offline_access" => "Stay connected while you are away (keep access until you sign out)".to_owned(),
        other => format!("Use the permission \u{201c}{other}\u{201d}"),
    }
}

/// What the consent form needs.
pub struct ConsentForm<'a> {
    /// Where the form posts: the consent endpoint's public path.
    pub action: &'a str,
    pub client_name: &'a str,
    pub username: &'a str,
    pub scopes: Vec<&'a str>,
    pub interaction: &'a str,
    pub csrf: &'a str,
}

pub fn consent_page(form: &ConsentForm<'_>) -> Response {
    let rank =
        |s: &&str| ["openid", "profile", "email", "offline_access"].iter().position(|k| k == s).unwrap_or(4);
    let mut scopes = form.scopes.clone();
    scopes.sort_by_key(rank);
    let items: String = if scopes.is_empty() {
        "<li>Sign you in (no other access)</li>".to_owned()
    } else {
        scopes.iter().map(|s| format!("<li>{}</li>", escape(&describe_scope(s)))).collect()
    };
    let body = format!(
        "<h1>Allow access?</h1><p><strong>{client}</strong> wants to access your account \
         <strong>{user}</strong>. It will be able to:</p><ul>{items}</ul>\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"interaction\" value=\"{interaction}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">Deny</button></form>",
        action = escape(form.action),
        client = escape(form.client_name),
        user = escape(form.username),
        interaction = escape(form.interaction),
        csrf = escape(form.csrf),
    );
    page(StatusCode::OK, "Allow access?", &body)
}

/// Asks the user to confirm a logout that came without a valid `id_token_hint`; the form
/// posts to `action`, the logout endpoint's public path.
pub fn logout_confirm_page(action: &str, fields: &[(&str, &str)], csrf: &str) -> Response {
    let hidden: String = fields
        .iter()
        .map(|(n, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(n), escape(v)))
        .collect();
    let body = format!(
        "<h1>Sign out?</h1><p>Do you want to sign out of Latchkey?</p>\
         <form method=\"post\" action=\"{action}\">{hidden}\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"confirm\" value=\"yes\">\
         <button type=\"submit\">Sign out</button></form>",
        action = escape(action),
        csrf = escape(csrf)
    );
    page(StatusCode::OK, "Sign out?", &body)
}

pub fn signed_out_page() -> Response {
    page(StatusCode::OK, "Signed out", "<h1>You are signed out</h1><p>You can close this window.</p>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_html_specials() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
