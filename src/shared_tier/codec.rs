//! Snapshots as stored in Redis: the JSON the API serves, LZ4-compressed, behind an HMAC.
//!
//! JSON because the model already (de)serializes as the API shows it, and the raw Jamf
//! records (`remote_data`, most of a snapshot's bytes) are JSON text already; LZ4 (pure-Rust
//! `lz4_flex`) because it compresses that repetitive text several times over at memory speed.
//!
//! Redis is a cache, not a source of truth: whoever can write to it must not be able to
//! serve a snapshot. Each entry is `FORMAT_V1 || HMAC-SHA256 || LZ4`, the HMAC keyed with a key
//! derived from the storage key and covering the entry's Redis key and fetch time too, so an
//! entry can be neither forged, nor moved to another account, nor re-dated. Decoding checks
//! the fetch time, then the HMAC, then refuses sizes past a cap before allocating, then the
//! snapshot's invariants (every list's ids unique and in order, which lookups and paging rely
//! on); and makes equal values of the records share one copy again, as a fetch leaves them.

use std::time::Duration;

use hmac::{Hmac, Mac as _};
use secrecy::{ExposeSecret as _, SecretBox};
use sha2::Sha256;

use crate::directory::model::DirectorySnapshot;
use crate::directory::normalize::share_alike;

/// The purpose the entry key is derived for, from the storage key.
pub const MAC_KEY_PURPOSE: &str = "jamf-directory/redis/snapshot-hmac/v1";

/// First byte of every entry, so a later format can coexist.
const FORMAT_V1: u8 = 1;
const TAG_LEN: usize = 32;
/// How far ahead of this replica's clock a fetch time may be (clocks of replicas differ a
/// little); anything later is not a fetch that happened.
pub const CLOCK_SKEW: Duration = Duration::from_secs(30);

/// Why a stored entry was not used. Each is a miss: the entry is fetched anew and overwritten.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("the stored snapshot's fetch time lies in the future")]
    FromTheFuture,
    #[error("the stored snapshot's HMAC does not match (forged, moved, re-dated or another key)")]
    Unauthenticated,
    #[error("the stored snapshot decodes to {0} bytes, more than the cache may hold")]
    TooLarge(usize),
    #[error("the stored snapshot is not LZ4: {0}")]
    Compression(#[from] lz4_flex::block::DecompressError),
    #[error("the stored snapshot is not a snapshot: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the stored snapshot's ids are not unique and in order")]
    Disordered,
}

impl CodecError {
    /// A bounded metric label.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::FromTheFuture => "future_fetch_time",
            Self::Unauthenticated => "unauthenticated",
            Self::TooLarge(_) => "too_large",
            Self::Compression(_) | Self::Json(_) => "undecodable",
            Self::Disordered => "disordered",
        }
    }
}

/// Signs and checks entries. No `Debug`: it holds the key.
#[derive(Clone)]
pub struct EntryMac {
    mac: Hmac<Sha256>,
}

impl EntryMac {
    /// From the key derived for [`MAC_KEY_PURPOSE`].
    pub fn new(key: &SecretBox<[u8]>) -> Self {
        Self {
            mac: Hmac::new_from_slice(key.expose_secret()).expect("HMAC takes keys of any length"),
        }
    }

    fn tag(&self, entry_key: &str, at_ms: i64, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(&[FORMAT_V1]);
        mac.update(&(entry_key.len() as u64).to_be_bytes());
        mac.update(entry_key.as_bytes());
        mac.update(&at_ms.to_be_bytes());
        mac.update(payload);
        mac
    }
}

/// Where an entry lives and when its snapshot was fetched: both are signed with it.
#[derive(Debug, Clone, Copy)]
pub struct EntryId<'a> {
    /// The entry's Redis key.
    pub key: &'a str,
    /// Fetch time, Unix ms.
    pub at_ms: i64,
}

pub fn encode(
    snapshot: &DirectorySnapshot,
    mac: &EntryMac,
    id: EntryId<'_>,
) -> Result<Vec<u8>, CodecError> {
    let payload = lz4_flex::compress_prepend_size(&serde_json::to_vec(snapshot)?);
    let tag = mac.tag(id.key, id.at_ms, &payload).finalize().into_bytes();
    let mut entry = Vec::with_capacity(1 + TAG_LEN + payload.len());
    entry.push(FORMAT_V1);
    entry.extend_from_slice(&tag);
    entry.extend_from_slice(&payload);
    Ok(entry)
}

/// `bytes` as a snapshot, when its fetch time is not ahead of `now_ms` (beyond the clock
/// skew), it is authentic for `id`, decompresses to at most `max_bytes`, and keeps the
/// snapshot's invariants.
pub fn decode(
    bytes: &[u8],
    max_bytes: usize,
    mac: &EntryMac,
    id: EntryId<'_>,
    now_ms: i64,
) -> Result<DirectorySnapshot, CodecError> {
    if id.at_ms > now_ms.saturating_add(CLOCK_SKEW.as_millis() as i64) {
        return Err(CodecError::FromTheFuture);
    }
    let (tag, payload) = match bytes.split_first() {
        Some((&FORMAT_V1, rest)) if rest.len() >= TAG_LEN => rest.split_at(TAG_LEN),
        _ => return Err(CodecError::Unauthenticated),
    };
    mac.tag(id.key, id.at_ms, payload)
        .verify_slice(tag)
        .map_err(|_| CodecError::Unauthenticated)?;
    let declared = payload
        .get(..4)
        .map(|len| u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize)
        .unwrap_or(0);
    if declared > max_bytes {
        return Err(CodecError::TooLarge(declared));
    }
    let json = lz4_flex::decompress_size_prepended(payload)?;
    let mut snapshot: DirectorySnapshot = serde_json::from_slice(&json)?;
    if !snapshot.ids_strictly_ordered() {
        return Err(CodecError::Disordered);
    }
    share_alike(&mut snapshot);
    Ok(snapshot)
}

/// Any other entry as stored: `HMAC || payload`, signed like a snapshot under the name it is
/// stored as (a failed fetch's error for the replicas waiting on it, a Jamf answer an
/// unfinished fetch read), so a forged one is not passed on either.
pub fn seal(payload: &[u8], mac: &EntryMac, name: &str) -> Vec<u8> {
    let tag = mac.tag(name, 0, payload).finalize().into_bytes();
    [&tag[..], payload].concat()
}

/// The payload of a sealed entry, when its HMAC holds for `name`.
pub fn open<'a>(stored: &'a [u8], mac: &EntryMac, name: &str) -> Option<&'a [u8]> {
    let (tag, payload) = stored.split_at_checked(TAG_LEN)?;
    mac.tag(name, 0, payload).verify_slice(tag).ok()?;
    Some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::model::test_users::admin;

    const KEY: &str = "jd:snapshot:acme";
    const AT: i64 = 1_700_000_000_000;

    fn mac(byte: u8) -> EntryMac {
        EntryMac::new(&SecretBox::new(vec![byte; 32].into_boxed_slice()))
    }

    fn two_users() -> DirectorySnapshot {
        DirectorySnapshot {
            jamf_version: Some("11.30.1".into()),
            users: vec![admin("1", "jdoe", ""), admin("2", "asmith", "")],
            ..DirectorySnapshot::default()
        }
    }

    fn id(key: &str, at_ms: i64) -> EntryId<'_> {
        EntryId { key, at_ms }
    }

    fn read(
        bytes: &[u8],
        mac: &EntryMac,
        entry: EntryId<'_>,
    ) -> Result<DirectorySnapshot, CodecError> {
        decode(bytes, 1 << 20, mac, entry, AT)
    }

    #[test]
    fn snapshots_round_trip_under_their_key_and_time_only() {
        let encoded = encode(&two_users(), &mac(1), id(KEY, AT)).unwrap();
        assert_eq!(read(&encoded, &mac(1), id(KEY, AT)).unwrap(), two_users());
        let refused = [
            read(&encoded, &mac(2), id(KEY, AT)),
            read(&encoded, &mac(1), id("jd:snapshot:globex", AT)),
            read(&encoded, &mac(1), id(KEY, AT - 1)),
        ];
        for outcome in refused {
            assert!(
                matches!(outcome, Err(CodecError::Unauthenticated)),
                "{outcome:?}"
            );
        }
        let mut flipped = encoded.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(
            read(&flipped, &mac(1), id(KEY, AT)),
            Err(CodecError::Unauthenticated)
        ));
    }

    #[test]
    fn failures_open_under_their_key_only() {
        let sealed = seal(b"{\"status\":503}", &mac(1), "jd:failure:acme");
        assert_eq!(
            open(&sealed, &mac(1), "jd:failure:acme"),
            Some(&b"{\"status\":503}"[..])
        );
        assert_eq!(open(&sealed, &mac(2), "jd:failure:acme"), None);
        assert_eq!(open(&sealed, &mac(1), "jd:failure:globex"), None);
        assert_eq!(open(b"{\"status\":503}", &mac(1), "jd:failure:acme"), None);
    }

    #[test]
    fn forged_foreign_future_oversized_and_disordered_entries_are_refused() {
        let m = mac(1);
        // Unsigned bytes in the old format and junk.
        let unsigned = lz4_flex::compress_prepend_size(&serde_json::to_vec(&two_users()).unwrap());
        for junk in [&unsigned[..], b"", b"\x01short", b"\x05\0\0\0junk"] {
            assert!(matches!(
                read(junk, &m, id(KEY, AT)),
                Err(CodecError::Unauthenticated)
            ));
        }
        // Signed, but dated ahead of the clock (beyond the skew) to stay "fresh" forever.
        let future = AT + CLOCK_SKEW.as_millis() as i64 + 1;
        let ahead = encode(&two_users(), &m, id(KEY, future)).unwrap();
        assert!(matches!(
            read(&ahead, &m, id(KEY, future)),
            Err(CodecError::FromTheFuture)
        ));
        let within_skew = AT + 1_000;
        let skewed = encode(&two_users(), &m, id(KEY, within_skew)).unwrap();
        assert!(read(&skewed, &m, id(KEY, within_skew)).is_ok());
        // Signed, but larger than the cache may hold.
        let encoded = encode(&two_users(), &m, id(KEY, AT)).unwrap();
        assert!(matches!(
            decode(&encoded, 10, &m, id(KEY, AT), AT),
            Err(CodecError::TooLarge(_))
        ));
        // Signed, but the ids repeat or run backwards (paging would loop).
        for users in [
            vec![admin("1", "a", ""), admin("1", "b", "")],
            vec![admin("2", "a", ""), admin("1", "b", "")],
        ] {
            let bad = DirectorySnapshot {
                users,
                ..two_users()
            };
            let encoded = encode(&bad, &m, id(KEY, AT)).unwrap();
            assert!(matches!(
                read(&encoded, &m, id(KEY, AT)),
                Err(CodecError::Disordered)
            ));
        }
        // Signed, but not a snapshot.
        let payload = lz4_flex::compress_prepend_size(b"[1,2]");
        let mut entry = vec![FORMAT_V1];
        entry.extend_from_slice(&m.tag(KEY, AT, &payload).finalize().into_bytes());
        entry.extend_from_slice(&payload);
        let outcome = read(&entry, &m, id(KEY, AT));
        assert_eq!(outcome.unwrap_err().reason(), "undecodable");
    }
}
