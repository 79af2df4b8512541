//! A generated corpus with known counts: topics spread over 24 months, each mentioning a known
//! set of families in the ways people write them (name, alias, model id, class name, code) amid
//! filler that holds every trap (ordinary words, paths, numbers, prefixes, enumerations).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use hubscope_mentions::{CountOptions, Document, FamilyTable, Matcher, Source, Tally};
use hubscope_store::time::Month;

/// How each family can be written, each form a certain mention.
const FORMS: &[(&str, &[&str])] = &[
    (
        "bert",
        &[
            "BERT",
            "bert-base-uncased",
            "google/bert_uncased_L-2_H-128",
            "BertModel",
        ],
    ),
    (
        "distilbert",
        &["DistilBERT", "distilbert-base-cased", "TFDistilBertModel"],
    ),
    (
        "roberta",
        &["RoBERTa", "roberta-large", "RobertaTokenizerFast"],
    ),
    (
        "xlm-roberta",
        &["XLM-R", "xlm-roberta-base", "XLMRobertaModel"],
    ),
    ("gpt2", &["GPT-2", "gpt2-medium", "GPT2LMHeadModel"]),
    (
        "t5",
        &["T5", "flan-t5-xl", "t5-small", "T5ForConditionalGeneration"],
    ),
    (
        "opt",
        &[
            "OPT",
            "facebook/opt-1.3b",
            "OPTForCausalLM",
            "the opt model",
        ],
    ),
    (
        "bloom",
        &["BLOOM", "bigscience/bloom", "bloomz-7b1", "bloom-560m"],
    ),
    (
        "llama",
        &[
            "Llama 2",
            "llama-3",
            "LlamaForCausalLM",
            "meta-llama/Llama-2-7b-hf",
        ],
    ),
    (
        "led",
        &[
            "allenai/led-base-16384",
            "LEDForConditionalGeneration",
            "an LED model",
        ],
    ),
    ("whisper", &["Whisper", "openai/whisper-large-v3"]),
    ("bit", &["google/bit-50", "BitForImageClassification"]),
];

/// Text that mentions nothing, traps included.
const FILLER: &[&str] = &[
    "Thanks, that worked for me.",
    "I opt for the default settings; you can opt-in later.",
    "Flowers bloom in spring.",
    "File \"/opt/conda/lib/python3.10/site-packages/torch/nn/modules/module.py\", line 1501",
    "It is a bit slow with the 8-bit model and 4 bit weights.",
    "The LED on the board blinks.",
    "Albertina and Robertson met Bertrand.",
    "git clone the repo, then cd home/git/project",
    "Model type should be one of AlbertConfig, BartConfig, BertConfig, BloomConfig, GPT2Config, LEDConfig, OPTConfig, T5Config.",
    "An encoder-decoder architecture.",
    "MyBertModel is my own class.",
];

#[test]
fn counts_equal_what_was_generated() {
    let table = FamilyTable::builtin();
    let index: BTreeMap<&str, usize> = table
        .families
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let matcher = Matcher::new(table.families.clone()).unwrap();
    let months: Vec<Month> = Month::new(2021, 7)
        .unwrap()
        .through(Month::new(2023, 6).unwrap())
        .collect();
    let mut rng = fastrand::Rng::with_seed(20_261_128);
    let mut expected: BTreeMap<(Month, usize), u32> = BTreeMap::new();
    let mut docs = Vec::new();
    for id in 0..6_000 {
        let month = months[rng.usize(..months.len())];
        let mut parts: Vec<String> = Vec::new();
        let mut mentioned = Vec::new();
        for _ in 0..rng.usize(0..4) {
            let (family, forms) = FORMS[rng.usize(..FORMS.len())];
            let form = forms[rng.usize(..forms.len())];
            // Sometimes inside code, which counts by default.
            parts.push(if rng.u8(..4) == 0 {
                format!("```\nx = load(\"{form}\")\n```")
            } else {
                format!("I fine-tuned {form} yesterday.")
            });
            if !mentioned.contains(&family) {
                mentioned.push(family);
            }
        }
        for _ in 0..rng.usize(1..4) {
            parts.push(FILLER[rng.usize(..FILLER.len())].to_string());
        }
        rng.shuffle(&mut parts);
        for family in mentioned {
            *expected.entry((month, index[family])).or_default() += 1;
        }
        docs.push(Document {
            source: Source::Forum,
            id,
            month,
            text: parts.join("\n\n"),
        });
    }
    let mut tally = Tally::new(table.families.len());
    // In uneven batches, as the store reader sends them.
    for chunk in docs.chunks(777) {
        tally.add(&matcher, chunk, CountOptions::default());
    }
    let mut got: BTreeMap<(Month, usize), u32> = BTreeMap::new();
    for (month, counts) in &tally.months {
        for (f, &n) in counts.by_family.iter().enumerate() {
            if n > 0 {
                got.insert((*month, f), n);
            }
        }
    }
    assert_eq!(got, expected);
    assert_eq!(tally.documents, 6_000);
    let topics: u64 = tally.months.values().map(|m| m.topics).sum();
    assert_eq!(topics, 6_000);
    // The traps were seen and refused, not silently missed.
    let opt = index["opt"];
    assert!(tally.names[opt].rejected > 0 && tally.names[opt].in_lists > 0);
}
