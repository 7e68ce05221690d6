//! The text log line: the layout of `tracing_subscriber`'s default (`Full`) format, written
//! without its styling machinery, and with every value escaped.
//!
//! At `info` the server writes one line per request (`latchkey-server/src/request_log.rs`),
//! and the default format passes every span name, field name, `=` and separator through
//! `nu_ansi_term` even when colours are off, quotes strings character by character and writes
//! the time with padded `write!`s: the line cost a client-credentials grant 17,900
//! instructions, about 10,000 written here piece by piece (BENCHMARKS.md; docs/architecture.md,
//! "Performance budgets": `info` within 10 % of `warn`). The time is `humantime`'s (the same
//! RFC 3339 form), and only the level is coloured, for a person at a terminal.
//!
//! Log injection: every value goes through [`Escaped`], so no value can start a new line (also
//! not by U+2028/U+2029), send a terminal escape sequence or reorder what a reader sees (bidi
//! controls) — also a `Display` value such as an upstream provider's error text. The default
//! format escapes some control characters in the message and in errors, never `\n` or `\r`,
//! and writes other values raw. Strings keep the default's quoting (`path="/token"`), numbers
//! and booleans are bare. Events of the `log` crate (rustls, reqwest) show their own target,
//! as the default shows them.

use std::fmt::{self, Debug, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format: `<RFC 3339 time> <level> <span>{<fields>}:… <target>: <message> <fields>`.
pub struct Line;

/// The field format of events and spans: `name=value`, separated by spaces.
pub struct Fields;

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        write_time(&mut writer)?;
        write_level(&mut writer, *meta.level())?;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        write!(writer, "{{{fields}}}")?;
                    }
                }
                writer.write_char(':')?;
            }
            writer.write_char(' ')?;
        }
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// The first second of the year 10000, which RFC 3339 cannot write.
const YEAR_10000: Duration = Duration::from_secs(253_402_300_800);

/// The time in RFC 3339, UTC, to the microsecond; what the default writes for a clock it
/// cannot (before 1970 or after 9999), where `humantime` would panic or fail.
fn write_time(writer: &mut Writer<'_>) -> fmt::Result {
    let now = SystemTime::now();
    match now.duration_since(UNIX_EPOCH) {
        Ok(since) if since < YEAR_10000 => write!(writer, "{}", humantime::format_rfc3339_micros(now)),
        _ => writer.write_str("<unknown time>"),
    }
}

/// ` LEVEL ` right-aligned to five characters, as the default format does; coloured as the
/// default colours it when the writer takes ANSI escapes (a terminal).
fn write_level(writer: &mut Writer<'_>, level: Level) -> fmt::Result {
    let name = level.as_str();
    let pad = if name.len() < 5 { "  " } else { " " };
    if !writer.has_ansi_escapes() {
        return write!(writer, "{pad}{name} ");
    }
    let colour = match level {
        Level::TRACE => "35",
        Level::DEBUG => "34",
        Level::INFO => "32",
        Level::WARN => "33",
        Level::ERROR => "31",
    };
    write!(writer, "{pad}\x1b[{colour}m{name}\x1b[0m ")
}

impl<'a> MakeVisitor<Writer<'a>> for Fields {
    type Visitor = FieldVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> Self::Visitor {
        FieldVisitor { writer, empty: true, result: Ok(()) }
    }
}

/// Writes one event's or span's fields.
pub struct FieldVisitor<'a> {
    writer: Writer<'a>,
    empty: bool,
    result: fmt::Result,
}

impl FieldVisitor<'_> {
    /// `name=` (nothing for the message), after a space unless it is the first field; false
    /// for a field not to write: the `log.` fields of a `log` event are in its metadata.
    fn start(&mut self, field: &Field) -> bool {
        if self.result.is_err() || field.name().starts_with("log.") {
            return false;
        }
        if !std::mem::take(&mut self.empty) {
            self.result = self.writer.write_char(' ');
        }
        if field.name() != "message" {
            self.result = self
                .result
                .and_then(|()| self.writer.write_str(name_of(field)))
                .and_then(|()| self.writer.write_char('='));
        }
        self.result.is_ok()
    }

    /// A number or a boolean: bare, nothing in it to escape.
    fn record_bare(&mut self, field: &Field, value: impl fmt::Display) {
        if self.start(field) {
            self.result = write!(self.writer, "{value}");
        }
    }
}

/// A field's name as written: without the `r#` of a raw identifier (`r#type` is `type`).
fn name_of(field: &Field) -> &'static str {
    let name = field.name();
    name.strip_prefix("r#").unwrap_or(name)
}

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else if value.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\') {
            // What `{value:?}` writes for printable ASCII without quotes or backslashes.
            if self.start(field) {
                self.result = write!(self.writer, "\"{value}\"");
            }
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_bare(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_bare(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record_bare(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if self.start(field) {
            self.result = write!(Escaped(&mut self.writer), "{value:?}");
        }
    }

    /// `name=<error> name.sources=[<source>, …]`, as the default writes an error.
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_debug(field, &format_args!("{value}"));
        let Some(first) = value.source() else { return };
        if self.result.is_ok() {
            let mut out = Escaped(&mut self.writer);
            self.result = write!(out, " {}.sources=[{first}", name_of(field));
            let mut source = first.source();
            while let (Ok(()), Some(next)) = (self.result, source) {
                self.result = write!(out, ", {next}");
                source = next.source();
            }
            self.result = self.result.and_then(|()| out.write_char(']'));
        }
    }
}

impl VisitOutput<fmt::Result> for FieldVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for FieldVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

/// Passes text through with control characters (newlines, escapes, C1 controls) written as
/// Rust escapes (`\n`, `\u{1b}`), and the line and paragraph separators and bidi controls as
/// `\u{…}`, so no value can forge a line, drive a terminal or reorder what a reader sees.
struct Escaped<'w, 'a>(&'w mut Writer<'a>);

/// U+2028, U+2029 (line breaks to some readers) and the bidi controls (Unicode TR 9, 2.1–2.6).
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

impl fmt::Write for Escaped<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Only below 0x20, at DEL, or at the lead bytes of the characters escaped (0xC2:
        // U+0080–U+00BF, the C1 controls; 0xD8: U+0600–U+063F; 0xE2: U+2000–U+2FFF) is there
        // anything to look at by the character.
        if text.bytes().all(|b| b >= 0x20 && !matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2)) {
            return self.0.write_str(text);
        }
        for c in text.chars() {
            if c.is_control() {
                write!(self.0, "{}", c.escape_debug())?;
            } else if is_invisible_format(c) {
                write!(self.0, "{}", c.escape_unicode())?;
            } else {
                self.0.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "log_line_tests.rs"]
mod tests;
