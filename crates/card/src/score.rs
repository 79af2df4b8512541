//! The documentation completeness score: 0–100, as the sum of nine criteria, each with its
//! points, its maximum and the reason it got them.
//!
//! The rubric follows what the Hugging Face template and the model-card literature (Mitchell et
//! al., "Model Cards for Model Reporting", 2019; the HF model-card guidebook, 2022) ask a card
//! to say, weighted towards what a reuser needs before adopting a model: what it is for, where it
//! fails, and evidence that it works.
//!
//! | criterion            | max | full marks                                                  | partial |
//! |----------------------|-----|-------------------------------------------------------------|---------|
//! | `description`        | 10  | `model_details` filled, or ≥ 20 words of summary            | 5: a shorter summary |
//! | `intended_use`       | 15  | `uses` filled                                               | – |
//! | `limitations`        | 15  | `bias_risks_limitations` filled                             | 8: only `out_of_scope_use` filled |
//! | `how_to_use`         | 10  | `how_to_get_started` filled with code                       | 7: filled without code; 5: code elsewhere |
//! | `training_data`      | 10  | `training_data` filled                                      | 5: only `datasets` metadata |
//! | `training_procedure` | 5   | `training_procedure` filled                                 | – |
//! | `evaluation`         | 20  | `model-index` results, or `evaluation` filled with numbers  | 10: `evaluation` filled, no numbers |
//! | `license`            | 10  | a known licence id, or `other` with a name or link          | 5: `other` alone, an unrecognised value, or only a licence section |
//! | `metadata`           | 5   | `pipeline_tag` (3) and `library_name` (2)                   | per field |

use serde::Serialize;

use crate::body::Content;
use crate::card::Sections;
use crate::license::LicenseStatus;
use crate::metadata::Metadata;
use crate::section::CanonicalSection as C;

/// A completeness score with its breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Score {
    /// 0–100: the sum of the criteria's points.
    pub total: u8,
    pub criteria: Vec<Criterion>,
}

/// One criterion of the rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Criterion {
    pub id: &'static str,
    pub points: u8,
    pub max: u8,
    pub reason: String,
}

impl Score {
    /// The maximum of every criterion, in rubric order (sums to 100).
    pub const RUBRIC: [(&'static str, u8); 9] = [
        ("description", 10),
        ("intended_use", 15),
        ("limitations", 15),
        ("how_to_use", 10),
        ("training_data", 10),
        ("training_procedure", 5),
        ("evaluation", 20),
        ("license", 10),
        ("metadata", 5),
    ];

    pub(crate) fn rate(sections: &Sections, meta: &Metadata, preamble: &Content) -> Score {
        let mut criteria = Vec::with_capacity(9);
        let mut add = |id: &'static str, points: u8, reason: String| {
            let max = Self::RUBRIC
                .iter()
                .find(|(name, _)| *name == id)
                .map_or(0, |(_, max)| *max);
            criteria.push(Criterion {
                id,
                points: points.min(max),
                max,
                reason,
            });
        };
        let s = |c| sections.get(c);
        let filled = |c| format!("{c} filled ({} words)", sections.get(c).words);
        let missing = |c: crate::section::CanonicalSection| {
            if sections.get(c).present {
                format!("{c} present but not filled")
            } else {
                format!("no {c} section")
            }
        };

        // description
        if s(C::ModelDetails).filled {
            add("description", 10, filled(C::ModelDetails));
        } else if preamble.real_words >= 20 {
            add(
                "description",
                10,
                format!(
                    "summary before the first section ({} words)",
                    preamble.real_words
                ),
            );
        } else if preamble.real_words > 0 {
            add(
                "description",
                5,
                format!("short summary only ({} words)", preamble.real_words),
            );
        } else {
            add("description", 0, missing(C::ModelDetails));
        }

        // intended_use
        if s(C::Uses).filled {
            add("intended_use", 15, filled(C::Uses));
        } else {
            add("intended_use", 0, missing(C::Uses));
        }

        // limitations
        if s(C::BiasRisksLimitations).filled {
            add("limitations", 15, filled(C::BiasRisksLimitations));
        } else if s(C::OutOfScopeUse).filled {
            add(
                "limitations",
                8,
                format!("only {} filled", C::OutOfScopeUse),
            );
        } else {
            add("limitations", 0, missing(C::BiasRisksLimitations));
        }

        // how_to_use
        let how = s(C::HowToGetStarted);
        let any_code = sections.iter().any(|(_, c)| c.code_blocks > 0);
        if how.filled && how.code_blocks > 0 {
            add(
                "how_to_use",
                10,
                format!(
                    "{} filled with {} code block(s)",
                    C::HowToGetStarted,
                    how.code_blocks
                ),
            );
        } else if how.filled {
            add(
                "how_to_use",
                7,
                format!("{} filled, without code", C::HowToGetStarted),
            );
        } else if any_code || preamble.code_blocks > 0 {
            add(
                "how_to_use",
                5,
                format!("code in the card, but {}", missing(C::HowToGetStarted)),
            );
        } else {
            add("how_to_use", 0, missing(C::HowToGetStarted));
        }

        // training_data
        if s(C::TrainingData).filled {
            add("training_data", 10, filled(C::TrainingData));
        } else if !meta.datasets.is_empty() {
            add(
                "training_data",
                5,
                format!(
                    "datasets named in metadata ({}), but {}",
                    meta.datasets.len(),
                    missing(C::TrainingData)
                ),
            );
        } else {
            add("training_data", 0, missing(C::TrainingData));
        }

        // training_procedure
        if s(C::TrainingProcedure).filled {
            add("training_procedure", 5, filled(C::TrainingProcedure));
        } else {
            add("training_procedure", 0, missing(C::TrainingProcedure));
        }

        // evaluation
        let eval = s(C::Evaluation);
        let results = &meta.eval_results;
        if results.results > 0 {
            add(
                "evaluation",
                20,
                format!(
                    "model-index: {} result(s), {} metric value(s)",
                    results.results, results.metrics
                ),
            );
        } else if eval.filled && (eval.has_numbers || eval.tables > 0) {
            add(
                "evaluation",
                20,
                format!(
                    "{} filled with results ({} words)",
                    C::Evaluation,
                    eval.words
                ),
            );
        } else if eval.filled {
            add(
                "evaluation",
                10,
                format!("{} filled, but no numbers", C::Evaluation),
            );
        } else {
            add("evaluation", 0, missing(C::Evaluation));
        }

        // license
        match &meta.license {
            Some(l) => match l.status {
                LicenseStatus::Known => add(
                    "license",
                    10,
                    format!("license: {}", l.id.as_deref().unwrap_or(&l.raw)),
                ),
                LicenseStatus::Other if l.name.is_some() || l.link.is_some() => add(
                    "license",
                    10,
                    format!(
                        "license: other ({})",
                        l.name.as_deref().or(l.link.as_deref()).unwrap_or("")
                    ),
                ),
                LicenseStatus::Other => add(
                    "license",
                    5,
                    "license: other, without license_name or license_link".to_string(),
                ),
                LicenseStatus::Unknown => add("license", 0, "license declared unknown".to_string()),
                LicenseStatus::Unrecognized => add(
                    "license",
                    5,
                    format!("license {:?} is not a known identifier", l.raw),
                ),
            },
            None if s(C::License).filled => add(
                "license",
                5,
                "licence only in a section, not in metadata".to_string(),
            ),
            None => add("license", 0, "no license".to_string()),
        }

        // metadata
        let mut points = 0;
        let mut have = Vec::new();
        if let Some(tag) = &meta.pipeline_tag {
            points += 3;
            have.push(format!("pipeline_tag {tag}"));
        }
        if let Some(lib) = &meta.library_name {
            points += 2;
            have.push(format!("library_name {lib}"));
        }
        let reason = if have.is_empty() {
            "no pipeline_tag or library_name".to_string()
        } else {
            have.join(", ")
        };
        add("metadata", points, reason);

        let total = criteria.iter().map(|c| u32::from(c.points)).sum::<u32>();
        Score {
            total: total.min(100) as u8,
            criteria,
        }
    }

    /// The points of one criterion.
    pub fn points(&self, id: &str) -> Option<u8> {
        self.criteria.iter().find(|c| c.id == id).map(|c| c.points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rubric_sums_to_100() {
        assert_eq!(
            Score::RUBRIC
                .iter()
                .map(|(_, m)| u32::from(*m))
                .sum::<u32>(),
            100
        );
    }
}
