//! `hubscope catalog`: the internal catalog of approved models. Every change is a decision
//! appended to the store's log (who, when, why, the policy, the card revision audited, the
//! findings); `approve` refuses a model that fails the policy unless overridden with a reason;
//! `drift` re-audits approved models whose repository or card changed since.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_govern::catalog::{self, Found, Outcome};
use hubscope_govern::{Audit, Severity};
use hubscope_report::Format;
use hubscope_store::{Action, Decision, Store};

use crate::atomic::write_atomically;
use crate::audit_cmd::{PolicyFailed, load_policy};
use crate::terminal::{clean, head, print_clean};

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

fn findings_text(audit: &Audit) -> String {
    let mut out = String::new();
    for f in &audit.findings {
        let _ = writeln!(
            out,
            "  {:<8} {:<28} {}",
            f.severity.as_str(),
            f.rule,
            f.message
        );
    }
    out
}

fn change(db: &Path, action: Action, args: Change) -> anyhow::Result<()> {
    let mut store = Store::open_existing(db)?;
    let policy = args.policy.as_deref().map(load_policy).transpose()?;
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
            eprint!("{}", findings_text(&audit));
            eprintln!(
                "hubscope catalog: {} fails the policy; not approved (fix it, or --override --reason \"…\")",
                clean(&change.model)
            );
            return Err(PolicyFailed.into());
        }
    };
    let verdict = match decision.passed {
        Some(true) => "passes",
        Some(false) if decision.overridden => "FAILS — override recorded",
        Some(false) => "fails",
        None => "",
    };
    let line = format!(
        "hubscope catalog: {} {} by {} (decision {}; {})",
        decision.model_id,
        decision.action.as_str(),
        decision.decided_by,
        decision.id,
        match &decision.policy_name {
            Some(p) => format!(
                "policy {p} {}: {verdict}",
                decision.policy_version.as_deref().unwrap_or("")
            ),
            None => "not audited".into(),
        }
    );
    eprintln!("{}", clean(&line));
    Ok(())
}

/// One decision, its text from outside (ids, reasons) with control characters shown, not sent.
fn decision_line(d: &Decision) -> String {
    let line = format!(
        "{:<5} {:<10} {:<24} {:<14} {:<10} {}{}",
        d.id,
        d.action.as_str(),
        head(&d.decided_at, 24),
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
    clean(&line).into_owned()
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
            match format {
                ListFormat::Json => {
                    print_clean(&format!("{}\n", serde_json::to_string_pretty(&entries)?))
                }
                ListFormat::Table => {
                    let mut out = String::new();
                    for d in &entries {
                        let _ = writeln!(out, "{}", decision_line(d));
                    }
                    print_clean(&out)
                }
            }
        }
        CatalogCommand::Show { model } => {
            let store = Store::open_read_only(db)?;
            let decision = store.current_decision(&model)?;
            let evaluations = store.poc_evaluations(&model)?;
            if decision.is_none() && evaluations.is_empty() {
                bail!("{model} is not in the catalog (hubscope catalog add {model})");
            }
            let mut out = String::new();
            match &decision {
                Some(d) => {
                    let _ = writeln!(out, "{}", decision_line(d));
                    let _ = writeln!(
                        out,
                        "revision {}  card {}  policy {} {} {}",
                        d.revision.as_deref().unwrap_or("-"),
                        d.card_sha1.as_deref().unwrap_or("-"),
                        d.policy_name.as_deref().unwrap_or("-"),
                        d.policy_version.as_deref().unwrap_or(""),
                        d.policy_hash.as_deref().unwrap_or("")
                    );
                    if let Some(findings) = &d.findings {
                        let list: serde_json::Value = serde_json::from_str(findings)?;
                        for f in list.as_array().into_iter().flatten() {
                            let _ = writeln!(
                                out,
                                "  {:<8} {:<28} {}",
                                f["severity"].as_str().unwrap_or(""),
                                f["rule"].as_str().unwrap_or(""),
                                f["message"].as_str().unwrap_or("")
                            );
                        }
                    }
                }
                None => {
                    let _ = writeln!(out, "{model}: not in the catalog (no decision yet)");
                }
            }
            if !evaluations.is_empty() {
                let _ = writeln!(out, "proof-of-concept evaluations (hubscope poc):");
            }
            for e in &evaluations {
                let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} ms"));
                let _ = writeln!(
                    out,
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
            }
            print_clean(&out)
        }
        CatalogCommand::History { model, format } => {
            let store = Store::open_read_only(db)?;
            let history = store.decisions(&model)?;
            if history.is_empty() {
                bail!("{model} has no decisions in the catalog");
            }
            match format {
                ListFormat::Json => {
                    print_clean(&format!("{}\n", serde_json::to_string_pretty(&history)?))
                }
                ListFormat::Table => {
                    let mut out = String::new();
                    for d in &history {
                        let _ = writeln!(out, "{}", decision_line(d));
                    }
                    print_clean(&out)
                }
            }
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
                let mut all = Vec::new();
                for entry in store.catalog()? {
                    all.extend(store.decisions(&entry.model_id)?);
                }
                all.sort_by_key(|d| d.id);
                hubscope_report::tables::decisions_frame(&all)
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

fn drift(db: &Path, policy_path: &Path) -> anyhow::Result<()> {
    let policy = load_policy(policy_path)?;
    let store = Store::open_read_only(db)?;
    let (approved, drifts) = catalog::drift(&store, &policy, chrono::Utc::now())?;
    let mut out = String::new();
    let (mut changed, mut failing) = (0, 0);
    for drift in &drifts {
        let d = &drift.approved;
        let Found::Changed {
            sha,
            card_changed,
            audit,
        } = &drift.found
        else {
            let _ = writeln!(out, "GONE {}: no longer in the store", clean(&d.model_id));
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
            let _ = writeln!(out, "OK   {} ({what}): still passes", clean(&d.model_id));
        } else {
            failing += 1;
            let _ = writeln!(out, "FAIL {} ({what}): now fails", clean(&d.model_id));
            for f in audit
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
            {
                let _ = writeln!(out, "  {:<28} {}", f.rule, clean(&f.message));
            }
        }
    }
    print_clean(&out)?;
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

fn short(sha: Option<&str>) -> String {
    sha.map_or("-".into(), |s| clean(head(s, 10)).into_owned())
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
