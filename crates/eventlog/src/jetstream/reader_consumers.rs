//! Consumers a downstream reader makes for itself. The `subscriber` user (account READERS,
//! `config/nats-auth.conf`) may not reach the JetStream API's consumer creation: a consumer
//! lives in ombud's account, and a push consumer's `deliver_subject`, chosen by its creator,
//! is published to inside that account (a data key in the key bucket, the access log). So the
//! shipped config routes the reader's `JS.OMBUD.API.CONSUMER.CREATE…`, `…DURABLE.CREATE…` and
//! `…DELETE…` requests to ombud (`ombud.readers.api.CONSUMER.…`), and this module answers
//! them: it passes on a pull consumer on the event stream, with the settings of an allowlist
//! only, marked as a reader's in its metadata, and refuses a push consumer, any other setting,
//! a change to an existing consumer, the deletion of a consumer that is not a reader's, and
//! any creation once the stream holds `reader_consumer_limit` consumers (so readers alone
//! never fill the server with consumers). Answers have the JetStream API's shape, so an ordinary client with the
//! API prefix `JS.OMBUD.API` creates, uses and deletes its consumers as usual.

use std::time::Duration;

use async_nats::jetstream::Context;
use futures_util::StreamExt as _;
use serde_json::{json, Map, Value};
use tokio::sync::watch;

/// The subjects ombud answers for readers: `ombud.readers.api.CONSUMER.…`, the JetStream API
/// subject with `$JS.API` replaced.
pub const READER_API_PREFIX: &str = "ombud.readers.api";
/// The metadata key marking a consumer as made by a reader (its value: `"true"`).
pub const READER_METADATA_KEY: &str = "ombud_reader";
/// Every ombud process subscribes in this queue group, so each request is answered once.
const QUEUE_GROUP: &str = "ombud-reader-consumers";

/// Why a reader's request was refused (the `description` of the JetStream-shaped error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP-like status code of the JetStream API error (400, 403, 404, 429, 503).
    pub code: u16,
    /// The error code (ombud's own range, 10900–10999).
    pub err_code: u32,
    /// What happened, for the reader's log.
    pub description: String,
}

impl Refusal {
    fn new(code: u16, err_code: u32, description: impl Into<String>) -> Self {
        Refusal {
            code,
            err_code,
            description: description.into(),
        }
    }

    /// The JetStream API error answer of type `kind` (`consumer_create_response`, …).
    fn answer(&self, kind: &str) -> Vec<u8> {
        json!({
            "type": format!("io.nats.jetstream.api.v1.{kind}"),
            "error": {
                "code": self.code,
                "err_code": self.err_code,
                "description": self.description,
            }
        })
        .to_string()
        .into_bytes()
    }
}

/// A reader's request, as read from its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Request {
    /// `CONSUMER.CREATE.<stream>[.<name>[.<filter>]]` or `CONSUMER.DURABLE.CREATE.<stream>.<name>`.
    Create { api_subject: String },
    /// `CONSUMER.DELETE.<stream>.<name>`.
    Delete { api_subject: String, name: String },
}

/// Reads `ombud.readers.api.CONSUMER.…` into a request on `stream`, or refuses it.
fn parse_subject(subject: &str, stream: &str) -> Result<Request, Refusal> {
    let rest = subject
        .strip_prefix(READER_API_PREFIX)
        .and_then(|r| r.strip_prefix('.'))
        .ok_or_else(|| Refusal::new(404, 10904, "not a reader API subject"))?;
    let api_subject = format!("$JS.API.{rest}");
    let tokens: Vec<&str> = rest.split('.').collect();
    let on_stream = |token: Option<&&str>| token == Some(&stream);
    match tokens.as_slice() {
        ["CONSUMER", "CREATE", s, ..] if on_stream(Some(s)) => Ok(Request::Create { api_subject }),
        ["CONSUMER", "DURABLE", "CREATE", s, _name] if on_stream(Some(s)) => {
            Ok(Request::Create { api_subject })
        }
        ["CONSUMER", "DELETE", s, name] if on_stream(Some(s)) => Ok(Request::Delete {
            api_subject,
            name: (*name).to_owned(),
        }),
        _ => Err(Refusal::new(
            404,
            10904,
            format!("ombud: readers may create and delete pull consumers on {stream} only"),
        )),
    }
}

/// The fields of a consumer's config a reader may set: those of a pull consumer reading the
/// stream. Anything else (push delivery, `direct` and `sourcing`, which the server keeps for
/// mirrors and sources and exempts from its consumer limits, `sample_freq`, which publishes
/// ack metrics inside ombud's account, fields of future servers) is refused when set and
/// dropped when it holds its empty default (clients send some of those as `0`, `false` or
/// `""`).
const READER_CONFIG_FIELDS: &[&str] = &[
    "name",
    "durable_name",
    "description",
    "deliver_policy",
    "opt_start_seq",
    "opt_start_time",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "backoff",
    "filter_subject",
    "filter_subjects",
    "replay_policy",
    "max_waiting",
    "max_ack_pending",
    "headers_only",
    "max_batch",
    "max_expires",
    "max_bytes",
    "inactive_threshold",
    "num_replicas",
    "mem_storage",
    "metadata",
];
/// The fields of the request itself (`action` is always set to `create`).
const REQUEST_FIELDS: &[&str] = &["stream_name", "config", "action", "pedantic"];
/// Push delivery: refused with its own message.
const PUSH_FIELDS: &[&str] = &[
    "deliver_subject",
    "deliver_group",
    "idle_heartbeat",
    "flow_control",
];
/// At most this many filter subjects, metadata entries and backoff steps.
const MAX_LIST: usize = 64;

/// Whether a JSON value is its type's empty default (`null`, `false`, `0`, `""`, `[]`, `{}`).
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// Keeps the `allowed` keys of `map`; drops the others that are empty; names the first other
/// that is set.
fn keep_allowed(map: &mut Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    if let Some((key, _)) = map
        .iter()
        .find(|(key, value)| !allowed.contains(&key.as_str()) && !is_empty(value))
    {
        return Err(key.clone());
    }
    map.retain(|key, _| allowed.contains(&key.as_str()));
    Ok(())
}

/// The creation request as it is passed on: only a pull consumer with the fields a reader may
/// set, always a creation (never a change to an existing consumer), marked as a reader's. The
/// JSON is parsed and written again, so the server reads exactly what was checked (no
/// duplicate keys).
fn checked_create_body(body: &[u8]) -> Result<Vec<u8>, Refusal> {
    let bad = |why: &str| Refusal::new(400, 10900, format!("ombud: {why}"));
    let mut request: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|e| bad(&format!("the request is not a JSON object ({e})")))?;
    // nats-server reads JSON with Go's encoding/json, which matches a key to a field without
    // regard to case (and folds `ſ` to `s`, `K` to `k`): `DELIVER_SUBJECT` would be read as
    // `deliver_subject`. Every JetStream API field is plain snake_case, so other keys are
    // refused rather than guessed at, empty or not.
    let plain = |map: &Map<String, Value>| {
        map.keys()
            .find(|key| {
                !key.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            })
            .cloned()
    };
    if let Some(key) = plain(&request) {
        return Err(bad(&format!("unexpected key {key:?} in the request")));
    }
    keep_allowed(&mut request, REQUEST_FIELDS)
        .map_err(|key| bad(&format!("readers may not send `{key}`")))?;
    let config = request
        .get_mut("config")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| bad("the request has no consumer `config` object"))?;
    if let Some(key) = plain(config) {
        return Err(bad(&format!(
            "unexpected key {key:?} in the consumer config"
        )));
    }
    keep_allowed(config, READER_CONFIG_FIELDS).map_err(|key| {
        if PUSH_FIELDS.contains(&key.as_str()) {
            Refusal::new(
                403,
                10901,
                format!(
                    "ombud: readers may create pull consumers only (`{key}` makes a push \
                     consumer, which would deliver inside ombud's account)"
                ),
            )
        } else {
            Refusal::new(
                403,
                10901,
                format!("ombud: readers may not set `{key}` on a consumer"),
            )
        }
    })?;
    for list in ["filter_subjects", "backoff"] {
        if config
            .get(list)
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() > MAX_LIST)
        {
            return Err(bad(&format!("at most {MAX_LIST} entries in `{list}`")));
        }
    }
    let metadata = config
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return Err(bad("`metadata` must be an object"));
    };
    if metadata.len() >= MAX_LIST {
        return Err(bad(&format!("at most {} metadata entries", MAX_LIST - 1)));
    }
    metadata.insert(READER_METADATA_KEY.into(), Value::String("true".into()));
    // A creation never changes an existing consumer (ombud's own, or another reader's).
    request.insert("action".into(), Value::String("create".into()));
    serde_json::to_vec(&request).map_err(|e| bad(&format!("encoding the request: {e}")))
}

/// Whether a consumer's info (a `consumer_info_response`) marks it as a reader's.
fn is_readers(info: &Value) -> bool {
    info.pointer(&format!("/config/metadata/{READER_METADATA_KEY}"))
        .and_then(Value::as_str)
        == Some("true")
}

/// Answers readers' consumer requests on `context`'s connection for `stream`, until `stop`.
pub struct ReaderConsumers {
    context: Context,
    stream: String,
    limit: usize,
    timeout: Duration,
    /// Held from counting the consumers to creating one, so requests at once cannot all pass
    /// the same count (several ombud processes may still overrun the limit by one each).
    creating: tokio::sync::Mutex<()>,
}

/// Requests answered at once by one process; more wait in the subscription.
const AT_ONCE: usize = 8;

impl ReaderConsumers {
    /// Answers for `stream`; refuses creations once it holds `limit` consumers.
    pub fn new(
        context: Context,
        stream: impl Into<String>,
        limit: usize,
        timeout: Duration,
    ) -> Self {
        ReaderConsumers {
            context,
            stream: stream.into(),
            limit,
            timeout,
            creating: tokio::sync::Mutex::new(()),
        }
    }

    /// Subscribes and answers every request until `stop` turns true. A request is answered
    /// in its own task; one that fails is answered with a JetStream-shaped error.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let client = self.context.client();
        let subject = format!("{READER_API_PREFIX}.CONSUMER.>");
        let mut requests = loop {
            match client
                .queue_subscribe(subject.clone(), QUEUE_GROUP.into())
                .await
            {
                Ok(subscription) => break subscription,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot subscribe to readers' consumer requests; retrying");
                    tokio::select! {
                        _ = stop.wait_for(|s| *s) => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        };
        let this = std::sync::Arc::new(self);
        let turns = std::sync::Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
        loop {
            let message = tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                message = requests.next() => match message {
                    Some(message) => message,
                    None => return,
                },
            };
            let Some(reply) = message.reply.clone() else {
                continue;
            };
            let Ok(turn) = turns.clone().acquire_owned().await else {
                return;
            };
            let this = this.clone();
            let client = client.clone();
            tokio::spawn(async move {
                let _turn = turn;
                let answer = this
                    .answer(message.subject.as_str(), &message.payload)
                    .await;
                if let Err(e) = client.publish(reply, answer.into()).await {
                    tracing::debug!(error = %e, "answering a reader's consumer request");
                }
            });
        }
    }

    /// The answer to one request (the server's own, or ombud's refusal).
    async fn answer(&self, subject: &str, body: &[u8]) -> Vec<u8> {
        match parse_subject(subject, &self.stream) {
            Ok(Request::Create { api_subject }) => self
                .create(&api_subject, body)
                .await
                .unwrap_or_else(|r| r.answer("consumer_create_response")),
            Ok(Request::Delete { api_subject, name }) => self
                .delete(&api_subject, &name)
                .await
                .unwrap_or_else(|r| r.answer("consumer_delete_response")),
            Err(refusal) => refusal.answer("error_response"),
        }
    }

    async fn create(&self, api_subject: &str, body: &[u8]) -> Result<Vec<u8>, Refusal> {
        let body = checked_create_body(body)?;
        let _creating = self.creating.lock().await;
        let info = self
            .request(&format!("$JS.API.STREAM.INFO.{}", self.stream), Vec::new())
            .await?;
        let count = info
            .pointer("/state/consumer_count")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if count >= self.limit as u64 {
            return Err(Refusal::new(
                429,
                10902,
                format!(
                    "ombud: {} already holds {count} consumers (reader_consumer_limit {}): \
                     delete consumers you no longer use",
                    self.stream, self.limit
                ),
            ));
        }
        let answer = self.raw_request(api_subject, body).await?;
        if let Ok(created) = serde_json::from_slice::<Value>(&answer) {
            if created.get("error").is_none() {
                let name = created.get("name").and_then(Value::as_str).unwrap_or("");
                tracing::info!(
                    consumer = name,
                    "a reader created a consumer on the event stream"
                );
            }
        }
        Ok(answer)
    }

    async fn delete(&self, api_subject: &str, name: &str) -> Result<Vec<u8>, Refusal> {
        let info = self
            .request(
                &format!("$JS.API.CONSUMER.INFO.{}.{name}", self.stream),
                Vec::new(),
            )
            .await?;
        if let Some(error) = info.get("error") {
            return Err(Refusal::new(
                error.get("code").and_then(Value::as_u64).unwrap_or(404) as u16,
                error
                    .get("err_code")
                    .and_then(Value::as_u64)
                    .unwrap_or(10014) as u32,
                error
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("consumer not found"),
            ));
        }
        if !is_readers(&info) {
            return Err(Refusal::new(
                403,
                10903,
                format!("ombud: {name} was not made by a reader; readers delete only their own consumers"),
            ));
        }
        self.raw_request(api_subject, Vec::new()).await
    }

    async fn request(&self, subject: &str, body: Vec<u8>) -> Result<Value, Refusal> {
        let answer = self.raw_request(subject, body).await?;
        serde_json::from_slice(&answer).map_err(|e| {
            Refusal::new(
                503,
                10905,
                format!("ombud: unreadable answer from JetStream: {e}"),
            )
        })
    }

    async fn raw_request(&self, subject: &str, body: Vec<u8>) -> Result<Vec<u8>, Refusal> {
        let client = self.context.client();
        match tokio::time::timeout(
            self.timeout,
            client.request(subject.to_owned(), body.into()),
        )
        .await
        {
            Ok(Ok(message)) => Ok(message.payload.to_vec()),
            Ok(Err(e)) => Err(Refusal::new(503, 10905, format!("ombud: JetStream: {e}"))),
            Err(_) => Err(Refusal::new(
                503,
                10905,
                "ombud: JetStream did not answer in time",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_the_stream_and_the_kind_of_request() {
        let create = |s: &str| parse_subject(&format!("{READER_API_PREFIX}.{s}"), "OMBUD_CASES");
        assert_eq!(
            create("CONSUMER.CREATE.OMBUD_CASES.dash.ombud.case.>"),
            Ok(Request::Create {
                api_subject: "$JS.API.CONSUMER.CREATE.OMBUD_CASES.dash.ombud.case.>".into()
            })
        );
        assert!(matches!(
            create("CONSUMER.DURABLE.CREATE.OMBUD_CASES.dash"),
            Ok(Request::Create { .. })
        ));
        assert!(matches!(
            create("CONSUMER.CREATE.OMBUD_CASES"),
            Ok(Request::Create { .. })
        ));
        assert_eq!(
            create("CONSUMER.DELETE.OMBUD_CASES.dash"),
            Ok(Request::Delete {
                api_subject: "$JS.API.CONSUMER.DELETE.OMBUD_CASES.dash".into(),
                name: "dash".into()
            })
        );
        for other in [
            "CONSUMER.CREATE.KV_OMBUD_KEYS.x",
            "CONSUMER.CREATE.OMBUD_ACCESS",
            "CONSUMER.DELETE.OMBUD_CASES",
            "STREAM.PURGE.OMBUD_CASES",
        ] {
            assert_eq!(create(other).map_err(|r| r.code), Err(404), "{other}");
        }
    }

    #[test]
    fn only_a_pull_creation_marked_as_a_readers_is_passed_on() {
        let pass = |body: Value| checked_create_body(body.to_string().as_bytes());
        let passed: Value = serde_json::from_slice(
            &pass(
                json!({"stream_name": "OMBUD_CASES", "config": {"durable_name": "dash",
                "metadata": {"team": "x"}}, "action": "update"}),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(passed["action"], "create", "never a change to a consumer");
        assert_eq!(passed["config"]["metadata"]["team"], "x");
        assert!(is_readers(&passed));
        for push in [
            json!({"config": {"deliver_subject": "$KV.OMBUD_KEYS.x"}}),
            json!({"config": {"deliver_group": "g"}}),
            json!({"config": {"direct": true}}),
            json!({"config": {"sourcing": true}}),
            json!({"config": {"sample_freq": "100%"}}),
            json!({"config": {"a_field_of_a_future_server": 1}}),
        ] {
            assert_eq!(pass(push.clone()).map_err(|r| r.code), Err(403), "{push}");
        }
        // Empty defaults of other fields are dropped, not passed on.
        let defaults: Value = serde_json::from_slice(
            &pass(
                json!({"config": {"deliver_subject": null, "flow_control": false,
                "idle_heartbeat": 0, "sample_freq": "", "ack_policy": "explicit"}}),
            )
            .unwrap(),
        )
        .unwrap();
        let kept: Vec<&String> = defaults["config"].as_object().unwrap().keys().collect();
        assert_eq!(kept, ["ack_policy", "metadata"]);
        assert_eq!(
            pass(json!({"config": {}, "no_wait": true})).map_err(|r| r.code),
            Err(400)
        );
        let many: Vec<String> = (0..=MAX_LIST)
            .map(|i| format!("ombud.case.{i}.>"))
            .collect();
        assert_eq!(
            pass(json!({"config": {"filter_subjects": many}})).map_err(|r| r.code),
            Err(400)
        );
        // A duplicate key is read once and written once: the server sees what was checked.
        let duplicated =
            br#"{"config": {"deliver_subject": "", "deliver_subject": "$KV.OMBUD_KEYS.x"}}"#;
        assert_eq!(
            checked_create_body(duplicated).map_err(|r| r.code),
            Err(403)
        );
        // Go's JSON reader would take these for `deliver_subject` and `config`.
        for folded in [
            json!({"config": {"DELIVER_SUBJECT": "$KV.OMBUD_KEYS.x"}}),
            json!({"config": {"deliver_\u{17f}ubject": "$KV.OMBUD_KEYS.x"}}),
            json!({"config": {}, "Config": {"deliver_subject": "$KV.OMBUD_KEYS.x"}}),
        ] {
            assert_eq!(
                pass(folded.clone()).map_err(|r| r.code),
                Err(400),
                "{folded}"
            );
        }
        for bad in [&b"[]"[..], b"{}", b"{\"config\": 1}", b"not json"] {
            assert_eq!(checked_create_body(bad).map_err(|r| r.code), Err(400));
        }
        let refusal = Refusal::new(403, 10901, "no");
        let answer: Value =
            serde_json::from_slice(&refusal.answer("consumer_create_response")).unwrap();
        assert_eq!(answer["error"]["code"], 403);
        assert_eq!(
            answer["type"],
            "io.nats.jetstream.api.v1.consumer_create_response"
        );
    }
}
