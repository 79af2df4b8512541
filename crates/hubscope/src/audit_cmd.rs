//! `hubscope audit`: models (from the store) or README files checked against a policy, as a
//! table, JSON, Markdown or SARIF; exit code 1 when any model has an error finding, so the
//! command can gate CI.

use std::collections::HashSet;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_govern::catalog::audit_each;
use hubscope_govern::{Audit, Bases, CatalogError, Policy, Subject, audit, audit_stored};
use hubscope_store::Store;

use crate::atomic::write_atomically;
use crate::terminal::clean;
use hubscope_report::audits;

/// Check models against a written policy.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Model ids in the store, or paths of README.md files.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// The policy (TOML; see policies/example.toml).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Every model in the store.
    #[arg(long, conflicts_with = "query")]
    all: bool,
    /// The stored models whose id contains this text (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    query: Option<String>,
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    format: AuditFormat,
    /// Write the output here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Fetch models that are not in the store from the Hub first (`crawl models --id`, with
    /// their READMEs), and their base models, so inherited licences are known.
    #[arg(long)]
    fetch: bool,
    #[command(flatten)]
    as_of: AsOf,
}

/// The moment staleness (days since `lastModified`) is measured from: now, or `--as-of`, so
/// an audit of a dated snapshot gives the same findings whenever it is run.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AsOf {
    /// Measure staleness from this date instead of today (YYYY-MM-DD or RFC 3339), e.g. the
    /// day the stored snapshot was crawled.
    #[arg(long = "as-of", value_name = "DATE", value_parser = parse_as_of)]
    as_of: Option<chrono::DateTime<chrono::Utc>>,
}

impl AsOf {
    pub fn moment(&self) -> chrono::DateTime<chrono::Utc> {
        self.as_of.unwrap_or_else(chrono::Utc::now)
    }
}

fn parse_as_of(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    hubscope_store::time::normalize_timestamp(text)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| format!("{text:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// Crawls the `ids` missing from the store, then the missing base models of what is stored,
/// a few generations up.
fn fetch_missing(db: &Path, ids: &[String]) -> anyhow::Result<()> {
    let missing = |wanted: &[String]| -> anyhow::Result<Vec<String>> {
        if !db.exists() {
            return Ok(wanted.to_vec());
        }
        let store = Store::open_read_only(db)?;
        let mut out = Vec::new();
        for id in wanted {
            if store.model_revision(id)?.is_none() {
                out.push(id.clone());
            }
        }
        Ok(out)
    };
    let mut wanted = ids.to_vec();
    for _generation in 0..4 {
        let fetch = missing(&wanted)?;
        if !fetch.is_empty() {
            crate::crawl_cmd::crawl_models(
                db,
                crate::crawl_cmd::ModelsCrawl {
                    options: hubscope_hub::CrawlOptions {
                        readmes: true,
                        ids: fetch,
                        ..hubscope_hub::CrawlOptions::default()
                    },
                    ..crate::crawl_cmd::ModelsCrawl::default()
                },
            )?;
        }
        // The bases of what is now stored, one generation up.
        let store = Store::open_read_only(db)?;
        let parents = Bases::load(&store)?.parents_of(&wanted);
        if parents.is_empty() {
            break;
        }
        wanted = parents;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AuditFormat {
    Table,
    Json,
    Md,
    Sarif,
}

impl From<AuditFormat> for audits::Format {
    fn from(format: AuditFormat) -> audits::Format {
        match format {
            AuditFormat::Table => audits::Format::Table,
            AuditFormat::Json => audits::Format::Json,
            AuditFormat::Md => audits::Format::Markdown,
            AuditFormat::Sarif => audits::Format::Sarif,
        }
    }
}

/// At least one audited model has an error finding: exit code 1.
#[derive(Debug)]
pub struct PolicyFailed;

impl std::fmt::Display for PolicyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("at least one model fails the policy")
    }
}

impl std::error::Error for PolicyFailed {}

pub fn run(db: &Path, args: AuditArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let now = args.as_of.moment();
    let policy = Policy::load(&args.policy)?;
    if args.targets.is_empty() && !args.all && args.query.is_none() {
        bail!("audit needs model ids or README paths, --all, or --query TEXT");
    }
    let (paths, ids): (Vec<&String>, Vec<&String>) = args
        .targets
        .iter()
        .partition(|t| Path::new(t.as_str()).is_file());
    if args.fetch && !ids.is_empty() {
        let wanted: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        fetch_missing(db, &wanted)?;
    }
    // Audits are rendered as they are made (SARIF, which lists its rules first, collects them):
    // memory stays bounded over millions of stored models.
    let readme_subjects: Vec<Subject> = paths
        .iter()
        .map(|p| Subject::of_readme(Path::new(p.as_str())))
        .collect::<Result<_, _>>()?;
    let readmes: HashSet<String> = readme_subjects.iter().map(|s| s.id.clone()).collect();
    let store = if !ids.is_empty() || args.all || args.query.is_some() {
        Some(Store::open_read_only(db)?)
    } else {
        None
    };
    let wanted: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    let explicit = match &store {
        Some(store) if !wanted.is_empty() => match audit_stored(store, &policy, &wanted, now) {
            Err(CatalogError::NotStored(id)) => bail!(
                "model {}: not in the store (and not a file); fetch it with --fetch, or: hubscope \
                 crawl models --id {}",
                clean(&id),
                clean(&id)
            ),
            audits => audits?,
        },
        _ => Vec::new(),
    };
    let (mut total, mut failed) = (0usize, 0usize);
    let emit = |w: &mut dyn std::io::Write| -> anyhow::Result<()> {
        let mut renderer = audits::Writer::new(args.format.into(), &policy, &readmes);
        renderer.start(w)?;
        let mut push = |w: &mut dyn std::io::Write, a: Audit| -> anyhow::Result<()> {
            total += 1;
            failed += usize::from(!a.passed);
            Ok(renderer.push(w, a)?)
        };
        for subject in &readme_subjects {
            push(w, audit(&policy, subject))?;
        }
        if let Some(store) = &store
            && (args.all || args.query.is_some())
        {
            // One thread: a reader thread handing parsed models over was slower (allocations
            // freed across threads, and the output's page-cache copies dominate anyway).
            audit_each(store, &policy, args.query.as_deref(), now, |a| push(w, a))?;
        }
        for a in explicit {
            push(w, a)?;
        }
        Ok(renderer.finish(w)?)
    };
    match &args.out {
        Some(path) => write_atomically(path, |w| emit(w))
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            emit(&mut lock)?;
            std::io::Write::flush(&mut lock)?;
        }
    }
    eprintln!(
        "hubscope audit: {total} model{} against {} {} ({}) in {:.2} s: {} passed, {failed} failed",
        if total == 1 { "" } else { "s" },
        clean(&policy.name),
        clean(&policy.version),
        policy.hash,
        started.elapsed().as_secs_f64(),
        total - failed
    );
    if failed > 0 {
        return Err(PolicyFailed.into());
    }
    Ok(())
}
