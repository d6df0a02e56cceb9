//! Caller and token quotas hold across replicas: N per window for the deployment, not per
//! replica.

use super::{Replicas, count};

const N: u32 = 10;

#[tokio::test]
async fn a_caller_quota_of_n_holds_across_three_replicas() {
    let Some(replicas) = Replicas::start(3, |s| {
        s.limits.client_requests = N;
        // One request comes back every minute: none during the test.
        s.limits.client_window_secs = 600;
    })
    .await
    else {
        return;
    };
    let mut statuses = Vec::new();
    for n in 0..3 * N as usize {
        let response = replicas.get(n, "/integrated-account").await;
        let status = response.status().as_u16();
        if status == 200 {
            // One count for the deployment: each answer has one fewer left, whichever replica.
            let remaining: u32 = response.headers()["ratelimit-remaining"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(
                remaining,
                N - 1 - count(&statuses, 200) as u32,
                "request {n}"
            );
        } else {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push(status);
    }
    assert_eq!(count(&statuses, 200), N as usize, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 2 * N as usize, "{statuses:?}");
    replicas.stop().await;
}

#[tokio::test]
async fn token_attempts_from_one_address_are_counted_once_for_all_replicas() {
    let Some(replicas) = Replicas::start(3, |s| {
        s.limits.token_attempts = 4;
        s.limits.token_window_secs = 600;
    })
    .await
    else {
        return;
    };
    // `Replicas::start` took one token from each replica already: one attempt is left.
    let mut statuses = Vec::new();
    for n in 0..3 {
        let app = &replicas.apps[n];
        let response = app
            .client
            .post(app.url("/auth/token"))
            .basic_auth(crate::support::ADMIN_ID, Some(crate::support::ADMIN_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 429, 429]);
    replicas.stop().await;
}
