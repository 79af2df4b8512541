//! Normalised card metadata: the front-matter fields every later analysis reads.
//!
//! Values of the wrong type are accepted and normalised, never fatal: `datasets: beans` becomes
//! `["beans"]`, `language: en` becomes `["en"]`, a number becomes its text. Each such repair is
//! recorded in [`Metadata::notes`] so an audit can point at it.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::license::{self, License};

/// At most this many notes are kept per card: a hostile card could otherwise produce millions.
const MAX_NOTES: usize = 32;

/// The card's metadata, normalised.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Metadata {
    pub license: Option<License>,
    pub datasets: Vec<String>,
    pub languages: Vec<String>,
    pub base_models: Vec<String>,
    pub pipeline_tag: Option<String>,
    pub library_name: Option<String>,
    pub tags: Vec<String>,
    pub metrics: Vec<String>,
    pub eval_results: EvalResults,
    /// What had to be repaired or ignored, e.g. "datasets: a string, read as a one-item list".
    pub notes: Vec<String>,
}

/// A summary of the `model-index` evaluation results.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EvalResults {
    /// Entries of `model-index` (usually one, named after the model).
    pub models: u32,
    /// Results with a dataset and at least one metric.
    pub results: u32,
    /// Metric values reported across those results.
    pub metrics: u32,
    /// Results missing their dataset or metrics (ignored, as the Hub ignores them).
    pub invalid_results: u32,
    pub tasks: Vec<String>,
    pub datasets: Vec<String>,
    pub metric_names: Vec<String>,
}

impl Metadata {
    /// Normalises the front-matter mapping of a card.
    pub fn from_front_matter(data: &Map<String, Value>) -> Metadata {
        let mut notes = Notes::default();
        let license = read_license(data, &mut notes);
        let datasets = string_list(data, "datasets", &mut notes);
        let languages = string_list(data, "language", &mut notes);
        let base_models = string_list(data, "base_model", &mut notes)
            .into_iter()
            .map(|id| strip_hub_url(id, &mut notes))
            .collect();
        let pipeline_tag = single_string(data, "pipeline_tag", &mut notes);
        let library_name = single_string(data, "library_name", &mut notes);
        let tags = string_list(data, "tags", &mut notes);
        let metrics = string_list(data, "metrics", &mut notes);
        let eval_results = data
            .get("model-index")
            .map(|v| read_model_index(v, &mut notes))
            .unwrap_or_default();
        Metadata {
            license,
            datasets,
            languages,
            base_models,
            pipeline_tag,
            library_name,
            tags,
            metrics,
            eval_results,
            notes: notes.0,
        }
    }
}

#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn push(&mut self, note: impl FnOnce() -> String) {
        if self.0.len() < MAX_NOTES {
            self.0.push(note());
        }
    }
}

fn read_license(data: &Map<String, Value>, notes: &mut Notes) -> Option<License> {
    let (key, value) = match (data.get("license"), data.get("licence")) {
        (Some(v), _) => ("license", v),
        (None, Some(v)) => ("licence", v),
        (None, None) => return None,
    };
    let raw = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(scalar_text).collect();
            notes.push(|| format!("{key}: a list, read as its first licence"));
            parts.join(", ")
        }
        other => match scalar_text(other) {
            Some(text) => text,
            None => {
                notes.push(|| format!("{key}: not a string, ignored"));
                return None;
            }
        },
    };
    if raw.is_empty() {
        return None;
    }
    if key == "licence" {
        if raw.eq_ignore_ascii_case("license") {
            // TRL's generated cards write `licence: license`: a placeholder, not a licence.
            notes.push(|| "licence: license is an unfilled placeholder, ignored".to_string());
            return None;
        }
        notes.push(|| "licence: British spelling, read as license".to_string());
    }
    let first = raw.split(", ").next().unwrap_or(&raw).to_string();
    let name = single_string(data, "license_name", notes);
    let link = single_string(data, "license_link", notes);
    let mut license = license::normalize(&first, name, link);
    license.raw = raw;
    Some(license)
}

/// The text of a scalar (string, number, boolean); `None` for null, lists and mappings.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn single_string(data: &Map<String, Value>, key: &str, notes: &mut Notes) -> Option<String> {
    match data.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Null => None,
        Value::Array(items) => {
            let first = items.iter().find_map(scalar_text);
            notes.push(|| format!("{key}: a list, read as its first value"));
            first
        }
        other => {
            let text = scalar_text(other);
            notes.push(|| format!("{key}: not a string, read as text"));
            text
        }
    }
}

fn string_list(data: &Map<String, Value>, key: &str, notes: &mut Notes) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |s: String, out: &mut Vec<String>| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    match data.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            if key != "language" && key != "base_model" {
                notes.push(|| format!("{key}: a string, read as a one-item list"));
            }
            push(s.trim().to_string(), &mut out);
        }
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => push(s.trim().to_string(), &mut out),
                    Value::Null => {}
                    Value::Number(_) | Value::Bool(_) => {
                        notes.push(|| format!("{key}: a non-string item, read as text"));
                        push(scalar_text(item).unwrap_or_default(), &mut out);
                    }
                    _ => notes.push(|| format!("{key}: a nested list or mapping item, ignored")),
                }
            }
        }
        Some(other @ (Value::Number(_) | Value::Bool(_))) => {
            notes.push(|| format!("{key}: not a string, read as text"));
            push(scalar_text(other).unwrap_or_default(), &mut out);
        }
        Some(Value::Object(_)) => notes.push(|| format!("{key}: a mapping, ignored")),
    }
    out
}

fn strip_hub_url(id: String, notes: &mut Notes) -> String {
    for prefix in [
        "https://huggingface.co/",
        "http://huggingface.co/",
        "huggingface.co/",
    ] {
        if let Some(rest) = id.strip_prefix(prefix) {
            notes.push(|| "base_model: a URL, read as the model id".to_string());
            return rest.trim_end_matches('/').to_string();
        }
    }
    id
}

fn read_model_index(value: &Value, notes: &mut Notes) -> EvalResults {
    let mut out = EvalResults::default();
    let entries: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => {
            notes.push(|| "model-index: a mapping, read as a one-item list".to_string());
            vec![value]
        }
        Value::Null => return out,
        _ => {
            notes.push(|| "model-index: not a list, ignored".to_string());
            return out;
        }
    };
    for (m, entry) in entries.into_iter().enumerate() {
        let Value::Object(entry) = entry else {
            notes.push(|| format!("model-index[{m}]: not a mapping, ignored"));
            continue;
        };
        out.models += 1;
        let results: Vec<&Value> = match entry.get("results") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                notes.push(|| format!("model-index[{m}].results: not a list, ignored"));
                Vec::new()
            }
        };
        for (r, result) in results.into_iter().enumerate() {
            read_result(result, &mut out, notes, m, r);
        }
    }
    out
}

fn read_result(result: &Value, out: &mut EvalResults, notes: &mut Notes, m: usize, r: usize) {
    let Value::Object(result) = result else {
        out.invalid_results += 1;
        notes.push(|| format!("model-index[{m}].results[{r}]: not a mapping, ignored"));
        return;
    };
    let task = result.get("task").and_then(|t| named(t, &["type", "name"]));
    let dataset = result
        .get("dataset")
        .and_then(|d| named(d, &["name", "type"]));
    let metrics: Vec<&Map<String, Value>> = match result.get("metrics") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(one)) => vec![one],
        _ => Vec::new(),
    };
    let valued: Vec<&Map<String, Value>> = metrics
        .into_iter()
        .filter(|metric| metric.get("value").is_some_and(|v| !v.is_null()))
        .collect();
    let Some(dataset) = dataset else {
        out.invalid_results += 1;
        notes.push(|| format!("model-index[{m}].results[{r}]: no dataset, ignored"));
        return;
    };
    if valued.is_empty() {
        out.invalid_results += 1;
        notes.push(|| format!("model-index[{m}].results[{r}]: no metric with a value, ignored"));
        return;
    }
    out.results += 1;
    out.metrics += valued.len() as u32;
    add_unique(&mut out.datasets, dataset);
    if let Some(task) = task {
        add_unique(&mut out.tasks, task);
    }
    for metric in valued {
        if let Some(name) = ["type", "name"]
            .iter()
            .find_map(|k| metric.get(*k).and_then(scalar_text))
        {
            add_unique(&mut out.metric_names, name);
        }
    }
}

/// The first of `keys` present in a mapping, or the value itself when it is a plain string.
fn named(value: &Value, keys: &[&str]) -> Option<String> {
    match value {
        Value::Object(map) => keys.iter().find_map(|k| map.get(*k).and_then(scalar_text)),
        other => scalar_text(other),
    }
}

fn add_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(value: Value) -> Metadata {
        match value {
            Value::Object(map) => Metadata::from_front_matter(&map),
            _ => unreachable!("tests pass mappings"),
        }
    }

    #[test]
    fn wrong_types_are_normalised_with_a_note() {
        let m = meta(
            json!({"datasets": "Nerfgun3/bad_prompt", "language": "en", "tags": [1, true, null, "x"]}),
        );
        assert_eq!(m.datasets, ["Nerfgun3/bad_prompt"]);
        assert_eq!(m.languages, ["en"]);
        assert_eq!(m.tags, ["1", "true", "x"]);
        assert!(m.notes.iter().any(|n| n.starts_with("datasets: a string")));
    }

    #[test]
    fn base_model_string_list_and_url() {
        assert_eq!(
            meta(json!({"base_model": "google/gemma-7b"})).base_models,
            ["google/gemma-7b"]
        );
        let m = meta(json!({"base_model": ["a/b", "https://huggingface.co/c/d/", "a/b"]}));
        assert_eq!(m.base_models, ["a/b", "c/d"]);
    }

    #[test]
    fn licence_fields() {
        let m = meta(
            json!({"license": "other", "license_name": "gemma-terms-of-use", "license_link": "https://ai.google.dev/gemma/terms"}),
        );
        let l = m.license.unwrap();
        assert_eq!(l.id.as_deref(), Some("other"));
        assert_eq!(l.name.as_deref(), Some("gemma-terms-of-use"));
        assert_eq!(l.link.as_deref(), Some("https://ai.google.dev/gemma/terms"));
        // TRL's placeholder is not a licence; the British spelling with a value is.
        assert!(meta(json!({"licence": "license"})).license.is_none());
        assert_eq!(
            meta(json!({"licence": "mit"}))
                .license
                .unwrap()
                .spdx
                .as_deref(),
            Some("MIT")
        );
        let l = meta(json!({"license": ["mit", "apache-2.0"]}))
            .license
            .unwrap();
        assert_eq!(
            (l.raw.as_str(), l.id.as_deref()),
            ("mit, apache-2.0", Some("mit"))
        );
    }

    #[test]
    fn model_index_results_are_counted() {
        let m = meta(json!({"model-index": [{"name": "m", "results": [
            {"task": {"type": "image-classification"}, "dataset": {"type": "beans", "name": "Beans"},
             "metrics": [{"type": "accuracy", "value": 0.9}]},
            {"task": {"type": "image-classification"}, "dataset": {"type": "beans", "name": "Beans"},
             "metrics": [{"type": "f1", "value": 0.66}, {"type": "loss", "value": null}]},
            {"task": {"type": "image-classification"}, "metrics": [{"type": "acc", "value": 0.9}]}
        ]}]}));
        let e = m.eval_results;
        assert_eq!(
            (e.models, e.results, e.metrics, e.invalid_results),
            (1, 2, 2, 1)
        );
        assert_eq!(e.datasets, ["Beans"]);
        assert_eq!(e.metric_names, ["accuracy", "f1"]);
        assert_eq!(e.tasks, ["image-classification"]);
    }

    #[test]
    fn malformed_model_index_never_fails() {
        for v in [
            json!("x"),
            json!(3),
            json!([1, "a", null]),
            json!({"results": "no"}),
            json!([{"results": [5]}]),
        ] {
            let m = meta(json!({"model-index": v}));
            assert_eq!(m.eval_results.results, 0);
        }
    }

    #[test]
    fn notes_are_bounded() {
        let tags: Vec<Value> = (0..1000).map(|_| json!({"a": 1})).collect();
        assert_eq!(meta(json!({"tags": tags})).notes.len(), MAX_NOTES);
    }
}
