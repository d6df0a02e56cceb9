//! Value types shared by Classic and Jamf Pro API records: the enums whose spelling differs
//! between the two APIs, site/LDAP references, privilege categories, and raw capture.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::lenient;

/// Compares enum spellings across APIs: `"Full Access"`, `"FullAccess"` and `"FULL_ACCESS"`
/// all fold to `"fullaccess"`.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads an enum from any JSON value; text that matches no known spelling (and non-text
/// values) is kept in the `Other` variant so one new Jamf value cannot fail a fetch.
fn raw_enum_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(lenient::scalar_text(&value).unwrap_or_else(|| value.to_string()))
}

/// Which part of the instance an account or group administers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JamfAccessLevel {
    /// Classic `Full Access`, v1 `FullAccess`.
    Full,
    /// Classic `Site Access`, v1 `SiteAccess`: one site.
    Site,
    /// Classic `Group Access`, v1 `GroupBasedAccess`: whatever the account's groups grant.
    Group,
    /// A spelling this service does not know, verbatim.
    Other(String),
}

impl JamfAccessLevel {
    pub fn parse(text: &str) -> Self {
        match folded(text).as_str() {
            "fullaccess" | "full" => Self::Full,
            "siteaccess" | "site" => Self::Site,
            "groupaccess" | "groupbasedaccess" | "group" => Self::Group,
            _ => Self::Other(text.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for JamfAccessLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        raw_enum_text(deserializer).map(|text| Self::parse(&text))
    }
}

/// The privilege set of an account or group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrivilegeSet {
    /// Classic `Administrator`, v1 `ADMINISTRATOR`: every privilege.
    Administrator,
    /// Classic `Auditor`, v1 `AUDITOR`: every read privilege.
    Auditor,
    /// Classic `Enrollment Only`, v1 `ENROLLMENT`.
    EnrollmentOnly,
    /// Classic `Custom`, v1 `CUSTOM`: privileges granted one by one.
    Custom,
    /// A spelling this service does not know, verbatim.
    Other(String),
}

impl PrivilegeSet {
    /// Administrator, Auditor and Enrollment Only: Jamf defines their privileges, the same for
    /// every holder on an instance.
    pub fn is_built_in(&self) -> bool {
        matches!(
            self,
            Self::Administrator | Self::Auditor | Self::EnrollmentOnly
        )
    }
}

impl PrivilegeSet {
    pub fn parse(text: &str) -> Self {
        match folded(text).as_str() {
            "administrator" | "admin" => Self::Administrator,
            "auditor" => Self::Auditor,
            "enrollmentonly" | "enrollment" => Self::EnrollmentOnly,
            "custom" => Self::Custom,
            _ => Self::Other(text.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for PrivilegeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        raw_enum_text(deserializer).map(|text| Self::parse(&text))
    }
}

/// Classic `enabled` / v1 `accountStatus`. Jamf shows locked-out accounts as `Disabled`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JamfAccountStatus {
    Enabled,
    Disabled,
    /// A spelling this service does not know, verbatim.
    Other(String),
}

impl JamfAccountStatus {
    pub fn parse(text: &str) -> Self {
        match folded(text).as_str() {
            "enabled" | "true" => Self::Enabled,
            "disabled" | "false" => Self::Disabled,
            _ => Self::Other(text.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for JamfAccountStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        raw_enum_text(deserializer).map(|text| Self::parse(&text))
    }
}

/// v1 `accountType` (Jamf Pro 11.25+): a local account or one federated through SSO.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccountType {
    /// `DEFAULT`: a local account with a Jamf Pro password.
    Default,
    /// `FEDERATED`.
    Federated,
    /// A spelling this service does not know, verbatim.
    Other(String),
}

impl AccountType {
    pub fn parse(text: &str) -> Self {
        match folded(text).as_str() {
            "default" | "local" => Self::Default,
            "federated" => Self::Federated,
            _ => Self::Other(text.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for AccountType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        raw_enum_text(deserializer).map(|text| Self::parse(&text))
    }
}

/// True for a Jamf reference id that points at something: Jamf writes `-1` for "none".
pub fn is_assigned_id(id: &str) -> bool {
    let id = id.trim();
    !id.is_empty() && id != "-1"
}

/// A Classic `{id, name}` reference to a site or LDAP server; `{-1, "None"}` means none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct JamfRef {
    #[serde(default, deserialize_with = "lenient::opt_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}

impl JamfRef {
    /// The id when it names a real site/server (not absent, not `-1`).
    pub fn assigned_id(&self) -> Option<&str> {
        self.id.as_deref().filter(|id| is_assigned_id(id))
    }
}

/// Classic privileges by category, in Jamf's order ([`CATEGORY_ORDER`], then unknown
/// categories alphabetically; JSON objects do not keep order once parsed). Jamf omits empty
/// categories; a category may hold strings or `{"privilege": …}` objects; both are read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Privileges {
    pub categories: Vec<PrivilegeCategory>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegeCategory {
    pub name: String,
    pub privileges: Vec<String>,
}

/// The order Jamf renders Classic privilege categories in.
pub const CATEGORY_ORDER: [&str; 7] = [
    "jss_objects",
    "jss_settings",
    "jss_actions",
    "recon",
    "casper_admin",
    "casper_remote",
    "casper_imaging",
];

fn category_rank(name: &str) -> usize {
    CATEGORY_ORDER
        .iter()
        .position(|known| *known == name)
        .unwrap_or(CATEGORY_ORDER.len())
}

/// The category given to a privilege list that arrived without categories.
pub const UNCATEGORIZED: &str = "uncategorized";

impl Privileges {
    pub fn is_empty(&self) -> bool {
        self.categories.iter().all(|c| c.privileges.is_empty())
    }

    /// Every `(category, privilege)` pair in Jamf's order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.categories.iter().flat_map(|category| {
            category
                .privileges
                .iter()
                .map(move |name| (category.name.as_str(), name.as_str()))
        })
    }
}

impl<'de> Deserialize<'de> for Privileges {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut categories: Vec<PrivilegeCategory> = match Value::deserialize(deserializer)? {
            Value::Object(fields) => fields
                .into_iter()
                .filter(|(name, _)| name != "size")
                .map(|(name, value)| PrivilegeCategory {
                    privileges: lenient::privilege_names(&value),
                    name,
                })
                .collect(),
            flat @ Value::Array(_) => vec![PrivilegeCategory {
                name: UNCATEGORIZED.to_owned(),
                privileges: lenient::privilege_names(&flat),
            }],
            _ => Vec::new(),
        };
        categories.sort_by(|a, b| {
            (category_rank(&a.name), &a.name).cmp(&(category_rank(&b.name), &b.name))
        });
        Ok(Self { categories })
    }
}

/// A parsed record together with the exact JSON it was read from, kept for `remote_data`.
#[derive(Debug, Clone, PartialEq)]
pub struct WithRaw<T> {
    pub parsed: T,
    pub raw: Value,
}

impl<T: DeserializeOwned> WithRaw<T> {
    /// Parses `raw` as `T`, keeping `raw`.
    pub fn from_value(raw: Value) -> Result<Self, serde_json::Error> {
        let parsed = T::deserialize(&raw)?;
        Ok(Self { parsed, raw })
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for WithRaw<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}
