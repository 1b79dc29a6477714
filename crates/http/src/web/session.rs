//! Web sessions: who signed in (by bearer token, or by user name and an argon2id-hashed
//! password from `[[auth.users]]`), and the CSRF token every form of their session carries. A
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

/// The users who sign in with a password (`[[auth.users]]`): each name with its actor and
/// its argon2id hash (a PHC string).
#[derive(Debug, Clone, Default)]
pub struct Users(HashMap<String, (Actor, String)>);

/// Why a configured password hash is refused.
#[derive(Debug, thiserror::Error)]
#[error("user {user}: password_argon2id is not an argon2id hash (PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, as `ombud hash-password` prints): {why}")]
pub struct BadHash {
    /// The user.
    pub user: String,
    /// What is wrong.
    pub why: String,
}

impl Users {
    /// Adds `user` acting as `actor`, with its argon2id hash.
    pub fn insert(&mut self, user: &str, actor: Actor, argon2id: &str) -> Result<(), BadHash> {
        let bad = |why: String| BadHash {
            user: user.to_owned(),
            why,
        };
        let parsed = argon2::PasswordHash::new(argon2id).map_err(|e| bad(e.to_string()))?;
        if parsed.algorithm.as_str() != "argon2id" {
            return Err(bad(format!("the algorithm is {}", parsed.algorithm)));
        }
        self.0.insert(user.to_owned(), (actor, argon2id.to_owned()));
        Ok(())
    }

    /// Whether any user is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The actor of `user` if `password` is theirs. An unknown user costs a hash too, so the
    /// answer's time does not tell which names exist.
    pub fn verify(&self, user: &str, password: &str) -> Option<Actor> {
        use argon2::PasswordVerifier as _;
        let dummy = DUMMY_HASH.get_or_init(|| hash_password("no such user").unwrap_or_default());
        let (actor, hash) = match self.0.get(user) {
            Some((actor, hash)) => (Some(actor), hash.as_str()),
            None => (None, dummy.as_str()),
        };
        let parsed = argon2::PasswordHash::new(hash).ok()?;
        let ok = argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        actor.filter(|_| ok).cloned()
    }
}

/// An argon2id hash checked for unknown user names (made once).
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The argon2id hash (PHC string, argon2's default parameters, a random salt) of `password`,
/// for `[[auth.users]]` (`ombud hash-password`).
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::PasswordHasher as _;
    let random = ombud_envelope::MasterKey::generate().to_hex();
    let bytes: Vec<u8> = (0..16)
        .filter_map(|i| u8::from_str_radix(random.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let salt = argon2::password_hash::SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// The process's web sessions and sign-in failures.
#[derive(Debug)]
pub struct WebSessions {
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<IpAddr, Vec<Instant>>>,
    /// Set the cookies' Secure attribute (ombud serves beyond loopback).
    pub secure: bool,
    /// Who may sign in with a password.
    pub users: Users,
}

impl Default for WebSessions {
    fn default() -> Self {
        WebSessions::new(false, Users::default())
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
    /// No sessions yet; cookies Secure when `secure`; `users` may sign in with a password.
    pub fn new(secure: bool, users: Users) -> Self {
        WebSessions {
            sessions: Mutex::default(),
            failures: Mutex::default(),
            secure,
            users,
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
