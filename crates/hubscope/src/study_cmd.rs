//! `hubscope study`: the main job — gather the data (ingest the dumps found in a folder, or crawl
//! a bounded recent slice of the Hub and the forum), analyse it, and write the report.

use std::path::{Path, PathBuf};

use hubscope_source::MANIFEST_FILE;
use hubscope_source::dumps::DumpKind;
use hubscope_source::folder::StudyFolder;
use hubscope_source::ingest;
use hubscope_store::Store;

use hubscope_forum::ForumOptions;
use hubscope_hub::CrawlOptions;

use crate::ingest_cmd;
use crate::report_cmd::{ReportOptions, write_report};
use crate::terminal::clean;
use hubscope_taxonomy::classify::{ClassifyOptions, Method};

/// Run the whole study: data → analyses → report.
#[derive(Debug, clap::Args)]
pub struct StudyArgs {
    /// Ingest the dumps found in this folder (models, model cards, Hub discussions, saved forum
    /// responses) instead of crawling.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// Crawl models created and forum topics active since this date (default: 60 days ago); with
    /// --from, the first month of the trends.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Crawl at most this many models (the newest first).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    limit: u64,
    /// Crawl at most this many pages of forum topics (30 topics each).
    #[arg(long, value_name = "N", default_value_t = 20)]
    forum_pages: u64,
    /// The forum to crawl (the Hub's address comes from HF_ENDPOINT).
    #[arg(long, value_name = "URL", default_value = hubscope_forum::DEFAULT_FORUM)]
    forum_base: String,
    /// The sources manifest that declares what each dump of --from DIR is a record of (census
    /// or sample); default: DIR/hubscope-sources.toml when there is one. A dump no manifest
    /// declares is a sample.
    #[arg(long, value_name = "FILE", requires = "from")]
    manifest: Option<PathBuf>,
    /// The report's folder.
    #[arg(long, value_name = "DIR", default_value = "hubscope-report")]
    out: PathBuf,
    /// Compare documentation before and after this month.
    #[arg(long, value_name = "YYYY-MM", value_parser = crate::args::parse_month)]
    split_at: Option<hubscope_store::time::Month>,
    /// Classify the stored forum topics and Hub discussions into the taxonomy for the report
    /// (`auto`: the embedding classifier when its model is installed, else lexical).
    #[arg(long, value_enum, default_value_t = StudyClassify::Auto)]
    classify: StudyClassify,
    #[command(flatten)]
    model: crate::classify_cmd::ModelArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StudyClassify {
    Auto,
    Embedding,
    Lexical,
    /// Leave the taxonomy to people's codes.
    None,
}

pub fn run(db: &Path, args: StudyArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut from_month = None;
    match &args.from {
        Some(dir) => {
            let folder = StudyFolder::open(dir, args.manifest.as_deref())?;
            for (path, reason) in &folder.skipped {
                // The reason may quote a file's keys or columns: outside text.
                eprintln!(
                    "hubscope study: skipping {} ({})",
                    clean(&path.display().to_string()),
                    clean(reason)
                );
            }
            match &folder.manifest {
                Some((shown, _)) => {
                    eprintln!("hubscope study: sampling frames from {}", clean(shown))
                }
                None => eprintln!(
                    "hubscope study: no sources manifest ({MANIFEST_FILE} in the folder, or \
                     --manifest): every dump is taken as a sample, and no trend is drawn"
                ),
            }
            // Models first: cards and lineage refer to them.
            for dump in &folder.dumps {
                let started = std::time::Instant::now();
                let (kind, path) = (dump.kind.name(), &dump.path);
                eprintln!(
                    "hubscope study: ingesting {kind} from {}",
                    clean(&path.display().to_string())
                );
                let frame = folder.declaration(path);
                let mut store = Store::open(db)?;
                let bar = ingest_cmd::Bar::default();
                let report = match dump.kind {
                    DumpKind::Models { .. } => ingest::ingest_models(
                        &mut store,
                        &ingest::ModelsIngest::new(path, frame),
                        &bar,
                    )?,
                    DumpKind::Cards => ingest::ingest_cards(
                        &mut store,
                        &ingest::CardsIngest::new(vec![path.clone()]),
                        &bar,
                    )?,
                    DumpKind::Discussions => ingest::ingest_discussions(
                        &mut store,
                        &ingest::DiscussionsIngest::new(path, frame),
                        &bar,
                    )?,
                    DumpKind::Forum => ingest::ingest_forum(&mut store, path, frame)?,
                };
                ingest_cmd::print_summary(kind, db, &report, started);
            }
            if let Some(since) = &args.since {
                from_month = Some(crate::args::parse_month(since).map_err(anyhow::Error::msg)?);
            }
        }
        None => {
            let since = match &args.since {
                Some(s) => s.clone(),
                None => (chrono::Utc::now() - chrono::Duration::days(60))
                    .format("%Y-%m-%d")
                    .to_string(),
            };
            crate::crawl_cmd::crawl_models(
                db,
                crate::crawl_cmd::ModelsCrawl {
                    options: CrawlOptions {
                        since: Some(since.clone()),
                        limit: Some(args.limit),
                        readmes: true,
                        ..CrawlOptions::default()
                    },
                    ..crate::crawl_cmd::ModelsCrawl::default()
                },
            )?;
            crate::crawl_cmd::crawl_forum(
                db,
                crate::crawl_cmd::ForumCrawl {
                    base: args.forum_base.clone(),
                    options: ForumOptions {
                        since: Some(since),
                        max_pages: Some(args.forum_pages),
                        ..ForumOptions::default()
                    },
                    max_requests: None,
                    json: false,
                },
            )?;
        }
    }
    let method = match args.classify {
        StudyClassify::Auto => Some(Method::Auto),
        StudyClassify::Embedding => Some(Method::Embedding),
        StudyClassify::Lexical => Some(Method::Lexical),
        StudyClassify::None => None,
    };
    let has_topics = Store::open_existing(db)?.has_topics()?;
    if let (Some(method), true) = (method, has_topics) {
        crate::classify_cmd::classify(
            db,
            &ClassifyOptions {
                method,
                model_dir: args.model.model_dir.clone(),
                ..ClassifyOptions::default()
            },
        )?;
    }
    let store = Store::open_existing(db)?;
    let options = ReportOptions {
        from: from_month,
        split_at: args.split_at,
        ..ReportOptions::default()
    };
    let index = write_report(&store, &args.out, &options)?;
    eprintln!(
        "hubscope study: done in {:.1} s; open {}",
        started.elapsed().as_secs_f64(),
        index.display()
    );
    println!("{}", index.display());
    Ok(())
}
