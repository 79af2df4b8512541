//! The real model and discussion dumps of `../shared/data`, read as they are:
//! `hub/models.jsonl` (the /api/models shape), `hub/liang-2022-model-info.parquet` (Liang et al.),
//! `hub/sail-2024-model-variants.csv` (SAIL), `forum/hub-discussions.jsonl`.
//!
//! Expected numbers were computed independently with Python 3.11, pyarrow and the csv module.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use hubscope_source::{DiscussionReader, ModelFormat, ModelReader};
use hubscope_store::{Gated, ModelRecord, Relation};

fn read_all(relative: &str) -> (Vec<ModelRecord>, Vec<hubscope_store::Issue>, u64) {
    let mut reader = ModelReader::open(&hubscope_corpus::path(relative), 10_000).unwrap();
    let (mut records, mut issues, mut read) = (Vec::new(), Vec::new(), 0);
    while let Some(batch) = reader.next_batch().unwrap() {
        read += batch.read;
        records.extend(batch.records);
        issues.extend(batch.issues);
    }
    (records, issues, read)
}

#[test]
fn the_hub_api_dump() {
    let path = hubscope_corpus::path("hub/models.jsonl");
    assert_eq!(ModelFormat::detect(&path).unwrap(), ModelFormat::Jsonl);
    let (records, issues, read) = read_all("hub/models.jsonl");
    assert_eq!((read, records.len()), (1820, 1820));
    assert!(issues.is_empty(), "{issues:?}");
    let bloom = records.iter().find(|r| r.id == "bigscience/bloom").unwrap();
    assert_eq!(
        bloom.created_at.as_deref(),
        Some("2022-05-19T11:53:33.000Z")
    );
    assert_eq!(bloom.model_type.as_deref(), Some("bloom"));
    assert_eq!(bloom.gated, Some(Gated::No));
    assert_eq!(bloom.safetensors_params, Some(176_247_271_424));
    assert!(
        bloom
            .siblings
            .as_ref()
            .unwrap()
            .contains(&"config.json".to_string())
    );
    assert!(
        bloom
            .card_data
            .as_ref()
            .unwrap()
            .contains("bigscience-bloom-rail-1.0")
    );
    // Gated models say how: 42 auto, 10 manual in this dump.
    let auto = records
        .iter()
        .filter(|r| r.gated == Some(Gated::Auto))
        .count();
    let manual = records
        .iter()
        .filter(|r| r.gated == Some(Gated::Manual))
        .count();
    assert_eq!((auto, manual), (42, 10));
    // Lineage: 1,805 parents named by base_model tags, 1,869 by cardData.base_model.
    let edges: Vec<_> = records
        .iter()
        .flat_map(|r| r.lineage.clone().unwrap())
        .collect();
    let by_source = |s: &str| edges.iter().filter(|e| e.source.as_str() == s).count();
    assert_eq!((by_source("tags"), by_source("card_data")), (1805, 1869));
    // Every base_model tag of this dump says "finetune"; 3 cards say base_model_relation: finetune.
    assert!(
        edges
            .iter()
            .filter(|e| e.source.as_str() == "tags")
            .all(|e| e.relation == Relation::Finetune)
    );
    let card_finetunes = edges
        .iter()
        .filter(|e| e.source.as_str() == "card_data" && e.relation == Relation::Finetune)
        .count();
    assert!(card_finetunes >= 3, "{card_finetunes}");
}

#[test]
fn liang_et_al_parquet() {
    let path = hubscope_corpus::path("hub/liang-2022-model-info.parquet");
    assert_eq!(ModelFormat::detect(&path).unwrap(), ModelFormat::Parquet);
    let (records, issues, read) = read_all("hub/liang-2022-model-info.parquet");
    assert_eq!((read, records.len()), (74_970, 74_970));
    assert!(issues.is_empty(), "{:?}", &issues[..issues.len().min(3)]);
    let ids: HashSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 74_970);
    let bert = records
        .iter()
        .find(|r| r.id == "bert-base-uncased")
        .unwrap();
    assert_eq!(bert.author.as_deref(), Some("huggingface"));
    assert_eq!(bert.created_at.as_deref(), Some("2018-11-14T23:35:08.000Z"));
    assert_eq!(bert.downloads, Some(31_924_518));
    assert_eq!(bert.has_card, Some(true));
    assert_eq!(bert.pipeline_tag.as_deref(), Some("fill-mask"));
    assert_eq!(bert.task_domain.as_deref(), Some("nlp"));
    assert_eq!(
        records.iter().filter(|r| r.has_card == Some(true)).count(),
        32_111
    );
    assert_eq!(
        records.iter().filter(|r| r.created_at.is_none()).count(),
        173
    );
    // No tags or card data in this layout: lineage is left as it is.
    assert!(records.iter().all(|r| r.lineage.is_none()));
}

#[test]
fn sail_csv() {
    let (records, issues, read) = read_all("hub/sail-2024-model-variants.csv");
    assert_eq!((read, records.len()), (52_227, 52_227));
    assert!(issues.is_empty());
    let ids: HashSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    // One model is listed twice: Locutusque/Hyperion-1.5-Mistral-7B.
    assert_eq!(ids.len(), 52_226);
    let first = &records[0];
    assert_eq!(first.id, "athirdpath/Eileithyia-20b");
    assert_eq!(first.author.as_deref(), Some("athirdpath"));
    assert_eq!(first.pipeline_tag.as_deref(), Some("text-generation"));
    assert_eq!(first.variant.as_deref(), Some("finetuned"));
}

#[test]
fn hub_discussions() {
    let mut reader =
        DiscussionReader::open(&hubscope_corpus::path("forum/hub-discussions.jsonl"), 5_000)
            .unwrap();
    let (mut threads, mut comments, mut issues) = (0, 0, 0);
    let mut open = 0;
    while let Some(batch) = reader.next_batch().unwrap() {
        threads += batch.records.len();
        comments += batch
            .records
            .iter()
            .map(|t| t.comments.len())
            .sum::<usize>();
        open += batch
            .records
            .iter()
            .filter(|t| t.status.as_deref() == Some("open"))
            .count();
        issues += batch.issues.len();
    }
    assert_eq!(
        (threads, comments, open, issues),
        (22_868, 64_637, 16_711, 0)
    );
}
