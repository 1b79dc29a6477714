//! The effective configuration: `config/default.toml` (built in), overlaid by `--config FILE`,
//! then by `OMBUD__<SECTION>__<KEY>` environment variables; command-line flags override last
//! (in `serve`). Unknown keys are refused. `ombud config show` prints it, secrets redacted.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// The built-in defaults.
pub const DEFAULTS: &str = include_str!("../../../config/default.toml");

/// A configured API token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The actor events name.
    pub actor: String,
    /// intake | investigator | resmon | unit_head | office_head | member | chair | auditor | dpo
    /// (v1's `supervisor` is retired and refused).
    pub role: String,
    /// The actor's office.
    pub office: String,
    /// Hex SHA-256 of the bearer token.
    pub token_sha256: String,
}

/// `[nats]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsConfig {
    /// URL(s); empty for the embedded log.
    pub url: String,
    /// Stream (and key bucket) replicas: 1 on one server, 3 on a cluster.
    pub replicas: usize,
    /// The event stream's name.
    pub stream: String,
    /// The key-value bucket of wrapped data keys.
    pub key_bucket: String,
    /// The access log's stream.
    pub access_stream: String,
    /// The key-value bucket of the person index.
    pub person_bucket: String,
    /// How long the server deduplicates a retried append by its message id, in seconds.
    pub duplicate_window_secs: u64,
    /// How long a request to NATS (an append's acknowledgement, a read, a key) may take before
    /// it is answered as `log_unavailable`, in milliseconds.
    pub request_timeout_ms: u64,
    /// The NATS user ombud connects as (with `password`); empty: none.
    pub user: String,
    /// Its password; prefer the environment (`OMBUD__NATS__PASSWORD`).
    pub password: String,
    /// A NATS credentials file (JWT + nkey seed, `.creds`) instead of a user and password.
    pub creds_file: String,
    /// A file holding an nkey seed (`SU…`) instead of a user and password.
    pub nkey_file: String,
    /// A CA certificate (PEM) to verify the server's TLS certificate with; setting it requires
    /// TLS.
    pub tls_ca_file: String,
    /// A client certificate (PEM) for servers that verify clients, with `tls_key_file`.
    pub tls_cert_file: String,
    /// The client certificate's private key (PEM).
    pub tls_key_file: String,
    /// Readers (the `subscriber` user) may create their own pull consumers until the event
    /// stream holds this many consumers (ombud's own included).
    pub reader_consumer_limit: usize,
}

impl NatsConfig {
    /// The configured URL(s); `None` (the embedded log) when empty.
    pub fn configured_url(&self) -> Option<String> {
        (!self.url.trim().is_empty()).then(|| self.url.clone())
    }

    /// The JetStream settings for `url` (a flag may name another server than `url`).
    pub fn jetstream(&self, url: &str) -> ombud_eventlog::jetstream::JetStreamConfig {
        use ombud_eventlog::jetstream::NatsAuth;
        let file = |text: &str| (!text.trim().is_empty()).then(|| PathBuf::from(text.trim()));
        let auth = if let Some(path) = file(&self.creds_file) {
            NatsAuth::CredsFile(path)
        } else if let Some(path) = file(&self.nkey_file) {
            NatsAuth::NkeyFile(path)
        } else if !self.user.trim().is_empty() {
            NatsAuth::UserPassword {
                user: self.user.trim().to_owned(),
                password: self.password.clone(),
            }
        } else {
            NatsAuth::None
        };
        ombud_eventlog::jetstream::JetStreamConfig {
            auth,
            tls_ca_file: file(&self.tls_ca_file),
            tls_client: file(&self.tls_cert_file).zip(file(&self.tls_key_file)),
            request_timeout: std::time::Duration::from_millis(self.request_timeout_ms),
            replicas: self.replicas,
            stream: self.stream.clone(),
            key_bucket: self.key_bucket.clone(),
            access_stream: self.access_stream.clone(),
            person_bucket: self.person_bucket.clone(),
            duplicate_window: std::time::Duration::from_secs(self.duplicate_window_secs),
            reader_consumer_limit: self.reader_consumer_limit,
            ..ombud_eventlog::jetstream::JetStreamConfig::new(url)
        }
    }
}

/// `[feed]`: the live SSE feed (`GET /v1/events`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSettings {
    /// Feeds one token may hold open at once.
    pub per_token: usize,
    /// Events a live client may fall behind before it is dropped.
    pub client_buffer: usize,
    /// Seconds between keep-alive comments on an idle feed.
    pub keep_alive_secs: u64,
}

impl FeedSettings {
    /// The hub's tuning, or why the values make no sense.
    pub fn feed_config(&self) -> anyhow::Result<ombud_http::feed::FeedConfig> {
        if self.per_token == 0 || self.client_buffer == 0 || self.keep_alive_secs == 0 {
            anyhow::bail!(
                "feed.per_token, feed.client_buffer and feed.keep_alive_secs must be positive \
                 (got {}, {}, {})",
                self.per_token,
                self.client_buffer,
                self.keep_alive_secs
            );
        }
        Ok(ombud_http::feed::FeedConfig {
            per_token: self.per_token,
            client_buffer: self.client_buffer,
            keep_alive: std::time::Duration::from_secs(self.keep_alive_secs),
        })
    }
}

/// `[log]`: the transparency log over the stream (docs/audit.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// The log's origin line and key name, e.g. `ombudsman.go.id/ombud/cases`.
    pub origin: String,
    /// The Ed25519 seed (64 hex digits) that signs checkpoints; prefer the environment
    /// (`OMBUD__LOG__SIGNING_KEY`). Empty: generated in the data directory with a warning.
    pub signing_key: String,
    /// How often a new checkpoint is signed while the tree grows, in seconds (at least 0.1;
    /// `5` and `5.0` alike).
    #[serde(deserialize_with = "seconds")]
    pub checkpoint_interval: f64,
    /// How many witnesses must cosign a checkpoint for the policy (0: all of them).
    pub witness_quorum: usize,
    /// The witnesses each new checkpoint is submitted to (`[[log.witnesses]]`).
    #[serde(default)]
    pub witnesses: Vec<WitnessConfig>,
    /// SHA-256 (hex) of monitor tokens: they read the log's checkpoints, proofs and tiles,
    /// and nothing else.
    #[serde(default)]
    pub monitor_tokens_sha256: Vec<String>,
}

/// Seconds written as an integer or a decimal.
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    struct Seconds;
    impl serde::de::Visitor<'_> for Seconds {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a number of seconds, such as 5 or 0.5")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
    }
    d.deserialize_any(Seconds)
}

/// `[[log.witnesses]]`: a witness of the log (C2SP tlog-witness).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// Its name in the bundle's policy (letters, digits, `.`, `-`, `_`).
    pub name: String,
    /// Its submission prefix, `http://host:port[/path]` (`<url>/add-checkpoint`).
    pub url: String,
    /// Its cosignature verifier key, `<name>+<hex id>+<base64(0x04 ‖ key)>`.
    pub vkey: String,
}

/// `[deadline_engine]`: what the deadline engine does, by default and per office.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineEngineConfig {
    /// Whether it runs at all.
    pub enabled: bool,
    /// The office-local time of its daily pass, `"HH:MM"`.
    pub run_at: String,
    /// Close as deemed withdrawn when the completion clock ran out (false: propose it).
    pub auto_close_deemed_withdrawn: bool,
    /// Days after a due date before it acts.
    pub grace_days: u32,
    /// Remind this many working days before a due date.
    pub remind_before_working_days: Vec<u32>,
    /// Offices with settings of their own (each field optional).
    #[serde(default)]
    pub offices: std::collections::BTreeMap<String, OfficeEngineConfig>,
}

/// `[deadline_engine.offices.<code>]`: an office's own engine settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeEngineConfig {
    /// Whether it runs in this office.
    pub enabled: Option<bool>,
    /// The office-local time of its daily pass.
    pub run_at: Option<String>,
    /// Close as deemed withdrawn, or only propose it.
    pub auto_close_deemed_withdrawn: Option<bool>,
    /// Days after a due date before it acts.
    pub grace_days: Option<u32>,
    /// Remind this many working days before a due date.
    pub remind_before_working_days: Option<Vec<u32>>,
}

impl DeadlineEngineConfig {
    /// The engine's settings, or which entry is wrong.
    pub fn settings(&self) -> anyhow::Result<ombud_service::deadline_engine::EngineSettings> {
        use ombud_service::deadline_engine::{EngineSettings, OfficeEngine};
        let time = |name: &str, text: &str| {
            chrono::NaiveTime::parse_from_str(text, "%H:%M").with_context(|| {
                format!(
                    "{name} = {text:?}: expected an office-local time \"HH:MM\", e.g. \"06:00\""
                )
            })
        };
        let default = OfficeEngine {
            enabled: self.enabled,
            run_at: time("deadline_engine.run_at", &self.run_at)?,
            policy: ombud_domain::EnginePolicy {
                auto_close_deemed_withdrawn: self.auto_close_deemed_withdrawn,
                grace_days: self.grace_days,
            },
            remind_before: self.remind_before_working_days.clone(),
        };
        let mut offices = std::collections::HashMap::new();
        for (code, own) in &self.offices {
            let office = ombud_domain::OfficeCode::parse(code)
                .with_context(|| format!("[deadline_engine.offices.{code}]"))?;
            let run_at = match &own.run_at {
                Some(text) => time(&format!("deadline_engine.offices.{code}.run_at"), text)?,
                None => default.run_at,
            };
            offices.insert(
                office,
                OfficeEngine {
                    enabled: own.enabled.unwrap_or(default.enabled),
                    run_at,
                    policy: ombud_domain::EnginePolicy {
                        auto_close_deemed_withdrawn: own
                            .auto_close_deemed_withdrawn
                            .unwrap_or(default.policy.auto_close_deemed_withdrawn),
                        grace_days: own.grace_days.unwrap_or(default.policy.grace_days),
                    },
                    remind_before: own
                        .remind_before_working_days
                        .clone()
                        .unwrap_or_else(|| default.remind_before.clone()),
                },
            );
        }
        Ok(EngineSettings { default, offices })
    }
}

/// `[security]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// Hex master key; empty for a local generated one.
    pub master_key: String,
    /// Hex key of the NIK blind index; empty for a local generated one.
    pub blind_index_key: String,
    /// The write keys that mark every event (the first signs, all verify); empty for a local
    /// generated one.
    pub write_keys: WriteKeysSetting,
    /// Stream sequences up to this one are accepted without a mark (a log written before ombud
    /// marked its events); 0: every event must be marked.
    pub accept_unmarked_through: u64,
}

/// `security.write_keys`: a list of `{ id, key }`, or `id:hex,…` (the environment's form).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WriteKeysSetting {
    /// `[{ id = "k2", key = "<64 hex>" }, { id = "k1", key = "…" }]`.
    List(Vec<WriteKeyConfig>),
    /// `k2:<64 hex>,k1:<64 hex>`.
    Text(String),
}

/// One configured write key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteKeyConfig {
    /// Its id (in every event's `Ombud-Mac`).
    pub id: String,
    /// 64 hex digits.
    pub key: String,
}

/// `[auth]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Office of the generated local tokens.
    pub local_office: String,
    /// Configured tokens.
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    /// Users who sign in to the web interface with a password.
    #[serde(default)]
    pub users: Vec<UserConfig>,
}

/// `[[auth.users]]`: a person who signs in to the web interface with a password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The user name, which is also the actor events name.
    pub user: String,
    /// Their role (as for tokens).
    pub role: String,
    /// Their office.
    pub office: String,
    /// The argon2id hash of their password (`ombud hash-password` prints one).
    pub password_argon2id: String,
}

/// `[deadlines]`: how long each clock runs, as `"N days"` or `"N working days"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesConfig {
    /// The reporter completes the report (from receipt of the request).
    pub completion: String,
    /// The addressee answers a first request for clarification (from receipt).
    pub clarification: String,
    /// Later clarification rounds (from receipt).
    pub clarification_later_rounds: String,
    /// The reporter responds to the notified conclusion (from receipt).
    pub reporter_response: String,
    /// The respondent carries out corrective action (from its receipt of the LHP).
    pub corrective_action: String,
    /// A Recommendation is delivered (from its signature).
    pub recommendation_delivery: String,
    /// The superior reports on a Recommendation (from receipt; v1 name: `recommendation`).
    #[serde(alias = "recommendation")]
    pub superior_report: String,
    /// The closure letter is received (from its date).
    pub closure_notice: String,
    /// A rapid response is served (from the report's receipt).
    pub rco_service: String,
    /// A letter whose receipt is still unknown this many days after its date is flagged.
    pub pending_receipt_flag_days: u32,
    /// Reports of incidents older than this many years get a warning at intake.
    pub incident_age_warning_years: u32,
}

impl DeadlinesConfig {
    /// The domain's policy, or which entry is not a length.
    pub fn policy(&self) -> anyhow::Result<ombud_domain::DeadlinePolicy> {
        Ok(ombud_domain::DeadlinePolicy {
            completion: clock("completion", &self.completion)?,
            clarification: clock("clarification", &self.clarification)?,
            clarification_later_rounds: clock(
                "clarification_later_rounds",
                &self.clarification_later_rounds,
            )?,
            reporter_response: clock("reporter_response", &self.reporter_response)?,
            corrective_action: clock("corrective_action", &self.corrective_action)?,
            recommendation_delivery: clock(
                "recommendation_delivery",
                &self.recommendation_delivery,
            )?,
            superior_report: clock("superior_report", &self.superior_report)?,
            closure_notice: clock("closure_notice", &self.closure_notice)?,
            rco_service: clock("rco_service", &self.rco_service)?,
            pending_receipt_flag_days: self.pending_receipt_flag_days,
            incident_age_warning_years: self.incident_age_warning_years,
        })
    }
}

/// Parses `"30 days"` or `"30 working days"` (a positive count).
fn clock(name: &str, text: &str) -> anyhow::Result<ombud_domain::ClockRule> {
    use ombud_domain::DayUnit;
    let words: Vec<&str> = text.split_whitespace().collect();
    let unit = match words.get(1..) {
        Some(["day" | "days"]) => Some(DayUnit::Days),
        Some(["working", "day" | "days"]) => Some(DayUnit::WorkingDays),
        _ => None,
    };
    match (words.first().and_then(|n| n.parse::<u32>().ok()), unit) {
        (Some(length), Some(unit)) if length > 0 => Ok(ombud_domain::ClockRule { length, unit }),
        _ => anyhow::bail!(
            "deadlines.{name} = {text:?}: expected a positive number of days, e.g. \"30 days\" \
             or \"30 working days\""
        ),
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listen address.
    pub listen: String,
    /// Data directory.
    pub data: PathBuf,
    /// Holiday calendar file.
    pub holidays: PathBuf,
    /// Register of offices (empty: the built-in one, config/offices.toml).
    #[serde(default)]
    pub offices: PathBuf,
    /// Request body limit.
    pub body_limit: usize,
    /// Seconds `serve` waits for open requests after SIGTERM before it stops anyway.
    pub shutdown_grace_secs: u64,
    /// Seconds a client may take to send a request's headers before its connection closes.
    pub header_read_timeout_secs: u64,
    /// Seconds a client may take to send a request's body once its headers arrived.
    pub body_read_timeout_secs: u64,
    /// NATS.
    pub nats: NatsConfig,
    /// Secrets.
    pub security: SecurityConfig,
    /// Tokens.
    pub auth: AuthConfig,
    /// Clock lengths.
    pub deadlines: DeadlinesConfig,
    /// The live feed.
    pub feed: FeedSettings,
    /// The deadline engine.
    pub deadline_engine: DeadlineEngineConfig,
    /// The transparency log.
    pub log: LogConfig,
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// The value at `path` in `table`, if any.
fn lookup<'t>(table: &'t toml::Table, path: &[String]) -> Option<&'t toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut cursor = table;
    for key in parents {
        cursor = cursor.get(key)?.as_table()?;
    }
    cursor.get(last)
}

/// Loads defaults + `file` + environment.
pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
    let mut table: toml::Table = toml::from_str(DEFAULTS).context("the built-in defaults")?;
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the config file {}", path.display()))?;
        let overlay: toml::Table = toml::from_str(&text)
            .with_context(|| format!("parsing the config file {}", path.display()))?;
        merge(&mut table, overlay);
    }
    for (name, value) in std::env::vars() {
        let Some(path) = name.strip_prefix("OMBUD__") else {
            continue;
        };
        let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
        // A setting whose default is text stays text (a password of digits is not a number);
        // otherwise a TOML value (number, boolean; an array for write_keys and the log's
        // witnesses) if it parses as one, else text.
        let default_is_text = lookup(&table, &keys).is_some_and(toml::Value::is_str);
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .filter(|v| {
                !default_is_text
                    && !v.is_table()
                    && (!v.is_array()
                        || keys == ["security", "write_keys"]
                        || keys == ["log", "witnesses"]
                        || keys == ["log", "monitor_tokens_sha256"])
            })
            .unwrap_or(toml::Value::String(value));
        let mut overlay = toml::Table::new();
        let mut cursor = &mut overlay;
        for (i, key) in keys.iter().enumerate() {
            if i + 1 == keys.len() {
                cursor.insert(key.clone(), parsed.clone());
            } else {
                cursor = cursor
                    .entry(key.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                    .as_table_mut()
                    .context("environment override path")?;
            }
        }
        merge(&mut table, overlay);
    }
    let config: Config = toml::Value::Table(table)
        .try_into()
        .context("the configuration (defaults + file + OMBUD__ environment)")?;
    if !(1..=5).contains(&config.nats.replicas) {
        anyhow::bail!(
            "nats.replicas = {} (OMBUD__NATS__REPLICAS): JetStream allows 1 to 5",
            config.nats.replicas
        );
    }
    if [
        &config.nats.stream,
        &config.nats.key_bucket,
        &config.nats.access_stream,
        &config.nats.person_bucket,
    ]
    .iter()
    .any(|name| name.trim().is_empty())
    {
        anyhow::bail!(
            "nats.stream, nats.key_bucket, nats.access_stream and nats.person_bucket must not be empty"
        );
    }
    config.deadlines.policy()?;
    Ok(config)
}

impl Config {
    /// As TOML, secrets redacted.
    pub fn redacted(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        if !shown.security.master_key.is_empty() {
            shown.security.master_key = "<redacted>".into();
        }
        if !shown.security.blind_index_key.is_empty() {
            shown.security.blind_index_key = "<redacted>".into();
        }
        if !shown.log.signing_key.is_empty() {
            shown.log.signing_key = "<redacted>".into();
        }
        shown.security.write_keys = match &shown.security.write_keys {
            WriteKeysSetting::List(list) => WriteKeysSetting::List(
                list.iter()
                    .map(|k| WriteKeyConfig {
                        id: k.id.clone(),
                        key: "<redacted>".into(),
                    })
                    .collect(),
            ),
            WriteKeysSetting::Text(text) if text.trim().is_empty() => {
                WriteKeysSetting::Text(String::new())
            }
            WriteKeysSetting::Text(text) => WriteKeysSetting::Text(
                text.split(',')
                    .map(|k| format!("{}:<redacted>", k.split(':').next().unwrap_or("").trim()))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        };
        shown.nats.url = ombud_eventlog::jetstream::redact_url(&shown.nats.url);
        if !shown.nats.password.is_empty() {
            shown.nats.password = "<redacted>".into();
        }
        for user in &mut shown.auth.users {
            user.password_argon2id = "<redacted>".into();
        }
        for token in &mut shown.auth.tokens {
            token.token_sha256 = format!(
                "{}…",
                token.token_sha256.chars().take(8).collect::<String>()
            );
        }
        Ok(toml::to_string(&shown)?)
    }
}
