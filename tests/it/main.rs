//! The one integration-test binary: every module starts real servers on 127.0.0.1:0.

mod accounts;
mod architecture;
mod cli;
mod demo;
mod durability;
mod evidence;
mod faults;
mod foundation;
mod hostile_jamf;
mod jamf_client;
mod limits;
mod metrics;
mod misconfiguration;
mod replicas;
mod review;
mod secrets;
mod slow_clients;
mod support;
mod token;
mod unified;
mod webhooks;
