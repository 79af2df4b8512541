//! Selection: `hubscope shortlist` (candidates for a task, ranked by a transparent score, with
//! the models that fail the policy set apart) and `hubscope compare` (models side by side).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::bail;
use hubscope_govern::catalog::stored_subjects;
use hubscope_govern::shortlist::{self, Criteria, Shortlist, WEIGHTS};
use hubscope_govern::{Audit, Severity, audit};
use hubscope_store::Store;
use hubscope_store::text::ellipsis;
use serde_json::json;

use crate::audit_cmd::AsOf;
use crate::terminal::print_clean;

/// Candidates for a task, ranked on evidence.
#[derive(Debug, clap::Args)]
pub struct ShortlistArgs {
    /// The task, as a Hub pipeline tag (text-classification, text-generation, …).
    #[arg(long, value_name = "PIPELINE_TAG")]
    task: String,
    /// Only models whose card declares this language (ISO code, e.g. `nl`).
    #[arg(long, value_name = "CODE")]
    language: Option<String>,
    /// Only models under these licences (Hub or SPDX ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    license_allow: Vec<String>,
    /// Only models with at most this many parameters (known from safetensors metadata).
    #[arg(long, value_name = "N")]
    max_params: Option<u64>,
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Audit the candidates: those failing it are listed apart, with the reason.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SelectFormat::Table)]
    format: SelectFormat,
    #[command(flatten)]
    as_of: AsOf,
}

/// Models side by side.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Two or more stored model ids.
    #[arg(required = true, num_args = 2..)]
    models: Vec<String>,
    /// Also audit them against this policy.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SelectFormat::Table)]
    format: SelectFormat,
    #[command(flatten)]
    as_of: AsOf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SelectFormat {
    Table,
    Json,
}

pub fn shortlist(db: &std::path::Path, args: ShortlistArgs) -> anyhow::Result<()> {
    let policy = args
        .policy
        .as_deref()
        .map(hubscope_govern::Policy::load)
        .transpose()?;
    let store = Store::open_read_only(db)?;
    let criteria = Criteria {
        task: args.task.clone(),
        language: args.language.clone(),
        license_allow: args.license_allow.clone(),
        max_params: args.max_params,
    };
    let Shortlist {
        ranked,
        failing,
        unknown_size,
    } = shortlist::shortlist(&store, &criteria, policy.as_ref(), args.as_of.moment())?;
    if ranked.is_empty() && failing.is_empty() {
        bail!(
            "no stored model matches --task {}{}: check the pipeline tag, or crawl more models",
            args.task,
            if unknown_size > 0 {
                format!(" ({unknown_size} left out because their size is unknown)")
            } else {
                String::new()
            }
        );
    }
    let shown = &ranked[..ranked.len().min(args.top)];
    match args.format {
        SelectFormat::Json => print_clean(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({
                "task": args.task,
                "candidates": ranked.len(),
                "weights": WEIGHTS,
                "shortlist": shown,
                "failing_policy": failing.iter().map(|(id, e)| json!({"model_id": id, "errors": e})).collect::<Vec<_>>(),
                "left_out_unknown_size": unknown_size,
            }))?
        )),
        SelectFormat::Table => {
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
            for (i, r) in shown.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{:>3} {:<48} {:>6.1}  {:>5.1} {:>5.1} {:>5.1} {:>5.1} {:>5.1}",
                    i + 1,
                    r.model_id,
                    r.total,
                    r.documentation,
                    r.evaluation,
                    r.adoption,
                    r.maintenance,
                    r.license
                );
            }
            if !failing.is_empty() {
                let _ = writeln!(out, "\nfailing the policy ({}):", failing.len());
                for (id, e) in failing.iter().take(args.top) {
                    let _ = writeln!(out, "  {id} — {}", e.join("; "));
                }
                if failing.len() > args.top {
                    let _ = writeln!(
                        out,
                        "  … {} more (--format json lists them all)",
                        failing.len() - args.top
                    );
                }
            }
            print_clean(&out)?;
            eprintln!(
                "hubscope shortlist: {} candidates for {}{}, {} shown{}",
                ranked.len() + failing.len(),
                args.task,
                if failing.is_empty() {
                    String::new()
                } else {
                    format!(" ({} fail the policy)", failing.len())
                },
                shown.len(),
                if unknown_size > 0 {
                    format!("; {unknown_size} left out because their size is unknown")
                } else {
                    String::new()
                }
            );
            Ok(())
        }
    }
}

pub fn compare(db: &std::path::Path, args: CompareArgs) -> anyhow::Result<()> {
    let policy = args
        .policy
        .as_deref()
        .map(hubscope_govern::Policy::load)
        .transpose()?;
    let store = Store::open_read_only(db)?;
    let subjects = stored_subjects(&store, &args.models, args.as_of.moment())?;
    let rows = shortlist::comparison(&subjects);
    let audits: Vec<Option<Audit>> = subjects
        .iter()
        .map(|s| policy.as_ref().map(|p| audit(p, s)))
        .collect();
    match args.format {
        SelectFormat::Json => {
            let models: Vec<serde_json::Value> = subjects
                .iter()
                .zip(&audits)
                .enumerate()
                .map(|(i, (s, a))| {
                    let mut m = serde_json::Map::new();
                    m.insert("model_id".into(), json!(s.id));
                    for (name, values) in &rows {
                        m.insert((*name).to_string(), json!(values[i]));
                    }
                    if let Some(a) = a {
                        m.insert("audit".into(), json!(a));
                    }
                    serde_json::Value::Object(m)
                })
                .collect();
            print_clean(&format!("{}\n", serde_json::to_string_pretty(&models)?))
        }
        SelectFormat::Table => {
            let width = 28;
            let mut out = format!("{:<20}", "");
            for s in &subjects {
                let _ = write!(out, " {:<width$}", ellipsis(&s.id, width));
            }
            out.push('\n');
            for (name, values) in &rows {
                let _ = write!(out, "{name:<20}");
                for v in values {
                    let _ = write!(out, " {:<width$}", ellipsis(v, width));
                }
                out.push('\n');
            }
            if policy.is_some() {
                let _ = write!(out, "{:<20}", "policy");
                for a in audits.iter().flatten() {
                    let e = a
                        .findings
                        .iter()
                        .filter(|f| f.severity == Severity::Error)
                        .count();
                    let w = a.findings.len() - e;
                    let verdict = if a.passed { "pass" } else { "FAIL" };
                    let _ = write!(out, " {:<width$}", format!("{verdict} ({e} err, {w} warn)"));
                }
                out.push('\n');
            }
            print_clean(&out)
        }
    }
}
