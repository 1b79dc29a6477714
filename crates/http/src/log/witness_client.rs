//! The log's side of C2SP tlog-witness: `POST <prefix>/add-checkpoint` to a witness over
//! HTTP/1.1, bounded in time, answering its status and body. Plain `http://` only: put a
//! witness reached across a network behind a TLS tunnel or proxy on the log's host.

use std::time::Duration;

use http_body_util::{BodyExt as _, Full};

/// The largest answer read from a witness.
const MAX_ANSWER: usize = 64 * 1024;

/// Posts `body` to `<prefix>/add-checkpoint`; the answer's status and text.
pub(crate) async fn post_add_checkpoint(
    prefix: &str,
    body: String,
    timeout: Duration,
) -> Result<(u16, String), String> {
    let rest = prefix
        .strip_prefix("http://")
        .ok_or_else(|| format!("{prefix:?}: only http:// witness URLs are supported"))?;
    let (host, path) = match rest.split_once('/') {
        Some((host, path)) => (host, format!("/{}", path.trim_end_matches('/'))),
        None => (rest, String::new()),
    };
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| format!("connecting to {host}: {e}"))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| format!("HTTP with {host}: {e}"))?;
        tokio::spawn(connection);
        let request = hyper::Request::builder()
            .method("POST")
            .uri(format!("{path}/add-checkpoint"))
            .header(hyper::header::HOST, host)
            .header(hyper::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Full::new(bytes::Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("sending to {host}: {e}"))?;
        let status = response.status().as_u16();
        let limited = http_body_util::Limited::new(response.into_body(), MAX_ANSWER);
        let bytes = limited
            .collect()
            .await
            .map_err(|e| format!("reading the answer of {host}: {e}"))?
            .to_bytes();
        Ok::<_, String>((status, String::from_utf8_lossy(&bytes).into_owned()))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
}
