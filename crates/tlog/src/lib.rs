//! ombud's transparency-log formats, with no storage and no server: the RFC 6962 Merkle tree
//! and its proofs (`merkle`, the prover), their verification after RFC 9162 (`verify`,
//! written apart so each checks the other), C2SP signed notes with Ed25519 keys (`note`),
//! C2SP checkpoints (`checkpoint`), witness cosignatures (`cosignature`) and the witness's
//! add-checkpoint decision (`witness`), offline proofs (`proof`), trust policies (`policy`),
//! and ombud's evidence bundle of a case (`bundle`). The server's tree and an auditor's offline verifier
//! share these.

pub mod bundle;
pub mod checkpoint;
pub mod cosignature;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proof;
pub mod verify;
pub mod witness;

pub use checkpoint::Checkpoint;
pub use merkle::{leaf_hash, node_hash, Hash, Nodes};
pub use note::{NoteError, Signer, Verifier};
pub use verify::{verify_consistency, verify_inclusion, ProofError};
