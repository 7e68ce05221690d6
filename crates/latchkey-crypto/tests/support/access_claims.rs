//! The claims of a realistic RFC 9068 access token, shared by the JWT tests (`tests/jwt.rs`)
//! and the JWT benchmarks (`benches/jwt.rs`), so that both measure the same token.

use serde::{Deserialize, Serialize};

/// RFC 9068 §2.2 access token claims as Latchkey issues them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    pub sid: String,
    pub preferred_username: String,
    pub roles: Vec<String>,
}

pub fn claims() -> AccessClaims {
    AccessClaims {
        iss: "https://id.example.com".into(),
        sub: "7f3c9a4e-0b1d-4c55-9a2e-3f1b6d0e8c21".into(),
        aud: "https://bank.example.com".into(),
        exp: 1_900_000_300,
        iat: 1_900_000_000,
        jti: "q5Yw3vR1uK8mN2pL0sT7xZ4aB6cD".into(),
        client_id: "bank-web".into(),
        scope: "openid profile email accounts:read payments:write".into(),
        sid: "s-4b1e0f6a9c2d7e8f".into(),
        preferred_username: "alice".into(),
        roles: vec!["customer".into(), "beta-tester".into()],
    }
}
