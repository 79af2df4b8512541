//! A linear probe: multinomial logistic regression (softmax) over vectors, trained by full-batch
//! gradient descent with Nesterov momentum on a class-balanced, L2-penalised cross-entropy.
//!
//! The embedding classifier of the study's taxonomy is one ([`crate::VectorClassifier`]), and so
//! is the proof-of-concept evaluation of an encoder on a team's own labels: how well a frozen
//! model's vectors separate the classes is what a probe measures. Pure: vectors in, weights out.

use crate::vector::{TrainError, TrainOptions};

/// A trained probe: one weight vector and bias per class (classes are `0..k`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearProbe {
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
}

impl LinearProbe {
    /// Trains on `vectors` whose classes are `classes` (each below `k`), every example counting
    /// once before balancing (`options.balance`). `options.codebook_weight` plays no part.
    pub fn fit<V: AsRef<[f32]>>(
        vectors: &[V],
        classes: &[usize],
        k: usize,
        options: &TrainOptions,
    ) -> Result<LinearProbe, TrainError> {
        let dimension = vectors.first().ok_or(TrainError::Empty)?.as_ref().len();
        let mut rows = Vec::with_capacity(vectors.len());
        for (index, (vector, &class)) in vectors.iter().zip(classes).enumerate() {
            let vector = vector.as_ref();
            check_vector(index, vector, dimension)?;
            if class >= k {
                return Err(TrainError::UnknownClass { index, class, k });
            }
            rows.push((vector, class, 1.0));
        }
        Ok(LinearProbe::fit_rows(&rows, k, options))
    }

    /// Trains on checked rows `(vector, class < k, weight)` of one dimension.
    pub(crate) fn fit_rows(
        rows: &[(&[f32], usize, f32)],
        k: usize,
        options: &TrainOptions,
    ) -> LinearProbe {
        let dimension = rows.first().map_or(0, |r| r.0.len());
        // Balance: each class's total weight scaled by (share)^-balance, then all weights
        // normalised to sum to 1.
        let mut per_class = vec![0f32; k];
        for (_, class, weight) in rows {
            per_class[*class] += weight;
        }
        let total: f32 = per_class.iter().sum();
        let factor: Vec<f32> = per_class
            .iter()
            .map(|&w| {
                if w > 0.0 {
                    (total / w).powf(options.balance)
                } else {
                    0.0
                }
            })
            .collect();
        let mut weights_sum = 0f32;
        let mut sample_weight: Vec<f32> = rows
            .iter()
            .map(|(_, class, weight)| {
                let w = weight * factor[*class];
                weights_sum += w;
                w
            })
            .collect();
        for w in &mut sample_weight {
            *w /= weights_sum.max(f32::MIN_POSITIVE);
        }

        // Full-batch gradient descent with Nesterov momentum on the weighted cross-entropy.
        let mut w = vec![vec![0f32; dimension]; k];
        let mut b = vec![0f32; k];
        let mut velocity_w = vec![vec![0f32; dimension]; k];
        let mut velocity_b = vec![0f32; k];
        let momentum = 0.9f32;
        let mut probabilities = vec![0f32; k];
        for _ in 0..options.iterations {
            let look_w: Vec<Vec<f32>> = w
                .iter()
                .zip(&velocity_w)
                .map(|(wr, vr)| wr.iter().zip(vr).map(|(a, v)| a + momentum * v).collect())
                .collect();
            let look_b: Vec<f32> = b
                .iter()
                .zip(&velocity_b)
                .map(|(a, v)| a + momentum * v)
                .collect();
            let mut grad_w: Vec<Vec<f32>> = look_w
                .iter()
                .map(|row| row.iter().map(|x| options.l2 * x).collect())
                .collect();
            let mut grad_b = vec![0f32; k];
            for ((vector, class, _), weight) in rows.iter().zip(&sample_weight) {
                softmax_into(&look_w, &look_b, vector, &mut probabilities);
                for c in 0..k {
                    let error = (probabilities[c] - if c == *class { 1.0 } else { 0.0 }) * weight;
                    if error != 0.0 {
                        for (g, x) in grad_w[c].iter_mut().zip(vector.iter()) {
                            *g += error * x;
                        }
                        grad_b[c] += error;
                    }
                }
            }
            for c in 0..k {
                for j in 0..dimension {
                    velocity_w[c][j] =
                        momentum * velocity_w[c][j] - options.learning_rate * grad_w[c][j];
                    w[c][j] += velocity_w[c][j];
                }
                velocity_b[c] = momentum * velocity_b[c] - options.learning_rate * grad_b[c];
                b[c] += velocity_b[c];
            }
        }
        LinearProbe {
            weights: w,
            bias: b,
        }
    }

    /// The most probable class of `vector` (the lowest on a tie).
    pub fn predict(&self, vector: &[f32]) -> usize {
        let mut probabilities = vec![0f32; self.bias.len()];
        softmax_into(&self.weights, &self.bias, vector, &mut probabilities);
        let mut best = 0;
        for (c, p) in probabilities.iter().enumerate() {
            if *p > probabilities[best] {
                best = c;
            }
        }
        best
    }
}

/// Refuses example `index` when it is not of `dimension` or holds a non-finite value.
pub(crate) fn check_vector(
    index: usize,
    vector: &[f32],
    dimension: usize,
) -> Result<(), TrainError> {
    if vector.len() != dimension {
        return Err(TrainError::Dimension {
            index,
            expected: dimension,
            found: vector.len(),
        });
    }
    if !vector.iter().all(|v| v.is_finite()) {
        return Err(TrainError::NotFinite { index });
    }
    Ok(())
}

/// The dot product, summed in eight lanes so the compiler can keep them in one vector register
/// (a single running sum is a chain of dependent additions it may not reorder).
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

pub(crate) fn softmax_into(weights: &[Vec<f32>], bias: &[f32], vector: &[f32], out: &mut [f32]) {
    let mut top = f32::NEG_INFINITY;
    for ((o, row), b) in out.iter_mut().zip(weights).zip(bias) {
        *o = dot(row, vector) + b;
        top = top.max(*o);
    }
    let mut sum = 0f32;
    for o in out.iter_mut() {
        *o = (*o - top).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn separable_classes_are_learnt() {
        // Three classes, each along one axis, plus a little offset on the others.
        let mut vectors = Vec::new();
        let mut classes = Vec::new();
        for i in 0..30 {
            let class = i % 3;
            let mut v = vec![0.1 * (i % 5) as f32 / 5.0; 3];
            v[class] = 1.0;
            vectors.push(v);
            classes.push(class);
        }
        let probe = LinearProbe::fit(&vectors, &classes, 3, &TrainOptions::default()).unwrap();
        for (v, c) in vectors.iter().zip(&classes) {
            assert_eq!(probe.predict(v), *c);
        }
        assert_eq!(probe.predict(&[0.0, 0.0, 2.0]), 2);
    }

    #[test]
    fn bad_examples_are_named() {
        let options = TrainOptions::default();
        assert_eq!(
            LinearProbe::fit::<Vec<f32>>(&[], &[], 2, &options),
            Err(TrainError::Empty)
        );
        assert_eq!(
            LinearProbe::fit(&[vec![1.0, 0.0], vec![1.0]], &[0, 1], 2, &options),
            Err(TrainError::Dimension {
                index: 1,
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            LinearProbe::fit(&[vec![f32::NAN]], &[0], 2, &options),
            Err(TrainError::NotFinite { index: 0 })
        );
        assert_eq!(
            LinearProbe::fit(&[vec![1.0]], &[2], 2, &options),
            Err(TrainError::UnknownClass {
                index: 0,
                class: 2,
                k: 2
            })
        );
    }
}
