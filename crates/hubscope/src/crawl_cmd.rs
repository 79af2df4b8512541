//! `hubscope crawl models|forum`: the Hub's `/api/models` listing into the database, page by page,
//! resumable; READMEs, first commits and discussions on request.
//!
//! The first Ctrl-C finishes the page in hand, saves the checkpoint and stops (exit code 130);
//! a second one exits at once (the page in hand is rolled back and fetched again next time).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use hubscope_forum::{ForumMiner, ForumOptions, ForumReport};
use hubscope_hub::status::{EveryTenSeconds, Status, waiting_line};
use hubscope_hub::{CrawlOptions, CrawlReport, Crawler, HubClient, HubConfig};
use hubscope_store::Store;

use crate::progress::Counter;
use crate::terminal::clean;

/// Crawl the Hugging Face Hub (`HF_ENDPOINT`, `HF_TOKEN` or `$HF_HOME/token`).
#[derive(Debug, clap::Subcommand)]
pub enum CrawlCommand {
    /// Models from `/api/models` (sorted by creation, every `expand[]` field), stored page by
    /// page; run the same command again to resume after Ctrl-C or a crash.
    Models(ModelsArgs),
    /// Every topic and post of a Discourse forum (the Hugging Face forum by default), politely
    /// (4 requests/s); run again to resume, or with --since to fetch what was bumped since.
    Forum(ForumArgs),
}

#[derive(Debug, clap::Args)]
pub struct ForumArgs {
    /// The forum's address.
    #[arg(long, value_name = "URL", default_value = hubscope_forum::DEFAULT_FORUM)]
    base: String,
    /// Only topics bumped at or after this date (`YYYY-MM-DD` or RFC 3339): new topics, new
    /// posts and edits since then.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only these categories (slugs or ids, comma-separated), with their subcategories.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    categories: Vec<String>,
    /// Requests per second at most.
    #[arg(long, value_name = "N", default_value_t = ForumOptions::default().rate)]
    rate: f64,
    /// Topics fetched at the same time.
    #[arg(long, value_name = "N", default_value_t = ForumOptions::default().concurrency as u16,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Stop cleanly after this many HTTP requests.
    #[arg(long, value_name = "N")]
    max_requests: Option<u64>,
    /// Stop after this many list pages (30 topics each).
    #[arg(long, value_name = "N")]
    max_pages: Option<u64>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ModelsArgs {
    /// Only models created at or after this date (`YYYY-MM-DD` or RFC 3339): an incremental
    /// update, newest first, that stops at the date.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Stop after the page that reaches this many models (run again without it to go on).
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Models per listing page (the Hub allows up to 1,000).
    #[arg(long, value_name = "N", default_value_t = CrawlOptions::default().page_size,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    page_size: u32,
    /// Fetch and analyse each model's README.md (the resolver quota), skipping unchanged ones.
    #[arg(long)]
    readmes: bool,
    /// Find each model's first commit (its true creation date before 2022-03).
    #[arg(long)]
    first_commits: bool,
    /// Fetch each model's discussions with their comments.
    #[arg(long)]
    discussions: bool,
    /// Requests in flight for READMEs, commits and discussions.
    #[arg(long, value_name = "N", default_value_t = CrawlOptions::default().concurrency as u16,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Stop cleanly after this many HTTP requests (the checkpoint stays resumable).
    #[arg(long, value_name = "N")]
    max_requests: Option<u64>,
    /// Crawl these models (by id; repeatable) instead of the listing; renames are followed and
    /// recorded.
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// The crawl was stopped by Ctrl-C (exit code 130, what shells use for SIGINT).
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

pub fn run(db: &Path, command: CrawlCommand) -> anyhow::Result<()> {
    match command {
        CrawlCommand::Models(args) => crawl_models(db, args.into()),
        CrawlCommand::Forum(args) => crawl_forum(db, args.into()),
    }
}

/// A crawl of the Hub's models, as `crawl models` runs it: the crawler's options and what the
/// command adds (a request budget, the report as JSON). `study` and `audit --fetch` build one.
#[derive(Debug, Clone, Default)]
pub struct ModelsCrawl {
    pub options: CrawlOptions,
    /// Stop cleanly after this many HTTP requests.
    pub max_requests: Option<u64>,
    /// Print the report as JSON on stdout.
    pub json: bool,
}

impl From<ModelsArgs> for ModelsCrawl {
    fn from(args: ModelsArgs) -> ModelsCrawl {
        ModelsCrawl {
            options: CrawlOptions {
                since: args.since,
                limit: args.limit,
                page_size: args.page_size,
                readmes: args.readmes,
                first_commits: args.first_commits,
                discussions: args.discussions,
                concurrency: usize::from(args.concurrency),
                ids: args.ids,
            },
            max_requests: args.max_requests,
            json: args.json,
        }
    }
}

/// A crawl of a Discourse forum, as `crawl forum` runs it.
#[derive(Debug, Clone)]
pub struct ForumCrawl {
    /// The forum's address.
    pub base: String,
    pub options: ForumOptions,
    /// Stop cleanly after this many HTTP requests.
    pub max_requests: Option<u64>,
    /// Print the report as JSON on stdout.
    pub json: bool,
}

impl From<ForumArgs> for ForumCrawl {
    fn from(args: ForumArgs) -> ForumCrawl {
        ForumCrawl {
            base: args.base,
            options: ForumOptions {
                since: args.since,
                categories: args.categories,
                rate: args.rate,
                concurrency: usize::from(args.concurrency),
                max_pages: args.max_pages,
            },
            max_requests: args.max_requests,
            json: args.json,
        }
    }
}

/// Crawls models into the store at `db`, with progress on the terminal; Ctrl-C stops after
/// the page in hand ([`Interrupted`]).
pub fn crawl_models(db: &Path, crawl: ModelsCrawl) -> anyhow::Result<()> {
    let ModelsCrawl {
        options,
        max_requests,
        json,
    } = crawl;
    // Checked before the database is created.
    hubscope_hub::parse_since(options.since.as_deref())?;
    let config = HubConfig::from_env()?;
    let endpoint = config.endpoint.to_string();
    let client = HubClient::new(config, max_requests)?;
    let mut store = Store::open(db)?;
    let runtime = runtime()?;

    let total = match (&options.ids[..], options.limit) {
        ([], limit) => limit,
        (ids, _) => Some(ids.len() as u64),
    };
    let counter = Counter::new(total, "models");
    let status = Status::new(&client, &options, total);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let crawler = Crawler::new(client.clone(), options);

    let last_page = std::sync::Mutex::new((0u64, 0u64));
    let result = runtime.block_on(async {
        spawn_ctrl_c(Arc::clone(&stop));
        let on_page = |report: &CrawlReport| {
            *last_page
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = (report.pages, report.models);
            let line = status.line(report, started.elapsed());
            counter.update(report.models, line.clone());
            if !counter.is_drawn() && status.due() {
                eprintln!(
                    "hubscope crawl: page {}, {} models · {line}",
                    report.pages, report.models
                );
            }
        };
        // Between pages (a long wait on a 429, retries), a line still comes every 10 s.
        let heartbeat = || {
            let (pages, models) = *last_page
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let line = waiting_line(&client);
            counter.update(models, line.clone());
            if !counter.is_drawn() && status.due() {
                eprintln!("hubscope crawl: page {pages}, {models} models · {line}");
            }
        };
        with_heartbeat(crawler.run(&mut store, &stop, &on_page), heartbeat).await
    });
    counter.finish();
    let report = result.with_context(|| {
        format!("crawl of {endpoint} failed; what was stored stays, run again to resume")
    })?;
    finish(&report, db, started, json, &stop)
}

/// Crawls a forum into the store at `db`, with progress on the terminal.
pub fn crawl_forum(db: &Path, crawl: ForumCrawl) -> anyhow::Result<()> {
    let ForumCrawl {
        base,
        options,
        max_requests,
        json,
    } = crawl;
    let miner = ForumMiner::new(&base, options, max_requests)?;
    let mut store = Store::open(db)?;
    let runtime = runtime()?;
    let counter = Counter::new(None, "topics");
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let lines = EveryTenSeconds::default();
    let result = runtime.block_on(async {
        spawn_ctrl_c(Arc::clone(&stop));
        let on_page = |r: &ForumReport| {
            let line = r.progress_line(started.elapsed());
            counter.update(r.topics_listed, line.clone());
            if !counter.is_drawn() && lines.due() {
                eprintln!(
                    "hubscope crawl forum: {} topics listed, {line}",
                    r.topics_listed
                );
            }
        };
        let heartbeat = || {
            if !counter.is_drawn() && lines.due() {
                eprintln!("hubscope crawl forum: {}", waiting_line(miner.client()));
            }
        };
        with_heartbeat(miner.run(&mut store, &stop, &on_page), heartbeat).await
    });
    counter.finish();
    let report = result.with_context(|| {
        format!(
            "crawl of {} failed; what was stored stays, run again to resume",
            clean(&base)
        )
    })?;
    finish(&report, db, started, json, &stop)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// What the end of a crawl needs of its report.
trait Finished: serde::Serialize {
    fn summary_of(&self, db: &str, elapsed: Duration) -> String;
    /// Whether the crawl reached its end (not stopped by Ctrl-C or a budget).
    fn reached_end(&self) -> bool;
}

impl Finished for CrawlReport {
    fn summary_of(&self, db: &str, elapsed: Duration) -> String {
        self.summary(db, elapsed)
    }
    fn reached_end(&self) -> bool {
        self.finished
    }
}

impl Finished for ForumReport {
    fn summary_of(&self, db: &str, elapsed: Duration) -> String {
        self.summary(db, elapsed)
    }
    fn reached_end(&self) -> bool {
        self.finished
    }
}

/// The end of a crawl: the report as JSON on stdout if asked, its summary on stderr, and
/// [`Interrupted`] if Ctrl-C stopped it before the end.
fn finish(
    report: &impl Finished,
    db: &Path,
    started: Instant,
    json: bool,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    }
    eprintln!(
        "{}",
        report.summary_of(&db.display().to_string(), started.elapsed())
    );
    if stop.load(Ordering::Relaxed) && !report.reached_end() {
        return Err(Interrupted.into());
    }
    Ok(())
}

/// Ctrl-C sets `stop` (the crawl ends cleanly after the work in hand); a second one exits.
fn spawn_ctrl_c(stop: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.store(true, Ordering::Relaxed);
            eprintln!(
                "\nhubscope crawl: stopping after the work in hand (Ctrl-C again to quit at once)"
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}

/// Runs `work`, calling `beat` every 10 s until it ends (the beat decides whether to print).
async fn with_heartbeat<T>(work: impl std::future::Future<Output = T>, beat: impl Fn()) -> T {
    let mut work = std::pin::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = tick.tick() => beat(),
        }
    }
}
