//! Single Jamf reads both kinds of plan share: bounded fan-out, Classic details, SSO, and how
//! their failures are read (absent, optional, unknown version).

use std::sync::atomic::{AtomicBool, Ordering};

use futures::{StreamExt, future, stream};

use super::client::JamfClient;
use super::endpoints;
use super::error::JamfError;
use super::records::{
    ClassicAccount, ClassicAccountDetail, ClassicGroup, ClassicGroupDetail, JamfVersion,
    SourceRead, SsoSettings, SsoSettingsV2, WithRaw,
};

impl JamfClient {
    /// Runs `fetch` over `items` with at most the instance bound pending (the limiter bounds
    /// what is actually in flight), keeping the input order and dropping `None`s.
    pub(super) async fn bounded<I, T, F, Fut>(
        &self,
        items: Vec<I>,
        fetch: F,
    ) -> Result<Vec<T>, JamfError>
    where
        F: Fn(I) -> Fut,
        Fut: Future<Output = Result<Option<T>, JamfError>>,
    {
        let done = fan_out(items, self.parallelism(), fetch).await?;
        Ok(done.into_iter().flatten().collect())
    }

    /// `/api/v3/sso`, or `/api/v2/sso` where v3 is absent: before 11.10 by the version, or
    /// when v3 answers 404 (a version that could not be read).
    pub(super) async fn sso(&self) -> Result<SsoSettings, JamfError> {
        let version = known_version(self.version_unbounded().await)?;
        if version.is_none_or(|v| v.supports_sso_v3()) {
            let v3 = self.get(endpoints::SSO, endpoints::SSO.template, &[]);
            if let Some(settings) = absent_if_not_found(v3.await)? {
                return Ok(settings);
            }
        }
        let v2: SsoSettingsV2 = self
            .get(endpoints::SSO_V2, endpoints::SSO_V2.template, &[])
            .await?;
        Ok(v2.into())
    }

    /// Classic account detail; `None` when Jamf no longer has it (deleted since the list).
    pub(super) async fn classic_account(
        &self,
        id: &str,
    ) -> Result<Option<WithRaw<ClassicAccount>>, JamfError> {
        let Some(path) = id_path("/JSSResource/accounts/userid/", id) else {
            return Ok(None);
        };
        let detail = self.get::<ClassicAccountDetail>(endpoints::CLASSIC_ACCOUNT, &path, &[]);
        Ok(absent_if_not_found(detail.await)?.map(|d| d.account))
    }

    /// Classic group detail; `None` when Jamf no longer has it.
    pub(super) async fn classic_group(
        &self,
        id: &str,
    ) -> Result<Option<WithRaw<ClassicGroup>>, JamfError> {
        let Some(path) = id_path("/JSSResource/accounts/groupid/", id) else {
            return Ok(None);
        };
        let detail = self.get::<ClassicGroupDetail>(endpoints::CLASSIC_GROUP, &path, &[]);
        Ok(absent_if_not_found(detail.await)?.map(|d| d.group))
    }
}

/// Runs `work` over `items`, `parallelism` at a time, results in input order.
///
/// Completion order is free (`buffer_unordered`): with an ordered buffer, a slow head would
/// hold finished slots, and items that need no request at all (most v1 accounts) would still
/// queue behind it, leaving the instance's concurrency budget unused.
///
/// After the first failure no new item starts, but those in flight are let finish before it is
/// returned: what they read is kept for the next attempt (see `progress`), so a fetch resumed
/// after a failure reads nothing twice. Each is bounded by the request timeout.
pub(super) async fn fan_out<I, T, F, Fut>(
    items: Vec<I>,
    parallelism: usize,
    work: F,
) -> Result<Vec<T>, JamfError>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, JamfError>>,
{
    let failed = &AtomicBool::new(false);
    let work = &work;
    let mut results = stream::iter(items.into_iter().enumerate())
        .take_while(|_| future::ready(!failed.load(Ordering::Relaxed)))
        .map(|(index, item)| async move { (index, work(item).await) })
        .buffer_unordered(parallelism.max(1));
    let mut done = Vec::new();
    let mut first_failure = None;
    while let Some((index, result)) = results.next().await {
        match result {
            Ok(item) => done.push((index, item)),
            Err(err) => {
                failed.store(true, Ordering::Relaxed);
                first_failure.get_or_insert(err);
            }
        }
    }
    if let Some(err) = first_failure {
        return Err(err);
    }
    done.sort_unstable_by_key(|(index, _)| *index);
    Ok(done.into_iter().map(|(_, item)| item).collect())
}

/// `prefix` + `id` when the id is a Jamf numeric id; anything else cannot name a Jamf record
/// and must not be spliced into a path.
pub(super) fn id_path(prefix: &str, id: &str) -> Option<String> {
    let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    numeric.then(|| format!("{prefix}{id}"))
}

/// An unparseable version picks the Classic plan (which every version serves).
pub(super) fn known_version(
    result: Result<JamfVersion, JamfError>,
) -> Result<Option<JamfVersion>, JamfError> {
    match result {
        Ok(version) => Ok(Some(version)),
        Err(JamfError::Parse { reason, .. }) => {
            tracing::warn!(%reason, "unreadable Jamf version; using the Classic plan");
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

pub(super) fn absent_if_not_found<T>(result: Result<T, JamfError>) -> Result<Option<T>, JamfError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(JamfError::NotFound { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// An optional part: 403 → `Forbidden` (naming the privilege), other Jamf failures →
/// `Unavailable`. A rejected token still fails the fetch: the account needs re-authentication.
pub(super) fn optional<T>(result: Result<T, JamfError>) -> Result<SourceRead<T>, JamfError> {
    match result {
        Ok(value) => Ok(SourceRead::Ok(value)),
        Err(JamfError::Forbidden { privilege, .. }) => Ok(SourceRead::Forbidden {
            privilege: privilege.map(str::to_owned),
        }),
        Err(fatal @ (JamfError::Unauthorized { .. } | JamfError::Refused(_))) => Err(fatal),
        Err(other) => Ok(SourceRead::Unavailable {
            reason: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_numeric_ids_reach_a_path() {
        assert_eq!(id_path("/a/", "42").as_deref(), Some("/a/42"));
        for hostile in ["", "../1", "1/../../x", "1?x=1", "-1", " 1"] {
            assert_eq!(id_path("/a/", hostile), None, "{hostile:?}");
        }
    }
}
