//! The two classifiers behind `hubscope classify`, as one thing to call: the lexical one (always
//! there) and the embedding one (a local sentence-transformers model plus trained weights),
//! the classifier file, and the training of the latter with cross-validation
//! ([`crate::vector::out_of_fold`]). Reads the model's files and a classifier file; nothing
//! else.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use hubscope_embed::{EmbedError, Encoder};
use hubscope_store::Store;
use hubscope_store::embeddings::text_key;
use serde::{Deserialize, Serialize};

use crate::vector::{entry_texts, out_of_fold};
use crate::{
    Agreement, Codebook, EntryVector, Evaluation, Example, LexicalClassifier, Prediction,
    TrainError, TrainOptions, VectorClassifier, evaluate,
};

/// The classifier shipped with hubscope: all-MiniLM-L6-v2 embeddings, trained on the 648
/// hand-coded Hub discussions of `crates/taxonomy/labels` (`hubscope classify train`).
const BUILTIN: &str = include_str!("../labels/classifier-all-MiniLM-L6-v2.json");

/// Why a classifier cannot be loaded, applied or trained.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("cannot read the classifier {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{name}: not a hubscope classifier file: {source}")]
    NotAClassifier {
        name: String,
        source: serde_json::Error,
    },
    /// A classifier that cannot be applied here, with the fix.
    #[error("{0}")]
    Unusable(String),
    #[error("no labelled texts to train on")]
    NoTexts,
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error("the vectors kept in the store: {0}")]
    Cache(#[from] hubscope_store::StoreError),
}

/// The format tag of a classifier file.
const FORMAT: &str = "hubscope-embedding-classifier/1";

/// A fixed text whose vector is stored with the weights: the same model gives the same vector,
/// so a classifier is never applied to another model's vectors.
const PROBE: &str = "hubscope probe: how do I load this model with 8-bit weights on my GPU?";

/// Texts embedded per call: bounds memory on large inputs.
pub const CHUNK: usize = 1024;

/// A trained embedding classifier with what it needs to be applied safely.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassifierFile {
    pub format: String,
    /// The embedding model it was trained with (its folder or repository name).
    pub model: String,
    pub dimension: usize,
    /// Tokens kept per text, at training and at classification.
    pub max_tokens: usize,
    /// The model's vector of [`PROBE`].
    pub probe: Vec<f32>,
    /// Category ids and names of the codebook it was trained with.
    pub codebook: Vec<(u16, String)>,
    pub training: Training,
    pub classifier: VectorClassifier,
}

/// What a classifier was trained on, and how well it did under cross-validation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Training {
    pub labels: String,
    pub examples: usize,
    pub per_category: BTreeMap<u16, usize>,
    pub l2: f32,
    pub iterations: usize,
    pub balance: f32,
    pub codebook_weight: f32,
    pub cross_validation: Option<CrossValidation>,
}

/// Cross-validated scores of the embedding classifier and of the lexical one on the same folds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrossValidation {
    pub folds: usize,
    pub seed: u64,
    pub items: usize,
    pub embedding: Scores,
    /// The lexical classifier with the training folds' texts added to its documents.
    pub lexical: Scores,
    /// The agreement with the final codes, confusion included (what corrects the shares of
    /// the classifier's codes): the embedding classifier's under cross-validation, and the
    /// lexical one's as `classify --method lexical` applies it (codebook and keywords only, so
    /// every labelled text is unseen).
    #[serde(default)]
    pub agreement: Option<Agreements>,
}

/// The measured agreement of each method.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Agreements {
    pub embedding: Agreement,
    pub lexical: Agreement,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Scores {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub kappa: Option<f64>,
}

impl From<&Evaluation> for Scores {
    fn from(e: &Evaluation) -> Scores {
        Scores {
            accuracy: e.accuracy,
            macro_f1: e.macro_f1,
            kappa: e.kappa,
        }
    }
}

fn codebook_ids(codebook: &Codebook) -> Vec<(u16, String)> {
    codebook
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect()
}

/// A classifier ready to classify texts.
pub enum Classifier {
    Lexical(LexicalClassifier),
    Embedding {
        encoder: Box<Encoder>,
        file: Box<ClassifierFile>,
    },
}

/// The built-in classifier's file (its weights and its training record).
pub fn builtin() -> Result<ClassifierFile, ClassifierError> {
    serde_json::from_str(BUILTIN).map_err(|source| ClassifierError::NotAClassifier {
        name: "the built-in classifier".into(),
        source,
    })
}

impl Classifier {
    /// The classifier's measured agreement with people's codes, when it was measured on this
    /// codebook: the embedding one's from its training record; the lexical one's from the
    /// built-in record (the lexical classifier is the same wherever it runs).
    pub fn agreement(&self, codebook: &Codebook) -> Option<Agreement> {
        match self {
            Classifier::Embedding { file, .. } => file
                .training
                .cross_validation
                .as_ref()?
                .agreement
                .as_ref()
                .map(|a| a.embedding.clone()),
            Classifier::Lexical(_) => {
                let file = builtin().ok()?;
                (file.codebook == codebook_ids(codebook)).then_some(())?;
                file.training.cross_validation?.agreement.map(|a| a.lexical)
            }
        }
    }

    pub fn method(&self) -> &'static str {
        match self {
            Classifier::Lexical(_) => "lexical",
            Classifier::Embedding { .. } => "embedding",
        }
    }

    /// Loads the embedding classifier: the model in `model_dir` (or found, see
    /// [`hubscope_embed::locate`]) and the weights in `weights` (or the built-in ones).
    pub fn embedding(
        codebook: &Codebook,
        model_dir: Option<&Path>,
        weights: Option<&Path>,
    ) -> Result<Classifier, ClassifierError> {
        let file: ClassifierFile = match weights {
            Some(path) => {
                let shown = path.display().to_string();
                let text =
                    std::fs::read_to_string(path).map_err(|source| ClassifierError::Read {
                        path: shown.clone(),
                        source,
                    })?;
                serde_json::from_str(&text).map_err(|source| ClassifierError::NotAClassifier {
                    name: shown,
                    source,
                })?
            }
            None => builtin()?,
        };
        let name = weights.map_or("the built-in classifier".to_string(), |p| {
            p.display().to_string()
        });
        if file.format != FORMAT {
            return Err(ClassifierError::Unusable(format!(
                "{name}: format {:?}, this hubscope reads {FORMAT:?}",
                file.format
            )));
        }
        file.classifier.check().map_err(|why| {
            ClassifierError::Unusable(format!("{name}: not a usable classifier: {why}"))
        })?;
        if file.codebook != codebook_ids(codebook) {
            return Err(ClassifierError::Unusable(format!(
                "{name} was trained with another codebook (other categories); retrain it with \
                 `hubscope classify train --labels FILE` and this --codebook"
            )));
        }
        let dir = hubscope_embed::locate(model_dir)?;
        let encoder = Encoder::load(&dir)?.with_max_tokens(file.max_tokens)?;
        if encoder.dimension() != file.dimension || file.classifier.dimension() != file.dimension {
            return Err(ClassifierError::Unusable(format!(
                "{name} takes {}-dimensional vectors; the model in {} makes {}",
                file.dimension,
                dir.display(),
                encoder.dimension()
            )));
        }
        let probe = encoder.encode(&[PROBE])?;
        let cosine: f32 = probe[0].iter().zip(&file.probe).map(|(a, b)| a * b).sum();
        if cosine < 0.999 {
            return Err(ClassifierError::Unusable(format!(
                "{name} was trained on vectors of {}, and the model in {} is another one \
                 (probe similarity {cosine:.3}); pass the right --model-dir or retrain",
                file.model,
                dir.display()
            )));
        }
        Ok(Classifier::Embedding {
            encoder: Box::new(encoder),
            file: Box::new(file),
        })
    }

    /// Classifies `texts` (with their answer counts), in order.
    pub fn classify(
        &self,
        codebook: &Codebook,
        texts: &[(&str, Option<u64>)],
    ) -> Result<Vec<Prediction>, ClassifierError> {
        Ok(self.classify_kept(codebook, texts, None)?.0)
    }

    /// Classifies `texts` like [`Classifier::classify`]; the embedding classifier first looks
    /// each text's vector up in `store` (by the text's SHA-1 and the encoder's identity), embeds
    /// only the texts not found and keeps their vectors there, so a run over the same texts
    /// again embeds nothing. Also returns how many vectors came from the store.
    pub fn classify_kept(
        &self,
        codebook: &Codebook,
        texts: &[(&str, Option<u64>)],
        mut store: Option<&mut Store>,
    ) -> Result<(Vec<Prediction>, usize), ClassifierError> {
        use rayon::prelude::*;
        match self {
            Classifier::Lexical(lexical) => Ok((
                texts
                    .par_iter()
                    .map(|(text, replies)| lexical.classify(text, *replies))
                    .collect(),
                0,
            )),
            Classifier::Embedding { encoder, file } => {
                let identity = encoder.identity();
                let mut out = Vec::with_capacity(texts.len());
                let mut kept = 0;
                for chunk in texts.chunks(CHUNK) {
                    let keys: Vec<[u8; 20]> = chunk.iter().map(|(t, _)| text_key(t)).collect();
                    let mut vectors = match store.as_deref() {
                        Some(store) => {
                            store.cached_embeddings(&identity, &keys, encoder.dimension())?
                        }
                        None => HashMap::new(),
                    };
                    let missing: Vec<usize> = (0..chunk.len())
                        .filter(|&i| !vectors.contains_key(&keys[i]))
                        .collect();
                    kept += chunk.len() - missing.len();
                    if !missing.is_empty() {
                        let plain: Vec<&str> = missing.iter().map(|&i| chunk[i].0).collect();
                        let fresh = encoder.encode(&plain)?;
                        if let Some(store) = store.as_deref_mut() {
                            let new_vectors: Vec<([u8; 20], &[f32])> = missing
                                .iter()
                                .zip(&fresh)
                                .map(|(&i, v)| (keys[i], v.as_slice()))
                                .collect();
                            store.keep_embeddings(&identity, &new_vectors)?;
                        }
                        for (&i, vector) in missing.iter().zip(fresh) {
                            vectors.insert(keys[i], vector);
                        }
                    }
                    for ((_, replies), key) in chunk.iter().zip(&keys) {
                        let vector = vectors.get(key).ok_or_else(|| {
                            ClassifierError::Unusable(
                                "the encoder left a text without a vector".into(),
                            )
                        })?;
                        out.push(file.classifier.classify(vector, *replies, codebook));
                    }
                }
                Ok((out, kept))
            }
        }
    }
}

/// One labelled text for training.
pub struct Labelled {
    pub text: String,
    /// The final code (12 when a challenge went unanswered).
    pub category_id: u16,
    /// The challenge the text raises (what the classifier learns).
    pub text_category_id: u16,
    pub replies: Option<u64>,
}

/// The cross-validation to run before training: `folds` stratified folds (none below 2) drawn
/// with `seed`.
#[derive(Debug, Clone, Copy)]
pub struct Folds {
    pub folds: usize,
    pub seed: u64,
}

/// Trains the embedding classifier on `labelled`, cross-validating it (and the lexical
/// classifier, with the training folds' texts added to its documents) on `folds` folds first.
pub fn train(
    codebook: &Codebook,
    encoder: &Encoder,
    labelled: &[Labelled],
    labels_name: &str,
    options: TrainOptions,
    folds: Folds,
    mut progress: impl FnMut(usize, usize),
) -> Result<ClassifierFile, ClassifierError> {
    let Folds { folds, seed } = folds;
    if labelled.is_empty() {
        return Err(ClassifierError::NoTexts);
    }
    let mut vectors = Vec::with_capacity(labelled.len());
    for chunk in labelled.chunks(128) {
        let texts: Vec<&str> = chunk.iter().map(|l| l.text.as_str()).collect();
        vectors.extend(encoder.encode(&texts)?);
        progress(vectors.len(), labelled.len());
    }
    let entry_list = entry_texts(codebook);
    let entry_vectors = encoder.encode(
        &entry_list
            .iter()
            .map(|(_, _, t)| t.as_str())
            .collect::<Vec<_>>(),
    )?;
    let entries: Vec<EntryVector> = entry_list
        .into_iter()
        .zip(entry_vectors)
        .map(|((category_id, subcategory, _), vector)| EntryVector {
            category_id,
            subcategory,
            vector,
        })
        .collect();
    let examples: Vec<Example> = labelled
        .iter()
        .zip(&vectors)
        .map(|(l, v)| Example {
            vector: v.clone(),
            category_id: l.text_category_id,
            weight: 1.0,
        })
        .collect();

    let cross_validation = if folds >= 2 && labelled.len() >= folds {
        Some(cross_validate(
            codebook,
            labelled,
            labels_name,
            &examples,
            &entries,
            options,
            Folds { folds, seed },
        )?)
    } else {
        None
    };
    let classifier = VectorClassifier::train(codebook, &examples, entries, options)?;
    let mut per_category = BTreeMap::new();
    for l in labelled {
        *per_category.entry(l.text_category_id).or_insert(0) += 1;
    }
    Ok(ClassifierFile {
        format: FORMAT.into(),
        model: encoder.name(),
        dimension: encoder.dimension(),
        max_tokens: encoder.max_tokens(),
        probe: encoder.encode(&[PROBE])?.remove(0),
        codebook: codebook_ids(codebook),
        training: Training {
            labels: labels_name.into(),
            examples: labelled.len(),
            per_category,
            l2: options.l2,
            iterations: options.iterations,
            balance: options.balance,
            codebook_weight: options.codebook_weight,
            cross_validation,
        },
        classifier,
    })
}

fn cross_validate(
    codebook: &Codebook,
    labelled: &[Labelled],
    labels_name: &str,
    examples: &[Example],
    entries: &[EntryVector],
    options: TrainOptions,
    Folds { folds, seed }: Folds,
) -> Result<CrossValidation, ClassifierError> {
    use rayon::prelude::*;
    let finals: Vec<u16> = labelled.iter().map(|l| l.category_id).collect();
    // Each fold: the embedding classifier and the lexical one with the training folds' texts
    // added to its documents.
    let predicted = out_of_fold(
        &finals,
        folds,
        seed,
        |train| {
            let chosen: Vec<Example> = train.iter().map(|&i| examples[i].clone()).collect();
            let model = VectorClassifier::train(codebook, &chosen, entries.to_vec(), options)?;
            let documents: Vec<(u16, String)> = train
                .iter()
                .map(|&i| (labelled[i].text_category_id, labelled[i].text.clone()))
                .collect();
            Ok::<_, ClassifierError>((model, LexicalClassifier::new(codebook, &documents)))
        },
        |(model, lexical), i| {
            let l = &labelled[i];
            let e = model.classify(&examples[i].vector, l.replies, codebook);
            let x = lexical.classify(&l.text, l.replies);
            (e.category_id, x.category_id)
        },
    )?;
    let gold: Vec<u32> = finals.iter().map(|&c| u32::from(c)).collect();
    let embedding: Vec<u32> = predicted.iter().map(|p| u32::from(p.0)).collect();
    let lexical: Vec<u32> = predicted.iter().map(|p| u32::from(p.1)).collect();
    let e = evaluate(&gold, &embedding).ok_or(ClassifierError::NoTexts)?;
    let x = evaluate(&gold, &lexical).ok_or(ClassifierError::NoTexts)?;
    let plain = LexicalClassifier::new(codebook, &[]);
    let applied: Vec<u32> = labelled
        .par_iter()
        .map(|l| u32::from(plain.classify(&l.text, l.replies).category_id))
        .collect();
    let a = evaluate(&gold, &applied).ok_or(ClassifierError::NoTexts)?;
    Ok(CrossValidation {
        folds,
        seed,
        items: labelled.len(),
        embedding: Scores::from(&e),
        lexical: Scores::from(&x),
        agreement: Some(Agreements {
            embedding: Agreement::from_evaluation(
                &e,
                format!(
                    "{} hand-coded texts ({labels_name}), by {folds}-fold cross-validation",
                    labelled.len()
                ),
            ),
            lexical: Agreement::from_evaluation(
                &a,
                format!(
                    "{} hand-coded texts ({labels_name}), none of which it learns from",
                    labelled.len()
                ),
            ),
        }),
    })
}
