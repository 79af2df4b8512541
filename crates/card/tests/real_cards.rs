//! All 1,820 real model cards of `../shared/data/hub/readmes.jsonl`.
//!
//! The expected counts were computed independently of this crate, with Python 3.11 and PyYAML
//! 6.0.3 over the same file:
//! - front matter: the Hub's own regex `^(\s*---[\r\n]+)([\S\s]*?)([\r\n]+---(\r\n|\n|$))` after
//!   removing a BOM; `yaml.safe_load` on the captured block;
//! - generators: `marker in readme`, first marker of the priority list in `generator.rs` wins;
//! - licences: `front_matter.get("license")`;
//! - model-index: results with a `dataset` and at least one metric whose `value` is not null;
//! - unedited Trainer cards: the Trainer marker plus `## <heading>\s+More information needed` for
//!   "Model description", "Intended uses & limitations" and "Training and evaluation data".
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hubscope_card::{CanonicalSection, CardAnalyzer, Generator, LicenseStatus, ModelCard};

/// The corpus, analysed once for all tests of this file.
fn analysed() -> &'static [(String, ModelCard)] {
    static CARDS: OnceLock<Vec<(String, ModelCard)>> = OnceLock::new();
    CARDS.get_or_init(|| {
        let analyzer = CardAnalyzer::new();
        hubscope_corpus::readmes()
            .into_iter()
            .map(|r| {
                let card = analyzer
                    .analyze(&r.readme)
                    .unwrap_or_else(|e| panic!("{}: {e}", r.id));
                (r.id, card)
            })
            .collect()
    })
}

#[test]
fn every_real_card_is_analysed_and_no_yaml_is_invalid() {
    let cards = analysed();
    assert_eq!(cards.len(), 1820);
    // PyYAML also accepts every front matter of the corpus: there is no invalid YAML in it.
    let invalid: Vec<&str> = cards
        .iter()
        .filter(|(_, c)| c.front_matter.present && !c.front_matter.parsed)
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(invalid.is_empty(), "invalid YAML in {invalid:?}");
    let with_front_matter = cards.iter().filter(|(_, c)| c.front_matter.present).count();
    assert_eq!(with_front_matter, 1817);
    // The three cards without front matter are the whole text "N/A".
    let mut absent: Vec<&str> = cards
        .iter()
        .filter(|(_, c)| !c.front_matter.present)
        .map(|(id, _)| id.as_str())
        .collect();
    absent.sort();
    assert_eq!(
        absent,
        ["VybezR/Helop", "Yaavuzzz/Yavuz", "YaserSabriFMD/Jj"]
    );
}

#[test]
fn generators_match_the_independent_marker_counts() {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, card) in analysed().iter() {
        if let Some(g) = card.signals.generator {
            *counts.entry(g.as_str()).or_default() += 1;
        }
    }
    let expected: BTreeMap<&str, usize> = [
        ("transformers_trainer", 691),
        ("trl", 267),
        ("hf_template", 67),
        ("diffusers_training_script", 32),
        ("unsloth", 23),
        ("autotrain", 22),
        ("mergekit", 4),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn unedited_trainer_cards_are_the_ones_still_holding_all_three_placeholders() {
    let cards = analysed();
    let trainer: Vec<&ModelCard> = cards
        .iter()
        .map(|(_, c)| c)
        .filter(|c| c.signals.generator == Some(Generator::TransformersTrainer))
        .collect();
    let unedited = trainer
        .iter()
        .filter(|c| c.signals.unedited_auto_generated)
        .count();
    assert_eq!(unedited, 676);
    // Every unedited Trainer card lacks what a reuser needs most.
    for c in trainer.iter().filter(|c| c.signals.unedited_auto_generated) {
        assert!(!c.sections.get(CanonicalSection::Uses).filled);
        assert!(
            !c.sections
                .get(CanonicalSection::BiasRisksLimitations)
                .filled
        );
        assert!(c.signals.placeholders >= 3);
    }
}

#[test]
fn licences_match_the_front_matter() {
    let cards = analysed();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut with_license = 0;
    for (_, c) in cards {
        if let Some(l) = &c.metadata.license {
            with_license += 1;
            *ids.entry(l.raw.clone()).or_default() += 1;
        }
    }
    // TRL's 267 `licence: license` placeholders are not licences.
    assert_eq!(with_license, 1112);
    for (raw, count) in [
        ("mit", 372),
        ("llama2", 189),
        ("apache-2.0", 189),
        ("creativeml-openrail-m", 158),
        ("other", 68),
        ("gemma", 41),
        ("openrail", 23),
        ("cc-by-nc-4.0", 10),
    ] {
        assert_eq!(ids.get(raw), Some(&count), "{raw}");
    }
    // Every licence value of the corpus is a Hub licence id.
    let unrecognised: Vec<&str> = cards
        .iter()
        .filter_map(|(_, c)| c.metadata.license.as_ref())
        .filter(|l| l.status == LicenseStatus::Unrecognized)
        .map(|l| l.raw.as_str())
        .collect();
    assert!(unrecognised.is_empty(), "{unrecognised:?}");
    let mit = cards
        .iter()
        .filter_map(|(_, c)| c.metadata.license.as_ref())
        .find(|l| l.raw == "mit")
        .unwrap();
    assert_eq!(mit.spdx.as_deref(), Some("MIT"));
}

#[test]
fn model_index_results_match_the_front_matter() {
    let cards = analysed();
    let with_index = cards
        .iter()
        .filter(|(_, c)| c.front_matter.keys.iter().any(|k| k == "model-index"))
        .count();
    let results: u32 = cards
        .iter()
        .map(|(_, c)| c.metadata.eval_results.results)
        .sum();
    let metrics: u32 = cards
        .iter()
        .map(|(_, c)| c.metadata.eval_results.metrics)
        .sum();
    let invalid: u32 = cards
        .iter()
        .map(|(_, c)| c.metadata.eval_results.invalid_results)
        .sum();
    assert_eq!((with_index, results, metrics, invalid), (712, 240, 442, 1));
}

#[test]
fn wrong_types_are_normalised_not_fatal() {
    let cards = analysed();
    let (_, orange) = cards
        .iter()
        .find(|(id, _)| id == "WarriorMama777/OrangeMixs")
        .unwrap();
    assert_eq!(orange.metadata.datasets, ["Nerfgun3/bad_prompt"]);
    assert!(
        orange
            .metadata
            .notes
            .contains(&"datasets: a string, read as a one-item list".to_string())
    );
}

#[test]
fn the_synonym_table_covers_the_headings_real_cards_use() {
    let cards = analysed();
    let (mut total, mut mapped) = (0usize, 0usize);
    let mut stack: Vec<&hubscope_card::OutlineNode> = Vec::new();
    for (_, c) in cards {
        stack.extend(c.outline.iter());
        while let Some(node) = stack.pop() {
            total += 1;
            mapped += usize::from(!node.sections.is_empty());
            stack.extend(node.children.iter());
        }
    }
    assert_eq!(total, 10899);
    // The rest are titles (model names), the template's sections outside the 13 canonical ones
    // (Glossary, Model Examination, …), sub-headings that inherit their parent's section
    // (Recommendations, Summary), and organisation-specific headings.
    assert!(
        mapped * 100 / total >= 78,
        "{mapped} of {total} headings mapped"
    );
    // Every canonical section occurs in the corpus.
    for s in CanonicalSection::ALL {
        let present = cards
            .iter()
            .filter(|(_, c)| c.sections.get(s).present)
            .count();
        assert!(present > 0, "{s} never present");
    }
}

#[test]
fn trainer_cards_with_hyperparameters_have_a_filled_training_procedure() {
    // Independently: 689 of the 691 Trainer cards contain "The following hyperparameters were
    // used during training:"; the other 2 have an empty "Training hyperparameters" section.
    let readmes = hubscope_corpus::readmes();
    let analyzer = CardAnalyzer::new();
    let (mut with, mut without) = (0, 0);
    for r in readmes {
        let c = analyzer.analyze(&r.readme).unwrap();
        if c.signals.generator != Some(Generator::TransformersTrainer) {
            continue;
        }
        let procedure = c.sections.get(CanonicalSection::TrainingProcedure);
        assert!(procedure.present, "{}", r.id);
        if r.readme
            .contains("The following hyperparameters were used during training:")
        {
            with += 1;
            assert!(procedure.filled && procedure.has_numbers, "{}", r.id);
        } else {
            without += 1;
        }
    }
    assert_eq!((with, without), (689, 2));
}
