//! The workspace's layering rule (ARCHITECTURE.md, "Layers"), checked on every crate's
//! Cargo.toml: an arrow between hubscope crates may only point to the same layer or a lower one;
//! the test-support crates are dev-dependencies only; the analysis and output layers never pull
//! in a network client or an async runtime. A crate with no layer fails the test: a new crate is
//! placed on purpose.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

/// Each crate's layer, lowest first. Test support is `None`.
const LAYERS: &[(&str, Option<u8>)] = &[
    // Foundations: pure engines over values and files given to them.
    ("card", Some(0)),
    ("stats", Some(0)),
    ("embed", Some(0)),
    // The store.
    ("store", Some(1)),
    // Sources: read the outside world into the store.
    ("source", Some(2)),
    ("hub", Some(2)),
    ("forum", Some(2)),
    // Analyses: read the store.
    ("mentions", Some(3)),
    ("trends", Some(3)),
    ("taxonomy", Some(3)),
    ("govern", Some(3)),
    // Outputs.
    ("report", Some(4)),
    // The command line.
    ("hubscope", Some(5)),
    // Test support.
    ("corpus", None),
    ("testhub", None),
];

/// Crates that mean network access or an async runtime: sources and the binary only.
const NETWORK: &[&str] = &["reqwest", "hyper", "tokio", "h2"];

fn manifests() -> BTreeMap<String, toml::Table> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&manifest).unwrap();
        out.insert(name, text.parse::<toml::Table>().unwrap());
    }
    out
}

/// The names of a manifest's `[dependencies]` (or another table of dependencies).
fn dependencies<'a>(manifest: &'a toml::Table, table: &str) -> Vec<&'a str> {
    manifest
        .get(table)
        .and_then(|t| t.as_table())
        .map(|t| t.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// `hubscope-store` → `store`; `hubscope` → `hubscope`; anything else is not ours.
fn ours(dependency: &str) -> Option<&str> {
    match dependency {
        "hubscope" => Some("hubscope"),
        d => d.strip_prefix("hubscope-"),
    }
}

fn layer(name: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("crate {name} has no layer in LAYERS (and ARCHITECTURE.md)"))
        .1
}

/// The arrows of `manifests` that break the rule.
fn violations(manifests: &BTreeMap<String, toml::Table>) -> Vec<String> {
    let mut upward = Vec::new();
    for (name, manifest) in manifests {
        let own = layer(name);
        for dependency in dependencies(manifest, "dependencies") {
            let Some(target) = ours(dependency) else {
                continue;
            };
            match (own, layer(target)) {
                (_, None) => upward.push(format!(
                    "{name} → {target}: test support only as a dev-dependency"
                )),
                (Some(own), Some(theirs)) if theirs > own => {
                    upward.push(format!("{name} (layer {own}) → {target} (layer {theirs})"));
                }
                _ => {}
            }
        }
    }
    upward
}

#[test]
fn every_arrow_points_down_or_across() {
    let manifests = manifests();
    assert_eq!(
        manifests.len(),
        LAYERS.len(),
        "crates: {:?}",
        manifests.keys()
    );
    let upward = violations(&manifests);
    assert!(
        upward.is_empty(),
        "arrows against the layering: {upward:#?}"
    );
}

#[test]
fn no_analysis_or_output_reaches_the_network() {
    let manifests = manifests();
    let mut offenders = Vec::new();
    for (name, manifest) in &manifests {
        if !matches!(layer(name), Some(0 | 1 | 3 | 4)) {
            continue;
        }
        for dependency in dependencies(manifest, "dependencies") {
            if NETWORK.contains(&dependency) {
                offenders.push(format!("{name} → {dependency}"));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_rule_catches_an_upward_arrow_and_test_support_in_a_build() {
    let manifest = |text: &str| text.parse::<toml::Table>().unwrap();
    let mut broken = BTreeMap::new();
    broken.insert(
        "store".to_string(),
        manifest("[dependencies]\nhubscope-report = { path = \"../report\" }\n"),
    );
    broken.insert(
        "trends".to_string(),
        manifest(
            "[dependencies]\nhubscope-store.workspace = true\nhubscope-corpus.workspace = true\n\
             [dev-dependencies]\nhubscope-testhub.workspace = true\n",
        ),
    );
    assert_eq!(
        violations(&broken),
        [
            "store (layer 1) → report (layer 4)",
            "trends → corpus: test support only as a dev-dependency"
        ]
    );
}
