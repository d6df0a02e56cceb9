//! Jamf wire records: what the Jamf client deserializes responses into.
//!
//! Parsing is tolerant by design, because Jamf's output varies by version, API and
//! rendering path: bodies are JSON whatever the `Content-Type`; ids may be ints or strings;
//! keys may be absent; privileges may be strings or `{"privilege": …}` objects; unknown
//! enum spellings are kept verbatim. One odd value degrades one field, never the fetch.
//! Records that feed `remote_data` are wrapped in [`WithRaw`] so the exact JSON is kept.

mod classic;
mod directory;
mod instance;
mod inventory;
mod lenient;
mod parse;
mod v1;
mod values;

pub use classic::{
    ClassicAccount, ClassicAccountDetail, ClassicAccountGroup, ClassicAccountList, ClassicGroup,
    ClassicGroupDetail, ClassicListEntry, ClassicMember,
};
pub use directory::{AccountRecord, GroupRecord, IncompleteList, JamfDirectory, SourceRead};
pub use instance::{
    ApiIntegration, ApiIntegrationRecord, ApiRole, ApiRoleRecord, JamfProVersionResponse,
    JamfVersion, OidcSettings, SamlSettings, Site, SiteList, SsoSettings, SsoSettingsV2,
};
pub use inventory::{
    ClassicUser, ClassicUserDetail, ClassicUserGroup, ClassicUserGroupDetail, ClassicUserGroupList,
    ClassicUserList, InventoryRecord, JamfInventory, V1User,
};
pub use parse::{RecordError, parse_json};
pub use v1::{Paged, V1Account, V1AccountGroup, V1AccountGroupPage, V1AccountPage, V1GroupMember};
pub use values::{
    AccountType, JamfAccessLevel, JamfAccountStatus, JamfRef, PrivilegeCategory, PrivilegeSet,
    Privileges, UNCATEGORIZED, WithRaw, is_assigned_id,
};

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
