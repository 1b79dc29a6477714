//! `ombud audit export` and `ombud audit verify-bundle`: a case's evidence bundle written out
//! as a directory from a running server, and checked with nothing but its files (no server,
//! no NATS, no sled), by `ombud_tlog::bundle` (docs/audit.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use crate::client::{finish, request, runtime, Conn};

/// The bundle commands of `ombud audit`.
#[derive(Debug, Subcommand)]
pub enum BundleAction {
    /// Write a case's evidence bundle into a directory (auditor or chair token): every
    /// event's exact bytes and headers, its inclusion proof, the signed and cosigned
    /// checkpoint, the policy and a README (docs/audit.md).
    ///
    /// Example: `ombud audit export <case> --out ./bundle-<case>`
    Export {
        /// The case.
        case: String,
        /// The directory to write (created; must be empty or absent).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Verify a bundle offline: manifest, checkpoint signature and witness quorum, every
    /// event's hash, entry, chain link and inclusion proof, and the marks when a write key
    /// is given. Names the first failure (the file and why) and exits 8.
    ///
    /// Example: `ombud audit verify-bundle ./bundle-<case> --policy ./trusted.policy`
    VerifyBundle {
        /// The bundle: the directory `ombud audit export` wrote, or the one JSON file the web
        /// interface's audit page downloads (`bundle-<case>.json`, the answer of
        /// `GET /v1/cases/{id}/bundle`).
        #[arg(value_name = "DIR|FILE")]
        bundle: PathBuf,
        /// The policy you trust (C2SP tlog-policy: the log key, witness keys, quorum),
        /// obtained apart from the bundle. Without it the bundle's own policy is used, which
        /// proves only that the bundle is whole.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// The deployment's write keys (`id:hex[,id:hex…]`, the form of `data/write.key`), to
        /// check each event's Ombud-Mac too.
        #[arg(long, value_name = "FILE")]
        write_keys: Option<PathBuf>,
    },
}

/// Runs a bundle command.
pub fn run(action: BundleAction, conn: &Conn) -> anyhow::Result<ExitCode> {
    match action {
        BundleAction::Export { case, out } => export(conn, &case, &out),
        BundleAction::VerifyBundle {
            bundle,
            policy,
            write_keys,
        } => verify(&bundle, policy.as_deref(), write_keys.as_deref()),
    }
}

fn export(conn: &Conn, case: &str, out: &Path) -> anyhow::Result<ExitCode> {
    if out.exists()
        && std::fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .next()
            .is_some()
    {
        anyhow::bail!("{} is not empty: give a new directory", out.display());
    }
    runtime()?.block_on(async {
        let answer = request(conn, "GET", &format!("/v1/cases/{case}/bundle"), &[], None).await?;
        if answer.status != 200 {
            return Ok(finish(conn, &answer, |_| {}));
        }
        let files = answer.body["files"]
            .as_object()
            .context("the server's answer has no `files`")?;
        for (path, text) in files {
            let text = text.as_str().context("a bundle file is not text")?;
            let relative = Path::new(path);
            anyhow::ensure!(
                relative
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_))),
                "the server named a file outside the bundle: {path:?}"
            );
            let file = out.join(relative);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
        }
        println!(
            "wrote {} files of case {case} to {}; check them with `ombud audit verify-bundle {} --policy <the policy you trust>`",
            files.len(),
            out.display(),
            out.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// The bundle's files, by their paths (`/`-separated): those under a directory, or those a
/// downloaded bundle file (`{"case_id", "files": {path: text}}`) holds.
fn read_bundle(bundle: &Path) -> anyhow::Result<ombud_tlog::bundle::Files> {
    if bundle.is_dir() {
        return read_files(bundle);
    }
    let bytes = std::fs::read(bundle).with_context(|| format!("reading {}", bundle.display()))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is neither a bundle directory nor a bundle file (JSON)",
            bundle.display()
        )
    })?;
    let entries = value["files"].as_object().with_context(|| {
        format!(
            "{} is JSON but not a bundle: it has no `files` object",
            bundle.display()
        )
    })?;
    let mut files = ombud_tlog::bundle::Files::new();
    for (path, text) in entries {
        let text = text
            .as_str()
            .with_context(|| format!("{}: the file {path:?} is not text", bundle.display()))?;
        files.insert(path.clone(), text.as_bytes().to_vec());
    }
    Ok(files)
}

/// Every file under `dir`, by its path relative to it (`/`-separated).
fn read_files(dir: &Path) -> anyhow::Result<ombud_tlog::bundle::Files> {
    let mut files = ombud_tlog::bundle::Files::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).with_context(|| format!("reading {}", at.display()))? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(dir)
                .context("a file outside the bundle")?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.insert(relative, bytes);
        }
    }
    Ok(files)
}

fn write_keys(path: &Path) -> anyhow::Result<Vec<(String, [u8; 32])>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut keys = Vec::new();
    for part in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (id, hex) = part
            .split_once(':')
            .with_context(|| format!("{}: expected id:hex", path.display()))?;
        let key = ombud_app::secrets::hex32(hex)
            .with_context(|| format!("{}: key {id:?} is not 64 hex digits", path.display()))?;
        keys.push((id.to_owned(), key));
    }
    Ok(keys)
}

fn verify(bundle: &Path, policy: Option<&Path>, keys: Option<&Path>) -> anyhow::Result<ExitCode> {
    let files = read_bundle(bundle)?;
    let policy = policy
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())))
        .transpose()?;
    let keys = keys.map(write_keys).transpose()?.unwrap_or_default();
    match ombud_tlog::bundle::verify(&files, policy.as_deref(), &keys) {
        Ok(v) => {
            println!(
                "verified: case {}, {} events, in the log's tree of {} leaves; cosigned by {}",
                v.case,
                v.events,
                v.tree_size,
                if v.witnesses.is_empty() {
                    "no witness".to_owned()
                } else {
                    v.witnesses.join(", ")
                }
            );
            if !v.marks_checked {
                println!("marks not checked (no --write-keys)");
            }
            if !v.own_policy {
                println!(
                    "warning: checked against the bundle's own policy; pass --policy with the \
                     keys you trust to know who signed it"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            Ok(ExitCode::from(8))
        }
    }
}
