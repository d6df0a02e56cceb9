//! The Markdown table (pastes into the README) and the number formatting it uses.

use std::fmt::Write as _;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Miss,
    /// A measurement shown for context, without a target of its own.
    Info,
}

impl Verdict {
    pub fn of(met: bool) -> Self {
        if met { Self::Pass } else { Self::Miss }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Miss => "**MISS**",
            Self::Info => "—",
        }
    }
}

/// Whether a miss is a correctness failure (a count) or a timing that depends on the machine.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Count,
    Timing,
}

pub struct Row {
    pub id: &'static str,
    pub what: String,
    pub result: String,
    pub target: &'static str,
    pub verdict: Verdict,
    pub kind: Kind,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn row(
        &mut self,
        id: &'static str,
        what: impl Into<String>,
        result: impl Into<String>,
        target: &'static str,
        verdict: Verdict,
        kind: Kind,
    ) {
        self.rows.push(Row {
            id,
            what: what.into(),
            result: result.into(),
            target,
            verdict,
            kind,
        });
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// A missed count (requests, fetches) is a bug, not noise: the process exits non-zero.
    pub fn count_missed(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.kind == Kind::Count && r.verdict == Verdict::Miss)
    }

    pub fn render(&self) -> String {
        let mut out =
            String::from("| # | Measurement | Result | Target | |\n|---|---|---|---|---|\n");
        for r in &self.rows {
            let cells = [r.id, &r.what, &r.result, r.target, r.verdict.label()];
            let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}

/// "4.31 s" from a second up, "812 ms" from a millisecond, else "0.42 ms".
pub fn time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.01 {
        format!("{:.0} ms", s * 1e3)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

pub fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// "12,345" for request rates and counts.
pub fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_and_escapes_cells() {
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(time(Duration::from_millis(4_310)), "4.31 s");
        assert_eq!(time(Duration::from_micros(420)), "0.42 ms");
        let mut report = Report::default();
        report.row("1", "a|b", "x", "≤ 1", Verdict::Miss, Kind::Timing);
        assert!(report.render().contains("a\\|b"));
        assert!(!report.count_missed(), "a timing miss is not a failure");
        report.row("2", "n", "y", "= 1", Verdict::Miss, Kind::Count);
        assert!(report.count_missed());
    }
}
