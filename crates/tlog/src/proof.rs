//! C2SP tlog-proof v1: an offline inclusion proof, `c2sp.org/tlog-proof@v1`, an optional
//! `extra <base64>` line, `index <leaf index>`, the inclusion path (one base64 hash per line,
//! leaf side first), a blank line, then the signed checkpoint verbatim.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::merkle::Hash;

/// The first line of a proof.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A proof, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// The optional extra data (not authenticated).
    pub extra: Option<Vec<u8>>,
    /// The leaf's index.
    pub index: u64,
    /// The inclusion path.
    pub path: Vec<Hash>,
    /// The signed checkpoint.
    pub checkpoint: String,
}

impl TlogProof {
    /// The proof's text.
    pub fn text(&self) -> String {
        let mut out = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.path {
            out.push_str(&B64.encode(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Reads a proof's text.
    pub fn parse(text: &str) -> Result<TlogProof, String> {
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or("no blank line before the checkpoint")?;
        let mut lines = head.split('\n').peekable();
        if lines.next() != Some(HEADER) {
            return Err(format!("the first line is not {HEADER}"));
        }
        let mut extra = None;
        if let Some(e) = lines.peek().and_then(|l| l.strip_prefix("extra ")) {
            extra = Some(B64.decode(e).map_err(|_| "the extra line is not base64")?);
            lines.next();
        }
        let index = lines
            .next()
            .and_then(|l| l.strip_prefix("index "))
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && (*n == "0" || !n.starts_with('0')))
            .and_then(|n| n.parse().ok())
            .ok_or("no `index <n>` line")?;
        let path = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|h| h.try_into().ok())
                    .ok_or_else(|| format!("{l:?} is not a base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<Hash>, String>>()?;
        Ok(TlogProof {
            extra,
            index,
            path,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_reads_back_as_written() {
        let proof = TlogProof {
            extra: Some(b"x".to_vec()),
            index: 73894,
            path: vec![[1; 32], [2; 32]],
            checkpoint: "example.com/log\n9\nAA==\n\n\u{2014} example.com/log AAAA\n".into(),
        };
        let text = proof.text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra eA==\nindex 73894\n"));
        assert_eq!(TlogProof::parse(&text).unwrap(), proof);
        let plain = TlogProof {
            extra: None,
            path: vec![],
            ..proof
        };
        assert_eq!(TlogProof::parse(&plain.text()).unwrap(), plain);
        assert!(TlogProof::parse("c2sp.org/tlog-proof@v1\nindex 01\n\nx").is_err());
        assert!(TlogProof::parse("tlog-proof\nindex 1\n\nx").is_err());
    }
}
