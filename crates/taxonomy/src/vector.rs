//! A classifier over sentence embeddings: multinomial logistic regression (softmax) trained on
//! labelled vectors, with the codebook's own definitions and examples as extra examples of their
//! category, and the subcategory taken from the nearest codebook entry of the winning category.
//!
//! Pure: vectors in, predictions out. Which model made the vectors is the caller's business
//! (the `hubscope` binary records it beside the weights).

use serde::{Deserialize, Serialize};

use crate::codebook::{Codebook, NO_CHALLENGE};
use crate::lexical::{LACK_OF_SUPPORT, Prediction};
use crate::probe::{LinearProbe, check_vector, dot, softmax_into};
use crate::sample::SplitMix64;

/// One training example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub vector: Vec<f32>,
    pub category_id: u16,
    /// How much the example counts (1 for a coded thread).
    pub weight: f32,
}

/// One codebook entry's vector: its category, subcategory, and the embedding of its text
/// (see [`entry_text`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryVector {
    pub category_id: u16,
    pub subcategory: Option<String>,
    pub vector: Vec<f32>,
}

/// How training runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// L2 penalty on the weights.
    pub l2: f32,
    pub iterations: usize,
    pub learning_rate: f32,
    /// Weigh each category's examples by `(n / count)^balance`: 0 leaves frequencies as they
    /// are, 1 makes every category weigh the same; in between helps rare categories without
    /// trusting a handful of examples too much.
    pub balance: f32,
    /// How much each codebook entry counts as an example of its category.
    pub codebook_weight: f32,
}

impl Default for TrainOptions {
    /// Chosen by 5-fold cross-validation on the shipped labelled set (see
    /// `crates/taxonomy/labels/README.md`).
    fn default() -> Self {
        TrainOptions {
            l2: 1e-3,
            iterations: 400,
            learning_rate: 2.0,
            balance: 0.5,
            codebook_weight: 1.0,
        }
    }
}

/// Why a classifier cannot be trained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("no training examples")]
    Empty,
    #[error("example {index} has {found} dimensions, the others {expected}")]
    Dimension {
        index: usize,
        expected: usize,
        found: usize,
    },
    #[error("example {index} has a non-finite value")]
    NotFinite { index: usize },
    #[error("example {index}: category {category} is not in the codebook")]
    UnknownCategory { index: usize, category: u16 },
    #[error("example {index}: class {class} is not below the {k} classes")]
    UnknownClass {
        index: usize,
        class: usize,
        k: usize,
    },
}

/// The text of a codebook entry that is embedded as an example of its category.
pub fn entry_text(
    category: &str,
    subcategory: Option<&str>,
    definition: &str,
    example: &str,
) -> String {
    let example = example.trim();
    // The codebook quotes its example as `T<topic id>: "…"`; the topic id is noise.
    let example = example
        .split_once(": ")
        .filter(|(id, _)| id.starts_with('T') && id[1..].chars().all(|c| c.is_ascii_digit()))
        .map_or(example, |(_, quote)| quote)
        .trim_matches('"');
    match subcategory {
        Some(sub) => format!("{category}: {sub}. {definition} {example}"),
        None => format!("{category}. {definition} {example}"),
    }
}

/// The codebook entries whose texts ([`entry_text`]) are embedded: `(category id, subcategory,
/// text)`, in codebook order.
pub fn entry_texts(codebook: &Codebook) -> Vec<(u16, Option<String>, String)> {
    codebook
        .categories
        .iter()
        .flat_map(|c| {
            c.entries.iter().map(move |e| {
                (
                    c.id,
                    e.subcategory.clone(),
                    entry_text(&c.name, e.subcategory.as_deref(), &e.definition, &e.example),
                )
            })
        })
        .collect()
}

/// A trained classifier: one weight vector and bias per category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorClassifier {
    /// Category ids, in the order of `weights`.
    pub classes: Vec<u16>,
    pub names: Vec<String>,
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
    pub entries: Vec<EntryVector>,
}

impl VectorClassifier {
    /// Trains on `examples` plus the codebook `entries` (each an example of its category).
    /// Category 12, Lack of Support, is not learnt from text: it is derived from the thread.
    pub fn train(
        codebook: &Codebook,
        examples: &[Example],
        entries: Vec<EntryVector>,
        options: TrainOptions,
    ) -> Result<VectorClassifier, TrainError> {
        let mut all: Vec<(&[f32], u16, f32)> = examples
            .iter()
            .filter(|e| e.category_id != LACK_OF_SUPPORT)
            .map(|e| (e.vector.as_slice(), e.category_id, e.weight))
            .collect();
        all.extend(
            entries
                .iter()
                .filter(|e| e.category_id != LACK_OF_SUPPORT)
                .map(|e| (e.vector.as_slice(), e.category_id, options.codebook_weight)),
        );
        let dimension = all.first().ok_or(TrainError::Empty)?.0.len();
        let mut classes = vec![NO_CHALLENGE.0];
        let mut names = vec![NO_CHALLENGE.1.to_string()];
        for c in &codebook.categories {
            if c.id != LACK_OF_SUPPORT {
                classes.push(c.id);
                names.push(c.name.clone());
            }
        }
        let mut rows: Vec<(&[f32], usize, f32)> = Vec::with_capacity(all.len());
        for (index, (vector, category, weight)) in all.into_iter().enumerate() {
            check_vector(index, vector, dimension)?;
            let class = classes
                .iter()
                .position(|&c| c == category)
                .ok_or(TrainError::UnknownCategory { index, category })?;
            rows.push((vector, class, weight));
        }

        let probe = LinearProbe::fit_rows(&rows, classes.len(), &options);
        Ok(VectorClassifier {
            classes,
            names,
            weights: probe.weights,
            bias: probe.bias,
            entries,
        })
    }

    /// Whether the classifier is whole: as many names, weight rows and biases as classes, every
    /// row and entry of one length, every number finite. A classifier read from a file is
    /// checked before use, so that a damaged or hostile file is refused, never a panic.
    pub fn check(&self) -> Result<(), String> {
        let n = self.classes.len();
        if n == 0 {
            return Err("no categories".into());
        }
        if self.names.len() != n || self.weights.len() != n || self.bias.len() != n {
            return Err(format!(
                "{n} categories but {} names, {} weight rows and {} biases",
                self.names.len(),
                self.weights.len(),
                self.bias.len()
            ));
        }
        let dimension = self.dimension();
        if dimension == 0 {
            return Err("empty weight rows".into());
        }
        if let Some(i) = self.weights.iter().position(|r| r.len() != dimension) {
            return Err(format!(
                "weight row {i} has {} values, the first has {dimension}",
                self.weights[i].len()
            ));
        }
        if let Some(i) = self
            .entries
            .iter()
            .position(|e| e.vector.len() != dimension)
        {
            return Err(format!("codebook entry {i} is not {dimension}-dimensional"));
        }
        let finite = self
            .weights
            .iter()
            .flatten()
            .chain(&self.bias)
            .all(|v| v.is_finite());
        if !finite {
            return Err("a weight that is not a finite number".into());
        }
        Ok(())
    }

    /// The length of the vectors the classifier takes.
    pub fn dimension(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// Classifies one vector. `replies`, when known, is the number of answers the thread got:
    /// none makes a challenge "Lack of Support" (12), as the lexical classifier does.
    pub fn classify(
        &self,
        vector: &[f32],
        replies: Option<u64>,
        codebook: &Codebook,
    ) -> Prediction {
        let mut probabilities = vec![0f32; self.classes.len()];
        softmax_into(&self.weights, &self.bias, vector, &mut probabilities);
        let mut order: Vec<usize> = (0..probabilities.len()).collect();
        order.sort_by(|&a, &b| {
            probabilities[b]
                .total_cmp(&probabilities[a])
                .then(a.cmp(&b))
        });
        let (best, second) = (order[0], order.get(1).copied());
        let best_id = self.classes[best];
        if replies == Some(0)
            && best_id != NO_CHALLENGE.0
            && let Some(category) = codebook.categories.iter().find(|c| c.id == LACK_OF_SUPPORT)
        {
            return Prediction {
                category_id: LACK_OF_SUPPORT,
                category: category.name.clone(),
                subcategory: None,
                score: 1.0,
                runner_up_id: Some(best_id),
            };
        }
        let subcategory = self
            .entries
            .iter()
            .filter(|e| e.category_id == best_id && e.subcategory.is_some())
            .map(|e| (dot(&e.vector, vector), e))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .and_then(|(_, e)| e.subcategory.clone());
        Prediction {
            category_id: best_id,
            category: self.names[best].clone(),
            subcategory,
            score: f64::from(probabilities[best]),
            runner_up_id: second.map(|s| self.classes[s]),
        }
    }
}

/// Assigns each item to one of `k` folds so that every category is spread evenly over the
/// folds (stratified), reproducibly for a `seed`.
pub fn stratified_folds(categories: &[u16], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..categories.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    // Sorting by category (stable) keeps the shuffled order inside each category; dealing the
    // items out round-robin then gives each fold its share of every category.
    order.sort_by_key(|&i| categories[i]);
    let mut folds = vec![0; categories.len()];
    for (n, &i) in order.iter().enumerate() {
        folds[i] = n % k;
    }
    folds
}

/// Out-of-fold predictions: the one cross-validation loop of hubscope (the classifier's
/// training and a proof of concept's probe both run it). The items are dealt into `folds`
/// stratified folds by `strata` ([`stratified_folds`], drawn with `seed`); for each fold, `fit`
/// learns from the items of the other folds (their indices) and `predict` answers for each item
/// of the fold. Folds are fitted side by side. Every item is predicted once, by the model that
/// did not see it; the predictions come back in item order.
pub fn out_of_fold<M, P, E>(
    strata: &[u16],
    folds: usize,
    seed: u64,
    fit: impl Fn(&[usize]) -> Result<M, E> + Sync,
    predict: impl Fn(&M, usize) -> P + Sync,
) -> Result<Vec<P>, E>
where
    P: Send,
    E: Send,
{
    use rayon::prelude::*;
    let folds = folds.max(1);
    let fold_of = stratified_folds(strata, folds, seed);
    let per_fold: Vec<Result<Vec<(usize, P)>, E>> = (0..folds)
        .into_par_iter()
        .map(|fold| {
            let (held, train): (Vec<usize>, Vec<usize>) =
                (0..strata.len()).partition(|&i| fold_of[i] == fold);
            let model = fit(&train)?;
            Ok(held.into_iter().map(|i| (i, predict(&model, i))).collect())
        })
        .collect();
    let mut predicted: Vec<Option<P>> = (0..strata.len()).map(|_| None).collect();
    for fold in per_fold {
        for (i, p) in fold? {
            predicted[i] = Some(p);
        }
    }
    // Every item is in exactly one fold, so every slot is filled.
    Ok(predicted.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn out_of_fold_predicts_each_item_once_by_a_model_that_never_saw_it() {
        let strata: Vec<u16> = (0..23).map(|i| (i % 3) as u16).collect();
        let predicted = out_of_fold(
            &strata,
            4,
            7,
            |train: &[usize]| Ok::<_, ()>(train.to_vec()),
            |seen: &Vec<usize>, i| (i, seen.contains(&i), seen.len()),
        )
        .unwrap();
        assert_eq!(predicted.len(), 23);
        assert!(predicted.iter().enumerate().all(|(i, p)| p.0 == i && !p.1));
        // Each model saw the other folds: about three quarters of the items.
        assert!(
            predicted.iter().all(|p| (16..=18).contains(&p.2)),
            "{predicted:?}"
        );
        let failed = out_of_fold(&strata, 4, 7, |_: &[usize]| Err::<(), _>("no"), |_, i| i);
        assert_eq!(failed, Err("no"));
    }

    #[test]
    fn a_damaged_classifier_is_refused_not_a_panic() {
        let whole = VectorClassifier {
            classes: vec![0, 1],
            names: vec!["a".into(), "b".into()],
            weights: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            bias: vec![0.0, 0.0],
            entries: Vec::new(),
        };
        assert_eq!(whole.check(), Ok(()));
        let mut empty = whole.clone();
        empty.classes.clear();
        assert!(empty.check().unwrap_err().contains("no categories"));
        let mut short = whole.clone();
        short.bias.pop();
        assert!(short.check().unwrap_err().contains("biases"));
        let mut ragged = whole.clone();
        ragged.weights[1].push(3.0);
        assert!(ragged.check().unwrap_err().contains("weight row 1"));
        let mut nan = whole.clone();
        nan.weights[0][0] = f32::NAN;
        assert!(nan.check().is_err());
        let mut no_rows = whole;
        no_rows.weights = vec![Vec::new(), Vec::new()];
        assert!(no_rows.check().unwrap_err().contains("empty"));
    }

    /// Points around one axis per category, with noise from a seeded generator.
    fn clusters(per_class: usize, classes: &[u16], seed: u64) -> Vec<Example> {
        let mut rng = SplitMix64::new(seed);
        let mut noise = || (rng.below(1000) as f32 / 1000.0 - 0.5) * 0.6;
        let d = 20;
        let mut out = Vec::new();
        for (axis, &c) in classes.iter().enumerate() {
            for _ in 0..per_class {
                let mut v: Vec<f32> = (0..d).map(|_| noise()).collect();
                v[axis] += 1.0;
                out.push(Example {
                    vector: v,
                    category_id: c,
                    weight: 1.0,
                });
            }
        }
        out
    }

    #[test]
    fn separable_clusters_are_learnt_and_unseen_points_classified() {
        let codebook = Codebook::challenges();
        let classes = [0u16, 1, 3, 8, 17];
        let train = clusters(30, &classes, 1);
        let model = VectorClassifier::train(&codebook, &train, Vec::new(), TrainOptions::default())
            .unwrap();
        let test = clusters(20, &classes, 2);
        let correct = test
            .iter()
            .filter(|e| model.classify(&e.vector, None, &codebook).category_id == e.category_id)
            .count();
        assert!(
            correct as f64 / test.len() as f64 > 0.95,
            "{correct}/{}",
            test.len()
        );
        let p = model.classify(&test[0].vector, Some(0), &codebook);
        assert_eq!(p.category_id, 0, "no challenge needs no answer");
        let p = model.classify(&test[25].vector, Some(0), &codebook);
        assert_eq!((p.category_id, p.runner_up_id), (12, Some(1)));
    }

    #[test]
    fn subcategory_is_the_nearest_entry_of_the_winning_category() {
        let codebook = Codebook::challenges();
        let train = clusters(10, &[1, 3], 3);
        let mut near = vec![0f32; 20];
        near[0] = 1.0;
        near[5] = 0.5;
        let entries = vec![
            EntryVector {
                category_id: 1,
                subcategory: Some("Model card".into()),
                vector: near.clone(),
            },
            EntryVector {
                category_id: 1,
                subcategory: Some("Customizing Model".into()),
                vector: {
                    let mut v = vec![0f32; 20];
                    v[0] = 1.0;
                    v[6] = 0.5;
                    v
                },
            },
        ];
        let model =
            VectorClassifier::train(&codebook, &train, entries, TrainOptions::default()).unwrap();
        let p = model.classify(&near, None, &codebook);
        assert_eq!(
            (p.category_id, p.subcategory.as_deref()),
            (1, Some("Model card"))
        );
    }

    #[test]
    fn bad_training_data_is_refused_with_the_example() {
        let codebook = Codebook::challenges();
        let mut train = clusters(2, &[1, 3], 4);
        train[3].vector.pop();
        assert_eq!(
            VectorClassifier::train(&codebook, &train, Vec::new(), TrainOptions::default()),
            Err(TrainError::Dimension {
                index: 3,
                expected: 20,
                found: 19
            })
        );
        let mut train = clusters(2, &[1, 3], 4);
        train[1].category_id = 99;
        assert!(matches!(
            VectorClassifier::train(&codebook, &train, Vec::new(), TrainOptions::default()),
            Err(TrainError::UnknownCategory {
                index: 1,
                category: 99
            })
        ));
        assert_eq!(
            VectorClassifier::train(&codebook, &[], Vec::new(), TrainOptions::default()),
            Err(TrainError::Empty)
        );
    }

    #[test]
    fn folds_are_stratified_and_reproducible() {
        let categories: Vec<u16> = (0..100).map(|i| (i % 4) as u16).collect();
        let folds = stratified_folds(&categories, 5, 7);
        assert_eq!(folds, stratified_folds(&categories, 5, 7));
        for fold in 0..5 {
            for c in 0..4u16 {
                let n = (0..100)
                    .filter(|&i| folds[i] == fold && categories[i] == c)
                    .count();
                assert_eq!(n, 5, "fold {fold}, category {c}");
            }
        }
    }

    #[test]
    fn entry_texts_drop_the_topic_id_of_the_example() {
        let text = entry_text(
            "Spaces",
            None,
            "Issues with Spaces.",
            "T1234: \"My Space is stuck\"",
        );
        assert_eq!(text, "Spaces. Issues with Spaces. My Space is stuck");
        assert_eq!(entry_texts(&Codebook::challenges()).len(), 47);
    }
}
