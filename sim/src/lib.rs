//! A faithful stand-in for Jamf Pro (the Jamf behaviour it reproduces is in `docs/jamf-pro-api.md`),
//! used by the `jamf-sim` binary, the demo, the benchmark and the integration tests.
//!
//! Start one in-process with [`SimServer::start`], drive faults and read counters through
//! [`SimControl`] (or over HTTP under `/__sim`).
//!
//! The fixed edge cases (same for every seed; filler accounts from id 24 vary by seed):
//!
//! | id | username | what it exercises |
//! |---|---|---|
//! | 1 | `admin` | Full Access Administrator, Enabled; "Jane Doe"; the Basic user |
//! | 2 | `rachel.green` | Auditor, Disabled (not locked) |
//! | 3 | `peter.parker` | Disabled with `failedLoginAttempts` = [`LOCKOUT_THRESHOLD`] (locked) |
//! | 4 | `Wrong_Permissions` | Custom, only `jss_objects` present |
//! | 5 | `helpdesk.lead` | Custom, empty categories rendered as `[]` |
//! | 6 | `jpublic` | directory user, `ldap_server` Corp AD |
//! | 7 | `mary.vanderberg` | Group Access via groups 1 and 3; "Mary Ann van der Berg" |
//! | 8 | `cher` | Group Access via group 2 (Site Access group); single-word name |
//! | 9 | `site.admin` | Site Access (site 1), empty `full_name` |
//! | 10 | `alex.smith` | empty `email`, populated `email_address` |
//! | 11 | `kim.lee` | `email` differs from `email_address` only in case |
//! | 12 | `sam.jones` | `email` padded with whitespace |
//! | 13 | `enroll.kiosk` | Enrollment Only |
//! | 14 | `wei.li` | `accountType: FEDERATED` |
//! | 15, 16 | `chris.taylor`, `pat.morgan` | the same mailbox on two accounts (case differs) |
//! | 17 | `jose.garcia` | Site Access Custom (site 3), non-ASCII name |
//! | 18 | `dana.scully` | directory user in the LDAP-backed group 4 |
//! | 19 | `bob.jones` | `force_password_change`, failed logins below the threshold |
//! | 20 | `rd.ops` | XML-special characters in the name; groups 6 and 5 |
//! | 21 | `build.bot` | no email at all (neither `email` nor `email_address`) |
//! | 22 | `conan.obrien` | Auditor; a comma and double quotes in the name: `O'Brien, Conan "Coco"` |
//! | 23 | `calc.sum` | Auditor; a name starting with `=` (`=SUM(A1:A9)`, a spreadsheet formula) |
//!
//! Groups: 1 Helpdesk (Full, Custom), 2 Austin Site Admins (Site, Administrator),
//! 3 Auditors (Full, Auditor; Classic members filled), 4 Directory Admins (LDAP-backed),
//! 5 Enrollment Team, 6 Group Based Team (Group Access; Classic members filled). Groups 1,
//! 2, 4 and 5 answer `members: []` in Classic detail; v1 `members` is filled unless the
//! `v1_members_empty` quirk is on.
//!
//! Inventory users (`/JSSResource/users`, `/api/v1/users`: the people devices are assigned
//! to, not console accounts), fixed for every seed; filler users from id 12 vary by seed
//! and fill up to [`SimConfig::inventory_users`]:
//!
//! | id | username (Classic `name`) | what it exercises |
//! |---|---|---|
//! | 1 | `jane.appleseed` | plain: site 1, one static group (1), phone and position set |
//! | 2 | `mo.ibrahim` | a static group (1) and a smart one (2, position `Manager`) |
//! | 3 | `alex.smith` | empty `email`, populated `email_address` |
//! | 4 | `kim.lee` | `email` differs from `email_address` only in case |
//! | 5 | `sam.jones` | `email` padded with whitespace |
//! | 6 | `jpublic` | LDAP user (`ldap_server` Corp AD); in group 1 |
//! | 7 | `pat.morgan` | two sites (1 and 2); in group 3 (a site's group) |
//! | 8 | `shared.ipad` | no site |
//! | 9 | `svc.scanner` | empty `full_name` |
//! | 10 | `O'Brien, Conan <R&D>` | XML-special characters and a comma in the name; full name `Conan "Coco" O'Brien & Co.` |
//! | 11 | `robin.solo` | in no group |
//!
//! Ids 3, 4, 5 and 6 share their mailboxes with administrator accounts 10, 11, 12 and 6 (the
//! same people). Users 3, 4, 5 and 8..=11 are in no group; only user 2 has position
//! `Manager` among the fixed ones.
//!
//! User groups: 1 Engineering (static; fixed members 1, 2, 6), 2 Managers (smart: exactly
//! the users whose position is `Manager`), 3 Austin Loaners (static, site 2; fixed member
//! 7), 4 Former Staff (static, always empty); then one "Department N" per 100 users (every
//! third smart and limited to a site). Filler users join groups 1, 3 and the departments
//! at random (seeded).
//!
//! Quirks of real tenants, each behind a switch ([`Quirks`] in [`SimConfig::quirks`], or
//! the version):
//!
//! | switch | CLI | effect |
//! |---|---|---|
//! | `page_size_clamp: Some(n)` | `--page-size-clamp N` | paged v1 lists (accounts, account groups, API roles and integrations, inventory users) answer at most `n` records a page and count `page` in pages of `n`; `totalCount` stays the true total (`/api/v1/users` reports the capped size as `pageSize` and derives `totalPages`/`hasNext` from it) |
//! | `total_count_surplus: n` | — | paged v1 lists report `totalCount` `n` above the records they hold, so no client can complete them (`/api/v1/users` derives `totalPages`/`hasNext` from that count) |
//! | `record_padding_bytes: n` | — | every v1 account record carries an `n`-byte `padding` string (fat pages) |
//! | `shared_email_accounts: n` | — | the first `n` accounts all list `SHARED_MAILBOX` as their email (one address naming many accounts) |
//! | `v1_members_empty: true` | `--v1-members-empty` | `/api/v1/account-groups` list and detail answer `members: []` for every group |
//! | `jamf_version` below 11.10 | `--jamf-version` | `GET /api/v3/sso` answers 404; the flat SAML-only `GET /api/v2/sso` (served at every version) reports the same posture |
//! | `Faults::shed_above: Some(k)` | `--shed-above K` | Jamf Cloud's load shedding: a request (token requests excepted) that finds more than `k` requests in progress answers 503 with a "Jamf Cloud - Timeout" HTML page and no `Retry-After`; counted in [`SimStats::refused`] and in the `api` acceptance ratios of `/api/v1/health-status` |
//! | `Faults::health_status: true` | `--health-status` (implied by `--shed-above`) | `GET /api/v1/health-status` (any valid token) answers the accepted share per group (`api`, `ui`, `enrollment`, `device`, `default`) and window (`thirtySeconds`, `oneMinute`, `fiveMinutes`, `fifteenMinutes`, `thirtyMinutes`): `api` is accepted/total over the window (1.0 without requests), the others 1.0; off (the default), it answers 404 as on premises |
//! | `jamf_version` below 11.23 / 11.26 / 11.27 | `--jamf-version` | `GET /api/v1/accounts` / `/api/v1/users` / `/api/v1/account-groups` (and their `/{id}`) answer 404; Classic serves everything at every version |

mod api_v1;
mod auth;
mod classic;
mod classic_render;
mod classic_users;
mod config;
mod control;
mod data;
mod errors;
mod faults;
mod filter;
mod fixtures;
mod generate;
mod guard;
mod health;
mod jackson;
mod layers;
mod listener;
mod paging;
mod privileges;
mod rsql;
mod server;
mod state;
mod stats;
mod tokens;
mod v1_model;

pub use config::{JamfVersion, Quirks, SHARED_MAILBOX, SimConfig, SsoConfig};
pub use control::SimControl;
pub use data::{
    AccessLevel, Account, ApiIntegration, ApiRole, Dataset, Group, InventoryUser, LdapServer,
    PrivilegeSet, Site, UserGroup,
};
pub use faults::{Availability, Faults};
pub use privileges::{LOCKOUT_THRESHOLD, Privileges};
pub use server::{SimServer, router};
pub use state::SimState;
pub use stats::SimStats;
