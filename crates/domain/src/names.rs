//! Integration names: what a person reads in a list, so every character
//! must show as what it is. Control characters, text-direction controls
//! (after a right-to-left override, `fdp.exe` reads as `exe.pdf`), invisible
//! characters (a zero-width space, a byte-order mark) and noncharacters are
//! refused, not stripped: a name is stored as it was given, less the
//! surrounding whitespace, and never changed behind the client's back.

use crate::field_rules::MAX_NAME_LEN;
use crate::validation::ValidationErrors;

/// An integration name: 1 to 200 characters with at least one visible one,
/// none of them refused (see the module).
pub fn check_name(name: &str, errors: &mut ValidationErrors) {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        errors.push("name", "is required");
    } else if name.chars().count() > MAX_NAME_LEN {
        errors.push("name", format!("must be at most {MAX_NAME_LEN} characters"));
    } else if let Some((c, what)) = name.chars().find_map(|c| refused(c).map(|w| (c, w))) {
        errors.push(
            "name",
            format!("must not contain {what} (U+{:04X})", u32::from(c)),
        );
    } else if trimmed
        .chars()
        .all(|c| c.is_whitespace() || shows_nothing(c))
    {
        errors.push("name", "must contain a visible character");
    }
}

/// The kind of character this is, when a name may not hold it.
fn refused(c: char) -> Option<&'static str> {
    let code = u32::from(c);
    if c.is_control() {
        return Some("control characters");
    }
    if matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    {
        return Some("text-direction control characters");
    }
    if matches!(code, 0xFDD0..=0xFDEF) || code & 0xFFFE == 0xFFFE {
        return Some("noncharacters");
    }
    // Format and filler characters that show nothing and carry no meaning
    // in a label. The joiners and selectors that emoji and some scripts
    // need are allowed (see `shows_nothing`).
    if matches!(
        c,
        '\u{00AD}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
    ) {
        return Some("invisible characters");
    }
    None
}

/// Allowed in a name, but nothing to see on its own: joiners, variation
/// selectors and tag characters (parts of emoji and of some scripts), the
/// combining grapheme joiner and the blank Braille pattern.
fn shows_nothing(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{180B}'..='\u{180D}'
            | '\u{180F}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2800}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{E0020}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str) -> Option<String> {
        let mut errors = ValidationErrors::default();
        check_name(name, &mut errors);
        errors.0.first().map(|e| {
            assert_eq!(e.field, "name");
            e.message.clone()
        })
    }

    #[test]
    fn lengths_and_control_characters() {
        assert_eq!(check("  ").as_deref(), Some("is required"));
        assert!(check(&"x".repeat(201)).is_some());
        assert_eq!(
            check("a\nb").as_deref(),
            Some("must not contain control characters (U+000A)")
        );
        assert_eq!(check("fine"), None);
    }

    #[test]
    fn invisible_and_direction_controls_are_refused() {
        for (name, message) in [
            ("\u{200B}", "must not contain invisible characters (U+200B)"),
            (
                "ops\u{200B}",
                "must not contain invisible characters (U+200B)",
            ),
            (
                "\u{FEFF}Ops alerts",
                "must not contain invisible characters (U+FEFF)",
            ),
            (
                "a\u{2060}b",
                "must not contain invisible characters (U+2060)",
            ),
            ("\u{3164}", "must not contain invisible characters (U+3164)"),
            (
                "invoice\u{202E}fdp.exe",
                "must not contain text-direction control characters (U+202E)",
            ),
            (
                "\u{2067}x",
                "must not contain text-direction control characters (U+2067)",
            ),
            (
                "a\u{200F}",
                "must not contain text-direction control characters (U+200F)",
            ),
            ("x\u{FFFF}", "must not contain noncharacters (U+FFFF)"),
            ("x\u{FDD0}", "must not contain noncharacters (U+FDD0)"),
            ("x\u{10FFFE}", "must not contain noncharacters (U+10FFFE)"),
            ("\u{200D}", "must contain a visible character"),
            (" \u{FE0F} \u{200C} ", "must contain a visible character"),
        ] {
            assert_eq!(check(name).as_deref(), Some(message), "{name:?}");
        }
    }

    #[test]
    fn scripts_and_emoji_are_names() {
        for name in [
            "Alertas de operações",
            "עדכוני מערכת",
            "تنبيهات العمليات",
            "می‌خواهم",    // Persian, with a zero-width non-joiner
            "क्‍ष",         // Devanagari, with a zero-width joiner
            "On call 👩‍💻", // a ZWJ emoji sequence
            "❤️ status",  // with a variation selector
            "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} team", // a tag sequence
            "Ops\u{00A0}EU",
        ] {
            assert_eq!(check(name), None, "{name:?}");
        }
    }
}
