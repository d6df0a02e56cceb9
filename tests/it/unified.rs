//! The unified user-directory API end to end: real service, real simulator, real SQLite.

mod cache;
mod failures;
mod lists;
mod one_truth;
mod stale;

use jamf_directory::settings::Settings;
use jamf_sim::{SimConfig, SimServer};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{ADMIN_ID, ADMIN_SECRET, TestApp, connect_sim, spawn_app, test_settings};

const USERS: &str = "/unified/user-directory/users";

/// A service with one integrated account connected to a fresh simulator.
struct Fixture {
    app: TestApp,
    sim: SimServer,
    token: String,
    account: String,
}

impl Fixture {
    async fn start(sim_config: SimConfig) -> Self {
        Self::start_with(sim_config, test_settings()).await
    }

    async fn start_with(sim_config: SimConfig, settings: Settings) -> Self {
        let sim = SimServer::start(sim_config).await.expect("simulator");
        let app = spawn_app(settings).await;
        let token = bearer(&app).await;
        let account = connect_sim(&app, &token, &sim, "acme").await;
        sim.control().reset_stats();
        Self {
            app,
            sim,
            token,
            account,
        }
    }

    async fn get(&self, path: &str, query: &str) -> reqwest::Response {
        self.get_with(path, query, &[]).await
    }

    async fn get_with(
        &self,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let sep = if query.is_empty() { "" } else { "&" };
        let mut request = self
            .app
            .client
            .get(self.app.url(&format!(
                "{path}?integrated_account_id={}{sep}{query}",
                self.account
            )))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// The ids of [`Self::all_records`], in the order served.
    async fn all_ids(&self, path: &str, query: &str, limit: usize) -> Vec<String> {
        let records = self.all_records(path, query, limit).await;
        records
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// The integrated account as `GET /integrated-account/{id}` shows it.
    async fn account_json(&self) -> Value {
        let url = self
            .app
            .url(&format!("/integrated-account/{}", self.account));
        let response = self
            .app
            .client
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn json(&self, path: &str, query: &str) -> Value {
        let response = self.get(path, query).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}?{query}");
        response.json().await.unwrap()
    }

    /// Every record the list at `path` yields for `query`, walking all pages of `limit`.
    async fn all_records(&self, path: &str, query: &str, limit: usize) -> Vec<Value> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q = format!("limit={limit}&{query}");
            if let Some(c) = &cursor {
                q.push_str(&format!("&next_cursor={c}"));
            }
            let page = self.json(path, q.trim_end_matches('&')).await;
            assert_eq!(
                page["result_count"].as_u64().unwrap() as usize,
                page["result"].as_array().unwrap().len()
            );
            assert!(page["prev_cursor"].is_null());
            ids.extend(page["result"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        ids
    }
}

async fn bearer(app: &TestApp) -> String {
    token_for(app, ADMIN_ID, ADMIN_SECRET).await
}

async fn token_for(app: &TestApp, id: &str, secret: &str) -> String {
    let token: Value = app
        .client
        .post(app.url("/auth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().expect("a token").to_string()
}
