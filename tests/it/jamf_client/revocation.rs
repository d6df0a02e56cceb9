//! A revocation racing a token refresh: the retry after a 401 must use a token obtained after
//! the rejection, not one that merely replaced the rejected token before the revocation.

use std::time::Duration;

use jamf_sim::Faults;

use super::{client, hub, oauth, sim};

#[tokio::test]
async fn a_retry_never_reuses_a_token_older_than_the_rejection() {
    let sim = sim(|_| {}).await;
    let hub = hub(|_| {});
    let jamf = client(&hub, sim.base_url(), oauth(&sim));
    jamf.version().await.expect("first token and version");

    // A request goes out with the first token and is held inside Jamf.
    sim.control()
        .set_faults(Faults::hanging("GET /api/v1/accounts"))
        .unwrap();
    let probe = tokio::spawn({
        let jamf = jamf.clone();
        async move { jamf.can_read_accounts().await }
    });
    while sim.control().stats().in_flight == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Meanwhile a second token replaces the first, then every token is revoked.
    jamf.refresh_token().await.expect("second token");
    sim.control().revoke_tokens();
    sim.control().clear_faults();

    // The held request is refused (first token); its one retry must get a third token.
    probe
        .await
        .unwrap()
        .expect("the retry used a token obtained after the rejection");
    assert_eq!(super::count(&sim, super::TOKEN), 3);
}
