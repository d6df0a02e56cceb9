//! Bidirectional-control characters (U+202A–U+202E, U+2066–U+2069) in Jamf text would reorder
//! what a reviewer sees in a spreadsheet or the report ("Trojan Source"): they are shown as
//! their code point instead, e.g. `[U+202E]`, so the evidence stays visible and inert.

use std::borrow::Cow;

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every bidirectional-control character written out as `[U+XXXX]`.
pub fn reveal(text: &str) -> Cow<'_, str> {
    if !text.contains(is_bidi_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_bidi_control(c) {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bidi_control_and_nothing_else_is_revealed() {
        let cases = [
            ("admin\u{202E}txt.exe", "admin[U+202E]txt.exe"),
            (
                "\u{202A}a\u{202B}b\u{202C}c\u{202D}",
                "[U+202A]a[U+202B]b[U+202C]c[U+202D]",
            ),
            (
                "\u{2066}x\u{2067}y\u{2068}z\u{2069}",
                "[U+2066]x[U+2067]y[U+2068]z[U+2069]",
            ),
            // Neighbours of the ranges and ordinary right-to-left text stay as they are.
            (
                "\u{2029}\u{202F}\u{2065}\u{206A}",
                "\u{2029}\u{202F}\u{2065}\u{206A}",
            ),
            ("שלום jane", "שלום jane"),
            ("", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(reveal(text), expected, "{text:?}");
        }
        assert!(matches!(reveal("plain"), Cow::Borrowed(_)));
    }
}
