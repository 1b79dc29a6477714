//! The NATS JetStream backend: the production log. Ensures the stream exactly as the wire
//! contract says (created, or updated when its settings drifted, saying what changed),
//! publishes each event on its own subject with per-case optimistic concurrency
//! (`Nats-Expected-Last-Subject-Sequence` scoped by
//! `Nats-Expected-Last-Subject-Sequence-Subject: ombud.case.<id>.*`) and `Nats-Msg-Id`, reads
//! a case with direct gets by its subjects (no consumer per read), and feeds subscribers from
//! an ordered consumer that is recreated from the last delivered sequence after any
//! interruption.
//! The client reconnects by itself; while disconnected, appends fail as `Unavailable`.

mod keys;
mod privacy;
pub mod reader_consumers;

use std::time::Duration;

use async_nats::jetstream::consumer::pull::OrderedConfig;
use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{
    Config as StreamConfig, DirectGetErrorKind, DiscardPolicy, RetentionPolicy, StorageType,
};
use async_nats::jetstream::{self, Context};
use futures_util::StreamExt as _;
use ombud_domain::CaseId;
use ombud_envelope::subject::{all_cases_filter, case_filter};
use ombud_envelope::{StoredEvent, MAC_HEADER};
use tokio::sync::mpsc;

pub use keys::KvKeyStore;
pub use privacy::{KvPersonIndex, StreamAccessLog, ACCESS_SUBJECTS};

use crate::backend::{Backend, Outgoing, PublishFailure, Published, Subscription};
use crate::error::LogError;

/// The header carrying SHA-256 of the body.
pub const HASH_HEADER: &str = "Ombud-Hash";
const EXPECTED_SUBJECT_HEADER: &str = "Nats-Expected-Last-Subject-Sequence-Subject";
/// The least time start-up requests (creating streams and buckets) may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(15);

/// How long start-up waits for a stream or bucket to answer reads (a replicated one that was
/// just created elects its group's leader first, and until then reads get "no responders").
const READY_WAIT: Duration = Duration::from_secs(30);

/// Whether a failed read is one a stream still electing its leader gives (worth waiting for)
/// rather than a lasting refusal.
fn is_not_ready(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    [
        "no responders",
        "timed out",
        "timeout",
        "503",
        "leader",
        "temporarily unavailable",
    ]
    .iter()
    .any(|said| error.contains(said))
}

/// Runs `probe` (one read) until it answers, while its failure says the stream is not ready
/// yet, for up to [`READY_WAIT`]; any other failure, or the last one, is returned.
pub(crate) async fn wait_until_readable<F, Fut>(what: &str, mut probe: F) -> Result<(), LogError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let deadline = tokio::time::Instant::now() + READY_WAIT;
    let mut waited = false;
    loop {
        match probe().await {
            Ok(()) => {
                if waited {
                    tracing::info!("{what} answers reads now");
                }
                return Ok(());
            }
            Err(why) if is_not_ready(&why) && tokio::time::Instant::now() < deadline => {
                if !waited {
                    tracing::info!("waiting for {what} to answer reads ({why})");
                    waited = true;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(why) => {
                return Err(LogError::Unavailable {
                    reason: format!("{what} does not answer reads: {why}"),
                })
            }
        }
    }
}
/// The oldest server with `Nats-Expected-Last-Subject-Sequence-Subject`.
pub const MIN_SERVER: (u64, u64) = (2, 11);

/// How ombud authenticates to NATS.
#[derive(Clone, Default)]
pub enum NatsAuth {
    /// No credentials (a server that lets anyone in; ombud warns).
    #[default]
    None,
    /// A user and password.
    UserPassword {
        /// The user.
        user: String,
        /// The password.
        password: String,
    },
    /// A credentials file (JWT and nkey seed).
    CredsFile(std::path::PathBuf),
    /// A file holding an nkey seed.
    NkeyFile(std::path::PathBuf),
}

impl std::fmt::Debug for NatsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NatsAuth::None => f.write_str("None"),
            NatsAuth::UserPassword { user, .. } => write!(f, "UserPassword({user}, <redacted>)"),
            NatsAuth::CredsFile(path) => write!(f, "CredsFile({})", path.display()),
            NatsAuth::NkeyFile(path) => write!(f, "NkeyFile({})", path.display()),
        }
    }
}

/// Settings of the JetStream log.
#[derive(Debug, Clone)]
pub struct JetStreamConfig {
    /// Server URL(s), comma separated (`nats://a:4222,nats://b:4222`).
    pub url: String,
    /// The stream (`OMBUD_CASES`).
    pub stream: String,
    /// Replicas: 1 on one node, 3 in a cluster.
    pub replicas: usize,
    /// Window in which `Nats-Msg-Id` deduplicates retries (10 minutes).
    pub duplicate_window: Duration,
    /// The key-value bucket of wrapped data keys (`OMBUD_KEYS`).
    pub key_bucket: String,
    /// The stream of the access log (`OMBUD_ACCESS`).
    pub access_stream: String,
    /// The key-value bucket of the person index (`OMBUD_PERSONS`).
    pub person_bucket: String,
    /// How long a request (publish ack, read, key) may take before `Unavailable`.
    pub request_timeout: Duration,
    /// Credentials.
    pub auth: NatsAuth,
    /// A CA certificate to verify the server with (TLS required when set).
    pub tls_ca_file: Option<std::path::PathBuf>,
    /// A client certificate and its key.
    pub tls_client: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// Readers' consumer creations are refused once the stream holds this many consumers.
    pub reader_consumer_limit: usize,
}

impl JetStreamConfig {
    /// The defaults of `config/default.toml` `[nats]` for a server at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        JetStreamConfig {
            url: url.into(),
            stream: "OMBUD_CASES".into(),
            replicas: 1,
            duplicate_window: Duration::from_secs(600),
            key_bucket: "OMBUD_KEYS".into(),
            access_stream: "OMBUD_ACCESS".into(),
            person_bucket: "OMBUD_PERSONS".into(),
            request_timeout: Duration::from_secs(2),
            auth: NatsAuth::None,
            tls_ca_file: None,
            tls_client: None,
            reader_consumer_limit: 500,
        }
    }
}

/// What `connect` did to the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamSetup {
    /// The stream did not exist and was created.
    Created,
    /// The stream existed with the right settings.
    Unchanged,
    /// The stream's settings had drifted and were updated; each entry says what changed.
    Updated(Vec<String>),
}

/// The JetStream-backed log.
#[derive(Debug, Clone)]
pub struct JetStreamBackend {
    context: Context,
    /// The same connection with a longer timeout, for creating and updating streams and
    /// buckets at start-up (a cluster that has just elected its leaders can take seconds).
    setup: Context,
    config: JetStreamConfig,
    max_payload: usize,
}

fn unavailable(context: &str, error: impl std::fmt::Display) -> LogError {
    LogError::Unavailable {
        reason: format!("{context}: {error}"),
    }
}

/// The client options: name, timeouts, credentials, TLS, and a log line when the connection
/// is lost and when it is back (once each per outage).
async fn connect_options(config: &JetStreamConfig) -> Result<async_nats::ConnectOptions, LogError> {
    let mut options = async_nats::ConnectOptions::new()
        .connection_timeout(config.request_timeout)
        .request_timeout(Some(config.request_timeout))
        .name("ombud");
    let url = config.url.clone();
    let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    options = options.event_callback(move |event| {
        let (url, lost) = (url.clone(), lost.clone());
        async move {
            use std::sync::atomic::Ordering;
            match event {
                async_nats::Event::Disconnected if !lost.swap(true, Ordering::SeqCst) => {
                    tracing::error!(
                        %url,
                        "lost the connection to NATS: commands and reads answer 503 \
                         log_unavailable until it is back (reconnecting by itself)"
                    )
                }
                async_nats::Event::Connected if lost.swap(false, Ordering::SeqCst) => {
                    tracing::warn!(%url, "the connection to NATS is back")
                }
                other => tracing::debug!(%url, event = %other, "NATS client event"),
            }
        }
    });
    options = match &config.auth {
        NatsAuth::None => options,
        NatsAuth::UserPassword { user, password } => {
            options.user_and_password(user.clone(), password.clone())
        }
        NatsAuth::CredsFile(path) => options.credentials_file(path).await.map_err(|e| {
            LogError::failed(
                format!("reading the NATS credentials file {}", path.display()),
                e,
            )
        })?,
        NatsAuth::NkeyFile(path) => {
            let seed = std::fs::read_to_string(path).map_err(|e| {
                LogError::failed(format!("reading the nkey seed file {}", path.display()), e)
            })?;
            options.nkey(seed.trim().to_owned())
        }
    };
    if let Some(ca) = &config.tls_ca_file {
        options = options.add_root_certificates(ca.clone()).require_tls(true);
    }
    if let Some((cert, key)) = &config.tls_client {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    Ok(options)
}

/// `nats://user:password@host:4222` → (`nats://host:4222`, the user and password).
fn split_userinfo(url: &str) -> (String, Option<(String, String)>) {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let bare = match scheme {
        Some(scheme) => format!("{scheme}://{host}"),
        None => host.to_owned(),
    };
    (bare, Some((user.to_owned(), password.to_owned())))
}

/// The URL(s) with any password replaced by `<redacted>`, for messages and logs.
pub fn redact_url(urls: &str) -> String {
    urls.split(',')
        .map(|url| match split_userinfo(url.trim()) {
            (bare, Some((user, _))) => bare.replacen("://", &format!("://{user}:<redacted>@"), 1),
            (bare, None) => bare,
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `2.11.3` or `v2.11.3-beta` into (major, minor).
pub fn parse_server_version(text: &str) -> Option<(u64, u64)> {
    let mut parts = text.trim().trim_start_matches('v').split(['.', '-']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

impl JetStreamBackend {
    /// Connects, checks the server (≥ 2.11, JetStream enabled) and ensures the stream.
    pub async fn connect(config: JetStreamConfig) -> Result<(Self, StreamSetup), LogError> {
        // Credentials in a URL (`nats://user:password@host`) are taken out of it and sent
        // as the connection's user and password (the client would not send them), and no
        // message ever shows them.
        let mut config = config;
        let mut servers: Vec<async_nats::ServerAddr> = Vec::new();
        for url in config.url.split(',') {
            let (bare, userinfo) = split_userinfo(url.trim());
            if let (Some((user, password)), NatsAuth::None) = (userinfo, &config.auth) {
                config.auth = NatsAuth::UserPassword { user, password };
            }
            servers.push(
                bare.parse()
                    .map_err(|e| LogError::failed(format!("invalid NATS URL {bare:?}"), e))?,
            );
        }
        config.url = redact_url(&config.url);
        let client = connect_options(&config)
            .await?
            .connect(servers)
            .await
            .map_err(|e| {
                use async_nats::ConnectErrorKind;
                let context = format!("connecting to NATS at {}", config.url);
                match e.kind() {
                    ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => {
                        LogError::Storage(format!(
                            "{context}: the server refused ombud's credentials ({e}); set nats.user and nats.password (OMBUD__NATS__PASSWORD), or nats.creds_file / nats.nkey_file"
                        ))
                    }
                    ConnectErrorKind::Tls => LogError::failed(format!("{context}: TLS"), e),
                    _ => unavailable(&context, e),
                }
            })?;
        let info = client.server_info();
        if !info.auth_required {
            tracing::warn!(
                url = %config.url,
                "the NATS server let ombud in without credentials: anyone who can reach it can read the trail and publish on ombud.case.> (lock it: config/nats-server.conf)"
            );
        }
        match parse_server_version(&info.version) {
            Some(version) if version >= MIN_SERVER => {}
            _ => {
                return Err(LogError::Storage(format!(
                    "nats-server {} at {} is too old: ombud needs 2.11 or newer for per-case \
                     optimistic concurrency (Nats-Expected-Last-Subject-Sequence-Subject)",
                    info.version, config.url
                )))
            }
        }
        let context = jetstream::ContextBuilder::new()
            .timeout(config.request_timeout)
            .build(client.clone());
        let setup = jetstream::ContextBuilder::new()
            .timeout(config.request_timeout.max(SETUP_TIMEOUT))
            .build(client.clone());
        context.query_account().await.map_err(|e| {
            LogError::failed(
                format!(
                    "JetStream is not available at {} (is the server started with JetStream \
                     enabled, `-js` or a `jetstream {{}}` block?)",
                    config.url
                ),
                e,
            )
        })?;
        let backend = JetStreamBackend {
            max_payload: info.max_payload,
            context,
            setup,
            config,
        };
        let setup = backend.ensure_stream().await?;
        let stream = backend.config.stream.clone();
        let context = backend.context.clone();
        wait_until_readable(&format!("stream {stream}"), || {
            let (context, stream) = (context.clone(), stream.clone());
            async move {
                let stream = context
                    .get_stream_no_info(&stream)
                    .await
                    .map_err(|e| e.to_string())?;
                // A subject no event has: "not found" is an answer.
                match stream
                    .direct_get_last_for_subject(format!(
                        "ombud.case.{}.ready-probe",
                        uuid::Uuid::nil()
                    ))
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == DirectGetErrorKind::NotFound => Ok(()),
                    Err(e) => Err(e.to_string()),
                }
            }
        })
        .await?;
        Ok((backend, setup))
    }

    /// The stream settings ombud requires.
    pub fn desired_stream(&self) -> StreamConfig {
        StreamConfig {
            name: self.config.stream.clone(),
            subjects: vec![all_cases_filter()],
            storage: StorageType::File,
            retention: RetentionPolicy::Limits,
            discard: DiscardPolicy::Old,
            max_messages: -1,
            max_bytes: -1,
            max_age: Duration::ZERO,
            max_messages_per_subject: -1,
            deny_delete: true,
            deny_purge: true,
            allow_direct: true,
            duplicate_window: self.config.duplicate_window,
            num_replicas: self.config.replicas,
            ..Default::default()
        }
    }

    /// Creates the stream, or updates it when its settings drifted (and says what changed).
    /// Replicas are raised in place but never lowered: a process configured for fewer (a
    /// reader started without the cluster's config, say) keeps the stream's count and warns.
    pub async fn ensure_stream(&self) -> Result<StreamSetup, LogError> {
        let mut desired = self.desired_stream();
        match self.setup.get_stream(&desired.name).await {
            Ok(mut stream) => {
                let current = stream
                    .info()
                    .await
                    .map_err(|e| unavailable("reading the stream", e))?
                    .config
                    .clone();
                desired.num_replicas =
                    kept_replicas(&desired.name, current.num_replicas, desired.num_replicas);
                let changed = drift(&current, &desired);
                if changed.is_empty() {
                    return Ok(StreamSetup::Unchanged);
                }
                if current.storage != desired.storage {
                    return Err(LogError::Storage(format!(
                        "stream {} uses {:?} storage; ombud needs file storage, which cannot be \
                         changed in place (recreate the stream from a backup)",
                        desired.name, current.storage
                    )));
                }
                self.setup.update_stream(&desired).await.map_err(|e| {
                    LogError::failed(format!("updating stream {}", desired.name), e)
                })?;
                tracing::warn!(stream = %desired.name, ?changed, "stream settings had drifted and were updated");
                Ok(StreamSetup::Updated(changed))
            }
            Err(e) if is_not_found(&e) => {
                self.setup
                    .create_stream(desired.clone())
                    .await
                    .map_err(|e| {
                        LogError::failed(format!("creating stream {}", desired.name), e)
                    })?;
                Ok(StreamSetup::Created)
            }
            Err(e) => Err(unavailable("looking up the stream", e)),
        }
    }

    /// The JetStream context (requests time out after `request_timeout`).
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The JetStream context for start-up work (creating streams and buckets), with a longer
    /// timeout.
    pub fn setup_context(&self) -> &Context {
        &self.setup
    }

    /// The settings.
    pub fn config(&self) -> &JetStreamConfig {
        &self.config
    }
}

async fn ordered_consumer(
    context: &Context,
    stream: &str,
    filter: String,
    after: u64,
) -> Result<jetstream::consumer::Consumer<OrderedConfig>, LogError> {
    let stream = context
        .get_stream_no_info(stream)
        .await
        .map_err(|e| unavailable("opening the stream", e))?;
    stream
        .create_consumer(OrderedConfig {
            filter_subject: filter,
            deliver_policy: if after == 0 {
                DeliverPolicy::All
            } else {
                DeliverPolicy::ByStartSequence {
                    start_sequence: after + 1,
                }
            },
            ..Default::default()
        })
        .await
        .map_err(|e| unavailable("creating a reader", e))
}

/// The replica count to ask for when a stream has `current` and this process is configured
/// for `configured`: the larger. Lowering replicas gives up redundancy, so it is left to an
/// operator (`nats stream edit`), never done because one process was started with defaults.
fn kept_replicas(stream: &str, current: usize, configured: usize) -> usize {
    if current > configured {
        tracing::warn!(
            stream,
            current,
            configured,
            "the stream has more replicas than this process is configured for; keeping {current} \
             (set nats.replicas to match, or lower it deliberately with `nats stream edit`)"
        );
        current
    } else {
        configured
    }
}

fn is_not_found(error: &jetstream::context::GetStreamError) -> bool {
    use jetstream::context::GetStreamErrorKind;
    matches!(error.kind(), GetStreamErrorKind::JetStream(e) if e.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND)
}

/// The settings of `current` that differ from `desired`, in words.
fn drift(current: &StreamConfig, desired: &StreamConfig) -> Vec<String> {
    let mut changed = Vec::new();
    macro_rules! compare {
        ($($field:ident),+) => {$(
            if current.$field != desired.$field {
                changed.push(format!(
                    "{}: {:?} -> {:?}",
                    stringify!($field),
                    current.$field,
                    desired.$field
                ));
            }
        )+};
    }
    compare!(
        subjects,
        storage,
        retention,
        discard,
        max_messages,
        max_bytes,
        max_age,
        max_messages_per_subject,
        deny_delete,
        deny_purge,
        allow_direct,
        duplicate_window,
        num_replicas
    );
    changed
}

/// A failed concurrency check: error 10071 on a single server; a clustered stream answers
/// 10164 ("wrong last sequence" as a constant error), which async-nats reports as `Other`.
fn is_wrong_last_sequence(error: &jetstream::context::PublishError) -> bool {
    use std::error::Error as _;
    error.kind() == PublishErrorKind::WrongLastSequence
        || error
            .source()
            .and_then(|source| source.downcast_ref::<jetstream::Error>())
            .is_some_and(|e| {
                let code = e.error_code();
                code == jetstream::ErrorCode::STREAM_WRONG_LAST_SEQUENCE
                    || code == jetstream::ErrorCode::STREAM_WRONG_LAST_SEQUENCE_CONSTANT
            })
}

/// Messages one batched direct get answers at most.
const READ_BATCH: usize = 256;

/// A message of a batched direct get, as the log hands it on: its stream sequence and subject
/// travel in the `Nats-Sequence` and `Nats-Subject` headers.
fn batch_event(message: async_nats::Message) -> Result<StoredEvent, LogError> {
    let headers = message
        .headers
        .ok_or_else(|| LogError::Storage("a direct get answered without headers".into()))?;
    let header = |name: &str| headers.get(name).map(|v| v.as_str().to_owned());
    let standard =
        |name: async_nats::header::HeaderName| headers.get(name).map(|v| v.as_str().to_owned());
    let stream_seq = standard(async_nats::header::NATS_SEQUENCE)
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| LogError::Storage("a direct get answered without Nats-Sequence".into()))?;
    let subject = standard(async_nats::header::NATS_SUBJECT)
        .ok_or_else(|| LogError::Storage("a direct get answered without Nats-Subject".into()))?;
    Ok(StoredEvent {
        stream_seq,
        hash: header(HASH_HEADER),
        mac: header(MAC_HEADER),
        subject,
        body: message.payload.to_vec(),
    })
}

fn stored_event(message: &jetstream::Message) -> Result<StoredEvent, LogError> {
    let info = message
        .info()
        .map_err(|e| LogError::failed("reading a message's metadata", e))?;
    Ok(StoredEvent {
        stream_seq: info.stream_sequence,
        subject: message.subject.to_string(),
        hash: message
            .headers
            .as_ref()
            .and_then(|h| h.get(HASH_HEADER))
            .map(|v| v.as_str().to_owned()),
        mac: message
            .headers
            .as_ref()
            .and_then(|h| h.get(MAC_HEADER))
            .map(|v| v.as_str().to_owned()),
        body: message.payload.to_vec(),
    })
}

impl JetStreamBackend {
    /// Up to `limit` messages on `filter` after stream sequence `after`, by batched direct
    /// gets (READ_BATCH per request, each on its own reply inbox): a read, never a consumer.
    async fn direct_read(
        &self,
        filter: &str,
        after: u64,
        limit: usize,
        context: &'static str,
    ) -> Result<Vec<StoredEvent>, LogError> {
        let mut out = Vec::new();
        self.direct_read_each(filter, after, limit, context, |event| {
            out.push(event);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// [`JetStreamBackend::direct_read`], handing each message to `each` as its reply
    /// arrives; returns how many it handed.
    async fn direct_read_each<F>(
        &self,
        filter: &str,
        after: u64,
        limit: usize,
        context: &'static str,
        mut each: F,
    ) -> Result<usize, LogError>
    where
        F: FnMut(StoredEvent) -> Result<(), LogError>,
    {
        let client = self.context.client();
        let subject = format!("$JS.API.DIRECT.GET.{}", self.config.stream);
        let timeout = self.config.request_timeout;
        let mut handed = 0usize;
        let mut next = after.saturating_add(1);
        while handed < limit {
            let batch = READ_BATCH.min(limit - handed);
            let inbox = client.new_inbox();
            let mut replies = client
                .subscribe(inbox.clone())
                .await
                .map_err(|e| unavailable(context, e))?;
            let request = serde_json::json!({
                "seq": next, "next_by_subj": filter, "batch": batch,
            });
            client
                .publish_with_reply(subject.clone(), inbox, request.to_string().into())
                .await
                .map_err(|e| unavailable(context, e))?;
            let mut got = 0usize;
            loop {
                let reply = match tokio::time::timeout(timeout, replies.next()).await {
                    Ok(Some(reply)) => reply,
                    Ok(None) => return Err(unavailable(context, "the reply ended early")),
                    Err(_) => return Err(unavailable(context, "timed out")),
                };
                match reply.status.map(|s| s.as_u16()) {
                    // The end of a batch.
                    Some(204) => break,
                    // Nothing (more) on the subjects.
                    Some(404) => return Ok(handed),
                    Some(408) => return Err(unavailable(context, "the server timed out")),
                    Some(503) => {
                        return Err(unavailable(context, "no responders (JetStream down?)"))
                    }
                    Some(code) if code >= 400 => {
                        return Err(LogError::Storage(format!(
                            "{context}: the server answered {code} {}",
                            reply.description.unwrap_or_default()
                        )))
                    }
                    _ => {}
                }
                let event = batch_event(reply)?;
                next = event.stream_seq + 1;
                each(event)?;
                handed += 1;
                got += 1;
            }
            if got < batch {
                return Ok(handed);
            }
        }
        Ok(handed)
    }
}

impl Backend for JetStreamBackend {
    async fn publish(&self, message: Outgoing) -> Result<Published, PublishFailure> {
        let publish = PublishMessage::build()
            .payload(message.body)
            .message_id(&message.msg_id)
            .expected_last_subject_sequence(message.expected_last_seq)
            .header(
                EXPECTED_SUBJECT_HEADER,
                case_filter(message.case_id).as_str(),
            )
            .header(HASH_HEADER, message.hash.to_hex().as_str())
            .header(MAC_HEADER, message.mac.as_str());
        let ack = match self.context.send_publish(message.subject, publish).await {
            Ok(pending) => pending.await,
            Err(e) => Err(e),
        };
        match ack {
            Ok(ack) => Ok(Published {
                stream_seq: ack.sequence,
                duplicate: ack.duplicate,
            }),
            Err(e) if is_wrong_last_sequence(&e) => Err(PublishFailure::WrongLastSequence),
            Err(e) => Err(match e.kind() {
                PublishErrorKind::TimedOut
                | PublishErrorKind::BrokenPipe
                | PublishErrorKind::StreamNotFound
                | PublishErrorKind::MaxAckPending => {
                    PublishFailure::Failed(unavailable("appending to JetStream", e))
                }
                _ => PublishFailure::Failed(LogError::failed("JetStream refused the append", e)),
            }),
        }
    }

    async fn read_case(&self, case_id: CaseId, after: u64) -> Result<Vec<StoredEvent>, LogError> {
        // Batched direct gets by the case's subjects (nats-server 2.11): one request answers up
        // to READ_BATCH messages, and no consumer is created for a read (a consumer per read
        // lingered on the server for 30 s, and past the server's 1,000 per stream every office
        // got 503s).
        self.direct_read(&case_filter(case_id), after, usize::MAX, "reading a case")
            .await
    }

    async fn read_case_each<F>(&self, case_id: CaseId, after: u64, each: F) -> Result<(), LogError>
    where
        F: FnMut(StoredEvent) -> Result<(), LogError> + Send,
    {
        self.direct_read_each(
            &case_filter(case_id),
            after,
            usize::MAX,
            "reading a case",
            each,
        )
        .await
        .map(|_| ())
    }

    async fn read_range(&self, after: u64, limit: usize) -> Result<Vec<StoredEvent>, LogError> {
        self.direct_read(&all_cases_filter(), after, limit, "reading the log")
            .await
    }

    async fn subscribe(&self, after: u64) -> Result<Subscription, LogError> {
        let (tx, rx) = mpsc::channel(crate::SUBSCRIPTION_BUFFER);
        let context = self.context.clone();
        let stream = self.config.stream.clone();
        // Fail now, not silently in the task, if the stream cannot be read at all.
        let mut first = Some(ordered_consumer(&context, &stream, all_cases_filter(), after).await?);
        let task = tokio::spawn(async move {
            let mut next = after.saturating_add(1);
            let mut backoff = Duration::from_millis(50);
            loop {
                let consumer = match first.take() {
                    Some(consumer) => Ok(consumer),
                    None => ordered_consumer(&context, &stream, all_cases_filter(), next - 1).await,
                };
                match consumer {
                    Ok(consumer) => match consumer.messages().await {
                        Ok(mut messages) => {
                            while let Some(item) = messages.next().await {
                                let message = match item {
                                    Ok(message) => message,
                                    Err(e) => {
                                        tracing::debug!(error = %e, next, "subscription interrupted; resuming");
                                        break;
                                    }
                                };
                                let event = stored_event(&message);
                                if let Ok(event) = &event {
                                    if event.stream_seq < next {
                                        continue;
                                    }
                                    next = event.stream_seq + 1;
                                }
                                if tx.send(event).await.is_err() {
                                    return;
                                }
                                backoff = Duration::from_millis(50);
                            }
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "subscription could not start; retrying")
                        }
                    },
                    Err(e) => tracing::debug!(error = %e, "subscription could not start; retrying"),
                }
                if tx.is_closed() {
                    return;
                }
                // Back off while the server is away; the client reconnects by itself.
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        });
        Ok(Subscription::new(rx, task))
    }

    async fn head(&self) -> Result<u64, LogError> {
        let stream = self
            .context
            .get_stream(&self.config.stream)
            .await
            .map_err(|e| unavailable("reading the stream head", e))?;
        Ok(stream.cached_info().state.last_sequence)
    }

    fn max_body_bytes(&self) -> usize {
        // Leave room for the headers inside the server's max payload.
        self.max_payload.saturating_sub(1024)
    }

    fn available(&self) -> bool {
        self.context.client().connection_state() == async_nats::connection::State::Connected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_taken_out_and_never_shown() {
        assert_eq!(
            split_userinfo("nats://ombud:s3cret@n1:4222"),
            (
                "nats://n1:4222".into(),
                Some(("ombud".into(), "s3cret".into()))
            )
        );
        assert_eq!(
            split_userinfo("nats://n1:4222"),
            ("nats://n1:4222".into(), None)
        );
        assert_eq!(
            redact_url("nats://ombud:s3cret@n1:4222, nats://n2:4222"),
            "nats://ombud:<redacted>@n1:4222,nats://n2:4222"
        );
    }

    #[test]
    fn server_versions_parse_and_compare_with_the_minimum() {
        assert_eq!(parse_server_version("2.11.3"), Some((2, 11)));
        assert_eq!(parse_server_version("v2.12.0-beta.1"), Some((2, 12)));
        assert!(parse_server_version("2.10.29").unwrap() < MIN_SERVER);
        assert!(parse_server_version("2.15.1").unwrap() >= MIN_SERVER);
        assert_eq!(parse_server_version("nonsense"), None);
    }
}
