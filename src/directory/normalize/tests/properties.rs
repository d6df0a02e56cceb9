//! Normalization never panics, whatever JSON the records were parsed from.

use proptest::prelude::*;
use serde_json::Value;

use super::super::normalize_directory;
use super::*;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..30).prop_map(Value::from),
        prop::sample::select(vec![
            "1",
            "-1",
            "",
            "Full Access",
            "GroupBasedAccess",
            "Site Access",
            "CUSTOM",
            "Administrator",
            "Disabled",
            "Enabled",
            "a b",
            "x@y.z",
            "FEDERATED"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 40, 6, |inner| {
        let keys = prop::sample::select(vec![
            "id",
            "name",
            "full_name",
            "email",
            "email_address",
            "enabled",
            "access_level",
            "privilege_set",
            "site",
            "groups",
            "privileges",
            "jss_objects",
            "directory_user",
            "ldap_server",
            "username",
            "realname",
            "accessLevel",
            "privilegeLevel",
            "siteId",
            "accountStatus",
            "accountType",
            "members",
            "failedLoginAttempts",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((keys, inner), 0..8).prop_map(|fields| Value::Object(
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn records<T: serde::de::DeserializeOwned>(values: &[Value]) -> Vec<WithRaw<T>> {
    values
        .iter()
        .filter_map(|value| WithRaw::from_value(value.clone()).ok())
        .collect()
}

proptest! {
    #[test]
    fn never_panics(accounts in prop::collection::vec(json_value(), 0..5), groups in prop::collection::vec(json_value(), 0..3), sso_enabled in any::<Option<bool>>(), bypass in any::<Option<bool>>()) {
        let classic = records(&accounts);
        let v1 = records(&accounts);
        let account_records: Vec<AccountRecord> = classic
            .into_iter()
            .map(|c| AccountRecord { v1: None, classic: Some(c) })
            .chain(v1.into_iter().map(|v| AccountRecord { v1: Some(v), classic: None }))
            .collect();
        let group_records: Vec<GroupRecord> = records(&groups)
            .into_iter()
            .map(|c| GroupRecord { v1: None, classic: Some(c) })
            .chain(records(&groups).into_iter().map(|v| GroupRecord { v1: Some(v), classic: None }))
            .collect();
        let mut directory = directory(account_records, group_records);
        directory.sso = SourceRead::Ok(SsoSettings { sso_enabled, sso_bypass_allowed: bypass, ..SsoSettings::default() });
        let snapshot = normalize_directory(&directory);
        for user in &snapshot.users {
            prop_assert!(snapshot.user(&user.id).is_some(), "lookup finds every user");
            prop_assert!(user.is_2fa_enabled != Some(true) || (sso_enabled == Some(true) && bypass == Some(false)));
        }
    }
}
