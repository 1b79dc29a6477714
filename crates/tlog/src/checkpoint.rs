//! C2SP tlog-checkpoint v1: the note text `<origin>\n<tree size>\n<base64 root hash>\n`
//! (optional extension lines after it are kept, not interpreted).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::merkle::Hash;
use crate::note::{self, NoteError, Signer, Verifier};

/// A checkpoint: which log, how many leaves, and the tree's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line, e.g. `ombudsman.go.id/ombud/cases`.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Reads a checkpoint's note text.
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let bad = |why: &str| NoteError::MalformedNote(format!("checkpoint: {why}"));
        let mut lines = text.lines();
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("no origin"))?;
        let size = lines
            .next()
            // Decimal, without leading zeros.
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()) && (*s == "0" || !s.starts_with('0')))
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| bad("the tree size is not a decimal number"))?;
        let root: Hash = lines
            .next()
            .and_then(|r| B64.decode(r).ok())
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| bad("the root is not a base64 SHA-256 hash"))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// Signed by `signer` as a note.
    pub fn sign(&self, signer: &Signer) -> String {
        format!("{}\n{}", self.text(), signer.signature_line(&self.text()))
    }

    /// Opens a signed checkpoint with the log's `verifier` (whose name must be the origin).
    pub fn open(signed: &str, verifier: &Verifier) -> Result<Checkpoint, NoteError> {
        let text = note::open(signed, verifier)?;
        let checkpoint = Checkpoint::parse(text)?;
        if checkpoint.origin != verifier.name() {
            return Err(NoteError::MalformedNote(format!(
                "checkpoint of {} signed by the key of {}",
                checkpoint.origin,
                verifier.name()
            )));
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_signs_opens_and_refuses_another_origin_or_a_change() {
        let signer = Signer::new("example.com/log", [3; 32]).unwrap();
        let checkpoint = Checkpoint {
            origin: "example.com/log".into(),
            size: 8,
            root: crate::merkle::leaf_hash(b"x"),
        };
        let signed = checkpoint.sign(&signer);
        assert!(signed.starts_with("example.com/log\n8\n"));
        assert_eq!(
            Checkpoint::open(&signed, &signer.verifier()).unwrap(),
            checkpoint
        );
        let grown = signed.replacen("\n8\n", "\n9\n", 1);
        assert!(Checkpoint::open(&grown, &signer.verifier()).is_err());
        let other = Signer::new("other.example/log", [3; 32]).unwrap();
        let theirs = Checkpoint {
            origin: "example.com/log".into(),
            ..checkpoint.clone()
        }
        .sign(&other);
        assert!(Checkpoint::open(&theirs, &other.verifier()).is_err());
        assert!(Checkpoint::parse("example.com/log\n08\nAAAA\n").is_err());
    }
}
