//! Jamf answering 5xx at random, and Jamf hanging. Neither says anything about the
//! credentials, so the account stays `active` throughout.

use jamf_sim::Faults;

use super::{Rig, Tally};

/// Two waves of concurrent requests while `rate` of Jamf's answers are `status`.
async fn error_rate(rate: f64, status: u16) {
    let name = format!("error_rate {:.0}% x {status}", rate * 100.0);
    let rig = Rig::start().await;
    rig.sim
        .control()
        .set_faults(Faults {
            error_rate: rate,
            error_status: status,
            ..Faults::default()
        })
        .expect("faults");
    let mut during = Tally::default();
    for wave in 1..=2 {
        // 502 after retries; 504 when retries and backoff run into the deadline.
        during.merge(
            rig.batch(&format!("{name} wave {wave}"), 8, &[502, 504])
                .await,
        );
    }
    let injected = rig.sim.control().stats().by_status.get(&status).copied();
    println!("faults: {name}: total {during} (Jamf answered {status} {injected:?} times)");
    assert!(injected.unwrap_or(0) > 0, "{name}: the fault never fired");
    rig.assert_status(&name, "active").await;

    rig.sim.control().clear_faults();
    rig.assert_recovered(&name, &during).await;
    rig.assert_status(&name, "active").await;
}

#[tokio::test]
async fn ten_percent_503s_end_in_200_or_502() {
    error_rate(0.1, 503).await;
}

#[tokio::test]
async fn thirty_percent_502s_end_in_200_or_502() {
    error_rate(0.3, 502).await;
}

#[tokio::test]
async fn fifty_percent_500s_end_in_200_or_502() {
    error_rate(0.5, 500).await;
}

#[tokio::test]
async fn hanging_jamf_ends_in_504_within_the_deadline_and_leaves_nothing_hung() {
    let name = "hang";
    let rig = Rig::start().await;
    rig.sim
        .control()
        .set_faults(Faults {
            hang: true,
            ..Faults::default()
        })
        .expect("faults");
    let during = rig.batch(name, 8, &[504]).await;
    assert_eq!(
        during.total(200),
        0,
        "{name}: nothing can succeed: {during}"
    );
    rig.assert_status(name, "active").await;

    // The simulator releases its hung handlers when the faults change.
    rig.sim.control().clear_faults();
    rig.assert_recovered(name, &during).await;
    rig.assert_status(name, "active").await;
}
