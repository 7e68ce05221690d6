//! Self-registration and e-mail verification (docs/architecture.md, "Sign-up and e-mail
//! verification"), when `self_registration` is on: `/signup` creates an account that cannot
//! sign in yet and e-mails a verification link; `/verify-email` takes the link.

mod register;
mod verify;

pub use register::{signup_form, signup_path, signup_request};
pub use verify::{verify_email_form, verify_email_submit};
