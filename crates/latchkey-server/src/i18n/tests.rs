//! The catalogue against the code: every message id the code names exists in English, so no
//! page or e-mail can show an id; and the lookup falls back to English.

use std::path::Path;

use super::*;

/// The string literals passed first to the catalogue's functions in the sources under `dir`.
fn ids_used(dir: &Path, ids: &mut Vec<(String, String)>) {
    const CALLS: [&str; 5] = ["tr(\"", "tr_args(\"", "tr_markup(\"", "text(\"", "link(\""];
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            ids_used(&path, ids);
            continue;
        }
        let Ok(source) = std::fs::read_to_string(&path) else { continue };
        for call in CALLS {
            for (at, _) in source.match_indices(call) {
                let before = source[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' {
                    continue; // another function whose name ends the same
                }
                let rest = &source[at + call.len()..];
                let id = &rest[..rest.find('"').unwrap_or(0)];
                ids.push((id.to_owned(), path.display().to_string()));
            }
        }
    }
}

#[test]
fn every_id_the_code_uses_is_in_english() {
    let catalogue = Catalogue::load(None).unwrap();
    let mut ids = Vec::new();
    ids_used(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut ids);
    assert!(ids.len() > 100, "the scan finds the calls: {}", ids.len());
    let missing: Vec<_> = ids.iter().filter(|(id, _)| !catalogue.has_english(id)).collect();
    assert!(missing.is_empty(), "message ids missing from locales/en: {missing:?}");
}

#[test]
fn a_missing_message_falls_back_to_english_and_isolation_marks_are_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("fr")).unwrap();
    std::fs::write(dir.path().join("fr/a.ftl"), "login-title = Connexion\n").unwrap();
    let catalogue = Catalogue::load(Some(dir.path())).unwrap();
    let french = catalogue.negotiate("fr-FR, en;q=0.5");
    assert_eq!(catalogue.tag(french), "fr");
    assert_eq!(catalogue.message(french, "login-title", &[]), "Connexion");
    assert_eq!(catalogue.message(french, "consent-allow", &[]), "Allow");
    let args = [("client", Arg::from("App"))];
    assert_eq!(catalogue.message(french, "login-continue-to", &args), "to continue to App");
    assert_eq!(catalogue.negotiate("de"), Language::ENGLISH);
}

#[test]
fn a_broken_catalogue_file_refuses_the_start_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("fr")).unwrap();
    std::fs::write(dir.path().join("fr/broken.ftl"), "login-title = {\n").unwrap();
    let error = Catalogue::load(Some(dir.path())).err().unwrap().to_string();
    assert!(error.contains("broken.ftl"), "{error}");
}
