//! A snapshot written as the API shows it and read back (as another replica stores it in the
//! shared tier) is the same snapshot, sharing its common values again.

use serde_json::json;

use super::{classic_account, classic_admin, directory, real_custom_account, real_group};
use crate::directory::model::DirectorySnapshot;
use crate::directory::normalize::{normalize_directory, share_alike};

#[test]
fn a_snapshot_read_back_equals_the_one_written_and_shares_alike_values_again() {
    let mut source = directory(
        vec![
            real_custom_account(),
            classic_account(classic_admin(1, json!({}))),
            classic_account(classic_admin(2, json!({"full_name": "Mary Ann Smith"}))),
            classic_account(classic_admin(3, json!({"enabled": "Disabled"}))),
        ],
        vec![real_group()],
    );
    source
        .incomplete
        .push(crate::jamf::records::IncompleteList::short(
            "accounts", 4, 9,
        ));
    let snapshot = normalize_directory(&source);
    assert!(snapshot.users.iter().any(|u| !u.permissions.is_empty()));

    let text = serde_json::to_vec(&snapshot).unwrap();
    let mut read: DirectorySnapshot = serde_json::from_slice(&text).unwrap();
    share_alike(&mut read);
    assert_eq!(read, snapshot);
    assert_eq!(
        serde_json::to_vec(&read).unwrap(),
        text,
        "served byte for byte alike"
    );
    let (admin1, admin2) = (read.user("1").unwrap(), read.user("2").unwrap());
    assert!(
        std::ptr::eq(&*admin1.mfa, &*admin2.mfa),
        "one MFA verdict for both, as after a fetch"
    );
    assert_eq!(read.missing[0].source, "accounts");
}
