//! C2SP tlog-policy: the logs and witnesses an auditor trusts and the quorum of cosignatures
//! a checkpoint needs (`log <vkey> [url]`, `witness <name> <vkey> [url]`, `group <name>
//! all|any|<k> <member>...`, `quorum <name>|none`, `#` comments), and checking a signed
//! checkpoint against it.

use std::collections::HashMap;

use crate::checkpoint::Checkpoint;
use crate::cosignature::CosignatureVerifier;
use crate::note::{self, NoteError, Verifier};

/// Why a policy does not read, or a checkpoint does not satisfy it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A line of the policy is wrong.
    #[error("policy line {line}: {why}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The policy has no quorum line.
    #[error("the policy has no quorum line")]
    NoQuorum,
    /// The checkpoint is not signed by a log the policy names.
    #[error("the checkpoint is not signed by a log of the policy: {0}")]
    Unsigned(NoteError),
    /// The checkpoint's cosignatures do not reach the quorum.
    #[error("the checkpoint is cosigned by {got:?}, short of the quorum")]
    NoQuorumReached {
        /// The witnesses whose cosignatures verified.
        got: Vec<String>,
    },
}

#[derive(Debug, Clone)]
enum Quorum {
    None,
    Witness(usize),
    Group { k: usize, members: Vec<Quorum> },
}

/// A policy, read.
#[derive(Debug, Clone)]
pub struct Policy {
    logs: Vec<Verifier>,
    witnesses: Vec<(String, CosignatureVerifier)>,
    quorum: Quorum,
}

impl Policy {
    /// Reads a policy file.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut logs = Vec::new();
        let mut witnesses: Vec<(String, CosignatureVerifier)> = Vec::new();
        let mut names: HashMap<String, Quorum> = HashMap::new();
        let mut quorum = None;
        for (i, raw) in text.lines().enumerate() {
            let bad = |why: String| PolicyError::Malformed { line: i + 1, why };
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            match words.as_slice() {
                [] => {}
                [first, ..] if first.starts_with('#') => {}
                ["log", vkey] | ["log", vkey, _] => {
                    let v = Verifier::parse(vkey).map_err(|e| bad(e.to_string()))?;
                    if logs
                        .iter()
                        .any(|l: &Verifier| same_key(&l.vkey(), &v.vkey()))
                    {
                        return Err(bad("the log is listed twice".into()));
                    }
                    logs.push(v);
                }
                ["witness", name, vkey] | ["witness", name, vkey, _] => {
                    let v = CosignatureVerifier::parse(vkey).map_err(|e| bad(e.to_string()))?;
                    if names.contains_key(*name) || *name == "none" {
                        return Err(bad(format!("the name {name:?} is defined twice")));
                    }
                    // One key under two names would count twice: cosignature/v1 does not
                    // sign the witness's name.
                    if witnesses
                        .iter()
                        .any(|(_, w)| same_key(&w.vkey(), &v.vkey()))
                    {
                        return Err(bad("the witness key is listed twice".into()));
                    }
                    names.insert((*name).to_owned(), Quorum::Witness(witnesses.len()));
                    witnesses.push(((*name).to_owned(), v));
                }
                ["group", name, threshold, members @ ..] if !members.is_empty() => {
                    if names.contains_key(*name) || *name == "none" {
                        return Err(bad(format!("the name {name:?} is defined twice")));
                    }
                    let mut seen = Vec::new();
                    let mut resolved = Vec::new();
                    for m in members {
                        if seen.contains(m) {
                            return Err(bad(format!("{m:?} is a member twice")));
                        }
                        seen.push(*m);
                        resolved.push(
                            names
                                .get(*m)
                                .cloned()
                                .ok_or_else(|| bad(format!("{m:?} is not defined above")))?,
                        );
                    }
                    let n = members.len();
                    let k = match *threshold {
                        "all" => n,
                        "any" => 1,
                        k => k
                            .parse::<usize>()
                            .ok()
                            .filter(|k| (1..=n).contains(k))
                            .ok_or_else(|| bad(format!("threshold {k:?} is not 1 to {n}")))?,
                    };
                    names.insert(
                        (*name).to_owned(),
                        Quorum::Group {
                            k,
                            members: resolved,
                        },
                    );
                }
                ["quorum", name] => {
                    if quorum.is_some() {
                        return Err(bad("a second quorum line".into()));
                    }
                    quorum = Some(if *name == "none" {
                        Quorum::None
                    } else {
                        names
                            .get(*name)
                            .cloned()
                            .ok_or_else(|| bad(format!("{name:?} is not defined above")))?
                    });
                }
                _ => return Err(bad(format!("not a policy line: {raw:?}"))),
            }
        }
        Ok(Policy {
            logs,
            witnesses,
            quorum: quorum.ok_or(PolicyError::NoQuorum)?,
        })
    }

    /// The policy's text for one log and its witnesses (`quorum` of them, `none` for 0).
    pub fn write(
        log: &Verifier,
        witnesses: &[(String, CosignatureVerifier)],
        quorum: usize,
    ) -> String {
        let mut text = format!("log {}\n", log.vkey());
        for (name, w) in witnesses {
            text.push_str(&format!("witness {name} {}\n", w.vkey()));
        }
        if quorum == 0 || witnesses.is_empty() {
            text.push_str("quorum none\n");
        } else {
            let names: Vec<&str> = witnesses.iter().map(|(n, _)| n.as_str()).collect();
            text.push_str(&format!(
                "group witnesses {} {}\n",
                quorum.min(names.len()),
                names.join(" ")
            ));
            text.push_str("quorum witnesses\n");
        }
        text
    }

    /// The logs the policy names.
    pub fn logs(&self) -> &[Verifier] {
        &self.logs
    }

    /// Checks a signed checkpoint: signed by one of the logs (its origin is the key's name),
    /// cosigned by a quorum of the witnesses. Returns it, with the witnesses that cosigned.
    pub fn check(&self, signed: &str) -> Result<(Checkpoint, Vec<String>), PolicyError> {
        let (text, lines) = note::split(signed).map_err(PolicyError::Unsigned)?;
        let checkpoint = Checkpoint::parse(text).map_err(PolicyError::Unsigned)?;
        let log = self
            .logs
            .iter()
            .find(|l| l.name() == checkpoint.origin)
            .ok_or_else(|| PolicyError::Unsigned(NoteError::Unsigned(checkpoint.origin.clone())))?;
        note::open(signed, log).map_err(PolicyError::Unsigned)?;
        let mut cosigned = vec![false; self.witnesses.len()];
        for (i, (_, w)) in self.witnesses.iter().enumerate() {
            let mine: Vec<_> = lines.iter().filter(|l| w.names(l)).collect();
            cosigned[i] = !mine.is_empty() && mine.iter().all(|l| w.verify(text, l).is_ok());
        }
        let got: Vec<String> = self
            .witnesses
            .iter()
            .zip(&cosigned)
            .filter(|(_, ok)| **ok)
            .map(|((name, _), _)| name.clone())
            .collect();
        if reached(&self.quorum, &cosigned) {
            Ok((checkpoint, got))
        } else {
            Err(PolicyError::NoQuorumReached { got })
        }
    }
}

/// Whether two vkeys wrap the same public key (whatever their names and ids).
fn same_key(a: &str, b: &str) -> bool {
    a.rsplit('+').next() == b.rsplit('+').next()
}

fn reached(quorum: &Quorum, cosigned: &[bool]) -> bool {
    match quorum {
        Quorum::None => true,
        Quorum::Witness(i) => cosigned[*i],
        Quorum::Group { k, members } => {
            members.iter().filter(|m| reached(m, cosigned)).count() >= *k
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::Cosigner;
    use crate::Signer;

    #[test]
    fn a_checkpoint_needs_the_log_and_the_quorum() {
        let log = Signer::new("example.org/log", [1; 32]).unwrap();
        let w: Vec<Cosigner> = (0..3)
            .map(|i| Cosigner::new(&format!("w{i}.example"), [10 + i; 32]).unwrap())
            .collect();
        let named: Vec<(String, CosignatureVerifier)> = w
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("W{i}"), c.verifier()))
            .collect();
        let policy = Policy::parse(&format!(
            "# two of three\n{}",
            Policy::write(&log.verifier(), &named, 2)
        ))
        .unwrap();
        let cp = Checkpoint {
            origin: "example.org/log".into(),
            size: 1,
            root: [3; 32],
        };
        let text = cp.text();
        let signed = cp.sign(&log);
        assert!(matches!(
            policy.check(&signed),
            Err(PolicyError::NoQuorumReached { .. })
        ));
        let one = format!("{signed}{}", w[0].cosign(&text, 5));
        assert!(policy.check(&one).is_err());
        let two = format!("{one}{}", w[2].cosign(&text, 6));
        let (checked, got) = policy.check(&two).unwrap();
        assert_eq!(
            (checked, got),
            (cp.clone(), vec!["W0".to_owned(), "W2".to_owned()])
        );
        // A cosignature of another checkpoint does not count.
        let stale = format!("{one}{}", w[2].cosign("example.org/log\n0\nAA==\n", 6));
        assert!(policy.check(&stale).is_err());
        // Signed by another log key.
        let other = Signer::new("example.org/log", [2; 32]).unwrap();
        assert!(matches!(
            policy.check(&cp.sign(&other)),
            Err(PolicyError::Unsigned(_))
        ));
        // One key under two names is one witness.
        let twice = format!(
            "witness A {}\nwitness B {}\nquorum none\n",
            w[0].verifier().vkey(),
            Cosigner::new("renamed.example", [10; 32])
                .unwrap()
                .verifier()
                .vkey()
        );
        assert!(matches!(
            Policy::parse(&twice),
            Err(PolicyError::Malformed { line: 2, .. })
        ));
        // Syntax.
        let none = Policy::parse(&format!("log {}\nquorum none\n", log.verifier().vkey())).unwrap();
        assert!(none.check(&signed).is_ok());
        assert_eq!(
            Policy::parse("log x\n").unwrap_err(),
            PolicyError::Malformed {
                line: 1,
                why: "malformed key: expected name+id+key".into()
            }
        );
        assert!(matches!(
            Policy::parse("quorum W0\n"),
            Err(PolicyError::Malformed { line: 1, .. })
        ));
        assert_eq!(
            Policy::parse("# nothing\n").unwrap_err(),
            PolicyError::NoQuorum
        );
    }
}
