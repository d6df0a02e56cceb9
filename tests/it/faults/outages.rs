//! Jamf going away entirely — connections reset, or 503 on everything including the token
//! endpoint — and coming back. An outage says nothing about the credentials.

use jamf_sim::Availability;

use super::Rig;

async fn outage(availability: Availability) {
    let name = format!("availability {availability:?}");
    let rig = Rig::start().await;
    rig.sim.control().set_availability(availability);
    // 502 (unreachable, 5xx after retries) or 504 when retries run into the deadline.
    let during = rig.batch(&name, 8, &[502, 504]).await;
    assert_eq!(
        during.total(200),
        0,
        "{name}: nothing can succeed: {during}"
    );
    rig.assert_status(&name, "active").await;

    rig.sim.control().set_availability(Availability::Up);
    rig.assert_recovered(&name, &during).await;
    rig.assert_status(&name, "active").await;
}

#[tokio::test]
async fn refused_connections_end_in_502_and_recover_when_jamf_returns() {
    outage(Availability::Refuse).await;
}

#[tokio::test]
async fn maintenance_503s_end_in_502_and_recover_when_jamf_returns() {
    outage(Availability::Unavailable).await;
}
