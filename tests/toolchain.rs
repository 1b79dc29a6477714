//! The Rust toolchain the project says it needs agrees everywhere: the Dockerfile's build
//! image, the workspace's `rust-version`, and the newest `rust-version` among the locked
//! dependencies (a `--locked` build with an older toolchain fails on them).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

fn version(text: &str) -> Vec<u64> {
    text.trim()
        .split('.')
        .map(|part| part.parse().unwrap())
        .collect()
}

fn padded(mut v: Vec<u64>) -> Vec<u64> {
    v.resize(3, 0);
    v
}

#[test]
fn the_dockerfile_the_workspace_and_the_lock_file_agree_on_the_toolchain() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dockerfile = std::fs::read_to_string(format!("{root}/Dockerfile")).unwrap();
    let image = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("FROM rust:"))
        .expect("the Dockerfile builds FROM rust:<version>");
    let image = version(image.split(['-', ' ']).next().unwrap());

    let manifest = std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap();
    let declared = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .expect("the workspace declares rust-version");
    let declared = version(declared.trim_matches('"'));

    // The packages this platform builds (a `cargo test` downloads no others, so `--offline`
    // must not ask for, say, Android's).
    let rustc = std::path::Path::new(env!("CARGO")).with_file_name("rustc");
    let rustc = if rustc.exists() {
        rustc
    } else {
        "rustc".into()
    };
    let host = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .unwrap();
    let host = String::from_utf8(host.stdout).unwrap();
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host");
    let metadata = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", host])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let (newest, by) = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let v = p["rust_version"].as_str()?;
            Some((
                padded(version(v)),
                format!("{} {}", p["name"], p["version"]),
            ))
        })
        .max()
        .unwrap();

    assert_eq!(
        padded(image.clone()),
        padded(declared.clone()),
        "the Dockerfile builds with rust {image:?}, the workspace says {declared:?}"
    );
    assert!(
        padded(declared.clone()) >= newest,
        "the workspace says rust {declared:?}, but {by} needs {newest:?}"
    );
}
