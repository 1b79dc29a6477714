//! `ombud witness`: a small C2SP tlog-witness that an independent body (DPRD, BPK, ANRI) runs
//! beside an office's ombud. It follows the logs whose keys it is given, and cosigns a
//! checkpoint only when it is consistent with the last one it cosigned for that origin,
//! refusing a fork or a rollback (409, 422, per the spec). Its Ed25519 key and its state
//! live in its own data directory; the state is written and synced before it answers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use clap::Args;
use ombud_tlog::cosignature::Cosigner;
use ombud_tlog::witness::{self, Latest, Refusal};
use ombud_tlog::Verifier;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `ombud witness`.
#[derive(Debug, Args)]
pub struct WitnessArgs {
    /// Its data directory: `witness.key` (generated when absent) and `state.json`.
    #[arg(long, value_name = "DIR", default_value = "./witness-data")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7380")]
    listen: SocketAddr,
    /// The witness's name (its key name in cosignatures and policies), e.g.
    /// `witness.dprd-jabar.go.id`.
    #[arg(long, default_value = "ombud-witness.local")]
    name: String,
    /// The verifier key of a log it follows (`ombud log vkey` of that office). Repeatable.
    #[arg(long = "log", value_name = "VKEY")]
    logs: Vec<String>,
    /// Print the witness's verifier key (for `[[log.witnesses]]` and policies) and exit.
    #[arg(long)]
    print_vkey: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cosigned {
    size: u64,
    root: String,
    /// The checkpoint as received, with the witness's cosignature added.
    note: String,
}

struct Witness {
    cosigner: Cosigner,
    logs: Vec<Verifier>,
    state_path: PathBuf,
    /// Checking and recording are one step (the spec's rollback race), so one lock.
    state: tokio::sync::Mutex<BTreeMap<String, Cosigned>>,
}

fn key(data: &Path) -> anyhow::Result<[u8; 32]> {
    let path = data.join("witness.key");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let seed: [u8; 32] = rand_seed()?;
            let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
            {
                use std::io::Write as _;
                use std::os::unix::fs::OpenOptionsExt as _;
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .with_context(|| format!("writing {}", path.display()))?;
                file.write_all(format!("{hex}\n").as_bytes())
                    .and_then(|()| file.sync_all())
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            eprintln!(
                "witness: generated a new key in {} (keep it, and back it up: a witness that \
                 loses its key starts over)",
                path.display()
            );
            hex
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    ombud_app::secrets::hex32(&text)
        .with_context(|| format!("{}: not 64 hex digits", path.display()))
}

fn rand_seed() -> anyhow::Result<[u8; 32]> {
    // 32 random bytes from the generator of ombud's other keys.
    ombud_app::secrets::hex32(&ombud_envelope::MasterKey::generate().to_hex())
        .context("the key generator gave no 32 bytes")
}

/// Runs the witness until SIGINT/SIGTERM.
pub fn run(args: WitnessArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("creating {}", args.data.display()))?;
    let cosigner = Cosigner::new(&args.name, key(&args.data)?)
        .with_context(|| format!("--name {:?}", args.name))?;
    let vkey = cosigner.verifier().vkey();
    if args.print_vkey {
        println!("{vkey}");
        return Ok(());
    }
    anyhow::ensure!(
        !args.logs.is_empty(),
        "give the verifier key of each log to follow: --log <vkey> (`ombud log vkey`)"
    );
    let logs = args
        .logs
        .iter()
        .map(|v| Verifier::parse(v.trim()).with_context(|| format!("--log {v:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let state_path = args.data.join("state.json");
    let state = match std::fs::read(&state_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("reading {}", state_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", state_path.display())),
    };
    let witness = Arc::new(Witness {
        cosigner,
        logs,
        state_path,
        state: tokio::sync::Mutex::new(state),
    });
    crate::project::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        println!("witness {vkey}");
        println!("witness listening on http://{}", listener.local_addr()?);
        let app = axum::Router::new()
            .route("/add-checkpoint", axum::routing::post(add_checkpoint))
            .route("/{origin_hash}/checkpoint", axum::routing::get(checkpoint))
            .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
            .with_state(witness);
        axum::serve(listener, app)
            .with_graceful_shutdown(crate::project::shutdown_signal())
            .await
            .context("serving")
    })
}

fn answer(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: String) -> Response {
    let request = match witness::parse(&body) {
        Ok(r) => r,
        Err(refusal) => return refused(&refusal),
    };
    let mut state = w.state.lock().await;
    // A stored root that does not read is the witness's own fault, never "no history".
    let mut held = BTreeMap::new();
    for (origin, cosigned) in state.iter() {
        let root: Option<ombud_tlog::Hash> = B64
            .decode(&cosigned.root)
            .ok()
            .and_then(|r| r.try_into().ok());
        let Some(root) = root else {
            eprintln!(
                "witness: the state of {origin} in {} is damaged",
                w.state_path.display()
            );
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                "the witness's state is damaged; nothing was cosigned\n".into(),
            );
        };
        held.insert(
            origin.clone(),
            Latest {
                size: cosigned.size,
                root,
            },
        );
    }
    let decided = witness::decide(&request, &w.logs, |origin| held.get(origin).copied());
    let (checkpoint, text) = match decided {
        Ok(d) => d,
        Err(refusal) => {
            if refusal.status() == 422 {
                eprintln!(
                    "witness: refused a checkpoint of {}: {refusal}",
                    checkpoint_origin(request.note)
                );
            }
            return refused(&refusal);
        }
    };
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs().max(1));
    let line = w.cosigner.cosign(text, timestamp);
    let mut next = state.clone();
    next.insert(
        checkpoint.origin.clone(),
        Cosigned {
            size: checkpoint.size,
            root: B64.encode(checkpoint.root),
            note: format!("{}{line}", request.note),
        },
    );
    if let Err(e) = persist(&w.state_path, &next) {
        eprintln!("witness: cannot keep its state: {e:#}");
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            "the witness cannot record its state; nothing was cosigned\n".into(),
        );
    }
    *state = next;
    answer(StatusCode::OK, "text/plain; charset=utf-8", line)
}

fn checkpoint_origin(note: &str) -> String {
    note.lines().next().unwrap_or("?").to_owned()
}

fn refused(refusal: &Refusal) -> Response {
    match refusal {
        Refusal::Conflict { latest } => answer(
            StatusCode::CONFLICT,
            "text/x.tlog.size",
            format!("{latest}\n"),
        ),
        other => answer(
            StatusCode::from_u16(other.status()).unwrap_or(StatusCode::BAD_REQUEST),
            "text/plain; charset=utf-8",
            format!("{other}\n"),
        ),
    }
}

async fn checkpoint(
    State(w): State<Arc<Witness>>,
    UrlPath(origin_hash): UrlPath<String>,
) -> Response {
    let state = w.state.lock().await;
    let found = state.iter().find(|(origin, _)| {
        let digest = Sha256::digest(origin.as_bytes());
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            == origin_hash
    });
    match found {
        Some((_, cosigned)) => answer(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            cosigned.note.clone(),
        ),
        None => answer(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "this witness has cosigned no checkpoint of that log\n".into(),
        ),
    }
}

fn persist(path: &Path, state: &BTreeMap<String, Cosigned>) -> anyhow::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&serde_json::to_vec_pretty(state)?)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
