//! The tokens this server mints: JWT access tokens, MAC'd refresh tokens, client secrets.

pub(crate) mod access_token;
pub mod client_secret;
pub mod id_token;
pub mod logout_token;
pub(crate) mod presented;
pub(crate) mod refresh_token;
pub(crate) mod session_id;
