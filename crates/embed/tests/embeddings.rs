//! hubscope-embed against an independent numpy forward pass of the same model
//! (`tests/reference/minilm_reference.py`, output in `tests/reference/minilm.json`), and on real
//! Hub discussions (`../shared/data/forum/hub-discussions.jsonl`). Needs the model that
//! `scripts/fetch-model.sh` installs.

use hubscope_embed::Encoder;

#[derive(serde::Deserialize)]
struct Reference {
    max_seq_length: usize,
    sentences: Vec<Sentence>,
}

#[derive(serde::Deserialize)]
struct Sentence {
    text: String,
    ids: Vec<u32>,
    vector: Vec<f32>,
}

fn reference() -> Reference {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/minilm.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn encoder() -> Encoder {
    let dir = hubscope_corpus::model_dir();
    Encoder::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()))
}

#[test]
fn tokens_and_vectors_match_the_numpy_reference() {
    let reference = reference();
    let encoder = encoder();
    assert_eq!(encoder.max_tokens(), reference.max_seq_length);
    assert_eq!(encoder.dimension(), 384);
    let texts: Vec<&str> = reference
        .sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    let vectors = encoder.encode(&texts).expect("encode");
    for (sentence, vector) in reference.sentences.iter().zip(&vectors) {
        assert_eq!(
            encoder.tokenize(&sentence.text).expect("tokenize"),
            sentence.ids,
            "tokens of {:?}",
            sentence.text
        );
        let worst = vector
            .iter()
            .zip(&sentence.vector)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        let cosine: f32 = vector
            .iter()
            .zip(&sentence.vector)
            .map(|(a, b)| a * b)
            .sum();
        assert!(
            worst < 2e-5 && cosine > 0.99999,
            "{:?}: largest difference {worst}, cosine {cosine}",
            sentence.text
        );
    }
}

#[test]
fn batching_and_order_do_not_change_vectors() {
    let encoder = encoder();
    let discussions = hubscope_corpus::read_to_string("forum/hub-discussions.jsonl");
    let texts: Vec<String> = discussions
        .lines()
        .take(70)
        .map(|line| {
            let thread: serde_json::Value = serde_json::from_str(line).expect("json line");
            let first = thread["comments"][0]["text"].as_str().unwrap_or("");
            format!("{}\n{}", thread["title"].as_str().unwrap_or(""), first)
        })
        .collect();
    let together = encoder.encode(&texts).expect("encode");
    for i in [0usize, 13, 69] {
        let alone = encoder.encode(&[&texts[i]]).expect("encode one");
        let worst = alone[0]
            .iter()
            .zip(&together[i])
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(
            worst < 1e-5,
            "thread {i}: padding changed the vector by {worst}"
        );
        let norm: f32 = together[i].iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "thread {i}: norm {norm}");
    }
}

#[test]
fn enormous_and_foreign_texts_are_embedded() {
    let encoder = encoder();
    let huge = "token ".repeat(200_000);
    let texts = [
        huge.as_str(),
        "如何加载这个模型？",
        "모델을 어떻게 불러오나요?",
        "\u{0}\u{7}",
    ];
    let vectors = encoder.encode(&texts).expect("encode");
    for (text, vector) in texts.iter().zip(&vectors) {
        assert_eq!(vector.len(), 384);
        assert!(vector.iter().all(|v| v.is_finite()), "{:.20}", text);
    }
    assert_eq!(encoder.tokenize(&huge).expect("tokenize").len(), 256);
}

#[test]
fn a_folder_without_a_model_is_a_clear_error() {
    // A folder of its own: a fixed path would keep the config.json written below for the
    // next run.
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("no-model");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let message = Encoder::load(&empty).expect_err("no model").to_string();
    assert!(message.contains("config.json"), "{message}");
    let message = hubscope_embed::locate(Some(&empty))
        .expect_err("no model")
        .to_string();
    assert!(message.contains("model.safetensors"), "{message}");
    // Another architecture is refused by name, before its weights are read.
    let config = std::fs::read_to_string(hubscope_corpus::model_dir().join("config.json"))
        .expect("config")
        .replace("\"model_type\": \"bert\"", "\"model_type\": \"mpnet\"");
    std::fs::write(empty.join("config.json"), config).expect("write");
    let message = Encoder::load(&empty).expect_err("mpnet").to_string();
    assert!(
        message.contains("model_type \"mpnet\"") && message.contains("BERT"),
        "{message}"
    );
}
