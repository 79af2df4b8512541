//! `hubscope catalog`: the internal catalog of approved models. Every change is a decision
//! appended to the store's log (who, when, why, the policy, the card revision audited, the
//! findings); `approve` refuses a model that fails the policy unless overridden with a reason;
//! `drift` re-audits approved models whose repository or card changed since.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_govern::{Audit, Severity};
use hubscope_report::{Column, Format, Frame};
use hubscope_store::{Action, Decision, PocRecord, Store};

use crate::atomic::write_atomically;
use crate::audit_cmd::{PolicyFailed, audit_stored, load_policy};
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
    let Some((revision, card_sha1)) = store.model_revision(&args.model)? else {
        bail!(
            "model {}: not in the store; crawl it first: hubscope crawl models --id {}",
            args.model,
            args.model
        );
    };
    let current = store.current_decision(&args.model)?;
    let reason = args
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match action {
        Action::Proposed => {
            if let Some(d) = &current
                && matches!(d.action, Action::Proposed | Action::Approved)
            {
                bail!(
                    "{} is already {} (decision {})",
                    args.model,
                    d.action.as_str(),
                    d.id
                );
            }
        }
        Action::Rejected if reason.is_none() => bail!("reject needs --reason \"…\""),
        Action::Deprecated if reason.is_none() => bail!("deprecate needs --reason \"…\""),
        Action::Deprecated if current.as_ref().map(|d| d.action) != Some(Action::Approved) => {
            bail!(
                "only an approved model can be deprecated; {} is not approved",
                args.model
            );
        }
        _ => {}
    }
    if args.force && action != Action::Approved {
        bail!("--override only applies to approve");
    }
    if args.force && reason.is_none() {
        bail!("--override needs --reason \"…\": an override is recorded with why");
    }
    let policy = match &args.policy {
        Some(path) => Some(load_policy(path)?),
        None if action == Action::Approved => {
            bail!("approve needs --policy FILE: a model is approved against a written policy")
        }
        None => None,
    };
    let audit = match &policy {
        Some(p) => audit_stored(
            &store,
            p,
            std::slice::from_ref(&args.model),
            chrono::Utc::now(),
        )?
        .pop(),
        None => None,
    };
    let passed = audit.as_ref().map(|a| a.passed);
    if action == Action::Approved && passed == Some(false) && !args.force {
        if let Some(a) = &audit {
            eprint!("{}", findings_text(a));
        }
        eprintln!(
            "hubscope catalog: {} fails the policy; not approved (fix it, or --override --reason \"…\")",
            args.model
        );
        return Err(PolicyFailed.into());
    }
    let decision = store.record_decision(Decision {
        id: 0,
        model_id: args.model.clone(),
        revision,
        card_sha1,
        action,
        decided_by: args.by.clone().unwrap_or_else(os_user),
        decided_at: String::new(),
        reason: reason.map(str::to_string),
        overridden: args.force && passed == Some(false),
        policy_name: policy.as_ref().map(|p| p.name.clone()),
        policy_version: policy.as_ref().map(|p| p.version.clone()),
        policy_hash: policy.as_ref().map(|p| p.hash.clone()),
        passed,
        findings: audit
            .as_ref()
            .map(|a| serde_json::to_string(&a.findings))
            .transpose()?,
    })?;
    let verdict = match decision.passed {
        Some(true) => "passes",
        Some(false) if decision.overridden => "FAILS — override recorded",
        Some(false) => "fails",
        None => "",
    };
    eprintln!(
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

fn frame(decisions: &[Decision]) -> Frame {
    let text =
        |f: &dyn Fn(&Decision) -> Option<String>| Column::Text(decisions.iter().map(f).collect());
    Frame::new()
        .with(
            "id",
            Column::Int(decisions.iter().map(|d| Some(d.id)).collect()),
        )
        .with("model_id", text(&|d| Some(d.model_id.clone())))
        .with("revision", text(&|d| d.revision.clone()))
        .with("card_sha1", text(&|d| d.card_sha1.clone()))
        .with("action", text(&|d| Some(d.action.as_str().to_string())))
        .with("decided_by", text(&|d| Some(d.decided_by.clone())))
        .with("decided_at", text(&|d| Some(d.decided_at.clone())))
        .with("reason", text(&|d| d.reason.clone()))
        .with(
            "override",
            Column::Bool(decisions.iter().map(|d| Some(d.overridden)).collect()),
        )
        .with("policy_name", text(&|d| d.policy_name.clone()))
        .with("policy_version", text(&|d| d.policy_version.clone()))
        .with("policy_hash", text(&|d| d.policy_hash.clone()))
        .with(
            "passed",
            Column::Bool(decisions.iter().map(|d| d.passed).collect()),
        )
        .with("findings", text(&|d| d.findings.clone()))
}

fn evaluations_frame(evaluations: &[PocRecord]) -> Frame {
    let text = |f: &dyn Fn(&PocRecord) -> Option<String>| {
        Column::Text(evaluations.iter().map(f).collect())
    };
    let float =
        |f: &dyn Fn(&PocRecord) -> Option<f64>| Column::Float(evaluations.iter().map(f).collect());
    let int = |f: &dyn Fn(&PocRecord) -> i64| {
        Column::Int(evaluations.iter().map(|e| Some(f(e))).collect())
    };
    Frame::new()
        .with("id", int(&|e| e.id))
        .with("model_id", text(&|e| Some(e.model_id.clone())))
        .with("revision", text(&|e| e.revision.clone()))
        .with("weights_sha1", text(&|e| e.weights_sha1.clone()))
        .with("dataset", text(&|e| Some(e.dataset.clone())))
        .with("dataset_sha1", text(&|e| Some(e.dataset_sha1.clone())))
        .with(
            "texts",
            int(&|e| i64::try_from(e.texts).unwrap_or(i64::MAX)),
        )
        .with(
            "labels",
            int(&|e| i64::try_from(e.labels).unwrap_or(i64::MAX)),
        )
        .with("accuracy", float(&|e| Some(e.accuracy)))
        .with("macro_f1", float(&|e| Some(e.macro_f1)))
        .with("latency_p50_ms", float(&|e| e.latency_p50_ms))
        .with("latency_p95_ms", float(&|e| e.latency_p95_ms))
        .with("texts_per_second", float(&|e| e.texts_per_second))
        .with("peak_memory_mb", float(&|e| e.peak_memory_mb))
        .with("evaluated_by", text(&|e| Some(e.evaluated_by.clone())))
        .with("evaluated_at", text(&|e| Some(e.evaluated_at.clone())))
        .with("details", text(&|e| Some(e.details.clone())))
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
                evaluations_frame(&store.all_poc_evaluations()?)
            } else {
                let mut all = Vec::new();
                for entry in store.catalog()? {
                    all.extend(store.decisions(&entry.model_id)?);
                }
                all.sort_by_key(|d| d.id);
                frame(&all)
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
    let mut out = String::new();
    let (mut changed, mut failing) = (0, 0);
    let approved: Vec<Decision> = store
        .catalog()?
        .into_iter()
        .filter(|d| d.action == Action::Approved)
        .collect();
    for d in &approved {
        let Some((sha, card)) = store.model_revision(&d.model_id)? else {
            let _ = writeln!(out, "GONE {}: no longer in the store", clean(&d.model_id));
            continue;
        };
        let sha_changed = sha.is_some() && sha != d.revision;
        let card_changed = card.is_some() && card != d.card_sha1;
        if !sha_changed && !card_changed {
            continue;
        }
        changed += 1;
        let audit = audit_stored(
            &store,
            &policy,
            std::slice::from_ref(&d.model_id),
            chrono::Utc::now(),
        )?
        .pop()
        .context("an audit per model")?;
        let what = [
            sha_changed.then(|| {
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
        "hubscope catalog drift: {} approved, {changed} changed since approval, {failing} now fail {} {}",
        approved.len(),
        policy.name,
        policy.version
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
