//! Normalization tests: one module per rule family, fixtures from real Jamf payloads.

mod accounts;
mod catalog;
mod fields;
mod mfa;
mod plans;
mod properties;
mod stored;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::directory::model::RemoteData;
use crate::jamf::records::{
    AccountRecord, ClassicAccountDetail, ClassicGroupDetail, GroupRecord, JamfDirectory, SiteList,
    SourceRead, SsoSettings, WithRaw, fixtures, parse_json,
};

/// `remote_data` as a JSON value, to look into.
fn remote(data: &RemoteData) -> Value {
    serde_json::from_str(data.get()).expect("remote_data is JSON")
}

fn with_raw<T: DeserializeOwned>(value: Value) -> WithRaw<T> {
    WithRaw::from_value(value).expect("test record parses")
}

/// An account read through the Classic plan only.
fn classic_account(value: Value) -> AccountRecord {
    AccountRecord {
        v1: None,
        classic: Some(with_raw(value)),
    }
}

/// An account read through the v1 plan only.
fn v1_account(value: Value) -> AccountRecord {
    AccountRecord {
        v1: Some(with_raw(value)),
        classic: None,
    }
}

/// The real Custom, Full Access Classic account (id 16) from Jamf Cloud 10.42.1.
fn real_custom_account() -> AccountRecord {
    let detail: ClassicAccountDetail = parse_json(fixtures::CLASSIC_CUSTOM).expect("fixture");
    AccountRecord {
        v1: None,
        classic: Some(detail.account),
    }
}

/// The real Classic group 1 (Site Access, Custom, empty `members`).
fn real_group() -> GroupRecord {
    let detail: ClassicGroupDetail = parse_json(fixtures::CLASSIC_GROUP).expect("fixture");
    GroupRecord {
        v1: None,
        classic: Some(detail.group),
    }
}

fn sso(enabled: bool, bypass: bool) -> SourceRead<SsoSettings> {
    SourceRead::Ok(SsoSettings {
        sso_enabled: Some(enabled),
        sso_bypass_allowed: Some(bypass),
        configuration_type: Some("SAML".to_owned()),
        ..SsoSettings::default()
    })
}

fn sites() -> SiteList {
    parse_json(br#"[{"id":"1","name":"Test site"},{"id":"2","name":"Eau Claire"}]"#).expect("sites")
}

/// A directory with the given accounts and groups, two sites, SSO enforced, no API clients.
fn directory(accounts: Vec<AccountRecord>, groups: Vec<GroupRecord>) -> JamfDirectory {
    JamfDirectory {
        version: None,
        accounts,
        groups,
        sites: sites().sites,
        sso: sso(true, false),
        api_roles: SourceRead::Ok(Vec::new()),
        api_clients: SourceRead::Ok(Vec::new()),
        incomplete: Vec::new(),
    }
}

/// A Classic Administrator, Full Access, Enabled account with the given overrides.
fn classic_admin(id: i64, overrides: Value) -> Value {
    let mut account = json!({
        "id": id, "name": format!("admin{id}"), "directory_user": false,
        "full_name": "Jane Doe", "email": "jane@example.com", "email_address": "jane@example.com",
        "enabled": "Enabled", "force_password_change": false,
        "access_level": "Full Access", "privilege_set": "Administrator",
        "privileges": {"jss_objects": ["Read Computers"], "jss_settings": ["Update SSO Settings"]}
    });
    merge(&mut account, overrides);
    account
}

fn merge(target: &mut Value, overrides: Value) {
    if let (Some(target), Value::Object(overrides)) = (target.as_object_mut(), overrides) {
        target.extend(overrides);
    }
}
