//! Values many users of a snapshot hold alike (the MFA verdict, the site list, role and group
//! lists), kept once and served from JSON rendered once.
//!
//! Without sharing, each of a hundred thousand cached users held its own copy (about 1.3 KiB
//! of a user's heap), and serializing those copies was half the CPU of a warm list.

use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A value and its JSON text, behind one `Arc`; equal values of a snapshot are made to share
/// one (see `normalize::share`). Read it through `Deref`; it serializes as the stored text.
#[derive(Debug, Clone)]
pub struct Shared<T>(Arc<Rendered<T>>);

#[derive(Debug)]
struct Rendered<T> {
    value: T,
    json: Box<RawValue>,
}

impl<T: Serialize> Shared<T> {
    pub fn new(value: T) -> Self {
        // The model's types always serialize (plain fields, string keys); `null` keeps this
        // infallible.
        let json =
            serde_json::value::to_raw_value(&value).unwrap_or_else(|_| RawValue::NULL.to_owned());
        Self(Arc::new(Rendered { value, json }))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.value == other.0.value
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: Hash> Hash for Shared<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.value.hash(state);
    }
}

/// Read back as a value of its own; `normalize::share_alike` makes equal ones share again.
impl<'de, T: Serialize + Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

impl<T> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.json.serialize(serializer)
    }
}
