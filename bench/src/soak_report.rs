//! The soak's printed result: a per-kind latency table, then the verdict rows and notes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::report::{thousands, time};
use crate::soak::Soak;
use crate::soak_mix::{KINDS, NO_CACHE};
use crate::tally::{NO_ANSWER, Tally, is_success};

/// RSS may grow by less than this fraction between the end of the warm-up and the end.
const MAX_RSS_GROWTH: f64 = 0.10;
/// Share of the asked rate the run must achieve for its numbers to describe that rate.
const MIN_RATE_SHARE: f64 = 0.99;

/// The Markdown report and whether every target was met.
pub fn render(soak: &Soak) -> (String, bool) {
    let a = &soak.args;
    let load = &soak.load;
    let mut out = format!(
        "## Soak: {:.0} s at {} req/s (open loop, {} connections), {} integrated accounts × {} \
         Jamf accounts, Jamf latency {} ms\n\n",
        a.duration_secs, a.rate, a.connections, a.instances, a.accounts, a.latency_ms
    );
    out.push_str(
        "| Request kind | Share | Answered | Unexpected | p50 | p99 | max | service p50 / p99 |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    let deck: usize = soak.shares.iter().sum();
    for ((name, tally), share) in KINDS.iter().zip(&load.kinds).zip(soak.shares) {
        let share = 100.0 * share as f64 / deck.max(1) as f64;
        kind_row(&mut out, name, share, tally);
    }
    kind_row(&mut out, "**all**", 100.0, &load.all);

    let mut all_met = true;
    let mut verdict = |met: bool| {
        all_met &= met;
        if met { "PASS" } else { "**MISS**" }
    };
    let answered = load.all.answered();
    let achieved = answered as f64 / load.window.as_secs_f64().max(1e-9);
    let rate_met = achieved >= a.rate * MIN_RATE_SHARE;
    let unexpected = load.errors;
    let (start, end) = (soak.rss[0].1, soak.rss.last().map_or(0, |s| s.1));
    let growth = (end as f64 - start as f64) / (start as f64).max(1.0);
    let active = soak.statuses.iter().filter(|s| *s == "active").count();
    let samples: Vec<String> = soak
        .rss
        .iter()
        .map(|(_, b)| format!("{:.0}", mb(*b)))
        .collect();
    // Every kind a snapshot can answer: all but no-cache, which waits for Jamf by definition.
    let answerable = Tally::combined(
        load.kinds
            .iter()
            .enumerate()
            .filter(|(kind, _)| *kind != NO_CACHE)
            .map(|(_, tally)| tally),
    );
    let answerable_p99 = answerable.percentile(99.0);
    let rows = [
        (
            "Latency of every request a snapshot can answer (all kinds but no-cache): p50 / p99 / max (service p99)"
                .to_owned(),
            format!(
                "{} / {} / {} ({})",
                time(answerable.percentile(50.0)),
                time(answerable_p99),
                time(answerable.max()),
                time(answerable.service_percentile(99.0))
            ),
            "p99 < 100 ms",
            verdict(answerable_p99 < Duration::from_millis(100)),
        ),
        (
            "Requests answered in the window (achieved rate)".to_owned(),
            format!(
                "{} ({achieved:.1} req/s of {} asked)",
                thousands(answered as f64),
                a.rate
            ),
            "≥ 99 % of asked",
            verdict(rate_met),
        ),
        (
            "Unexpected answers (anything but 2xx), by status".to_owned(),
            format!("{unexpected}{}", by_status(&load.all.statuses)),
            "0",
            verdict(unexpected == 0),
        ),
        (
            "Latency, all kinds: p50 / p99 / max".to_owned(),
            format!(
                "{} / {} / {}",
                time(load.all.percentile(50.0)),
                time(load.all.percentile(99.0)),
                time(load.all.max())
            ),
            "—",
            "—",
        ),
        (
            format!(
                "RSS (VmRSS) after the {:.0} s warm-up → at the end (load still running)",
                a.warmup_secs
            ),
            format!(
                "{:.1} MiB → {:.1} MiB ({:+.1} %)",
                mb(start),
                mb(end),
                100.0 * growth
            ),
            "growth < 10 %",
            verdict(growth < MAX_RSS_GROWTH),
        ),
        (
            format!("RSS samples, MiB, every {:.0} s", a.sample_secs),
            samples.join(", "),
            "—",
            "—",
        ),
        (
            format!(
                "Jamf directory fetches in the window (TTL {} s + no-cache)",
                a.ttl_secs
            ),
            format!(
                "{} ({} SSO reads incl. cold single-user gets; {} Jamf OAuth tokens)",
                soak.fetches, soak.sso_reads, soak.jamf_tokens
            ),
            "—",
            "—",
        ),
        (
            "Jamf answers in the window, by status".to_owned(),
            jamf_statuses(&soak.jamf_statuses),
            "—",
            "—",
        ),
        (
            "Integrated accounts `active` at the end".to_owned(),
            format!("{active} / {}", soak.statuses.len()),
            "all",
            verdict(active == soak.statuses.len()),
        ),
    ];
    out.push_str("\n| Measurement | Result | Target | |\n|---|---|---|---|\n");
    for (what, result, target, verdict) in rows {
        let _ = writeln!(out, "| {what} | {result} | {target} | {verdict} |");
    }
    let _ = write!(
        out,
        "\n- One process: the service (`jamf_directory::launch` on 127.0.0.1:0, SQLite in a temp \
         dir), the {n} simulated Jamf instances (Jamf {versions} in turn, {tok} s OAuth tokens) \
         and the load generator (raw-socket HTTP/1.1 keep-alive, own thread) all share it, so \
         RSS covers all three; the generator's latency log grows by 4 bytes per request.\n\
         - Service settings: rate limits `LimitSettings::unlimited()`, `cache.ttl_secs = {ttl}`, \
         `upstream.max_concurrency = {c}`, caller tokens valid 24 h.\n\
         - Open loop: each connection sends on a fixed schedule (rate / connections); latency \
         is measured from the scheduled send, so a slow answer also bills the waits it causes \
         (no coordinated omission). \"Service\" columns time the same answers from the real send \
         (no wait for a connection still busy with an earlier slow answer). Percentiles are over \
         2xx answers.\n\
         - Workload: a shuffled deck of {deck} requests sent in turn; lists rotate through 9 \
         user queries (filters, `type=all`, `include=permissions`) and up to 4 pages of two of \
         them via `next_cursor` values read before the run (keyset cursors survive refreshes); \
         no-cache lists send `Cache-Control: no-cache`, which is never answered stale: it waits for \
         a fetch from Jamf.\n",
        n = a.instances,
        versions = a.jamf_versions.join(", "),
        tok = a.jamf_token_secs,
        ttl = a.ttl_secs,
        c = a.concurrency,
    );
    (out, all_met)
}

fn kind_row(out: &mut String, name: &str, share: f64, tally: &Tally) {
    let _ = writeln!(
        out,
        "| {name} | {share:.1} % | {} | {}{} | {} | {} | {} | {} / {} |",
        thousands(tally.answered() as f64),
        tally.errors(),
        by_status(&tally.statuses),
        time(tally.percentile(50.0)),
        time(tally.percentile(99.0)),
        time(tally.max()),
        time(tally.service_percentile(50.0)),
        time(tally.service_percentile(99.0)),
    );
}

/// " (429: 3, no answer: 1)" for the non-2xx statuses; empty when there are none.
fn by_status(statuses: &BTreeMap<u16, usize>) -> String {
    let errors: Vec<String> = statuses
        .iter()
        .filter(|(status, _)| !is_success(**status))
        .map(|(status, n)| match *status {
            NO_ANSWER => format!("no answer: {n}"),
            status => format!("{status}: {n}"),
        })
        .collect();
    if errors.is_empty() {
        String::new()
    } else {
        format!(" ({})", errors.join(", "))
    }
}

fn jamf_statuses(statuses: &BTreeMap<u16, u64>) -> String {
    let parts: Vec<String> = statuses
        .iter()
        .map(|(status, n)| format!("{status}: {}", thousands(*n as f64)))
        .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
