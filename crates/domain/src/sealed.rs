//! [`Sealed`]: a personal-data field (reporter identity, contacts, any free text) as it
//! travels in commands and events: AEAD ciphertext plus the id of the data key that sealed it.
//! The domain never sees plaintext and never does cryptography; it only checks that all of a
//! case's personal data is sealed under that case's one key. Sealing and unsealing live in
//! `ombud-envelope`'s `seal` module.

use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::KeyId;

/// An encrypted field: `{"key_id", "nonce", "ciphertext"}`, bytes in standard base64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    /// The data key that sealed this field.
    pub key_id: KeyId,
    /// The AEAD nonce (24 bytes for XChaCha20-Poly1305).
    pub nonce: Bytes,
    /// Ciphertext with its authentication tag.
    pub ciphertext: Bytes,
}

/// Bytes that travel as standard base64 text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transparent)]
pub struct Bytes(#[schemars(with = "String")] pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Encoded whole, then written as one string: `collect_str` over a `Base64Display` goes
        // through the formatting machinery chunk by chunk, which costs more on the append path.
        use base64::Engine as _;
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Bytes)
            .map_err(serde::de::Error::custom)
    }
}
