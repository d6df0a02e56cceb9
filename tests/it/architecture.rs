//! The dependency rule of docs/ARCHITECTURE.md, enforced: every `crate::…` path in each
//! top-level module of src/ (its `use` lines and inline paths alike) must start with one of
//! the prefixes that module may use. `main.rs` and `lib.rs` wire everything and are exempt.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each module and what it may use: a module name allows all of it, a longer path only that
/// item (`jamf::JamfError`). A new module is one line here, and docs/ARCHITECTURE.md says why.
const RULES: &[(&str, &[&str])] = &[
    (
        "http",
        &[
            "auth",
            "accounts",
            "directory",
            "review",
            "evidence",
            "webhooks",
            "shared_tier",
            "settings",
            // The one known exception: statuses for Jamf's errors (docs/ARCHITECTURE.md).
            "jamf::JamfError",
        ],
    ),
    ("auth", &["settings"]),
    // The outbox: events are written in the transaction of the change they report.
    ("accounts", &["jamf", "settings", "outbox"]),
    ("outbox", &[]),
    ("directory", &["accounts", "jamf", "settings"]),
    ("review", &["directory::model"]),
    (
        "evidence",
        &[
            "directory",
            "review",
            "accounts",
            "settings",
            // The manifest's reads: endpoint templates and which plan a version gets.
            "jamf::endpoints",
            "jamf::plan",
            "jamf::records::JamfVersion",
        ],
    ),
    (
        "webhooks",
        &[
            "accounts",
            "evidence",
            "review",
            "outbox",
            "directory::model",
            "settings",
            // Webhook URLs follow the outbound URL rules of Jamf URLs.
            "jamf::UrlRefusal",
            "jamf::check_instance_url",
            "jamf::check_resolution",
            "jamf::url_policy",
        ],
    ),
    (
        "shared_tier",
        &[
            "directory",
            "jamf::SharedBudget",
            "jamf::SharedBudgetConfig",
            "jamf::BudgetPermit",
            "jamf::ReadMemo",
            "jamf::MemoryReadMemo",
            // Mirrors another replica's fetch progress for callers waiting here.
            "jamf::FetchProgress",
            "settings",
        ],
    ),
    ("jamf", &["settings"]),
    ("settings", &[]),
    ("telemetry", &["settings"]),
    ("demo", &["launch", "auth::hash_secret", "settings"]),
];

#[test]
fn every_module_uses_only_what_the_dependency_rule_allows() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).expect("under src/");
        let module = top_module(relative);
        if module == "main" || module == "lib" {
            continue;
        }
        let Some((_, allowed)) = RULES.iter().find(|(name, _)| *name == module) else {
            broken.push(format!(
                "{}: module `{module}` has no line in RULES (tests/it/architecture.rs)",
                relative.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("readable source");
        for path in crate_paths(&text) {
            let used = path.split("::").next().unwrap_or_default();
            if used != module && !allowed.iter().any(|prefix| within(&path, prefix)) {
                broken.push(format!(
                    "{}: `{module}` uses `crate::{path}`",
                    relative.display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "dependency rule broken (docs/ARCHITECTURE.md):\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_import_reader_sees_grouped_nested_and_inline_paths() {
    let text = "use crate::{jamf::{self, records::X}, settings::Settings as S};\n\
                // use crate::http::Ignored;\n\
                let e = crate::directory::service::run();\n";
    let paths: BTreeSet<String> = crate_paths(text).into_iter().collect();
    let expected: BTreeSet<String> = [
        "jamf",
        "jamf::records::X",
        "settings::Settings",
        "directory::service::run",
    ]
    .map(String::from)
    .into();
    assert_eq!(paths, expected);
    assert!(within("jamf::JamfError", "jamf::JamfError"));
    assert!(within("jamf::records::X", "jamf"));
    assert!(!within("jamfish::X", "jamf"));
    assert!(!within("jamf::records", "jamf::JamfError"));
}

fn within(path: &str, prefix: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}::"))
}

fn top_module(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .expect("a file under src/")
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Every `crate::…` path in `text`, groups expanded (`crate::{a::b, c}` is `a::b` and `c`),
/// comment lines skipped.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = find_crate(rest) {
        let mut tokens = Tokens(&rest[at + "crate".len()..]);
        if tokens.eat("::") {
            tree("", &mut tokens, &mut paths);
        }
        rest = tokens.0;
    }
    paths
}

/// The next `crate` keyword that starts a path (not the end of another identifier).
fn find_crate(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find("crate") {
        let at = from + found;
        let before = text[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return Some(at);
        }
        from = at + "crate".len();
    }
    None
}

/// A use tree after `prefix::`: `a::b`, `a::{…}`, `a::*`, `self`, each maybe `as x`.
fn tree(prefix: &str, tokens: &mut Tokens, paths: &mut Vec<String>) {
    if tokens.eat("{") {
        while !tokens.eat("}") {
            if tokens.0.is_empty() {
                return;
            }
            tree(prefix, tokens, paths);
            tokens.eat(",");
        }
        return;
    }
    let mut path = prefix.to_string();
    while let Some(ident) = tokens.ident() {
        if ident != "self" {
            if !path.is_empty() {
                path.push_str("::");
            }
            path.push_str(ident);
        }
        if !tokens.eat("::") {
            break;
        }
        if tokens.0.trim_start().starts_with('{') {
            tree(&path, tokens, paths);
            return;
        }
        if tokens.eat("*") {
            break;
        }
    }
    if tokens.eat("as") {
        tokens.ident();
    }
    if !path.is_empty() {
        paths.push(path);
    }
}

struct Tokens<'a>(&'a str);

impl<'a> Tokens<'a> {
    fn eat(&mut self, token: &str) -> bool {
        let text = self.0.trim_start();
        let word = token.chars().all(|c| c.is_alphanumeric());
        let rest = text
            .strip_prefix(token)
            .filter(|rest| !word || !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
        match rest {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        let text = self.0.trim_start();
        let end = text
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        (end > 0).then(|| {
            self.0 = &text[end..];
            &text[..end]
        })
    }
}
