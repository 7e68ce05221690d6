//! Who an upstream login signs in as (`docs/architecture.md`, "Federation"): the linking
//! policy as one pure decision, so the callback, the dry run of
//! `latchkey providers test-mapping` and the tests share it.
//!
//! The rules, in order:
//!
//! 1. A known identity (provider, upstream subject) signs in its user, whatever else changed:
//!    the key is the subject, never the e-mail address.
//! 2. A local account is a link candidate only by e-mail, only when the provider says the
//!    address is verified *and* the local account's address is verified too: an unverified
//!    address on either side is how automatic linking becomes account takeover (someone
//!    registers the victim's address first). Several local accounts with the address are no
//!    candidate at all. A user is never signed in by e-mail alone.
//! 3. With a candidate, `prompt` asks the user to prove the local account with its password
//!    before linking, and `auto` (opt-in) links at once.
//! 4. Otherwise (`never`, the default, or no candidate) a new user, when the provider may
//!    create users; else a refusal the user can read.
//! 5. A signed-in user may link another provider on purpose (`POST /account/identities/…`)
//!    only within [`LINK_MAX_AUTH_AGE`] of proving who they are ([`recent_enough_to_link`]):
//!    a stolen access token must not turn into a permanent way into the account. The flow
//!    may return to a path of this server only ([`is_local_return_path`]), never elsewhere.

use std::fmt;

/// A provider's linking policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Linking {
    /// Never link: an unknown identity is a new user.
    #[default]
    Never,
    /// Link to the account with the same verified address once its password is entered.
    Prompt,
    /// Link to the account with the same verified address at once.
    Auto,
}

impl Linking {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "never" => Some(Self::Never),
            "prompt" => Some(Self::Prompt),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Prompt => "prompt",
            Self::Auto => "auto",
        }
    }
}

/// The local accounts whose e-mail address equals the upstream one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalMatch {
    None,
    One { user_id: String, email_verified: bool },
    Several,
}

/// Everything the decision looks at.
#[derive(Debug, Clone)]
pub struct LinkingInput<'a> {
    /// The user the identity is already linked to.
    pub linked_user: Option<&'a str>,
    pub policy: Linking,
    pub create_users: bool,
    /// Whether the provider asserts the upstream address is verified (false without one).
    pub upstream_email_verified: bool,
    /// Ignored under `never` (the caller need not even look).
    pub local_match: LocalMatch,
}

/// What the login does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    LogIn {
        user_id: String,
    },
    /// `auto`: link the identity to this user and sign in.
    Link {
        user_id: String,
    },
    /// `prompt`: ask for this user's password, then link.
    PromptLink {
        user_id: String,
    },
    Create,
    Refuse,
}

/// The outcome and why, in words an operator (and, for a refusal, a user) can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    pub why: &'static str,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.outcome {
            Outcome::LogIn { user_id } => format!("log in as user {user_id}"),
            Outcome::Link { user_id } => format!("link to user {user_id} and log in"),
            Outcome::PromptLink { user_id } => format!("prompt to link to user {user_id} (password)"),
            Outcome::Create => "create a new user".to_owned(),
            Outcome::Refuse => "refuse".to_owned(),
        };
        write!(f, "{what}: {}", self.why)
    }
}

/// The linking policy (see the module documentation).
pub fn decide(input: &LinkingInput<'_>) -> Decision {
    if let Some(user_id) = input.linked_user {
        return Decision {
            outcome: Outcome::LogIn { user_id: user_id.to_owned() },
            why: "this upstream identity is linked to the user",
        };
    }
    let candidate = match (&input.local_match, input.upstream_email_verified) {
        (LocalMatch::One { user_id, email_verified: true }, true) => Some(user_id),
        _ => None,
    };
    match (input.policy, candidate) {
        (Linking::Prompt, Some(user_id)) => Decision {
            outcome: Outcome::PromptLink { user_id: user_id.clone() },
            why: "an account with this verified e-mail exists; its password proves it is the same person",
        },
        (Linking::Auto, Some(user_id)) => Decision {
            outcome: Outcome::Link { user_id: user_id.clone() },
            why: "an account with this verified e-mail exists, and the provider links automatically",
        },
        _ if input.create_users => Decision { outcome: Outcome::Create, why: new_user_reason(input) },
        _ => Decision {
            outcome: Outcome::Refuse,
            why: "this account is not known here, and this provider does not create new accounts",
        },
    }
}

fn new_user_reason(input: &LinkingInput<'_>) -> &'static str {
    match (input.policy, &input.local_match, input.upstream_email_verified) {
        (_, LocalMatch::None, _) => "no account is linked to this identity: a new user",
        (Linking::Never, _, _) => "this provider never links to existing accounts: a new user",
        (_, _, false) => "the provider does not say the e-mail is verified, so no link: a new user",
        (_, LocalMatch::Several, true) => "several accounts have this e-mail, so no link: a new user",
        (_, LocalMatch::One { .. }, true) => {
            "the existing account's e-mail is not verified, so no link: a new user"
        }
    }
}

/// How recent a user's authentication must be to link a provider to their account (the
/// issue's five minutes; RFC 9470's `max_age` in the challenge that refuses an older one).
pub const LINK_MAX_AUTH_AGE: i64 = 300;

/// Whether a session authenticated at `auth_time` may start linking at `now`.
pub fn recent_enough_to_link(auth_time: i64, now: i64) -> bool {
    now - auth_time <= LINK_MAX_AUTH_AGE
}

/// Whether `value` is an absolute path on this server (`/…`), not a URL of another origin:
/// no scheme, no authority (`//host`), no backslash (which browsers read as `/`), no
/// control characters.
pub fn is_local_return_path(value: &str) -> bool {
    value.starts_with('/')
        && !value.starts_with("//")
        && !value.contains('\\')
        && !value.chars().any(char::is_control)
        && value.len() <= 2048
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix of the issue: policy × upstream address verified × local account
    /// (none, verified, unverified), with and without user creation, plus known identities.
    #[test]
    fn linking_matrix() {
        use Outcome::{Create, Link, LogIn, PromptLink, Refuse};
        let alice = || "alice".to_owned();
        let none = LocalMatch::None;
        let verified = LocalMatch::One { user_id: alice(), email_verified: true };
        let unverified = LocalMatch::One { user_id: alice(), email_verified: false };
        #[rustfmt::skip]
        let cases: Vec<(Linking, bool, LocalMatch, bool, Outcome)> = vec![
            // policy, upstream verified, local match, create users => outcome
            (Linking::Never,  true,  none.clone(),       true,  Create),
            (Linking::Never,  true,  verified.clone(),   true,  Create),
            (Linking::Never,  false, verified.clone(),   true,  Create),
            (Linking::Never,  true,  verified.clone(),   false, Refuse),
            (Linking::Never,  true,  none.clone(),       false, Refuse),
            (Linking::Prompt, true,  verified.clone(),   true,  PromptLink { user_id: alice() }),
            (Linking::Prompt, true,  verified.clone(),   false, PromptLink { user_id: alice() }),
            (Linking::Prompt, false, verified.clone(),   true,  Create),
            (Linking::Prompt, false, verified.clone(),   false, Refuse),
            (Linking::Prompt, true,  unverified.clone(), true,  Create),
            (Linking::Prompt, true,  unverified.clone(), false, Refuse),
            (Linking::Prompt, true,  none.clone(),       true,  Create),
            (Linking::Prompt, true,  LocalMatch::Several, true, Create),
            (Linking::Auto,   true,  verified.clone(),   true,  Link { user_id: alice() }),
            (Linking::Auto,   true,  verified.clone(),   false, Link { user_id: alice() }),
            (Linking::Auto,   false, verified.clone(),   true,  Create),
            (Linking::Auto,   true,  unverified.clone(), true,  Create),
            (Linking::Auto,   false, unverified.clone(), false, Refuse),
            (Linking::Auto,   true,  none.clone(),       true,  Create),
            (Linking::Auto,   true,  LocalMatch::Several, false, Refuse),
        ];
        for (policy, upstream_email_verified, local_match, create_users, expected) in cases {
            let input = LinkingInput {
                linked_user: None,
                policy,
                create_users,
                upstream_email_verified,
                local_match: local_match.clone(),
            };
            assert_eq!(decide(&input).outcome, expected, "{input:?}");
            // A known identity signs in its own user, whatever the rest says.
            let known = LinkingInput { linked_user: Some("bob"), ..input };
            assert_eq!(decide(&known).outcome, LogIn { user_id: "bob".into() }, "{known:?}");
        }
    }

    #[test]
    fn decisions_say_why() {
        let input = LinkingInput {
            linked_user: None,
            policy: Linking::Prompt,
            create_users: true,
            upstream_email_verified: true,
            local_match: LocalMatch::One { user_id: "u1".into(), email_verified: false },
        };
        assert_eq!(
            decide(&input).to_string(),
            "create a new user: the existing account's e-mail is not verified, so no link: a new user"
        );
        assert_eq!(Linking::parse("auto"), Some(Linking::Auto));
        assert_eq!(Linking::parse("Auto"), None);
        assert_eq!(Linking::Prompt.as_str(), "prompt");
    }

    #[test]
    fn linking_needs_an_authentication_of_the_last_five_minutes() {
        assert!(recent_enough_to_link(1000, 1300));
        assert!(!recent_enough_to_link(1000, 1301));
    }

    #[test]
    fn only_local_paths_are_return_paths() {
        for good in ["/", "/settings?tab=security", "/a/b#c"] {
            assert!(is_local_return_path(good), "{good}");
        }
        for bad in ["", "settings", "//evil.example/x", "/\\evil.example", "https://evil.example/", "/a\nb"] {
            assert!(!is_local_return_path(bad), "{bad}");
        }
    }
}
