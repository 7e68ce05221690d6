//! Unit tests of the claim mapping (`mapping.rs`).

use serde_json::json;

use super::*;

#[test]
fn standard_claims_map_for_generic_and_google() {
    let claims = json!({
        "sub": "1", "email": "ada@example.com", "email_verified": true, "name": "Ada Lovelace",
        "given_name": "Ada", "family_name": "Lovelace", "picture": "https://img.example/a.png", "locale": "en-GB",
        "roles": ["admin"]
    });
    for flavor in [Flavor::Generic, Flavor::Google] {
        let profile = ClaimMapping::for_flavor(flavor).normalize(flavor, &claims);
        assert_eq!(profile.email.as_deref(), Some("ada@example.com"));
        assert!(profile.email_verified);
        assert_eq!(profile.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(profile.given_name.as_deref(), Some("Ada"));
        assert_eq!(profile.family_name.as_deref(), Some("Lovelace"));
        assert_eq!(profile.picture.as_deref(), Some("https://img.example/a.png"));
        assert_eq!(profile.locale.as_deref(), Some("en-GB"));
        assert!(profile.roles.is_empty(), "roles are opt-in: an upstream `roles` claim alone gives none");
    }
}

#[test]
fn apple_string_true_is_verified_only_for_apple() {
    let claims = json!({"email": "x@privaterelay.appleid.com", "email_verified": "true"});
    assert!(ClaimMapping::for_flavor(Flavor::Apple).normalize(Flavor::Apple, &claims).email_verified);
    assert!(!ClaimMapping::for_flavor(Flavor::Generic).normalize(Flavor::Generic, &claims).email_verified);
    let unverified = json!({"email": "x@example.com", "email_verified": "false"});
    assert!(!ClaimMapping::for_flavor(Flavor::Apple).normalize(Flavor::Apple, &unverified).email_verified);
}

#[test]
fn microsoft_email_is_verified_only_by_xms_edov() {
    let mapping = ClaimMapping::for_flavor(Flavor::Microsoft);
    let claimed = json!({"email": "ceo@victim.example", "email_verified": true});
    assert!(!mapping.normalize(Flavor::Microsoft, &claimed).email_verified);
    let domain_verified = json!({"email": "ceo@tenant.example", "xms_edov": true});
    assert!(mapping.normalize(Flavor::Microsoft, &domain_verified).email_verified);
}

#[test]
fn github_and_facebook_profile_shapes() {
    let github = json!({"id": 583231, "login": "octocat", "name": "The Octocat", "email": "octocat@github.com",
        "email_verified": true, "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4"});
    let profile = ClaimMapping::for_flavor(Flavor::GitHub).normalize(Flavor::GitHub, &github);
    assert_eq!(profile.email.as_deref(), Some("octocat@github.com"));
    assert!(profile.email_verified);
    assert_eq!(profile.picture.as_deref(), Some("https://avatars.githubusercontent.com/u/583231?v=4"));

    let facebook = json!({"id": "10158", "name": "Mark", "email": "mark@example.com", "email_verified": true,
        "picture": {"data": {"url": "https://platform-lookaside.fbsbx.com/p.jpg", "height": 50}}});
    let profile = ClaimMapping::for_flavor(Flavor::Facebook).normalize(Flavor::Facebook, &facebook);
    assert_eq!(profile.email.as_deref(), Some("mark@example.com"));
    assert!(!profile.email_verified, "Facebook says nothing about verification");
    assert_eq!(profile.picture.as_deref(), Some("https://platform-lookaside.fbsbx.com/p.jpg"));
}

#[test]
fn custom_pointers_and_opt_in_roles() {
    let mapping = ClaimMapping {
        email: Some("/contact/mail".into()),
        roles: Some("/realm_access/roles".into()),
        ..ClaimMapping::for_flavor(Flavor::Generic)
    };
    let claims = json!({"contact": {"mail": "a@b.example"}, "realm_access": {"roles": ["teller", "teller", "", 7, "has space"]}});
    let profile = mapping.normalize(Flavor::Generic, &claims);
    assert_eq!(profile.email.as_deref(), Some("a@b.example"));
    assert!(!profile.email_verified);
    assert_eq!(profile.roles, vec!["teller".to_owned()]);
    let single = json!({"realm_access": {"roles": "auditor"}});
    assert_eq!(mapping.normalize(Flavor::Generic, &single).roles, vec!["auditor".to_owned()]);
}

#[test]
fn hostile_values_are_dropped() {
    let claims = json!({
        "email": "not-an-email", "email_verified": true, "name": "a\u{0}b", "picture": "javascript:alert(1)",
        "given_name": "x".repeat(600), "family_name": "  ", "locale": 5
    });
    let profile = ClaimMapping::for_flavor(Flavor::Generic).normalize(Flavor::Generic, &claims);
    assert_eq!(profile, NormalizedProfile::default(), "verified without an e-mail is not verified");
}

#[test]
fn validate_wants_json_pointers_and_serde_round_trips() {
    let mut mapping = ClaimMapping::for_flavor(Flavor::GitHub);
    assert!(mapping.validate().is_ok());
    let json = serde_json::to_string(&mapping).unwrap_or_default();
    assert_eq!(serde_json::from_str::<ClaimMapping>(&json).ok(), Some(mapping.clone()));
    mapping.roles = Some("roles".into());
    assert!(mapping.validate().unwrap_err().contains("roles"));
    assert_eq!(serde_json::from_str::<ClaimMapping>("{}").ok(), Some(ClaimMapping::default()));
}
