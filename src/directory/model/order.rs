//! The one record order used everywhere: it makes keyset cursors (`id > last id`) stable
//! across cache refreshes.

use std::cmp::Ordering;

/// Orders ids by their non-numeric prefix, then by the value of their trailing digits, then
/// by the full text (a deterministic tie-break, e.g. `"07"` vs `"7"`).
///
/// Jamf account ids (`"2"`, `"16"`) have an empty prefix, so they sort numerically and
/// before prefixed ids such as `api-client-3`; privilege-set ids (`administrator`) sort by
/// name. Digits are compared as text by length, so any id length is safe.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    let (a_prefix, a_digits) = split_trailing_digits(a);
    let (b_prefix, b_digits) = split_trailing_digits(b);
    a_prefix
        .cmp(b_prefix)
        .then_with(|| a_digits.len().cmp(&b_digits.len()))
        .then_with(|| a_digits.cmp(b_digits))
        .then_with(|| a.cmp(b))
}

/// `"api-client-007"` → `("api-client-", "7")`; `"abc"` → `("abc", "")`.
fn split_trailing_digits(id: &str) -> (&str, &str) {
    let digits_start = id
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map_or(id.len(), |(index, _)| index);
    let (prefix, digits) = id.split_at(digits_start);
    (prefix, digits.trim_start_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numeric_then_prefixed_then_names() {
        let mut ids = vec![
            "api-client-10",
            "16",
            "administrator",
            "2",
            "api-client-9",
            "02",
            "auditor",
            "100",
        ];
        ids.sort_by(|a, b| compare_ids(a, b));
        assert_eq!(
            ids,
            [
                "02",
                "2",
                "16",
                "100",
                "administrator",
                "api-client-9",
                "api-client-10",
                "auditor"
            ]
        );
    }

    proptest! {
        #[test]
        fn is_a_total_order(a in "[a-c0-9-]{0,6}", b in "[a-c0-9-]{0,6}") {
            prop_assert_eq!(compare_ids(&a, &b), compare_ids(&b, &a).reverse());
            prop_assert_eq!(compare_ids(&a, &b) == Ordering::Equal, a == b);
        }
    }
}
