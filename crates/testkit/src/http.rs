//! The tests' HTTP/1.1 client: hyper's, one request per connection. [`request`] reads the
//! whole answer; [`open`] returns the answer's head at once and its body as it streams (for
//! the SSE feed).

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    /// Its status code.
    pub status: u16,
    /// Its headers.
    pub headers: hyper::HeaderMap,
    /// Its body.
    pub body: Bytes,
}

/// An answer whose body is still arriving.
#[derive(Debug)]
pub struct Streaming {
    /// Its status code.
    pub status: u16,
    /// Its headers.
    pub headers: hyper::HeaderMap,
    body: Incoming,
}

impl Streaming {
    /// The next piece of the body; `None` once it has ended (or broke off).
    pub async fn next(&mut self) -> Option<Bytes> {
        loop {
            match self.body.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        return Some(data);
                    }
                }
                Err(_) => return None,
            }
        }
    }
}

/// Sends `method path` with `headers` and `body` to `addr` (`host:port`), and returns the
/// answer's head with the body still streaming.
pub async fn open(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> std::io::Result<Streaming> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
    tokio::spawn(connection);
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, addr);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = builder
        .body(http_body_util::Full::new(Bytes::from(body)))
        .map_err(std::io::Error::other)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(std::io::Error::other)?;
    let (head, body) = response.into_parts();
    Ok(Streaming {
        status: head.status.as_u16(),
        headers: head.headers,
        body,
    })
}

/// [`open`], then the whole body.
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> std::io::Result<Answer> {
    let answer = open(addr, method, path, headers, body).await?;
    let body = answer
        .body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    Ok(Answer {
        status: answer.status,
        headers: answer.headers,
        body,
    })
}
