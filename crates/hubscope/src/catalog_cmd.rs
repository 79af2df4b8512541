//! `hubscope catalog`: the internal catalog of approved models. Every change is a decision
//! appended to the store's log (who, when, why, the policy, the card revision audited, the
//! findings); `approve` refuses a model that fails the policy unless overridden with a reason;
//! `drift` re-audits approved models whose repository or card changed since.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_govern::catalog::{self, Outcome};
use hubscope_govern::ledger;
use hubscope_report::Format;
use hubscope_store::{Action, Decision, Store};

use crate::atomic::write_atomically;
use crate::audit_cmd::PolicyFailed;
use crate::terminal::{clean, print_clean};

#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// Propose a stored model for the catalog (audited when --policy is given).
    Add(Change),
    /// Approve a model: refused when it fails the policy, unless --override with --reason.
    Approve(Change),
    /// Reject a model (needs --reason).
    Reject(Change),
    /// Deprecate an approved model (needs --reason).
    Deprecate(Change),
    /// The catalogued models and their current state.
    List {
        /// Only models in this state.
        #[arg(long, value_parser = ["proposed", "approved", "rejected", "deprecated"])]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// One model's current entry and the findings of its latest audit.
    Show { model: String },
    /// Every decision about a model, oldest first.
    History {
        model: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Re-audit the approved models whose repository (sha) or card changed since approval, and
    /// list what now fails (exit code 1 when any does).
    Drift {
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
    },
    /// The whole decision log, for spreadsheets and other registries.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// The recorded proof-of-concept evaluations (`hubscope poc --record`) instead of the
        /// decisions.
        #[arg(long)]
        evaluations: bool,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct Change {
    /// The model id (as stored: `hubscope crawl models --id ID` fetches it).
    model: String,
    /// The policy the model is audited against (required to approve).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Who decides (default: the OS user).
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
    /// Why.
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Approve although the audit fails (needs --reason; recorded as an override).
    #[arg(long = "override")]
    force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// The OS user, for decisions without --by: the login variables first, then (where they are
/// unset, as in containers and cron jobs) the account of the process's user id, as `whoami`
/// finds it.
pub(crate) fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(account_of_process)
        .unwrap_or_else(|| "unknown".into())
}

/// The name of the process's user: the owner of `/proc/self` looked up in `/etc/passwd`
/// (`uid:N` when the id has no entry). None where there is no `/proc`.
#[cfg(unix)]
fn account_of_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    Some(user_name(&passwd, uid).unwrap_or_else(|| format!("uid:{uid}")))
}

#[cfg(not(unix))]
fn account_of_process() -> Option<String> {
    None
}

/// The name of user `uid` in a passwd file (`name:password:uid:...`).
fn user_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

fn change(db: &Path, action: Action, args: Change) -> anyhow::Result<()> {
    let mut store = Store::open_existing(db)?;
    let policy = args
        .policy
        .as_deref()
        .map(hubscope_govern::Policy::load)
        .transpose()?;
    let change = catalog::Change {
        model: args.model,
        action,
        by: args.by.unwrap_or_else(os_user),
        reason: args.reason,
        force: args.force,
    };
    let decision = match catalog::decide(&mut store, &change, policy.as_ref(), chrono::Utc::now())?
    {
        Outcome::Recorded { decision, .. } => *decision,
        Outcome::Refused(audit) => {
            eprint!("{}", ledger::findings_text(&audit));
            eprintln!(
                "hubscope catalog: {} fails the policy; not approved (fix it, or --override --reason \"…\")",
                clean(&change.model)
            );
            return Err(PolicyFailed.into());
        }
    };
    eprintln!("{}", ledger::recorded_line(&decision));
    Ok(())
}

pub fn run(db: &Path, command: CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Add(c) => change(db, Action::Proposed, c),
        CatalogCommand::Approve(c) => change(db, Action::Approved, c),
        CatalogCommand::Reject(c) => change(db, Action::Rejected, c),
        CatalogCommand::Deprecate(c) => change(db, Action::Deprecated, c),
        CatalogCommand::List { status, format } => {
            let store = Store::open_read_only(db)?;
            let entries: Vec<Decision> = store
                .catalog()?
                .into_iter()
                .filter(|d| status.as_deref().is_none_or(|s| d.action.as_str() == s))
                .collect();
            print_decisions(&entries, format)
        }
        CatalogCommand::Show { model } => {
            let store = Store::open_read_only(db)?;
            let Some(entry) = ledger::entry(&store, &model)? else {
                bail!(
                    "{} is not in the catalog (hubscope catalog add {})",
                    clean(&model),
                    clean(&model)
                );
            };
            print_clean(&entry.to_string())
        }
        CatalogCommand::History { model, format } => {
            let store = Store::open_read_only(db)?;
            let history = store.decisions(&model)?;
            if history.is_empty() {
                bail!("{} has no decisions in the catalog", clean(&model));
            }
            print_decisions(&history, format)
        }
        CatalogCommand::Drift { policy } => drift(db, &policy),
        CatalogCommand::Export {
            format,
            evaluations,
            out,
        } => {
            let store = Store::open_read_only(db)?;
            let table = if evaluations {
                hubscope_report::tables::evaluations_frame(&store.all_poc_evaluations()?)
            } else {
                hubscope_report::tables::decisions_frame(&ledger::all_decisions(&store)?)
            };
            let format = match format {
                ExportFormat::Csv => Format::Csv,
                ExportFormat::Json => Format::Json,
            };
            match out {
                Some(path) => write_atomically(&path, |w| Ok(table.write(format, w)?))
                    .with_context(|| format!("writing {}", path.display())),
                None => {
                    let mut bytes = Vec::new();
                    table.write(format, &mut bytes)?;
                    std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)?;
                    Ok(())
                }
            }
        }
    }
}

/// Decisions as a table (one line each) or as JSON, on stdout.
fn print_decisions(decisions: &[Decision], format: ListFormat) -> anyhow::Result<()> {
    match format {
        ListFormat::Json => print_clean(&format!("{}\n", serde_json::to_string_pretty(decisions)?)),
        ListFormat::Table => {
            let mut out = String::new();
            for d in decisions {
                let _ = writeln!(out, "{}", ledger::decision_line(d));
            }
            print_clean(&out)
        }
    }
}

fn drift(db: &Path, policy_path: &Path) -> anyhow::Result<()> {
    let policy = hubscope_govern::Policy::load(policy_path)?;
    let store = Store::open_read_only(db)?;
    let (approved, drifts) = catalog::drift(&store, &policy, chrono::Utc::now())?;
    let report = ledger::drift_report(&drifts);
    let (changed, failing) = (report.changed, report.failing);
    print_clean(&report.text)?;
    eprintln!(
        "hubscope catalog drift: {approved} approved, {changed} changed since approval, {failing} now fail {} {}",
        clean(&policy.name),
        clean(&policy.version)
    );
    if failing > 0 {
        return Err(PolicyFailed.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::user_name;

    #[test]
    fn user_name_is_read_from_a_passwd_file() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      # a comment\n\
                      broken line\n\
                      ana:x:1000:1000:Ana:/home/ana:/bin/sh\n";
        assert_eq!(user_name(passwd, 0).as_deref(), Some("root"));
        assert_eq!(user_name(passwd, 1000).as_deref(), Some("ana"));
        assert_eq!(user_name(passwd, 7), None);
    }
}
