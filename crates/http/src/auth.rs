//! Bearer tokens: each maps to an actor (id, role, office). Only a token's SHA-256 is kept.

use std::collections::HashMap;

use axum::http::{header, HeaderMap};
use ombud_domain::Actor;
use sha2::{Digest, Sha256};

use crate::problem::Problem;

/// The configured tokens.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    by_hash: HashMap<String, Actor>,
}

/// Hex SHA-256 of a token (what config stores).
pub fn token_sha256(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The request's `Authorization: Bearer` token.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<&str, Problem> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        Problem::unauthorized("an `Authorization: Bearer <token>` header is required")
    })?;
    // The scheme is case-insensitive (RFC 9110 §11.1): `Bearer`, `bearer`, `BEARER`.
    value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| Problem::unauthorized("the Authorization header must be `Bearer <token>`"))
}

impl Tokens {
    /// Adds a token by its hex SHA-256.
    pub fn insert_hash(&mut self, sha256_hex: &str, actor: Actor) {
        self.by_hash.insert(sha256_hex.to_ascii_lowercase(), actor);
    }

    /// Adds a token in clear (hashed here).
    pub fn insert(&mut self, token: &str, actor: Actor) {
        self.insert_hash(&token_sha256(token), actor);
    }

    /// The actor a token in clear stands for, if any.
    pub fn actor(&self, token: &str) -> Option<&Actor> {
        self.by_hash.get(&token_sha256(token))
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// The actor of the request's `Authorization: Bearer` token.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Actor, Problem> {
        let token = bearer(headers)?;
        self.by_hash
            .get(&token_sha256(token))
            .cloned()
            .ok_or_else(|| Problem::unauthorized("unknown token"))
    }
}
