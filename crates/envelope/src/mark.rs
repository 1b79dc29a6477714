//! ombud's mark on a stored event: the `Ombud-Mac` header, `<key id>:<base64 HMAC-SHA256 of
//! the exact body bytes>`, under a deployment write key ([`WriteKeys`]). A hash chain proves
//! that bytes were not changed; the mark proves that ombud wrote them. A message on the
//! stream without a valid mark is *foreign*: a reader reports it and never applies it.
//!
//! Keys rotate: the first key signs, every key still verifies, so events written under a
//! rotated-out key keep verifying as long as its id and key stay configured.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the mark.
pub const MAC_HEADER: &str = "Ombud-Mac";

/// Longest key id (ids travel in every event's header).
pub const MAX_KEY_ID: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// One write key: an id (letters, digits, `.`, `_`, `-`) and 32 secret bytes.
#[derive(Clone)]
pub struct WriteKey {
    id: String,
    /// The keyed HMAC state, ready to be cloned per message (saves re-keying each time).
    hmac: HmacSha256,
    secret: [u8; 32],
}

impl fmt::Debug for WriteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why a write-key setting is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteKeyError {
    /// The id is empty, too long, or has a character outside `[A-Za-z0-9._-]`.
    #[error("write key id {0:?} must be 1 to 32 letters, digits, `.`, `_` or `-`")]
    BadId(String),
    /// The key is not 64 hex digits.
    #[error("write key {0:?} must be 64 hex digits")]
    BadKey(String),
    /// Two keys share an id.
    #[error("write key id {0:?} is configured twice")]
    DuplicateId(String),
    /// No key at all.
    #[error("no write key configured")]
    Empty,
}

impl WriteKey {
    /// A key from its id and 64 hex digits.
    pub fn from_hex(id: &str, hex: &str) -> Result<Self, WriteKeyError> {
        let secret = crate::hash::Sha256Hash::parse_hex(hex.trim())
            .ok_or_else(|| WriteKeyError::BadKey(id.to_owned()))?
            .0;
        Self::new(id, secret)
    }

    /// A key from its id and secret bytes.
    pub fn new(id: &str, secret: [u8; 32]) -> Result<Self, WriteKeyError> {
        let valid = !id.is_empty()
            && id.len() <= MAX_KEY_ID
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !valid {
            return Err(WriteKeyError::BadId(id.to_owned()));
        }
        // HMAC takes a key of any length: `new_from_slice` cannot fail on 32 bytes.
        let hmac = <HmacSha256 as Mac>::new_from_slice(&secret)
            .map_err(|_| WriteKeyError::BadKey(id.to_owned()))?;
        Ok(WriteKey {
            id: id.to_owned(),
            hmac,
            secret,
        })
    }

    /// A fresh random key named `id`.
    pub fn generate(id: &str) -> Result<Self, WriteKeyError> {
        use chacha20poly1305::aead::{KeyInit, OsRng};
        Self::new(
            id,
            chacha20poly1305::XChaCha20Poly1305::generate_key(&mut OsRng).into(),
        )
    }

    /// The key id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// 64 hex digits (for writing a key file; never log it).
    pub fn to_hex(&self) -> String {
        crate::hash::Sha256Hash(self.secret).to_hex()
    }

    fn mac(&self, body: &[u8]) -> HmacSha256 {
        let mut mac = self.hmac.clone();
        mac.update(body);
        mac
    }
}

/// Why a message does not carry a valid mark (it is then foreign).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unmarked {
    /// No `Ombud-Mac` header.
    #[error("no Ombud-Mac header")]
    Missing,
    /// The header is not `<key id>:<base64 of 32 bytes>`.
    #[error("malformed Ombud-Mac header")]
    Malformed,
    /// The key id is not one of this deployment's write keys.
    #[error("Ombud-Mac names unknown write key {0:?}")]
    UnknownKey(String),
    /// The MAC does not match the body under the named key.
    #[error("Ombud-Mac does not match the body under write key {0:?}")]
    Mismatch(String),
}

/// The deployment's write keys: the first signs, all verify.
#[derive(Debug, Clone)]
pub struct WriteKeys {
    keys: Vec<WriteKey>,
}

impl WriteKeys {
    /// The keys, the signing key first; ids must be unique.
    pub fn new(keys: Vec<WriteKey>) -> Result<Self, WriteKeyError> {
        if keys.is_empty() {
            return Err(WriteKeyError::Empty);
        }
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.id == key.id) {
                return Err(WriteKeyError::DuplicateId(key.id.clone()));
            }
        }
        Ok(WriteKeys { keys })
    }

    /// One fresh random key (`local`), for tests and throwaway logs.
    pub fn generate() -> Self {
        let key = match WriteKey::generate("local") {
            Ok(key) => key,
            // "local" is a valid id; this arm is never taken.
            Err(e) => unreachable!("{e}"),
        };
        WriteKeys { keys: vec![key] }
    }

    /// The signing key.
    pub fn signing(&self) -> &WriteKey {
        &self.keys[0]
    }

    /// Every key, the signing key first.
    pub fn keys(&self) -> &[WriteKey] {
        &self.keys
    }

    /// The `Ombud-Mac` header value for `body`, under the signing key.
    pub fn sign(&self, body: &[u8]) -> String {
        let key = self.signing();
        let tag = key.mac(body).finalize().into_bytes();
        let mut header = String::with_capacity(key.id.len() + 45);
        header.push_str(&key.id);
        header.push(':');
        base64::engine::general_purpose::STANDARD.encode_string(tag, &mut header);
        header
    }

    /// A deduplication id for a message made of `parts` (the case and the idempotency key):
    /// HMAC-SHA256 under the signing key, hex, 32 digits. Keyed, so nobody who can publish
    /// on the bus can take an id before ombud's message does.
    pub fn message_id(&self, parts: &[&[u8]]) -> String {
        let mut mac = self.signing().hmac.clone();
        mac.update(b"ombud/v1/msg-id");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        let tag = mac.finalize().into_bytes();
        crate::hash::Sha256Hash(tag.into()).to_hex()[..32].to_owned()
    }

    /// Checks a stored message's mark; on success, the id of the key that made it.
    pub fn verify<'h>(&self, header: Option<&'h str>, body: &[u8]) -> Result<&'h str, Unmarked> {
        let header = header.ok_or(Unmarked::Missing)?;
        let (id, tag) = header.split_once(':').ok_or(Unmarked::Malformed)?;
        let tag = base64::engine::general_purpose::STANDARD
            .decode(tag.trim())
            .map_err(|_| Unmarked::Malformed)?;
        if tag.len() != 32 {
            return Err(Unmarked::Malformed);
        }
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| Unmarked::UnknownKey(id.to_owned()))?;
        key.mac(body)
            .verify_slice(&tag)
            .map(|()| id)
            .map_err(|_| Unmarked::Mismatch(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(id: &str, byte: u8) -> WriteKey {
        WriteKey::new(id, [byte; 32]).unwrap()
    }

    /// RFC 4231 test case 2 ("Jefe") pins the HMAC itself; the header is `<id>:<base64>`.
    #[test]
    fn the_mark_is_hmac_sha256_of_the_body_in_base64() {
        let mut secret = [0u8; 32];
        secret[..4].copy_from_slice(b"Jefe");
        // HMAC pads a short key with zeros to the block size: "Jefe" and "Jefe\0…" agree.
        let keys = WriteKeys::new(vec![WriteKey::new("k1", secret).unwrap()]).unwrap();
        let header = keys.sign(b"what do ya want for nothing?");
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let (id, tag) = header.split_once(':').unwrap();
        assert_eq!(id, "k1");
        let tag = base64::engine::general_purpose::STANDARD
            .decode(tag)
            .unwrap();
        assert_eq!(
            crate::hash::Sha256Hash(tag.try_into().unwrap()).to_hex(),
            expected
        );
    }

    #[test]
    fn a_rotated_out_key_still_verifies_and_a_changed_body_does_not() {
        let old = WriteKeys::new(vec![key("k1", 1)]).unwrap();
        let header = old.sign(b"body");
        let rotated = WriteKeys::new(vec![key("k2", 2), key("k1", 1)]).unwrap();
        assert_eq!(rotated.verify(Some(&header), b"body"), Ok("k1"));
        assert!(rotated.sign(b"body").starts_with("k2:"));
        assert_eq!(
            rotated.verify(Some(&header), b"bodY"),
            Err(Unmarked::Mismatch("k1".into()))
        );
        let forgotten = WriteKeys::new(vec![key("k2", 2)]).unwrap();
        assert_eq!(
            forgotten.verify(Some(&header), b"body"),
            Err(Unmarked::UnknownKey("k1".into()))
        );
        // Same id, other secret: a forger who guessed the id.
        let impostor = WriteKeys::new(vec![key("k1", 9)]).unwrap();
        assert_eq!(
            impostor.verify(Some(&header), b"body"),
            Err(Unmarked::Mismatch("k1".into()))
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_told_apart() {
        let keys = WriteKeys::new(vec![key("k1", 1)]).unwrap();
        assert_eq!(keys.verify(None, b"b"), Err(Unmarked::Missing));
        for bad in ["", "k1", "k1:", "k1:not base64!", "k1:AAAA"] {
            assert_eq!(
                keys.verify(Some(bad), b"b"),
                Err(Unmarked::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ids_and_key_lists_are_checked() {
        assert!(matches!(
            WriteKey::new("", [0; 32]),
            Err(WriteKeyError::BadId(_))
        ));
        assert!(matches!(
            WriteKey::new("a:b", [0; 32]),
            Err(WriteKeyError::BadId(_))
        ));
        assert!(matches!(
            WriteKey::from_hex("k1", "abc"),
            Err(WriteKeyError::BadKey(_))
        ));
        assert_eq!(WriteKeys::new(vec![]).unwrap_err(), WriteKeyError::Empty);
        assert_eq!(
            WriteKeys::new(vec![key("k1", 1), key("k1", 2)]).unwrap_err(),
            WriteKeyError::DuplicateId("k1".into())
        );
        let hex = key("k1", 7).to_hex();
        assert_eq!(WriteKey::from_hex("k1", &hex).unwrap().to_hex(), hex);
        assert!(!format!("{:?}", key("k1", 7)).contains(&hex[..8]));
    }
}
