//! ombud's transparency-log formats, with no storage and no server: the RFC 6962 Merkle tree
//! and its proofs (`merkle`, the prover), their verification after RFC 9162 (`verify`,
//! written apart so each checks the other), C2SP signed notes with Ed25519 keys (`note`),
//! and C2SP checkpoints (`checkpoint`). The server's tree and an auditor's offline verifier
//! share these.

pub mod checkpoint;
pub mod merkle;
pub mod note;
pub mod verify;

pub use checkpoint::Checkpoint;
pub use merkle::{leaf_hash, node_hash, Hash, Nodes};
pub use note::{NoteError, Signer, Verifier};
pub use verify::{verify_consistency, verify_inclusion, ProofError};
