//! Opening sealed personal data at query time: walks a read-model value (as JSON) and
//! replaces every [`SealedField`](crate::models::case_file::SealedField) with its text, or
//! with `{"erased": true}` when its key was destroyed (crypto-shredding). Rows on disk stay
//! sealed; only the answer to an authorized query carries clear text.

use ombud_domain::Sealed;
use ombud_envelope::{KeyStore, Unsealed, Vault};
use serde_json::{json, Value};

use crate::error::ProjectionError;

/// Replaces every `{"field", "sealed"}` object in `value` with
/// `{"field", "text"}` or `{"field", "erased": true}`.
pub async fn reveal<S: KeyStore>(vault: &Vault<S>, value: Value) -> Result<Value, ProjectionError> {
    // Iterative walk (no async recursion): collect the paths first, then open each.
    let mut value = value;
    let mut stack: Vec<Vec<PathStep>> = vec![Vec::new()];
    let mut found = Vec::new();
    while let Some(path) = stack.pop() {
        let Some(node) = at(&value, &path) else {
            continue;
        };
        match node {
            Value::Object(map)
                if map.len() == 2 && map.contains_key("field") && map.contains_key("sealed") =>
            {
                found.push(path);
            }
            Value::Object(map) => {
                for key in map.keys() {
                    let mut p = path.clone();
                    p.push(PathStep::Key(key.clone()));
                    stack.push(p);
                }
            }
            Value::Array(items) => {
                for i in 0..items.len() {
                    let mut p = path.clone();
                    p.push(PathStep::Index(i));
                    stack.push(p);
                }
            }
            _ => {}
        }
    }
    for path in found {
        let Some(node) = at_mut(&mut value, &path) else {
            continue;
        };
        let field = node["field"].as_str().unwrap_or_default().to_owned();
        let sealed: Sealed = serde_json::from_value(node["sealed"].clone()).map_err(|e| {
            ProjectionError::BadRow {
                key: format!("sealed field {field}"),
                why: e.to_string(),
            }
        })?;
        *node = match vault.unseal(&sealed, &field).await? {
            Unsealed::Revealed(bytes) => {
                json!({"field": field, "text": String::from_utf8_lossy(&bytes)})
            }
            Unsealed::Erased => json!({"field": field, "erased": true}),
        };
    }
    Ok(value)
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn at<'a>(value: &'a Value, path: &[PathStep]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, step| match step {
        PathStep::Key(k) => v.get(k),
        PathStep::Index(i) => v.get(i),
    })
}

fn at_mut<'a>(value: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        PathStep::Key(k) => v.get_mut(k),
        PathStep::Index(i) => v.get_mut(*i),
    })
}
