//! The deployment's secrets: the master key (wraps the personal-data keys), the blind-index
//! key (NIK lookups) and the write keys (ombud's mark on every event). Each comes from the
//! configuration or its `OMBUD__SECURITY__…` environment variable; without one, from a file
//! in the data directory; without that, it is generated there with a loud warning (fine for
//! a laptop, never for production, where every ombud process must share the same keys).

use std::path::Path;

use anyhow::Context as _;
use ombud_envelope::{BlindKey, MasterKey, WriteKey, WriteKeys};

use crate::config::{SecurityConfig, WriteKeysSetting};

/// A secret key: the configured one, else the one in `data/<file>`, else a new one written
/// there with a loud warning.
fn local_key<K>(
    configured: Option<&str>,
    data: &Path,
    file: &str,
    setting: &str,
    parse: impl Fn(&str) -> anyhow::Result<K>,
    fresh: impl FnOnce() -> (K, String),
) -> anyhow::Result<K> {
    let (section, name) = setting.split_once('.').unwrap_or(("security", setting));
    let env = format!(
        "OMBUD__{}__{}",
        section.to_ascii_uppercase(),
        name.to_ascii_uppercase()
    );
    if let Some(text) = configured.filter(|t| !t.trim().is_empty()) {
        let shown = if setting.contains('.') {
            setting.to_owned()
        } else {
            format!("security.{setting}")
        };
        return parse(text.trim()).with_context(|| format!("{shown} ({env})"));
    }
    let path = data.join(file);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return parse(text.trim()).with_context(|| format!("the key file {}", path.display()));
    }
    let (key, text) = fresh();
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "WARNING: generated a local {setting} in {} (fine for a laptop, never for production: \
         set {env} and keep it out of the data directory)",
        path.display(),
    );
    Ok(key)
}

fn hex_key<K>(
    parse: impl Fn(&str) -> Result<K, ombud_envelope::SealError>,
) -> impl Fn(&str) -> anyhow::Result<K> {
    move |text| parse(text).map_err(|_| anyhow::anyhow!("not a 64-digit hex key"))
}

/// The master key.
pub fn master_key(security: &SecurityConfig, data: &Path) -> anyhow::Result<MasterKey> {
    local_key(
        Some(&security.master_key),
        data,
        "master.key",
        "master_key",
        hex_key(MasterKey::from_hex),
        || {
            let key = MasterKey::generate();
            let hex = key.to_hex();
            (key, hex)
        },
    )
}

/// The blind-index key.
pub fn blind_index_key(security: &SecurityConfig, data: &Path) -> anyhow::Result<BlindKey> {
    local_key(
        Some(&security.blind_index_key),
        data,
        "blind_index.key",
        "blind_index_key",
        hex_key(BlindKey::from_hex),
        || {
            let key = BlindKey::generate();
            let hex = key.to_hex();
            (key, hex)
        },
    )
}

/// 64 hex digits as 32 bytes.
pub fn hex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// The transparency log's signer: `[log] signing_key` (an Ed25519 seed in hex), or the data
/// directory's `log_signing.key`, generated with a warning when absent.
pub fn log_signer(
    log: &crate::config::LogConfig,
    data: &Path,
) -> anyhow::Result<ombud_tlog::Signer> {
    let seed = local_key(
        Some(&log.signing_key),
        data,
        "log_signing.key",
        "log.signing_key",
        |text| hex32(text).context("not a 64-digit hex Ed25519 seed"),
        || {
            // 32 random bytes from the same generator as the other keys.
            let hex = MasterKey::generate().to_hex();
            let seed = hex32(&hex).unwrap_or([0; 32]);
            (seed, hex)
        },
    )?;
    ombud_tlog::Signer::new(log.origin.trim(), seed)
        .with_context(|| format!("[log] origin {:?} is not a key name", log.origin))
}

/// Parses `id:hex[,id:hex…]` (the environment's and the key file's form), the signing key
/// first.
pub fn parse_write_keys(text: &str) -> anyhow::Result<WriteKeys> {
    let keys = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (id, hex) = part
                .split_once(':')
                .context("a write key is written `<id>:<64 hex digits>`")?;
            Ok(WriteKey::from_hex(id.trim(), hex.trim())?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(WriteKeys::new(keys)?)
}

/// The write keys: `security.write_keys` (a list of `{ id, key }` tables, or `id:hex,…` in
/// `OMBUD__SECURITY__WRITE_KEYS`), else `data/write.key`, else a new key `local` there.
pub fn write_keys(security: &SecurityConfig, data: &Path) -> anyhow::Result<WriteKeys> {
    let configured = match &security.write_keys {
        WriteKeysSetting::List(list) if !list.is_empty() => {
            let keys = list
                .iter()
                .map(|k| WriteKey::from_hex(&k.id, &k.key))
                .collect::<Result<Vec<_>, _>>()
                .context("security.write_keys")?;
            return WriteKeys::new(keys).context("security.write_keys");
        }
        WriteKeysSetting::List(_) => None,
        WriteKeysSetting::Text(text) => Some(text.as_str()),
    };
    local_key(
        configured,
        data,
        "write.key",
        "write_keys",
        parse_write_keys,
        || {
            let keys = WriteKeys::generate();
            let text = format!("{}:{}\n", keys.signing().id(), keys.signing().to_hex());
            (keys, text)
        },
    )
}

/// Warns loudly when the newest event of the log does not carry this process's valid mark:
/// most likely this process was not given the deployment's write keys, and every event of the
/// log would look foreign to it (a forgery is the other explanation, so it does not refuse).
pub async fn warn_if_keys_differ<B: ombud_eventlog::Backend>(log: &ombud_eventlog::EventLog<B>) {
    match log.newest_unmarked().await {
        Ok(Some((seq, why))) => eprintln!(
            "WARNING: the newest event of the log (sequence {seq}) is not marked with this \
             process's write keys ({why}). If every ombud process of this deployment is not \
             given the same security.write_keys (OMBUD__SECURITY__WRITE_KEYS), each sees the \
             others' events as foreign. If the keys are right, that message is a forgery."
        ),
        Ok(None) => {}
        Err(e) => eprintln!("WARNING: could not check the newest event's mark: {e}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn write_keys_parse_in_order_and_refuse_nonsense() {
        let a = "11".repeat(32);
        let b = "22".repeat(32);
        let keys = parse_write_keys(&format!("k2:{b}, k1:{a}")).unwrap();
        let ids: Vec<&str> = keys.keys().iter().map(|k| k.id()).collect();
        assert_eq!(ids, ["k2", "k1"]);
        assert!(parse_write_keys("").is_err(), "no key");
        assert!(parse_write_keys(&a).is_err(), "no id");
        assert!(parse_write_keys("k1:abc").is_err(), "short key");
        assert!(
            parse_write_keys(&format!("k1:{a},k1:{b}")).is_err(),
            "duplicate id"
        );
    }
}
