//! Audits as SARIF 2.1.0, the format code-scanning services read: one run, one rule per policy
//! rule that fired, one result per finding, located at the audited card.

use serde_json::{Value, json};

use crate::audit::Audit;
use crate::policy::Severity;

/// The SARIF log of `audits`. `location` gives the artifact a model's findings point at (its
/// README path or `hf://org/name`).
pub fn sarif(audits: &[Audit], location: impl Fn(&Audit) -> String) -> Value {
    let mut rules: Vec<&str> = audits
        .iter()
        .flat_map(|a| a.findings.iter().map(|f| f.rule))
        .collect();
    rules.sort_unstable();
    rules.dedup();
    let rule_names = &rules;
    let results: Vec<Value> = audits
        .iter()
        .flat_map(|a| {
            let uri = location(a);
            a.findings.iter().map(move |f| {
                json!({
                    "ruleId": f.rule,
                    "ruleIndex": rule_names.iter().position(|r| *r == f.rule).unwrap_or(0),
                    "level": match f.severity { Severity::Error => "error", Severity::Warning => "warning" },
                    "message": { "text": format!("{}: {}", a.model_id, f.message) },
                    "locations": [{
                        "physicalLocation": { "artifactLocation": { "uri": uri } }
                    }],
                    "properties": {
                        "model": a.model_id,
                        "revision": a.revision,
                    }
                })
            })
        })
        .collect();
    let policy = audits.first();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "hubscope",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|r| json!({
                        "id": r,
                        "shortDescription": { "text": format!("policy rule {r}") }
                    })).collect::<Vec<_>>()
                }
            },
            "properties": {
                "policy": policy.map(|a| a.policy.clone()),
                "policyVersion": policy.map(|a| a.policy_version.clone()),
                "policyHash": policy.map(|a| a.policy_hash.clone()),
            },
            "results": results
        }]
    })
}
