//! The evidence bundle of one case (docs/audit.md, DESIGN §9): the files an auditor carries
//! away, and their verification with nothing but the files and the keys the auditor trusts.
//! Written from the format alone (it reads the events' JSON itself, not through ombud's
//! envelope code), so it checks the server rather than repeating it.
//!
//! Files: `events/<case seq>.json` (exact body bytes), `events/<case seq>.headers` (`Name:
//! value` lines), `proofs/<case seq>.tlog-proof`, `entries.txt`, `checkpoint`, `policy`,
//! `README.txt`, and `manifest`: a note signed by the log key listing the SHA-256 of every
//! other file, so a changed byte anywhere is named by its file.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::merkle::{self, Hash};
use crate::note::{self, Signer};
use crate::policy::Policy;
use crate::proof::TlogProof;
use crate::verify::verify_inclusion;

/// The manifest's first line.
pub const MANIFEST_HEADER: &str = "ombud-evidence-bundle/v1";

/// One event as the bundle carries it.
#[derive(Debug, Clone)]
pub struct BundleEvent {
    /// Its stream sequence (leaf index + 1).
    pub stream_seq: u64,
    /// Its position in the case.
    pub case_seq: u64,
    /// Its bare type (`note_added`).
    pub event_type: String,
    /// The exact stored body bytes.
    pub body: Vec<u8>,
    /// The stored headers, in order.
    pub headers: Vec<(String, String)>,
    /// Its inclusion path in the checkpoint's tree.
    pub path: Vec<Hash>,
}

/// A bundle's files: path → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

fn hex(bytes: &[u8]) -> String {
    merkle::hex_of(bytes)
}

/// The leaf entry of an event.
pub fn entry(stream_seq: u64, case: &str, case_seq: u64, event_type: &str, body: &[u8]) -> String {
    format!(
        "{stream_seq} {case} {case_seq} {event_type} {}\n",
        hex(&Sha256::digest(body))
    )
}

/// The README of a bundle of `case`.
pub fn readme(case: &str) -> String {
    format!(
        "Evidence bundle of case {case} (ombud, {MANIFEST_HEADER})

events/<n>.json      the exact stored bytes of the case's event n (caseseq n)
events/<n>.headers   its stored headers: Ombud-Hash (hex SHA-256 of the bytes) and
                     Ombud-Mac (<key id>:<base64 HMAC-SHA256 of the bytes, deployment key>)
entries.txt          one transparency-log leaf entry per event, in order:
                     <stream seq> <case id> <caseseq> <type> <hex SHA-256 of the bytes>
proofs/<n>.tlog-proof  C2SP tlog-proof: leaf index (stream seq - 1), inclusion path, checkpoint
checkpoint           the C2SP checkpoint every proof refers to, signed by the log key and
                     cosigned by witnesses
policy               C2SP tlog-policy: the log key, the witness keys and the quorum
manifest             SHA-256 of every other file, signed by the log key

To verify by hand: trust the log and witness keys from a source other than this bundle.
1. The manifest's signature verifies with the log key; every file hashes as listed.
2. The checkpoint is signed by the log key and cosigned by a quorum of the witnesses.
3. For each n: SHA-256(events/n.json) equals Ombud-Hash and the hash in line n of
   entries.txt; the body's subject, caseseq and type (ombud.case.<type>) are the entry's;
   its prevhash is the hash of event n-1 (none for n = 1).
4. The leaf hash SHA-256(0x00 || entry line) folds with the proof's path (RFC 9162 2.1.3.2)
   into the checkpoint's root, at index <stream seq> - 1.
5. With the deployment's write key, each Ombud-Mac verifies.
`ombud audit verify-bundle DIR [--policy FILE]` does all of this; docs/audit.md describes it.
"
    )
}

/// Writes the files of a bundle; `checkpoint` is the signed (and cosigned) note every path
/// leads to, `policy` the policy text.
pub fn write(
    case: &str,
    events: &[BundleEvent],
    checkpoint: &str,
    policy: &str,
    signer: &Signer,
) -> Files {
    let mut files = Files::new();
    let mut entries = String::new();
    for e in events {
        files.insert(format!("events/{}.json", e.case_seq), e.body.clone());
        let headers: String = e
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect();
        files.insert(
            format!("events/{}.headers", e.case_seq),
            headers.into_bytes(),
        );
        let proof = TlogProof {
            extra: None,
            index: e.stream_seq - 1,
            path: e.path.clone(),
            checkpoint: checkpoint.to_owned(),
        };
        files.insert(
            format!("proofs/{}.tlog-proof", e.case_seq),
            proof.text().into_bytes(),
        );
        entries.push_str(&entry(
            e.stream_seq,
            case,
            e.case_seq,
            &e.event_type,
            &e.body,
        ));
    }
    files.insert("entries.txt".into(), entries.into_bytes());
    files.insert("checkpoint".into(), checkpoint.as_bytes().to_vec());
    files.insert("policy".into(), policy.as_bytes().to_vec());
    files.insert("README.txt".into(), readme(case).into_bytes());
    let mut manifest = format!("{MANIFEST_HEADER}\ncase {case}\n");
    for (path, bytes) in &files {
        manifest.push_str(&format!("{} {path}\n", hex(&Sha256::digest(bytes))));
    }
    // The text has no blank line and ends in a newline, so signing cannot fail.
    let signed = format!("{manifest}\n{}", signer.signature_line(&manifest));
    files.insert("manifest".into(), signed.into_bytes());
    files
}

/// The first thing wrong with a bundle: the file, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {why}")]
pub struct BundleError {
    /// The file at fault.
    pub file: String,
    /// What is wrong with it.
    pub why: String,
}

fn fail(file: &str, why: impl Into<String>) -> BundleError {
    BundleError {
        file: file.to_owned(),
        why: why.into(),
    }
}

/// What a verified bundle established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The case.
    pub case: String,
    /// How many events.
    pub events: u64,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The witnesses whose cosignatures verified.
    pub witnesses: Vec<String>,
    /// Whether the marks were checked (a write key was given).
    pub marks_checked: bool,
    /// Whether the policy came from the auditor rather than from the bundle.
    pub own_policy: bool,
}

fn text<'a>(files: &'a Files, path: &str) -> Result<&'a str, BundleError> {
    let bytes = files.get(path).ok_or_else(|| fail(path, "missing"))?;
    std::str::from_utf8(bytes).map_err(|_| fail(path, "not UTF-8 text"))
}

/// Verifies a bundle. `trusted_policy` is the auditor's own policy (else the bundle's, which
/// proves only that the bundle is whole); `write_keys` are (key id, key) pairs for the marks.
pub fn verify(
    files: &Files,
    trusted_policy: Option<&str>,
    write_keys: &[(String, [u8; 32])],
) -> Result<Verified, BundleError> {
    // 1. The policy, the manifest's signature, then every file's hash against it.
    let policy_text = match trusted_policy {
        Some(p) => p,
        None => text(files, "policy")?,
    };
    let policy_file = if trusted_policy.is_some() {
        "--policy"
    } else {
        "policy"
    };
    let policy = Policy::parse(policy_text).map_err(|e| fail(policy_file, e.to_string()))?;
    let manifest = text(files, "manifest")?;
    let (body, _) = note::split(manifest).map_err(|e| fail("manifest", e.to_string()))?;
    let listed_hash = |path: &str| {
        body.lines()
            .find_map(|l| l.strip_suffix(path).and_then(|h| h.strip_suffix(' ')))
            .map(str::to_owned)
    };
    let signed_by_log = policy
        .logs()
        .iter()
        .any(|log| note::open(manifest, log).is_ok());
    if !signed_by_log {
        // With the bundle's own policy, a changed policy also fails here: say which it is.
        if trusted_policy.is_none()
            && listed_hash("policy") != files.get("policy").map(|p| hex(&Sha256::digest(p)))
        {
            return Err(fail(
                "policy",
                "its SHA-256 is not the one the manifest lists",
            ));
        }
        return Err(fail(
            "manifest",
            format!("not signed by a log key of the {policy_file}"),
        ));
    }
    let mut lines = body.lines();
    if lines.next() != Some(MANIFEST_HEADER) {
        return Err(fail(
            "manifest",
            format!("the first line is not {MANIFEST_HEADER}"),
        ));
    }
    let case = lines
        .next()
        .and_then(|l| l.strip_prefix("case "))
        .ok_or_else(|| fail("manifest", "no `case <id>` line"))?
        .to_owned();
    let mut listed = BTreeMap::new();
    for line in lines {
        let (hash, path) = line
            .split_once(' ')
            .ok_or_else(|| fail("manifest", format!("not `<hash> <path>`: {line:?}")))?;
        listed.insert(path.to_owned(), hash.to_owned());
    }
    for (path, bytes) in files {
        if path == "manifest" {
            continue;
        }
        match listed.get(path) {
            None => return Err(fail(path, "not listed in the manifest")),
            Some(h) if *h != hex(&Sha256::digest(bytes)) => {
                return Err(fail(path, "its SHA-256 is not the one the manifest lists"))
            }
            Some(_) => {}
        }
    }
    if let Some(path) = listed.keys().find(|p| !files.contains_key(*p)) {
        return Err(fail(path, "listed in the manifest, missing"));
    }

    // 2. The checkpoint, under the policy.
    let checkpoint_note = text(files, "checkpoint")?;
    let (checkpoint, witnesses) = policy
        .check(checkpoint_note)
        .map_err(|e| fail("checkpoint", e.to_string()))?;
    // The manifest is the same log's.
    let log = policy.logs().iter().find(|l| l.name() == checkpoint.origin);
    if log.is_none_or(|log| note::open(manifest, log).is_err()) {
        return Err(fail("manifest", "not signed by the log of the checkpoint"));
    }
    if text(files, "README.txt")? != readme(&case) {
        return Err(fail("README.txt", "not the README of this bundle's format"));
    }

    // 3. Each event: bytes, headers, entry, chain, proof, mark.
    let entries = text(files, "entries.txt")?;
    let mut previous: Option<String> = None;
    let mut count = 0u64;
    let mut last_stream_seq = 0u64;
    for (i, line) in entries.split_inclusive('\n').enumerate() {
        let n = i as u64 + 1;
        let event_file = format!("events/{n}.json");
        let headers_file = format!("events/{n}.headers");
        let proof_file = format!("proofs/{n}.tlog-proof");
        let body = files
            .get(&event_file)
            .ok_or_else(|| fail(&event_file, "missing"))?;
        let hash = hex(&Sha256::digest(body));
        let fields: Vec<&str> = line.trim_end_matches('\n').split(' ').collect();
        let [stream_seq, entry_case, case_seq, event_type, entry_hash] = fields[..] else {
            return Err(fail("entries.txt", format!("line {n} is not five fields")));
        };
        let stream_seq: u64 = stream_seq
            .parse()
            .map_err(|_| fail("entries.txt", format!("line {n}: no stream sequence")))?;
        if stream_seq <= last_stream_seq {
            return Err(fail(
                "entries.txt",
                format!("line {n}: stream sequences do not increase"),
            ));
        }
        last_stream_seq = stream_seq;
        if entry_case != case || case_seq != n.to_string() {
            return Err(fail(
                "entries.txt",
                format!("line {n} is not event {n} of case {case}"),
            ));
        }
        if entry_hash != hash {
            return Err(fail(
                &event_file,
                format!("its SHA-256 is not the hash of entries.txt line {n}"),
            ));
        }
        let headers = text(files, &headers_file)?;
        let header = |name: &str| {
            headers
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(": ")))
        };
        if header("Ombud-Hash") != Some(hash.as_str()) {
            return Err(fail(
                &headers_file,
                "Ombud-Hash is not the SHA-256 of the event's bytes",
            ));
        }
        let json: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| fail(&event_file, format!("not JSON: {e}")))?;
        let wire_type = format!("ombud.case.{event_type}");
        if json["subject"].as_str() != Some(case.as_str())
            || json["caseseq"].as_u64() != Some(n)
            || json["type"].as_str() != Some(wire_type.as_str())
        {
            return Err(fail(
                &event_file,
                format!("its subject, caseseq or type is not entries.txt line {n}"),
            ));
        }
        if json["prevhash"].as_str().map(str::to_owned) != previous {
            return Err(fail(
                &event_file,
                "its prevhash is not the previous event's hash: the chain breaks",
            ));
        }
        previous = Some(hash.clone());
        if !write_keys.is_empty() {
            let mark = header("Ombud-Mac").ok_or_else(|| fail(&headers_file, "no Ombud-Mac"))?;
            let (id, mac) = mark
                .split_once(':')
                .ok_or_else(|| fail(&headers_file, "Ombud-Mac is not <key id>:<base64>"))?;
            let (_, key) = write_keys.iter().find(|(k, _)| k == id).ok_or_else(|| {
                fail(
                    &headers_file,
                    format!("Ombud-Mac is under key {id:?}, not given"),
                )
            })?;
            use base64::Engine as _;
            let mac = base64::engine::general_purpose::STANDARD
                .decode(mac)
                .map_err(|_| fail(&headers_file, "Ombud-Mac is not base64"))?;
            let mut h = <Hmac<Sha256> as Mac>::new_from_slice(key)
                .map_err(|_| fail(&headers_file, "bad key"))?;
            h.update(body);
            h.verify_slice(&mac).map_err(|_| {
                fail(
                    &headers_file,
                    "Ombud-Mac does not verify: ombud did not write these bytes",
                )
            })?;
        }
        let proof =
            TlogProof::parse(text(files, &proof_file)?).map_err(|e| fail(&proof_file, e))?;
        if proof.checkpoint != checkpoint_note {
            return Err(fail(
                &proof_file,
                "its checkpoint is not the bundle's checkpoint",
            ));
        }
        if proof.index != stream_seq - 1 {
            return Err(fail(
                &proof_file,
                format!(
                    "index {} is not stream sequence {stream_seq} - 1",
                    proof.index
                ),
            ));
        }
        let leaf = merkle::leaf_hash(line.as_bytes());
        verify_inclusion(
            proof.index,
            checkpoint.size,
            &leaf,
            &proof.path,
            &checkpoint.root,
        )
        .map_err(|e| {
            fail(
                &proof_file,
                format!("entries.txt line {n} is not in the checkpoint's tree: {e}"),
            )
        })?;
        count = n;
    }
    if count == 0 {
        return Err(fail("entries.txt", "no events"));
    }
    // Exactly the files of a bundle of `count` events, no more.
    let mut expected: Vec<String> = [
        "entries.txt",
        "checkpoint",
        "policy",
        "README.txt",
        "manifest",
    ]
    .map(str::to_owned)
    .to_vec();
    for n in 1..=count {
        expected.extend([
            format!("events/{n}.json"),
            format!("events/{n}.headers"),
            format!("proofs/{n}.tlog-proof"),
        ]);
    }
    if let Some(extra) = files.keys().find(|p| !expected.contains(p)) {
        return Err(fail(
            extra,
            format!("not a file of a bundle of {count} events"),
        ));
    }
    if let Some(missing) = expected.iter().find(|p| !files.contains_key(*p)) {
        return Err(fail(missing, "missing"));
    }
    Ok(Verified {
        case,
        events: count,
        tree_size: checkpoint.size,
        witnesses,
        marks_checked: !write_keys.is_empty(),
        own_policy: trusted_policy.is_some(),
    })
}
