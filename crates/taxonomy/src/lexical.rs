//! The lexical classifier: BM25 between a topic's words and one document per category — its
//! name, its subcategories' names, definitions and quoted examples, and curated keywords — with
//! the subcategory chosen the same way inside the winning category. Fast (no model), always
//! available, and explainable: the words that matched are the reason. "Lack of Support" (12) is
//! derived from the thread, not from the text: a thread that raises a challenge and got no
//! answer.

use std::collections::HashMap;

use crate::codebook::{Codebook, NO_CHALLENGE};

/// The category of threads nobody answered.
pub const LACK_OF_SUPPORT: u16 = 12;

/// Curated keywords per challenge category (and 0, no challenge), written from the codebook's
/// definitions: the words people use for each kind of problem that the definitions themselves
/// do not contain. Multi-word keywords count as their words.
const KEYWORDS: &[(u16, &str)] = &[
    (
        0,
        "thanks thank you great awesome amazing congratulations congrats love nice work cool impressive announce announcing release released welcome appreciate wow excellent",
    ),
    (
        1,
        "understand understanding what does mean architecture layer layers head heads config configuration from_pretrained save_pretrained load loading save saving checkpoint onnx convert conversion export evaluate evaluation benchmark compare comparison model card custom customize modify weights parameters embedding embeddings",
    ),
    (
        2,
        "train training trained fine-tune finetune fine-tuning finetuning trainer loss epoch epochs learning rate tokenizer tokenization tokenize tokens pretrain pretraining lora qlora peft batch gradient optimizer adapter dpo rlhf sft",
    ),
    (
        3,
        "memory oom out of memory cuda gpu gpus vram ram slow speed faster latency performance optimization optimize quantization quantized quantize 8bit 4bit int8 int4 gptq awq gguf large file files disk size flash attention",
    ),
    (
        4,
        "sagemaker aws amazon gradio kaggle databricks colab tensorflow keras pytorch torch jax langchain llama.cpp ollama oobabooga webui vllm azure google cloud lm studio koboldcpp exllama",
    ),
    (
        5,
        "documentation docs doc tutorial tutorials example examples notebook guide readme instructions explain explanation unclear missing",
    ),
    (
        6,
        "dataset datasets data csv json load_dataset corpus preprocess preprocessing annotation annotations split samples labels labeled",
    ),
    (
        7,
        "looking for recommend recommendation which model best model suggest suggestion need a model any model alternative",
    ),
    (
        8,
        "output outputs gibberish weird strange repeat repeating repetition nonsense hallucination hallucinates empty garbage wrong answer answers response responses generates generating",
    ),
    (
        9,
        "feature request support for add support implement implementation pull request source code transformers library version bug upgrade",
    ),
    (
        10,
        "api inference api rest endpoint request requests curl response token rate limit client huggingface_hub python client status code",
    ),
    (
        11,
        "website page 404 not found file not found link broken pricing price billing subscription pro account login download",
    ),
    (
        12,
        "no response no answer anyone still waiting any update help please bump ignored",
    ),
    (
        13,
        "space spaces streamlit hardware runtime error build error docker app demo sleeping restart",
    ),
    (
        14,
        "inference deploy deployment production serve serving pipeline predict prediction generate generation tgi text-generation-inference endpoints batch latency",
    ),
    (
        15,
        "privacy security private secret leak malicious pickle safetensors license licence copyright gdpr commercial permission terms",
    ),
    (
        16,
        "beginner new to getting started first time newbie where to start learn learning novice",
    ),
    (17, "other miscellaneous"),
];

/// Words too common to tell categories apart.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "if", "then", "of", "to", "in", "on", "at", "for",
    "with", "by", "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its",
    "this", "that", "these", "those", "i", "you", "he", "she", "we", "they", "me", "my", "your",
    "our", "their", "them", "us", "do", "does", "did", "have", "has", "had", "not", "no", "so",
    "can", "could", "would", "should", "will", "just", "there", "here", "what", "which", "who",
    "how", "when", "where", "why", "all", "any", "some", "more", "most", "other", "such", "only",
    "own", "same", "than", "too", "very", "s", "t", "also", "about", "into", "out", "up", "down",
    "get", "got", "use", "using", "used", "one", "like", "e", "g", "eg", "etc", "hi", "hello",
    "model", "models",
];

/// Lower-case word stems: letters and digits, split at anything else, stop words dropped,
/// plural and verb endings stripped (a light stemmer: `trained` and `training` meet `train`).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| !c.is_alphanumeric()) {
        if raw.is_empty() || raw.len() > 40 {
            continue;
        }
        let w = raw.to_lowercase();
        if STOPWORDS.contains(&w.as_str()) {
            continue;
        }
        out.push(stem(&w));
    }
    out
}

fn stem(w: &str) -> String {
    for suffix in ["ings", "ing", "ed", "es", "s"] {
        if let Some(base) = w.strip_suffix(suffix)
            && base.chars().count() >= 3
        {
            return base.to_string();
        }
    }
    w.to_string()
}

/// A BM25 index over a few documents.
#[derive(Debug, Clone)]
struct Bm25 {
    /// Per document: term → frequency.
    docs: Vec<HashMap<String, f64>>,
    lengths: Vec<f64>,
    idf: HashMap<String, f64>,
    average: f64,
}

impl Bm25 {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;

    fn new(documents: &[Vec<String>]) -> Bm25 {
        let n = documents.len() as f64;
        let mut df: HashMap<String, f64> = HashMap::new();
        let docs: Vec<HashMap<String, f64>> = documents
            .iter()
            .map(|d| {
                let mut tf: HashMap<String, f64> = HashMap::new();
                for w in d {
                    *tf.entry(w.clone()).or_default() += 1.0;
                }
                for w in tf.keys() {
                    *df.entry(w.clone()).or_default() += 1.0;
                }
                tf
            })
            .collect();
        let lengths: Vec<f64> = documents.iter().map(|d| d.len() as f64).collect();
        let average = (lengths.iter().sum::<f64>() / n.max(1.0)).max(1.0);
        let idf = df
            .into_iter()
            .map(|(w, f)| (w, ((n - f + 0.5) / (f + 0.5) + 1.0).ln()))
            .collect();
        Bm25 {
            docs,
            lengths,
            idf,
            average,
        }
    }

    /// The score of every document for the query's words (each distinct word once).
    fn scores(&self, query: &[String]) -> Vec<f64> {
        let mut distinct: Vec<&String> = query.iter().collect();
        distinct.sort_unstable();
        distinct.dedup();
        self.docs
            .iter()
            .zip(&self.lengths)
            .map(|(tf, &len)| {
                distinct
                    .iter()
                    .filter_map(|w| {
                        let f = *tf.get(*w)?;
                        let idf = *self.idf.get(*w)?;
                        Some(
                            idf * f * (Self::K1 + 1.0)
                                / (f + Self::K1 * (1.0 - Self::B + Self::B * len / self.average)),
                        )
                    })
                    .sum()
            })
            .collect()
    }
}

/// A classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub category_id: u16,
    pub category: String,
    pub subcategory: Option<String>,
    /// The winner's share of the total score (0–1), 1 for a thread-derived category.
    pub score: f64,
    pub runner_up_id: Option<u16>,
}

/// The lexical classifier, built once from a codebook.
#[derive(Debug, Clone)]
pub struct LexicalClassifier {
    /// Category ids in index order (0 first).
    ids: Vec<u16>,
    names: Vec<String>,
    categories: Bm25,
    /// Per category: its subcategory names and their index (None when it has none).
    subcategories: Vec<Option<(Vec<String>, Bm25)>>,
}

impl LexicalClassifier {
    /// Builds the category documents from the codebook, the curated keywords and any labelled
    /// examples (`(category id, text)`, e.g. a team's own codes).
    pub fn new(codebook: &Codebook, labelled: &[(u16, String)]) -> LexicalClassifier {
        let keywords = |id: u16| -> Vec<String> {
            KEYWORDS
                .iter()
                .filter(|(k, _)| *k == id)
                .flat_map(|(_, w)| words(w))
                .collect()
        };
        let mut ids = vec![NO_CHALLENGE.0];
        let mut names = vec![NO_CHALLENGE.1.to_string()];
        let mut documents = vec![keywords(NO_CHALLENGE.0)];
        let mut subcategories = vec![None];
        for c in &codebook.categories {
            let mut doc = words(&c.name);
            doc.extend(keywords(c.id));
            let mut sub_names = Vec::new();
            let mut sub_docs = Vec::new();
            for e in &c.entries {
                let text = format!(
                    "{} {} {}",
                    e.subcategory.as_deref().unwrap_or(""),
                    e.definition,
                    e.example
                );
                let w = words(&text);
                doc.extend(w.iter().cloned());
                if let Some(name) = &e.subcategory {
                    sub_names.push(name.clone());
                    sub_docs.push(w);
                }
            }
            ids.push(c.id);
            names.push(c.name.clone());
            documents.push(doc);
            subcategories.push((!sub_names.is_empty()).then(|| (sub_names, Bm25::new(&sub_docs))));
        }
        for (id, text) in labelled {
            if let Some(i) = ids.iter().position(|x| x == id) {
                documents[i].extend(words(text));
            }
        }
        LexicalClassifier {
            categories: Bm25::new(&documents),
            ids,
            names,
            subcategories,
        }
    }

    /// Classifies a topic's text. `replies`, when known, is the number of answers the thread
    /// got: none makes it "Lack of Support" (12) whatever the text says.
    pub fn classify(&self, text: &str, replies: Option<u64>) -> Prediction {
        let query = words(text);
        let scores = self.categories.scores(&query);
        let mut order: Vec<usize> = (0..scores.len()).collect();
        // Highest score first; ties to the lower category id (17, "Other Issues", last).
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let total: f64 = scores.iter().sum();
        let (best, second) = (order[0], order.get(1).copied());
        // An unanswered thread that raises a challenge lacked support; one that only thanks or
        // announces (category 0) needed no answer.
        if replies == Some(0)
            && total > 0.0
            && self.ids[best] != NO_CHALLENGE.0
            && let Some(i) = self.ids.iter().position(|&id| id == LACK_OF_SUPPORT)
        {
            return Prediction {
                category_id: LACK_OF_SUPPORT,
                category: self.names[i].clone(),
                subcategory: None,
                score: 1.0,
                runner_up_id: Some(self.ids[best]).filter(|&id| id != LACK_OF_SUPPORT),
            };
        }
        if total == 0.0 {
            // No word of any category: "Other Issues" if the codebook has it.
            let other = self.ids.iter().position(|&id| id == 17).unwrap_or(0);
            return Prediction {
                category_id: self.ids[other],
                category: self.names[other].clone(),
                subcategory: None,
                score: 0.0,
                runner_up_id: None,
            };
        }
        let subcategory = self.subcategories[best]
            .as_ref()
            .and_then(|(names, index)| {
                let s = index.scores(&query);
                let (i, top) = s
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
                (*top > 0.0).then(|| names[i].clone())
            });
        Prediction {
            category_id: self.ids[best],
            category: self.names[best].clone(),
            subcategory,
            score: scores[best] / total,
            runner_up_id: second.filter(|&s| scores[s] > 0.0).map(|s| self.ids[s]),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn classifier() -> LexicalClassifier {
        LexicalClassifier::new(&Codebook::challenges(), &[])
    }

    #[test]
    fn clear_cases_land_in_their_category() {
        let c = classifier();
        let cases: &[(&str, u16)] = &[
            (
                "CUDA out of memory when loading the 13B model on my 8GB GPU",
                3,
            ),
            (
                "How do I fine-tune this with LoRA? The training loss does not go down after 3 epochs",
                2,
            ),
            ("Thanks a lot, great work, amazing model!", 0),
            ("My Space shows a runtime error after the docker build", 13),
            (
                "The inference API returns a 503 status code for my request",
                10,
            ),
            ("Deploying on SageMaker fails with a Gradio app", 4),
            (
                "The output is gibberish and keeps repeating the same words",
                8,
            ),
            (
                "Is the model license compatible with commercial use? Any privacy concerns with pickle files?",
                15,
            ),
        ];
        for (text, expected) in cases {
            let p = c.classify(text, None);
            assert_eq!(p.category_id, *expected, "{text}: {p:?}");
            assert!(p.score > 0.0 && p.score <= 1.0);
        }
    }

    #[test]
    fn unanswered_threads_are_lack_of_support_and_empty_text_is_other() {
        let c = classifier();
        let p = c.classify("CUDA out of memory", Some(0));
        assert_eq!((p.category_id, p.runner_up_id), (12, Some(3)));
        assert_eq!(c.classify("Thanks, great work!", Some(0)).category_id, 0);
        assert_eq!(c.classify("", Some(0)).category_id, 17);
        assert_eq!(c.classify("", None).category_id, 17);
        assert_eq!(c.classify("日本語だけの投稿", None).category_id, 17);
    }

    #[test]
    fn labelled_examples_extend_their_category() {
        let text = "zorblax frobnicator";
        assert_eq!(classifier().classify(text, None).category_id, 17);
        let c = LexicalClassifier::new(
            &Codebook::challenges(),
            &[(6, "zorblax frobnicator".into())],
        );
        assert_eq!(c.classify(text, None).category_id, 6);
    }
}
