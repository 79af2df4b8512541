//! A written policy for reusing models, read from TOML: which card sections must be filled, the
//! lowest completeness score, which licences are allowed, denied or need review (also through
//! `base_model` lineage), whether gated or private models and pickle-only weights are accepted,
//! the adoption, freshness, evaluation evidence and metadata a model needs. Every rule has a
//! severity. A policy that names an unknown key, has a wrong type or contradicts itself is
//! refused with the key and its line.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use hubscope_card::CanonicalSection;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// How much a broken rule matters: an error fails the audit (exit code 1), a warning is
/// reported only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A policy as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: String,
    version: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    sections: Option<RawSections>,
    #[serde(default)]
    score: Option<ScoreRule>,
    #[serde(default)]
    license: Option<RawLicense>,
    #[serde(default)]
    access: Option<AccessRule>,
    #[serde(default)]
    weights: Option<WeightsRule>,
    #[serde(default)]
    adoption: Option<AdoptionRule>,
    #[serde(default)]
    maintenance: Option<MaintenanceRule>,
    #[serde(default)]
    evaluation: Option<EvaluationRule>,
    #[serde(default)]
    metadata: Option<RawMetadata>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSections {
    required: Vec<Spanned<String>>,
    severity: Severity,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLicense {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    deny: Vec<Spanned<String>>,
    #[serde(default)]
    review: Vec<Spanned<String>>,
    /// For a denied licence, one outside `allow` (when `allow` is given), and a missing or
    /// unknown one.
    severity: Severity,
    /// For a licence on the review list.
    #[serde(default = "warning")]
    review_severity: Severity,
    /// Check the licences of the base models too (a fine-tune of a non-commercial base is
    /// non-commercial).
    #[serde(default = "yes")]
    inherit: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetadata {
    required: Vec<Spanned<String>>,
    severity: Severity,
}

fn warning() -> Severity {
    Severity::Warning
}

fn yes() -> bool {
    true
}

/// The lowest completeness score (0–100) of the card engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRule {
    pub minimum: u8,
    pub severity: Severity,
}

/// Gated and private repositories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRule {
    #[serde(default)]
    pub gated: Option<Severity>,
    #[serde(default)]
    pub private: Option<Severity>,
}

/// Weights only in pickle-based formats (`.bin`, `.pt`, `.pth`, `.pkl`, `.ckpt`) with no
/// `.safetensors` beside them: loading them can run code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsRule {
    pub pickle_only: Severity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoptionRule {
    #[serde(default)]
    pub min_downloads: Option<u64>,
    #[serde(default)]
    pub min_likes: Option<u64>,
    pub severity: Severity,
}

/// The longest time since the repository last changed (`lastModified`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceRule {
    pub max_stale_days: u32,
    pub severity: Severity,
}

/// Evaluation evidence: model-index results, or a filled evaluation section with numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRule {
    pub required: bool,
    pub severity: Severity,
}

/// Metadata fields a model must declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataField {
    PipelineTag,
    Language,
    License,
    Datasets,
    BaseModel,
    LibraryName,
}

impl MetadataField {
    const ALL: [(&'static str, MetadataField); 6] = [
        ("pipeline_tag", MetadataField::PipelineTag),
        ("language", MetadataField::Language),
        ("license", MetadataField::License),
        ("datasets", MetadataField::Datasets),
        ("base_model", MetadataField::BaseModel),
        ("library_name", MetadataField::LibraryName),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }
}

/// The licence lists, lower-cased, as sets (a look-up costs O(log n) however long a list is).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenseRule {
    pub allow: BTreeSet<String>,
    pub deny: BTreeSet<String>,
    pub review: BTreeSet<String>,
    pub severity: Severity,
    pub review_severity: Severity,
    pub inherit: bool,
}

/// A checked policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    /// `sha1:` of the file's bytes: recorded with every audit.
    pub hash: String,
    pub sections: Option<(Vec<CanonicalSection>, Severity)>,
    pub score: Option<ScoreRule>,
    pub license: Option<LicenseRule>,
    pub access: Option<AccessRule>,
    pub weights: Option<WeightsRule>,
    pub adoption: Option<AdoptionRule>,
    pub maintenance: Option<MaintenanceRule>,
    pub evaluation: Option<EvaluationRule>,
    pub metadata: Option<(Vec<MetadataField>, Severity)>,
}

/// Why a policy was refused: the message, with the line (1-based) when one is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct PolicyError {
    pub line: Option<usize>,
    pub message: String,
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    Lines::new(text).line_of(span)
}

/// Where each line of a text starts, to turn byte offsets into line numbers in O(log n) each
/// (a policy's lists may hold many thousands of entries).
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { starts }
    }

    /// The 1-based line of a span's start.
    fn line_of(&self, span: Range<usize>) -> usize {
        self.starts.partition_point(|&s| s <= span.start)
    }
}

impl Policy {
    /// Reads and checks a policy.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError {
            line: e.span().map(|s| line_of(text, s)),
            message: e.message().trim().to_string(),
        })?;
        let lines = Lines::new(text);
        let at = |s: &Spanned<String>| Some(lines.line_of(s.span()));
        if raw.name.trim().is_empty() || raw.version.trim().is_empty() {
            return Err(PolicyError {
                line: None,
                message: "`name` and `version` must not be empty".into(),
            });
        }
        let sections =
            match raw.sections {
                Some(rule) => {
                    let mut list = Vec::new();
                    for name in &rule.required {
                        let section = CanonicalSection::from_name(name.get_ref().trim())
                            .ok_or_else(|| PolicyError {
                                line: at(name),
                                message: format!(
                                    "sections.required: unknown section {:?} (one of: {})",
                                    name.get_ref(),
                                    CanonicalSection::ALL
                                        .iter()
                                        .map(|s| s.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            })?;
                        list.push(section);
                    }
                    Some((list, rule.severity))
                }
                None => None,
            };
        let license = match raw.license {
            Some(rule) => {
                let lower = |list: &[Spanned<String>]| -> Vec<(String, Option<usize>)> {
                    list.iter()
                        .map(|s| (s.get_ref().trim().to_ascii_lowercase(), at(s)))
                        .collect()
                };
                let (allow, deny, review) =
                    (lower(&rule.allow), lower(&rule.deny), lower(&rule.review));
                // Each licence in one list only: one pass with a map of where each was first
                // seen (linear in the lists' length, however long they are).
                let lists = [("allow", &allow), ("deny", &deny), ("review", &review)];
                let mut first_list: HashMap<&str, &str> = HashMap::new();
                for (name, list) in lists {
                    for (id, line) in list {
                        match first_list.get(id.as_str()) {
                            Some(earlier) if earlier != &name => {
                                return Err(PolicyError {
                                    line: *line,
                                    message: format!(
                                        "license: {id:?} is both in `{earlier}` and in `{name}`"
                                    ),
                                });
                            }
                            Some(_) => {}
                            None => {
                                first_list.insert(id, name);
                            }
                        }
                    }
                }
                let ids = |list: &[(String, Option<usize>)]| -> BTreeSet<String> {
                    list.iter().map(|(id, _)| id.clone()).collect()
                };
                Some(LicenseRule {
                    allow: ids(&allow),
                    deny: ids(&deny),
                    review: ids(&review),
                    severity: rule.severity,
                    review_severity: rule.review_severity,
                    inherit: rule.inherit,
                })
            }
            None => None,
        };
        let metadata = match raw.metadata {
            Some(rule) => {
                let mut fields = Vec::new();
                for name in &rule.required {
                    let field = MetadataField::ALL
                        .iter()
                        .find(|(n, _)| *n == name.get_ref().trim())
                        .map(|(_, f)| *f)
                        .ok_or_else(|| PolicyError {
                            line: at(name),
                            message: format!(
                                "metadata.required: unknown field {:?} (one of: {})",
                                name.get_ref(),
                                MetadataField::ALL
                                    .iter()
                                    .map(|(n, _)| *n)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        })?;
                    fields.push(field);
                }
                Some((fields, rule.severity))
            }
            None => None,
        };
        if let Some(score) = &raw.score
            && score.minimum > 100
        {
            return Err(PolicyError {
                line: None,
                message: format!(
                    "score.minimum is {}, scores run from 0 to 100",
                    score.minimum
                ),
            });
        }
        Ok(Policy {
            name: raw.name,
            version: raw.version,
            description: raw.description,
            hash: format!("sha1:{}", sha1_smol::Sha1::from(text.as_bytes()).digest()),
            sections,
            score: raw.score,
            license,
            access: raw.access,
            weights: raw.weights,
            adoption: raw.adoption,
            maintenance: raw.maintenance,
            evaluation: raw.evaluation,
            metadata,
        })
    }
}

/// The largest policy file read (a policy with long allow-lists is kilobytes).
pub const MAX_POLICY_BYTES: u64 = 16 << 20;

/// Why a policy file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyFileError {
    #[error("cannot read the policy {0}")]
    Read(#[from] hubscope_source::SmallFileError),
    #[error("policy {0}: not UTF-8 text")]
    NotText(String),
    #[error("policy {path}: {error}")]
    Invalid { path: String, error: PolicyError },
}

impl Policy {
    /// Reads (at most [`MAX_POLICY_BYTES`]) and checks the policy file at `path`.
    pub fn load(path: &std::path::Path) -> Result<Policy, PolicyFileError> {
        let bytes = hubscope_source::read_bounded(path, MAX_POLICY_BYTES)?;
        let shown = path.display().to_string();
        let text = String::from_utf8(bytes).map_err(|_| PolicyFileError::NotText(shown.clone()))?;
        Policy::parse(&text).map_err(|error| PolicyFileError::Invalid { path: shown, error })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EXAMPLE: &str = include_str!("../../../policies/example.toml");

    #[test]
    fn long_lists_are_checked_in_one_pass() {
        // 80,000 allowed licences and one of them denied at the very end: found, with its line.
        let mut text = String::from(
            "name = \"p\"\nversion = \"1\"\n[license]\nseverity = \"error\"\nallow = [\n",
        );
        for i in 0..80_000 {
            text.push_str(&format!("  \"lic-{i}\",\n"));
        }
        text.push_str("]\ndeny = [\n  \"LIC-79999\",\n]\n");
        let e = Policy::parse(&text).unwrap_err();
        assert!(
            e.message
                .contains("\"lic-79999\" is both in `allow` and in `deny`"),
            "{e}"
        );
        assert_eq!(e.line, Some(80_008));
        text = text.replace("LIC-79999", "gpl-3.0");
        let p = Policy::parse(&text).unwrap();
        let rule = p.license.unwrap();
        assert_eq!(rule.allow.len(), 80_000);
        assert!(rule.deny.contains("gpl-3.0"));
    }

    #[test]
    fn the_example_policy_reads() {
        let p = Policy::parse(EXAMPLE).unwrap();
        assert_eq!(p.name, "example");
        assert!(p.hash.starts_with("sha1:") && p.hash.len() == 45);
        let (sections, severity) = p.sections.as_ref().unwrap();
        assert!(sections.contains(&CanonicalSection::BiasRisksLimitations));
        assert_eq!(*severity, Severity::Error);
        let license = p.license.as_ref().unwrap();
        assert!(license.allow.contains("apache-2.0"));
        assert!(license.deny.iter().any(|l| l.contains("-nc")));
        assert!(license.inherit);
    }

    #[test]
    fn bad_policies_are_refused_with_the_key_and_line() {
        let e = Policy::parse("name = \"p\"\nversion = \"1\"\n[score]\nminimum = 40\nseverity = \"error\"\nmaximum = 3\n").unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        assert!(e.message.contains("unknown field `maximum`"), "{e}");
        let e = Policy::parse(
            "name = \"p\"\nversion = \"1\"\n[score]\nminimum = \"forty\"\nseverity = \"error\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = Policy::parse("name = \"p\"\nversion = \"1\"\n[license]\nseverity = \"error\"\nallow = [\"mit\",\n  \"Apache-2.0\"]\ndeny = [\"gpl-3.0\",\n \"apache-2.0\"]\n").unwrap_err();
        assert_eq!(e.line, Some(8), "{e}");
        assert!(
            e.to_string()
                .contains("\"apache-2.0\" is both in `allow` and in `deny`"),
            "{e}"
        );
        let e = Policy::parse("name = \"p\"\nversion = \"1\"\n[sections]\nseverity = \"error\"\nrequired = [\"uses\", \"limitations\"]\n").unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.contains("unknown section \"limitations\""), "{e}");
        let e =
            Policy::parse("name = \"p\"\nversion = \"1\"\n[weights]\npickle_only = \"fatal\"\n")
                .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        let e = Policy::parse("version = \"1\"\n").unwrap_err();
        assert!(e.message.contains("name"), "{e}");
    }

    #[test]
    fn a_policy_file_that_is_not_text_or_too_long_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("p.toml");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let e = Policy::load(&binary).unwrap_err().to_string();
        assert!(e.contains("p.toml: not UTF-8 text"), "{e}");
        let long = dir.path().join("long.toml");
        let file = std::fs::File::create(&long).unwrap();
        file.set_len(MAX_POLICY_BYTES + 1).unwrap();
        let e = Policy::load(&long).unwrap_err().to_string();
        assert!(e.contains("long.toml: longer than"), "{e}");
        let e = Policy::load(&dir.path().join("none.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cannot read the policy"), "{e}");
    }
}
