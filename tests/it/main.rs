//! The one integration-test binary: every module starts real servers on 127.0.0.1:0.

mod foundation;
mod sim;
mod support;
mod jamf_client;
mod token;
mod accounts;
mod unified;
mod demo;
