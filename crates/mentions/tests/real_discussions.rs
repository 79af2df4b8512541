//! Mentions on real text: Hub discussions from `../shared/data/forum/hub-discussions.jsonl`,
//! each expectation checked by hand against the thread's text (title and visible comments).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use hubscope_mentions::{
    CountOptions, Document, FamilyTable, Matcher, Tally, code::blank_code, discussion_document,
};
use hubscope_source::DiscussionReader;

/// Every real thread, keyed by `repo_id#num`.
fn threads() -> HashMap<String, Document> {
    let path = hubscope_corpus::path("forum/hub-discussions.jsonl");
    let mut reader = DiscussionReader::open(&path, 1_000).unwrap();
    let mut docs = HashMap::new();
    let mut id = 0;
    while let Some(batch) = reader.next_batch().unwrap() {
        for thread in batch.records {
            id += 1;
            let key = format!("{}#{}", thread.repo_id, thread.num);
            if let Some(doc) = discussion_document(&thread, id) {
                docs.insert(key, doc);
            }
        }
    }
    docs
}

fn names(matcher: &Matcher, text: &str) -> Vec<String> {
    let mut found: Vec<String> = matcher
        .families_in(text)
        .into_iter()
        .map(|f| matcher.families()[f].name.clone())
        .collect();
    found.sort();
    found
}

#[test]
fn hand_checked_threads() {
    let docs = threads();
    let matcher = Matcher::new(FamilyTable::builtin().families).unwrap();
    let cases: &[(&str, &[&str], &str)] = &[
        // "the `xlm-roberta-large` model card … `xlm-roberta-base`": the longest name wins, not
        // RoBERTa, not XLM.
        (
            "FacebookAI/xlm-roberta-large#7",
            &["xlm-roberta"],
            "prefix names",
        ),
        (
            "joeddav/xlm-roberta-large-xnli#3",
            &["xlm-roberta"],
            "prefix names",
        ),
        // "DistilBertForQuestionAnswering" and "distilbert-base-uncased-distilled-squad": not BERT.
        (
            "distilbert-base-uncased-distilled-squad#5",
            &["distilbert"],
            "class name and id, prefix",
        ),
        (
            "distilbert-base-uncased#5",
            &["distilbert"],
            "distilbert???",
        ),
        // "points to https://huggingface.co/bert-base-uncased" and "a RoBERTa base model".
        ("pjox/dalembert#1", &["bert", "roberta"], "model ids"),
        // "model: simonycl/bert-base-uncased-sst-2-16-13".
        (
            "simonycl/bert-base-uncased-sst-2-16-13#1",
            &["bert"],
            "org/bert-base-uncased",
        ),
        // "collecting images with fully opt-in basis": an ordinary word.
        ("Mitsua/mitsua-diffusion-cc0#2", &[], "opt-in"),
        // "Gotta be a bit more descriptive".
        ("demibit/kiwi#1", &[], "a bit"),
        // "Why is bloom bad": the bare lower-case word has no model context — a known miss,
        // the kind the ambiguous-name review shows.
        ("bigscience/bloom#173", &[], "bare ambiguous word"),
        // "The range of opt models", "facebook__opt-125m"; but also "/opt/conda/lib/…" and
        // "KeyError: 'opt'", which alone would not count.
        (
            "facebook/opt-125m#6",
            &["opt"],
            "opt models, not /opt/conda",
        ),
        // "Model type should be one of AlbertConfig, BertConfig, … YosoConfig" lists every
        // model; only T5 ("transformers.models.t5.configuration_t5.T5Config") is talked about.
        ("luqh/ClinicalT5-base#2", &["t5"], "enumeration of classes"),
        // T5ForConditionalGeneration and 'google/byt5-base', all inside a code block.
        ("google/byt5-base#3", &["t5"], "code block"),
    ];
    for (key, expected, why) in cases {
        let doc = docs
            .get(*key)
            .unwrap_or_else(|| panic!("{key} is not in hub-discussions.jsonl"));
        assert_eq!(names(&matcher, &doc.text), *expected, "{key} ({why})");
    }
    // Without code, the byt5 thread mentions nothing; the others are unchanged where their
    // mentions are prose.
    let byt5 = &docs["google/byt5-base#3"].text;
    assert_eq!(names(&matcher, &blank_code(byt5)), Vec::<String>::new());
    let dalembert = &docs["pjox/dalembert#1"].text;
    assert_eq!(names(&matcher, &blank_code(dalembert)), ["bert", "roberta"]);
}

#[test]
fn counting_the_whole_dump_agrees_with_the_matcher_topic_by_topic() {
    let docs: Vec<Document> = threads().into_values().collect();
    let table = FamilyTable::builtin();
    let matcher = Matcher::new(table.families.clone()).unwrap();
    let mut tally = Tally::new(table.families.len());
    tally.add(&matcher, &docs, CountOptions::default());
    assert_eq!(tally.documents, docs.len() as u64);
    // The same numbers, one topic at a time and without the parallel tally.
    let mut expected: HashMap<(String, usize), u32> = HashMap::new();
    for doc in &docs {
        for f in matcher.families_in(&doc.text) {
            *expected.entry((doc.month.to_string(), f)).or_default() += 1;
        }
    }
    let mut got: HashMap<(String, usize), u32> = HashMap::new();
    for (month, counts) in &tally.months {
        for (f, &n) in counts.by_family.iter().enumerate() {
            if n > 0 {
                got.insert((month.to_string(), f), n);
            }
        }
    }
    assert_eq!(got, expected);
    let llama = table
        .families
        .iter()
        .position(|f| f.name == "llama")
        .unwrap();
    // LLaMA is the most discussed family of 2023 in this dump.
    let totals = tally.totals();
    assert_eq!(totals.iter().max(), Some(&totals[llama]));
    assert!(totals[llama] > 3_000, "{}", totals[llama]);
}
