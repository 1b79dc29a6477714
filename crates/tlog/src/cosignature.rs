//! C2SP tlog-cosignature, the Ed25519 `cosignature/v1` kind: a witness's timestamped
//! signature over a checkpoint's note text. The key id is the first four bytes of
//! SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key); the signature line carries
//! base64(key id ‖ big-endian u64 timestamp ‖ Ed25519 signature), and the signed message is
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's text.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};

use crate::note::{self, NoteError, SignatureLine};

/// The signature algorithm byte of Ed25519 cosignatures.
pub const COSIGNATURE_V1: u8 = 0x04;

fn message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// A witness's key: a name and an Ed25519 private key.
pub struct Cosigner {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cosigner({}+{:08x}, <secret>)", self.name, self.id)
    }
}

impl Cosigner {
    /// A cosigner named `name` with the Ed25519 `seed`.
    pub fn new(name: &str, seed: [u8; 32]) -> Result<Cosigner, NoteError> {
        if !note::valid_name(name) {
            return Err(NoteError::MalformedKey(format!("bad key name {name:?}")));
        }
        let key = SigningKey::from_bytes(&seed);
        Ok(Cosigner {
            name: name.to_owned(),
            id: note::key_id_of(COSIGNATURE_V1, name, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// Its verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line over a checkpoint's note `text` at `timestamp` (POSIX seconds).
    pub fn cosign(&self, text: &str, timestamp: u64) -> String {
        let signature = self.key.sign(message(text, timestamp).as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&signature.to_bytes());
        format!("\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// A witness's public key, as a policy names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Reads a vkey, `<name>+<hex key id>+<base64(0x04 ‖ public key)>`.
    pub fn parse(vkey: &str) -> Result<CosignatureVerifier, NoteError> {
        let (name, id, public) = note::parse_vkey(vkey, COSIGNATURE_V1)?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::MalformedKey("not a valid Ed25519 key".into()))?;
        Ok(CosignatureVerifier { name, id, key })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The vkey text.
    pub fn vkey(&self) -> String {
        let mut raw = vec![COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    /// Whether `line` is this key's line (name and id match).
    pub fn names(&self, line: &SignatureLine) -> bool {
        line.name == self.name && line.id == self.id
    }

    /// The timestamp of `line`, if it is this key's valid cosignature of `text`.
    pub fn verify(&self, text: &str, line: &SignatureLine) -> Result<u64, NoteError> {
        if !self.names(line) {
            return Err(NoteError::Unsigned(self.name.clone()));
        }
        let bad = || NoteError::BadSignature(self.name.clone());
        if line.signature.len() != 8 + 64 {
            return Err(bad());
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&line.signature[..8]);
        let timestamp = u64::from_be_bytes(ts);
        let signature =
            ed25519_dalek::Signature::from_slice(&line.signature[8..]).map_err(|_| bad())?;
        if timestamp == 0 || timestamp > i64::MAX as u64 {
            return Err(bad());
        }
        self.key
            .verify(message(text, timestamp).as_bytes(), &signature)
            .map(|()| timestamp)
            .map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cosignature_verifies_only_over_its_checkpoint_and_time() {
        let witness = Cosigner::new("witness.example/w1", [9; 32]).unwrap();
        let verifier = CosignatureVerifier::parse(&witness.verifier().vkey()).unwrap();
        assert_eq!(verifier, witness.verifier());
        let text = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let line = witness.cosign(text, 1_700_000_000);
        let note = format!("{text}\n{line}");
        let (body, lines) = note::split(&note).unwrap();
        assert_eq!(verifier.verify(body, &lines[0]), Ok(1_700_000_000));
        let other = text.replace('3', "4");
        assert!(verifier.verify(&other, &lines[0]).is_err());
        // The timestamp is signed: moving it breaks the signature.
        let mut moved = lines[0].clone();
        moved.signature[7] ^= 1;
        assert!(verifier.verify(body, &moved).is_err());
        // A checkpoint key (0x01) is not a cosigner key.
        let log = crate::Signer::new("witness.example/w1", [9; 32]).unwrap();
        assert!(CosignatureVerifier::parse(&log.verifier().vkey()).is_err());
        assert_ne!(
            log.verifier().id(),
            verifier.id(),
            "the algorithm byte is in the id"
        );
    }

    /// Published vectors (transparency-dev/formats, `note/note_cosigv1_test.go`): a native
    /// cosignature/v1 vkey whose key id is its hash, the same key under a wrong id, and a
    /// cosignature whose timestamp (after the 4-byte key id, 8 bytes big-endian, then the
    /// 64-byte signature) is 1727964367.
    #[test]
    fn the_published_cosignature_vectors_read_as_published() {
        let vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
        let verifier = CosignatureVerifier::parse(vkey).unwrap();
        assert_eq!(
            (verifier.name(), verifier.id(), verifier.vkey().as_str()),
            ("remora.n621.de", 0xda77_ade7, vkey)
        );
        assert!(CosignatureVerifier::parse(&vkey.replace("da77ade7", "00000000")).is_err());
        let note = "example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\
             \u{2014} remora.n621.de ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n";
        let (_, lines) = note::split(note).unwrap();
        assert_eq!(lines[0].id, 0x6468_46b9);
        assert_eq!(lines[0].signature.len(), 8 + 64);
        let timestamp = u64::from_be_bytes(lines[0].signature[..8].try_into().unwrap());
        assert_eq!(timestamp, 1_727_964_367);
        // Not remora's line (another key id), so not its cosignature.
        assert!(!verifier.names(&lines[0]));
    }
}
