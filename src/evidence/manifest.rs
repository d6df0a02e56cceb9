//! The manifest: what one snapshot states about itself, and what its signature covers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::directory::model::MissingSource;

/// Which population a snapshot freezes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum EvidenceKind {
    /// Jamf Pro administrator accounts and API clients.
    #[serde(rename = "admins")]
    Admins,
    /// Jamf Pro inventory users (no console access).
    #[serde(rename = "end-users")]
    EndUsers,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admins => "admins",
            Self::EndUsers => "end-users",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Admins, Self::EndUsers]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// Where a snapshot is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStatus {
    /// Taken, not finished: the fetch is under way.
    Pending,
    /// Records stored, manifest signed.
    Complete,
    /// The fetch failed; kept as evidence that the check ran (`error` says why).
    Failed,
}

impl SnapshotStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Complete => "complete",
            Self::Failed => "failed",
        }
    }
}

/// The Jamf Pro instance read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JamfSource {
    #[schema(example = "https://acme.jamfcloud.com")]
    pub url: String,
    #[schema(example = "11.30.1")]
    pub version: Option<String>,
    /// `v1` (Jamf Pro API lists, Classic details where needed) or `classic`.
    #[schema(example = "v1")]
    pub plan: Option<String>,
}

/// One Jamf endpoint behind the population.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Read {
    #[schema(example = "/api/v1/accounts")]
    pub endpoint: String,
    /// Reads made to it (pages and details; a read retried after a 503 counts once, with its
    /// final outcome). Null only in manifests kept before reads were counted.
    pub requests: Option<u64>,
    /// Reads by outcome: Jamf's HTTP status (`200`, `404`…), `timeout`, `unreachable`… when
    /// it gave none, or `recalled` when an earlier attempt of the same fetch, which failed
    /// part-way, read it (200) and it was not asked again.
    // Omitted when empty, so a manifest kept before reads were counted reads back as stored.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(example = json!({"200": 3}))]
    pub statuses: BTreeMap<String, u64>,
    /// `ok`, or what Jamf's refusal was when the part is missing.
    #[schema(example = "ok")]
    pub status: String,
}

/// Records by type and the catalog sizes, to reconcile with what Jamf's console shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    pub records: u64,
    pub admins: u64,
    pub service_accounts: u64,
    pub end_users: u64,
    pub groups: u64,
    pub roles: u64,
    pub workspaces: u64,
    /// The `totalCount` each Jamf Pro API list reported, by endpoint template: what Jamf
    /// itself says the population is (`/api/v1/accounts` against `admins`,
    /// `/api/v1/api-integrations` against `service_accounts`, `/api/v1/users` against
    /// `end_users`). Classic lists report none (then it is omitted).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(example = json!({"/api/v1/accounts": 12, "/api/v1/api-integrations": 2}))]
    pub jamf_total_counts: BTreeMap<String, u64>,
}

/// The previous snapshot of the same account and kind: the chain link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreviousLink {
    pub id: Uuid,
    /// Hex SHA-256 of its canonical manifest, signature included.
    pub sha256: String,
}

/// The Ed25519 signature over the canonical manifest without `signature`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ManifestSignature {
    #[schema(example = "EdDSA")]
    pub alg: String,
    pub kid: String,
    /// base64url.
    pub value: String,
}

/// A snapshot's manifest (RFC 8785 canonical JSON of it is what is hashed and signed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Manifest {
    /// UUIDv7: time-ordered.
    pub id: Uuid,
    pub integrated_account_id: Uuid,
    pub tenant_id: String,
    pub kind: EvidenceKind,
    pub status: SnapshotStatus,
    /// When the fetch started (UTC).
    pub taken_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// `schedule` or `caller:<client id>`.
    #[schema(example = "caller:sprinto")]
    pub trigger: String,
    pub jamf: JamfSource,
    /// The query behind the population.
    pub reads: Vec<Read>,
    pub counts: Counts,
    pub is_partial: bool,
    /// Optional parts that could not be read, and why.
    #[schema(value_type = Vec<Object>)]
    pub missing_sources: Vec<MissingSource>,
    #[schema(example = "0.1.0")]
    pub service_version: String,
    /// SHA-256 of the RFC 8785 canonical JSON array of the records, in id order.
    pub records_sha256: Option<String>,
    pub previous: Option<PreviousLink>,
    /// Why a failed snapshot failed.
    pub error: Option<String>,
    pub signature: Option<ManifestSignature>,
}
