//! The report: one self-contained HTML page that platforms store as access-review evidence. No
//! script, no external URL or asset (charts are inline SVG), a print stylesheet, and every
//! value from Jamf escaped. It states where the data came from (instance URL, fetch time, the
//! snapshot's SHA-256 from [`super::digest`]) so the page can be tied back to the data.

mod html;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use self::html::{bar_chart, escape, table};
use super::findings::{Finding, FindingKind, Severity};
use crate::directory::model::{DirectorySnapshot, User, UserType};
use crate::evidence::changes::{ChangeSummary, UserChange};

/// What the page shows besides the snapshot itself.
pub struct ReportInput<'a> {
    pub instance_url: &'a str,
    pub tenant_id: &'a str,
    pub integrated_account_id: &'a str,
    pub fetched_at: DateTime<Utc>,
    pub generated_at: DateTime<Utc>,
    /// [`super::digest::snapshot_sha256`] of `snapshot`.
    pub snapshot_sha256: &'a str,
    pub snapshot: &'a DirectorySnapshot,
    pub findings: &'a [Finding],
    pub password_max_age_days: u32,
    /// For a kept evidence snapshot: its identity and the changes since the previous one.
    pub kept: Option<KeptSnapshot<'a>>,
}

/// What a kept evidence snapshot adds to its report.
pub struct KeptSnapshot<'a> {
    pub id: &'a str,
    /// The signed `records_sha256` of its manifest.
    pub records_sha256: &'a str,
    /// The previous snapshot's id and the changes since it; `None` for the first.
    pub since_previous: Option<(&'a str, &'a [UserChange])>,
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1b1f24;font-size:14px}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}table.facts{width:auto}table.facts td:first-child{font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.25rem}
svg.chart rect{fill:#3b6fb6}svg.chart text{font-size:12px;fill:#1b1f24}
.sev-high{color:#b42318;font-weight:700}.sev-medium{color:#b54708;font-weight:600}.sev-low{color:#475467}
code{font-family:ui-monospace,monospace;word-break:break-all}
@media print{body{margin:0;font-size:9pt}h2{break-after:avoid}tr{break-inside:avoid}thead{display:table-header-group}.charts{break-inside:avoid}th{background:none}}
";

/// The whole page.
pub fn render(input: &ReportInput<'_>) -> String {
    let snapshot = input.snapshot;
    let mut out = String::with_capacity(4096 + snapshot.users.len() * 400);
    let instance = escape(input.instance_url);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Jamf Pro access review: {instance}</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        out,
        "<h1>Jamf Pro access review</h1><p>Administrator accounts and API clients of <strong>{instance}</strong>, as read from Jamf Pro by jamf-directory.</p>"
    );
    summary(&mut out, input);
    facts(&mut out, input);
    if let Some(kept) = &input.kept {
        kept_facts(&mut out, kept);
    }
    counts(&mut out, snapshot);
    findings(&mut out, input.findings, input.password_max_age_days);
    users(&mut out, &snapshot.users);
    out.push_str("</body></html>");
    out
}

/// What a reader needs first: who can administer Jamf, how many of them without enforced MFA,
/// how many findings, and (for a kept snapshot) what changed since the previous one.
fn summary(out: &mut String, input: &ReportInput<'_>) {
    let users = &input.snapshot.users;
    let active = |u: &&User| u.status.as_str() == "active";
    let admins: Vec<&User> = users
        .iter()
        .filter(|u| u.user_type == UserType::Admin)
        .filter(active)
        .collect();
    let clients = users
        .iter()
        .filter(|u| u.user_type == UserType::ServiceAccount)
        .filter(active)
        .count();
    let without_mfa = admins
        .iter()
        .filter(|u| u.is_2fa_enabled == Some(false))
        .count();
    let unknown_mfa = admins.iter().filter(|u| u.is_2fa_enabled.is_none()).count();
    let _ = write!(
        out,
        "<h2>Summary</h2><ul class=\"summary\"><li><strong>{} identities can administer Jamf Pro</strong>: {} active administrator accounts and {clients} enabled API clients.</li><li><strong>{without_mfa}</strong> active administrators can sign in without enforced MFA; for {unknown_mfa} it cannot be determined.</li><li>{} findings ({}).</li>",
        admins.len() + clients,
        admins.len(),
        input.findings.len(),
        Severity::ALL
            .iter()
            .map(|s| {
                let n = input.findings.iter().filter(|f| f.severity == *s).count();
                format!("{n} {}", s.as_str())
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    match input.kept.as_ref().map(|k| k.since_previous) {
        Some(Some((_, changes))) => {
            let c = ChangeSummary::of(changes);
            let _ = write!(
                out,
                "<li>Since the previous snapshot: {} joined, {} left, {} changed, <strong>{} escalations</strong> (details below).</li>",
                c.joined, c.left, c.changed, c.escalations
            );
        }
        Some(None) => out.push_str("<li>The first snapshot of this account: no earlier one to compare with.</li>"),
        None => out.push_str("<li>A live view: take an evidence snapshot to keep it and compare it with later ones.</li>"),
    }
    out.push_str("</ul>");
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn facts(out: &mut String, input: &ReportInput<'_>) {
    let snapshot = input.snapshot;
    let missing = if snapshot.missing.is_empty() {
        "none: the snapshot is complete".to_owned()
    } else {
        snapshot
            .missing
            .iter()
            .map(|m| format!("{}: {}", m.source, m.reason))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let rows = [
        ("Jamf Pro instance", input.instance_url.to_owned()),
        (
            "Jamf Pro version",
            snapshot.jamf_version.clone().unwrap_or_default(),
        ),
        ("Tenant", input.tenant_id.to_owned()),
        ("Integrated account", input.integrated_account_id.to_owned()),
        ("Snapshot fetched at (UTC)", time(input.fetched_at)),
        ("Snapshot SHA-256", input.snapshot_sha256.to_owned()),
        ("Report generated at (UTC)", time(input.generated_at)),
        ("Parts Jamf did not give", missing),
    ];
    out.push_str("<h2>Source</h2><table class=\"facts\"><tbody>");
    for (name, value) in rows {
        let value = escape(&value);
        let cell = if name == "Snapshot SHA-256" {
            format!("<code id=\"snapshot-sha256\">{value}</code>")
        } else {
            value
        };
        let _ = write!(out, "<tr><td>{name}</td><td>{cell}</td></tr>");
    }
    out.push_str("</tbody></table><p>The SHA-256 is of the canonical JSON of every user as the users list serves them with <code>type=all&amp;include=permissions&amp;truto_ignore_remote_data=true</code> (keys sorted, no whitespace; see the service's README, \"Access review\").</p>");
}

fn kept_facts(out: &mut String, kept: &KeptSnapshot<'_>) {
    let _ = write!(
        out,
        "<h2>Evidence snapshot</h2><table class=\"facts\"><tbody><tr><td>Snapshot id</td><td><code>{}</code></td></tr><tr><td>Signed records SHA-256</td><td><code id=\"records-sha256\">{}</code></td></tr></tbody></table><p>The manifest of this snapshot is signed (Ed25519); check its bundle offline with <code>jamf-directory evidence verify</code>.</p>",
        escape(kept.id),
        escape(kept.records_sha256)
    );
    out.push_str("<h2>Changes since the previous snapshot</h2>");
    let Some((previous, changes)) = kept.since_previous else {
        out.push_str("<p>This is the first snapshot of this account: nothing to compare with.</p>");
        return;
    };
    let summary = ChangeSummary::of(changes);
    let _ = write!(
        out,
        "<p>Since snapshot <code>{}</code>: {} joined, {} left, {} changed; {} escalations (joined active, re-enabled, or gained a role, permission or access level).</p>",
        escape(previous),
        summary.joined,
        summary.left,
        summary.changed,
        summary.escalations
    );
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| {
            vec![
                format!("{} ({})", c.username.as_deref().unwrap_or("-"), c.user_id),
                c.change.as_str().to_owned(),
                if c.escalation { "yes" } else { "" }.to_owned(),
                c.changes
                    .iter()
                    .map(|f| format!("{}: {} → {}", f.field, f.before, f.after))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    table(
        out,
        "changes",
        &["User", "Change", "Escalation", "Fields"],
        &rows,
    );
}

/// `(label, count)` bars, most frequent first, then by label.
fn tally<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    let mut bars: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(label, count)| (label.to_owned(), count))
        .collect();
    bars.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    bars
}

fn counts(out: &mut String, snapshot: &DirectorySnapshot) {
    let admins: Vec<&User> = snapshot
        .users
        .iter()
        .filter(|u| u.user_type == UserType::Admin)
        .collect();
    let clients = snapshot.users.len() - admins.len();
    let _ = write!(
        out,
        "<h2>Counts</h2><p>{} administrator accounts and {clients} API clients.</p><div class=\"charts\">",
        admins.len()
    );
    bar_chart(
        out,
        "Administrators by status",
        &tally(admins.iter().map(|u| u.status.as_str())),
    );
    let roles = admins.iter().flat_map(|u| {
        let mut names: Vec<&str> = u.roles.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    });
    bar_chart(out, "Administrators by role", &tally(roles));
    bar_chart(
        out,
        "Administrators by MFA verdict",
        &tally(admins.iter().map(|u| mfa_verdict(u))),
    );
    let _ = write!(
        out,
        "</div><p>The role chart counts each role an administrator holds: its own privilege set and one per group it belongs to, so its bars add up to more than the {} administrators.</p>",
        admins.len()
    );
}

fn mfa_verdict(user: &User) -> &'static str {
    match user.is_2fa_enabled {
        Some(true) => "enforced by IdP",
        Some(false) => "not enforced",
        None => "unknown",
    }
}

fn findings(out: &mut String, findings: &[Finding], max_age_days: u32) {
    let _ = write!(
        out,
        "<h2>Findings</h2><p>{} findings, grouped by kind: what the kind means and why it matters, then who it concerns.</p>",
        findings.len()
    );
    for kind in FindingKind::ALL {
        let of_kind: Vec<&Finding> = findings.iter().filter(|f| f.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let severity = kind.severity().as_str();
        let _ = write!(
            out,
            "<h3><span class=\"sev-{severity}\">{severity}</span> {} <code>{}</code>: {}</h3><p>{}</p>",
            of_kind.len(),
            kind.as_str(),
            escape(title(kind)),
            escape(&meaning(kind, max_age_days))
        );
        let rows: Vec<Vec<String>> = of_kind
            .iter()
            .map(|f| {
                vec![
                    format!(
                        "{} ({})",
                        f.subject.username.as_deref().unwrap_or("-"),
                        f.subject.id
                    ),
                    f.subject.emails.join("; "),
                    f.evidence
                        .iter()
                        .map(|e| format!("{}={}", e.fact, e.value))
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        table(out, "findings", &["Subject", "Emails", "Evidence"], &rows);
    }
}

fn title(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::MfaNotEnforced => "administrators who can sign in without MFA",
        FindingKind::MfaUnknown => "administrators whose MFA cannot be determined",
        FindingKind::FailoverLoginPossible => "local administrators with a failover login",
        FindingKind::UnattributableAccount => "administrators tied to no person",
        FindingKind::PrivilegedApiClient => "API clients that can change Jamf",
        FindingKind::PasswordNotRotated => "local passwords not rotated",
    }
}

/// What a kind means and why it matters, said once for all its subjects.
fn meaning(kind: FindingKind, max_age_days: u32) -> String {
    match kind {
        FindingKind::MfaNotEnforced => "Their console login is not behind the SSO identity provider (SSO is off, or bypass is allowed), so a password alone signs in. Access to device management should require a second factor.".into(),
        FindingKind::MfaUnknown => "Jamf did not say whether their login passes the identity provider (the SSO settings could not be read), so MFA cannot be shown to be enforced.".into(),
        FindingKind::FailoverLoginPossible => "SSO is enforced, but these local accounts may change SSO settings and can still sign in with a password at the ?failover URL: a path around the identity provider and its MFA. Keep them few, with strong passwords, and watch their use.".into(),
        FindingKind::UnattributableAccount => "They have no email address, so the account cannot be tied to a person: a review cannot tell whose access it is, nor whether that person has left.".into(),
        FindingKind::PrivilegedApiClient => "These enabled API clients hold Create, Update or Delete privileges: a leaked client secret can change or wipe managed devices. Grant write privileges only where an integration needs them.".into(),
        FindingKind::PasswordNotRotated => format!("These active local accounts have passwords older than {max_age_days} days (access_review.password_max_age_days)."),
    }
}

fn users(out: &mut String, users: &[User]) {
    let _ = write!(out, "<h2>Users</h2><p>All {} users.</p>", users.len());
    let joined = |names: Vec<&str>| names.join("; ");
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.id.clone(),
                u.user_type.as_str().to_owned(),
                u.username.clone().unwrap_or_default(),
                u.name.clone().unwrap_or_default(),
                joined(u.emails.iter().map(|e| e.email.as_str()).collect()),
                u.status.as_str().to_owned(),
                joined(u.roles.iter().map(|r| r.name.as_str()).collect()),
                mfa_verdict(u).to_owned(),
                match u.is_directory_user {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                }
                .to_owned(),
                u.last_password_change_at.map(time).unwrap_or_default(),
            ]
        })
        .collect();
    table(
        out,
        "users",
        &[
            "Id",
            "Type",
            "Username",
            "Name",
            "Emails",
            "Status",
            "Roles",
            "MFA",
            "LDAP",
            "Password changed",
        ],
        &rows,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::test_users::{admin, api_client, at, snapshot};
    use crate::review::findings::{self, Policy};

    fn page(users: Vec<User>) -> String {
        let snapshot = snapshot(users);
        let now = at("2026-01-02T03:04:05Z");
        let found = findings::findings(
            &snapshot,
            &Policy {
                password_max_age_days: 365,
                now,
            },
        );
        render(&ReportInput {
            instance_url: "https://acme.jamfcloud.com",
            tenant_id: "acme",
            integrated_account_id: "6f1d2c3b-1111-4222-8333-944455556666",
            fetched_at: at("2026-01-02T03:04:00Z"),
            generated_at: now,
            snapshot_sha256: "ab12",
            snapshot: &snapshot,
            findings: &found,
            password_max_age_days: 365,
            kept: None,
        })
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_jamf_text() {
        let mut evil = admin("20", "rd.ops", "");
        evil.name = Some("R&D <Ops> <script>alert(1)</script> Team".into());
        let html = page(vec![
            admin("1", "jdoe", "jdoe@example.com"),
            evil,
            api_client("1", "Writer", true, &["Update Accounts"]),
        ]);
        assert!(!html.to_lowercase().contains("<script"), "no script at all");
        assert!(html.contains("R&amp;D &lt;Ops&gt; &lt;script&gt;"));
        let urls: Vec<&str> = html
            .match_indices("http")
            .map(|(i, _)| &html[i..i + 26])
            .collect();
        assert!(
            urls.iter().all(|u| *u == "https://acme.jamfcloud.com"),
            "only the instance URL, as text: {urls:?}"
        );
        assert!(html.contains("@media print"));
        assert!(html.contains("<svg"));
        assert!(html.contains("<code id=\"snapshot-sha256\">ab12</code>"));
        assert!(
            html.contains("2026-01-02T03:04:00Z"),
            "fetch time, RFC 3339 UTC"
        );
    }

    #[test]
    fn the_page_counts_and_lists_everything() {
        let mut off = admin("2", "off", "off@example.com");
        off.status = crate::directory::model::UserStatus::Inactive;
        let html = page(vec![
            admin("1", "jdoe", ""),
            off,
            api_client("1", "Writer", true, &["Update Accounts"]),
        ]);
        assert!(html.contains("2 administrator accounts and 1 API clients"));
        assert!(
            html.contains("2 findings"),
            "unattributable jdoe, writing client"
        );
        assert!(html.contains("unattributable_account") && html.contains("privileged_api_client"));
        assert!(html.contains("All 3 users."));
        assert_eq!(html.matches("<svg").count(), 3);
        assert_eq!(
            tally(["b", "a", "b"].into_iter()),
            [("b".into(), 2), ("a".into(), 1)]
        );
    }

    #[test]
    fn the_page_opens_with_a_summary_and_explains_each_kind_once() {
        let mut admins: Vec<User> = (1..=3)
            .map(|i| {
                let mut u = admin(&i.to_string(), &format!("a{i}"), &format!("a{i}@x.io"));
                u.is_2fa_enabled = Some(false);
                u
            })
            .collect();
        admins.push(admin("9", "ok", "ok@x.io"));
        let html = page(admins);
        let summary = html.find("<h2>Summary</h2>").expect("a summary");
        assert!(
            summary < html.find("<h2>Source</h2>").unwrap(),
            "summary first"
        );
        assert!(html.contains("<strong>4 identities can administer Jamf Pro</strong>"));
        assert!(
            html.contains(
                "<strong>3</strong> active administrators can sign in without enforced MFA"
            )
        );
        assert!(html.contains("A live view"));
        let explanation = "a password alone signs in";
        assert_eq!(
            html.matches(explanation).count(),
            1,
            "said once for three subjects"
        );
        assert!(html.contains("3 <code>mfa_not_enforced</code>"));
        assert!(html.contains("bars add up to more than the 4 administrators"));
    }
}
