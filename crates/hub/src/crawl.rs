//! The model crawler: `/api/models` sorted by creation date, page after page along the server's
//! `Link` cursor, stored as it goes; optionally each model's README (analysed), first commit and
//! discussions.
//!
//! Every page is one transaction that also records the next page's URL, so a crawl killed
//! anywhere resumes from the first page it had not stored: no gaps, no duplicates. `--since`
//! walks the listing newest first and stops at the date.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hubscope_card::CardAnalyzer;
use hubscope_store::time::Month;
use hubscope_store::{
    Batch, CardRevision, Comment, CrawlCheckpoint, DeclaredBy, DiscussionThread, Frame,
    FrameDeclaration, IngestCounts, IngestKind, IngestSession, Issue, ModelRecord, MonthSpan,
    Severity, SourceInfo, Store, StoredSource, time,
};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use url::Url;

use crate::client::{Bucket, ClientStats, HubClient, MAX_API_BODY, Response};
use crate::error::HubError;
use crate::link::{PageTrail, next_link};
use crate::tasks::Bounded;

/// The `expand[]` fields requested for every model: all the documented ones.
pub const EXPAND: &[&str] = &[
    "author",
    "baseModels",
    "cardData",
    "config",
    "createdAt",
    "disabled",
    "downloads",
    "downloadsAllTime",
    "gated",
    "inference",
    "lastModified",
    "library_name",
    "likes",
    "model-index",
    "pipeline_tag",
    "private",
    "safetensors",
    "sha",
    "siblings",
    "spaces",
    "tags",
    "transformersInfo",
    "usedStorage",
];

/// The name of the full crawl's checkpoint in `crawl_state`.
pub const FULL_CRAWL: &str = "models";

/// Attempts at a page whose body is not a JSON list (a truncated response).
const PAGE_ATTEMPTS: usize = 3;

/// What to crawl.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Only models created at or after this date or time (`YYYY-MM-DD`, RFC 3339); walks the
    /// listing newest first.
    pub since: Option<String>,
    /// Stop after the page that reaches this many models.
    pub limit: Option<u64>,
    /// Models per page (the Hub allows up to 1,000).
    pub page_size: u32,
    pub readmes: bool,
    pub first_commits: bool,
    pub discussions: bool,
    /// Requests in flight for READMEs, commits and discussions.
    pub concurrency: usize,
    /// Crawl these models (by id) instead of the listing.
    pub ids: Vec<String>,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            since: None,
            limit: None,
            page_size: 1000,
            readmes: false,
            first_commits: false,
            discussions: false,
            concurrency: 8,
            ids: Vec::new(),
        }
    }
}

/// What a crawl did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrawlReport {
    pub run_id: i64,
    pub pages: u64,
    /// Models listed (stored, updated or unchanged).
    pub models: u64,
    /// What happened to the models: stored, updated, unchanged, skipped.
    pub counts: IngestCounts,
    pub readmes: u64,
    /// Models whose README does not exist (404).
    pub readmes_missing: u64,
    pub first_commits: u64,
    pub discussions: u64,
    /// Renamed repositories found (old id → new id).
    pub aliases: u64,
    /// Records that could not be used, with the reason.
    pub issues: u64,
    pub client: ClientStats,
    /// The page a crawl resumed from.
    pub resumed_from: Option<String>,
    /// The listing was read to its end (or to `--since`).
    pub finished: bool,
    /// Why the crawl stopped early (interrupted, request budget, limit).
    pub stopped: Option<String>,
    /// The crawl's source with its frame, as declared at the end of the run.
    pub source: Option<StoredSource>,
}

/// Crawls the Hub into the store.
pub struct Crawler {
    client: HubClient,
    analyzer: Arc<CardAnalyzer>,
    options: CrawlOptions,
}

impl Crawler {
    pub fn new(client: HubClient, options: CrawlOptions) -> Self {
        Crawler {
            client,
            analyzer: Arc::new(CardAnalyzer::new()),
            options,
        }
    }

    /// Runs the crawl. `stop` ends it cleanly after the current page (Ctrl-C); `on_page` sees the
    /// report after every stored page.
    pub async fn run(
        &self,
        store: &mut Store,
        stop: &AtomicBool,
        on_page: &(dyn Fn(&CrawlReport) + Sync),
    ) -> Result<CrawlReport, HubError> {
        let state = store.crawl_state(FULL_CRAWL)?;
        let listing = self.client.url("/api/models")?.to_string();
        let since = parse_since(self.options.since.as_deref())?;
        // One source per kind of crawl: the full listing (resumed and re-synced across runs),
        // each --since slice, and the models crawled by id. What it is a census of is known
        // once it has run (see `frame_after`); until then its declaration stays as it was.
        let key = match (&since, self.options.ids.is_empty()) {
            (_, false) => format!("crawl:{listing} --id"),
            (Some(since), true) => format!("crawl:{listing} --since {since}"),
            (None, true) => format!("crawl:{listing}"),
        };
        let info = SourceInfo::new(listing, "api").key(key);
        let mut session = store.begin_ingest(IngestKind::Models, &info)?;
        // Commits happen at page boundaries only, with the checkpoint.
        session.set_commit_every(u64::MAX);
        let mut report = CrawlReport {
            run_id: session.run_id(),
            ..CrawlReport::default()
        };
        let result = if self.options.ids.is_empty() {
            self.crawl_listing(&mut session, state, stop, on_page, &mut report)
                .await
        } else {
            self.crawl_ids(&mut session, &mut report).await
        };
        report.client = self.client.stats();
        let budget = matches!(result, Err(HubError::Budget(_)));
        if result.is_ok() || budget {
            let previous = session.source()?;
            if let Some(declaration) =
                self.frame_after(&report, budget, since.as_deref(), &previous)
            {
                session.declare_frame(&declaration)?;
            }
            report.source = Some(session.source()?);
        }
        if let Some(stopped) = end_session(session, result)? {
            report.stopped = Some(stopped);
        }
        Ok(report)
    }

    /// What a crawl that ran (to its end, or stopped cleanly) is a record of; `None` keeps the
    /// source's declaration as it was.
    ///
    /// - The full listing read to its end is a census of every model created up to now; an
    ///   unfinished one stays what it was (a census of its last complete read, if it had one;
    ///   a sample until then).
    /// - A `--since` slice read to its date is a census from the first whole month after the
    ///   date to now; one stopped early (`--limit`, the request budget) is a sample.
    /// - Models crawled `--id` by id are a sample.
    fn frame_after(
        &self,
        report: &CrawlReport,
        stopped_by_budget: bool,
        since: Option<&str>,
        previous: &StoredSource,
    ) -> Option<FrameDeclaration> {
        let finished = report.finished && report.stopped.is_none() && !stopped_by_budget;
        let now = time::now();
        let census = |window: Option<MonthSpan>, describes: String| FrameDeclaration {
            frame: Frame::Census,
            window,
            snapshot: Some(now.clone()),
            declared_by: DeclaredBy::Crawl,
            declared_in: None,
            describes: Some(describes),
        };
        let sample = |describes: String| FrameDeclaration {
            frame: Frame::Sample,
            window: None,
            snapshot: Some(now.clone()),
            declared_by: DeclaredBy::Crawl,
            declared_in: None,
            describes: Some(describes),
        };
        if !self.options.ids.is_empty() {
            return Some(sample("models crawled one by one (--id)".into()));
        }
        match since {
            None if finished => Some(census(
                None,
                "the Hub's whole model listing, read to its end".into(),
            )),
            None if previous.declared.frame == Frame::Census => None,
            None => Some(sample(
                "an unfinished crawl of the Hub's listing (a census once it is read to its end)"
                    .into(),
            )),
            Some(since) if finished => {
                let first = first_whole_month(since);
                let last = Month::parse(&now);
                match first.zip(last).and_then(|(a, b)| MonthSpan::new(a, b)) {
                    Some(window) => Some(census(
                        Some(window),
                        format!("every model created since {since}"),
                    )),
                    None => Some(sample(format!(
                        "the models created since {since}: no whole month yet"
                    ))),
                }
            }
            Some(since) => Some(sample(format!(
                "the newest models created since {since}, stopped before reaching the date"
            ))),
        }
    }

    fn first_page(&self, descending: bool) -> Result<Url, HubError> {
        let mut url = self.client.url("/api/models")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("sort", "createdAt");
            q.append_pair("direction", if descending { "-1" } else { "1" });
            q.append_pair("limit", &self.options.page_size.to_string());
            for field in EXPAND {
                q.append_pair("expand[]", field);
            }
        }
        Ok(url)
    }

    async fn crawl_listing(
        &self,
        session: &mut IngestSession<'_>,
        state: Option<CrawlCheckpoint>,
        stop: &AtomicBool,
        on_page: &(dyn Fn(&CrawlReport) + Sync),
        report: &mut CrawlReport,
    ) -> Result<(), HubError> {
        let since = parse_since(self.options.since.as_deref())?;
        let now = time::now();
        let (mut next, mut checkpoint) = match (&since, state) {
            (None, Some(state)) if state.finished_at.is_none() && state.next_url.is_some() => {
                let url = state.next_url.clone().unwrap_or_default();
                let url = Url::parse(&url).map_err(|e| HubError::Protocol {
                    url: url.clone(),
                    message: format!("the saved checkpoint is not a URL: {e}"),
                })?;
                if !self.client.same_origin(&url) {
                    return Err(HubError::Protocol {
                        url: url.to_string(),
                        message: format!(
                            "the saved checkpoint is on another endpoint than {}; crawl with \
                             that endpoint (HF_ENDPOINT) or start over",
                            self.client.endpoint()
                        ),
                    });
                }
                report.resumed_from = Some(url.to_string());
                (url, state)
            }
            _ => (
                self.first_page(since.is_some())?,
                CrawlCheckpoint {
                    name: FULL_CRAWL.to_string(),
                    next_url: None,
                    since: since.clone(),
                    pages: 0,
                    models: 0,
                    started_at: now,
                    finished_at: None,
                },
            ),
        };
        // The next page is fetched while this one is parsed and stored (its URL is in this
        // page's headers), so the network and the database work at the same time.
        let mut prefetched: Option<Prefetch> = None;
        let mut trail = PageTrail::default();
        loop {
            if stop.load(Ordering::Relaxed) {
                report.stopped = Some("interrupted; run the same command to resume".into());
                return Ok(());
            }
            let (response, raws) = match prefetched.take() {
                Some(prefetch) => prefetch.page().await?,
                None => fetch_page(&self.client, &next).await?,
            };
            trail.visit(&next);
            trail.visit(&response.url);
            let protocol = |message: String| HubError::Protocol {
                url: response.url.to_string(),
                message,
            };
            let link = response
                .header("link")
                .map(next_link)
                .transpose()
                .map_err(protocol)?
                .flatten()
                .map(|link| response.url.join(link))
                .transpose()
                .map_err(|e| protocol(format!("the next-page link is not a URL: {e}")))?;
            // A link to another host, or back to a page already read, is not followed: the page
            // just read is kept, and the crawl stops with the reason.
            let refused = link.as_ref().and_then(|l| {
                if !self.client.same_origin(l) {
                    Some(format!(
                        "the next-page link points to {}, not to {}; stopping (the crawl \
                         resumes from this page)",
                        l.origin().ascii_serialization(),
                        self.client.endpoint().origin().ascii_serialization()
                    ))
                } else {
                    trail.check(l).err()
                }
            });
            let foreign = refused.is_some();
            let parsed: Vec<(Result<ModelRecord, String>, Vec<String>)> = raws
                .par_iter()
                .map(|raw| {
                    let mut issues = Vec::new();
                    (
                        ModelRecord::from_api_json(raw.get().as_bytes(), &mut issues),
                        issues,
                    )
                })
                .collect();
            let mut batch = Batch {
                read: parsed.len() as u64,
                ..Batch::default()
            };
            let mut reached_since = false;
            for (index, (record, issues)) in parsed.into_iter().enumerate() {
                match record {
                    Ok(record) => {
                        if let Some(since) = &since
                            && record
                                .created_at
                                .as_deref()
                                .is_some_and(|c| c < since.as_str())
                        {
                            reached_since = true;
                            batch.read -= 1;
                            continue;
                        }
                        for reason in issues {
                            batch.issues.push(Issue {
                                record: record.id.clone(),
                                severity: Severity::FieldDropped,
                                reason,
                            });
                        }
                        batch.records.push(record);
                    }
                    Err(reason) => batch.issues.push(Issue {
                        record: format!("{}#{index}", response.url),
                        severity: Severity::Skipped,
                        reason,
                    }),
                }
            }
            report.issues += batch.issues.len() as u64;
            let records: Vec<(String, Option<String>)> = batch
                .records
                .iter()
                .map(|r| (r.id.clone(), r.sha.clone()))
                .collect();
            let last_page = link.is_none() || reached_since || foreign;
            let limit_reached = self
                .options
                .limit
                .is_some_and(|limit| report.models + records.len() as u64 >= limit);
            if let Some(link) = &link
                && !last_page
                && !limit_reached
            {
                prefetched = Some(Prefetch::start(&self.client, link));
            }
            report.models += records.len() as u64;
            report.counts.add(session.write_models(batch)?);
            self.enrich(session, &records, report).await?;

            if let Some(message) = refused {
                // Never follow a listing to another host (it would not be the Hub's listing,
                // and nothing of this crawl belongs there), nor round in a loop.
                session.commit()?;
                return Err(HubError::Protocol {
                    url: response.url.to_string(),
                    message,
                });
            }
            report.pages += 1;
            let done = link.is_none() || reached_since;
            if since.is_some() {
                // A --since crawl is short and starts over each time: commit, no checkpoint.
                session.commit()?;
            } else {
                checkpoint.pages += 1;
                checkpoint.models += records.len() as u64;
                checkpoint.next_url = link.as_ref().map(Url::to_string);
                checkpoint.finished_at = done.then(time::now);
                session.checkpoint(&checkpoint)?;
            }
            report.client = self.client.stats();
            on_page(report);
            if done {
                report.finished = true;
                return Ok(());
            }
            if let Some(limit) = self.options.limit
                && report.models >= limit
            {
                report.stopped = Some(format!(
                    "--limit {limit} reached; run without --limit to resume"
                ));
                return Ok(());
            }
            next = link.unwrap_or_else(|| next.clone());
        }
    }

    /// `--id`: fetch these models one by one, following renames.
    async fn crawl_ids(
        &self,
        session: &mut IngestSession<'_>,
        report: &mut CrawlReport,
    ) -> Result<(), HubError> {
        let mut records = Vec::new();
        let mut batch = Batch::default();
        for id in &self.options.ids {
            batch.read += 1;
            let Some(path_id) = repo_path(id) else {
                batch.issues.push(skipped(id, "not a repository id"));
                continue;
            };
            let mut url = self.client.url(&format!("/api/models/{path_id}"))?;
            for field in EXPAND {
                url.query_pairs_mut().append_pair("expand[]", field);
            }
            let response = self.client.get(Bucket::Api, url, MAX_API_BODY).await?;
            if response.status == 404 {
                batch.issues.push(skipped(id, "no such model (404)"));
                continue;
            }
            let response = response.ok()?;
            let mut issues = Vec::new();
            match ModelRecord::from_api_json(&response.body, &mut issues) {
                Ok(record) => {
                    if record.id != *id {
                        session.record_alias(id, &record.id)?;
                        report.aliases += 1;
                    }
                    records.push((record.id.clone(), record.sha.clone()));
                    batch.records.push(record);
                }
                Err(reason) => batch.issues.push(skipped(id, &reason)),
            }
        }
        report.issues += batch.issues.len() as u64;
        report.models += records.len() as u64;
        report.counts.add(session.write_models(batch)?);
        self.enrich(session, &records, report).await?;
        session.commit()?;
        report.finished = true;
        Ok(())
    }

    /// READMEs, first commits and discussions of stored models, as the options ask.
    async fn enrich(
        &self,
        session: &mut IngestSession<'_>,
        models: &[(String, Option<String>)],
        report: &mut CrawlReport,
    ) -> Result<(), HubError> {
        let ids: Vec<String> = models.iter().map(|(id, _)| id.clone()).collect();
        if self.options.readmes {
            let known = session.latest_card_revisions(&ids)?;
            let wanted: Vec<(String, Option<String>)> = models
                .iter()
                .zip(known)
                .filter(|((_, sha), known)| sha.is_none() || *sha != *known)
                .map(|(m, _)| m.clone())
                .collect();
            let fetched = self.readmes(wanted).await?;
            let mut batch = Batch::default();
            for outcome in fetched {
                batch.read += 1;
                match outcome {
                    Readme::Card(revision) => {
                        session.set_has_card(&revision.model_id, true)?;
                        batch.records.push(*revision);
                        report.readmes += 1;
                    }
                    Readme::Missing(id) => {
                        session.set_has_card(&id, false)?;
                        report.readmes_missing += 1;
                    }
                    Readme::Issue(issue) => batch.issues.push(issue),
                }
            }
            report.issues += batch.issues.len() as u64;
            session.write_cards(batch)?;
        }
        if self.options.first_commits {
            let missing = session.missing_first_commits(&ids)?;
            let (dates, issues) = self.first_commits(missing).await?;
            for (id, date) in dates {
                session.set_first_commit(&id, &date)?;
                report.first_commits += 1;
            }
            report.issues += issues.len() as u64;
            session.record_issues(&issues)?;
        }
        if self.options.discussions {
            let (threads, issues) = self.discussions(ids).await?;
            report.discussions += threads.len() as u64;
            report.issues += issues.len() as u64;
            session.write_discussions(Batch {
                read: (threads.len() + issues.len()) as u64,
                records: threads,
                issues,
            })?;
        }
        Ok(())
    }

    /// Fetches READMEs concurrently (resolver bucket) and analyses them off the async threads.
    async fn readmes(
        &self,
        models: Vec<(String, Option<String>)>,
    ) -> Result<Vec<Readme>, HubError> {
        let mut tasks = Bounded::new("README", self.options.concurrency);
        for (id, sha) in models {
            let client = self.client.clone();
            let analyzer = Arc::clone(&self.analyzer);
            tasks.spawn(fetch_readme(client, analyzer, id, sha));
        }
        // Input order, so that the store sees the same sequence whatever finished first.
        tasks.in_order().await?.into_iter().collect()
    }

    /// The date of each model's first commit: `X-Total-Count` of the commit list, then its last
    /// page (the Hub's `createdAt` starts only in 2022).
    /// A model whose commits cannot be fetched or read is an issue of that model; only the
    /// request budget ends the crawl.
    async fn first_commits(
        &self,
        ids: Vec<String>,
    ) -> Result<(Vec<(String, String)>, Vec<Issue>), HubError> {
        let mut tasks = Bounded::new("first-commit", self.options.concurrency);
        for id in ids {
            let client = self.client.clone();
            tasks.spawn(async move {
                let outcome = first_commit(&client, &id).await;
                (id, outcome)
            });
        }
        let (mut dates, mut issues) = (Vec::new(), Vec::new());
        for (id, outcome) in tasks.in_order().await? {
            match outcome {
                Ok(Some(date)) => dates.push((id, date)),
                Ok(None) => {}
                Err(HubError::Budget(n)) => return Err(HubError::Budget(n)),
                Err(e) => issues.push(field_issue(&id, &format!("first commit: {e}"))),
            }
        }
        dates.sort();
        issues.sort_by(|a, b| a.record.cmp(&b.record));
        Ok((dates, issues))
    }

    async fn discussions(
        &self,
        ids: Vec<String>,
    ) -> Result<(Vec<DiscussionThread>, Vec<Issue>), HubError> {
        let mut tasks = Bounded::new("discussions", self.options.concurrency);
        for id in ids {
            let client = self.client.clone();
            tasks.spawn(async move {
                let outcome = model_discussions(&client, &id).await;
                (id, outcome)
            });
        }
        let (mut threads, mut issues) = (Vec::new(), Vec::new());
        for (id, outcome) in tasks.in_order().await? {
            match outcome {
                Ok((t, i)) => {
                    threads.extend(t);
                    issues.extend(i);
                }
                Err(HubError::Budget(n)) => return Err(HubError::Budget(n)),
                Err(e) => issues.push(skipped(&id, &format!("discussions: {e}"))),
            }
        }
        issues.sort_by(|a, b| a.record.cmp(&b.record));
        threads.sort_by(|a, b| (&a.repo_id, a.num).cmp(&(&b.repo_id, b.num)));
        Ok((threads, issues))
    }
}

/// The first month wholly after `since`: its own month when it is the month's first instant.
fn first_whole_month(since: &str) -> Option<Month> {
    let month = Month::parse(since)?;
    Some(if since == month.start_timestamp() {
        month
    } else {
        month.next()
    })
}

/// A `--since` date or time, normalised (see [`time::normalize_timestamp`]).
pub fn parse_since(text: Option<&str>) -> Result<Option<String>, HubError> {
    text.map(|text| {
        time::normalize_timestamp(text).ok_or_else(|| {
            HubError::Option(format!(
                "--since {text:?}: expected a date (YYYY-MM-DD) or an RFC 3339 time"
            ))
        })
    })
    .transpose()
}

/// Ends a crawl's ingest session: completed (also when the request budget ran out, which is a
/// clean stop: what was written is whole and the checkpoint names the page to redo — the reason
/// is returned), or failed with the error.
pub fn end_session(
    session: IngestSession<'_>,
    result: Result<(), HubError>,
) -> Result<Option<String>, HubError> {
    match result {
        Ok(()) => {
            session.finish()?;
            Ok(None)
        }
        Err(HubError::Budget(n)) => {
            session.finish()?;
            Ok(Some(format!(
                "the request budget (--max-requests {n}) is used up"
            )))
        }
        Err(err) => {
            let _ = session.fail(&err.to_string());
            Err(err)
        }
    }
}

/// Fetches a listing page: the response and the models in it. A body that is not a JSON list (a
/// response cut short) is fetched again, up to [`PAGE_ATTEMPTS`] times.
async fn fetch_page(client: &HubClient, url: &Url) -> Result<Page, HubError> {
    let mut last = String::new();
    for _ in 0..PAGE_ATTEMPTS {
        let response = client
            .get(Bucket::Api, url.clone(), MAX_API_BODY)
            .await?
            .ok()?;
        match serde_json::from_slice::<Vec<Box<RawValue>>>(&response.body) {
            Ok(models) => return Ok((response, models)),
            Err(e) => last = e.to_string(),
        }
    }
    Err(HubError::Protocol {
        url: url.to_string(),
        message: format!("the page is not a JSON list of models ({last}), {PAGE_ATTEMPTS} times"),
    })
}

/// A listing page: the response and its models, not yet parsed.
type Page = (Response, Vec<Box<RawValue>>);

/// The next listing page, fetched while the current one is parsed and stored. Dropping it
/// cancels the request.
struct Prefetch(tokio::task::JoinHandle<Result<Page, HubError>>);

impl Prefetch {
    fn start(client: &HubClient, url: &Url) -> Self {
        let (client, url) = (client.clone(), url.clone());
        Prefetch(tokio::spawn(async move { fetch_page(&client, &url).await }))
    }

    async fn page(mut self) -> Result<Page, HubError> {
        (&mut self.0).await.map_err(|e| HubError::Protocol {
            url: String::new(),
            message: format!("the page fetch failed: {e}"),
        })?
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A README fetched, or why not.
enum Readme {
    Card(Box<CardRevision>),
    Missing(String),
    Issue(Issue),
}

fn field_issue(record: &str, reason: &str) -> Issue {
    Issue {
        record: record.to_string(),
        severity: Severity::FieldDropped,
        reason: reason.to_string(),
    }
}

fn skipped(record: &str, reason: &str) -> Issue {
    Issue {
        record: record.to_string(),
        severity: Severity::Skipped,
        reason: reason.to_string(),
    }
}

/// A repository id as it may appear in a URL path: `name` or `owner/name`, each part made of
/// letters, digits, `-`, `_` and `.` (and not `.` or `..`). Ids from the Hub are untrusted: one
/// that is not of this form is never put into a URL.
pub fn repo_path(id: &str) -> Option<&str> {
    let parts: Vec<&str> = id.split('/').collect();
    let valid = |p: &&str| {
        !p.is_empty()
            && p.len() <= 96
            && *p != "."
            && *p != ".."
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (matches!(parts.len(), 1 | 2) && parts.iter().all(valid)).then_some(id)
}

/// A 40-character hexadecimal commit id.
fn is_commit(sha: &str) -> bool {
    sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn fetch_readme(
    client: HubClient,
    analyzer: Arc<CardAnalyzer>,
    id: String,
    sha: Option<String>,
) -> Result<Readme, HubError> {
    let Some(path) = repo_path(&id) else {
        return Ok(Readme::Issue(skipped(&id, "README: not a repository id")));
    };
    let revision = sha.as_deref().filter(|s| is_commit(s)).unwrap_or("main");
    let url = client.url(&format!("/{path}/resolve/{revision}/README.md"))?;
    let response = match client
        .get(Bucket::Resolver, url, analyzer.limits().max_card_bytes)
        .await
    {
        Ok(r) => r,
        Err(HubError::Budget(n)) => return Err(HubError::Budget(n)),
        Err(e) => return Ok(Readme::Issue(skipped(&id, &format!("README: {e}")))),
    };
    if response.status == 404 {
        return Ok(Readme::Missing(id));
    }
    if response.status != 200 {
        return Ok(Readme::Issue(skipped(
            &id,
            &format!("README: HTTP {}", response.status),
        )));
    }
    let body = response.body;
    let revision = sha.filter(|s| is_commit(s));
    let analysed = tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&body).map_err(|e| {
            format!(
                "README: not UTF-8: invalid byte at offset {}",
                e.valid_up_to()
            )
        })?;
        let analysis = analyzer.analyze(text).map_err(|e| format!("README: {e}"))?;
        let mut card = CardRevision::new(id.clone(), text, analysis, false);
        card.revision = revision;
        Ok::<_, String>(card)
    })
    .await;
    Ok(match analysed {
        Ok(Ok(card)) => Readme::Card(Box::new(card)),
        Ok(Err(reason)) => Readme::Issue(skipped("README", &reason)),
        Err(e) => Readme::Issue(skipped("README", &format!("analysis failed: {e}"))),
    })
}

async fn first_commit(client: &HubClient, id: &str) -> Result<Option<String>, HubError> {
    let Some(path) = repo_path(id) else {
        return Ok(None);
    };
    let first = client.url(&format!("/api/models/{path}/commits/main?limit=1"))?;
    let response = client.get(Bucket::Api, first, MAX_API_BODY).await?;
    if response.status != 200 {
        return Ok(None);
    }
    let total: u64 = response
        .header("x-total-count")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1);
    let response = if total > 1 {
        let last = client.url(&format!(
            "/api/models/{path}/commits/main?limit=1&p={}",
            total - 1
        ))?;
        let response = client.get(Bucket::Api, last, MAX_API_BODY).await?;
        if response.status != 200 {
            return Ok(None);
        }
        response
    } else {
        response
    };
    let commits: Vec<Value> = serde_json::from_slice(&response.body).unwrap_or_default();
    let Some(date) = commits
        .last()
        .and_then(|c| c.get("date"))
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    // A refused date is that model's issue (the caller records it), never its first commit.
    time::outside_timestamp(date)
        .map(Some)
        .map_err(|why| HubError::Protocol {
            url: response.url.to_string(),
            message: format!("date: {why}"),
        })
}

/// The discussions of one model fetched (the most discussed real model has a few hundred): a
/// listing that claims more is cut, with an issue, rather than followed for ever.
pub const MAX_DISCUSSIONS: usize = 5_000;

/// Every discussion of a model, with its comments.
async fn model_discussions(
    client: &HubClient,
    id: &str,
) -> Result<(Vec<DiscussionThread>, Vec<Issue>), HubError> {
    let Some(path) = repo_path(id) else {
        return Ok((
            Vec::new(),
            vec![skipped(id, "discussions: not a repository id")],
        ));
    };
    let mut listed = Vec::new();
    for page in 0..10_000u32 {
        let url = client.url(&format!("/api/models/{path}/discussions?p={page}"))?;
        let response = client.get(Bucket::Api, url, MAX_API_BODY).await?;
        if response.status == 404 {
            break;
        }
        let body: Value = match serde_json::from_slice(&response.ok()?.body) {
            Ok(v) => v,
            Err(e) => {
                let reason = format!("discussions page {page}: not JSON: {e}");
                return Ok((Vec::new(), vec![skipped(id, &reason)]));
            }
        };
        let items = body
            .get("discussions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let count = body.get("count").and_then(Value::as_u64).unwrap_or(0);
        let start = body.get("start").and_then(Value::as_u64).unwrap_or(0);
        let n = items.len() as u64;
        listed.extend(items);
        if n == 0 || start.saturating_add(n) >= count {
            break;
        }
        if listed.len() >= MAX_DISCUSSIONS {
            break;
        }
    }
    let mut issues = Vec::new();
    if listed.len() > MAX_DISCUSSIONS {
        issues.push(field_issue(
            id,
            &format!(
                "discussions: more than {MAX_DISCUSSIONS} listed; only the first {MAX_DISCUSSIONS} are fetched"
            ),
        ));
        listed.truncate(MAX_DISCUSSIONS);
    }
    let mut threads = Vec::new();
    for item in listed {
        let Some(num) = item.get("num").and_then(Value::as_i64) else {
            issues.push(skipped(id, "a discussion without a number"));
            continue;
        };
        let url = client.url(&format!("/api/models/{path}/discussions/{num}"))?;
        let response = client.get(Bucket::Api, url, MAX_API_BODY).await?;
        let details: Value = if response.status == 200 {
            serde_json::from_slice(&response.body).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        threads.push(thread_of(id, num, &item, &details, &mut issues));
    }
    Ok((threads, issues))
}

/// A stored thread from the listing entry and its details (`events`). A date that is refused
/// is dropped with an issue of the thread (`repo#num`).
fn thread_of(
    repo_id: &str,
    num: i64,
    item: &Value,
    details: &Value,
    issues: &mut Vec<Issue>,
) -> DiscussionThread {
    let source = if details.is_object() { details } else { item };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let mut date = |v: &Value, what: &str| {
        let raw = v.get("createdAt").and_then(Value::as_str)?;
        time::outside_timestamp(raw)
            .map_err(|why| {
                let reason = format!("{what}createdAt: {why}, dropped");
                issues.push(field_issue(&format!("{repo_id}#{num}"), &reason));
            })
            .ok()
    };
    let author = |v: &Value| {
        v.get("author")
            .and_then(|a| a.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| Some("deleted".to_string()))
    };
    let comments = source
        .get("events")
        .and_then(Value::as_array)
        .map(|events| {
            events
                .iter()
                .filter(|e| e.get("type").and_then(Value::as_str) == Some("comment"))
                .enumerate()
                .map(|(i, e)| {
                    let data = e.get("data").cloned().unwrap_or(Value::Null);
                    Comment {
                        author: author(e),
                        created_at: date(e, &format!("comment {}: ", i + 1)),
                        text: data
                            .get("latest")
                            .and_then(|l| l.get("raw"))
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        hidden: data.get("hidden").and_then(Value::as_bool),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    DiscussionThread {
        repo_id: repo_id.to_string(),
        num,
        title: text(source, "title").or_else(|| text(item, "title")),
        status: text(source, "status").or_else(|| text(item, "status")),
        author: author(source),
        created_at: date(source, ""),
        is_pull_request: source
            .get("isPullRequest")
            .or_else(|| item.get("isPullRequest"))
            .and_then(Value::as_bool),
        comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids_that_are_safe_in_a_path() {
        assert_eq!(repo_path("bigscience/bloom"), Some("bigscience/bloom"));
        assert_eq!(repo_path("gpt2"), Some("gpt2"));
        assert_eq!(repo_path("a.b-c_d/e.f"), Some("a.b-c_d/e.f"));
        for bad in [
            "", "../x", "a/../b", "a/b/c", "a//b", "a/b?x=1", "a b/c", "a/%2e%2e", "a/..",
        ] {
            assert_eq!(repo_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn threads_from_the_hub_shapes() {
        let item = serde_json::json!({"num": 3, "title": "Q", "status": "open",
            "author": {"name": "u"}, "createdAt": "2023-01-01T00:00:00.000Z", "isPullRequest": false});
        let details = serde_json::json!({"num": 3, "title": "Q", "status": "closed",
        "author": {"name": "u"}, "createdAt": "2023-01-01T00:00:00.000Z", "isPullRequest": false,
        "events": [
            {"id": "1", "type": "comment", "createdAt": "2023-01-01T00:00:00.000Z",
             "author": {"name": "u"}, "data": {"edited": false, "hidden": false, "latest": {"raw": "Hello?"}}},
            {"id": "2", "type": "status-change", "createdAt": "2023-01-02T00:00:00.000Z",
             "author": {"name": "owner"}, "data": {"status": "closed"}},
            {"id": "3", "type": "comment", "createdAt": "2023-01-02T00:00:00.000Z",
             "data": {"edited": false, "hidden": true, "latest": {"raw": "spam"}}}
        ]});
        let mut issues = Vec::new();
        let t = thread_of("org/m", 3, &item, &details, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(t.status.as_deref(), Some("closed"));
        assert_eq!(t.comments.len(), 2);
        assert_eq!(t.comments[0].text.as_deref(), Some("Hello?"));
        assert_eq!(t.comments[1].author.as_deref(), Some("deleted"));
        assert_eq!(t.comments[1].hidden, Some(true));
        // Without details, the listing entry is enough for the thread (no comments).
        let t = thread_of("org/m", 3, &item, &Value::Null, &mut issues);
        assert_eq!((t.status.as_deref(), t.comments.len()), (Some("open"), 0));
    }

    #[test]
    fn a_refused_date_in_a_thread_is_an_issue_not_a_silent_gap() {
        let details = serde_json::json!({"num": 7, "createdAt": "9999-12-31T23:59:59.000Z",
        "events": [
            {"type": "comment", "createdAt": "2023-01-01T00:00:00.000Z", "data": {}},
            {"type": "comment", "createdAt": "1970-01-01T00:00:00.000Z", "data": {}}
        ]});
        let mut issues = Vec::new();
        let t = thread_of("org/m", 7, &Value::Null, &details, &mut issues);
        assert_eq!(t.created_at, None);
        assert!(t.comments[0].created_at.is_some());
        assert_eq!(t.comments[1].created_at, None);
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert!(issues.iter().all(|i| i.record == "org/m#7"));
        let reasons: Vec<&str> = issues.iter().map(|i| i.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.starts_with("createdAt: ")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("comment 2: createdAt: ")),
            "{reasons:?}"
        );
    }
}
