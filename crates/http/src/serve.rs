//! Serving the router: the accept loop of `ombud serve` (and of the benchmarks, so the HTTP
//! floor runs on the same stack). HTTP/1.1 with keep-alive, `TCP_NODELAY` on every
//! connection, a bound on how long a client may take to send its request headers (a
//! connection that trickles them, slow-loris style, is closed), and a graceful shutdown that
//! stops accepting, lets requests in flight finish, gives a connection accepted just before
//! it a moment to send its first request, and closes idle keep-alive connections.

use std::future::Future;
use std::time::Duration;

use std::net::SocketAddr;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Limits on what a connection may hold.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// How long a client may take to send a request's headers (from the connection's start
    /// or the end of its last answer) before the connection is closed.
    pub header_read_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and waits
/// for the connections to finish (bound that wait from outside). The listener closes then
/// unless someone else holds it (the application keeps it while it reopens its storage).
pub async fn serve(
    listener: std::sync::Arc<TcpListener>,
    router: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let (closing, closing_seen) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    // Every connection's task: aborted when this future is dropped (a shutdown that gave up
    // waiting), so no connection outlives the server and what it holds.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A client that went away while being accepted: nothing to do.
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!(error = %e, "cannot accept a connection; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on a connection");
        }
        connections.spawn(connection(
            &builder,
            stream,
            peer,
            router.clone(),
            closing_seen.clone(),
            FIRST_REQUEST_WAIT,
        ));
        // Forget the connections that ended.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    closing.send_replace(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// How long a connection accepted before the shutdown may take to send its first request.
/// hyper's graceful shutdown closes a connection it has read nothing from, so a client that
/// connected just before a hand-off (the 503 answerer of `serve --demo` giving way to the
/// real server) would see its connection closed without an answer.
pub const FIRST_REQUEST_WAIT: Duration = Duration::from_millis(500);

/// Serves one connection until it ends; once `closing` turns true, lets the request in
/// progress (or a first request still on its way, up to `first_request_wait`) be answered
/// and closes the connection after it.
pub fn connection(
    builder: &http1::Builder,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut closing: watch::Receiver<bool>,
    first_request_wait: Duration,
) -> impl Future<Output = ()> + Send + 'static {
    let (asked, mut asked_seen) = watch::channel(false);
    let asked = std::sync::Arc::new(asked);
    let service = TowerToHyperService::new(tower::ServiceExt::map_request(
        router,
        move |mut request: hyper::Request<hyper::body::Incoming>| {
            asked.send_replace(true);
            // The client's address, for what is limited per client (the web sign-in's
            // lock-out).
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            request
        },
    ));
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    async move {
        let mut connection = std::pin::pin!(connection);
        let ended = 'ended: {
            tokio::select! {
                ended = connection.as_mut() => break 'ended ended,
                _ = closing.wait_for(|c| *c) => {}
            }
            // Closing: a connection that has not asked yet gets a moment to.
            let first = tokio::time::timeout(first_request_wait, asked_seen.wait_for(|a| *a));
            tokio::select! {
                ended = connection.as_mut() => break 'ended ended,
                _ = first => {}
            }
            connection.as_mut().graceful_shutdown();
            connection.await
        };
        if let Err(e) = ended {
            tracing::debug!(error = %e, "a connection ended with an error");
        }
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A connection accepted and then told to close before its client wrote anything.
    async fn closing_before_the_request(
        first_request_wait: Duration,
    ) -> (TcpStream, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (stream, peer) = listener.accept().await.unwrap();
        let router = Router::new().route("/", axum::routing::get(|| async { "answered" }));
        let (closing, closing_seen) = watch::channel(false);
        let task = tokio::spawn(connection(
            &http1::Builder::new(),
            stream,
            peer,
            router,
            closing_seen,
            first_request_wait,
        ));
        closing.send_replace(true);
        (client, task)
    }

    #[tokio::test]
    async fn a_request_sent_just_after_the_shutdown_on_an_accepted_connection_is_answered() {
        // Long enough that the test never races it: with no wait at all (hyper's own graceful
        // shutdown) the connection is closed unanswered within the 50 ms below.
        let (mut client, task) = closing_before_the_request(Duration::from_secs(30)).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        client
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
        assert!(answer.ends_with("answered"), "{answer:?}");
        task.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_never_asks_is_closed_after_the_wait() {
        let (mut client, task) = closing_before_the_request(FIRST_REQUEST_WAIT).await;
        let started = tokio::time::Instant::now();
        task.await.unwrap();
        assert!(started.elapsed() >= FIRST_REQUEST_WAIT);
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "closed without an answer");
    }
}
