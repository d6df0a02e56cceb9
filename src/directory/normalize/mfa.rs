//! The MFA verdict. Jamf accounts have no MFA attribute: console MFA happens at the IdP
//! behind SSO, so the verdict is derived from `GET /api/v3/sso` and never guessed.

use crate::directory::model::{Mfa, MfaEvidence, MfaStatus};
use crate::jamf::records::{AccountType, SourceRead, SsoSettings};

/// What the verdict needs to know about the account itself.
pub(super) struct AccountLogin<'a> {
    pub(super) directory_user: Option<bool>,
    pub(super) account_type: Option<&'a AccountType>,
    /// Whether the account may update SSO settings (which keeps the failover login open to
    /// it); `None` when its privileges are not known.
    pub(super) may_update_sso: Option<bool>,
}

impl AccountLogin<'_> {
    /// A local account with a Jamf Pro password (not LDAP, not federated).
    fn is_local(&self) -> Option<bool> {
        match self.account_type {
            Some(AccountType::Default) => Some(self.directory_user != Some(true)),
            Some(AccountType::Federated) => Some(false),
            Some(AccountType::Other(_)) | None => self.directory_user.map(|directory| !directory),
        }
    }
}

/// `is_2fa_enabled` and `mfa` for a Jamf Pro account: true only when SSO is enabled and
/// cannot be bypassed; false when SSO is off or bypass is allowed; null otherwise.
pub(super) fn account_mfa(
    sso: &SourceRead<SsoSettings>,
    login: &AccountLogin<'_>,
) -> (Option<bool>, Mfa) {
    let mut evidence = sso_evidence(sso);
    let settings = sso.ok();
    let enabled = settings.and_then(|s| s.sso_enabled);
    let bypass = settings.and_then(|s| s.sso_bypass_allowed);
    let provider = settings
        .and_then(|s| s.configuration_type.as_deref())
        .unwrap_or("SSO");

    if let Some(directory_user) = login.directory_user {
        evidence.push(MfaEvidence::DirectoryUser(directory_user));
    }
    if let Some(account_type) = login.account_type {
        evidence.push(MfaEvidence::AccountType(account_type_text(account_type)));
    }
    let failover = match (enabled, login.is_local(), login.may_update_sso) {
        (Some(true), Some(true), Some(may_update)) => Some(may_update),
        (Some(true), Some(false), _) => Some(false),
        _ => None,
    };
    evidence.extend(failover.map(MfaEvidence::FailoverLoginPossible));

    let (status, summary) = match (sso, enabled, bypass) {
        (_, Some(true), Some(false)) => (
            MfaStatus::EnforcedByIdp,
            format!(
                "Console logins must pass the {provider} identity provider (SSO enabled, bypass not allowed); MFA is whatever that IdP enforces{}",
                if failover == Some(true) {
                    ", though this local account can still use the failover login URL with its password"
                } else {
                    ""
                }
            ),
        ),
        (_, Some(false), _) => (
            MfaStatus::NotEnforced,
            "SSO is disabled: the account signs in with a password alone".to_owned(),
        ),
        (_, Some(true), Some(true)) => (
            MfaStatus::NotEnforced,
            "SSO bypass is allowed: the account can sign in with a password alone".to_owned(),
        ),
        (SourceRead::Ok(_), _, _) => (
            MfaStatus::Unknown,
            "The SSO settings do not say whether SSO is enabled and enforced".to_owned(),
        ),
        (SourceRead::Forbidden { .. } | SourceRead::Unavailable { .. }, _, _) => (
            MfaStatus::Unknown,
            "The SSO settings could not be read, so whether logins pass an identity provider is unknown".to_owned(),
        ),
    };
    let is_2fa_enabled = match status {
        MfaStatus::EnforcedByIdp => Some(true),
        MfaStatus::NotEnforced => Some(false),
        MfaStatus::Unknown => None,
    };
    (
        is_2fa_enabled,
        Mfa {
            status,
            summary,
            evidence,
        },
    )
}

/// The verdict for an API client: SSO does not apply to client credentials.
pub(super) fn api_client_mfa() -> Mfa {
    Mfa {
        status: MfaStatus::Unknown,
        summary: "API clients authenticate with OAuth client credentials; SSO and MFA do not apply"
            .to_owned(),
        evidence: vec![MfaEvidence::ClientCredentials(true)],
    }
}

/// The verdict for an inventory user: no console login, so nothing to protect with MFA here.
pub(super) fn inventory_user_mfa() -> Mfa {
    Mfa {
        status: MfaStatus::Unknown,
        summary: "inventory users have no Jamf Pro console access; MFA does not apply".to_owned(),
        evidence: vec![MfaEvidence::ConsoleAccess(false)],
    }
}

fn sso_evidence(sso: &SourceRead<SsoSettings>) -> Vec<MfaEvidence> {
    let settings = match sso {
        SourceRead::Ok(settings) => settings,
        missing => {
            let reason = missing.missing_reason().unwrap_or_default();
            return vec![MfaEvidence::SsoSettingsUnavailable(reason)];
        }
    };
    let provider_type = settings
        .saml_settings
        .as_ref()
        .and_then(|saml| saml.idp_provider_type.as_deref())
        .map(str::trim)
        .filter(|provider| !provider.is_empty())
        // The SAML provider only matters when SAML is the configuration in use.
        .filter(|_| {
            settings
                .configuration_type
                .as_deref()
                .is_some_and(|c| c.contains("SAML"))
        });
    [
        settings.sso_enabled.map(MfaEvidence::SsoEnabled),
        settings
            .sso_bypass_allowed
            .map(MfaEvidence::SsoBypassAllowed),
        settings
            .configuration_type
            .clone()
            .map(MfaEvidence::ConfigurationType),
        provider_type.map(|provider| MfaEvidence::IdpProviderType(provider.to_owned())),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn account_type_text(account_type: &AccountType) -> String {
    match account_type {
        AccountType::Default => "DEFAULT".to_owned(),
        AccountType::Federated => "FEDERATED".to_owned(),
        AccountType::Other(raw) => raw.clone(),
    }
}
