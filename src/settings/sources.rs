//! Where settings come from and how their errors read: the file and environment layers,
//! `<key>_file` secrets, paths relative to the config file, and messages that name the key
//! and its origin (`server.listn in /etc/jamf-directory.toml`), not figment's internals.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::error::Kind;
use figment::providers::{Env, Format as _, Toml};
use figment::value::magic::RelativePathBuf;
use figment::{Figment, Source};
use secrecy::SecretString;
use serde::{Deserialize as _, Deserializer, de::Error as _};

use super::{DEFAULT_CONFIG_FILE, ENV_PREFIX, SettingsError};

/// The file (`--config`, else `./jamf-directory.toml` if present), then the environment.
pub(super) fn figment(config_file: Option<&Path>) -> Figment {
    let default = Path::new(DEFAULT_CONFIG_FILE);
    let file = config_file.or_else(|| default.exists().then_some(default));
    let mut figment = Figment::new();
    if let Some(file) = file {
        // Absolute, so messages name the file exactly and relative paths in it have one base.
        let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        figment = figment.merge(Toml::file_exact(file));
    }
    figment.merge(Env::prefixed(ENV_PREFIX).split("__"))
}

/// One secret setting: its value, its `<key>_file` variant and the key's name. Every secret
/// is listed in `Settings::secrets`, so each has a `_file` variant by the same rule.
pub(super) struct SecretSlot<'a> {
    pub key: &'static str,
    pub value: SecretValue<'a>,
    pub file: &'a Option<RelativePathBuf>,
}

/// Where a secret read from its file goes.
pub(super) enum SecretValue<'a> {
    Secret(&'a mut Option<SecretString>),
    /// A setting with a default that may carry a secret (a database URL with its password).
    Plain(&'a mut String),
}

impl SecretSlot<'_> {
    /// Reads the `_file` variant (relative to the config file's folder when set there) into
    /// the key; setting both, in any layer, is an error.
    pub(super) fn resolve(self, figment: &Figment) -> Result<(), SettingsError> {
        let Some(file) = self.file else { return Ok(()) };
        let file_key = file_key(self.key);
        if figment.contains(self.key) {
            return Err(SettingsError::Invalid {
                key: self.key,
                message: format!("set either {} or {file_key}, not both", self.key),
            });
        }
        let path = file.relative();
        let text = std::fs::read_to_string(&path).map_err(|e| SettingsError::Invalid {
            key: self.key,
            message: format!("{file_key}: cannot read {}: {e}", path.display()),
        })?;
        let text = text.trim().to_string();
        match self.value {
            SecretValue::Secret(value) => *value = Some(SecretString::from(text)),
            SecretValue::Plain(value) => *value = text,
        }
        Ok(())
    }
}

fn file_key(key: &str) -> String {
    format!("{key}_file")
}

/// `sqlite:` URLs with a relative path set in the config file point into the file's folder,
/// as `_file` paths do; set in the environment they stay relative to the working directory.
pub(super) fn anchor_sqlite_url(url: &str, figment: &Figment) -> String {
    let Some(folder) = figment
        .find_metadata("storage.database_url")
        .and_then(|md| md.source.as_ref())
        .and_then(Source::file_path)
        .and_then(Path::parent)
    else {
        return url.to_string();
    };
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return url.to_string();
    };
    let (file, query) = rest
        .split_once('?')
        .map_or((rest, None), |(f, q)| (f, Some(q)));
    if file.is_empty() || file.contains(":memory:") || Path::new(file).is_absolute() {
        return url.to_string();
    }
    let anchored: PathBuf = folder.join(file);
    match query {
        Some(query) => format!("sqlite://{}?{query}", anchored.display()),
        None => format!("sqlite://{}", anchored.display()),
    }
}

/// An `IP:PORT` listen address, refusing host names with an example of what is expected.
pub(super) fn socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    parse_socket_addr(&String::deserialize(d)?).map_err(D::Error::custom)
}

pub(super) fn optional_socket_addr<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<SocketAddr>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| parse_socket_addr(&text).map_err(D::Error::custom))
        .transpose()
}

fn parse_socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "{text:?} is not an IP:PORT address; expected e.g. 0.0.0.0:8080 (every interface), 127.0.0.1:8080 or [::]:8080 (host names such as localhost are not accepted)"
        )
    })
}

/// Every error figment collected, each as "`key` (origin): what is wrong".
pub(super) fn describe(errors: &figment::Error) -> String {
    errors
        .clone()
        .into_iter()
        .map(|error| describe_one(&error))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_one(error: &figment::Error) -> String {
    let mut path = error.path.clone();
    let message = match &error.kind {
        Kind::UnknownField(found, expected) => {
            if path.last() != Some(found) {
                path.push(found.clone());
            }
            format!("unknown key; the keys here are {}", expected.join(", "))
        }
        Kind::UnknownVariant(found, expected) => {
            format!("{found:?} is not one of {}", expected.join(", "))
        }
        Kind::MissingField(name) => {
            path.push(name.to_string());
            "is required".to_string()
        }
        Kind::DuplicateField(name) => {
            path.push(name.to_string());
            "is set twice".to_string()
        }
        other => other.to_string(),
    };
    let key = path.join(".");
    let origin = match &error.metadata {
        Some(md) => match md.source.as_ref().and_then(Source::file_path) {
            Some(file) => format!(" in {}", file.display()),
            None if md.name.contains("environment") => match env_variable(&path) {
                Some(variable) => format!(" from the environment variable {variable}"),
                None => " from the environment".to_string(),
            },
            None => String::new(),
        },
        None => String::new(),
    };
    if key.is_empty() {
        format!("{message}{origin}")
    } else {
        format!("`{key}`{origin}: {message}")
    }
}

/// The environment variable that set `path` or the value holding it (one variable may hold a
/// whole TOML array, as `JAMF_DIRECTORY__AUTH__CLIENTS` does).
fn env_variable(path: &[String]) -> Option<String> {
    (1..=path.len()).rev().find_map(|depth| {
        let wanted = format!("{ENV_PREFIX}{}", path[..depth].join("__"));
        std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .find(|name| name.eq_ignore_ascii_case(&wanted))
    })
}
