//! Classic account list, account detail and group detail parsing.

use serde_json::{Value, json};

use super::super::fixtures::*;
use super::super::*;

fn entries(list: &[ClassicListEntry]) -> Vec<(&str, Option<&str>)> {
    list.iter()
        .map(|e| (e.id.as_str(), e.name.as_deref()))
        .collect()
}

#[test]
fn classic_account_list_shapes() {
    let older = br#"{"users":{"user":[{"id":"165","name":"aci2189@example.com"},{"id":190,"name":"acorbitt@example.com"}]},"groups":{"group":{"id":34,"name":"LSP Service Admins","site":{"id":-1,"name":"NONE"}}}}"#;
    let cases: [(&str, &[u8], usize, usize); 5] = [
        ("real 10.42.1 list", CLASSIC_LIST, 4, 2),
        ("older users.user shape", older, 2, 1),
        (
            "no groups key",
            br#"{"accounts":{"users":[{"id":1,"name":"a"}]}}"#,
            1,
            0,
        ),
        (
            "empty groups object",
            br#"{"accounts":{"users":[],"groups":{}}}"#,
            0,
            0,
        ),
        (
            "size beside entries",
            br#"{"accounts":{"users":{"size":1,"user":{"id":3,"name":"c"}},"groups":null}}"#,
            1,
            0,
        ),
    ];
    for (case, body, users, groups) in cases {
        let list: ClassicAccountList = parse_json(body).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            (list.users.len(), list.groups.len()),
            (users, groups),
            "{case}"
        );
    }
    let list: ClassicAccountList = parse_json(CLASSIC_LIST).unwrap();
    assert_eq!(entries(&list.users)[0], ("12", Some("adam.pierson")));
    assert_eq!(
        list.groups[0].site.as_ref().and_then(JamfRef::assigned_id),
        Some("1")
    );
    let list: ClassicAccountList = parse_json(older).unwrap();
    assert_eq!(
        entries(&list.users),
        [
            ("165", Some("aci2189@example.com")),
            ("190", Some("acorbitt@example.com"))
        ]
    );
    assert_eq!(
        list.groups[0].site.as_ref().and_then(JamfRef::assigned_id),
        None,
        "-1 is no site"
    );
}

#[test]
fn classic_custom_account_detail_keeps_raw_and_order() {
    let detail: ClassicAccountDetail = parse_json(CLASSIC_CUSTOM).unwrap();
    let account = &detail.account.parsed;
    assert_eq!(account.id, "16");
    assert_eq!(account.access_level, Some(JamfAccessLevel::Full));
    assert_eq!(account.privilege_set, Some(PrivilegeSet::Custom));
    assert_eq!(account.enabled, Some(JamfAccountStatus::Enabled));
    assert_eq!(
        (account.site.clone(), account.ldap_server.clone()),
        (None, None)
    );
    let categories: Vec<&str> = account
        .privileges
        .categories
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        categories,
        [
            "jss_objects",
            "jss_settings",
            "jss_actions",
            "recon",
            "casper_admin"
        ]
    );
    assert_eq!(
        account.privileges.iter().next(),
        Some(("jss_objects", "Read Advanced Computer Searches"))
    );
    assert_eq!(
        detail.account.raw["privileges"]["jss_objects"][3],
        "Read Accounts"
    );
}

#[test]
fn classic_account_odd_shapes() {
    let account = |fields: Value| -> ClassicAccount {
        let mut body = json!({"id": 7, "name": "x"});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        parse_json::<ClassicAccountDetail>(json!({ "account": body }).to_string().as_bytes())
            .unwrap()
            .account
            .parsed
    };
    let privileges = account(
        json!({"privileges": {"jss_objects": [{"privilege": "Read Computers"}, " ", "Read User"], "jss_actions": {"privilege": ["Flush MDM Commands"]}}}),
    );
    let names: Vec<(&str, &str)> = privileges.privileges.iter().collect();
    assert_eq!(
        names,
        [
            ("jss_objects", "Read Computers"),
            ("jss_objects", "Read User"),
            ("jss_actions", "Flush MDM Commands")
        ]
    );

    let minimal = account(json!({}));
    assert!(
        minimal.privileges.is_empty() && minimal.groups.is_empty() && minimal.enabled.is_none()
    );

    let odd = account(
        json!({"enabled": "Locked", "access_level": 3, "privilege_set": "Enrollment Only", "directory_user": "true", "site": "None", "ldap_server": {"id": "2", "name": "AD"}, "privileges": null}),
    );
    assert_eq!(odd.enabled, Some(JamfAccountStatus::Other("Locked".into())));
    assert_eq!(odd.access_level, Some(JamfAccessLevel::Other("3".into())));
    assert_eq!(odd.privilege_set, Some(PrivilegeSet::EnrollmentOnly));
    assert_eq!(odd.directory_user, Some(true));
    assert_eq!(odd.site, None, "a non-object site is dropped, not fatal");
    assert_eq!(
        odd.ldap_server.as_ref().and_then(JamfRef::assigned_id),
        Some("2")
    );

    let grouped = account(
        json!({"access_level": "Group Access", "groups": {"group": [{"id": 4, "name": "Helpdesk", "privileges": {"jss_objects": ["Read Computers"]}}, {"name": "no id"}]}}),
    );
    assert_eq!(grouped.groups.len(), 1, "a group without id is skipped");
    assert_eq!(
        grouped.groups[0].privileges.iter().collect::<Vec<_>>(),
        [("jss_objects", "Read Computers")]
    );
}

#[test]
fn enum_spellings_from_both_apis() {
    let levels = [
        ("Full Access", JamfAccessLevel::Full),
        ("FullAccess", JamfAccessLevel::Full),
        ("Site Access", JamfAccessLevel::Site),
        ("SiteAccess", JamfAccessLevel::Site),
        ("Group Access", JamfAccessLevel::Group),
        ("GroupBasedAccess", JamfAccessLevel::Group),
        ("Tenant", JamfAccessLevel::Other("Tenant".into())),
    ];
    for (text, expected) in levels {
        assert_eq!(JamfAccessLevel::parse(text), expected, "{text}");
    }
    let sets = [
        ("Administrator", PrivilegeSet::Administrator),
        ("ADMINISTRATOR", PrivilegeSet::Administrator),
        ("Auditor", PrivilegeSet::Auditor),
        ("AUDITOR", PrivilegeSet::Auditor),
        ("Enrollment Only", PrivilegeSet::EnrollmentOnly),
        ("ENROLLMENT", PrivilegeSet::EnrollmentOnly),
        ("Custom", PrivilegeSet::Custom),
        ("CUSTOM", PrivilegeSet::Custom),
        ("SUPER", PrivilegeSet::Other("SUPER".into())),
    ];
    for (text, expected) in sets {
        assert_eq!(PrivilegeSet::parse(text), expected, "{text}");
    }
    let statuses = [
        ("Enabled", JamfAccountStatus::Enabled),
        ("Disabled", JamfAccountStatus::Disabled),
        ("DISABLED", JamfAccountStatus::Disabled),
        ("Locked", JamfAccountStatus::Other("Locked".into())),
    ];
    for (text, expected) in statuses {
        assert_eq!(JamfAccountStatus::parse(text), expected, "{text}");
    }
    assert_eq!(AccountType::parse("FEDERATED"), AccountType::Federated);
    assert_eq!(AccountType::parse("DEFAULT"), AccountType::Default);
}

#[test]
fn classic_group_detail() {
    let detail: ClassicGroupDetail = parse_json(CLASSIC_GROUP).unwrap();
    let group = &detail.group.parsed;
    assert_eq!(
        (group.id.as_str(), group.access_level.clone()),
        ("1", Some(JamfAccessLevel::Site))
    );
    assert!(group.members.is_empty() && group.privileges.is_empty());
    let xmlish =
        br#"{"group":{"id":"34","name":"LSP","members":{"user":[{"id":165,"name":"aci"}]}}}"#;
    let members = parse_json::<ClassicGroupDetail>(xmlish)
        .unwrap()
        .group
        .parsed
        .members;
    assert_eq!(
        members,
        [ClassicMember {
            id: "165".into(),
            name: Some("aci".into())
        }]
    );
}
