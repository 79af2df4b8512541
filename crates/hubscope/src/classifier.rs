//! The two classifiers behind `hubscope classify`, as one thing to call: the lexical one (always
//! there) and the embedding one (a local sentence-transformers model plus trained weights),
//! and the training of the latter with cross-validation.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use hubscope_embed::Encoder;
use hubscope_taxonomy::vector::{entry_texts, stratified_folds};
use hubscope_taxonomy::{
    Agreement, Codebook, EntryVector, Evaluation, Example, LexicalClassifier, Prediction,
    TrainOptions, VectorClassifier, evaluate,
};
use serde::{Deserialize, Serialize};

/// The classifier shipped with hubscope: all-MiniLM-L6-v2 embeddings, trained on the 648
/// hand-coded Hub discussions of `crates/taxonomy/labels` (`hubscope classify train`).
const BUILTIN: &str = include_str!("../../taxonomy/labels/classifier-all-MiniLM-L6-v2.json");

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
pub fn builtin() -> anyhow::Result<ClassifierFile> {
    serde_json::from_str(BUILTIN).context("the built-in classifier")
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
    ) -> anyhow::Result<Classifier> {
        let file: ClassifierFile = match weights {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the classifier {}", path.display()))?;
                serde_json::from_str(&text).with_context(|| {
                    format!("{}: not a hubscope classifier file", path.display())
                })?
            }
            None => builtin()?,
        };
        let name = weights.map_or("the built-in classifier".to_string(), |p| {
            p.display().to_string()
        });
        if file.format != FORMAT {
            bail!(
                "{name}: format {:?}, this hubscope reads {FORMAT:?}",
                file.format
            );
        }
        file.classifier
            .check()
            .map_err(|why| anyhow::anyhow!("{name}: not a usable classifier: {why}"))?;
        if file.codebook != codebook_ids(codebook) {
            bail!(
                "{name} was trained with another codebook (other categories); retrain it with \
                 `hubscope classify train --labels FILE` and this --codebook"
            );
        }
        let dir = hubscope_embed::locate(model_dir)?;
        let encoder = Encoder::load(&dir)?.with_max_tokens(file.max_tokens)?;
        if encoder.dimension() != file.dimension || file.classifier.dimension() != file.dimension {
            bail!(
                "{name} takes {}-dimensional vectors; the model in {} makes {}",
                file.dimension,
                dir.display(),
                encoder.dimension()
            );
        }
        let probe = encoder.encode(&[PROBE])?;
        let cosine: f32 = probe[0].iter().zip(&file.probe).map(|(a, b)| a * b).sum();
        if cosine < 0.999 {
            bail!(
                "{name} was trained on vectors of {}, and the model in {} is another one \
                 (probe similarity {cosine:.3}); pass the right --model-dir or retrain",
                file.model,
                dir.display()
            );
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
    ) -> anyhow::Result<Vec<Prediction>> {
        use rayon::prelude::*;
        match self {
            Classifier::Lexical(lexical) => Ok(texts
                .par_iter()
                .map(|(text, replies)| lexical.classify(text, *replies))
                .collect()),
            Classifier::Embedding { encoder, file } => {
                let mut out = Vec::with_capacity(texts.len());
                for chunk in texts.chunks(CHUNK) {
                    let plain: Vec<&str> = chunk.iter().map(|(t, _)| *t).collect();
                    let vectors = encoder.encode(&plain)?;
                    for ((_, replies), vector) in chunk.iter().zip(&vectors) {
                        out.push(file.classifier.classify(vector, *replies, codebook));
                    }
                }
                Ok(out)
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
) -> anyhow::Result<ClassifierFile> {
    let Folds { folds, seed } = folds;
    if labelled.is_empty() {
        bail!("no labelled texts to train on");
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
) -> anyhow::Result<CrossValidation> {
    use rayon::prelude::*;
    let finals: Vec<u16> = labelled.iter().map(|l| l.category_id).collect();
    let fold_of = stratified_folds(&finals, folds, seed);
    let results: Vec<anyhow::Result<Vec<(usize, u16, u16)>>> = (0..folds)
        .into_par_iter()
        .map(|fold| {
            let train: Vec<Example> = examples
                .iter()
                .zip(&fold_of)
                .filter(|(_, f)| **f != fold)
                .map(|(e, _)| e.clone())
                .collect();
            let model = VectorClassifier::train(codebook, &train, entries.to_vec(), options)?;
            let lexical_docs: Vec<(u16, String)> = labelled
                .iter()
                .zip(&fold_of)
                .filter(|(_, f)| **f != fold)
                .map(|(l, _)| (l.text_category_id, l.text.clone()))
                .collect();
            let lexical = LexicalClassifier::new(codebook, &lexical_docs);
            Ok((0..labelled.len())
                .filter(|&i| fold_of[i] == fold)
                .map(|i| {
                    let l = &labelled[i];
                    let e = model.classify(&examples[i].vector, l.replies, codebook);
                    let x = lexical.classify(&l.text, l.replies);
                    (i, e.category_id, x.category_id)
                })
                .collect())
        })
        .collect();
    let mut predicted = vec![(0u16, 0u16); labelled.len()];
    for fold in results {
        for (i, e, x) in fold? {
            predicted[i] = (e, x);
        }
    }
    let gold: Vec<u32> = finals.iter().map(|&c| u32::from(c)).collect();
    let embedding: Vec<u32> = predicted.iter().map(|p| u32::from(p.0)).collect();
    let lexical: Vec<u32> = predicted.iter().map(|p| u32::from(p.1)).collect();
    let e = evaluate(&gold, &embedding).context("nothing to evaluate")?;
    let x = evaluate(&gold, &lexical).context("nothing to evaluate")?;
    let plain = LexicalClassifier::new(codebook, &[]);
    let applied: Vec<u32> = labelled
        .par_iter()
        .map(|l| u32::from(plain.classify(&l.text, l.replies).category_id))
        .collect();
    let a = evaluate(&gold, &applied).context("nothing to evaluate")?;
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
