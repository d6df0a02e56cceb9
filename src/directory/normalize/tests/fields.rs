//! Emails, name split and status rules.

use proptest::prelude::*;

use super::super::fields::{split_name, status};
use super::super::normalize_emails;
use crate::directory::model::UserStatus;
use crate::jamf::records::JamfAccountStatus;

#[test]
fn emails_trim_lowercase_drop_and_dedupe() {
    let cases: [(&[&str], &[&str]); 6] = [
        (&["paul@x.com", "paul@x.com"], &["paul@x.com"]),
        (&["", "a@x.com"], &["a@x.com"]),
        (
            &["  Jane.Doe@Example.com ", "jane.doe@example.com"],
            &["jane.doe@example.com"],
        ),
        (&["a@x.com", "b@x.com"], &["a@x.com", "b@x.com"]),
        (&["   ", ""], &[]),
        (&[], &[]),
    ];
    for (input, expected) in cases {
        let emails = normalize_emails(input.iter().copied());
        let got: Vec<&str> = emails.iter().map(|e| e.email.as_str()).collect();
        assert_eq!(got, expected, "{input:?}");
        let primaries: Vec<bool> = emails.iter().map(|e| e.is_primary).collect();
        assert_eq!(
            primaries,
            (0..got.len()).map(|i| i == 0).collect::<Vec<_>>()
        );
        assert!(emails.iter().all(|e| e.email_type == "work"));
    }
}

#[test]
fn name_split_only_when_unambiguous() {
    let cases = [
        (Some("John Doe"), Some("John"), Some("Doe")),
        (Some("  John   Doe "), Some("John"), Some("Doe")),
        (Some("Mary Ann Smith"), None, None),
        (Some("Cher"), None, None),
        (Some("Doe, John"), None, None),
        (Some(""), None, None),
        (None, None, None),
    ];
    for (full, first, last) in cases {
        assert_eq!(
            split_name(full),
            (first.map(str::to_owned), last.map(str::to_owned)),
            "{full:?}"
        );
    }
}

#[test]
fn status_and_detail() {
    let cases = [
        (
            Some(JamfAccountStatus::Enabled),
            None,
            UserStatus::Active,
            None,
        ),
        (
            Some(JamfAccountStatus::Disabled),
            Some(5),
            UserStatus::Inactive,
            Some("5 failed login attempts suggest a lockout"),
        ),
        (
            Some(JamfAccountStatus::Disabled),
            Some(1),
            UserStatus::Inactive,
            Some("1 failed login attempt suggest"),
        ),
        (
            Some(JamfAccountStatus::Disabled),
            Some(0),
            UserStatus::Inactive,
            Some("disabled by an administrator"),
        ),
        (
            Some(JamfAccountStatus::Disabled),
            None,
            UserStatus::Inactive,
            Some("also shows accounts locked out"),
        ),
        (
            Some(JamfAccountStatus::Other("Locked".into())),
            None,
            UserStatus::Other("Locked".into()),
            Some("\"Locked\""),
        ),
        (None, None, UserStatus::Unknown, Some("did not report")),
    ];
    for (raw, attempts, expected, detail) in cases {
        let (got, got_detail) = status(raw.as_ref(), attempts);
        assert_eq!(got, expected, "{raw:?}");
        match (detail, got_detail) {
            (None, None) => {}
            (Some(fragment), Some(text)) => assert!(text.contains(fragment), "{text}"),
            (want, got) => panic!("{raw:?}: want {want:?}, got {got:?}"),
        }
    }
    assert_eq!(UserStatus::Other("Locked".into()).as_str(), "Locked");
}

proptest! {
    #[test]
    fn email_normalization_is_idempotent(input in prop::collection::vec("[ aA@.xX]{0,6}", 0..6)) {
        let once = normalize_emails(input.iter().map(String::as_str));
        let twice = normalize_emails(once.iter().map(|e| e.email.as_str()));
        prop_assert_eq!(once, twice);
    }

    /// One primary (the first), trimmed, lowercase, non-empty, no duplicates, and every
    /// non-blank input kept.
    #[test]
    fn emails_keep_every_address_once(input in prop::collection::vec("[ aAbB@.]{0,5}", 0..6)) {
        let out = normalize_emails(input.iter().map(String::as_str));
        for (i, e) in out.iter().enumerate() {
            prop_assert_eq!(e.is_primary, i == 0);
            prop_assert!(!e.email.is_empty() && e.email.trim() == e.email);
            prop_assert_eq!(e.email.to_lowercase(), e.email.clone());
            prop_assert!(!out[..i].iter().any(|o| o.email.eq_ignore_ascii_case(&e.email)));
        }
        for raw in input.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            prop_assert!(out.iter().any(|e| e.email.eq_ignore_ascii_case(raw)), "{} lost", raw);
        }
    }

    /// First and last name come together or not at all, and rebuild the name exactly.
    #[test]
    fn name_split_never_guesses(name in "[ a-zA-Z,é]{0,12}") {
        match split_name(Some(&name)) {
            (Some(first), Some(last)) => {
                let words: Vec<&str> = name.split_whitespace().collect();
                prop_assert_eq!(format!("{first} {last}"), words.join(" "));
                prop_assert!(!name.contains(','));
            }
            (None, None) => {}
            other => prop_assert!(false, "half a split: {:?}", other),
        }
    }
}
