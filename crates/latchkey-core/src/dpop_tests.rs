//! The proof-mutation table of RFC 9449 §4.3 on the pure rules, with an injected time.

use super::*;

const NOW: i64 = 1_000_000;
const URL: &str = "https://id.example/auth/token";
const ENDPOINT: EndpointUrl<'static> = EndpointUrl { base: "https://id.example/auth", path: "/token" };
const JKT: &str = "thumbprint-of-the-proof-key";

fn claims() -> ProofClaims<'static> {
    ProofClaims {
        jti: "a".repeat(22).into(),
        htm: "POST".into(),
        htu: URL.into(),
        iat: NOW,
        ath: None,
        nonce: None,
    }
}

fn expected() -> Expected<'static> {
    Expected { method: "POST", url: ENDPOINT, access_token_sha256: None, bound_jkt: None, nonce: None }
}

fn check(claims: &ProofClaims<'_>, expected: &Expected<'_>) -> Result<AcceptedProof, DpopError> {
    check_proof(Some(PROOF_TYP), JKT, claims, expected, ProofWindow::default(), NOW)
}

#[test]
fn a_fitting_proof_is_accepted_and_keyed_by_key_htu_and_jti() {
    let accepted = check(&claims(), &expected()).unwrap();
    assert_eq!(accepted.jkt, JKT);
    assert_eq!(accepted.replay_key, format!("{JKT} {URL} {}", "a".repeat(22)));
    assert_eq!(accepted.remember_until, NOW + 360);
}

#[test]
fn each_mutation_is_refused() {
    type Mutation = fn(&mut ProofClaims<'static>);
    let table: [(&str, Mutation); 13] = [
        ("short jti", |c| c.jti = "a".repeat(15).into()),
        ("huge jti", |c| c.jti = "a".repeat(300).into()),
        ("htm", |c| c.htm = "GET".into()),
        ("htm case", |c| c.htm = "post".into()),
        ("htu scheme", |c| c.htu = "http://id.example/auth/token".into()),
        ("htu port", |c| c.htu = "https://id.example:8443/auth/token".into()),
        ("htu path", |c| c.htu = "https://id.example/token".into()),
        ("htu base only", |c| c.htu = "https://id.example/auth".into()),
        ("htu longer path", |c| c.htu = "https://id.example/auth/token/x".into()),
        ("htu host", |c| c.htu = "https://evil.example/auth/token".into()),
        ("htu not a url", |c| c.htu = "/auth/token".into()),
        ("iat too old", |c| c.iat = NOW - 301),
        ("iat in the future", |c| c.iat = NOW + 61),
    ];
    for (name, mutate) in table {
        let mut c = claims();
        mutate(&mut c);
        assert!(matches!(check(&c, &expected()), Err(DpopError::InvalidProof(_))), "{name}");
    }
    for typ in [None, Some("JWT"), Some("at+jwt")] {
        let refused = check_proof(typ, JKT, &claims(), &expected(), ProofWindow::default(), NOW);
        assert!(refused.is_err(), "{typ:?}");
    }
}

#[test]
fn htu_is_normalized_case_default_port_query_and_fragment() {
    for htu in [
        "HTTPS://ID.EXAMPLE/auth/token",
        "https://id.example:443/auth/token",
        "https://id.example/auth/token?x=1",
        "https://id.example/auth/token#f",
    ] {
        let mut c = claims();
        c.htu = htu.into();
        let accepted = check(&c, &expected()).unwrap_or_else(|e| panic!("{htu}: {e:?}"));
        assert!(accepted.replay_key.contains(&format!(" {URL} ")), "remembered normalized: {htu}");
    }
    let mut c = claims();
    c.htu = "https://id.example/AUTH/token".into();
    assert!(check(&c, &expected()).is_err(), "the path is case-sensitive");
}

#[test]
fn the_window_edges_are_inclusive() {
    let mut c = claims();
    c.iat = NOW - 300;
    assert!(check(&c, &expected()).is_ok());
    c.iat = NOW + 60;
    assert!(check(&c, &expected()).is_ok());
}

#[test]
fn ath_must_be_the_hash_of_the_presented_token() {
    let with_token = Expected { access_token_sha256: Some(access_token_sha256("the-token")), ..expected() };
    assert!(check(&claims(), &with_token).is_err(), "missing ath");
    let mut c = claims();
    c.ath = Some(access_token_hash("another-token").into());
    assert!(check(&c, &with_token).is_err(), "wrong ath");
    c.ath = Some(access_token_hash("the-token").into());
    assert!(check(&c, &with_token).is_ok());
    // RFC 9449 §4.2 example: ath of the token "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU".
    assert_eq!(
        access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

#[test]
fn a_bound_token_needs_a_proof_from_its_key() {
    let bound = Expected { bound_jkt: Some("another-key"), ..expected() };
    assert!(check(&claims(), &bound).is_err());
    let bound = Expected { bound_jkt: Some(JKT), ..expected() };
    assert!(check(&claims(), &bound).is_ok());
}

#[test]
fn a_required_nonce_replaces_the_age_limit_but_not_the_future_one() {
    let valid = |n: &str| n == "current";
    let with_nonce = Expected { nonce: Some(&valid), ..expected() };
    assert_eq!(check(&claims(), &with_nonce), Err(DpopError::UseNonce));
    let mut c = claims();
    c.nonce = Some("stale".into());
    assert_eq!(check(&c, &with_nonce), Err(DpopError::UseNonce));
    c.nonce = Some("current".into());
    c.iat = NOW - 3_600;
    assert!(check(&c, &with_nonce).is_ok());
    c.iat = NOW + 61;
    assert!(check(&c, &with_nonce).is_err());
}

#[test]
fn the_scheme_must_fit_the_binding() {
    let cnf = Confirmation { jkt: JKT.into() };
    assert_eq!(required_proof_key(Scheme::Bearer, None), Ok(None));
    assert_eq!(required_proof_key(Scheme::Dpop, Some(&cnf)), Ok(Some(JKT)));
    assert!(required_proof_key(Scheme::Bearer, Some(&cnf)).is_err(), "a bound token as Bearer");
    assert!(required_proof_key(Scheme::Dpop, None).is_err(), "an unbound token as DPoP");
}

#[test]
fn exactly_one_header_is_accepted() {
    assert_eq!(proof_from_headers(Vec::<&[u8]>::new()), Ok(None));
    assert_eq!(proof_from_headers([b"a.b.c".as_slice()]), Ok(Some("a.b.c")));
    assert!(proof_from_headers([b"a.b.c".as_slice(), b"d.e.f".as_slice()]).is_err());
    assert!(proof_from_headers([[0xffu8].as_slice()]).is_err());
}
