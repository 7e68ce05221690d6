//! Signing-key rotation (docs/architecture.md, "Signing-key rotation"): the lifecycle of a
//! key, `pending → active → retiring → retired` (then deleted), and the schedule that moves
//! keys through it as a pure function of (keys, series, policy, now).
//!
//! The rule everything follows: a key is **published** (in the JWKS, RFC 7517 §5) at least
//! `publish_lead` before it **signs**, so every resource server that caches the JWKS for its
//! `max-age` (RFC 9111 §5.2.2.1) knows it before the first token it signed arrives; and it
//! stays published until the last token it signed — and any ID token still usable as
//! `id_token_hint` (OpenID Connect RP-Initiated Logout §2) — has expired.

mod lifecycle;
mod policy;
mod schedule;

pub use lifecycle::{KeyPurpose, KeyState, UnknownValue};
pub use policy::{PolicyError, RotationPolicy, RETIRED_KEPT_SECS};
pub use schedule::{due_transitions, KeyTimes, Series, Transition};
