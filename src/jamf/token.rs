//! Jamf bearer tokens: the OAuth client-credentials and Basic (user) flows, the per-client cache,
//! refresh before expiry, and single flight (one token request however many callers need one).
//!
//! Single flight comes from holding the cache's async mutex across the token request: callers
//! arriving meanwhile wait on the lock and then find the fresh token.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::endpoints::{self, Endpoint};
use super::error::JamfError;
use super::transport::Transport;

/// How this service signs in to one Jamf instance.
#[derive(Debug, Clone)]
pub enum JamfCredentials {
    /// An API client (Jamf Pro ≥ 10.49): `POST /api/v1/oauth/token`.
    OAuth {
        client_id: String,
        client_secret: SecretString,
    },
    /// A Jamf user, for instances without API clients: `POST /api/v1/auth/token`, kept alive
    /// with `/api/v1/auth/keep-alive`.
    Basic {
        username: String,
        password: SecretString,
    },
}

/// A token to send, with the generation that identifies it when Jamf rejects it.
#[derive(Clone)]
pub(crate) struct Bearer {
    pub(crate) token: SecretString,
    generation: u64,
}

struct Token {
    secret: SecretString,
    /// When the token request was sent: lifetimes count from here.
    obtained: Instant,
    /// When Jamf answered it: tokens issued after a rejection can be shared.
    issued: Instant,
    expires_at: Instant,
}

impl Token {
    /// Refresh when less than max(30 s, 10 % of the lifetime) remains. The margin is
    /// capped at half the lifetime so a token shorter than a minute is still reused.
    fn needs_refresh(&self, now: Instant) -> bool {
        let lifetime = self.expires_at.saturating_duration_since(self.obtained);
        let margin = Duration::from_secs(30).max(lifetime / 10).min(lifetime / 2);
        self.expires_at.saturating_duration_since(now) < margin
    }
}

#[derive(Default)]
struct State {
    current: Option<Token>,
    generation: u64,
    /// Set once `/api/v1/oauth/token` answered 404, so later requests go straight to the old path.
    legacy_oauth_path: bool,
}

pub(crate) struct TokenSource {
    credentials: JamfCredentials,
    state: Mutex<State>,
}

impl TokenSource {
    pub(crate) fn new(credentials: JamfCredentials) -> Self {
        Self {
            credentials,
            state: Mutex::default(),
        }
    }

    /// The cached token, or a new one when it is missing or close to expiry.
    pub(crate) async fn bearer(&self, transport: &Transport) -> Result<Bearer, JamfError> {
        let mut state = self.state.lock().await;
        match &state.current {
            Some(token) if !token.needs_refresh(Instant::now()) => Ok(bearer(&state, token)),
            _ => self.renew(&mut state, transport).await,
        }
    }

    /// A new token after Jamf rejected `rejected` at `rejected_at`. A token another caller
    /// obtained after that moment is reused, so many 401s at once cost one re-authentication;
    /// an older one is not, even if newer than `rejected`: it may predate a revocation too.
    pub(crate) async fn after_rejection(
        &self,
        transport: &Transport,
        rejected: &Bearer,
        rejected_at: Instant,
    ) -> Result<Bearer, JamfError> {
        let mut state = self.state.lock().await;
        if state.generation != rejected.generation
            && let Some(token) = &state.current
            && token.issued >= rejected_at
        {
            return Ok(bearer(&state, token));
        }
        state.current = None;
        self.renew(&mut state, transport).await
    }

    /// Drops the cached token and obtains a new one (`refresh-credentials`).
    pub(crate) async fn force_new(&self, transport: &Transport) -> Result<(), JamfError> {
        let mut state = self.state.lock().await;
        state.current = None;
        self.renew(&mut state, transport).await.map(drop)
    }

    async fn renew(&self, state: &mut State, transport: &Transport) -> Result<Bearer, JamfError> {
        let started = Instant::now();
        let outcome = match &self.credentials {
            JamfCredentials::OAuth {
                client_id,
                client_secret,
            } => oauth(state, transport, client_id, client_secret).await,
            JamfCredentials::Basic { username, password } => {
                let alive = state.current.take().filter(|t| t.expires_at > started);
                match alive {
                    Some(old) => match keep_alive(transport, &old.secret).await {
                        Ok(fresh) => Ok(fresh),
                        // A refused keep-alive is not final: the password may still work.
                        Err(_) => basic(transport, username, password).await,
                    },
                    None => basic(transport, username, password).await,
                }
            }
        };
        let (secret, lifetime) = outcome?;
        state.generation += 1;
        let token = Token {
            secret,
            obtained: started,
            issued: Instant::now(),
            // `lifetime` is clamped to a day, so this cannot overflow; checked all the same.
            expires_at: started.checked_add(lifetime).unwrap_or(started),
        };
        let issued = bearer(state, &token);
        state.current = Some(token);
        Ok(issued)
    }
}

fn bearer(state: &State, token: &Token) -> Bearer {
    Bearer {
        token: token.secret.clone(),
        generation: state.generation,
    }
}

#[derive(Deserialize)]
struct OAuthToken {
    access_token: SecretString,
    /// Seconds, as Jamf sends them: read as any JSON number, then clamped.
    expires_in: f64,
}

/// Token lifetimes Jamf states are kept within [1 s, 24 h]: nothing Jamf sends (zero,
/// negative, 2^64 − 1, NaN) may overflow a clock computation or pin a token for years.
const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(1);
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

fn clamp_lifetime(seconds: f64) -> Duration {
    if seconds.is_nan() {
        return MIN_TOKEN_LIFETIME;
    }
    let max = MAX_TOKEN_LIFETIME.as_secs_f64();
    Duration::from_secs_f64(seconds.clamp(0.0, max)).max(MIN_TOKEN_LIFETIME)
}

#[derive(Deserialize)]
struct UserToken {
    token: SecretString,
    /// ISO-8601 in current Jamf; epoch milliseconds from the deprecated paths.
    expires: serde_json::Value,
}

async fn oauth(
    state: &mut State,
    transport: &Transport,
    client_id: &str,
    client_secret: &SecretString,
) -> Result<(SecretString, Duration), JamfError> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret.expose_secret()),
    ];
    let post = |endpoint| token_request(transport, endpoint, |r| r.form(&form));
    let body = if state.legacy_oauth_path {
        post(endpoints::OAUTH_TOKEN_LEGACY).await?
    } else {
        match post(endpoints::OAUTH_TOKEN).await {
            Err(JamfError::NotFound { .. }) => {
                state.legacy_oauth_path = true;
                post(endpoints::OAUTH_TOKEN_LEGACY).await?
            }
            other => other?,
        }
    };
    let parsed: OAuthToken = parse_token(endpoints::OAUTH_TOKEN, &body)?;
    Ok((parsed.access_token, clamp_lifetime(parsed.expires_in)))
}

async fn basic(
    transport: &Transport,
    username: &str,
    password: &SecretString,
) -> Result<(SecretString, Duration), JamfError> {
    let body = token_request(transport, endpoints::BASIC_TOKEN, |r| {
        r.basic_auth(username, Some(password.expose_secret()))
    })
    .await?;
    user_token(endpoints::BASIC_TOKEN, &body)
}

async fn keep_alive(
    transport: &Transport,
    current: &SecretString,
) -> Result<(SecretString, Duration), JamfError> {
    let body = token_request(transport, endpoints::KEEP_ALIVE, |r| {
        r.bearer_auth(current.expose_secret())
    })
    .await?;
    user_token(endpoints::KEEP_ALIVE, &body)
}

/// A token POST, counted in `jamf_token_requests_total{outcome}`. A refusal (400 or 401, per
/// RFC 6749 §5.2 and Jamf's observed 401) becomes `Unauthorized`: the credentials need fixing.
async fn token_request(
    transport: &Transport,
    endpoint: Endpoint,
    build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<Vec<u8>, JamfError> {
    let result = match transport.post(endpoint, build).await {
        Err(JamfError::Upstream {
            status: 400, body, ..
        }) => Err(JamfError::Unauthorized { body }),
        other => other,
    };
    let outcome = match &result {
        Ok(_) => "success",
        Err(JamfError::Unauthorized { .. }) => "rejected",
        Err(JamfError::NotFound { .. }) => "not_found",
        Err(_) => "error",
    };
    metrics::counter!("jamf_token_requests_total", "outcome" => outcome).increment(1);
    result
}

fn user_token(endpoint: Endpoint, body: &[u8]) -> Result<(SecretString, Duration), JamfError> {
    let parsed: UserToken = parse_token(endpoint, body)?;
    let expires = match &parsed.expires {
        serde_json::Value::String(iso) => {
            DateTime::parse_from_rfc3339(iso).ok().map(|t| t.to_utc())
        }
        serde_json::Value::Number(millis) => millis
            .as_i64()
            .and_then(DateTime::<Utc>::from_timestamp_millis),
        _ => None,
    }
    .ok_or_else(|| unreadable(endpoint))?;
    let seconds = expires.signed_duration_since(Utc::now()).num_milliseconds() as f64 / 1000.0;
    Ok((parsed.token, clamp_lifetime(seconds)))
}

/// Parses a token body. The serde message is dropped: it could quote a fragment of the body,
/// and the body holds the token.
fn parse_token<T: for<'de> Deserialize<'de>>(
    endpoint: Endpoint,
    body: &[u8],
) -> Result<T, JamfError> {
    serde_json::from_slice(body).map_err(|_| unreadable(endpoint))
}

fn unreadable(endpoint: Endpoint) -> JamfError {
    JamfError::Parse {
        endpoint: endpoint.template,
        reason: "not a token response".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(lifetime: Duration) -> Token {
        let obtained = Instant::now();
        Token {
            secret: "t".into(),
            obtained,
            issued: obtained,
            expires_at: obtained + lifetime,
        }
    }

    #[test]
    fn refresh_margin_is_thirty_seconds_or_a_tenth_of_the_lifetime() {
        let ten_minutes = token(Duration::from_secs(600)); // 10 % = 60 s
        assert!(!ten_minutes.needs_refresh(ten_minutes.obtained + Duration::from_secs(539)));
        assert!(ten_minutes.needs_refresh(ten_minutes.obtained + Duration::from_secs(541)));

        let short = token(Duration::from_secs(200)); // 10 % = 20 s, so the 30 s floor applies
        assert!(!short.needs_refresh(short.obtained + Duration::from_secs(169)));
        assert!(short.needs_refresh(short.obtained + Duration::from_secs(171)));

        let four_hours = token(Duration::from_secs(14_400));
        assert!(!four_hours.needs_refresh(four_hours.obtained + Duration::from_secs(12_959)));
        assert!(four_hours.needs_refresh(four_hours.obtained + Duration::from_secs(12_961)));

        let two_seconds = token(Duration::from_secs(2));
        assert!(!two_seconds.needs_refresh(two_seconds.obtained));
        assert!(two_seconds.needs_refresh(two_seconds.obtained + Duration::from_millis(1_100)));
    }

    #[test]
    fn lifetimes_are_clamped_at_every_extreme() {
        let day = Duration::from_secs(86_400);
        let cases = [
            (u64::MAX as f64, day),
            (f64::MAX, day),
            (f64::INFINITY, day),
            (86_401.0, day),
            (599.0, Duration::from_secs(599)),
            (0.5, Duration::from_secs(1)),
            (0.0, Duration::from_secs(1)),
            (-5.0, Duration::from_secs(1)),
            (f64::NEG_INFINITY, Duration::from_secs(1)),
            (f64::NAN, Duration::from_secs(1)),
        ];
        for (seconds, expected) in cases {
            assert_eq!(clamp_lifetime(seconds), expected, "{seconds}");
        }
        let body = format!(r#"{{"access_token":"x","expires_in":{}}}"#, u64::MAX);
        let parsed: OAuthToken = parse_token(endpoints::OAUTH_TOKEN, body.as_bytes()).unwrap();
        assert_eq!(clamp_lifetime(parsed.expires_in), day);
        for far in [
            r#""+262142-12-31T23:59:59Z""#,
            "9223372036854775807",
            "-9223372036854775808",
        ] {
            let body = format!(r#"{{"token":"x","expires":{far}}}"#);
            // Either unreadable or clamped: never a panic.
            if let Ok((_, lifetime)) = user_token(endpoints::BASIC_TOKEN, body.as_bytes()) {
                assert!((Duration::from_secs(1)..=day).contains(&lifetime), "{far}");
            }
        }
    }

    #[test]
    fn user_token_accepts_iso_and_epoch_millis_expiry() {
        let in_an_hour = Utc::now() + chrono::Duration::hours(1);
        let iso = format!(r#"{{"token":"x","expires":"{}"}}"#, in_an_hour.to_rfc3339());
        let millis = format!(
            r#"{{"token":"x","expires":{}}}"#,
            in_an_hour.timestamp_millis()
        );
        for body in [iso, millis] {
            let (_, lifetime) =
                user_token(endpoints::BASIC_TOKEN, body.as_bytes()).expect("parses");
            assert!(lifetime > Duration::from_secs(3500) && lifetime <= Duration::from_secs(3600));
        }
    }

    #[test]
    fn unreadable_token_body_does_not_echo_it() {
        let err = user_token(
            endpoints::BASIC_TOKEN,
            br#"{"token":"s3cr3t","expires":true}"#,
        )
        .expect_err("refused");
        assert!(!err.to_string().contains("s3cr3t"));
        assert!(!format!("{err:?}").contains("s3cr3t"));
    }
}
