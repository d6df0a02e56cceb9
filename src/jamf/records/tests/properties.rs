//! Parsing never panics, whatever the body.

use proptest::prelude::*;
use serde_json::Value;

use super::super::*;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9 _-]{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "Full Access",
            "GroupBasedAccess",
            "CUSTOM",
            "Disabled",
            "-1",
            "privilege"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "id",
            "name",
            "accounts",
            "users",
            "user",
            "groups",
            "group",
            "site",
            "privileges",
            "jss_objects",
            "privilege",
            "members",
            "results",
            "totalCount",
            "siteId",
            "sites",
            "ssoEnabled",
            "account",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::vec((keys, inner), 0..6).prop_map(|fields| Value::Object(
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #[test]
    fn parsing_never_panics(value in json_value(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let body = value.to_string();
        for input in [body.as_bytes(), bytes.as_slice()] {
            let _ = parse_json::<ClassicAccountList>(input);
            let _ = parse_json::<ClassicAccountDetail>(input);
            let _ = parse_json::<ClassicGroupDetail>(input);
            let _ = parse_json::<V1AccountPage>(input);
            let _ = parse_json::<V1AccountGroupPage>(input);
            let _ = parse_json::<SiteList>(input);
            let _ = parse_json::<SsoSettings>(input);
            let _ = parse_json::<Paged<ApiIntegrationRecord>>(input);
            let _ = parse_json::<JamfProVersionResponse>(input);
        }
    }
}
