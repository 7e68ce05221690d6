//! The message catalogue of the hosted pages and the e-mails (docs/architecture.md, "Branding
//! and languages"): every text a user reads is a Project Fluent message, looked up by id.
//!
//! English is built in (`locales/en/*.ftl`, embedded at compile time) and is complete: a test
//! checks every id the code uses against it. Other languages, and rewordings of the English
//! texts, come from the `messages_dir` setting: one folder per language tag holding `.ftl`
//! files, read once at start (a syntax error refuses the start, naming the file). A message
//! missing from a language falls back to English, so a partial translation never shows an id.

pub mod accept_language;

use std::path::Path;

use anyhow::Context;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

/// A value inserted into a message (`{ $name }`): a string or a number.
pub use fluent_bundle::FluentValue as Arg;

/// The built-in English messages: (file name, text).
const ENGLISH: [(&str, &str); 2] = [
    ("locales/en/pages.ftl", include_str!("../../locales/en/pages.ftl")),
    ("locales/en/mail.ftl", include_str!("../../locales/en/mail.ftl")),
];

/// One of the catalogue's languages (an index into it; English is the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Language(usize);

impl Language {
    pub const ENGLISH: Language = Language(0);
}

/// The languages and their messages, loaded once at start.
pub struct Catalogue {
    /// (lower-case language tag, messages), English first.
    languages: Vec<(String, FluentBundle<FluentResource>)>,
}

impl Catalogue {
    /// English, then the languages of `messages_dir` (a `<tag>/` folder of `.ftl` files each;
    /// an `en/` folder rewords English messages).
    pub fn load(messages_dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut english = bundle("en")?;
        for (name, text) in ENGLISH {
            english.add_resource_overriding(parse(name, text.to_owned())?);
        }
        let mut languages = vec![("en".to_owned(), english)];
        if let Some(dir) = messages_dir {
            for (tag, files) in language_folders(dir)? {
                let index = match languages.iter().position(|(known, _)| *known == tag) {
                    Some(index) => index,
                    None => {
                        languages.push((tag.clone(), bundle(&tag)?));
                        languages.len() - 1
                    }
                };
                for file in files {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("messages_dir: cannot read {}", file.display()))?;
                    languages[index].1.add_resource_overriding(parse(&file.display().to_string(), text)?);
                }
            }
        }
        Ok(Self { languages })
    }

    /// The language an `Accept-Language` header picks among ours (RFC 9110 §12.5.4), English
    /// when it picks none.
    pub fn negotiate(&self, accept_language: &str) -> Language {
        let tags: Vec<&str> = self.languages.iter().map(|(tag, _)| tag.as_str()).collect();
        accept_language::negotiate(accept_language, &tags)
            .and_then(|tag| tags.iter().position(|known| *known == tag))
            .map_or(Language::ENGLISH, Language)
    }

    /// The language's tag, for `<html lang>`.
    pub fn tag(&self, language: Language) -> &str {
        self.languages.get(language.0).map_or("en", |(tag, _)| tag.as_str())
    }

    /// Message `id` in `language`, with `args`; the English one when the language lacks it
    /// or cannot format it.
    pub fn message(&self, language: Language, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        [language, Language::ENGLISH]
            .iter()
            .filter_map(|language| self.languages.get(language.0))
            .find_map(|(_, bundle)| format(bundle, id, &fluent_args))
            .unwrap_or_else(|| id.to_owned())
    }

    /// Whether English has message `id` (the test of the ids the code uses).
    pub fn has_english(&self, id: &str) -> bool {
        self.languages[0].1.has_message(id)
    }
}

fn bundle(tag: &str) -> anyhow::Result<FluentBundle<FluentResource>> {
    let language: LanguageIdentifier = tag
        .parse()
        .with_context(|| format!("messages_dir: {tag:?} is not a language tag (e.g. fr, pt-BR)"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![language]);
    // No Unicode isolation marks around inserted values: the texts go into plain-text
    // e-mails and HTML, where the marks would be stray characters.
    bundle.set_use_isolating(false);
    Ok(bundle)
}

fn parse(name: &str, text: String) -> anyhow::Result<FluentResource> {
    FluentResource::try_new(text).map_err(|(_, errors)| {
        anyhow::anyhow!(
            "{name} is not a valid Fluent file: {}",
            errors.first().map_or_else(String::new, |e| e.to_string())
        )
    })
}

/// The `<tag>/*.ftl` files of `dir`, by lower-case tag, in name order.
fn language_folders(dir: &Path) -> anyhow::Result<Vec<(String, Vec<std::path::PathBuf>)>> {
    let read = |path: &Path| {
        std::fs::read_dir(path).with_context(|| format!("messages_dir: cannot read {}", path.display()))
    };
    let mut folders = Vec::new();
    for entry in read(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let tag = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
        let mut files: Vec<_> = read(&path)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|file| file.extension().is_some_and(|ext| ext == "ftl"))
            .collect();
        files.sort();
        folders.push((tag, files));
    }
    folders.sort();
    Ok(folders)
}

fn format(bundle: &FluentBundle<FluentResource>, id: &str, args: &FluentArgs<'_>) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

#[cfg(test)]
mod tests;
