//! A faithful stand-in for Jamf Pro (the `jamf_sim` library documents it).
//!
//! Prints `listening on http://HOST:PORT` as its first stdout line, then serves until
//! interrupted. Faults and counters are under `/__sim` (see `jamf_sim`).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::Parser;
use clap::builder::RangedU64ValueParser;
use jamf_sim::{Faults, Quirks, SimConfig, SimServer, SsoConfig};

#[derive(Parser, Debug)]
#[command(
    name = "jamf-sim",
    about = "Simulated Jamf Pro tenant for tests, demos and benchmarks"
)]
struct Cli {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to bind (use 0.0.0.0 inside a container).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Number of administrator accounts.
    #[arg(long, default_value_t = 50)]
    accounts: usize,
    /// Number of inventory users (people devices are assigned to), edge cases included.
    #[arg(long, default_value_t = 30)]
    inventory_users: usize,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value = "sim-client")]
    client_id: String,
    #[arg(long, default_value = "sim-secret", env = "JAMF_SIM_CLIENT_SECRET")]
    client_secret: String,
    /// Reported Jamf Pro version; below 11.10 there is no /api/v3/sso (only /api/v2/sso),
    /// below 11.23 no /api/v1/accounts, below 11.26 no /api/v1/users, below 11.27 no
    /// /api/v1/account-groups.
    #[arg(long, default_value = "11.30.1")]
    jamf_version: String,
    /// Lifetime of OAuth client tokens.
    #[arg(long, default_value_t = 600)]
    token_lifetime_secs: u64,
    /// Lifetime of user (Basic) tokens.
    #[arg(long, default_value_t = 1800)]
    user_token_lifetime_secs: u64,
    #[arg(long, default_value = "admin")]
    basic_username: String,
    #[arg(long, default_value = "jamf1234", env = "JAMF_SIM_BASIC_PASSWORD")]
    basic_password: String,
    /// SSO for Jamf Pro login (GET /api/v3/sso ssoEnabled).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    sso_enabled: bool,
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    sso_bypass_allowed: bool,
    /// SAML, OIDC or OIDC_WITH_SAML.
    #[arg(long, default_value = "SAML")]
    sso_configuration_type: String,
    /// Comma-separated privileges of the client's API role (default: the read privileges
    /// the directory service needs).
    #[arg(long, value_delimiter = ',')]
    client_privileges: Option<Vec<String>>,
    /// Start with the API client disabled.
    #[arg(long)]
    client_disabled: bool,
    /// Enable "Old Provisioner", the API client with Create, Update and Delete Accounts.
    #[arg(long)]
    provisioner_enabled: bool,
    /// Silently cap `page-size` of the paged v1 lists at N, as some tenants do.
    #[arg(long, value_name = "N", value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    page_size_clamp: Option<usize>,
    /// Answer `members: []` for every group on /api/v1/account-groups.
    #[arg(long)]
    v1_members_empty: bool,
    /// Shed load as Jamf Cloud does: beyond K requests in progress, answer 503 (implies
    /// --health-status).
    #[arg(long, value_name = "K", value_parser = RangedU64ValueParser::<u64>::new().range(1..))]
    shed_above: Option<u64>,
    /// Serve GET /api/v1/health-status as Jamf Cloud does (otherwise 404, as on premises).
    #[arg(long)]
    health_status: bool,
}

impl Cli {
    fn faults(&self) -> Faults {
        Faults {
            shed_above: self.shed_above,
            health_status: self.health_status || self.shed_above.is_some(),
            ..Faults::default()
        }
    }

    fn config(self) -> SimConfig {
        let defaults = SimConfig::default();
        SimConfig {
            accounts: self.accounts,
            inventory_users: self.inventory_users,
            seed: self.seed,
            latency: Duration::from_millis(self.latency_ms),
            client_id: self.client_id,
            client_secret: self.client_secret,
            client_enabled: !self.client_disabled,
            provisioner_enabled: self.provisioner_enabled,
            client_privileges: self.client_privileges.unwrap_or(defaults.client_privileges),
            jamf_version: self.jamf_version,
            token_lifetime_secs: self.token_lifetime_secs,
            user_token_lifetime_secs: self.user_token_lifetime_secs,
            basic_username: self.basic_username,
            basic_password: self.basic_password,
            sso: SsoConfig {
                sso_enabled: self.sso_enabled,
                sso_bypass_allowed: self.sso_bypass_allowed,
                configuration_type: self.sso_configuration_type,
            },
            quirks: Quirks {
                page_size_clamp: self.page_size_clamp,
                v1_members_empty: self.v1_members_empty,
                ..Quirks::default()
            },
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let addr = SocketAddr::new(cli.host, cli.port);
    let faults = cli.faults();
    let server = SimServer::start_on(cli.config(), addr).await?;
    server
        .control()
        .set_faults(faults)
        .map_err(anyhow::Error::msg)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", server.base_url())?;
    out.flush()?;
    drop(out);
    // SIGTERM too: containers are stopped with it.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    drop(server);
    Ok(())
}
