//! How a user signed in: what every token of that sign-in says about it (`amr`, `acr`, `idp`),
//! kept on the browser session, the authorization code and the session it starts, so that a
//! refresh says what the sign-in said.

use latchkey_core::mfa;

/// How a user signed in, for the `amr` (RFC 8176) and `idp` claims of every token of that
/// login: a password (`["pwd"]`), an upstream provider (`["fed"]` and its name) or a passkey
/// ([`SignInMethod::passkey`]), and after a second factor its value and `mfa` too. The `acr` is not stored beside it: it follows from
/// `amr` ([`SignInMethod::is_multi_factor`]; docs/architecture.md, "Multi-factor
/// authentication"), so the two can never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInMethod {
    pub amr: Vec<String>,
    /// The upstream provider's name, for a federated login.
    pub idp: Option<String>,
}

impl SignInMethod {
    pub fn password() -> Self {
        Self { amr: vec!["pwd".to_owned()], idp: None }
    }

    pub fn federated(provider: &str) -> Self {
        Self { amr: vec!["fed".to_owned()], idp: Some(provider.to_owned()) }
    }

    /// A user-verified WebAuthn passkey (docs/architecture.md, "Passkeys"): `mfa`, since the
    /// assertion proves possession of the key AND the user's PIN or biometric at the
    /// authenticator (RFC 8176 §2); `swk` when the key may be synced off the device (its
    /// backup-eligible flag: the key is software-held in a cloud keychain), `hwk` otherwise.
    pub fn passkey(synced: bool) -> Self {
        let key = if synced { "swk" } else { "hwk" };
        Self { amr: vec![key.to_owned(), "mfa".to_owned()], idp: None }
    }

    /// The same sign-in completed by the second factor whose RFC 8176 value is `factor`.
    pub fn with_second_factor(&self, factor: &str) -> Self {
        Self { amr: mfa::with_second_factor(&self.amr, factor), idp: self.idp.clone() }
    }

    /// Whether two factors or more were used: the multi-factor `acr`.
    pub fn is_multi_factor(&self) -> bool {
        mfa::is_multi_factor(&self.amr)
    }
}
