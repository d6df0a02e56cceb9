//! The report page: self-contained, escaped, and tied to its snapshot by the SHA-256.

use jamf_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::Value;

use super::{REPORT, USERS, python_json};
use crate::support::Fixture;

/// The digest as the README defines it, computed by Python from the users list (JSON on stdin).
const DIGEST: &str = "import hashlib, json, sys\n\
users = json.load(sys.stdin)\n\
text = json.dumps(users, sort_keys=True, separators=(',', ':'), ensure_ascii=False)\n\
print(json.dumps(hashlib.sha256(text.encode('utf-8')).hexdigest()))";

#[tokio::test]
async fn the_report_is_self_contained_escaped_and_names_its_snapshot() {
    let f = Fixture::start(SimConfig::default()).await;
    let response = f.get(REPORT, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(
        response.headers()["cache-status"],
        "jamf-directory; fwd=miss; stored"
    );
    let header = response.headers()["snapshot-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    eprintln!("report: {} bytes", html.len());

    assert!(!html.to_lowercase().contains("<script"), "no script");
    let instance = f.sim.base_url();
    let mut rest = html.as_str();
    while let Some(at) = rest.find("http") {
        assert!(
            rest[at..].starts_with(instance),
            "only the instance URL: {}",
            &rest[at..at + 40.min(rest.len() - at)]
        );
        rest = &rest[at + 4..];
    }
    assert!(html.contains(&format!("<strong>{instance}</strong>")));
    assert!(html.contains("@media print"), "a print stylesheet");
    assert!(html.contains("<svg"), "inline charts");
    assert!(
        html.contains("R&amp;D &lt;Ops&gt; Team"),
        "Jamf text escaped"
    );
    assert!(html.contains("O&#39;Brien, Conan &quot;Coco&quot;"));
    assert!(!html.contains("<Ops>"));
    assert!(html.contains("failover_login_possible"), "the findings");
    assert!(
        html.contains("All 53 users."),
        "every user, API clients too"
    );

    let marker = "<code id=\"snapshot-sha256\">";
    let start = html.find(marker).expect("the digest") + marker.len();
    let digest = &html[start..start + 64];
    assert_eq!(digest, header);

    // Same snapshot (a cache hit), so the same digest from the JSON list.
    let list = f
        .get(
            USERS,
            "type=all&include=permissions&truto_ignore_remote_data=true&limit=1000",
        )
        .await;
    assert_eq!(list.headers()["cache-status"], "jamf-directory; hit");
    let list: Value = list.json().await.unwrap();
    assert!(list["next_cursor"].is_null());
    let users = serde_json::to_vec(&list["result"]).unwrap();
    assert_eq!(
        python_json(DIGEST, &users),
        Value::String(digest.to_owned())
    );

    let fetched = html
        .split("Snapshot fetched at (UTC)</td><td>")
        .nth(1)
        .unwrap();
    let fetched: chrono::DateTime<chrono::Utc> = fetched[..20].parse().expect("RFC 3339");
    assert!((chrono::Utc::now() - fetched).num_seconds().abs() < 60);
}
