//! The seven real parser edge cases of `../shared/data/cards/edge-cases` (from the Hugging Face
//! client's test suite), each with its expected outcome.
#![allow(clippy::unwrap_used)]

use hubscope_card::{CanonicalSection, CardAnalyzer, LicenseStatus, ModelCard};

fn card(name: &str) -> ModelCard {
    let text = hubscope_corpus::read_to_string(&format!("cards/edge-cases/{name}"));
    CardAnalyzer::new().analyze(&text).unwrap()
}

#[test]
fn every_edge_case_file_is_covered_here() {
    let dir = hubscope_corpus::path("cards/edge-cases");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "sample_invalid_card_data.md",
            "sample_invalid_model_index.md",
            "sample_no_metadata.md",
            "sample_simple.md",
            "sample_simple_model_index.md",
            "sample_template.md",
            "sample_windows_line_breaks.md",
        ]
    );
}

#[test]
fn card_data_that_is_a_list_is_an_error_but_the_body_is_read() {
    let c = card("sample_invalid_card_data.md");
    assert!(c.front_matter.present);
    assert!(!c.front_matter.parsed);
    let err = c.front_matter.error.unwrap();
    assert_eq!(
        err.message,
        "front matter is a list, not a mapping of keys to values"
    );
    assert_eq!(err.line, Some(2));
    assert_eq!(c.title.as_deref(), Some("invalid-card-data"));
    assert_eq!(c.signals.real_words, 23);
}

#[test]
fn a_model_index_result_without_dataset_is_ignored_with_a_note() {
    let c = card("sample_invalid_model_index.md");
    assert!(c.front_matter.parsed);
    let m = &c.metadata;
    assert_eq!(m.library_name.as_deref(), Some("timm"));
    assert_eq!(m.eval_results.models, 1);
    assert_eq!(m.eval_results.results, 0);
    assert_eq!(m.eval_results.invalid_results, 1);
    assert_eq!(m.notes, ["model-index[0].results[0]: no dataset, ignored"]);
    assert_eq!(c.score.points("evaluation"), Some(0));
}

#[test]
fn no_metadata_means_no_front_matter() {
    let c = card("sample_no_metadata.md");
    assert!(!c.front_matter.present);
    assert!(c.front_matter.error.is_none());
    assert!(c.metadata.license.is_none());
    assert_eq!(c.title.as_deref(), Some("MyCoolModel"));
}

#[test]
fn simple_card_metadata_is_normalised() {
    let c = card("sample_simple.md");
    assert_eq!(
        c.front_matter.keys,
        [
            "language",
            "license",
            "library_name",
            "tags",
            "datasets",
            "metrics"
        ]
    );
    let m = &c.metadata;
    let license = m.license.as_ref().unwrap();
    assert_eq!(license.id.as_deref(), Some("mit"));
    assert_eq!(license.spdx.as_deref(), Some("MIT"));
    assert_eq!(license.status, LicenseStatus::Known);
    assert_eq!(m.languages, ["en"]);
    assert_eq!(m.datasets, ["beans"]);
    assert_eq!(m.tags, ["pytorch", "image-classification"]);
    assert_eq!(m.metrics, ["acc"]);
    assert_eq!(m.library_name.as_deref(), Some("pytorch-lightning"));
    // "Model description" holds 8 words; the inline code is not prose.
    let details = c.sections.get(CanonicalSection::ModelDetails);
    assert!(details.present && details.filled);
    assert_eq!(details.words, 8);
}

#[test]
fn model_index_results_are_summarised() {
    let c = card("sample_simple_model_index.md");
    let e = &c.metadata.eval_results;
    assert_eq!(
        (e.models, e.results, e.metrics, e.invalid_results),
        (1, 2, 2, 0)
    );
    assert_eq!(e.datasets, ["Beans"]);
    assert_eq!(e.metric_names, ["accuracy", "f1"]);
    assert_eq!(e.tasks, ["image-classification"]);
    assert_eq!(c.score.points("evaluation"), Some(20));
}

#[test]
fn an_unrendered_template_is_reported_as_such() {
    let c = card("sample_template.md");
    assert!(c.front_matter.present && !c.front_matter.parsed);
    assert_eq!(
        c.front_matter.error.unwrap().message,
        "front matter is an unrendered template ({{card_data}}), not metadata"
    );
    // `{{ some_data }}` in the body is a placeholder, not content.
    assert_eq!(c.signals.placeholders, 1);
    assert_eq!(c.signals.real_words, 0);
    assert_eq!(c.score.total, 0);
}

#[test]
fn windows_line_breaks_are_tolerated() {
    let c = card("sample_windows_line_breaks.md");
    assert!(c.front_matter.parsed);
    assert_eq!(
        c.front_matter.keys,
        ["license", "language", "thumbnail", "widget"]
    );
    assert_eq!(c.front_matter.lines, Some((1, 9)));
    assert_eq!(c.metadata.languages, ["eo"]);
    assert_eq!(c.title.as_deref(), Some("Hello old Windows line breaks"));
    assert_eq!(c.outline[0].line, 11);
}
