//! `/account/...`: what a signed-in user can see and do about their own sessions, with the
//! access token of one of them. Every way a session can be stolen has a way to end it here.

mod identities;
mod password;
mod sessions;

pub use identities::{link_identity, list_identities, unlink_identity};
pub use password::change_password;
pub(crate) use sessions::client_names;
pub use sessions::{end_session, list_sessions, logout};
