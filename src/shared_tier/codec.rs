//! Snapshots as stored in Redis: the JSON the API serves, LZ4-compressed.
//!
//! JSON because the model already (de)serializes as the API shows it, and the raw Jamf
//! records (`remote_data`, most of a snapshot's bytes) are JSON text already; LZ4 (pure-Rust
//! `lz4_flex`) because it compresses that repetitive text several times over at memory speed.
//! Decoding refuses sizes past a cap before allocating, and makes equal values of the records
//! share one copy again, as a fetch leaves them.

use crate::directory::model::DirectorySnapshot;
use crate::directory::normalize::share_alike;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("the stored snapshot decodes to {0} bytes, more than the cache may hold")]
    TooLarge(usize),
    #[error("the stored snapshot is not LZ4: {0}")]
    Compression(#[from] lz4_flex::block::DecompressError),
    #[error("the stored snapshot is not a snapshot: {0}")]
    Json(#[from] serde_json::Error),
}

pub fn encode(snapshot: &DirectorySnapshot) -> Result<Vec<u8>, CodecError> {
    Ok(lz4_flex::compress_prepend_size(&serde_json::to_vec(
        snapshot,
    )?))
}

/// `bytes` as a snapshot, when it decompresses to at most `max_bytes`.
pub fn decode(bytes: &[u8], max_bytes: usize) -> Result<DirectorySnapshot, CodecError> {
    let declared = bytes
        .get(..4)
        .map(|len| u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize)
        .unwrap_or(0);
    if declared > max_bytes {
        return Err(CodecError::TooLarge(declared));
    }
    let json = lz4_flex::decompress_size_prepended(bytes)?;
    let mut snapshot: DirectorySnapshot = serde_json::from_slice(&json)?;
    share_alike(&mut snapshot);
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> DirectorySnapshot {
        DirectorySnapshot {
            jamf_version: Some("11.30.1".into()),
            ..DirectorySnapshot::default()
        }
    }

    #[test]
    fn snapshots_round_trip_and_oversized_or_foreign_bytes_are_refused() {
        let encoded = encode(&empty()).unwrap();
        assert_eq!(decode(&encoded, 1 << 20).unwrap(), empty());
        assert!(matches!(decode(&encoded, 10), Err(CodecError::TooLarge(_))));
        // A declared size of 4 GiB is refused before anything is allocated.
        assert!(matches!(
            decode(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3], 1 << 30),
            Err(CodecError::TooLarge(_))
        ));
        assert!(decode(b"\x05\0\0\0junk", 1 << 20).is_err());
        assert!(decode(&lz4_flex::compress_prepend_size(b"[1,2]"), 1 << 20).is_err());
    }
}
