//! The tokens this server mints: JWT access tokens, MAC'd refresh tokens, client secrets.

pub mod access_token;
pub mod client_secret;
pub mod id_token;
pub mod presented;
pub mod refresh_token;
pub mod session_id;
