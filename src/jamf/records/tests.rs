//! Parsing tests against real Jamf payloads and every odd shape seen.

mod classic;
mod properties;
mod v1_and_instance;
