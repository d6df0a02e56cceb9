//! Scheduled snapshots: every active integrated account every `evidence.schedule_secs`, each
//! taken once across replicas (a schedule row claimed under a row lock), jittered so replicas
//! do not wake together. On the same ticks: snapshots left pending by a stopped replica are
//! failed, and retention is applied.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng as _;
use tokio::task::JoinHandle;

use super::manifest::EvidenceKind;
use super::service::EvidenceService;
use crate::accounts::{AccountService, AccountStatus, ListFilter, TenantScope};
use crate::settings::Settings;

/// Stops the scheduler when dropped.
pub struct Scheduler(JoinHandle<()>);

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the scheduler (`evidence.schedule_secs` > 0) or only the housekeeping (0).
pub fn spawn_scheduler(
    evidence: Arc<EvidenceService>,
    accounts: Arc<AccountService>,
    settings: &Settings,
) -> Scheduler {
    let (schedule_secs, retention_days) = (
        settings.evidence.schedule_secs,
        settings.evidence.retention_days,
    );
    // A snapshot's task fetches (bounded by the deadline) and stores; with replicas it may
    // first wait out another replica's fetch and that replica's lease. Past that, no live
    // replica can still be taking it; its completion, were it later, is refused.
    let lease = if settings.redis.url.is_some() {
        settings.redis.lease_secs
    } else {
        0
    };
    let abandoned_after = Duration::from_secs(
        settings
            .upstream
            .deadline_secs
            .saturating_mul(2)
            .saturating_add(lease),
    );
    Scheduler(tokio::spawn(async move {
        // A twentieth of the period, at most a minute: a due snapshot starts that late at most.
        let tick = match schedule_secs {
            0 => 60,
            period => (period / 20).clamp(1, 60),
        };
        loop {
            match evidence.fail_abandoned(abandoned_after).await {
                Ok(0) => {}
                Ok(failed) => tracing::warn!(
                    failed,
                    "evidence snapshots interrupted by a stop marked failed"
                ),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot fail abandoned evidence snapshots")
                }
            }
            match evidence.apply_retention(retention_days).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "evidence retention deleted old snapshots"),
                Err(err) => tracing::warn!(error = %err, "evidence retention failed"),
            }
            let jitter = rand::rng().random_range(0.5..1.5);
            tokio::time::sleep(Duration::from_secs_f64(tick as f64 * jitter)).await;
            if schedule_secs > 0
                && let Err(err) = take_due(&evidence, &accounts, schedule_secs).await
            {
                tracing::warn!(error = %err, "scheduled evidence snapshots failed");
            }
            metrics::counter!("evidence_schedule_ticks_total").increment(1);
        }
    }))
}

/// Claims and takes every due snapshot, one at a time.
async fn take_due(
    evidence: &Arc<EvidenceService>,
    accounts: &AccountService,
    schedule_secs: u64,
) -> anyhow::Result<()> {
    let active = active_accounts(accounts).await?;
    let ids: Vec<_> = active.iter().map(|a| a.id).collect();
    loop {
        let now = Utc::now();
        let next = now + chrono::Duration::seconds(i64::try_from(schedule_secs)?);
        let Some(id) = evidence.store().claim_due(&ids, now, next).await? else {
            return Ok(());
        };
        let Some(account) = active.iter().find(|a| a.id == id) else {
            continue;
        };
        let (pending, task) = evidence
            .take(account.clone(), EvidenceKind::Admins, "schedule".to_owned())
            .await?;
        let done = task.await?;
        tracing::info!(snapshot = %pending.id, account = %id, status = done.status.as_str(), "scheduled evidence snapshot");
    }
}

async fn active_accounts(
    accounts: &AccountService,
) -> anyhow::Result<Vec<crate::accounts::IntegratedAccount>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = accounts
            .list(&ListFilter {
                visible: TenantScope::All,
                tenant_id: None,
                status: Some(AccountStatus::Active),
                after,
                limit: 1000,
            })
            .await?;
        all.extend(page.accounts);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}
