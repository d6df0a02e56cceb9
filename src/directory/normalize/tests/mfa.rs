//! The MFA tri-state: SSO settings × account kind, never turning unknown into false.

use serde_json::json;

use super::super::normalize_directory;
use super::*;
use crate::directory::model::{MfaEvidence, MfaStatus, User};

fn user_with(sso: SourceRead<SsoSettings>, account: AccountRecord) -> User {
    let mut directory = directory(vec![account], vec![]);
    directory.sso = sso;
    normalize_directory(&directory).users.remove(0)
}

fn local_admin() -> AccountRecord {
    classic_account(classic_admin(1, json!({})))
}

fn partial_sso(enabled: Option<bool>, bypass: Option<bool>) -> SourceRead<SsoSettings> {
    SourceRead::Ok(SsoSettings {
        sso_enabled: enabled,
        sso_bypass_allowed: bypass,
        ..SsoSettings::default()
    })
}

#[test]
fn matrix() {
    let forbidden = SourceRead::Forbidden {
        privilege: Some("Read SSO Settings".into()),
    };
    let unavailable = SourceRead::Unavailable {
        reason: "HTTP 500".into(),
    };
    let cases = [
        (
            "enforced",
            sso(true, false),
            Some(true),
            MfaStatus::EnforcedByIdp,
        ),
        (
            "bypass allowed",
            sso(true, true),
            Some(false),
            MfaStatus::NotEnforced,
        ),
        (
            "sso off",
            sso(false, false),
            Some(false),
            MfaStatus::NotEnforced,
        ),
        (
            "sso off, bypass",
            sso(false, true),
            Some(false),
            MfaStatus::NotEnforced,
        ),
        ("forbidden", forbidden, None, MfaStatus::Unknown),
        ("unavailable", unavailable, None, MfaStatus::Unknown),
        (
            "enabled, bypass absent",
            partial_sso(Some(true), None),
            None,
            MfaStatus::Unknown,
        ),
        (
            "nothing said",
            partial_sso(None, None),
            None,
            MfaStatus::Unknown,
        ),
        (
            "disabled, bypass absent",
            partial_sso(Some(false), None),
            Some(false),
            MfaStatus::NotEnforced,
        ),
    ];
    for (case, settings, is_2fa, status) in cases {
        let user = user_with(settings, local_admin());
        assert_eq!(
            (user.is_2fa_enabled, user.mfa.status),
            (is_2fa, status),
            "{case}"
        );
        assert!(!user.mfa.summary.is_empty(), "{case}");
    }
}

#[test]
fn evidence_lists_the_facts_used() {
    let user = user_with(sso(true, false), local_admin());
    assert_eq!(
        user.mfa.evidence,
        [
            MfaEvidence::SsoEnabled(true),
            MfaEvidence::SsoBypassAllowed(false),
            MfaEvidence::ConfigurationType("SAML".into()),
            MfaEvidence::DirectoryUser(false),
            MfaEvidence::FailoverLoginPossible(true),
        ],
        "a local Administrator can still use the failover URL"
    );
    assert!(user.mfa.summary.contains("failover"));

    let auditor = user_with(
        sso(true, false),
        classic_account(classic_admin(
            2,
            json!({"privilege_set": "Auditor", "privileges": {"jss_objects": ["Read Computers"]}}),
        )),
    );
    assert!(
        auditor
            .mfa
            .evidence
            .contains(&MfaEvidence::FailoverLoginPossible(false))
    );

    let federated = v1_account(
        json!({"id": "3", "accountStatus": "Enabled", "ldapServerId": -1, "accountType": "FEDERATED", "privilegeLevel": "ADMINISTRATOR"}),
    );
    let user = user_with(sso(true, false), federated);
    assert!(
        user.mfa
            .evidence
            .contains(&MfaEvidence::AccountType("FEDERATED".into()))
    );
    assert!(
        user.mfa
            .evidence
            .contains(&MfaEvidence::FailoverLoginPossible(false))
    );

    let user = user_with(
        SourceRead::Forbidden {
            privilege: Some("Read SSO Settings".into()),
        },
        local_admin(),
    );
    let MfaEvidence::SsoSettingsUnavailable(reason) = &user.mfa.evidence[0] else {
        panic!(
            "first evidence names the missing SSO settings: {:?}",
            user.mfa.evidence
        );
    };
    assert!(reason.contains("Read SSO Settings"));

    let saml_okta = SourceRead::Ok(parse_json::<SsoSettings>(br#"{"ssoEnabled":true,"ssoBypassAllowed":false,"configurationType":"SAML","samlSettings":{"idpProviderType":"OKTA"}}"#).expect("sso"));
    let user = user_with(saml_okta, local_admin());
    assert!(
        user.mfa
            .evidence
            .contains(&MfaEvidence::IdpProviderType("OKTA".into()))
    );
}

#[test]
fn evidence_serializes_as_fact_and_value() {
    let value = serde_json::to_value(MfaEvidence::SsoBypassAllowed(true)).expect("serializes");
    assert_eq!(value, json!({"fact": "sso_bypass_allowed", "value": true}));
}
