//! C2SP tlog-tiles: hash tiles, `GET /v1/log/tile/<L>/<N>[.p/<W>]`, the 256 (or `W`)
//! consecutive hashes at tree level 8·L starting at index 256·N, concatenated, and entry
//! bundles, `GET /v1/log/tile/entries/<N>[.p/<W>]`, as `application/octet-stream`. `N` is
//! written in 3-digit path elements, all but the last prefixed `x` (`x001/x234/067`). Hashes
//! come from the `log_tree` projection, entries from the log (checked against the tree); a
//! tile is served once the tree holds all of it.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ombud_projection::models::log_tree::StoredTree;
use ombud_tlog::Nodes as _;

use super::storage;
use crate::{Problem, Shared};

/// Full tiles are 256 hashes wide.
const WIDTH: u64 = 256;

/// A tile's coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileId {
    /// Tile level (tree level 8·L).
    pub level: u8,
    /// Index within the level.
    pub index: u64,
    /// Hashes in it (256 for a full tile).
    pub width: u64,
}

fn decimal(text: &str) -> Option<u64> {
    let plain = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    plain.then(|| text.parse().ok()).flatten()
}

/// Reads `<L>/<N>[.p/<W>]`.
pub fn parse(path: &str) -> Option<TileId> {
    let mut parts: Vec<&str> = path.split('/').collect();
    let level = decimal(parts.first()?).filter(|l| *l <= 63)? as u8;
    parts.remove(0);
    let mut width = WIDTH;
    if parts.len() >= 2 && parts[parts.len() - 2].ends_with(".p") {
        width = decimal(parts.pop()?).filter(|w| (1..WIDTH).contains(w))?;
    }
    let last = parts.pop()?;
    let last = if width < WIDTH {
        last.strip_suffix(".p")?
    } else {
        last
    };
    let mut index: u64 = 0;
    for element in &parts {
        let digits = element.strip_prefix('x')?;
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(digits.parse().ok()?)?;
    }
    if last.len() != 3 || !last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    index = index.checked_mul(1000)?.checked_add(last.parse().ok()?)?;
    Some(TileId {
        level,
        index,
        width,
    })
}

/// `GET /v1/log/tile/{*path}`.
pub(crate) async fn tile(
    State(api): Shared,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    super::log_reader(&api, &headers)?;
    if let Some(rest) = path.strip_prefix("entries/") {
        return entries(&api, rest).await;
    }
    let id = parse(&path).ok_or_else(|| {
        Problem::malformed(format!(
            "{path:?} is not a tile path <L>/<N>[.p/<W>] (N in 3-digit elements, x-prefixed \
             but the last)"
        ))
    })?;
    let tree_level = u32::from(id.level) * 8;
    let trees = api.service.models().log_tree.trees();
    let tree = StoredTree::new(&trees);
    let held = tree.size().map_err(storage)?;
    // The tile's last hash covers leaves up to (index·256 + width) · 256^L.
    let first = id.index.checked_mul(WIDTH);
    let leaves_needed = first
        .and_then(|f| f.checked_add(id.width))
        .and_then(|n| n.checked_mul(1u64.checked_shl(tree_level)?))
        .filter(|n| *n <= held);
    let (Some(first), Some(_)) = (first, leaves_needed) else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "beyond_the_tree",
            "The tree does not hold that tile",
            format!("the tree holds {held} leaves"),
        ));
    };
    let mut body = Vec::with_capacity(id.width as usize * 32);
    for i in 0..id.width {
        body.extend_from_slice(&tree.node(tree_level as u8, first + i));
    }
    // A failed node read shows in the tree's own check.
    tree.root(0).map_err(storage)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /v1/log/tile/entries/<N>[.p/<W>]`: the leaf entries of leaves 256·N .. 256·N + W, each
/// a big-endian u16 length and the entry's bytes, rebuilt from the log as the tree's
/// projector wrote them, and each checked against the tree's leaf before it is served.
async fn entries(api: &crate::Api, rest: &str) -> Result<Response, Problem> {
    let id = parse(&format!("0/{rest}")).ok_or_else(|| {
        Problem::malformed(format!(
            "{rest:?} is not an entry bundle path <N>[.p/<W>] (N in 3-digit elements)"
        ))
    })?;
    let first = id
        .index
        .checked_mul(WIDTH)
        .filter(|f| f.checked_add(id.width).is_some());
    let trees = api.service.models().log_tree.trees();
    let held = StoredTree::new(&trees).size().map_err(storage)?;
    let Some(first) = first.filter(|f| f + id.width <= held) else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "beyond_the_tree",
            "The tree does not hold that entry bundle",
            format!("the tree holds {held} leaves"),
        ));
    };
    let log = api.service.log();
    let mut messages = Vec::with_capacity(id.width as usize);
    while (messages.len() as u64) < id.width {
        let got = log
            .read_range(
                first + messages.len() as u64,
                (id.width as usize) - messages.len(),
            )
            .await
            .map_err(|e| Problem::from(ombud_service::ServiceError::from(e)))?;
        if got.is_empty() {
            break;
        }
        messages.extend(got);
    }
    messages.truncate(id.width as usize);
    let marks = log.mark_check();
    let tree = StoredTree::new(&trees);
    let mut body = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let index = first + i as u64;
        if message.stream_seq != index + 1 {
            return Err(storage(format!(
                "the log answered sequence {} for leaf {index}",
                message.stream_seq
            )));
        }
        let entry = ombud_projection::models::log_tree::entry_of_stored(message, &marks);
        if ombud_tlog::leaf_hash(entry.as_bytes()) != tree.node(0, index) {
            return Err(storage(format!(
                "leaf {index} of the tree is not the entry the log gives now (a write key \
                 removed?)"
            )));
        }
        let len = u16::try_from(entry.len()).map_err(|_| storage("an entry over 64 KiB"))?;
        body.extend_from_slice(&len.to_be_bytes());
        body.extend_from_slice(entry.as_bytes());
    }
    if messages.len() as u64 != id.width {
        return Err(storage(format!(
            "the log gave {} of the {} messages",
            messages.len(),
            id.width
        )));
    }
    tree.root(0).map_err(storage)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_read_as_the_spec_writes_them() {
        assert_eq!(
            parse("0/000"),
            Some(TileId {
                level: 0,
                index: 0,
                width: 256
            })
        );
        assert_eq!(
            parse("1/x001/x234/067"),
            Some(TileId {
                level: 1,
                index: 1_234_067,
                width: 256
            })
        );
        assert_eq!(
            parse("0/001.p/112"),
            Some(TileId {
                level: 0,
                index: 1,
                width: 112
            })
        );
        for bad in [
            "",
            "01/000",
            "0/1",
            "0/x1/000",
            "0/000.p/256",
            "0/000.p/0",
            "64/000",
            "0/000/001",
            "0/000.p",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
