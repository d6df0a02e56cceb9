//! HTML building blocks of the report: escaping, tables and inline SVG bar charts. Everything
//! from Jamf passes through [`escape`].

use std::fmt::Write as _;

/// Text made safe for HTML element content and quoted attribute values; bidirectional
/// controls are revealed as `[U+XXXX]` (a character reference would still reorder the text).
pub fn escape(text: &str) -> String {
    let text = crate::review::bidi::reveal(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table with a header row; every cell is escaped here.
pub fn table(out: &mut String, class: &str, header: &[&str], rows: &[Vec<String>]) {
    let _ = write!(out, "<table class=\"{class}\"><thead><tr>");
    for name in header {
        let _ = write!(out, "<th>{}</th>", escape(name));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

const BAR_HEIGHT: usize = 22;
const LABEL_WIDTH: usize = 220;
const BAR_WIDTH: usize = 320;

/// A horizontal bar chart of `(label, count)` as inline SVG (no script, no external assets).
pub fn bar_chart(out: &mut String, title: &str, bars: &[(String, usize)]) {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let height = BAR_HEIGHT * bars.len().max(1) + 4;
    let width = LABEL_WIDTH + BAR_WIDTH + 60;
    let _ = write!(
        out,
        "<figure><figcaption>{}</figcaption><svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape(title),
        escape(title)
    );
    for (i, (label, count)) in bars.iter().enumerate() {
        let y = i * BAR_HEIGHT + 2;
        let length = (count * BAR_WIDTH).div_ceil(max);
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{LABEL_WIDTH}\" y=\"{}\" width=\"{length}\" height=\"{}\"></rect><text x=\"{}\" y=\"{}\">{count}</text>",
            LABEL_WIDTH - 8,
            y + 15,
            escape(label),
            y + 3,
            BAR_HEIGHT - 6,
            LABEL_WIDTH + length + 6,
            y + 15,
        );
    }
    if bars.is_empty() {
        let _ = write!(out, "<text x=\"4\" y=\"17\">none</text>");
    }
    out.push_str("</svg></figure>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"R&D <Ops> "Team" 'x'"#),
            "R&amp;D &lt;Ops&gt; &quot;Team&quot; &#39;x&#39;"
        );
        assert_eq!(escape("José"), "José");
    }

    #[test]
    fn tables_and_charts_escape_their_text() {
        let mut out = String::new();
        table(&mut out, "t", &["a<b"], &[vec!["<script>".into()]]);
        bar_chart(&mut out, "by <role>", &[("<b>".into(), 3), ("x".into(), 0)]);
        assert!(!out.contains("<script>") && !out.contains("<b>"), "{out}");
        assert!(out.contains("&lt;script&gt;") && out.contains("by &lt;role&gt;"));
        assert_eq!(out.matches("<rect").count(), 2);
    }
}
