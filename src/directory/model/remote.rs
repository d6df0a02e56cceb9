//! `remote_data`: the raw Jamf records behind a unified record.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// The raw Jamf records, keyed by source, held as compact JSON text made once at
/// normalization. A `serde_json::Value` tree costs several allocations per key and value
/// (about 4× the text on Jamf accounts, for every cached user); served, the text is copied
/// out as it is.
#[derive(Debug, Clone)]
pub struct RemoteData(Box<RawValue>);

impl RemoteData {
    pub fn new(sources: &Value) -> Self {
        // A `Value` always serializes (its map keys are strings); `null` keeps this infallible.
        Self(serde_json::value::to_raw_value(sources).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for RemoteData {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RemoteData {}

impl Serialize for RemoteData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RemoteData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Self)
    }
}
