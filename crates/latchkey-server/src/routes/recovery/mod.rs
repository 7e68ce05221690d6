//! The forgotten password (docs/architecture.md, "Account recovery"): `/forgot-password`
//! sends a single-use link by e-mail, `/reset-password` takes it with a new password and ends
//! every session of the user.

mod forgot;
mod reset;

pub use forgot::{forgot_password_form, forgot_password_request};
pub use reset::{reset_password_form, reset_password_submit};
