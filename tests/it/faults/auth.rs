//! Jamf's token side: revoked tokens, a disabled API client, a slow token endpoint. Only a
//! refusal of the credentials may move the account to `needs_reauth`.

use jamf_sim::Faults;

use super::{Kind, Rig, TIMEOUT_SECS, Tally};

#[tokio::test]
async fn revoked_tokens_are_renewed_without_callers_noticing() {
    let rig = Rig::start().await;
    // Twice, so the second round revokes tokens the service obtained by renewing. The
    // revocation happens between batches, not during one: two revocations inside one
    // request's renew-and-retry are "a second 401" and rightly end in `needs_reauth`.
    let mut during = Tally::default();
    for round in 1..=2 {
        let name = format!("revoke_tokens round {round}");
        rig.sim.control().revoke_tokens();
        during.merge(rig.batch(&name, 8, &[]).await);
        rig.assert_status(&name, "active").await;
    }
    rig.assert_recovered("revoke_tokens", &during).await;
}

#[tokio::test]
async fn a_disabled_client_needs_reauth_and_recovers_when_enabled() {
    let name = "revoke_tokens + client disabled";
    let rig = Rig::start().await;
    rig.sim.control().revoke_tokens();
    rig.sim.control().set_client_enabled(false);
    let during = rig.batch(name, 8, &[401]).await;
    assert_eq!(during.total(200), 0, "{name}: {during}");
    let (status, last_error) = rig.account_status().await;
    assert_eq!(status, "needs_reauth", "{name}");
    assert!(last_error.is_string(), "{name}: last_error {last_error}");

    // Fixed on Jamf's side, the account is still not read: Jamf is not asked again until
    // refresh-credentials (or new credentials) says so.
    rig.sim.control().set_client_enabled(true);
    rig.sim.control().reset_stats();
    let (status, body) = rig.call(Kind::List, 0, false).await;
    assert_eq!(status.as_u16(), 401, "{name}: {body}");
    assert_eq!(rig.sim.control().stats().requests_total, 0, "{name}");
    let (status, body) = rig.call(Kind::Refresh, 0, false).await;
    assert_eq!(status.as_u16(), 200, "{name}: {body}");
    rig.assert_recovered(name, &during).await;
    rig.assert_status(name, "active").await;
}

#[tokio::test]
async fn a_slow_token_endpoint_is_waited_for_or_times_out_without_reauth() {
    let rig = Rig::start().await;

    // Slower than usual but inside the per-request timeout: everyone waits, all succeed.
    let name = "token_latency 200ms";
    rig.sim
        .control()
        .set_faults(Faults {
            token_latency_ms: 200,
            ..Faults::default()
        })
        .expect("faults");
    rig.sim.control().revoke_tokens();
    let during = rig.batch(name, 3, &[]).await;
    rig.assert_status(name, "active").await;

    // Slower than the timeout: every request needs a token (all revoked) and gets a 504.
    let name = "token_latency > timeout";
    rig.sim
        .control()
        .set_faults(Faults {
            token_latency_ms: TIMEOUT_SECS * 1000 + 2000,
            ..Faults::default()
        })
        .expect("faults");
    rig.sim.control().revoke_tokens();
    let slow = rig.batch(name, 8, &[504]).await;
    // Single gets may still be answered from the snapshot the first phase cached (until a
    // no-cache list drops it); lists and refreshes need Jamf.
    let needed_jamf = slow.of(Kind::List, 200) + slow.of(Kind::Refresh, 200);
    assert_eq!(needed_jamf, 0, "{name}: {slow}");
    // A timeout says nothing about the credentials.
    rig.assert_status(name, "active").await;

    rig.sim.control().clear_faults();
    rig.assert_recovered(name, &during).await;
    rig.assert_status(name, "active").await;
}
