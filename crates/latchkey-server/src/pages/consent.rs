//! The consent page (RFC 6749 §4.1.1: the resource owner grants or denies the client's
//! request): the client, the account and the scopes in words, standard ones first.

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::{render, tr, tr_args, tr_markup};

/// A scope in words, for the consent page.
pub fn describe_scope(scope: &str) -> String {
    match scope {
        "openid" => tr("scope-openid"),
        "profile" => tr("scope-profile"),
        "email" => tr("scope-email"),
        "offline_access" => tr("scope-offline-access"),
        other => tr_args("scope-other", &[("scope", other.into())]),
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

/// The scopes in words, the standard ones first.
fn described_scopes(scopes: &[&str]) -> Vec<String> {
    if scopes.is_empty() {
        return vec![tr("scope-none")];
    }
    let standard = ["openid", "profile", "email", "offline_access"];
    let mut scopes = scopes.to_vec();
    scopes.sort_by_key(|s| standard.iter().position(|k| k == s).unwrap_or(standard.len()));
    scopes.into_iter().map(describe_scope).collect()
}

fn consent_markup(form: &ConsentForm<'_>) -> Markup {
    html! {
        h1 { (tr("consent-title")) }
        p {
            (tr_markup("consent-intro", &[
                ("client", html! { strong { (form.client_name) } }),
                ("username", html! { strong { (form.username) } }),
            ]))
        }
        ul {
            @for item in described_scopes(&form.scopes) { li { (item) } }
        }
        form method="post" action=(form.action) {
            input type="hidden" name="interaction" value=(form.interaction);
            input type="hidden" name="csrf" value=(form.csrf);
            button type="submit" name="decision" value="allow" { (tr("consent-allow")) }
            button type="submit" name="decision" value="deny" class="secondary" { (tr("consent-deny")) }
        }
    }
}

pub fn consent_page(form: &ConsentForm<'_>) -> Response {
    render(StatusCode::OK, &tr("consent-title"), consent_markup(form))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_lists_standard_scopes_first() {
        assert_eq!(described_scopes(&["x<y", "openid"])[0], describe_scope("openid"));
        assert_eq!(described_scopes(&[]), [tr("scope-none")]);
        let form = ConsentForm {
            action: "/consent",
            client_name: "App",
            username: "u",
            scopes: vec!["x<y"],
            interaction: "i",
            csrf: "c",
        };
        assert!(consent_markup(&form).into_string().contains("\u{201c}x&lt;y\u{201d}"));
    }
}
