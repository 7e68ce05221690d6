//! OAuth scopes (RFC 6749 §3.3): a space-delimited, order-free set of scope tokens.

use std::collections::BTreeSet;
use std::fmt;

use crate::OAuthError;

/// The scope of an admin client's access tokens: what the admin API (`/admin/`) requires.
/// Only a client with the `client_credentials` grant alone may hold it.
pub const ADMIN_SCOPE: &str = "latchkey:admin";

/// A validated set of scope tokens. Order-free and duplicate-free, as §3.3 requires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope(BTreeSet<String>);

impl Scope {
    /// Parses a space-delimited scope string. Each token must be `1*( %x21 / %x23-5B /
    /// %x5D-7E )` (RFC 6749 §3.3); an empty string is the empty scope.
    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        let mut tokens = BTreeSet::new();
        for token in raw.split(' ').filter(|t| !t.is_empty()) {
            if !token.bytes().all(is_scope_char) {
                return Err(OAuthError::invalid_scope(
                    "a scope token contains a character RFC 6749 section 3.3 does not allow",
                ));
            }
            tokens.insert(token.to_owned());
        }
        Ok(Self(tokens))
    }

    /// Builds a scope from tokens that were validated before they were stored.
    pub fn from_tokens<I, S>(tokens: I) -> Result<Self, OAuthError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined: Vec<String> = tokens.into_iter().map(|t| t.as_ref().to_owned()).collect();
        Self::parse(&joined.join(" "))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    pub fn is_subset_of(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The scope to grant when a client asks for `requested` and may have `allowed`:
    /// everything allowed when nothing was asked for, else exactly what was asked if allowed.
    pub fn grant(requested: Option<&Scope>, allowed: &Scope) -> Result<Scope, OAuthError> {
        match requested {
            None => Ok(allowed.clone()),
            Some(requested) if requested.is_subset_of(allowed) => Ok(requested.clone()),
            Some(_) => {
                Err(OAuthError::invalid_scope("a requested scope is not allowed for this client or grant"))
            }
        }
    }
}

fn is_scope_char(b: u8) -> bool {
    b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b)
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for token in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(token)?;
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_order_free_and_deduplicated() {
        let a = Scope::parse("b a  a").unwrap();
        assert_eq!(a.to_string(), "a b");
    }

    #[test]
    fn parse_rejects_quote_and_backslash() {
        assert!(Scope::parse("a\"b").is_err());
        assert!(Scope::parse("a\\b").is_err());
        assert!(Scope::parse("caf\u{e9}").is_err());
    }

    #[test]
    fn grant_defaults_to_allowed_and_refuses_wider() {
        let allowed = Scope::parse("read write").unwrap();
        assert_eq!(Scope::grant(None, &allowed).unwrap(), allowed);
        let narrow = Scope::parse("read").unwrap();
        assert_eq!(Scope::grant(Some(&narrow), &allowed).unwrap(), narrow);
        let wide = Scope::parse("read admin").unwrap();
        let err = Scope::grant(Some(&wide), &allowed).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::InvalidScope);
    }
}
