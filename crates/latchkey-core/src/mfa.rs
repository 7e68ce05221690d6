//! Multi-factor authentication rules (docs/architecture.md, "Multi-factor authentication"):
//! each client's policy, and what a sign-in's `amr` (RFC 8176 §2) says about its strength.
//!
//! The strength of a sign-in is read from its `amr` values and nowhere else: a sign-in is
//! multi-factor exactly when its `amr` carries `mfa`, which [`with_second_factor`] adds
//! together with the second factor's own value. The `acr` (OpenID Connect Core §2) that
//! tokens carry is then one of two configured names for these two strengths.

/// Whether a client's users must present a second factor (`latchkey clients add --mfa`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MfaPolicy {
    /// Never asked (unless the request's `acr_values` asks for it).
    #[default]
    Off,
    /// Asked of the users who enrolled a factor.
    Optional,
    /// Asked of every user; one without a factor enrols one right after the password.
    Required,
}

impl MfaPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "off" => Some(Self::Off),
            "optional" => Some(Self::Optional),
            "required" => Some(Self::Required),
            _ => None,
        }
    }
}

/// The RFC 8176 value of a one-time password (TOTP, and a recovery code).
pub const AMR_OTP: &str = "otp";
/// The RFC 8176 value of a sign-in with more than one factor.
pub const AMR_MFA: &str = "mfa";

/// Whether a sign-in with these `amr` values used two factors or more.
pub fn is_multi_factor(amr: &[String]) -> bool {
    amr.iter().any(|value| value == AMR_MFA)
}

/// The `amr` values of a sign-in after a second factor `factor` (e.g. [`AMR_OTP`]): the first
/// factor's values, the second's, and `mfa`, each once.
pub fn with_second_factor(amr: &[String], factor: &str) -> Vec<String> {
    let mut values = amr.to_vec();
    for value in [factor, AMR_MFA] {
        if !values.iter().any(|v| v == value) {
            values.push(value.to_owned());
        }
    }
    values
}

/// What a request needs of the sign-in, given the client's policy, whether the user enrolled
/// a factor, and whether the request's `acr_values` named the multi-factor class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorNeed {
    /// The sign-in is good enough as it is.
    None,
    /// Ask for the enrolled factor.
    Verify,
    /// The user has no factor: lead them through enrolment first.
    Enrol,
}

/// The rule (docs/architecture.md, "Multi-factor authentication"): a multi-factor sign-in
/// always satisfies; otherwise `required` (or `acr_values` asking for the multi-factor
/// class) asks for a factor, enrolling one if the user has none, and `optional` asks for it
/// only of users who have one.
pub fn second_factor_need(
    policy: MfaPolicy,
    acr_asks_mfa: bool,
    has_factor: bool,
    amr: &[String],
) -> SecondFactorNeed {
    let wanted = match policy {
        _ if acr_asks_mfa => true,
        MfaPolicy::Required => true,
        MfaPolicy::Optional => has_factor,
        MfaPolicy::Off => false,
    };
    match (wanted && !is_multi_factor(amr), has_factor) {
        (false, _) => SecondFactorNeed::None,
        (true, true) => SecondFactorNeed::Verify,
        (true, false) => SecondFactorNeed::Enrol,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amr(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn policies_round_trip() {
        for policy in [MfaPolicy::Off, MfaPolicy::Optional, MfaPolicy::Required] {
            assert_eq!(MfaPolicy::parse(policy.as_str()), Some(policy));
        }
        assert_eq!(MfaPolicy::parse("yes"), None);
    }

    #[test]
    fn a_second_factor_adds_its_value_and_mfa_once() {
        let after = with_second_factor(&amr(&["pwd"]), AMR_OTP);
        assert_eq!(after, amr(&["pwd", "otp", "mfa"]));
        assert_eq!(with_second_factor(&after, AMR_OTP), after);
        assert!(is_multi_factor(&after) && !is_multi_factor(&amr(&["fed"])));
    }

    #[test]
    fn the_policy_decides_who_is_asked() {
        let pwd = amr(&["pwd"]);
        use SecondFactorNeed::*;
        assert_eq!(second_factor_need(MfaPolicy::Off, false, true, &pwd), None);
        assert_eq!(second_factor_need(MfaPolicy::Optional, false, false, &pwd), None);
        assert_eq!(second_factor_need(MfaPolicy::Optional, false, true, &pwd), Verify);
        assert_eq!(second_factor_need(MfaPolicy::Required, false, false, &pwd), Enrol);
        assert_eq!(second_factor_need(MfaPolicy::Required, false, true, &pwd), Verify);
        assert_eq!(second_factor_need(MfaPolicy::Off, true, true, &pwd), Verify, "acr_values steps up");
        let mfa = amr(&["pwd", "otp", "mfa"]);
        assert_eq!(second_factor_need(MfaPolicy::Required, true, true, &mfa), None);
    }
}
