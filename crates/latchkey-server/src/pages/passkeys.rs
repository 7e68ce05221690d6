//! The passkey parts of the hosted pages (docs/architecture.md, "Passkeys"): "Sign in with a
//! passkey" on the login page, and the account page's list of passkeys with its "Add a
//! passkey" form. The WebAuthn calls need JavaScript: one static script of this server
//! (`/passkeys.js`, allowed by `script-src 'self'`; no inline script) finds each form marked
//! `data-passkey-options`, fetches the ceremony's options from that address, asks the browser
//! for the credential, and submits the form with it. Without JavaScript the rest of each page
//! works as before.

use maud::{html, Markup};

/// One registered passkey, as listed.
pub struct PasskeyRow<'a> {
    pub credential_id: &'a str,
    pub name: &'a str,
    pub created: String,
    /// `None`: never used yet.
    pub last_used: Option<String>,
}

/// The account page's passkey section.
pub struct PasskeysSection<'a> {
    pub rows: Vec<PasskeyRow<'a>>,
    pub script: &'a str,
    pub options: &'a str,
    pub add: &'a str,
    pub remove: &'a str,
    /// Whether the user has an authenticator app: its current code can then prove a factor
    /// for a removal, instead of a recent sign-in with one.
    pub codes: bool,
}

/// A form the script completes: `ceremony` and `credential` are filled in before it is sent.
fn ceremony_fields(csrf: &str) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="ceremony" value="";
        input type="hidden" name="credential" value="";
        p class="passkey-status" role="status" data-passkey-status {}
    }
}

pub fn account_section(section: &PasskeysSection<'_>, csrf: &str) -> Markup {
    html! {
        h2 { "Passkeys" }
        @if section.rows.is_empty() { p { "No passkey yet. A passkey signs you in without a password." } }
        ul {
            @for row in &section.rows {
                li data-passkey=(row.name) {
                    strong { (row.name) } " — added " (row.created) ", "
                    @match &row.last_used { Some(at) => { "last used " (at) }, None => { "never used" } }
                    form method="post" action=(section.remove) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="passkey" value=(row.credential_id);
                        @if section.codes {
                            label { "Current code (unless you signed in with a second factor just now)"
                                input type="text" name="code" autocomplete="one-time-code"; }
                        }
                        button type="submit" class="secondary" { "Remove " (row.name) }
                    }
                }
            }
        }
        form method="post" action=(section.add) data-passkey-options=(section.options) data-passkey-ceremony="create" {
            label for="passkey-name" { "Name of the new passkey" }
            input type="text" id="passkey-name" name="name" maxlength="64" required placeholder="e.g. laptop";
            (ceremony_fields(csrf))
            button type="submit" { "Add a passkey" }
        }
        script src=(section.script) defer {}
    }
}

/// A passkey form of the hosted login: where the script fetches the ceremony's options and
/// where the form posts.
pub struct PasskeySignIn<'a> {
    pub script: &'a str,
    pub options: &'a str,
    pub action: &'a str,
}

/// A form of the hosted login whose ceremony (`get` or `create`) the script runs, carrying the
/// signed interaction (the options request sends it too).
fn login_ceremony(
    form: &PasskeySignIn<'_>,
    ceremony: &str,
    interaction: &str,
    csrf: &str,
    inner: Markup,
) -> Markup {
    html! {
        form method="post" action=(form.action) data-passkey-options=(form.options) data-passkey-ceremony=(ceremony) {
            input type="hidden" name="interaction" value=(interaction);
            (ceremony_fields(csrf))
            (inner)
        }
        script src=(form.script) defer {}
    }
}

/// The login page's passkey button.
pub fn sign_in_button(form: &PasskeySignIn<'_>, interaction: &str, csrf: &str) -> Markup {
    let button = html! { button type="submit" class="secondary" { "Sign in with a passkey" } };
    login_ceremony(form, "get", interaction, csrf, button)
}

/// The second-factor page's passkey button: an assertion with one of the user's passkeys.
pub fn second_factor_button(form: &PasskeySignIn<'_>, interaction: &str, csrf: &str) -> Markup {
    let button = html! { button type="submit" { "Use a passkey" } };
    login_ceremony(form, "get", interaction, csrf, button)
}

/// The enrolment page's alternative to an authenticator app: registering a passkey.
pub fn enrol_form(form: &PasskeySignIn<'_>, interaction: &str, csrf: &str) -> Markup {
    let inner = html! {
        label for="passkey-name" { "Name of the new passkey" }
        input type="text" id="passkey-name" name="name" maxlength="64" required placeholder="e.g. laptop";
        button type="submit" class="secondary" { "Set up a passkey instead" }
    };
    login_ceremony(form, "create", interaction, csrf, inner)
}
