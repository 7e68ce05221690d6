//! Client identity and type (RFC 6749 §2.1, §2.2).

use std::fmt;

use crate::OAuthError;

/// RFC 6749 §2.1 client types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// Cannot keep a secret (browser and mobile apps): authenticates with `none`.
    Public,
    /// Holds a server-generated secret: `client_secret_basic` or `client_secret_post`.
    Confidential,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Confidential => "confidential",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        match raw {
            "public" => Ok(Self::Public),
            "confidential" => Ok(Self::Confidential),
            other => Err(OAuthError::invalid_request(format!(
                "client type {other:?} is neither public nor confidential"
            ))),
        }
    }
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client identifier: 1 to 128 visible ASCII characters (RFC 6749 Appendix A.1 allows
/// `*VSCHAR`; Latchkey also requires it to be non-empty and bounded).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        let valid =
            !raw.is_empty() && raw.len() <= Self::MAX_LEN && raw.bytes().all(|b| (0x20..=0x7E).contains(&b));
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(OAuthError::invalid_client("client_id is malformed"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
