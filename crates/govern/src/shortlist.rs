//! Ranking candidates for a task on evidence, not hype: a transparent score out of 100 made of
//! five parts, each shown — documentation (the card's completeness score), evaluation evidence,
//! adoption (downloads and likes, on a log scale against the best candidate), maintenance
//! (recency of the last change) and licence fit.

use serde::Serialize;

use crate::audit::Subject;

/// How much each part weighs (they sum to 100).
pub const WEIGHTS: Weights = Weights {
    documentation: 30.0,
    evaluation: 20.0,
    adoption: 20.0,
    maintenance: 15.0,
    license: 15.0,
};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub documentation: f64,
    pub evaluation: f64,
    pub adoption: f64,
    pub maintenance: f64,
    pub license: f64,
}

/// A candidate's score and its parts (each already weighted: they add up to `total`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub model_id: String,
    pub total: f64,
    pub documentation: f64,
    pub evaluation: f64,
    pub adoption: f64,
    pub maintenance: f64,
    pub license: f64,
}

/// Licences that need no review for most commercial reuse (Hub ids, lower case).
const PERMISSIVE: [&str; 9] = [
    "apache-2.0",
    "mit",
    "bsd-2-clause",
    "bsd-3-clause",
    "cc-by-4.0",
    "cc0-1.0",
    "unlicense",
    "bsl-1.0",
    "isc",
];

/// Licence fit, 0–1: `allowed` (when given) or a permissive licence 1; a known other licence
/// 0.5; none or unknown 0.
pub fn license_fit(subject: &Subject, allowed: &[String]) -> f64 {
    let Some(l) = &subject.license else {
        return 0.0;
    };
    if (!allowed.is_empty() && l.is_one_of(allowed))
        || (allowed.is_empty() && l.is_one_of(&PERMISSIVE))
    {
        1.0
    } else if l.id.is_some() {
        0.5
    } else {
        0.0
    }
}

/// Maintenance, 0–1: changed in the last 90 days 1, then falling linearly to 0 at two years;
/// unknown 0.
pub fn maintenance(stale_days: Option<u32>) -> f64 {
    match stale_days {
        Some(d) if d <= 90 => 1.0,
        Some(d) if d >= 730 => 0.0,
        Some(d) => 1.0 - f64::from(d - 90) / 640.0,
        None => 0.0,
    }
}

/// Which models a shortlist considers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Criteria {
    /// The task, as a Hub pipeline tag.
    pub task: String,
    /// A language the card declares (ISO code, any case).
    pub language: Option<String>,
    /// Licences allowed (Hub or SPDX ids, any case); empty: any.
    pub license_allow: Vec<String>,
    /// At most this many parameters; a model of unknown size is then left out.
    pub max_params: Option<u64>,
}

/// Whether a model is a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Candidate,
    Excluded,
    /// Left out because `max_params` is set and its size is unknown.
    UnknownSize,
}

impl Criteria {
    /// The allowed licences as the matching compares them (lower case, trimmed, no blanks).
    pub fn allowed(&self) -> Vec<String> {
        self.license_allow
            .iter()
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty())
            .collect()
    }

    pub fn admits(&self, s: &Subject) -> Admission {
        if s.pipeline_tag.as_deref() != Some(self.task.as_str()) {
            return Admission::Excluded;
        }
        if let Some(lang) = &self.language
            && !s.languages.iter().any(|l| l.eq_ignore_ascii_case(lang))
        {
            return Admission::Excluded;
        }
        let allowed = self.allowed();
        if !allowed.is_empty() && !s.license.as_ref().is_some_and(|l| l.is_one_of(&allowed)) {
            return Admission::Excluded;
        }
        match (self.max_params, s.parameters) {
            (Some(max), Some(p)) if p > max => Admission::Excluded,
            (Some(_), None) => Admission::UnknownSize,
            _ => Admission::Candidate,
        }
    }
}

/// The stored models that meet `criteria`, their bases resolved, read one at a time (only the
/// candidates are kept in memory), and how many were left out for an unknown size.
pub fn candidates(
    store: &hubscope_store::Store,
    criteria: &Criteria,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<Subject>, u64), hubscope_store::StoreError> {
    let (mut kept, mut unknown_size) = (Vec::new(), 0u64);
    crate::facts::for_each_subject(store, None, now, |s| {
        match criteria.admits(&s) {
            Admission::Candidate => kept.push(s),
            Admission::UnknownSize => unknown_size += 1,
            Admission::Excluded => {}
        }
        std::ops::ControlFlow::Continue(())
    })?;
    if !kept.is_empty() {
        crate::facts::Bases::load(store)?.resolve(&mut kept);
    }
    Ok((kept, unknown_size))
}

/// Scores and ranks `candidates` (best first; ties by model id).
pub fn rank(candidates: &[&Subject], allowed: &[String]) -> Vec<Ranked> {
    let log = |v: Option<u64>| (v.unwrap_or(0) as f64 + 1.0).log10();
    let top_downloads = candidates
        .iter()
        .map(|s| log(s.downloads))
        .fold(0.0, f64::max);
    let top_likes = candidates.iter().map(|s| log(s.likes)).fold(0.0, f64::max);
    let share = |v: f64, top: f64| if top > 0.0 { v / top } else { 0.0 };
    let mut ranked: Vec<Ranked> = candidates
        .iter()
        .map(|s| {
            let card = s.card.as_ref();
            let documentation =
                WEIGHTS.documentation * f64::from(card.map_or(0, |c| c.score)) / 100.0;
            let evidence = card.is_some_and(|c| c.eval_results > 0 || c.evaluation_with_numbers);
            let evaluation = if evidence { WEIGHTS.evaluation } else { 0.0 };
            let adoption = WEIGHTS.adoption
                * (0.7 * share(log(s.downloads), top_downloads)
                    + 0.3 * share(log(s.likes), top_likes));
            let maintenance = WEIGHTS.maintenance * maintenance(s.stale_days);
            let license = WEIGHTS.license * license_fit(s, allowed);
            Ranked {
                model_id: s.id.clone(),
                total: documentation + evaluation + adoption + maintenance + license,
                documentation,
                evaluation,
                adoption,
                maintenance,
                license,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.total
            .total_cmp(&a.total)
            .then_with(|| a.model_id.cmp(&b.model_id))
    });
    ranked
}

/// A shortlist: the candidates that pass the policy (all, without one), ranked; those that
/// fail it with their error findings; and how many were left out for an unknown size.
#[derive(Debug)]
pub struct Shortlist {
    pub ranked: Vec<Ranked>,
    /// `(model id, error messages)` of the candidates failing the policy.
    pub failing: Vec<(String, Vec<String>)>,
    pub unknown_size: u64,
}

/// The stored candidates for `criteria`, audited against `policy` when given, ranked.
pub fn shortlist(
    store: &hubscope_store::Store,
    criteria: &Criteria,
    policy: Option<&crate::Policy>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Shortlist, hubscope_store::StoreError> {
    let (subjects, unknown_size) = candidates(store, criteria, now)?;
    let mut passing = Vec::new();
    let mut failing = Vec::new();
    for s in &subjects {
        match policy.map(|p| crate::audit(p, s)) {
            Some(a) if !a.passed => failing.push((s.id.clone(), error_messages(&a))),
            _ => passing.push(s),
        }
    }
    Ok(Shortlist {
        ranked: rank(&passing, &criteria.allowed()),
        failing,
        unknown_size,
    })
}

/// The messages of an audit's error findings.
pub fn error_messages(a: &crate::Audit) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.severity == crate::Severity::Error)
        .map(|f| f.message.clone())
        .collect()
}

/// Models side by side: one row per fact (its name, then a value per subject, `-` where
/// unknown), in the order a comparison reads.
pub fn comparison(subjects: &[Subject]) -> Vec<(&'static str, Vec<String>)> {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let row = |f: &dyn Fn(&Subject) -> String| subjects.iter().map(f).collect::<Vec<_>>();
    vec![
        ("pipeline", row(&|s| opt(s.pipeline_tag.clone()))),
        ("library", row(&|s| opt(s.library_name.clone()))),
        (
            "licence",
            row(&|s| {
                opt(s
                    .license
                    .as_ref()
                    .map(|l| l.id.clone().unwrap_or(l.raw.clone())))
            }),
        ),
        (
            "base models",
            row(&|s| {
                s.bases
                    .iter()
                    .map(|(b, _)| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ),
        (
            "parameters",
            row(&|s| opt(s.parameters.map(|p| p.to_string()))),
        ),
        (
            "downloads",
            row(&|s| opt(s.downloads.map(|p| p.to_string()))),
        ),
        ("likes", row(&|s| opt(s.likes.map(|p| p.to_string())))),
        (
            "days since change",
            row(&|s| opt(s.stale_days.map(|p| p.to_string()))),
        ),
        (
            "card score",
            row(&|s| opt(s.card.as_ref().map(|c| c.score.to_string()))),
        ),
        (
            "sections filled",
            row(&|s| opt(s.card.as_ref().map(|c| format!("{}/13", c.filled.len())))),
        ),
        (
            "evaluation evidence",
            row(&|s| {
                let yes = s
                    .card
                    .as_ref()
                    .is_some_and(|c| c.eval_results > 0 || c.evaluation_with_numbers);
                (if yes { "yes" } else { "no" }).to_string()
            }),
        ),
        (
            "pickle-only weights",
            row(&|s| match &s.files {
                Some(f) => (if crate::pickle_only_weights(f).is_empty() {
                    "no"
                } else {
                    "YES"
                })
                .to_string(),
                None => "-".into(),
            }),
        ),
        (
            "gated",
            row(&|s| opt(s.gated.map(|g| if g { "yes".into() } else { "no".into() }))),
        ),
    ]
}

impl Shortlist {
    /// The first `top` ranked, with the scores' maxima, then the candidates failing the policy
    /// (at most `top`, with their errors). Ids from outside have their control characters
    /// escaped.
    pub fn table(&self, top: usize) -> String {
        use hubscope_store::text::escape_controls as esc;
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>3} {:<48} {:>6}  {:>5} {:>5} {:>5} {:>5} {:>5}",
            "#", "model", "score", "docs", "eval", "adopt", "maint", "lic"
        );
        let _ = writeln!(
            out,
            "{:>3} {:<48} {:>6}  {:>5} {:>5} {:>5} {:>5} {:>5}",
            "",
            "(out of)",
            100,
            WEIGHTS.documentation,
            WEIGHTS.evaluation,
            WEIGHTS.adoption,
            WEIGHTS.maintenance,
            WEIGHTS.license
        );
        for (i, r) in self.ranked.iter().take(top).enumerate() {
            let _ = writeln!(
                out,
                "{:>3} {:<48} {:>6.1}  {:>5.1} {:>5.1} {:>5.1} {:>5.1} {:>5.1}",
                i + 1,
                esc(&r.model_id),
                r.total,
                r.documentation,
                r.evaluation,
                r.adoption,
                r.maintenance,
                r.license
            );
        }
        if !self.failing.is_empty() {
            let _ = writeln!(out, "\nfailing the policy ({}):", self.failing.len());
            for (id, e) in self.failing.iter().take(top) {
                let _ = writeln!(out, "  {} — {}", esc(id), esc(&e.join("; ")));
            }
            if self.failing.len() > top {
                let _ = writeln!(
                    out,
                    "  … {} more (--format json lists them all)",
                    self.failing.len() - top
                );
            }
        }
        out
    }

    /// The shortlist for `task` as JSON: the first `top` ranked, and every failing candidate.
    pub fn to_json(&self, task: &str, top: usize) -> serde_json::Value {
        serde_json::json!({
            "task": task,
            "candidates": self.ranked.len(),
            "weights": WEIGHTS,
            "shortlist": &self.ranked[..self.ranked.len().min(top)],
            "failing_policy": self.failing.iter()
                .map(|(id, e)| serde_json::json!({"model_id": id, "errors": e}))
                .collect::<Vec<_>>(),
            "left_out_unknown_size": self.unknown_size,
        })
    }
}

/// Models side by side: one column per subject, one row per fact ([`comparison`]), and a
/// policy row with each audit's verdict when there are audits. Cells are cut to 28
/// characters and have their control characters escaped.
pub fn comparison_table(subjects: &[Subject], audits: &[Option<crate::Audit>]) -> String {
    use hubscope_store::text::{ellipsis, escape_controls as esc};
    use std::fmt::Write as _;
    let width = 28;
    let cell = |text: &str| ellipsis(&esc(text), width);
    let mut out = format!("{:<20}", "");
    for s in subjects {
        let _ = write!(out, " {:<width$}", cell(&s.id));
    }
    out.push('\n');
    for (name, values) in &comparison(subjects) {
        let _ = write!(out, "{name:<20}");
        for v in values {
            let _ = write!(out, " {:<width$}", cell(v));
        }
        out.push('\n');
    }
    if audits.iter().any(Option::is_some) {
        let _ = write!(out, "{:<20}", "policy");
        for a in audits.iter().flatten() {
            let e = a
                .findings
                .iter()
                .filter(|f| f.severity == crate::Severity::Error)
                .count();
            let w = a.findings.len() - e;
            let verdict = if a.passed { "pass" } else { "FAIL" };
            let _ = write!(out, " {:<width$}", format!("{verdict} ({e} err, {w} warn)"));
        }
        out.push('\n');
    }
    out
}

/// The comparison as JSON: one object per subject with its facts and, when audited, its audit.
pub fn comparison_json(subjects: &[Subject], audits: &[Option<crate::Audit>]) -> serde_json::Value {
    let rows = comparison(subjects);
    subjects
        .iter()
        .zip(audits)
        .enumerate()
        .map(|(i, (s, a))| {
            let mut m = serde_json::Map::new();
            m.insert("model_id".into(), serde_json::json!(s.id));
            for (name, values) in &rows {
                m.insert((*name).to_string(), serde_json::json!(values[i]));
            }
            if let Some(a) = a {
                m.insert("audit".into(), serde_json::json!(a));
            }
            serde_json::Value::Object(m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{CardFacts, LicenseFacts};
    use hubscope_card::LicenseStatus;

    fn subject(id: &str, score: u8, downloads: u64, license: &str, stale: u32) -> Subject {
        Subject {
            id: id.into(),
            card: Some(CardFacts {
                score,
                ..CardFacts::default()
            }),
            license: Some(LicenseFacts {
                raw: license.into(),
                id: Some(license.into()),
                spdx: None,
                status: LicenseStatus::Known,
                described: false,
            }),
            downloads: Some(downloads),
            likes: Some(downloads / 10),
            stale_days: Some(stale),
            ..Subject::default()
        }
    }

    #[test]
    fn criteria_admit_by_task_language_licence_and_size() {
        let mut s = subject("a/m", 50, 10, "Apache-2.0", 1);
        s.pipeline_tag = Some("text-classification".into());
        s.languages = vec!["NL".into()];
        let criteria = |language: Option<&str>, allow: &[&str], max: Option<u64>| Criteria {
            task: "text-classification".into(),
            language: language.map(str::to_string),
            license_allow: allow.iter().map(|x| x.to_string()).collect(),
            max_params: max,
        };
        assert_eq!(criteria(None, &[], None).admits(&s), Admission::Candidate);
        assert_eq!(
            criteria(Some("nl"), &[" APACHE-2.0 ", ""], None).admits(&s),
            Admission::Candidate
        );
        assert_eq!(
            criteria(Some("de"), &[], None).admits(&s),
            Admission::Excluded
        );
        assert_eq!(
            criteria(None, &["mit"], None).admits(&s),
            Admission::Excluded
        );
        assert_eq!(
            criteria(None, &[], Some(5)).admits(&s),
            Admission::UnknownSize
        );
        s.parameters = Some(6);
        assert_eq!(criteria(None, &[], Some(5)).admits(&s), Admission::Excluded);
        assert_eq!(
            criteria(None, &[], Some(6)).admits(&s),
            Admission::Candidate
        );
        s.pipeline_tag = Some("fill-mask".into());
        assert_eq!(criteria(None, &[], None).admits(&s), Admission::Excluded);
    }

    #[test]
    fn parts_add_up_and_evidence_wins() {
        let a = subject("a", 80, 10_000, "apache-2.0", 30);
        let b = subject("b", 20, 100, "cc-by-nc-4.0", 1_000);
        let ranked = rank(&[&b, &a], &[]);
        assert_eq!(ranked[0].model_id, "a");
        for r in &ranked {
            let sum = r.documentation + r.evaluation + r.adoption + r.maintenance + r.license;
            assert!((r.total - sum).abs() < 1e-9);
            assert!(r.total <= 100.0);
        }
        let a = &ranked[0];
        assert!((a.documentation - 24.0).abs() < 1e-9);
        assert!(
            (a.adoption - 20.0).abs() < 1e-9,
            "the best candidate has full adoption"
        );
        assert!((a.maintenance - 15.0).abs() < 1e-9);
        assert!((a.license - 15.0).abs() < 1e-9);
        let b = &ranked[1];
        assert_eq!(b.maintenance, 0.0);
        assert!(
            (b.license - 7.5).abs() < 1e-9,
            "a known, non-permissive licence"
        );
        assert_eq!(
            license_fit(
                &subject("c", 0, 0, "cc-by-nc-4.0", 0),
                &["cc-by-nc-4.0".into()]
            ),
            1.0
        );
        assert!((maintenance(Some(410)) - 0.5).abs() < 1e-9);
    }
}
