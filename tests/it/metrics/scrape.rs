//! A small reader of the Prometheus text format: enough to find a family's samples by labels.

use reqwest::StatusCode;

use crate::support::TestApp;

type Labels = Vec<(String, String)>;

/// One parsed exposition: samples as (name, labels, value), and `# TYPE` lines.
pub struct Scrape {
    samples: Vec<(String, Labels, f64)>,
    types: Vec<(String, String)>,
}

impl Scrape {
    pub async fn take(app: &TestApp) -> Scrape {
        let response = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        Scrape::parse(&response.text().await.unwrap())
    }

    pub fn parse(text: &str) -> Scrape {
        let mut scrape = Scrape {
            samples: vec![],
            types: vec![],
        };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE line");
                scrape.types.push((name.to_owned(), kind.to_owned()));
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("sample line");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in {line}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, parse_labels(labels.strip_suffix('}').expect("}"))),
                None => (series, vec![]),
            };
            scrape.samples.push((name.to_owned(), labels, value));
        }
        scrape
    }

    /// How many samples (series, histogram buckets included) the exposition holds.
    pub fn sample_count(&self) -> usize {
        self.samples.len()
    }

    /// Sum over the series of `name` carrying every label in `with` (a missing series is 0).
    pub fn value(&self, name: &str, with: &[(&str, &str)]) -> f64 {
        let matches = |labels: &[(String, String)]| {
            with.iter()
                .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
        };
        self.samples
            .iter()
            .filter(|(n, l, _)| n == name && matches(l))
            .map(|(_, _, v)| v)
            .sum()
    }

    /// Label values `label` takes across the series of `name`.
    pub fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        let mut values: Vec<String> = self
            .samples
            .iter()
            .filter(|(n, _, _)| n == name)
            .filter_map(|(_, l, _)| l.iter().find(|(k, _)| k == label).map(|(_, v)| v.clone()))
            .collect();
        values.sort();
        values.dedup();
        values
    }

    pub fn kind(&self, family: &str) -> Option<&str> {
        self.types
            .iter()
            .find(|(n, _)| n == family)
            .map(|(_, k)| k.as_str())
    }
}

/// `a="x",b="y\"z"` → pairs; values may hold commas, braces and escaped quotes.
fn parse_labels(text: &str) -> Vec<(String, String)> {
    let mut labels = vec![];
    let mut rest = text;
    while let Some((key, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (_, '\\') => value.push(match chars.next().expect("escape").1 {
                    'n' => '\n',
                    other => other,
                }),
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        labels.push((key.trim_start_matches(',').to_owned(), value));
        rest = &after[end + 1..];
    }
    labels
}

#[test]
fn labels_with_braces_commas_and_escapes_parse() {
    let scrape = Scrape::parse(
        "# TYPE x counter\nx{route=\"/a/{id}\",q=\"a,b\\\"c\"} 3\nx{route=\"/b\"} 4\ny 1.5\n",
    );
    assert_eq!(
        scrape.value("x", &[("route", "/a/{id}"), ("q", "a,b\"c")]),
        3.0
    );
    assert_eq!(scrape.value("x", &[]), 7.0);
    assert_eq!(scrape.value("y", &[]), 1.5);
    assert_eq!(scrape.kind("x"), Some("counter"));
}
