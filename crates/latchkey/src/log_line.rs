//! The text log line: the layout of `tracing_subscriber`'s default (`Full`) format, written
//! without its styling machinery, and with every value escaped.
//!
//! At `info` the server writes one line per request (`latchkey-server/src/request_log.rs`),
//! and the default format passes every span name, field name, `=` and separator through
//! `nu_ansi_term` even when colours are off, quotes strings character by character and writes
//! the time with padded `write!`s: the line cost a client-credentials grant 17,900
//! instructions, 9,400 written here piece by piece (BENCHMARKS.md; docs/architecture.md,
//! "Performance budgets": `info` within 10 % of `warn`). The time is `humantime`'s (the same
//! RFC 3339 form), and only the level is coloured, for a person at a terminal.
//!
//! Log injection: every value goes through [`Escaped`], so a value cannot start a new line or
//! send a terminal escape sequence — also a `Display` value such as an upstream provider's
//! error text, which the default format writes raw unless it is the message. Strings keep the
//! default's quoting (`path="/token"`), numbers and booleans are bare.

use std::fmt::{self, Debug, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
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
        let meta = event.metadata();
        write!(writer, "{}", humantime::format_rfc3339_micros(std::time::SystemTime::now()))?;
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
    /// `name=` (nothing for the message), after a space unless it is the first field.
    fn start(&mut self, field: &Field) -> bool {
        if self.result.is_err() {
            return false;
        }
        if !std::mem::take(&mut self.empty) {
            self.result = self.writer.write_char(' ');
        }
        let name = field.name();
        if name != "message" {
            let name = name.strip_prefix("r#").unwrap_or(name);
            self.result = self
                .result
                .and_then(|()| self.writer.write_str(name))
                .and_then(|()| self.writer.write_char('='));
        }
        self.result.is_ok()
    }
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
        if self.start(field) {
            self.result = write!(self.writer, "{value}");
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.start(field) {
            self.result = write!(self.writer, "{value}");
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.start(field) {
            self.result = write!(self.writer, "{value}");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if self.start(field) {
            self.result = write!(Escaped(&mut self.writer), "{value:?}");
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
/// Rust escapes (`\n`, `\u{1b}`), so no value can forge a line or drive a terminal.
struct Escaped<'w, 'a>(&'w mut Writer<'a>);

impl fmt::Write for Escaped<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Below 0x20, DEL, or 0xC2, the lead byte of U+0080–U+00BF, which holds the C1
        // controls: only then is there anything to look at by the character.
        if text.bytes().all(|b| b >= 0x20 && b != 0x7f && b != 0xc2) {
            return self.0.write_str(text);
        }
        for c in text.chars() {
            if c.is_control() {
                write!(self.0, "{}", c.escape_debug())?;
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
