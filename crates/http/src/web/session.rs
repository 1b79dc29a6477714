//! Web sessions: who signed in, and the CSRF token every form of their session carries. A
//! session lives in this process's memory (signing in again after a restart is the price of
//! keeping no session store on disk), behind an HttpOnly, SameSite=Strict cookie that is also
//! Secure when ombud serves beyond loopback. Sign-in attempts are limited: after
//! [`MAX_FAILURES`] failed ones within [`LOCKOUT`] from one client, that client is refused
//! until the window has passed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use ombud_domain::Actor;
use sha2::{Digest, Sha256};

/// The session cookie.
pub const SESSION_COOKIE: &str = "ombud_session";
/// The cookie holding the sign-in form's CSRF token (before any session exists).
pub const SIGNIN_COOKIE: &str = "ombud_signin";
/// The language cookie (`id` or `en`).
pub const LANG_COOKIE: &str = "ombud_lang";
/// How long a session lasts without being used.
pub const IDLE: Duration = Duration::from_secs(8 * 3600);
/// Failed sign-ins a client may make within [`LOCKOUT`].
pub const MAX_FAILURES: usize = 5;
/// The window of failed sign-ins, and how long a locked-out client waits.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who.
    pub actor: Actor,
    /// The token every form of this session must carry.
    pub csrf: String,
    last_used: Instant,
}

/// The process's web sessions and sign-in failures.
#[derive(Debug)]
pub struct WebSessions {
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<IpAddr, Vec<Instant>>>,
    /// Set the cookies' Secure attribute (ombud serves beyond loopback).
    pub secure: bool,
}

impl Default for WebSessions {
    fn default() -> Self {
        WebSessions::new(false)
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A fresh random token (256 bits, hex).
pub fn random_token() -> String {
    ombud_envelope::MasterKey::generate().to_hex()
}

/// Whether two secrets are equal, without an early exit on the first differing byte.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

impl WebSessions {
    /// No sessions yet; cookies Secure when `secure`.
    pub fn new(secure: bool) -> Self {
        WebSessions {
            sessions: Mutex::default(),
            failures: Mutex::default(),
            secure,
        }
    }

    /// Opens a session for `actor`; returns its id.
    pub fn open(&self, actor: Actor) -> String {
        let id = random_token();
        let mut sessions = locked(&self.sessions);
        sessions.retain(|_, s| s.last_used.elapsed() < IDLE);
        sessions.insert(
            id.clone(),
            Session {
                actor,
                csrf: random_token(),
                last_used: Instant::now(),
            },
        );
        id
    }

    /// The session a request's cookie names, if it is open.
    pub fn of(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let mut sessions = locked(&self.sessions);
        let session = sessions.get_mut(&id)?;
        if session.last_used.elapsed() >= IDLE {
            sessions.remove(&id);
            return None;
        }
        session.last_used = Instant::now();
        Some((id, session.clone()))
    }

    /// Ends a session.
    pub fn close(&self, id: &str) {
        locked(&self.sessions).remove(id);
    }

    /// Whether `client` is locked out after too many failed sign-ins.
    pub fn locked_out(&self, client: IpAddr) -> bool {
        let mut failures = locked(&self.failures);
        let recent = failures.entry(client).or_default();
        recent.retain(|t| t.elapsed() < LOCKOUT);
        recent.len() >= MAX_FAILURES
    }

    /// Records a failed sign-in of `client`.
    pub fn failed(&self, client: IpAddr) {
        locked(&self.failures)
            .entry(client)
            .or_default()
            .push(Instant::now());
    }

    /// A `Set-Cookie` value for `name`.
    pub fn set_cookie(&self, name: &str, value: &str, max_age: Option<u64>) -> String {
        let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if let Some(age) = max_age {
            cookie.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie
    }
}

/// The value of cookie `name` in a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
