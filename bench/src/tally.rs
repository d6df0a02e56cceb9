//! What a load run saw: answers counted by status, and latencies, overall and per request kind.

use std::collections::BTreeMap;
use std::time::Duration;

/// The status recorded when no HTTP answer came (connection refused, reset or closed).
pub const NO_ANSWER: u16 = 0;

/// One kind's answers inside the measurement window.
#[derive(Default, Clone)]
pub struct Tally {
    /// Answers by HTTP status; [`NO_ANSWER`] for connection failures.
    pub statuses: BTreeMap<u16, usize>,
    /// Latencies of the 2xx answers from the scheduled send, in microseconds; sorted once the
    /// run is over.
    latencies_us: Vec<u32>,
    /// The same answers from the actual send: the service's time alone, without the wait for a
    /// connection that was still busy with an earlier request.
    service_us: Vec<u32>,
}

impl Tally {
    /// An answer with its latency from the scheduled send (`took`) and from the real one.
    pub fn record(&mut self, status: u16, took: Duration, served: Duration) {
        *self.statuses.entry(status).or_default() += 1;
        if is_success(status) {
            self.latencies_us.push(micros(took));
            self.service_us.push(micros(served));
        }
    }

    pub fn merge(&mut self, other: Tally) {
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.latencies_us.extend(other.latencies_us);
        self.service_us.extend(other.service_us);
    }

    /// Several kinds' answers as one, ready for percentiles.
    pub fn combined<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> Tally {
        let mut all = Tally::default();
        for tally in tallies {
            all.merge(tally.clone());
        }
        all.finish();
        all
    }

    fn finish(&mut self) {
        self.latencies_us.sort_unstable();
        self.service_us.sort_unstable();
    }

    /// Every answer, successful or not.
    pub fn answered(&self) -> usize {
        self.statuses.values().sum()
    }

    pub fn successes(&self) -> usize {
        self.latencies_us.len()
    }

    /// Anything but a 2xx (no endpoint driven here answers 304).
    pub fn errors(&self) -> usize {
        self.answered() - self.successes()
    }

    /// Nearest-rank percentile (`p` in 0..=100) of the 2xx latencies.
    pub fn percentile(&self, p: f64) -> Duration {
        rank(&self.latencies_us, p)
    }

    /// Percentile of the service time (from the real send).
    pub fn service_percentile(&self, p: f64) -> Duration {
        rank(&self.service_us, p)
    }

    pub fn max(&self) -> Duration {
        self.percentile(100.0)
    }
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// Nearest rank in sorted `values`.
fn rank(values: &[u32], p: f64) -> Duration {
    let Some(last) = values.len().checked_sub(1) else {
        return Duration::ZERO;
    };
    let rank = ((p / 100.0) * last as f64).round() as usize;
    Duration::from_micros(u64::from(values[rank.min(last)]))
}

pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// What one measurement window saw.
pub struct Load {
    pub completed: usize,
    pub errors: usize,
    pub window: Duration,
    /// Every kind together.
    pub all: Tally,
    /// Indexed by the kind of each request (see `load::Request`).
    pub kinds: Vec<Tally>,
}

impl Load {
    /// Sorts the latencies and adds the kinds up.
    pub fn new(window: Duration, mut kinds: Vec<Tally>) -> Load {
        let mut all = Tally::default();
        for kind in &mut kinds {
            kind.finish();
            all.merge(kind.clone());
        }
        all.finish();
        Load {
            completed: all.successes(),
            errors: all.errors(),
            window,
            all,
            kinds,
        }
    }

    /// 2xx answers per second of the window.
    pub fn throughput(&self) -> f64 {
        self.completed as f64 / self.window.as_secs_f64().max(1e-9)
    }

    pub fn percentile(&self, p: f64) -> Duration {
        self.all.percentile(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_statuses_and_ranks_only_successes() {
        let ms = Duration::from_millis;
        let mut token = Tally::default();
        token.record(200, ms(3), ms(2));
        token.record(401, ms(50), ms(50));
        let mut list = Tally::default();
        list.record(200, ms(1), ms(1));
        list.record(NO_ANSWER, ms(0), ms(0));
        let load = Load::new(ms(1_000), vec![token, list]);
        assert_eq!((load.completed, load.errors), (2, 2));
        assert_eq!(load.all.statuses[&NO_ANSWER], 1);
        assert_eq!(load.percentile(0.0), ms(1));
        assert_eq!(load.all.max(), ms(3));
        assert_eq!(load.all.service_percentile(100.0), ms(2));
        assert_eq!(load.kinds[0].errors(), 1);
    }
}
