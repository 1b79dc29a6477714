//! [`Sha256Hash`]: the SHA-256 of exact bytes, printed as 64 lowercase hex digits. It names an
//! event (hash of its body, in the `Ombud-Hash` header and the next event's `prevhash`) and a
//! command (the `commandhash` attribute that makes idempotency keys checkable forever).

use std::fmt;

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Hash(pub [u8; 32]);

impl Sha256Hash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Sha256Hash(Sha256::digest(bytes).into())
    }

    /// Parses 64 hex digits (either case).
    pub fn parse_hex(text: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).ok()?;
        Some(Sha256Hash(out))
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        let mut digits = vec![0u8; 64];
        match hex::encode_to_slice(self.0, &mut digits) {
            // Hex digits are ASCII.
            Ok(()) => String::from_utf8(digits).unwrap_or_default(),
            Err(_) => String::new(), // 64 is exactly twice 32: unreachable
        }
    }
}

impl fmt::Display for Sha256Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 64];
        match hex::encode_to_slice(self.0, &mut digits) {
            // Hex digits are ASCII.
            Ok(()) => f.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for Sha256Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Hash({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_matches_a_known_digest() {
        let h = Sha256Hash::of(b"abc");
        assert_eq!(
            h.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Sha256Hash::parse_hex(&h.to_hex()), Some(h));
        assert_eq!(Sha256Hash::parse_hex(&h.to_hex().to_uppercase()), Some(h));
        assert_eq!(Sha256Hash::parse_hex("xyz"), None);
        assert_eq!(Sha256Hash::parse_hex(&"g".repeat(64)), None);
    }
}
