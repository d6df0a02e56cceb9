//! The `integrated_account:*` events a stored change reports, derived from the account before
//! and after it. Written to the outbox in the change's own transaction (see `crate::outbox`).

use serde_json::{Value, json};

use super::model::{AccountStatus, IntegratedAccount};
use crate::outbox::ChangeEvent;

/// What subscribers see of an account: no secret, not even sealed.
pub fn account_payload(a: &IntegratedAccount) -> Value {
    json!({
        "id": a.id,
        "tenant_id": a.tenant_id,
        "status": a.status,
        "authentication_method": a.authentication_method,
        "instance_url": a.instance_url,
        "jamf_pro_version": a.jamf_pro_version,
        "capabilities": a.capabilities,
        "last_error": a.last_error,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    })
}

/// The events of one change from `before` to `after` (`None`: not stored). `resumed_from` is the
/// status an account left when its credentials were replaced (it passes through `connecting`
/// while they are validated), so new credentials for a `needs_reauth` account read as
/// `reactivated`, not as a first `active`.
pub fn transition_events(
    before: Option<&IntegratedAccount>,
    after: Option<&IntegratedAccount>,
    resumed_from: Option<AccountStatus>,
) -> Vec<ChangeEvent> {
    let name = match (before, after) {
        (None, None) => return Vec::new(),
        (None, Some(_)) => "integrated_account:created",
        (Some(_), None) => "integrated_account:deleted",
        (Some(b), Some(a)) if a.status == b.status && a.status != AccountStatus::Connecting => {
            return Vec::new();
        }
        (Some(b), Some(a)) => {
            let from = match b.status {
                AccountStatus::Connecting => resumed_from.unwrap_or(b.status),
                status => status,
            };
            match (from, a.status) {
                (_, AccountStatus::Connecting) => "integrated_account:updated",
                (AccountStatus::NeedsReauth, AccountStatus::Active) => {
                    "integrated_account:reactivated"
                }
                (_, AccountStatus::Active) => "integrated_account:active",
                (_, AccountStatus::ValidationError) => "integrated_account:validation_error",
                (_, AccountStatus::NeedsReauth) => "integrated_account:authentication_error",
            }
        }
    };
    let Some(account) = after.or(before) else {
        return Vec::new();
    };
    vec![ChangeEvent::new(
        &account.tenant_id,
        name,
        account_payload(account),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::model::{AuthMethod, SealedSecret, new_account_id, now};

    fn account(status: AccountStatus) -> IntegratedAccount {
        IntegratedAccount {
            id: new_account_id(),
            tenant_id: "acme".into(),
            status,
            authentication_method: AuthMethod::Basic,
            instance_url: "https://acme.jamfcloud.com".into(),
            principal: "reader".into(),
            secret: SealedSecret::from_stored(vec![1, 2, 3]),
            jamf_pro_version: None,
            capabilities: Vec::new(),
            last_error: None,
            revision: 0,
            created_at: now(),
            updated_at: now(),
        }
    }

    fn names(events: &[ChangeEvent]) -> Vec<&str> {
        events.iter().map(|e| e.event.as_str()).collect()
    }

    #[test]
    fn each_transition_names_its_event() {
        use AccountStatus::*;
        let cases = [
            (Connecting, Active, None, vec!["integrated_account:active"]),
            (
                Connecting,
                ValidationError,
                None,
                vec!["integrated_account:validation_error"],
            ),
            (
                Active,
                NeedsReauth,
                None,
                vec!["integrated_account:authentication_error"],
            ),
            (
                NeedsReauth,
                Active,
                None,
                vec!["integrated_account:reactivated"],
            ),
            (
                Connecting,
                Active,
                Some(NeedsReauth),
                vec!["integrated_account:reactivated"],
            ),
            (
                Connecting,
                Active,
                Some(ValidationError),
                vec!["integrated_account:active"],
            ),
            (
                NeedsReauth,
                Connecting,
                None,
                vec!["integrated_account:updated"],
            ),
            (Active, Active, None, vec![]),
        ];
        for (from, to, resumed, expected) in cases {
            let events = transition_events(Some(&account(from)), Some(&account(to)), resumed);
            assert_eq!(names(&events), expected, "{from} -> {to} ({resumed:?})");
        }
        let a = account(Connecting);
        let created = transition_events(None, Some(&a), None);
        assert_eq!(names(&created), ["integrated_account:created"]);
        assert_eq!(created[0].payload["id"], a.id.to_string());
        assert!(created[0].payload.get("secret").is_none());
        let deleted = transition_events(Some(&a), None, None);
        assert_eq!(names(&deleted), ["integrated_account:deleted"]);
    }
}
