//! The Jamf Pro simulator over real HTTP on 127.0.0.1:0.

mod access;
mod auth;
mod classic;
mod control;
mod data;
mod faults;
mod inventory;
mod shedding;
mod v1;

use jamf_sim::{SimConfig, SimControl, SimServer};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A running simulator plus an HTTP client and a bearer for the configured API client.
pub struct Sim {
    pub server: SimServer,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start(config: SimConfig) -> Sim {
        let server = SimServer::start(config).await.expect("simulator starts");
        Sim {
            server,
            http: reqwest::Client::new(),
        }
    }

    pub async fn default() -> Sim {
        Sim::start(SimConfig::default()).await
    }

    pub fn ctl(&self) -> &SimControl {
        self.server.control()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base_url(), path)
    }

    pub async fn post_form(&self, path: &str, form: &str) -> Response {
        self.http
            .post(self.url(path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .expect("request")
    }

    /// A client-credentials token for the configured client.
    /// Raw bodies of the `json` paths (with `Accept: application/json`), then of the `xml`
    /// paths (the default rendering), as the configured API client reads them.
    pub async fn bodies(
        &self,
        json: &[&str],
        xml: impl IntoIterator<Item = String>,
    ) -> Vec<String> {
        let token = self.token().await;
        let mut out = Vec::new();
        for path in json {
            out.push(self.get(path, &token, true).await.text().await.unwrap());
        }
        for path in xml {
            out.push(self.get(&path, &token, false).await.text().await.unwrap());
        }
        out
    }

    pub async fn token(&self) -> String {
        let c = self.ctl().config();
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            c.client_id, c.client_secret
        );
        let resp = self.post_form("/api/v1/oauth/token", &form).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// GET with a bearer, as JSON (`Accept: application/json`) or the XML default.
    pub async fn get(&self, path: &str, token: &str, json: bool) -> Response {
        let mut req = self
            .http
            .get(self.url(path))
            .header(AUTHORIZATION, format!("Bearer {token}"));
        if json {
            req = req.header(ACCEPT, "application/json");
        }
        req.send().await.expect("request")
    }

    /// The status of a JSON GET with a bearer.
    pub async fn status(&self, path: &str, token: &str) -> StatusCode {
        self.get(path, token, true).await.status()
    }

    /// GET as JSON; asserts 200 and parses the body whatever the content type says.
    pub async fn json(&self, path: &str, token: &str) -> Value {
        let resp = self.get(path, token, true).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        serde_json::from_str(&resp.text().await.expect("body")).expect("json body")
    }
}

/// The numeric ids of a v1 page's `results`.
pub fn result_ids(body: &Value) -> Vec<i64> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Asserts a response's status and its whole JSON body.
pub async fn assert_json(resp: Response, status: StatusCode, body: Value) {
    assert_eq!(resp.status(), status);
    assert_eq!(resp.json::<Value>().await.unwrap(), body);
}

/// Asserts a response's status and that its body contains `needle`.
pub async fn assert_text(resp: Response, status: StatusCode, needle: &str) {
    assert_eq!(resp.status(), status);
    let body = resp.text().await.unwrap();
    assert!(body.contains(needle), "{body}");
}

/// Sends a request that must get an answer and reads its body as JSON.
pub async fn send_json<T: DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

/// The content type of a response, or "".
pub fn content_type(resp: &Response) -> String {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
