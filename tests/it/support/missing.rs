//! One policy for a service a test needs (PostgreSQL, Redis) that is not there: with `CI` set
//! the test fails; elsewhere it says so on stderr, with a `SKIP` line naming the test, and
//! returns early. (The store tests of src/accounts/ include this file too.)

/// Fails under `CI`; otherwise prints the `SKIP` line and gives `None` for the test to return on.
pub fn service_missing<T>(service: &str, cause: &dyn std::fmt::Display, fix: &str) -> Option<T> {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {service} is not available ({cause}), and CI is set: a missing service fails there; {fix}"
    );
    eprintln!("SKIP {test}: {service} is not available ({cause}); {fix}");
    None
}
