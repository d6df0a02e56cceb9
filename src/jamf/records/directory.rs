//! The aggregate a fetch plan produces: everything normalization needs about one instance.

use super::classic::{ClassicAccount, ClassicGroup};
use super::instance::{ApiIntegrationRecord, ApiRoleRecord, JamfVersion, Site, SsoSettings};
use super::v1::{V1Account, V1AccountGroup};
use super::values::WithRaw;

/// What one fetch read from a Jamf Pro instance.
///
/// Accounts, groups and sites are required reading (a failure there fails the fetch);
/// SSO settings, API roles and API clients are each [`SourceRead`] so that an API role
/// missing one of those privileges still yields a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct JamfDirectory {
    /// `None` when the version could not be read or parsed.
    pub version: Option<JamfVersion>,
    pub accounts: Vec<AccountRecord>,
    pub groups: Vec<GroupRecord>,
    pub sites: Vec<Site>,
    pub sso: SourceRead<SsoSettings>,
    pub api_roles: SourceRead<Vec<ApiRoleRecord>>,
    pub api_clients: SourceRead<Vec<ApiIntegrationRecord>>,
    /// Lists that could not be read whole (refused with a 403, or shorter than Jamf's own
    /// `totalCount`): the snapshot is then incomplete, and must say so rather than look complete.
    pub incomplete: Vec<IncompleteList>,
}

/// A list the snapshot holds only part of (possibly none), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteList {
    /// `accounts`, `account_groups`, `sites`, `api_roles` or `api_clients`.
    pub list: &'static str,
    pub reason: String,
}

impl IncompleteList {
    /// Jamf answered 403; `privilege` would allow the read.
    pub fn refused(list: &'static str, privilege: Option<&str>) -> Self {
        let reason = match privilege {
            Some(privilege) => format!("Jamf refused it; the API role needs \"{privilege}\""),
            None => "Jamf refused it (403)".to_owned(),
        };
        Self { list, reason }
    }

    /// Paging ended with fewer records than Jamf's `totalCount`.
    pub fn short(list: &'static str, read: usize, total: usize) -> Self {
        Self {
            list,
            reason: format!("read {read} of the {total} records Jamf reported (totalCount)"),
        }
    }
}

/// One administrator account as the plan read it: the Jamf Pro API record, the Classic
/// detail, or both (v1 list plus Classic detail where the plan needed privileges).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountRecord {
    pub v1: Option<WithRaw<V1Account>>,
    pub classic: Option<WithRaw<ClassicAccount>>,
}

impl AccountRecord {
    /// The account id from whichever record is present.
    pub fn id(&self) -> Option<&str> {
        self.v1
            .as_ref()
            .map(|v1| v1.parsed.id.as_str())
            .or_else(|| self.classic.as_ref().map(|c| c.parsed.id.as_str()))
    }
}

/// One account group as the plan read it (v1, Classic detail, or both).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupRecord {
    pub v1: Option<WithRaw<V1AccountGroup>>,
    pub classic: Option<WithRaw<ClassicGroup>>,
}

impl GroupRecord {
    /// The group id from whichever record is present.
    pub fn id(&self) -> Option<&str> {
        self.v1
            .as_ref()
            .map(|v1| v1.parsed.id.as_str())
            .or_else(|| self.classic.as_ref().map(|c| c.parsed.id.as_str()))
    }
}

/// The outcome of reading an optional part of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRead<T> {
    Ok(T),
    /// Jamf answered 403: the API role lacks a privilege (named when known,
    /// e.g. `Read SSO Settings`).
    Forbidden {
        privilege: Option<String>,
    },
    /// Not read for another reason: endpoint absent on this version, upstream error, …
    Unavailable {
        reason: String,
    },
}

impl<T> SourceRead<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> SourceRead<U> {
        match self {
            Self::Ok(value) => SourceRead::Ok(f(value)),
            Self::Forbidden { privilege } => SourceRead::Forbidden { privilege },
            Self::Unavailable { reason } => SourceRead::Unavailable { reason },
        }
    }

    pub fn ok(&self) -> Option<&T> {
        match self {
            Self::Ok(value) => Some(value),
            Self::Forbidden { .. } | Self::Unavailable { .. } => None,
        }
    }

    /// Why the value is missing, in words; `None` when it was read.
    pub fn missing_reason(&self) -> Option<String> {
        match self {
            Self::Ok(_) => None,
            Self::Forbidden {
                privilege: Some(privilege),
            } => Some(format!(
                "forbidden: the API role lacks the {privilege} privilege"
            )),
            Self::Forbidden { privilege: None } => {
                Some("forbidden: the API role lacks a required privilege".to_owned())
            }
            Self::Unavailable { reason } => Some(format!("unavailable: {reason}")),
        }
    }
}
