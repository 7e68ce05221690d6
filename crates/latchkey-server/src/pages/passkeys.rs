//! The passkey parts of the hosted pages (docs/architecture.md, "Passkeys"): "Sign in with a
//! passkey" on the login page, and the account page's list of passkeys with its "Add a
//! passkey" form. The WebAuthn calls need JavaScript: one static script of this server
//! (`/passkeys.js`, allowed by `script-src 'self'`; no inline script) finds each form marked
//! `data-passkey-options`, fetches the ceremony's options from that address, asks the browser
//! for the credential, and submits the form with it. Without JavaScript the rest of each page
//! works as before.

use maud::{html, Markup};

use super::{tr, tr_args, tr_markup};

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
/// The status line carries the texts the script shows, in the request's language (the script
/// itself has none).
fn ceremony_fields(csrf: &str) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="ceremony" value="";
        input type="hidden" name="credential" value="";
        p class="passkey-status" role="status" data-passkey-status
            data-unsupported=(tr("passkey-unsupported")) data-waiting=(tr("passkey-waiting"))
            data-not-used=(tr("passkey-not-used")) data-refused=(tr("passkey-refused"))
            data-too-many=(tr("too-many-requests")) {}
    }
}

/// The label and field of a new passkey's name.
fn name_field() -> Markup {
    html! {
        label for="passkey-name" { (tr("passkey-name")) }
        input type="text" id="passkey-name" name="name" maxlength="64" required placeholder=(tr("passkey-name-example"));
    }
}

/// "name — added …, last used …" (or never used), the name in bold.
fn row_text(row: &PasskeyRow<'_>) -> Markup {
    let name = ("name", html! { strong { (row.name) } });
    let created = ("created", html! { (row.created) });
    match &row.last_used {
        Some(at) => tr_markup("passkey-row-used", &[name, created, ("last_used", html! { (at) })]),
        None => tr_markup("passkey-row-unused", &[name, created]),
    }
}

pub fn account_section(section: &PasskeysSection<'_>, csrf: &str) -> Markup {
    html! {
        h2 { (tr("passkeys-title")) }
        @if section.rows.is_empty() { p { (tr("passkeys-none")) } }
        ul {
            @for row in &section.rows {
                li data-passkey=(row.name) {
                    (row_text(row))
                    form method="post" action=(section.remove) {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="passkey" value=(row.credential_id);
                        @if section.codes {
                            label { (tr("passkey-current-code"))
                                input type="text" name="code" autocomplete="one-time-code"; }
                        }
                        button type="submit" class="secondary" { (tr_args("passkey-remove", &[("name", row.name.into())])) }
                    }
                }
            }
        }
        form method="post" action=(section.add) data-passkey-options=(section.options) data-passkey-ceremony="create" {
            (name_field())
            (ceremony_fields(csrf))
            button type="submit" { (tr("passkey-add")) }
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
    let button = html! { button type="submit" class="secondary" { (tr("passkey-sign-in")) } };
    login_ceremony(form, "get", interaction, csrf, button)
}

/// The second-factor page's passkey button: an assertion with one of the user's passkeys.
pub fn second_factor_button(form: &PasskeySignIn<'_>, interaction: &str, csrf: &str) -> Markup {
    let button = html! { button type="submit" { (tr("passkey-use")) } };
    login_ceremony(form, "get", interaction, csrf, button)
}

/// The enrolment page's alternative to an authenticator app: registering a passkey.
pub fn enrol_form(form: &PasskeySignIn<'_>, interaction: &str, csrf: &str) -> Markup {
    let inner = html! {
        (name_field())
        button type="submit" class="secondary" { (tr("passkey-instead")) }
    };
    login_ceremony(form, "create", interaction, csrf, inner)
}
