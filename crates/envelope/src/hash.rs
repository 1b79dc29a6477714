//! [`Sha256Hash`]: the SHA-256 of exact bytes, printed as 64 lowercase hex digits. It names an
//! event (hash of its body, in the `Ombud-Hash` header and the next event's `prevhash`) and a
//! command (the `commandhash` attribute that makes idempotency keys checkable forever).

use std::fmt;

use sha2::{Digest, Sha256};

/// Marks a byte that is not a hex digit in [`HEX_VALUE`] (a digit's value fits in 4 bits).
const NOT_HEX: u8 = 0x80;

/// The value of each byte as a hex digit, or [`NOT_HEX`].
const HEX_VALUE: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Hash(pub [u8; 32]);

impl Sha256Hash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Sha256Hash(Sha256::digest(bytes).into())
    }

    /// Parses 64 hex digits (either case). Table-driven: it runs for several hashes of every
    /// event a projector reads, and the `hex` crate's decoding was 8% of a rebuild's CPU.
    pub fn parse_hex(text: &str) -> Option<Self> {
        let digits: &[u8; 64] = text.as_bytes().try_into().ok()?;
        let mut out = [0u8; 32];
        let mut bad = 0u8;
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let (high, low) = (
                HEX_VALUE[usize::from(pair[0])],
                HEX_VALUE[usize::from(pair[1])],
            );
            bad |= high | low;
            *byte = (high << 4) | low;
        }
        (bad & NOT_HEX == 0).then_some(Sha256Hash(out))
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
        assert_eq!(Sha256Hash::parse_hex(&h.to_hex()[..62]), None, "too short");
        assert_eq!(Sha256Hash::parse_hex(&format!("{h}0")), None, "too long");
    }

    #[test]
    fn every_byte_that_is_not_a_hex_digit_is_refused_in_any_place() {
        let good = Sha256Hash::of(b"abc").to_hex().into_bytes();
        for byte in 0..=255u8 {
            let digit = byte.is_ascii_hexdigit();
            for at in [0, 1, 31, 62, 63] {
                let mut text = good.clone();
                text[at] = byte;
                let parsed = std::str::from_utf8(&text)
                    .ok()
                    .and_then(Sha256Hash::parse_hex);
                assert_eq!(parsed.is_some(), digit, "byte {byte:#04x} at {at}");
                if let Some(parsed) = parsed {
                    let mut expected = [0u8; 32];
                    hex::decode_to_slice(&text, &mut expected).unwrap();
                    assert_eq!(parsed.0, expected, "byte {byte:#04x} at {at}");
                }
            }
        }
    }
}
