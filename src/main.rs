//! The `jamf-directory` command: thin over the library.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jamf_directory::auth::MIN_SECRET_CHARS;
use jamf_directory::settings::Settings;

#[derive(Parser)]
#[command(name = "jamf-directory", version, about = "A unified user-directory API over Jamf Pro administrator accounts", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the production server.
    Serve {
        /// TOML configuration file (default: ./jamf-directory.toml if present).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Try it now: a simulated Jamf Pro, the service on a temporary SQLite, a demo client and
    /// integrated account; prints the Swagger UI URL, credentials and a curl command.
    Demo {
        /// Address to serve on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Print the OpenAPI 3.1 document.
    Openapi,
    /// Read a caller secret (at least 32 characters) on stdin; print the value for
    /// `client_secret_sha256`.
    HashSecret,
    /// Evidence snapshots: make a signing key, or check bundles offline.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Probe a running server's `/health/ready` (for container health checks: no curl needed).
    /// Exits 0 when it answers 200 within 5 s, 1 otherwise.
    Healthcheck {
        /// URL to probe (default: `/health/ready` on `server.listen` of the configuration,
        /// over loopback when it listens on every address).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// TOML configuration file to read `server.listen` from.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Print a new Ed25519 signing key (base64 of a 32-byte seed) for `evidence.signing_key`.
    Keygen,
    /// Check bundles (`GET /access-review/snapshots/{id}/bundle`) offline: each one's records
    /// against its signed digest, its signature (with --key), and, given several bundles of one
    /// account, that their `previous` links form an unbroken chain. Prints `valid` and exits 0,
    /// or names every fault and exits 1.
    Verify {
        /// Bundle files.
        #[arg(required = true, value_name = "BUNDLE")]
        bundles: Vec<PathBuf>,
        /// The JWK set of `GET /access-review/evidence-key`; without it signatures are not
        /// checked.
        #[arg(long, value_name = "JWKS")]
        key: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { config } => serve(config),
        Command::Demo { listen } => demo(listen),
        Command::Openapi => {
            println!("{}", jamf_directory::http::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::HashSecret => {
            let mut secret = String::new();
            std::io::stdin().read_to_string(&mut secret)?;
            let secret = secret.trim_end_matches(['\r', '\n']);
            anyhow::ensure!(!secret.is_empty(), "no secret on stdin");
            let chars = secret.chars().count();
            anyhow::ensure!(
                chars >= MIN_SECRET_CHARS,
                "the secret is {chars} characters long; the minimum is {MIN_SECRET_CHARS} (generate one with `openssl rand -hex 32`)"
            );
            println!("{}", jamf_directory::auth::hash_secret(secret));
            Ok(())
        }
        Command::Healthcheck { url, config } => healthcheck(url, config),
        Command::Evidence { command } => evidence(command),
    }
}

fn evidence(command: EvidenceCommand) -> anyhow::Result<()> {
    use jamf_directory::evidence::bundle::{NamedBundle, verify};
    use jamf_directory::evidence::{EvidenceSigner, JwkSet};
    let read_json = |path: &PathBuf| -> anyhow::Result<serde_json::Value> {
        let text = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        serde_json::from_slice(&text)
            .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", path.display()))
    };
    match command {
        EvidenceCommand::Keygen => {
            println!("{}", EvidenceSigner::generate_seed());
            Ok(())
        }
        EvidenceCommand::Verify { bundles, key } => {
            let keys: Option<JwkSet> = key
                .as_ref()
                .map(|path| {
                    serde_json::from_value(read_json(path)?)
                        .map_err(|e| anyhow::anyhow!("{} is not a JWK set: {e}", path.display()))
                })
                .transpose()?;
            let bundles = bundles
                .iter()
                .map(|path| {
                    Ok(NamedBundle {
                        name: path.display().to_string(),
                        bundle: read_json(path)?,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let faults = verify(&bundles, keys.as_ref());
            if faults.is_empty() {
                if keys.is_none() {
                    println!("valid (signatures not checked: no --key)");
                } else {
                    println!("valid");
                }
                return Ok(());
            }
            for fault in &faults {
                println!("{fault}");
            }
            anyhow::bail!("{} fault(s): not valid", faults.len())
        }
    }
}

fn healthcheck(url: Option<String>, config: Option<PathBuf>) -> anyhow::Result<()> {
    let url = match url {
        Some(url) => url,
        None => {
            let mut listen = Settings::load(config.as_deref())?.server.listen;
            if listen.ip().is_unspecified() {
                listen.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            format!("http://{listen}/health/ready")
        }
    };
    let status = tokio::runtime::Runtime::new()?.block_on(async {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()?
            .get(&url)
            .send()
            .await
            .map(|response| response.status())
    });
    match status {
        Ok(status) if status.is_success() => {
            println!("{url}: {status}");
            Ok(())
        }
        Ok(status) => anyhow::bail!("{url}: {status}"),
        Err(err) => anyhow::bail!("{url}: {err}"),
    }
}

fn serve(config: Option<PathBuf>) -> anyhow::Result<()> {
    let settings = Settings::load(config.as_deref())?;
    jamf_directory::telemetry::init_logging(&settings.log);
    tokio::runtime::Runtime::new()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
        jamf_directory::launch(settings, listener, jamf_directory::shutdown_signal()).await
    })
}

fn demo(listen: std::net::SocketAddr) -> anyhow::Result<()> {
    jamf_directory::telemetry::init_demo_logging();
    tokio::runtime::Runtime::new()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            anyhow::anyhow!("cannot listen on {listen}: {e} (try --listen 127.0.0.1:0)")
        })?;
        jamf_directory::demo::run(listener, jamf_directory::shutdown_signal(), |info| {
            println!("{}", info.banner());
        })
        .await
    })
}
