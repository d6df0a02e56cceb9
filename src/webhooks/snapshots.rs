//! The events of a completed evidence snapshot: `snapshot:created`, one `record:*` per changed
//! user (the evidence diff between it and the previous complete snapshot) and
//! `finding:opened|resolved`, written to the outbox inside the transaction that stores the
//! snapshot.

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::accounts::StoreError;
use crate::directory::model::compare_ids;
use crate::evidence::{Completed, EvidenceTx, SnapshotContents, SnapshotObserver};
use crate::outbox::{ChangeEvent, OutboxBackend as _};
use crate::review::changes::{ChangeKind, diff};

/// Writes a completed snapshot's events to the outbox.
pub struct SnapshotEvents;

#[async_trait]
impl SnapshotObserver for SnapshotEvents {
    async fn snapshot_completed(
        &self,
        tx: EvidenceTx<'_>,
        completed: &Completed<'_>,
    ) -> Result<(), StoreError> {
        let events = snapshot_events(completed);
        match tx {
            EvidenceTx::Sqlite(conn) => sqlx::Sqlite::record(conn, &events).await?,
            EvidenceTx::Postgres(conn) => sqlx::Postgres::record(conn, &events).await?,
        }
        Ok(())
    }
}

/// The events of one completed snapshot. Changes are reported only between two complete,
/// non-partial snapshots: a partial read would show users as gone who were merely unread.
pub fn snapshot_events(completed: &Completed<'_>) -> Vec<ChangeEvent> {
    let now = &completed.snapshot;
    let manifest = now.manifest;
    let tenant = manifest.tenant_id.as_str();
    let mut events = vec![ChangeEvent::new(
        tenant,
        "snapshot:created",
        json!({
            "integrated_account_id": manifest.integrated_account_id,
            "snapshot_id": manifest.id,
            "kind": manifest.kind,
            "taken_at": manifest.taken_at,
            "is_partial": manifest.is_partial,
            "counts": manifest.counts,
            "records_sha256": manifest.records_sha256,
        }),
    )];
    let Some(before) = completed
        .previous
        .as_ref()
        .filter(|before| !before.manifest.is_partial && !manifest.is_partial)
    else {
        return events;
    };
    events.extend(record_events(before, now));
    events.extend(finding_events(before, now));
    events
}

fn record_events(before: &SnapshotContents<'_>, now: &SnapshotContents<'_>) -> Vec<ChangeEvent> {
    let manifest = now.manifest;
    diff(before.records, now.records)
        .into_iter()
        .map(|change| {
            let (name, record) = match change.change {
                ChangeKind::Joined => ("record:created", find(now, &change.user_id)),
                ChangeKind::Changed => ("record:updated", find(now, &change.user_id)),
                ChangeKind::Left => ("record:deleted", find(before, &change.user_id)),
            };
            ChangeEvent::new(
                &manifest.tenant_id,
                name,
                json!({
                    "integrated_account_id": manifest.integrated_account_id,
                    "unified_model": "user-directory",
                    "resource": "users",
                    "record": record,
                    "changes": change.changes,
                    "escalation": change.escalation,
                    "snapshot_id": manifest.id,
                }),
            )
        })
        .collect()
}

/// The user `id` of `contents` as the API renders it.
fn find(contents: &SnapshotContents<'_>, id: &str) -> Value {
    // Records are in id order (snapshots keep them so).
    contents
        .records
        .binary_search_by(|user| compare_ids(&user.id, id))
        .ok()
        .and_then(|i| serde_json::to_value(&contents.records[i]).ok())
        .unwrap_or(Value::Null)
}

fn finding_events(before: &SnapshotContents<'_>, now: &SnapshotContents<'_>) -> Vec<ChangeEvent> {
    let manifest = now.manifest;
    let ids = |contents: &SnapshotContents<'_>| -> BTreeSet<String> {
        contents.findings.iter().map(|f| f.id.clone()).collect()
    };
    let (was, is) = (ids(before), ids(now));
    let event = |name: &str, finding: &crate::review::findings::Finding| {
        ChangeEvent::new(
            &manifest.tenant_id,
            name,
            json!({
                "integrated_account_id": manifest.integrated_account_id,
                "finding": finding,
                "snapshot_id": manifest.id,
            }),
        )
    };
    let opened = now
        .findings
        .iter()
        .filter(|f| !was.contains(&f.id))
        .map(|f| event("finding:opened", f));
    let resolved = before
        .findings
        .iter()
        .filter(|f| !is.contains(&f.id))
        .map(|f| event("finding:resolved", f));
    opened.chain(resolved).collect()
}
