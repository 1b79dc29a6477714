//! The log's signed checkpoints (docs/audit.md): the latest one, with its witnesses'
//! cosignatures, kept in the data directory (`log/checkpoint.json`, written whole and synced
//! before it is served), and the rule that makes it trustworthy: a new checkpoint is signed
//! only over a tree that holds the latest one as its prefix (same root at that size), so the
//! log never signs two inconsistent checkpoints, across restarts, rebuilds and kill -9.
//! Each new checkpoint goes to the configured witnesses (C2SP tlog-witness) with a
//! consistency proof from the size each of them cosigned last.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ombud_projection::models::log_tree::{LogTreeProjector, StoredTree};
use ombud_projection::Projection;
use ombud_tlog::cosignature::CosignatureVerifier;
use ombud_tlog::{note, Checkpoint, Hash, Signer};
use serde::{Deserialize, Serialize};

use super::witness_client;

/// A witness ombud submits its checkpoints to.
#[derive(Debug, Clone)]
pub struct WitnessPeer {
    /// Its name in the policy.
    pub name: String,
    /// Its submission prefix (`http://host:port[/path]`).
    pub url: String,
    /// Its cosignature key.
    pub key: CosignatureVerifier,
}

/// Why no new checkpoint could be signed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CheckpointError {
    /// The tree does not hold the latest signed checkpoint as its prefix: the stream was
    /// rewritten or replaced. Nothing is signed until an operator looks.
    #[error(
        "the tree of {size} leaves does not extend the signed checkpoint of size {signed}: the \
         stream is not the one the log signed; no checkpoint will be signed"
    )]
    Fork {
        /// The signed checkpoint's size.
        signed: u64,
        /// The tree's size.
        size: u64,
    },
    /// A size beyond the tree.
    #[error("the tree holds {held} leaves")]
    Beyond {
        /// The tree's size.
        held: u64,
    },
    /// The tree is behind the kept checkpoint (a restart or a rebuild replaying the log).
    #[error("the tree holds {held} of the checkpoint's {size} leaves; retry shortly")]
    CatchingUp {
        /// The tree's size.
        held: u64,
        /// The kept checkpoint's size.
        size: u64,
    },
    /// The tree cannot be read.
    #[error("the tree cannot be read: {0}")]
    Storage(String),
    /// The checkpoint file cannot be written.
    #[error("the checkpoint cannot be kept: {0}")]
    Persist(String),
}

/// A signed checkpoint, with the cosignatures it collected.
#[derive(Debug, Clone)]
pub struct Signed {
    /// What it says.
    pub checkpoint: Checkpoint,
    /// The note: the log's signature, then each witness's cosignature.
    pub note: String,
    /// The witnesses that cosigned it.
    pub cosigned_by: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Kept {
    /// The latest signed note (with cosignatures), empty before the first.
    note: String,
    /// The witnesses that cosigned it.
    cosigned_by: Vec<String>,
    /// The size each witness cosigned last.
    witness_sizes: std::collections::BTreeMap<String, u64>,
}

/// The log's checkpoints and witnesses.
pub struct Transparency {
    signer: Arc<Signer>,
    tree: Arc<Projection<LogTreeProjector>>,
    path: PathBuf,
    witnesses: Vec<WitnessPeer>,
    quorum: usize,
    timeout: Duration,
    /// Signing is one at a time; readers take the latest without waiting for it.
    signing: tokio::sync::Mutex<Kept>,
    latest: std::sync::RwLock<Option<Arc<Signed>>>,
    /// The last refusal to sign (a fork), for the status and the log.
    refusal: std::sync::Mutex<Option<CheckpointError>>,
    /// SHA-256 (hex) of the monitor tokens: they read the log's routes and nothing else.
    monitors: std::collections::HashSet<String>,
}

impl std::fmt::Debug for Transparency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transparency")
            .field("path", &self.path)
            .field("witnesses", &self.witnesses)
            .finish_non_exhaustive()
    }
}

fn read_signed(signer: &Signer, kept: &Kept) -> Option<Signed> {
    if kept.note.is_empty() {
        return None;
    }
    let text = note::open(&kept.note, &signer.verifier()).ok()?;
    Some(Signed {
        checkpoint: Checkpoint::parse(text).ok()?,
        note: kept.note.clone(),
        cosigned_by: kept.cosigned_by.clone(),
    })
}

impl Transparency {
    /// The checkpoints kept in `data/log/`, signed by `signer` over `tree`. A kept checkpoint
    /// that does not open under `signer` is refused (another key signed it).
    pub fn open(
        signer: Arc<Signer>,
        tree: Arc<Projection<LogTreeProjector>>,
        data: &std::path::Path,
        witnesses: Vec<WitnessPeer>,
        quorum: usize,
    ) -> Result<Transparency, CheckpointError> {
        let dir = data.join("log");
        std::fs::create_dir_all(&dir)
            .map_err(|e| CheckpointError::Persist(format!("{}: {e}", dir.display())))?;
        let path = dir.join("checkpoint.json");
        let kept: Kept = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| CheckpointError::Persist(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Kept::default(),
            Err(e) => return Err(CheckpointError::Persist(format!("{}: {e}", path.display()))),
        };
        let latest = read_signed(&signer, &kept);
        if !kept.note.is_empty() && latest.is_none() {
            return Err(CheckpointError::Persist(format!(
                "{}: the kept checkpoint is not signed by this log key ({}); a log keeps its key",
                path.display(),
                signer.verifier().vkey()
            )));
        }
        Ok(Transparency {
            signer,
            tree,
            path,
            witnesses,
            quorum,
            timeout: Duration::from_secs(5),
            signing: tokio::sync::Mutex::new(kept),
            latest: std::sync::RwLock::new(latest.map(Arc::new)),
            refusal: std::sync::Mutex::new(None),
            monitors: Default::default(),
        })
    }

    /// With monitor tokens, by their hex SHA-256 (`[log] monitor_tokens_sha256`).
    pub fn with_monitors(mut self, hashes: impl IntoIterator<Item = String>) -> Self {
        self.monitors = hashes.into_iter().map(|h| h.to_ascii_lowercase()).collect();
        self
    }

    /// Whether `token` (in clear) is a monitor token.
    pub fn is_monitor(&self, token: &str) -> bool {
        !self.monitors.is_empty() && self.monitors.contains(&crate::auth::token_sha256(token))
    }

    /// The log key.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The witnesses.
    pub fn witnesses(&self) -> &[WitnessPeer] {
        &self.witnesses
    }

    /// How many witnesses must cosign.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    /// The latest signed checkpoint, if any.
    pub fn latest(&self) -> Option<Arc<Signed>> {
        self.latest
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The last refusal to sign, if the tree forked from the signed checkpoint.
    pub fn refusal(&self) -> Option<CheckpointError> {
        self.refusal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The tree's size and root now, and its root at `at` when it holds that many leaves.
    fn read_tree(&self, at: Option<u64>) -> Result<(u64, Hash, Option<Hash>), CheckpointError> {
        let trees = self.tree.trees();
        let tree = StoredTree::new(&trees);
        let storage =
            |e: ombud_projection::ProjectionError| CheckpointError::Storage(e.to_string());
        let size = tree.size().map_err(storage)?;
        let root = tree.root(size).map_err(storage)?;
        let old = match at {
            Some(at) if at <= size => Some(tree.root(at).map_err(storage)?),
            _ => None,
        };
        Ok((size, root, old))
    }

    fn proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, CheckpointError> {
        if old == 0 || old >= new {
            return Ok(Vec::new());
        }
        let trees = self.tree.trees();
        StoredTree::new(&trees)
            .consistency_proof(old, new)
            .map_err(|e| CheckpointError::Storage(e.to_string()))
            .map(Option::unwrap_or_default)
    }

    /// Signs a checkpoint of the tree as it stands, when it grew past the latest one (or the
    /// latest lacks its quorum), submits it to the witnesses and keeps it. The latest one
    /// when the tree has not grown, or is behind it (a rebuild catching up).
    pub async fn advance(&self) -> Result<Option<Arc<Signed>>, CheckpointError> {
        let mut kept = self.signing.lock().await;
        let latest = self.latest();
        let (size, root, old_root) = self.read_tree(latest.as_ref().map(|l| l.checkpoint.size))?;
        if let Some(l) = &latest {
            if size < l.checkpoint.size {
                return Ok(latest); // the tree is catching up (a rebuild, a restart)
            }
            self.extends(l, size, old_root)?;
            let quorate = l.cosigned_by.len() >= self.quorum;
            if size == l.checkpoint.size && quorate {
                return Ok(latest);
            }
        }
        let checkpoint = Checkpoint {
            origin: self.signer.verifier().name().to_owned(),
            size,
            root,
        };
        let (mut note, mut cosigned_by) = match &latest {
            // The same tree short of its quorum: keep the cosignatures it has.
            Some(l) if l.checkpoint.size == size => (l.note.clone(), l.cosigned_by.clone()),
            _ => {
                // Kept before any witness sees it: after a crash, the fork check runs
                // against what the witnesses may hold.
                let note = checkpoint.sign(&self.signer);
                kept.note = note.clone();
                kept.cosigned_by = Vec::new();
                self.persist(&kept)?;
                self.publish(&checkpoint, &note, &[]);
                (note, Vec::new())
            }
        };
        for witness in &self.witnesses {
            if cosigned_by.contains(&witness.name) {
                continue;
            }
            match self.submit(witness, &mut kept, &note, size).await {
                Ok(line) => {
                    note.push_str(&line);
                    cosigned_by.push(witness.name.clone());
                }
                Err(why) => tracing::warn!(
                    "transparency log: witness {} ({}) did not cosign size {size}: {why}",
                    witness.name,
                    witness.url
                ),
            }
        }
        kept.note = note.clone();
        kept.cosigned_by = cosigned_by.clone();
        self.persist(&kept)?;
        Ok(Some(self.publish(&checkpoint, &note, &cosigned_by)))
    }

    fn publish(&self, checkpoint: &Checkpoint, note: &str, cosigned_by: &[String]) -> Arc<Signed> {
        let signed = Arc::new(Signed {
            checkpoint: checkpoint.clone(),
            note: note.to_owned(),
            cosigned_by: cosigned_by.to_vec(),
        });
        *self
            .latest
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(signed.clone());
        signed
    }

    /// Whether the tree of `size` leaves, with `old_root` at the latest checkpoint's size,
    /// extends the latest checkpoint (else the refusal is kept and logged).
    fn extends(
        &self,
        latest: &Signed,
        size: u64,
        old_root: Option<Hash>,
    ) -> Result<(), CheckpointError> {
        if old_root == Some(latest.checkpoint.root) {
            return Ok(());
        }
        let refusal = CheckpointError::Fork {
            signed: latest.checkpoint.size,
            size,
        };
        tracing::error!("transparency log: {refusal}");
        *self
            .refusal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(refusal.clone());
        Err(refusal)
    }

    /// A checkpoint of the first `size` leaves, signed now (no cosignatures), only while the
    /// tree extends the latest checkpoint: every checkpoint the log signs is consistent.
    pub async fn sign_at(&self, size: u64) -> Result<(Checkpoint, String), CheckpointError> {
        let _one_at_a_time = self.signing.lock().await;
        let latest = self.latest();
        let (held, _, old_root) = self.read_tree(latest.as_ref().map(|l| l.checkpoint.size))?;
        if size > held {
            return Err(CheckpointError::Beyond { held });
        }
        if let Some(l) = &latest {
            if held < l.checkpoint.size {
                return Err(CheckpointError::CatchingUp {
                    held,
                    size: l.checkpoint.size,
                });
            }
            self.extends(l, held, old_root)?;
        }
        let trees = self.tree.trees();
        let root = StoredTree::new(&trees)
            .root(size)
            .map_err(|e| CheckpointError::Storage(e.to_string()))?;
        let checkpoint = Checkpoint {
            origin: self.signer.verifier().name().to_owned(),
            size,
            root,
        };
        let note = checkpoint.sign(&self.signer);
        Ok((checkpoint, note))
    }

    /// One witness's cosignature line of `note` (size `size`), learning its size on a 409.
    async fn submit(
        &self,
        witness: &WitnessPeer,
        kept: &mut Kept,
        note: &str,
        size: u64,
    ) -> Result<String, String> {
        let (text, _) = note::split(note).map_err(|e| e.to_string())?;
        for _ in 0..2 {
            let old = kept.witness_sizes.get(&witness.name).copied().unwrap_or(0);
            if old > size {
                return Err(format!("it holds size {old}, beyond this tree of {size}"));
            }
            let proof = self.proof(old, size).map_err(|e| e.to_string())?;
            let body = ombud_tlog::witness::request(old, &proof, note);
            let (status, answer) =
                witness_client::post_add_checkpoint(&witness.url, body, self.timeout).await?;
            match status {
                200 => {
                    let line = answer
                        .split_inclusive('\n')
                        .find(|l| {
                            note::split(&format!("{text}\n{l}"))
                                .ok()
                                .and_then(|(_, lines)| lines.into_iter().next())
                                .is_some_and(|line| witness.key.verify(text, &line).is_ok())
                        })
                        .ok_or("its answer holds no valid cosignature by its key")?
                        .to_owned();
                    kept.witness_sizes.insert(witness.name.clone(), size);
                    return Ok(line);
                }
                409 => {
                    let held: u64 = answer
                        .trim()
                        .parse()
                        .map_err(|_| format!("409 without a size: {answer:?}"))?;
                    kept.witness_sizes.insert(witness.name.clone(), held);
                }
                other => return Err(format!("HTTP {other}: {}", answer.trim())),
            }
        }
        Err("it kept answering 409 (another log process is submitting?)".into())
    }

    fn persist(&self, kept: &Kept) -> Result<(), CheckpointError> {
        let fail =
            |e: std::io::Error| CheckpointError::Persist(format!("{}: {e}", self.path.display()));
        let json =
            serde_json::to_vec_pretty(kept).map_err(|e| CheckpointError::Persist(e.to_string()))?;
        let tmp = self.path.with_extension("json.tmp");
        {
            use std::io::Write as _;
            let mut file = std::fs::File::create(&tmp).map_err(fail)?;
            file.write_all(&json).map_err(fail)?;
            file.sync_all().map_err(fail)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(fail)?;
        if let Some(dir) = self.path.parent() {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(fail)?;
        }
        Ok(())
    }

    /// Signs checkpoints every `interval` while the tree grows, until `stop`.
    pub async fn run(
        self: Arc<Self>,
        interval: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.advance().await {
                if !matches!(e, CheckpointError::Fork { .. }) {
                    tracing::warn!("transparency log: {e}");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

/// The base64 of a hash.
pub(crate) fn b64(hash: &Hash) -> String {
    B64.encode(hash)
}
