//! The witness's side of C2SP tlog-witness `add-checkpoint`, with no server and no storage:
//! reading a request (`old <size>`, consistency proof lines, a blank line, the signed
//! checkpoint) and deciding it against the latest checkpoint the witness cosigned for that
//! origin. Each refusal is a kind that names its HTTP status (400, 403, 404, 409, 422).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::checkpoint::Checkpoint;
use crate::merkle::{empty_root, Hash};
use crate::note::{self, NoteError, Verifier};
use crate::verify::verify_consistency;

/// The most consistency proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// A request, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint<'a> {
    /// The size of the previous checkpoint the log believes the witness holds.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint, as sent.
    pub note: &'a str,
}

/// Why the witness refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a request of the protocol (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The origin is not one of the logs this witness follows (404).
    #[error("unknown log {0:?}")]
    UnknownLog(String),
    /// No valid signature by the log's key (403).
    #[error("not signed by the log's key: {0}")]
    Unsigned(NoteError),
    /// `old` is not the size the witness cosigned last (409; the body is that size).
    #[error("the witness's latest checkpoint for this log has size {latest}")]
    Conflict {
        /// The size of the latest cosigned checkpoint.
        latest: u64,
    },
    /// The checkpoint is not consistent with what the witness cosigned (422): a fork or a
    /// rollback.
    #[error("inconsistent: {0}")]
    Inconsistent(String),
}

impl Refusal {
    /// The HTTP status the protocol gives this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) => 400,
            Refusal::Unsigned(_) => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict { .. } => 409,
            Refusal::Inconsistent(_) => 422,
        }
    }
}

fn decimal(text: &str) -> Option<u64> {
    let plain = text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    plain.then(|| text.parse().ok()).flatten()
}

/// Reads a request body.
pub fn parse(body: &str) -> Result<AddCheckpoint<'_>, Refusal> {
    let bad = |why: &str| Refusal::Malformed(why.to_owned());
    let (head, note) = body
        .split_once("\n\n")
        .ok_or_else(|| bad("no blank line before the checkpoint"))?;
    let mut lines = head.split('\n');
    let old = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .and_then(decimal)
        .ok_or_else(|| bad("the first line is not `old <size>`"))?;
    let mut proof = Vec::new();
    for line in lines {
        let hash: Hash = B64
            .decode(line)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))?;
        proof.push(hash);
    }
    if proof.len() > MAX_PROOF_LINES {
        return Err(bad("more than 63 proof lines"));
    }
    Ok(AddCheckpoint { old, proof, note })
}

/// The request body a log sends: `old <size>`, the proof, a blank line, the signed note.
pub fn request(old: u64, proof: &[Hash], note: &str) -> String {
    let mut body = format!("old {old}\n");
    for hash in proof {
        body.push_str(&B64.encode(hash));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(note);
    body
}

/// What a witness holds for one log: the size and root it cosigned last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latest {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

/// Decides a request. `logs` are the verifier keys of the logs the witness follows;
/// `latest` gives what it cosigned last for an origin. On success, the checkpoint to record
/// and cosign, and the note's text (what the cosignature covers).
pub fn decide<'a>(
    request: &AddCheckpoint<'a>,
    logs: &[Verifier],
    latest: impl FnOnce(&str) -> Option<Latest>,
) -> Result<(Checkpoint, &'a str), Refusal> {
    let (text, _) = note::split(request.note).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let checkpoint = Checkpoint::parse(text).map_err(|e| Refusal::Malformed(e.to_string()))?;
    let verifier = logs
        .iter()
        .find(|v| v.name() == checkpoint.origin)
        .ok_or_else(|| Refusal::UnknownLog(checkpoint.origin.clone()))?;
    note::open(request.note, verifier).map_err(Refusal::Unsigned)?;
    if request.old > checkpoint.size {
        return Err(Refusal::Malformed(format!(
            "old size {} is beyond the checkpoint's size {}",
            request.old, checkpoint.size
        )));
    }
    let held = latest(&checkpoint.origin);
    let held_size = held.map_or(0, |l| l.size);
    if request.old != held_size {
        return Err(Refusal::Conflict { latest: held_size });
    }
    if checkpoint.size == 0 && checkpoint.root != empty_root() {
        return Err(Refusal::Inconsistent(
            "a checkpoint of size 0 must carry the empty tree's root".into(),
        ));
    }
    match held {
        None => {
            if !request.proof.is_empty() {
                return Err(Refusal::Inconsistent(
                    "a proof from size 0 must be empty".into(),
                ));
            }
        }
        Some(held) if held.size == checkpoint.size => {
            if held.root != checkpoint.root {
                return Err(Refusal::Inconsistent(format!(
                    "a fork: another root for size {} than the one cosigned",
                    held.size
                )));
            }
        }
        Some(held) if held.size == 0 => {
            if !request.proof.is_empty() {
                return Err(Refusal::Inconsistent(
                    "a proof from size 0 must be empty".into(),
                ));
            }
        }
        Some(held) => {
            verify_consistency(
                held.size,
                checkpoint.size,
                &held.root,
                &checkpoint.root,
                &request.proof,
            )
            .map_err(|e| {
                Refusal::Inconsistent(format!(
                    "not consistent with the cosigned checkpoint of size {}: {e}",
                    held.size
                ))
            })?;
        }
    }
    Ok((checkpoint, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{self, MemoryTree};
    use crate::Signer;

    fn tree(n: u64, salt: &str) -> MemoryTree {
        let mut t = MemoryTree::default();
        for i in 0..n {
            let entry = if i >= 3 {
                format!("{i}{salt}")
            } else {
                i.to_string()
            };
            t.push(merkle::leaf_hash(entry.as_bytes()));
        }
        t
    }

    fn note(signer: &Signer, t: &MemoryTree) -> String {
        Checkpoint {
            origin: signer.verifier().name().to_owned(),
            size: t.size(),
            root: merkle::root(t, t.size()),
        }
        .sign(signer)
    }

    #[test]
    fn a_witness_takes_growth_and_refuses_forks_rollbacks_and_strangers() {
        let log = Signer::new("example.org/log", [1; 32]).unwrap();
        let logs = [log.verifier()];
        let (t5, t9, fork9) = (tree(5, ""), tree(9, ""), tree(9, "x"));
        let latest5 = Some(Latest {
            size: 5,
            root: merkle::root(&t5, 5),
        });

        // First contact: old 0, no proof.
        let first = request(0, &[], &note(&log, &t5));
        let (cp, _) = decide(&parse(&first).unwrap(), &logs, |_| None).unwrap();
        assert_eq!(cp.size, 5);

        // Growth with a valid proof.
        let proof = merkle::consistency_proof(&t9, 5, 9).unwrap();
        let grow = request(5, &proof, &note(&log, &t9));
        assert!(decide(&parse(&grow).unwrap(), &logs, |_| latest5).is_ok());

        // A fork: the same sizes, another history.
        let fork_proof = merkle::consistency_proof(&fork9, 5, 9).unwrap();
        let fork = request(5, &fork_proof, &note(&log, &fork9));
        assert_eq!(
            decide(&parse(&fork).unwrap(), &logs, |_| latest5)
                .unwrap_err()
                .status(),
            422
        );
        // The fork at equal size.
        let latest9 = Some(Latest {
            size: 9,
            root: merkle::root(&t9, 9),
        });
        let same = request(9, &[], &note(&log, &fork9));
        assert_eq!(
            decide(&parse(&same).unwrap(), &logs, |_| latest9)
                .unwrap_err()
                .status(),
            422
        );

        // A rollback: the log sends size 5 to a witness at 9.
        let back = request(5, &[], &note(&log, &t5));
        assert_eq!(
            decide(&parse(&back).unwrap(), &logs, |_| latest9).unwrap_err(),
            Refusal::Conflict { latest: 9 }
        );
        let back = request(9, &[], &note(&log, &t5));
        assert_eq!(
            decide(&parse(&back).unwrap(), &logs, |_| latest9)
                .unwrap_err()
                .status(),
            400
        );

        // Unknown origin, another key, a bad signature.
        let stranger = Signer::new("example.org/other", [1; 32]).unwrap();
        let r = request(0, &[], &note(&stranger, &t5));
        assert_eq!(
            decide(&parse(&r).unwrap(), &logs, |_| None)
                .unwrap_err()
                .status(),
            404
        );
        let impostor = Signer::new("example.org/log", [2; 32]).unwrap();
        let r = request(0, &[], &note(&impostor, &t5));
        assert_eq!(
            decide(&parse(&r).unwrap(), &logs, |_| None)
                .unwrap_err()
                .status(),
            403
        );
        let tampered = first.replace("\n5\n", "\n6\n");
        assert_eq!(
            decide(&parse(&tampered).unwrap(), &logs, |_| None)
                .unwrap_err()
                .status(),
            403
        );

        // Malformed bodies.
        for body in ["", "old 01\n\nx", "old 5\nnot base64\n\nx", "new 5\n\nx"] {
            assert_eq!(parse(body).unwrap_err().status(), 400, "{body:?}");
        }
    }
}
