//! Password hashing and verification, including legacy bcrypt imports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use latchkey_crypto::{Argon2Params, PasswordCheck, PasswordHasher};

const FAST: Argon2Params = Argon2Params { memory_kib: 256, iterations: 1, parallelism: 1 };

fn hasher() -> PasswordHasher {
    PasswordHasher::new(FAST).unwrap()
}

#[test]
fn argon2id_hash_verifies_and_wrong_password_is_invalid() {
    let h = hasher();
    let hash = h.hash("correct horse battery staple").unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{hash}");
    assert_eq!(h.verify("correct horse battery staple", &hash), PasswordCheck::Valid);
    assert_eq!(h.verify("correct horse battery stapler", &hash), PasswordCheck::Invalid);
    assert_eq!(h.verify("", &hash), PasswordCheck::Invalid);
    assert_ne!(h.hash("same").unwrap(), h.hash("same").unwrap(), "salts must differ");
    assert!(PasswordHasher::is_supported_hash(&hash));
}

#[test]
fn default_params_are_owasp_and_work() {
    let params = Argon2Params::default();
    assert_eq!(params, Argon2Params { memory_kib: 19456, iterations: 2, parallelism: 1 });
    let h = PasswordHasher::new(params).unwrap();
    let hash = h.hash("pw").unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert_eq!(h.verify("pw", &hash), PasswordCheck::Valid);
    h.dummy_verify("pw");
}

#[test]
fn other_argon2_params_or_variants_need_rehash() {
    let old = PasswordHasher::new(Argon2Params { memory_kib: 512, ..FAST }).unwrap();
    let hash = old.hash("pw").unwrap();
    let h = hasher();
    assert_eq!(h.verify("pw", &hash), PasswordCheck::ValidNeedsRehash);
    assert_eq!(h.verify("nope", &hash), PasswordCheck::Invalid);
    assert_eq!(old.verify("pw", &hash), PasswordCheck::Valid);

    // An argon2i hash (RFC 9106 test-style parameters), made with the argon2 crate directly.
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let argon2i = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(256, 1, 1, None).unwrap(),
    );
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    let hash = argon2i.hash_password(b"pw", &salt).unwrap().to_string();
    assert!(hash.starts_with("$argon2i$"));
    assert_eq!(h.verify("pw", &hash), PasswordCheck::ValidNeedsRehash);
    assert_eq!(h.verify("px", &hash), PasswordCheck::Invalid);
}

#[test]
fn bcrypt_hashes_verify_and_need_rehash() {
    let h = hasher();
    let hash = bcrypt::hash("hunter2", 4).unwrap();
    assert!(hash.starts_with("$2b$04$"), "{hash}");
    assert_eq!(h.verify("hunter2", &hash), PasswordCheck::ValidNeedsRehash);
    assert_eq!(h.verify("hunter3", &hash), PasswordCheck::Invalid);
    assert!(PasswordHasher::is_supported_hash(&hash));

    // PHP's $2y$ and the older $2a$ prefixes name the same algorithm.
    for prefix in ["$2y$", "$2a$"] {
        let other = hash.replacen("$2b$", prefix, 1);
        assert_eq!(h.verify("hunter2", &other), PasswordCheck::ValidNeedsRehash);
        assert!(PasswordHasher::is_supported_hash(&other));
    }
    // A known-answer $2y$ vector (the bcrypt crate's `generate_versions` test: "hunter2",
    // all-zero salt, cost 12).
    let y = "$2y$12$......................21jzCB1r6pN6rp5O2Ev0ejjTAboskKm";
    assert!(PasswordHasher::is_supported_hash(y));
    assert_eq!(h.verify("hunter2", y), PasswordCheck::ValidNeedsRehash);
    assert_eq!(h.verify("hunter3", y), PasswordCheck::Invalid);
}

#[test]
fn garbage_stored_hashes_are_invalid_and_never_panic() {
    let h = hasher();
    let cases = [
        "",
        "password",
        "$",
        "$argon2id$",
        "$argon2id$v=19$m=256,t=1,p=1$",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ",
        "$argon2id$v=19$m=256,t=1,p=1$!!!$!!!",
        "$argon2id$v=99$m=256,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=256,t=4294967295,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA",
        "$pbkdf2-sha256$29000$c2FsdA$aGFzaA",
        "$2a$",
        "$2a$04$",
        "$2a$99$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96",
        "$2a$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU9",
        "$2x$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96",
        "$2a$04$ééééééééééééééééééééééééééééééééééééééééééééééééééééé",
        "\u{0}\u{0}\u{0}",
    ];
    for stored in cases {
        assert_eq!(h.verify("pw", stored), PasswordCheck::Invalid, "{stored:?}");
        assert!(!PasswordHasher::is_supported_hash(stored), "{stored:?}");
    }
}

#[test]
fn is_supported_hash_accepts_real_hashes_only() {
    assert!(PasswordHasher::is_supported_hash(
        "$2a$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96"
    ));
    assert!(PasswordHasher::is_supported_hash(
        "$2b$31$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96"
    ));
    assert!(!PasswordHasher::is_supported_hash(
        "$2b$03$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96"
    ));
    assert!(!PasswordHasher::is_supported_hash("plaintext-password"));
    assert!(!PasswordHasher::is_supported_hash("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
}

#[test]
fn dummy_verify_costs_about_as_much_as_a_real_verify() {
    use std::time::Instant;
    let h = PasswordHasher::new(Argon2Params { memory_kib: 4096, ..FAST }).unwrap();
    let hash = h.hash("pw").unwrap();
    // Interleaved, keeping the fastest run of each: robust against a busy machine.
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64()
    };
    let (mut real, mut dummy) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        real = real.min(time(&|| {
            let _ = h.verify("wrong", &hash);
        }));
        dummy = dummy.min(time(&|| h.dummy_verify("wrong")));
    }
    let ratio = dummy / real;
    assert!((0.5..2.0).contains(&ratio), "dummy/real = {ratio}");
}

#[test]
fn invalid_params_are_refused() {
    assert!(PasswordHasher::new(Argon2Params { memory_kib: 1, iterations: 1, parallelism: 1 }).is_err());
}
