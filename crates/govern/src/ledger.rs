//! The catalog in words: a decision as one line, a model's entry (its current decision, the
//! audit it rests on, its proof-of-concept evaluations) and a drift check, for a terminal or a
//! log. Every value from outside (ids, reasons, policy names, findings) has its control
//! characters escaped, line breaks too, so none can forge a line.

use std::fmt::{self, Write as _};

use hubscope_store::text::{escape_controls as esc, head_chars};
use hubscope_store::{Decision, PocRecord, Store, StoreError};

use crate::catalog::{Drift, Found};
use crate::{Audit, Severity};

/// A revision or hash cut to its first 10 characters; `-` when there is none.
pub fn short(sha: Option<&str>) -> String {
    sha.map_or("-".into(), |s| esc(head_chars(s, 10)).into_owned())
}

/// One decision: id, action, when, by whom, the audit's verdict, the model, the reason.
pub fn decision_line(d: &Decision) -> String {
    let line = format!(
        "{:<5} {:<10} {:<24} {:<14} {:<10} {}{}",
        d.id,
        d.action.as_str(),
        head_chars(&d.decided_at, 24),
        d.decided_by,
        match d.passed {
            Some(true) => "passes",
            Some(false) if d.overridden => "OVERRIDE",
            Some(false) => "fails",
            None => "-",
        },
        d.model_id,
        d.reason
            .as_deref()
            .map(|r| format!(" — {r}"))
            .unwrap_or_default()
    );
    esc(&line).into_owned()
}

/// What recording `d` did, in a sentence.
pub fn recorded_line(d: &Decision) -> String {
    let verdict = match d.passed {
        Some(true) => "passes",
        Some(false) if d.overridden => "FAILS — override recorded",
        Some(false) => "fails",
        None => "",
    };
    let line = format!(
        "hubscope catalog: {} {} by {} (decision {}; {})",
        d.model_id,
        d.action.as_str(),
        d.decided_by,
        d.id,
        match &d.policy_name {
            Some(p) => format!(
                "policy {p} {}: {verdict}",
                d.policy_version.as_deref().unwrap_or("")
            ),
            None => "not audited".into(),
        }
    );
    esc(&line).into_owned()
}

/// An audit's findings, one indented line each.
pub fn findings_text(audit: &Audit) -> String {
    let mut out = String::new();
    for f in &audit.findings {
        let _ = writeln!(
            out,
            "  {:<8} {:<28} {}",
            f.severity.as_str(),
            f.rule,
            esc(&f.message)
        );
    }
    out
}

/// A model's catalog entry: its current decision and its proof-of-concept evaluations.
pub struct Entry {
    pub model: String,
    pub decision: Option<Decision>,
    pub evaluations: Vec<PocRecord>,
}

/// `model`'s entry, or `None` when the catalog knows nothing of it.
pub fn entry(store: &Store, model: &str) -> Result<Option<Entry>, StoreError> {
    let decision = store.current_decision(model)?;
    let evaluations = store.poc_evaluations(model)?;
    Ok(
        (decision.is_some() || !evaluations.is_empty()).then(|| Entry {
            model: model.to_string(),
            decision,
            evaluations,
        }),
    )
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.decision {
            Some(d) => {
                writeln!(f, "{}", decision_line(d))?;
                let line = format!(
                    "revision {}  card {}  policy {} {} {}",
                    d.revision.as_deref().unwrap_or("-"),
                    d.card_sha1.as_deref().unwrap_or("-"),
                    d.policy_name.as_deref().unwrap_or("-"),
                    d.policy_version.as_deref().unwrap_or(""),
                    d.policy_hash.as_deref().unwrap_or("")
                );
                writeln!(f, "{}", esc(&line))?;
                // Stored by `decide` as a JSON list.
                let findings: serde_json::Value =
                    match d.findings.as_deref().map(serde_json::from_str) {
                        None => serde_json::Value::Null,
                        Some(Ok(list)) => list,
                        Some(Err(e)) => {
                            writeln!(f, "  the stored findings are not readable ({e})")?;
                            serde_json::Value::Null
                        }
                    };
                for finding in findings.as_array().into_iter().flatten() {
                    let text = |key: &str| esc(finding[key].as_str().unwrap_or("")).into_owned();
                    writeln!(
                        f,
                        "  {:<8} {:<28} {}",
                        text("severity"),
                        text("rule"),
                        text("message")
                    )?;
                }
            }
            None => writeln!(
                f,
                "{}: not in the catalog (no decision yet)",
                esc(&self.model)
            )?,
        }
        if !self.evaluations.is_empty() {
            writeln!(f, "proof-of-concept evaluations (hubscope poc):")?;
        }
        for e in &self.evaluations {
            let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} ms"));
            let line = format!(
                "  #{} {} by {}: {} ({} texts, {} labels) accuracy {:.3} macro-F1 {:.3}, \
                 latency p50 {} p95 {}, {} texts/s{}",
                e.id,
                e.evaluated_at,
                e.evaluated_by,
                e.dataset,
                e.texts,
                e.labels,
                e.accuracy,
                e.macro_f1,
                ms(e.latency_p50_ms),
                ms(e.latency_p95_ms),
                e.texts_per_second.map_or("-".into(), |t| format!("{t:.0}")),
                e.revision
                    .as_deref()
                    .map_or(String::new(), |r| format!(", revision {}", short(Some(r))))
            );
            writeln!(f, "{}", esc(&line))?;
        }
        Ok(())
    }
}

/// Every decision in the catalog, oldest first.
pub fn all_decisions(store: &Store) -> Result<Vec<Decision>, StoreError> {
    let mut all = Vec::new();
    for entry in store.catalog()? {
        all.extend(store.decisions(&entry.model_id)?);
    }
    all.sort_by_key(|d| d.id);
    Ok(all)
}

/// A drift check in words: a line per approved model that changed or went, and the counts.
pub struct DriftReport {
    pub text: String,
    /// Approved models whose revision or card changed.
    pub changed: usize,
    /// Of those, the ones that now fail the policy.
    pub failing: usize,
}

/// `GONE`, `OK` or `FAIL` for each drift, with what changed and, for a failure, its errors.
pub fn drift_report(drifts: &[Drift]) -> DriftReport {
    let mut text = String::new();
    let (mut changed, mut failing) = (0, 0);
    for drift in drifts {
        let d = &drift.approved;
        let model = esc(&d.model_id);
        let Found::Changed {
            sha,
            card_changed,
            audit,
        } = &drift.found
        else {
            let _ = writeln!(text, "GONE {model}: no longer in the store");
            continue;
        };
        changed += 1;
        let what = [
            sha.as_ref().map(|sha| {
                format!(
                    "sha {} → {}",
                    short(d.revision.as_deref()),
                    short(sha.as_deref())
                )
            }),
            card_changed.then(|| "card changed".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        if audit.passed {
            let _ = writeln!(text, "OK   {model} ({what}): still passes");
        } else {
            failing += 1;
            let _ = writeln!(text, "FAIL {model} ({what}): now fails");
            for f in audit
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
            {
                let _ = writeln!(text, "  {:<28} {}", f.rule, esc(&f.message));
            }
        }
    }
    DriftReport {
        text,
        changed,
        failing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubscope_store::Action;

    fn decision(model: &str, reason: &str) -> Decision {
        Decision {
            id: 7,
            model_id: model.into(),
            revision: Some("0123456789abcdef".into()),
            card_sha1: None,
            action: Action::Approved,
            decided_by: "ana".into(),
            decided_at: "2026-12-02T01:00:00Z".into(),
            reason: Some(reason.into()),
            overridden: true,
            policy_name: Some("prod\u{1b}[2J".into()),
            policy_version: Some("1".into()),
            policy_hash: None,
            passed: Some(false),
            findings: Some("not json".into()),
        }
    }

    #[test]
    fn text_from_outside_cannot_forge_a_line_or_send_an_escape() {
        let d = decision("org/m\nFAKE 1 approved", "ok\u{1b}]0;title\u{7}");
        let line = decision_line(&d);
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(line.contains("OVERRIDE"), "{line}");
        assert!(!line.contains('\u{1b}'), "{line}");
        assert!(recorded_line(&d).contains("FAILS — override recorded"));
        let entry = Entry {
            model: d.model_id.clone(),
            decision: Some(d),
            evaluations: Vec::new(),
        }
        .to_string();
        // The decision, its revision line, and the unreadable findings said as such.
        assert_eq!(entry.lines().count(), 3, "{entry}");
        assert!(entry.contains("revision 0123456789abcdef"), "{entry}");
        assert!(
            entry.contains("the stored findings are not readable"),
            "{entry}"
        );
        assert!(!entry.contains('\u{1b}'), "{entry}");
        assert_eq!(short(Some("0123456789abcdef")), "0123456789");
        assert_eq!(short(None), "-");
    }
}
