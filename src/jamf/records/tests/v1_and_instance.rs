//! Jamf Pro API pages, sites, SSO, API roles and clients, version, and parse errors.

use super::super::fixtures::*;
use super::super::*;

#[test]
fn v1_accounts_and_groups() {
    let page: V1AccountPage = parse_json(V1_ACCOUNTS).unwrap();
    assert_eq!(page.total_count, Some(1));
    let account = &page.results[0].parsed;
    assert_eq!(
        (
            account.id.as_str(),
            account.site_id.as_deref(),
            account.ldap_server_id.as_deref()
        ),
        ("1", Some("-1"), Some("-1"))
    );
    assert_eq!(account.privilege_level, Some(PrivilegeSet::Administrator));
    assert_eq!(account.account_type, Some(AccountType::Default));
    assert_eq!(
        account.last_password_change.map(|at| at.to_rfc3339()),
        Some("2017-07-21T17:32:28+00:00".into())
    );
    assert_eq!(page.results[0].raw["phone"], "715-999-9999");

    let groups: V1AccountGroupPage = parse_json(V1_GROUPS).unwrap();
    let group = &groups.results[0].parsed;
    assert_eq!(
        (group.site_id.as_deref(), group.members[0].id.as_str()),
        (Some("-1"), "1")
    );
    assert_eq!(group.privileges, ["Read Computers", "Update Computers"]);

    // siteId as int on groups and as string on accounts; ids as ints; junk results skipped.
    let swapped = br#"{"totalCount":"3","results":[{"id":2,"siteId":"5","ldapServerId":"3","failedLoginAttempts":"4","accountStatus":"Disabled"},"junk",{"username":"no id"}]}"#;
    let page: V1AccountPage = parse_json(swapped).unwrap();
    assert_eq!(page.total_count, Some(3));
    assert_eq!(page.results.len(), 1);
    let account = &page.results[0].parsed;
    assert_eq!(
        (
            account.id.as_str(),
            account.site_id.as_deref(),
            account.failed_login_attempts
        ),
        ("2", Some("5"), Some(4))
    );
    let group: V1AccountGroupPage = parse_json(br#"{"results":[{"id":"3","siteId":7,"privileges":[{"privilege":"Read Sites"}],"members":null}]}"#).unwrap();
    assert_eq!(
        (
            group.total_count,
            group.results[0].parsed.site_id.as_deref()
        ),
        (None, Some("7"))
    );
    assert_eq!(group.results[0].parsed.privileges, ["Read Sites"]);
}

#[test]
fn sites_roles_clients_sso() {
    type SiteCase = (&'static [u8], &'static [(&'static str, &'static str)]);
    let cases: [SiteCase; 3] = [
        (
            br#"[{"id":"1","name":"Eau Claire","divisionId":null}]"#,
            &[("1", "Eau Claire")],
        ),
        (
            br#"{"sites":[{"id":1,"name":"Main Campus"},{"id":2,"name":"North"}]}"#,
            &[("1", "Main Campus"), ("2", "North")],
        ),
        (
            br#"{"sites":{"size":1,"site":{"id":3,"name":"South"}}}"#,
            &[("3", "South")],
        ),
    ];
    for (body, expected) in cases {
        let sites: SiteList = parse_json(body).unwrap();
        let got: Vec<(&str, &str)> = sites
            .sites
            .iter()
            .map(|s| (s.id.as_str(), s.name.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(got, expected);
    }
    let roles: Paged<ApiRoleRecord> = parse_json(API_ROLES).unwrap();
    assert_eq!(
        roles.results[0].parsed.privileges,
        ["View License Serial Numbers"]
    );
    let clients: Paged<ApiIntegrationRecord> = parse_json(API_CLIENTS).unwrap();
    let client = &clients.results[0].parsed;
    assert_eq!(
        (
            client.id.as_str(),
            client.enabled,
            client.authorization_scopes.len()
        ),
        ("1", Some(true), 2)
    );

    let sso: SsoSettings = parse_json(SSO_V3).unwrap();
    assert_eq!(
        (
            sso.sso_enabled,
            sso.sso_bypass_allowed,
            sso.configuration_type.as_deref()
        ),
        (Some(false), Some(false), Some("SAML"))
    );
    assert_eq!(
        sso.saml_settings
            .and_then(|s| s.idp_provider_type)
            .as_deref(),
        Some("ADFS")
    );
    let sparse: SsoSettings = parse_json(br#"{"ssoEnabled":true}"#).unwrap();
    assert_eq!(
        (sparse.sso_enabled, sparse.sso_bypass_allowed),
        (Some(true), None),
        "absent stays unknown"
    );
}

#[test]
fn version_parsing_and_gates() {
    let cases = [
        ("11.30.1-t1784555528405", Some((11, 30, 1)), true, true),
        ("10.42.1-t1667311080", Some((10, 42, 1)), false, false),
        ("11.23.0", Some((11, 23, 0)), true, false),
        ("11.27", Some((11, 27, 0)), true, true),
        ("11.26.9-t1", Some((11, 26, 9)), true, false),
        ("garbage", None, false, false),
        ("", None, false, false),
    ];
    for (text, expected, v1_accounts, v1_groups) in cases {
        let version = JamfVersion::parse(text);
        assert_eq!(
            version.map(|v| (v.major, v.minor, v.patch)),
            expected,
            "{text}"
        );
        assert_eq!(
            version.is_some_and(|v| v.supports_v1_accounts()),
            v1_accounts,
            "{text}"
        );
        assert_eq!(
            version.is_some_and(|v| v.supports_v1_account_groups()),
            v1_groups,
            "{text}"
        );
    }
    let response: JamfProVersionResponse =
        parse_json(br#"{"version":"11.30.1-t1784555528405"}"#).unwrap();
    assert_eq!(
        response.parsed().map(|v| v.to_string()).as_deref(),
        Some("11.30.1")
    );
    assert!(
        JamfVersion::new(11, 9, 0) < JamfVersion::new(11, 10, 0),
        "numeric, not textual"
    );
}

#[test]
fn parse_errors_name_type_message_and_excerpt() {
    let html = b"<html>\n<head>\n   <title>Status page</title>\n</head>";
    let error = parse_json::<ClassicAccountDetail>(html).unwrap_err();
    assert_eq!(error.expected, "ClassicAccountDetail");
    assert!(error.message.contains("XML or HTML"), "{}", error.message);
    assert!(error.excerpt.starts_with("<html>"));

    let error = parse_json::<V1AccountPage>(br#"{"results":[], "totalCount": 1"#).unwrap_err();
    assert_eq!(error.expected, "Paged<WithRaw<V1Account>>");
    assert!(error.to_string().contains("EOF"), "{error}");

    let long = "é".repeat(1000);
    let error = parse_json::<SiteList>(long.as_bytes()).unwrap_err();
    assert_eq!(error.excerpt.chars().count(), 160, "cut at a char boundary");

    assert!(parse_json::<ClassicAccountDetail>(br#"{"account":{"name":"no id"}}"#).is_err());
    let bom: SsoSettings = parse_json(b"\xEF\xBB\xBF{\"ssoEnabled\":true}").unwrap();
    assert_eq!(bom.sso_enabled, Some(true));
}
