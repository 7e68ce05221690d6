//! The e-mails of an e-mail address change (docs/architecture.md, "Changing the e-mail
//! address"): the link to the new address, the notices to the old one, and the word to the
//! owner of an address someone tried to take.

use maud::html;

use super::Mail;

fn mail(to: &str, subject: &str, text: String, html: maud::Markup) -> Mail {
    Mail { to: to.to_owned(), subject: subject.to_owned(), text, html: html.into_string() }
}

/// To the new address: the single-use link that makes it the account's.
pub fn confirm_new_email(to: &str, username: &str, link: &str, hours: i64) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         To make this the e-mail address of your account, open this link within {hours} hours:\n\n\
         {link}\n\nIf you did not ask for it, ignore this e-mail: nothing changes.\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "To make this the e-mail address of your account, open this link within " (hours) " hours:" }
        p { a href=(link) { "Use this e-mail address" } }
        p { "If you did not ask for it, ignore this e-mail: nothing changes." }
    };
    mail(to, "Confirm your new e-mail address", text, html)
}

/// To the old address, when a change is asked for.
pub fn email_change_requested(to: &str, username: &str, new_email: &str) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         Someone signed in to your account asked to change its e-mail address to {new_email}.\n\
         It changes only if the link sent to that address is opened.\n\
         If it was not you, change your password now.\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "Someone signed in to your account asked to change its e-mail address to " strong { (new_email) } ". "
            "It changes only if the link sent to that address is opened." }
        p { "If it was not you, change your password now." }
    };
    mail(to, "A change of your e-mail address was requested", text, html)
}

/// To the old address, when the change is done.
pub fn email_changed(to: &str, username: &str, new_email: &str) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         The e-mail address of your account is now {new_email}; this address is no longer used.\n\
         If it was not you, contact the administrator of this service.\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "The e-mail address of your account is now " strong { (new_email) } "; this address is no longer used." }
        p { "If it was not you, contact the administrator of this service." }
    };
    mail(to, "Your e-mail address was changed", text, html)
}

/// To the owner of an address another account asked to use (that account is not told).
pub fn address_in_use(to: &str, username: &str, forgot_password: &str) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         Someone tried to use this e-mail address, which belongs to your account, for another account.\n\
         Nothing changed. If you forgot your password, choose a new one here:\n\n{forgot_password}\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "Someone tried to use this e-mail address, which belongs to your account, for another account. "
            "Nothing changed. If you forgot your password, " a href=(forgot_password) { "choose a new one" } "." }
    };
    mail(to, "Someone tried to use your e-mail address", text, html)
}
