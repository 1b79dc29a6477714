//! The keyed blind index of a NIK: HMAC-SHA256 of the normalised number under a deployment
//! key ([`BlindKey`], held like the master key). The same NIK always gives the same
//! [`BlindIndex`], so a person's cases can be found, but without the key nobody can tell which
//! NIK an index stands for (a NIK has too little entropy for a plain hash). The NIK itself is
//! never stored in clear.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::seal::SealError;

/// The key of the blind index; from config or `OMBUD__SECURITY__BLIND_INDEX_KEY`.
#[derive(Clone, PartialEq, Eq)]
pub struct BlindKey([u8; 32]);

impl BlindKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        use chacha20poly1305::aead::{KeyInit, OsRng};
        BlindKey(chacha20poly1305::XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        crate::hash::Sha256Hash::parse_hex(text.trim())
            .map(|h| BlindKey(h.0))
            .ok_or_else(|| SealError::InvalidKey("BlindKey must be 64 hex digits".into()))
    }

    /// 64 hex digits (for writing a key file; never log it).
    pub fn to_hex(&self) -> String {
        crate::hash::Sha256Hash(self.0).to_hex()
    }

    /// The blind index of `nik`, or why it is not a NIK.
    pub fn index(&self, nik: &str) -> Result<BlindIndex, NikError> {
        let nik = normalise_nik(nik)?;
        // HMAC takes a key of any length: `new_from_slice` cannot fail.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => return Err(NikError::Key),
        };
        mac.update(b"ombud/v1/nik|");
        mac.update(nik.as_bytes());
        Ok(BlindIndex(mac.finalize().into_bytes().into()))
    }
}

impl BlindKey {
    /// HMAC-SHA256 under this key of `tag` and then each part, length-prefixed: a keyed
    /// derivation for other secret identifiers (e.g. the namespace of report case ids), kept
    /// apart from NIK indexes by its tag.
    pub fn derive(&self, tag: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            // HMAC takes a key of any length; this arm is never taken.
            Err(e) => unreachable!("{e}"),
        };
        mac.update(tag.as_bytes());
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for BlindKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindKey(<redacted>)")
    }
}

/// The blind index of one NIK.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlindIndex(pub [u8; 32]);

impl BlindIndex {
    /// 64 hex digits.
    pub fn to_hex(&self) -> String {
        crate::hash::Sha256Hash(self.0).to_hex()
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        crate::hash::Sha256Hash::parse_hex(text).map(|h| BlindIndex(h.0))
    }
}

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlindIndex({}…)", &self.to_hex()[..8])
    }
}

/// Why a text is not a NIK.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NikError {
    /// Not 16 digits once spaces, dots and dashes are dropped.
    #[error("a NIK is 16 digits (spaces, dots and dashes are ignored)")]
    NotSixteenDigits,
    /// The key is unusable.
    #[error("the blind index key is unusable")]
    Key,
}

/// The NIK's 16 digits, with spaces, dots and dashes dropped.
pub fn normalise_nik(nik: &str) -> Result<String, NikError> {
    let digits: String = nik
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '\t'))
        .collect();
    if digits.len() == 16 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(NikError::NotSixteenDigits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_nik_in_any_spelling_gives_one_index_and_another_key_another() {
        let key = BlindKey::generate();
        let a = key.index("3278010101800001").unwrap();
        assert_eq!(a, key.index(" 3278-0101.0180 0001 ").unwrap());
        assert_ne!(a, key.index("3278010101800002").unwrap());
        assert_ne!(a, BlindKey::generate().index("3278010101800001").unwrap());
        assert_eq!(key.index("32780101018000"), Err(NikError::NotSixteenDigits));
        assert_eq!(
            key.index("327801010180000X"),
            Err(NikError::NotSixteenDigits)
        );
    }

    #[test]
    fn the_index_is_hmac_sha256_of_the_tagged_digits() {
        // RFC 4231 test case 2 checks the HMAC itself; here the tag and normalisation.
        let key = BlindKey::from_hex(&"11".repeat(32)).unwrap();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&[0x11; 32]).unwrap();
        mac.update(b"ombud/v1/nik|3278010101800001");
        let want: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(key.index("3278 0101 0180 0001").unwrap().0, want);
    }
}
