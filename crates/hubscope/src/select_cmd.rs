//! Selection: `hubscope shortlist` (candidates for a task, ranked by a transparent score, with
//! the models that fail the policy set apart) and `hubscope compare` (models side by side).

use std::path::PathBuf;

use anyhow::bail;
use hubscope_govern::catalog::stored_subjects;
use hubscope_govern::shortlist::{self, Criteria};
use hubscope_govern::{Audit, audit};
use hubscope_store::Store;

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
    let list = shortlist::shortlist(&store, &criteria, policy.as_ref(), args.as_of.moment())?;
    let (ranked, failing, unknown_size) = (&list.ranked, &list.failing, list.unknown_size);
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
    let shown = ranked.len().min(args.top);
    match args.format {
        SelectFormat::Json => print_clean(&format!(
            "{}\n",
            serde_json::to_string_pretty(&list.to_json(&args.task, args.top))?
        )),
        SelectFormat::Table => {
            print_clean(&list.table(args.top))?;
            eprintln!(
                "hubscope shortlist: {} candidates for {}{}, {} shown{}",
                ranked.len() + failing.len(),
                args.task,
                if failing.is_empty() {
                    String::new()
                } else {
                    format!(" ({} fail the policy)", failing.len())
                },
                shown,
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
    let audits: Vec<Option<Audit>> = subjects
        .iter()
        .map(|s| policy.as_ref().map(|p| audit(p, s)))
        .collect();
    match args.format {
        SelectFormat::Json => print_clean(&format!(
            "{}\n",
            serde_json::to_string_pretty(&shortlist::comparison_json(&subjects, &audits))?
        )),
        SelectFormat::Table => print_clean(&shortlist::comparison_table(&subjects, &audits)),
    }
}
