//! Who may call: the configured tokens (`[[auth.tokens]]`, checked before anything is opened),
//! or, without any, one local token per role. Local tokens are generated at the first start
//! and kept in the data directory as hashes only (`local-tokens.toml`), so they stay valid
//! across restarts; the tokens themselves are printed once, when they are made. New tokens are
//! kept only once the start has succeeded ([`Pending`]), so a start that failed never leaves
//! tokens behind that nobody saw.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use ombud_domain::{Actor, ActorId, OfficeCode, Role};
use ombud_envelope::MasterKey;
use ombud_http::Tokens;
use serde::{Deserialize, Serialize};

use crate::config::TokenConfig;

/// The file in the data directory holding the local tokens' hashes.
pub const LOCAL_TOKENS_FILE: &str = "local-tokens.toml";

/// Where the tokens come from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `[[auth.tokens]]`.
    Configured(Vec<TokenConfig>),
    /// One local token per role, acting for `office`; `renew`: replace any kept ones.
    Local {
        /// The office the local tokens act for.
        office: String,
        /// Make new ones even if some are kept (the old ones stop working).
        renew: bool,
    },
    /// Tokens made by the caller (tests, benchmarks).
    Given(Tokens),
}

/// What [`issue`] did, for the operator.
#[derive(Debug, Clone)]
pub enum TokenReport {
    /// This many configured tokens.
    Configured(usize),
    /// New local tokens, kept (as hashes) in `file`: each role, actor and bearer token, to be
    /// printed now (they cannot be shown again).
    New {
        /// `DATA/local-tokens.toml`.
        file: PathBuf,
        /// (role, actor, token).
        tokens: Vec<(String, String, String)>,
    },
    /// The local tokens made at an earlier start, read from `file`.
    Kept {
        /// `DATA/local-tokens.toml`.
        file: PathBuf,
        /// How many.
        count: usize,
    },
    /// Tokens made by the caller.
    Given,
}

/// The roles of the local tokens and their actors.
const LOCAL_ACTORS: [(Role, &str); 8] = [
    (Role::Intake, "pvl.local"),
    (Role::Investigator, "riksa.local"),
    (Role::Resmon, "resmon.local"),
    (Role::UnitHead, "kanit.local"),
    (Role::OfficeHead, "kepala.local"),
    (Role::Chair, "ketua.local"),
    (Role::Auditor, "audit.local"),
    (Role::Dpo, "dpo.local"),
];

/// The hash of nothing: made from an empty variable, it would let `Bearer ` in.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The web interface's password users (`[[auth.users]]`), or why one is refused (a role
/// as for tokens, a bad name or office, a hash that is not argon2id, a name listed twice).
pub fn users(
    list: &[crate::config::UserConfig],
) -> anyhow::Result<ombud_http::web::session::Users> {
    let mut users = ombud_http::web::session::Users::default();
    let mut seen = std::collections::HashSet::new();
    for u in list {
        let role = match Role::parse(&u.role) {
            Some(role) if role.is_retired() || role == Role::System => {
                anyhow::bail!("user {}: the role `{}` cannot sign in", u.user, u.role)
            }
            Some(role) => role,
            None => anyhow::bail!("user {}: unknown role `{}`", u.user, u.role),
        };
        if !seen.insert(u.user.clone()) {
            anyhow::bail!("user {} is listed twice in [[auth.users]]", u.user);
        }
        let actor = Actor {
            id: ActorId::parse(&u.user).with_context(|| format!("user {}", u.user))?,
            role,
            office: OfficeCode::parse(&u.office)
                .with_context(|| format!("user {}: office", u.user))?,
        };
        users.insert(&u.user, actor, &u.password_argon2id)?;
    }
    Ok(users)
}

/// The configured tokens, or why one is refused (an unknown role, a hash that is not 64 hex
/// digits or is the hash of nothing, two tokens with one hash, a bad actor or office).
pub fn configured(list: &[TokenConfig]) -> anyhow::Result<Tokens> {
    let mut tokens = Tokens::default();
    let mut seen: HashMap<String, &str> = HashMap::new();
    for t in list {
        let known: Vec<&str> = Role::CURRENT.iter().map(|r| r.as_str()).collect();
        let role = match Role::parse(&t.role) {
            Some(role) if role.is_retired() => anyhow::bail!(
                "token of {}: the role `{}` is retired (v1): grant `unit_head` or \
                 `office_head` instead",
                t.actor,
                t.role
            ),
            Some(role) => role,
            None => anyhow::bail!(
                "token of {}: unknown role `{}` (known: {})",
                t.actor,
                t.role,
                known.join(", ")
            ),
        };
        if t.token_sha256.len() != 64 || !t.token_sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            anyhow::bail!("token of {}: token_sha256 must be 64 hex digits", t.actor);
        }
        if t.token_sha256.eq_ignore_ascii_case(EMPTY_SHA256) {
            anyhow::bail!(
                "token of {}: token_sha256 is the hash of an empty token (was the variable \
                 empty?)",
                t.actor
            );
        }
        // One token, one actor: a second entry with the same hash would silently replace the
        // first (and who acts would depend on the order of the file).
        if let Some(first) = seen.insert(t.token_sha256.to_ascii_lowercase(), &t.actor) {
            anyhow::bail!(
                "the tokens of {first} and {} have the same token_sha256: every token must be \
                 its own (generate another for one of them)",
                t.actor
            );
        }
        tokens.insert_hash(
            &t.token_sha256,
            Actor {
                id: ActorId::parse(&t.actor)
                    .with_context(|| format!("token actor `{}`", t.actor))?,
                role,
                office: OfficeCode::parse(&t.office)
                    .with_context(|| format!("token of {}: office `{}`", t.actor, t.office))?,
            },
        );
    }
    Ok(tokens)
}

/// `local-tokens.toml`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalFile {
    tokens: Vec<TokenConfig>,
}

/// New local tokens' hashes, to be kept once nothing else can stop the start (so no start
/// that failed leaves tokens nobody was shown).
#[derive(Debug)]
#[must_use = "new local tokens work only once kept"]
pub struct Pending {
    file: PathBuf,
    text: String,
}

impl Pending {
    /// Writes the hashes into the data directory.
    pub fn keep(self) -> anyhow::Result<()> {
        write_private(&self.file, &self.text)
            .with_context(|| format!("keeping the local tokens in {}", self.file.display()))
    }
}

/// The tokens from `source`; local ones are read from `data`, or made (their hashes to be
/// kept there with [`Pending::keep`]).
pub fn issue(
    source: &TokenSource,
    data: &Path,
) -> anyhow::Result<(Tokens, TokenReport, Option<Pending>)> {
    match source {
        TokenSource::Configured(list) => {
            Ok((configured(list)?, TokenReport::Configured(list.len()), None))
        }
        TokenSource::Given(tokens) => Ok((tokens.clone(), TokenReport::Given, None)),
        TokenSource::Local { office, renew } => local(office, *renew, data),
    }
}

fn local(
    office: &str,
    renew: bool,
    data: &Path,
) -> anyhow::Result<(Tokens, TokenReport, Option<Pending>)> {
    let office = OfficeCode::parse(office).context("the office of the local tokens (--office)")?;
    let file = data.join(LOCAL_TOKENS_FILE);
    if !renew && file.exists() {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading the local tokens in {}", file.display()))?;
        let kept: LocalFile = toml::from_str(&text).with_context(|| {
            format!(
                "reading the local tokens in {} (delete it, or start with --new-local-tokens, \
                 for new ones)",
                file.display()
            )
        })?;
        // Tokens of another office are not these: make new ones rather than act for it.
        if kept.tokens.iter().all(|t| t.office == office.as_str()) && !kept.tokens.is_empty() {
            let tokens = configured(&kept.tokens).with_context(|| {
                format!(
                    "the local tokens in {} (delete it, or start with --new-local-tokens, for \
                     new ones)",
                    file.display()
                )
            })?;
            let count = kept.tokens.len();
            return Ok((tokens, TokenReport::Kept { file, count }, None));
        }
    }
    let mut entries = Vec::new();
    let mut shown = Vec::new();
    for (role, actor) in LOCAL_ACTORS {
        let secret = MasterKey::generate().to_hex();
        let token = format!("{}-{}", role.as_str(), &secret[..32]);
        entries.push(TokenConfig {
            actor: actor.to_owned(),
            role: role.as_str().to_owned(),
            office: office.as_str().to_owned(),
            token_sha256: ombud_http::auth::token_sha256(&token),
        });
        shown.push((role.as_str().to_owned(), actor.to_owned(), token));
    }
    let tokens = configured(&entries)?;
    let text = format!(
        "# ombud's local tokens: made at a start without [[auth.tokens]], kept as hashes only.\n\
         # Delete this file, or start with `ombud serve --new-local-tokens`, for new ones.\n{}",
        toml::to_string(&LocalFile { tokens: entries })?
    );
    Ok((
        tokens,
        TokenReport::New {
            file: file.clone(),
            tokens: shown,
        },
        Some(Pending { file, text }),
    ))
}

/// Writes `text` to `path` through a temporary file (readable by the owner only on Unix), so a
/// crash never leaves half a file.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let temp = path.with_extension(format!("toml.{}.tmp", std::process::id()));
    {
        // A leftover temporary file would keep its mode: start from none.
        let _ = std::fs::remove_file(&temp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_retired_supervisor_role_and_unknown_roles_are_refused_with_what_to_grant() {
        let token = |role: &str| TokenConfig {
            actor: "kepala.budi".into(),
            role: role.into(),
            office: "jawa-barat".into(),
            token_sha256: ombud_http::auth::token_sha256("secret"),
        };
        let err = configured(&[token("supervisor")]).unwrap_err().to_string();
        assert!(
            err.contains("retired") && err.contains("unit_head") && err.contains("office_head"),
            "{err}"
        );
        let err = configured(&[token("boss")]).unwrap_err().to_string();
        assert!(
            err.contains("unknown role `boss`") && err.contains("resmon"),
            "{err}"
        );
        for role in Role::CURRENT {
            assert!(configured(&[token(role.as_str())]).is_ok(), "{role}");
        }
    }

    #[test]
    fn local_tokens_are_kept_as_hashes_and_renewed_on_request() {
        let dir = std::env::temp_dir().join(format!("ombud-tokens-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = TokenSource::Local {
            office: "jawa-barat".into(),
            renew: false,
        };
        let (first, report, pending) = issue(&source, &dir).unwrap();
        let TokenReport::New { tokens: shown, .. } = report else {
            panic!("the first start makes tokens")
        };
        assert!(
            !dir.join(LOCAL_TOKENS_FILE).exists(),
            "nothing is kept before the start succeeded"
        );
        pending.unwrap().keep().unwrap();
        let (_, _, token) = &shown[1];
        let text = std::fs::read_to_string(dir.join(LOCAL_TOKENS_FILE)).unwrap();
        assert!(!text.contains(token.as_str()), "only the hash is kept");
        let (again, report, pending) = issue(&source, &dir).unwrap();
        assert!(matches!(report, TokenReport::Kept { count, .. } if count == LOCAL_ACTORS.len()));
        assert!(pending.is_none());
        assert_eq!(
            again.actor(token).map(|a| a.id.to_string()),
            first.actor(token).map(|a| a.id.to_string())
        );
        assert!(again.actor(token).is_some(), "the token still works");
        let renew = TokenSource::Local {
            office: "jawa-barat".into(),
            renew: true,
        };
        let (renewed, report, pending) = issue(&renew, &dir).unwrap();
        assert!(matches!(report, TokenReport::New { .. }));
        pending.unwrap().keep().unwrap();
        assert!(
            renewed.actor(token).is_none(),
            "the old token stops working"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
