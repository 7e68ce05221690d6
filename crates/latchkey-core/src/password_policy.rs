//! Which new passwords are accepted, per NIST SP 800-63B §3.1.1.2 (rev. 4 §5.1.1.2): at
//! least `min_chars` characters (8 by default), at most [`MAX_PASSWORD_LEN`] bytes, every
//! character allowed, no composition rules — and refused when it is a commonly used or
//! guessable password: one of the most common passwords ([`COMMON`], compared without case
//! and with trailing digits and symbols removed), one character repeated, a run of the
//! keyboard or the alphabet, or the account's own name or e-mail address. The reason is shown
//! to the user (§3.1.1.2: "the verifier SHALL … provide the reason for rejection").
//!
//! Every door that sets a password comes here: reset, sign-up, `POST /account/password`,
//! and `latchkey users set-password` / `users add`.

use crate::token_request::MAX_PASSWORD_LEN;

/// The default shortest password, in characters.
pub const DEFAULT_MIN_CHARS: usize = 8;

/// Why a new password was refused; `Display` is the text shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The password must have at least {0} characters.")]
    TooShort(usize),
    #[error("The password is too long (at most {MAX_PASSWORD_LEN} bytes).")]
    TooLong,
    #[error("This password is one of the most commonly used passwords: choose another.")]
    Common,
    #[error("This password is too easy to guess (repeated or sequential characters): choose another.")]
    Guessable,
    #[error("The password must not contain your username or e-mail address.")]
    ContainsAccountName,
}

/// Checks a new password; `account` holds the account's username and e-mail address.
pub fn check(password: &str, min_chars: usize, account: &[&str]) -> Result<(), Refusal> {
    if password.chars().count() < min_chars.max(1) {
        return Err(Refusal::TooShort(min_chars.max(1)));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(Refusal::TooLong);
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if COMMON.contains(&lower.as_str()) || COMMON.contains(&stem) {
        return Err(Refusal::Common);
    }
    if is_repeated(&lower) || is_sequence(&lower) {
        return Err(Refusal::Guessable);
    }
    let names = account.iter().flat_map(|name| [name.to_lowercase(), local_part(name).to_lowercase()]);
    if names.filter(|name| name.chars().count() >= 3).any(|name| lower.contains(&name)) {
        return Err(Refusal::ContainsAccountName);
    }
    Ok(())
}

fn local_part(address: &str) -> &str {
    address.split('@').next().unwrap_or(address)
}

/// One character, or one short group, repeated (`aaaaaaaa`, `abcabcabc`).
fn is_repeated(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    (1..=3)
        .any(|period| chars.len() > period && chars.iter().enumerate().all(|(i, c)| *c == chars[i % period]))
}

/// A stretch of one of [`SEQUENCES`], forwards or backwards.
fn is_sequence(password: &str) -> bool {
    let reversed: String = password.chars().rev().collect();
    SEQUENCES.iter().any(|run| run.contains(password) || run.contains(reversed.as_str()))
}

const SEQUENCES: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
];

/// The most common passwords of public breach corpora, of 6 characters or more, lower case,
/// with trailing digits and symbols removed where that leaves a word.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pa$$word",
    "qwerty",
    "qwertyuiop",
    "iloveyou",
    "princess",
    "sunshine",
    "football",
    "baseball",
    "welcome",
    "welcome1",
    "monkey",
    "dragon",
    "letmein",
    "shadow",
    "master",
    "superman",
    "batman",
    "trustno",
    "trustno1",
    "michael",
    "jennifer",
    "jordan",
    "hunter",
    "ranger",
    "buster",
    "soccer",
    "hockey",
    "killer",
    "george",
    "charlie",
    "andrew",
    "michelle",
    "jessica",
    "pepper",
    "daniel",
    "access",
    "thomas",
    "robert",
    "matthew",
    "starwars",
    "computer",
    "freedom",
    "whatever",
    "nicole",
    "ashley",
    "summer",
    "winter",
    "spring",
    "autumn",
    "cheese",
    "flower",
    "butterfly",
    "chocolate",
    "cookie",
    "secret",
    "changeme",
    "default",
    "administrator",
    "admin",
    "root",
    "login",
    "guest",
    "qazwsx",
    "zaq1zaq1",
    "zxcvbnm",
    "asdfgh",
    "asdfghjkl",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "aa123456",
    "abc123",
    "abcd1234",
    "password1",
    "mustang",
    "harley",
    "ginger",
    "yankees",
    "lakers",
    "liverpool",
    "chelsea",
    "arsenal",
    "pokemon",
    "naruto",
    "samsung",
    "google",
    "internet",
    "service",
    "lovely",
    "loveme",
    "iloveu",
    "family",
    "friends",
    "forever",
    "blessed",
    "angel",
    "babygirl",
    "sweetie",
    "tigger",
    "maggie",
    "bailey",
    "purple",
    "orange",
    "yellow",
    "silver",
    "golden",
    "diamond",
    "matrix",
    "hello",
    "helloworld",
    "test",
    "testing",
    "tester",
    "example",
    "latchkey",
    "letmein1",
    "monkey1",
    "dragon1",
    "qwerty1",
    "qwerty123",
    "password123",
    "admin123",
    "welcome123",
    "iloveyou1",
    "sunshine1",
    "princess1",
    "football1",
    "baseball1",
    "starwars1",
    "zxcvbnm1",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_and_configurable() {
        assert_eq!(check("kx7#Lq", 8, &[]), Err(Refusal::TooShort(8)));
        assert_eq!(check("élan vital", 10, &[]), Ok(()));
        assert_eq!(check("élan vita", 10, &[]), Err(Refusal::TooShort(10)));
        assert_eq!(check(&"x7".repeat(600), 8, &[]), Err(Refusal::TooLong));
    }

    #[test]
    fn common_passwords_are_refused_with_their_decorations() {
        for password in ["password", "Password1!", "P@ssw0rd", "qwerty123", "Football2024", "letmein!!"] {
            assert_eq!(check(password, 8, &[]), Err(Refusal::Common), "{password}");
        }
    }

    #[test]
    fn repeated_and_sequential_passwords_are_refused() {
        for password in ["aaaaaaaa", "abcabcabc", "12345678", "87654321", "abcdefghij", "asdfghjkl;"] {
            assert!(check(password, 8, &[]).is_err(), "{password}");
        }
        assert_eq!(check("zyxwvuts", 8, &[]), Err(Refusal::Guessable));
    }

    #[test]
    fn the_account_name_is_refused() {
        let account = ["alice.smith", "asmith@example.com"];
        assert_eq!(check("alice.smith-2024", 8, &account), Err(Refusal::ContainsAccountName));
        assert_eq!(check("my asmith pass", 8, &account), Err(Refusal::ContainsAccountName));
    }

    #[test]
    fn no_composition_rules() {
        assert_eq!(check("correct horse battery staple", 8, &["alice"]), Ok(()));
        assert_eq!(check("tangerine voyage", 8, &[]), Ok(()));
        assert_eq!(check("😀🎉🌈🚀🔑🧩🪐🎈", 8, &[]), Ok(()));
    }
}
