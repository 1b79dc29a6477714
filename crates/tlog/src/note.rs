//! C2SP signed notes with Ed25519 keys: the verifier key (`vkey`) and signer key formats, key
//! ids, signing a text and opening a note with a known verifier (c2sp.org/signed-note).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature algorithm byte of Ed25519 keys.
const ED25519: u8 = 0x01;
/// The em dash and space that start a signature line.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a key or a note does not read, or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key is not in the `name+hexid+base64` form, or not an Ed25519 key.
    #[error("malformed key: {0}")]
    MalformedKey(String),
    /// The note is not text, a blank line and signature lines.
    #[error("malformed note: {0}")]
    MalformedNote(String),
    /// No signature by the verifier's key.
    #[error("the note carries no signature by {0}")]
    Unsigned(String),
    /// A signature by the verifier's key that does not verify.
    #[error("the signature by {0} does not verify")]
    BadSignature(String),
}

/// The key id: the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    key_id_of(ED25519, name, public)
}

/// The key id of a key of signature type `alg`: SHA-256(name ‖ 0x0A ‖ alg ‖ public key)[:4].
pub(crate) fn key_id_of(alg: u8, name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Reads a vkey of signature type `alg`: its name, key id (checked) and public key.
pub(crate) fn parse_vkey(vkey: &str, alg: u8) -> Result<(String, u32, [u8; 32]), NoteError> {
    let bad = |why: &str| NoteError::MalformedKey(why.to_owned());
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected name+id+key"));
    };
    if !valid_name(name) || id.len() != 8 {
        return Err(bad("bad name or key id"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| bad("key id is not hex"))?;
    let raw = B64.decode(key).map_err(|_| bad("key is not base64"))?;
    if raw.len() != 33 || raw[0] != alg {
        return Err(bad(if alg == ED25519 {
            "not an Ed25519 key"
        } else {
            "not an Ed25519 cosignature key (type 0x04)"
        }));
    }
    let public: [u8; 32] = raw[1..].try_into().map_err(|_| bad("key length"))?;
    if key_id_of(alg, name, &public) != id {
        return Err(bad("key id does not match the key"));
    }
    Ok((name.to_owned(), id, public))
}

pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_whitespace() && c != '+' && !c.is_control())
}

/// A verifier: a name and an Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// Reads a vkey, `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.
    pub fn parse(vkey: &str) -> Result<Verifier, NoteError> {
        let (name, id, public) = parse_vkey(vkey, ED25519)?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::MalformedKey("not a valid Ed25519 key".into()))?;
        Ok(Verifier { name, id, key })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The vkey text.
    pub fn vkey(&self) -> String {
        let mut raw = vec![ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(raw))
    }

    /// Whether `signature` (64 bytes) signs `text`.
    pub fn verifies(&self, text: &[u8], signature: &[u8]) -> bool {
        ed25519_dalek::Signature::from_slice(signature)
            .is_ok_and(|s| self.key.verify(text, &s).is_ok())
    }

    /// The key id.
    pub fn id(&self) -> u32 {
        self.id
    }
}

/// A signer: a name and an Ed25519 private key (its 32-byte seed).
pub struct Signer {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}+{:08x}, <secret>)", self.name, self.id)
    }
}

impl Signer {
    /// A signer named `name` with the Ed25519 `seed`.
    pub fn new(name: &str, seed: [u8; 32]) -> Result<Signer, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::MalformedKey(format!("bad key name {name:?}")));
        }
        let key = SigningKey::from_bytes(&seed);
        Ok(Signer {
            name: name.to_owned(),
            id: key_id(name, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// Reads a signer key, `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(skey: &str) -> Result<Signer, NoteError> {
        let bad = |why: &str| NoteError::MalformedKey(why.to_owned());
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("expected PRIVATE+KEY+…"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected name+id+key"));
        };
        let raw = B64.decode(key).map_err(|_| bad("key is not base64"))?;
        if raw.len() != 33 || raw[0] != ED25519 {
            return Err(bad("not an Ed25519 key"));
        }
        let seed: [u8; 32] = raw[1..].try_into().map_err(|_| bad("key length"))?;
        let signer = Signer::new(name, seed)?;
        if format!("{:08x}", signer.id) != id {
            return Err(bad("key id does not match the key"));
        }
        Ok(signer)
    }

    /// Its verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The signature line of `text`: `— <name> <base64(key id ‖ signature)>\n`.
    pub fn signature_line(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, B64.encode(blob))
    }

    /// `text` (ending in a newline) signed: the text, a blank line, the signature line.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        if !text.ends_with('\n') || text.contains("\n\n") {
            return Err(NoteError::MalformedNote(
                "a note's text ends with a newline and has no blank line".into(),
            ));
        }
        Ok(format!("{text}\n{}", self.signature_line(text)))
    }
}

/// A signature line of a note, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLine {
    /// The key name.
    pub name: String,
    /// The key id.
    pub id: u32,
    /// The signature bytes (after the key id).
    pub signature: Vec<u8>,
    /// The line as written (with its newline).
    pub line: String,
}

/// Splits a note into its text (with its final newline) and its signature lines.
pub fn split(note: &str) -> Result<(&str, Vec<SignatureLine>), NoteError> {
    let bad = |why: &str| NoteError::MalformedNote(why.to_owned());
    let at = note
        .rfind("\n\n")
        .ok_or_else(|| bad("no blank line before the signatures"))?;
    let (text, signatures) = (&note[..at + 1], &note[at + 2..]);
    if !signatures.ends_with('\n') {
        return Err(bad("the signatures do not end with a newline"));
    }
    let mut lines = Vec::new();
    for line in signatures.split_inclusive('\n') {
        let body = line
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|l| l.strip_suffix('\n'))
            .ok_or_else(|| bad("a signature line does not start with an em dash"))?;
        let (name, blob) = body
            .split_once(' ')
            .ok_or_else(|| bad("a signature line has no key name"))?;
        let blob = B64
            .decode(blob)
            .map_err(|_| bad("a signature is not base64"))?;
        if blob.len() < 5 || !valid_name(name) {
            return Err(bad("a signature is too short"));
        }
        lines.push(SignatureLine {
            name: name.to_owned(),
            id: u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]),
            signature: blob[4..].to_vec(),
            line: line.to_owned(),
        });
    }
    if lines.is_empty() {
        return Err(bad("no signature"));
    }
    Ok((text, lines))
}

/// The text of `note` once `verifier` has a valid signature on it.
pub fn open<'a>(note: &'a str, verifier: &Verifier) -> Result<&'a str, NoteError> {
    let (text, lines) = split(note)?;
    let mine: Vec<&SignatureLine> = lines
        .iter()
        .filter(|l| l.name == verifier.name && l.id == verifier.id)
        .collect();
    if mine.is_empty() {
        return Err(NoteError::Unsigned(verifier.name.clone()));
    }
    if mine
        .iter()
        .all(|l| verifier.verifies(text.as_bytes(), &l.signature))
    {
        Ok(text)
    } else {
        Err(NoteError::BadSignature(verifier.name.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of golang.org/x/mod/sumdb/note, the reference of c2sp.org/signed-note.
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const SIGNATURE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn the_reference_note_signs_and_opens_byte_for_byte() {
        let verifier = Verifier::parse(VKEY).unwrap();
        assert_eq!(verifier.vkey(), VKEY);
        let signer = Signer::parse(SKEY).unwrap();
        assert_eq!(signer.verifier(), verifier);
        let note = signer.sign(TEXT).unwrap();
        assert_eq!(
            note,
            format!("{TEXT}\n{SIGNATURE}"),
            "Ed25519 is deterministic"
        );
        assert_eq!(open(&note, &verifier).unwrap(), TEXT);
        // A changed text, a changed signature, another key: refused.
        let changed = note.replace("cryptography", "cryptographY");
        assert_eq!(
            open(&changed, &verifier),
            Err(NoteError::BadSignature("PeterNeumann".into()))
        );
        let other = Signer::new("PeterNeumann", [7; 32]).unwrap().verifier();
        assert_eq!(
            open(&note, &other),
            Err(NoteError::Unsigned("PeterNeumann".into()))
        );
        for bad in [
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
            "PeterNeumann+c74f20a3",
        ] {
            assert!(Verifier::parse(bad).is_err(), "{bad}");
        }
    }
}
