//! Audits: a model's facts checked against a [`Policy`], each broken rule a [`Finding`] with its
//! severity. Pure: the caller gathers the facts (from the store, or from a README alone) and
//! resolves base models' licences through lineage.

use std::collections::BTreeSet;

use hubscope_card::{CanonicalSection, LicenseStatus, ModelCard};
use serde::Serialize;

use crate::policy::{MetadataField, Policy, Severity};

/// What an audit needs to know of a model's card.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CardFacts {
    /// Canonical sections present, and filled (not only a heading or placeholders).
    pub present: Vec<CanonicalSection>,
    pub filled: Vec<CanonicalSection>,
    pub score: u8,
    /// model-index results in the metadata.
    pub eval_results: u32,
    /// The evaluation section is filled and has numbers in it.
    pub evaluation_with_numbers: bool,
}

impl CardFacts {
    pub fn of(card: &ModelCard) -> CardFacts {
        let mut facts = CardFacts {
            score: card.score.total,
            eval_results: card.metadata.eval_results.results,
            ..CardFacts::default()
        };
        for section in CanonicalSection::ALL {
            let coverage = card.sections.get(section);
            if coverage.present {
                facts.present.push(section);
            }
            if coverage.filled {
                facts.filled.push(section);
            }
        }
        let evaluation = card.sections.get(CanonicalSection::Evaluation);
        facts.evaluation_with_numbers = evaluation.filled && evaluation.has_numbers;
        facts
    }
}

/// A model's licence as declared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenseFacts {
    /// As written.
    pub raw: String,
    /// The Hub id (`apache-2.0`, `other`, …) when recognised.
    pub id: Option<String>,
    pub spdx: Option<String>,
    pub status: LicenseStatus,
    /// `license_name` or `license_link` is given (for `other`).
    pub described: bool,
}

impl LicenseFacts {
    pub fn of(card: &ModelCard) -> Option<LicenseFacts> {
        card.metadata.license.as_ref().map(|l| LicenseFacts {
            raw: l.raw.clone(),
            id: l.id.clone(),
            spdx: l.spdx.clone(),
            status: l.status,
            described: l.name.is_some() || l.link.is_some(),
        })
    }

    /// Whether any of the licence's names is in `names` (lower case, trimmed).
    pub fn is_one_of<S: AsRef<str>>(&self, names: &[S]) -> bool {
        self.names()
            .iter()
            .any(|n| names.iter().any(|x| x.as_ref() == n))
    }

    /// The names the policy's lists and a shortlist's `--license-allow` may use: the raw value,
    /// the Hub id, the SPDX id (lower case, trimmed).
    pub fn names(&self) -> Vec<String> {
        [Some(&self.raw), self.id.as_ref(), self.spdx.as_ref()]
            .into_iter()
            .flatten()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect()
    }

    fn label(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.raw)
    }
}

/// Everything an audit checks. `None` means unknown (e.g. a README audited alone has no
/// download counts): the rules that need it are listed as not checked, not failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Subject {
    pub id: String,
    /// The repository revision (sha) the facts are from.
    pub revision: Option<String>,
    /// `None`: the model has no card.
    pub card: Option<CardFacts>,
    pub license: Option<LicenseFacts>,
    /// `(base model id, its licence when known)`, every ancestor through lineage.
    pub bases: Vec<(String, Option<LicenseFacts>)>,
    pub gated: Option<bool>,
    pub private: Option<bool>,
    /// The repository's file names.
    pub files: Option<Vec<String>>,
    pub downloads: Option<u64>,
    pub likes: Option<u64>,
    /// Parameters (from the safetensors metadata).
    pub parameters: Option<u64>,
    /// Days since the repository last changed.
    pub stale_days: Option<u32>,
    pub pipeline_tag: Option<String>,
    pub library_name: Option<String>,
    pub languages: Vec<String>,
    pub datasets: Vec<String>,
    pub base_models: Vec<String>,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule, as `table.key` of the policy (`license.deny`, `sections.required`, …).
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
}

/// The audit of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audit {
    pub model_id: String,
    pub revision: Option<String>,
    pub policy: String,
    pub policy_version: String,
    pub policy_hash: String,
    /// No error finding.
    pub passed: bool,
    pub findings: Vec<Finding>,
    /// Rules of the policy that could not be checked for lack of facts.
    pub not_checked: Vec<&'static str>,
}

/// File extensions of pickle-based weights.
const PICKLE: [&str; 5] = [".bin", ".pt", ".pth", ".pkl", ".ckpt"];

/// Files that are pickles but not weights (the Trainer's arguments).
const NOT_WEIGHTS: [&str; 3] = ["training_args.bin", "optimizer.pt", "scheduler.pt"];

/// The pickle-based weight files of a repository that has no safetensors file.
pub fn pickle_only_weights(files: &[String]) -> Vec<&str> {
    if files
        .iter()
        .any(|f| f.to_ascii_lowercase().ends_with(".safetensors"))
    {
        return Vec::new();
    }
    files
        .iter()
        .map(String::as_str)
        .filter(|f| {
            let lower = f.to_ascii_lowercase();
            let base = lower.rsplit('/').next().unwrap_or(&lower);
            PICKLE.iter().any(|ext| lower.ends_with(ext)) && !NOT_WEIGHTS.contains(&base)
        })
        .collect()
}

fn in_list(list: &BTreeSet<String>, license: &LicenseFacts) -> bool {
    license.names().iter().any(|n| list.contains(n.as_str()))
}

/// Audits `subject` against `policy`.
pub fn audit(policy: &Policy, subject: &Subject) -> Audit {
    let mut findings = Vec::new();
    let mut not_checked = Vec::new();
    let mut find = |rule: &'static str, severity: Severity, message: String| {
        findings.push(Finding {
            rule,
            severity,
            message,
        })
    };

    if let Some((required, severity)) = &policy.sections {
        match &subject.card {
            None => find(
                "sections.required",
                *severity,
                "no model card: no required section can be filled".into(),
            ),
            Some(card) => {
                for section in required {
                    if !card.filled.contains(section) {
                        let state = if card.present.contains(section) {
                            "is present but not filled (empty, or template placeholders)"
                        } else {
                            "is missing"
                        };
                        find(
                            "sections.required",
                            *severity,
                            format!("section {} {state}", section.as_str()),
                        );
                    }
                }
            }
        }
    }

    if let Some(rule) = &policy.score {
        let score = subject.card.as_ref().map_or(0, |c| c.score);
        if score < rule.minimum {
            find(
                "score.minimum",
                rule.severity,
                format!("card completeness score {score} is below {}", rule.minimum),
            );
        }
    }

    if let Some(rule) = &policy.license {
        match &subject.license {
            None => find("license", rule.severity, "no licence declared".into()),
            Some(l) => {
                let label = l.label().to_string();
                if matches!(
                    l.status,
                    LicenseStatus::Unknown | LicenseStatus::Unrecognized
                ) {
                    find(
                        "license",
                        rule.severity,
                        format!("licence {:?} is unknown or not recognised", l.raw),
                    );
                } else if l.id.as_deref() == Some("other") && !l.described {
                    find(
                        "license",
                        rule.severity,
                        "licence `other` without license_name or license_link".into(),
                    );
                }
                if in_list(&rule.deny, l) {
                    find(
                        "license.deny",
                        rule.severity,
                        format!("licence {label} is denied"),
                    );
                } else if in_list(&rule.review, l) {
                    find(
                        "license.review",
                        rule.review_severity,
                        format!("licence {label} needs review"),
                    );
                } else if !rule.allow.is_empty()
                    && !in_list(&rule.allow, l)
                    && matches!(l.status, LicenseStatus::Known | LicenseStatus::Other)
                {
                    find(
                        "license.allow",
                        rule.severity,
                        format!("licence {label} is not on the allow list"),
                    );
                }
            }
        }
        if rule.inherit {
            for (base, license) in &subject.bases {
                match license {
                    Some(l) if in_list(&rule.deny, l) => find(
                        "license.inherit",
                        rule.severity,
                        format!(
                            "derived from {base}, whose licence {} is denied (a derivative inherits it)",
                            l.label()
                        ),
                    ),
                    Some(l) if in_list(&rule.review, l) => find(
                        "license.inherit",
                        rule.review_severity,
                        format!(
                            "derived from {base}, whose licence {} needs review",
                            l.label()
                        ),
                    ),
                    Some(_) => {}
                    None => find(
                        "license.inherit",
                        Severity::Warning,
                        format!("derived from {base}, whose licence is not known here"),
                    ),
                }
            }
        }
    }

    if let Some(rule) = &policy.access {
        if let Some(severity) = rule.gated {
            match subject.gated {
                Some(true) => find("access.gated", severity, "the repository is gated".into()),
                Some(false) => {}
                None => not_checked.push("access.gated"),
            }
        }
        if let Some(severity) = rule.private {
            match subject.private {
                Some(true) => find(
                    "access.private",
                    severity,
                    "the repository is private".into(),
                ),
                Some(false) => {}
                None => not_checked.push("access.private"),
            }
        }
    }

    if let Some(rule) = &policy.weights {
        match &subject.files {
            Some(files) => {
                let pickles = pickle_only_weights(files);
                if !pickles.is_empty() {
                    find(
                        "weights.pickle_only",
                        rule.pickle_only,
                        format!(
                            "weights only in pickle-based files, which can run code when loaded: {}",
                            pickles.join(", ")
                        ),
                    );
                }
            }
            None => not_checked.push("weights.pickle_only"),
        }
    }

    if let Some(rule) = &policy.adoption {
        for (key, minimum, value, what) in [
            (
                "adoption.min_downloads",
                rule.min_downloads,
                subject.downloads,
                "downloads",
            ),
            ("adoption.min_likes", rule.min_likes, subject.likes, "likes"),
        ] {
            match (minimum, value) {
                (Some(min), Some(v)) if v < min => {
                    find(key, rule.severity, format!("{v} {what}, fewer than {min}"));
                }
                (Some(_), None) => not_checked.push(key),
                _ => {}
            }
        }
    }

    if let Some(rule) = &policy.maintenance {
        match subject.stale_days {
            Some(days) if days > rule.max_stale_days => find(
                "maintenance.max_stale_days",
                rule.severity,
                format!(
                    "last changed {days} days ago, more than {}",
                    rule.max_stale_days
                ),
            ),
            Some(_) => {}
            None => not_checked.push("maintenance.max_stale_days"),
        }
    }

    if let Some(rule) = &policy.evaluation
        && rule.required
    {
        let evidence = subject
            .card
            .as_ref()
            .is_some_and(|c| c.eval_results > 0 || c.evaluation_with_numbers);
        if !evidence {
            find(
                "evaluation.required",
                rule.severity,
                "no evaluation evidence (no model-index results, no evaluation section with numbers)"
                    .into(),
            );
        }
    }

    if let Some((fields, severity)) = &policy.metadata {
        for field in fields {
            let present = match field {
                MetadataField::PipelineTag => subject.pipeline_tag.is_some(),
                MetadataField::Language => !subject.languages.is_empty(),
                MetadataField::License => subject.license.is_some(),
                MetadataField::Datasets => !subject.datasets.is_empty(),
                MetadataField::BaseModel => !subject.base_models.is_empty(),
                MetadataField::LibraryName => subject.library_name.is_some(),
            };
            if !present {
                find(
                    "metadata.required",
                    *severity,
                    format!("metadata field {} is not declared", field.as_str()),
                );
            }
        }
    }

    let passed = !findings.iter().any(|f| f.severity == Severity::Error);
    Audit {
        model_id: subject.id.clone(),
        revision: subject.revision.clone(),
        policy: policy.name.clone(),
        policy_version: policy.version.clone(),
        policy_hash: policy.hash.clone(),
        passed,
        findings,
        not_checked,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn policy() -> Policy {
        Policy::parse(include_str!("../../../policies/example.toml")).unwrap()
    }

    #[test]
    fn pickle_only_means_no_safetensors_beside_the_weights() {
        let files = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pickle_only_weights(&files(&[
                "config.json",
                "pytorch_model.bin",
                "training_args.bin"
            ])),
            vec!["pytorch_model.bin"]
        );
        assert!(
            pickle_only_weights(&files(&["pytorch_model.bin", "model.safetensors"])).is_empty()
        );
        assert!(pickle_only_weights(&files(&["model.gguf", "training_args.bin"])).is_empty());
        assert_eq!(
            pickle_only_weights(&files(&["v1-5.ckpt"])),
            vec!["v1-5.ckpt"]
        );
    }

    #[test]
    fn a_readme_alone_lists_what_it_cannot_check() {
        let subject = Subject {
            id: "README.md".into(),
            ..Subject::default()
        };
        let a = audit(&policy(), &subject);
        assert!(!a.passed);
        assert!(
            a.findings
                .iter()
                .any(|f| f.message == "no licence declared")
        );
        assert!(a.not_checked.contains(&"weights.pickle_only"));
        assert!(a.not_checked.contains(&"adoption.min_downloads"));
    }
}
