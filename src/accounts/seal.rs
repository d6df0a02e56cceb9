//! Jamf secrets at rest: ChaCha20-Poly1305 under `storage.encryption_key`, a random nonce per
//! sealing, and the account id as associated data so a sealed secret copied onto another row
//! fails to open. Also where the storage key comes from when none is configured, and the keys
//! derived from it for other uses (HKDF-SHA256, one `purpose` each: the raw key seals only).

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use uuid::Uuid;

use super::model::SealedSecret;

/// First byte of every sealed value: lets a later key rotation or cipher change coexist.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
/// Binds ciphertexts to this use, in addition to the account id.
const AAD_LABEL: &[u8] = b"jamf-directory/integrated-account/secret/v1:";
/// HKDF salt of the keys derived from the storage key.
const SUBKEY_SALT: &[u8] = b"jamf-directory/storage-key/subkeys/v1";

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Wrong key, tampered bytes, or a value sealed for another account.
    #[error(
        "a stored Jamf secret cannot be decrypted (wrong storage.encryption_key or a tampered row)"
    )]
    Open,
    #[error("a Jamf secret cannot be encrypted")]
    Seal,
    #[error("storage key: {0}")]
    Key(String),
}

/// Seals and opens Jamf secrets; the key never leaves it.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    /// HKDF-SHA256 extracted from the storage key, for [`Sealer::derive_key`].
    subkeys: Hkdf<sha2::Sha256>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// From the 32 decoded key bytes.
    pub fn new(key: &SecretBox<[u8]>) -> Result<Self, SealError> {
        let bytes = key.expose_secret();
        if bytes.len() != 32 {
            return Err(SealError::Key("must be exactly 32 bytes".into()));
        }
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(bytes)),
            subkeys: Hkdf::new(Some(SUBKEY_SALT), bytes),
        })
    }

    /// A 32-byte key for `purpose`, derived from the storage key: the same on every replica
    /// with the same key, independent of it and of every other purpose.
    pub fn derive_key(&self, purpose: &str) -> SecretBox<[u8]> {
        let mut key = vec![0u8; 32];
        self.subkeys
            .expand(purpose.as_bytes(), &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        SecretBox::new(key.into_boxed_slice())
    }

    pub fn seal(&self, account_id: Uuid, secret: &SecretString) -> Result<SealedSecret, SealError> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(account_id);
        let payload = Payload {
            msg: secret.expose_secret().as_bytes(),
            aad: &aad,
        };
        // Fails only for messages beyond ~256 GiB, far above any Jamf secret.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .map_err(|_| SealError::Seal)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(SealedSecret(out))
    }

    pub fn open(&self, account_id: Uuid, sealed: &SealedSecret) -> Result<SecretString, SealError> {
        let (version, rest) = sealed.0.split_first().ok_or(SealError::Open)?;
        if *version != FORMAT_V1 || rest.len() < NONCE_LEN {
            return Err(SealError::Open);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let aad = associated_data(account_id);
        let payload = Payload {
            msg: ciphertext,
            aad: &aad,
        };
        let clear = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| SealError::Open)?;
        let text = String::from_utf8(clear).map_err(|_| SealError::Open)?;
        Ok(SecretString::from(text))
    }
}

fn associated_data(account_id: Uuid) -> Vec<u8> {
    [AAD_LABEL, account_id.as_bytes()].concat()
}

/// Where the storage key comes from when `storage.encryption_key` is not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A key file beside the SQLite database: read it, or create it on first start.
    FileBeside(PathBuf),
    /// An in-memory database: a fresh key lives as long as the data does.
    Ephemeral,
}

/// The key file beside a SQLite database file: `<database>.key`.
pub fn key_file_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Loads the key from `source`, creating the key file (mode 0600) when it does not exist yet.
pub fn load_or_create_key(source: &KeySource) -> Result<SecretBox<[u8]>, SealError> {
    match source {
        KeySource::Ephemeral => Ok(random_key()),
        KeySource::FileBeside(path) => match std::fs::read_to_string(path) {
            Ok(text) => decode_key_file(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_key();
                write_key_file(path, &key)?;
                tracing::info!(path = %path.display(), "created encryption key at {}", path.display());
                Ok(key)
            }
            Err(e) => Err(SealError::Key(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        },
    }
}

fn random_key() -> SecretBox<[u8]> {
    let key = ChaCha20Poly1305::generate_key(&mut OsRng);
    SecretBox::new(key.to_vec().into_boxed_slice())
}

fn decode_key_file(path: &Path, text: &str) -> Result<SecretBox<[u8]>, SealError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| SealError::Key(format!("{} is not valid base64", path.display())))?;
    if bytes.len() != 32 {
        return Err(SealError::Key(format!(
            "{} must hold base64 of exactly 32 bytes",
            path.display()
        )));
    }
    Ok(SecretBox::new(bytes.into_boxed_slice()))
}

/// Same format as `storage.encryption_key_file`, so an operator can point that setting at it.
/// `create_new` so two processes starting together cannot overwrite each other's key.
fn write_key_file(path: &Path, key: &SecretBox<[u8]>) -> Result<(), SealError> {
    let fail = |e: std::io::Error| SealError::Key(format!("cannot create {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(key.expose_secret());
    writeln!(file, "{encoded}").map_err(fail)?;
    file.sync_all().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&random_key()).expect("32-byte key")
    }

    #[test]
    fn round_trips_and_uses_a_fresh_nonce_each_time() {
        let sealer = sealer();
        let id = Uuid::new_v4();
        let secret = SecretString::from("jamf-client-secret");
        let a = sealer.seal(id, &secret).expect("seals");
        let b = sealer.seal(id, &secret).expect("seals");
        assert_ne!(a, b, "random nonce per sealing");
        let opened = sealer.open(id, &a).expect("opens");
        assert_eq!(opened.expose_secret(), "jamf-client-secret");
        let raw = String::from_utf8_lossy(a.as_bytes());
        assert!(!raw.contains("jamf-client-secret"));
    }

    #[test]
    fn a_secret_sealed_for_one_account_does_not_open_for_another() {
        let sealer = sealer();
        let sealed = sealer
            .seal(Uuid::new_v4(), &SecretString::from("s"))
            .expect("seals");
        assert!(matches!(
            sealer.open(Uuid::new_v4(), &sealed),
            Err(SealError::Open)
        ));
    }

    #[test]
    fn derived_keys_follow_key_and_purpose_and_are_not_the_key() {
        let key = random_key();
        let one = Sealer::new(&key).unwrap();
        let again = Sealer::new(&key).unwrap();
        let derived = one.derive_key("a");
        assert_eq!(derived.expose_secret().len(), 32);
        assert_eq!(
            derived.expose_secret(),
            again.derive_key("a").expose_secret()
        );
        assert_ne!(derived.expose_secret(), one.derive_key("b").expose_secret());
        assert_ne!(derived.expose_secret(), key.expose_secret());
        assert_ne!(
            derived.expose_secret(),
            sealer().derive_key("a").expose_secret()
        );
    }

    #[test]
    fn wrong_key_and_tampering_are_refused() {
        let id = Uuid::new_v4();
        let sealed = sealer().seal(id, &SecretString::from("s")).expect("seals");
        assert!(sealer().open(id, &sealed).is_err(), "another key");
        let own = sealer();
        let mut bytes = own
            .seal(id, &SecretString::from("s"))
            .expect("seals")
            .as_bytes()
            .to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(own.open(id, &SealedSecret(bytes)).is_err(), "flipped bit");
        assert!(
            own.open(id, &SealedSecret(vec![FORMAT_V1])).is_err(),
            "truncated"
        );
    }

    #[test]
    fn key_file_is_created_private_then_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = key_file_for(&dir.path().join("db.sqlite"));
        assert!(path.ends_with("db.sqlite.key"));
        let source = KeySource::FileBeside(path.clone());
        let first = load_or_create_key(&source).expect("created");
        let second = load_or_create_key(&source).expect("read back");
        assert_eq!(first.expose_secret(), second.expose_secret());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not base64!").expect("overwrite");
        assert!(load_or_create_key(&source).is_err());
    }
}
