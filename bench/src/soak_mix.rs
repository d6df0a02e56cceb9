//! The soak's mixed workload: the concrete requests of each kind, discovered through the
//! service before the run (ids, and `next_cursor` values for later pages), dealt into a
//! shuffled deck that the load generator sends in turn.

use anyhow::{Context as _, bail};
use base64::Engine as _;
use rand::SeedableRng as _;
use rand::seq::SliceRandom as _;
use serde_json::Value;

use crate::conn::request_bytes;
use crate::load::Request;
use crate::service::{CLIENT_ID, Service};

/// Request kinds, in report order; the index is the kind's tally index.
pub const KINDS: [&str; 6] = [
    "POST /auth/token",
    "GET users list",
    "GET one user",
    "GET groups/roles/workspaces",
    "GET integrated-account",
    "GET users list, no-cache",
];
pub const NO_CACHE: usize = 5;
/// Shares of the kinds other than no-cache, which take what `no_cache_share` leaves.
const WEIGHTS: [u32; 5] = [5, 40, 25, 20, 8];
/// Slots in the deck: shares are multiples of 0.1 %.
const DECK: usize = 1_000;

/// Users-list queries; the first two are also paged through with `next_cursor`.
const USER_QUERIES: [&str; 9] = [
    "limit=100",
    "limit=50&status=active",
    "status=inactive",
    "type=all&limit=200",
    "is_2fa_enabled=true&limit=100",
    "group_id=1",
    "workspace_id=1",
    "limit=100&truto_ignore_remote_data=true",
    "include=permissions&limit=25",
];
/// Pages fetched per paged query (the first page and the ones its cursors lead to).
const PAGES: usize = 4;
/// User ids per account used for single gets.
const USER_GETS: usize = 20;

/// Paths (with query) of each kind, across all accounts.
#[derive(Default)]
pub struct Paths {
    lists: Vec<String>,
    users: Vec<String>,
    directory: Vec<String>,
    accounts: Vec<String>,
    fresh: Vec<String>,
}

impl Paths {
    /// Reads `account`'s directory through the service to learn ids and cursors; every path
    /// kept answered 200 once.
    pub async fn discover(&mut self, service: &Service, account: &str) -> anyhow::Result<()> {
        let with_account = |path: &str, query: &str| {
            format!("/unified/user-directory/{path}?integrated_account_id={account}&{query}")
        };
        for (i, query) in USER_QUERIES.iter().enumerate() {
            let mut path = with_account("users", query);
            let pages = if i < 2 { PAGES } else { 1 };
            for _ in 0..pages {
                let page = get(service, &path).await?;
                self.lists.push(path.clone());
                let Some(cursor) = page["next_cursor"].as_str() else {
                    break;
                };
                path = with_account("users", &format!("{query}&next_cursor={cursor}"));
            }
        }
        let all = get(service, &with_account("users", "type=all&limit=1000")).await?;
        let users = ids(&all);
        let step = (users.len() / USER_GETS).max(1);
        for id in users.iter().step_by(step).take(USER_GETS) {
            let path =
                format!("/unified/user-directory/users/{id}?integrated_account_id={account}");
            self.users.push(path);
        }
        for resource in ["groups", "roles", "workspaces"] {
            let list = with_account(resource, "limit=100");
            let first = ids(&get(service, &list).await?).into_iter().next();
            self.directory.push(list);
            let id = first.with_context(|| format!("no {resource} in account {account}"))?;
            let one =
                format!("/unified/user-directory/{resource}/{id}?integrated_account_id={account}");
            self.directory.push(one);
        }
        self.accounts.push(format!("/integrated-account/{account}"));
        self.accounts
            .push("/integrated-account?limit=20".to_owned());
        self.fresh.push(with_account("users", "limit=100"));
        Ok(())
    }

    /// A shuffled deck of [`DECK`] requests in the kinds' shares; returns it with each kind's
    /// share in slots.
    pub fn deck(
        &self,
        service: &Service,
        no_cache_share: f64,
        seed: u64,
    ) -> (Vec<Request>, [usize; 6]) {
        let slots = slots(no_cache_share);
        let addr = service.addr;
        let bearer = format!("Bearer {}", service.token);
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{CLIENT_ID}:{}", service.secret));
        let basic = format!("Basic {basic}");
        let token = request_bytes(
            "POST",
            addr,
            "/auth/token",
            &[
                ("authorization", &basic),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"grant_type=client_credentials",
        );
        let get = |path: &String, fresh: bool| {
            let mut headers = vec![("authorization", bearer.as_str())];
            if fresh {
                headers.push(("cache-control", "no-cache"));
            }
            request_bytes("GET", addr, path, &headers, b"")
        };
        let pools = [
            &self.lists,
            &self.users,
            &self.directory,
            &self.accounts,
            &self.fresh,
        ];
        let mut deck = Vec::with_capacity(DECK);
        for (kind, &count) in slots.iter().enumerate() {
            for n in 0..count {
                let bytes = match kind {
                    0 => token.clone(),
                    _ => {
                        let pool = pools[kind - 1];
                        get(&pool[n % pool.len()], kind == NO_CACHE)
                    }
                };
                deck.push(Request { kind, bytes });
            }
        }
        deck.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        (deck, slots)
    }
}

/// Deck slots per kind: no-cache gets its share, the rest split by [`WEIGHTS`].
fn slots(no_cache_share: f64) -> [usize; 6] {
    let fresh = ((no_cache_share.clamp(0.0, 1.0) * DECK as f64).round() as usize).min(DECK);
    let rest = DECK - fresh;
    let total: u32 = WEIGHTS.iter().sum();
    let mut slots = [0; 6];
    for (slot, weight) in slots.iter_mut().zip(WEIGHTS) {
        *slot = rest * weight as usize / total as usize;
    }
    slots[NO_CACHE] = fresh;
    // Rounding leftovers go to the users list, the commonest kind.
    slots[1] += DECK - slots.iter().sum::<usize>();
    slots
}

async fn get(service: &Service, path: &str) -> anyhow::Result<Value> {
    let response = service
        .http
        .get(service.url(path))
        .bearer_auth(&service.token)
        .send()
        .await
        .with_context(|| format!("GET {path}"))?;
    if response.status() != 200 {
        bail!("GET {path}: {}", response.status());
    }
    Ok(response.json().await?)
}

/// The `id`s of a list envelope's records.
fn ids(list: &Value) -> Vec<String> {
    let records = list["result"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    records
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_fill_the_deck() {
        let two = slots(0.02);
        assert_eq!(two.iter().sum::<usize>(), DECK);
        assert_eq!(two[NO_CACHE], 20);
        assert_eq!(two[0], 50);
        assert_eq!(slots(0.0)[NO_CACHE], 0);
    }
}
