//! What the process writes on stderr: the log (its format, filter and
//! colour) and the lines written past the filter (start-up notices, the
//! final error). With `log.format = json` every one of them is a JSON
//! object shaped like the log's own lines, so a log pipeline never meets a
//! line it cannot parse.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::str::FromStr;
use std::sync::OnceLock;

use anyhow::{Context, anyhow};
use serde_json::{Map, Value, json};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

use crate::settings::{LogFormat, LogSettings};

/// The format chosen at start-up; plain text until settings are read.
static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// The levels a bare directive may name.
const LEVELS: &str = "off, error, warn, info, debug, trace";

/// A log filter (`RUST_LOG` syntax), refused rather than half-applied.
/// tracing takes any bare word for a target name, so a typo such as
/// `loud!!` would silently turn every log line off: here a bare directive
/// must be a level, and a target must look like a module path.
pub fn parse_filter(spec: &str) -> Result<EnvFilter, String> {
    for directive in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        match directive.find(['=', '[']) {
            None => {
                if LevelFilter::from_str(directive).is_err() {
                    return Err(format!(
                        "`{directive}` is not a level ({LEVELS}); name a target as `target=level`"
                    ));
                }
            }
            Some(at) => {
                let target = &directive[..at];
                let path_like = target
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':'));
                if !path_like {
                    return Err(format!("`{target}` is not a target (a module path)"));
                }
            }
        }
    }
    EnvFilter::builder()
        .parse(spec)
        .map_err(|e| format!("`{spec}`: {e}"))
}

/// Colour only for a terminal, and never when `NO_COLOR` is set to a
/// non-empty value (<https://no-color.org>).
pub fn use_colour(is_terminal: bool, no_color: Option<OsString>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Install the log: `RUST_LOG` when set, else `log.level`; either refused
/// with a message when it is not a valid filter.
pub fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let _ = FORMAT.set(settings.format);
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            parse_filter(&spec).map_err(|e| anyhow!("RUST_LOG is not a valid log filter: {e}"))?
        }
        _ => parse_filter(&settings.level)
            .map_err(|e| anyhow!("log.level is not a valid log filter: {e}"))?,
    };
    let colour = use_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    );
    // Logs go to stderr so stdout carries only what a command prints for scripts.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let installed = match settings.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.try_init(),
    };
    installed
        .map_err(|e| anyhow!("{e}"))
        .context("installing the log")
}

fn json_logs() -> bool {
    FORMAT.get() == Some(&LogFormat::Json)
}

/// One JSON line in the shape of the log's (`timestamp`, `level`,
/// `fields.message` and the other fields, `target`).
fn json_line(level: &str, message: &str, fields: &[(&str, &str)]) -> String {
    let mut all = Map::new();
    all.insert("message".into(), Value::from(message));
    for (k, v) in fields {
        all.insert((*k).into(), Value::from(*v));
    }
    json!({
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "level": level,
        "fields": all,
        "target": "patchbay",
    })
    .to_string()
}

/// A notice the operator must see whatever the filter (a generated key
/// file, a command's result): on stderr, as text or as a JSON line.
/// `text` is the human form; `message` and `fields` the structured one.
pub fn notice(level: &str, text: &str, message: &str, fields: &[(&str, &str)]) {
    let line = if json_logs() {
        json_line(level, message, fields)
    } else {
        text.to_string()
    };
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// The error that ends the process, in the log's format.
pub fn report_error(err: &anyhow::Error) {
    let text = format!("{err:#}");
    notice("ERROR", &format!("error: {text}"), &text, &[]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_word_that_is_no_level_is_refused() {
        for bad in [
            "loud!!",
            "loud",
            "info,verbose",
            "patchbay=loud",
            "lo ud!=info",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad} was accepted");
        }
        for good in [
            "info",
            "WARN",
            "off",
            "warn,patchbay=debug",
            "patchbay_api::middleware=trace,info",
            "info,[request]=debug",
            "",
        ] {
            assert!(parse_filter(good).is_ok(), "{good} was refused");
        }
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some("".into())));
        assert!(!use_colour(true, Some("1".into())));
        assert!(!use_colour(false, None));
    }

    #[test]
    fn json_lines_are_shaped_like_the_logs() {
        let line: Value =
            serde_json::from_str(&json_line("WARN", "hello", &[("path", "x")])).unwrap();
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["fields"]["message"], "hello");
        assert_eq!(line["fields"]["path"], "x");
        assert!(line["timestamp"].is_string());
    }
}
