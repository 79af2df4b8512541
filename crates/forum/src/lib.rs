//! The forum miner: every topic and post of a Discourse forum (by default the Hugging Face
//! forum) into hubscope's store, politely, resumably and incrementally.
//!
//! - Categories from `/categories.json?include_subcategories=true`.
//! - Topics from `/latest.json?order=created&ascending=true&page=N` (or, with a category filter,
//!   `/c/{slug}/{id}.json?…` per category), following `more_topics_url` (given without `.json`).
//!   Each listed topic whose stored copy is missing or older (`bumped_at`, `posts_count`) is
//!   fetched: `/t/{id}.json?include_raw=1`, then the rest of `post_stream.stream` in batches of
//!   20 through `/t/{id}/posts.json?post_ids[]=…`. Deleted posts leave gaps in the stream; they
//!   are counted, not errors.
//! - Each topic is committed on its own and each list page is checkpointed (`crawl_state`), so
//!   a crawl killed anywhere resumes at its page and skips the topics already stored.
//! - `since`: the topics bumped since a date (`/latest.json?order=activity`, newest bump first),
//!   so edited and new posts arrive.
//! - A topic that answers 403 (private), 404 or 410 (deleted), or something that is not JSON (an
//!   HTML error page) is recorded as an issue and skipped; the run goes on.
//!
//! Requests go through [`hubscope_hub::HubClient`] (pacing, 429 and `Retry-After`, retries of
//! 5xx with backoff), capped at [`ForumOptions::rate`] requests a second, without a token.
#![forbid(unsafe_code)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hubscope_hub::tasks::Bounded;
use hubscope_hub::{
    Bucket, ClientStats, HubClient, HubConfig, HubError, MAX_API_BODY, PageTrail, end_session,
    parse_since,
};
use hubscope_source::discourse::{self, ListedTopic};
use hubscope_store::{
    Batch, CrawlCheckpoint, DeclaredBy, ForumCategory, ForumThread, Frame, FrameDeclaration,
    IngestCounts, IngestKind, IngestSession, Issue, Severity, SourceInfo, Store, time,
};
use serde::Serialize;
use serde_json::Value;
use url::Url;

/// The Hugging Face forum.
pub const DEFAULT_FORUM: &str = "https://discuss.huggingface.co";

/// Posts asked for in one `/t/{id}/posts.json` request (Discourse's page size).
pub const POSTS_PER_REQUEST: usize = 20;

/// The posts of one topic fetched beyond those its first page gives (the longest real topics
/// have a few hundred).
pub const MAX_FETCHED_POSTS: usize = 5_000;

/// What to mine.
#[derive(Debug, Clone)]
pub struct ForumOptions {
    /// Only topics bumped at or after this date (`YYYY-MM-DD` or RFC 3339).
    pub since: Option<String>,
    /// Only these categories (slugs or ids); their subcategories' topics come with them.
    pub categories: Vec<String>,
    /// Requests per second at most (politeness; the forum's 429s slow it further).
    pub rate: f64,
    /// Topics fetched at the same time.
    pub concurrency: usize,
    /// Stop after this many list pages (a sample).
    pub max_pages: Option<u64>,
}

impl Default for ForumOptions {
    fn default() -> Self {
        ForumOptions {
            since: None,
            categories: Vec::new(),
            rate: 4.0,
            concurrency: 4,
            max_pages: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ForumReport {
    pub run_id: i64,
    pub categories: u64,
    pub pages: u64,
    /// Topics seen in the lists.
    pub topics_listed: u64,
    /// Topics fetched (new or changed since stored).
    pub topics_fetched: u64,
    /// Topics listed and already stored as they are (not fetched again).
    pub topics_current: u64,
    /// Topic rows stored / updated / unchanged.
    pub counts: IngestCounts,
    pub posts: u64,
    /// Post ids of a stream that no response returned (deleted posts).
    pub gaps: u64,
    /// Topics and records skipped or trimmed, with the reason in `ingest_issues`.
    pub issues: u64,
    pub client: ClientStats,
    pub resumed_from: Option<String>,
    pub finished: bool,
    pub stopped: Option<String>,
}

/// Mines a Discourse forum into the store.
pub struct ForumMiner {
    client: HubClient,
    options: ForumOptions,
}

/// A topic fetched, or why not.
enum Fetched {
    Thread {
        thread: Box<ForumThread>,
        gaps: u64,
        issues: Vec<Issue>,
    },
    Skipped(Issue),
}

impl ForumMiner {
    /// A miner of the forum at `base` (e.g. [`DEFAULT_FORUM`]). No token is ever sent.
    pub fn new(
        base: &str,
        options: ForumOptions,
        max_requests: Option<u64>,
    ) -> Result<Self, HubError> {
        parse_since(options.since.as_deref())?;
        if !(options.rate.is_finite() && options.rate > 0.0) {
            return Err(HubError::Option(format!(
                "--rate {}: expected a positive number of requests per second",
                options.rate
            )));
        }
        let mut config = HubConfig::new(base)?;
        config.token = None;
        config.max_rate = Some(options.rate);
        Ok(ForumMiner {
            client: HubClient::new(config, max_requests)?,
            options,
        })
    }

    /// Uses `client` as it is (its endpoint is the forum's base URL).
    pub fn with_client(client: HubClient, options: ForumOptions) -> Self {
        ForumMiner { client, options }
    }

    pub fn client(&self) -> &HubClient {
        &self.client
    }

    /// Runs the crawl; `stop` ends it after the topics in flight (Ctrl-C); `on_page` sees the
    /// report after every list page.
    pub async fn run(
        &self,
        store: &mut Store,
        stop: &AtomicBool,
        on_page: &(dyn Fn(&ForumReport) + Sync),
    ) -> Result<ForumReport, HubError> {
        let since = parse_since(self.options.since.as_deref())?;
        let since_text = since.clone();
        let info = SourceInfo::new(self.client.endpoint().to_string(), "api")
            .key(format!("crawl:{}", self.client.endpoint()));
        let mut session = store.begin_ingest(IngestKind::Forum, &info)?;
        session.set_commit_every(u64::MAX);
        let mut report = ForumReport {
            run_id: session.run_id(),
            ..ForumReport::default()
        };
        let result = self
            .crawl(&mut session, since, stop, on_page, &mut report)
            .await;
        report.client = self.client.stats();
        if result.is_ok() && report.finished && report.stopped.is_none() {
            // Read to its end, the whole forum's list is a census of its topics; a category
            // filter is a part of the forum, a sample. An unfinished crawl keeps its frame.
            let whole = self.options.categories.is_empty();
            session.declare_frame(&FrameDeclaration {
                frame: if whole { Frame::Census } else { Frame::Sample },
                window: None,
                snapshot: Some(time::now()),
                declared_by: DeclaredBy::Crawl,
                declared_in: None,
                describes: Some(match (&since_text, whole) {
                    (Some(since), true) => format!("every forum topic active since {since}"),
                    (None, true) => "every topic of the forum".into(),
                    (_, false) => {
                        format!(
                            "the topics of categories {}",
                            self.options.categories.join(", ")
                        )
                    }
                }),
            })?;
        }
        if let Some(stopped) = end_session(session, result)? {
            report.stopped = Some(stopped);
        }
        Ok(report)
    }

    async fn crawl(
        &self,
        session: &mut IngestSession<'_>,
        since: Option<String>,
        stop: &AtomicBool,
        on_page: &(dyn Fn(&ForumReport) + Sync),
        report: &mut ForumReport,
    ) -> Result<(), HubError> {
        let categories = self.categories(session, report).await?;
        // The lists to walk: the whole forum, or each chosen category.
        let lists: Vec<(String, String)> = if self.options.categories.is_empty() {
            vec![("forum:latest".to_string(), "/latest.json".to_string())]
        } else {
            let mut lists = Vec::new();
            for wanted in &self.options.categories {
                let found = categories.iter().find(|c| {
                    c.id.to_string() == *wanted || c.slug.as_deref() == Some(wanted.as_str())
                });
                let Some(c) = found else {
                    return Err(HubError::Option(format!(
                        "--categories: no category {wanted:?} on {} (known: {})",
                        self.client.endpoint(),
                        categories
                            .iter()
                            .filter_map(|c| c.slug.as_deref())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                };
                let slug = c.slug.clone().unwrap_or_else(|| c.id.to_string());
                lists.push((
                    format!("forum:c/{}", c.id),
                    format!("/c/{slug}/{}.json", c.id),
                ));
            }
            lists
        };
        for (name, path) in lists {
            let done = self
                .walk_list(
                    session,
                    &name,
                    &path,
                    since.as_deref(),
                    stop,
                    on_page,
                    report,
                )
                .await?;
            if !done {
                return Ok(());
            }
        }
        report.finished = true;
        Ok(())
    }

    async fn categories(
        &self,
        session: &mut IngestSession<'_>,
        report: &mut ForumReport,
    ) -> Result<Vec<ForumCategory>, HubError> {
        let mut url = self.client.url("/categories.json")?;
        url.query_pairs_mut()
            .append_pair("include_subcategories", "true");
        let response = self
            .client
            .get(Bucket::Api, url.clone(), MAX_API_BODY)
            .await?
            .ok()?;
        let value = json_body(&response.body).map_err(|message| HubError::Protocol {
            url: url.to_string(),
            message,
        })?;
        let categories =
            discourse::parse_categories(&value).map_err(|message| HubError::Protocol {
                url: url.to_string(),
                message,
            })?;
        report.categories = categories.len() as u64;
        session.write_forum_categories(Batch {
            read: categories.len() as u64,
            records: categories.clone(),
            issues: Vec::new(),
        })?;
        session.commit()?;
        Ok(categories)
    }

    /// Walks one topic list to its end (true) or until stopped (false).
    #[allow(clippy::too_many_arguments)]
    async fn walk_list(
        &self,
        session: &mut IngestSession<'_>,
        name: &str,
        path: &str,
        since: Option<&str>,
        stop: &AtomicBool,
        on_page: &(dyn Fn(&ForumReport) + Sync),
        report: &mut ForumReport,
    ) -> Result<bool, HubError> {
        let mut first = self.client.url(path)?;
        {
            let mut q = first.query_pairs_mut();
            if since.is_some() {
                q.append_pair("order", "activity");
            } else {
                q.append_pair("order", "created");
                q.append_pair("ascending", "true");
            }
            q.append_pair("page", "0");
        }
        let saved = if since.is_none() {
            session.crawl_state(name)?
        } else {
            None
        };
        let (mut next, mut checkpoint) = match saved {
            Some(state) if state.finished_at.is_none() && state.next_url.is_some() => {
                let text = state.next_url.clone().unwrap_or_default();
                let url = Url::parse(&text).map_err(|e| HubError::Protocol {
                    url: text.clone(),
                    message: format!("the saved checkpoint is not a URL: {e}"),
                })?;
                if !self.client.same_origin(&url) {
                    return Err(HubError::Protocol {
                        url: text,
                        message: format!(
                            "the saved checkpoint is on another forum than {}; use that --base \
                             or start a new database",
                            self.client.endpoint()
                        ),
                    });
                }
                report.resumed_from = Some(url.to_string());
                (url, state)
            }
            _ => (
                first,
                CrawlCheckpoint {
                    name: name.to_string(),
                    next_url: None,
                    since: since.map(str::to_string),
                    pages: 0,
                    models: 0,
                    started_at: time::now(),
                    finished_at: None,
                },
            ),
        };
        let mut trail = PageTrail::default();
        loop {
            if stop.load(Ordering::Relaxed) {
                report.stopped = Some("interrupted; run the same command to resume".into());
                return Ok(false);
            }
            let response = self
                .client
                .get(Bucket::Api, next.clone(), MAX_API_BODY)
                .await?
                .ok()?;
            let page = json_body(&response.body)
                .and_then(|v| discourse::parse_topic_list(&v))
                .map_err(|message| HubError::Protocol {
                    url: next.to_string(),
                    message,
                })?;
            let (page, list_issues) = page;
            report.issues += list_issues.len() as u64;
            let mut reached_since = false;
            let mut listed: Vec<ListedTopic> = Vec::new();
            for t in page.topics {
                if let Some(since) = since
                    && !t.pinned
                    && t.topic.bumped_at.as_deref().is_some_and(|b| b < since)
                {
                    reached_since = true;
                    continue;
                }
                if since.is_some_and(|s| t.topic.bumped_at.as_deref().is_some_and(|b| b < s)) {
                    continue; // a pinned topic from before the date
                }
                listed.push(t);
            }
            report.topics_listed += listed.len() as u64;
            let completed = self
                .fetch_topics(session, listed, list_issues, stop, report)
                .await?;
            let link = page
                .more_topics_url
                .as_deref()
                .map(|more| json_url(&response.url, more))
                .transpose()?;
            trail.visit(&next);
            trail.visit(&response.url);
            if let Some(link) = &link {
                if !self.client.same_origin(link) {
                    return Err(HubError::Protocol {
                        url: response.url.to_string(),
                        message: format!(
                            "more_topics_url points to {}, not to {}; stopping",
                            link.origin().ascii_serialization(),
                            self.client.endpoint().origin().ascii_serialization()
                        ),
                    });
                }
                trail.check(link).map_err(|message| {
                    // The topics of this page are stored; the crawl stops rather than loop.
                    HubError::Protocol {
                        url: response.url.to_string(),
                        message,
                    }
                })?;
            }
            if !completed {
                // Stopped in the middle of the page: the page is walked again on resume (the
                // topics stored meanwhile are current and not fetched again).
                session.commit()?;
                report.stopped = Some("interrupted; run the same command to resume".into());
                return Ok(false);
            }
            report.pages += 1;
            let done = link.is_none() || reached_since;
            if since.is_none() {
                checkpoint.pages += 1;
                checkpoint.models = report.topics_listed;
                checkpoint.next_url = link.as_ref().map(Url::to_string);
                checkpoint.finished_at = done.then(time::now);
                session.checkpoint(&checkpoint)?;
            } else {
                session.commit()?;
            }
            report.client = self.client.stats();
            on_page(report);
            if done {
                return Ok(true);
            }
            if let Some(max) = self.options.max_pages
                && report.pages >= max
            {
                report.stopped = Some(format!(
                    "--max-pages {max} reached; run again without it to go on"
                ));
                return Ok(false);
            }
            next = link.unwrap_or_else(|| next.clone());
        }
    }

    /// Fetches the listed topics that are new or changed, storing each as it arrives. False
    /// when stopped before all were done.
    async fn fetch_topics(
        &self,
        session: &mut IngestSession<'_>,
        listed: Vec<ListedTopic>,
        list_issues: Vec<Issue>,
        stop: &AtomicBool,
        report: &mut ForumReport,
    ) -> Result<bool, HubError> {
        if !list_issues.is_empty() {
            session.write_forum_threads(Batch {
                records: Vec::new(),
                issues: list_issues,
                read: 0,
            })?;
        }
        let ids: Vec<i64> = listed.iter().map(|t| t.topic.id).collect();
        let stored = session.stored_topics(&ids)?;
        let mut wanted = Vec::new();
        for (t, stored) in listed.into_iter().zip(stored) {
            let current = stored.is_some_and(|s| {
                s.bumped_at == t.topic.bumped_at && s.posts_count == t.topic.posts_count
            });
            if current {
                report.topics_current += 1;
            } else {
                wanted.push(t);
            }
        }
        let mut tasks = Bounded::new("topic", self.options.concurrency);
        for t in wanted {
            let client = self.client.clone();
            tasks.spawn(async move { fetch_topic(&client, t).await });
        }
        while let Some(next) = tasks.next().await {
            let (_, fetched) = next?;
            let fetched = fetched?;
            match fetched {
                Fetched::Thread {
                    thread,
                    gaps,
                    issues,
                } => {
                    report.topics_fetched += 1;
                    report.posts += thread.posts.len() as u64;
                    report.gaps += gaps;
                    report.issues += issues.len() as u64;
                    report.counts.add(session.write_forum_threads(Batch {
                        records: vec![*thread],
                        issues,
                        read: 1,
                    })?);
                }
                Fetched::Skipped(issue) => {
                    report.issues += 1;
                    report.counts.add(session.write_forum_threads(Batch {
                        records: Vec::new(),
                        issues: vec![issue],
                        read: 1,
                    })?);
                }
            }
            // Each topic is its own transaction: a kill loses at most the topics in flight.
            session.commit()?;
            if stop.load(Ordering::Relaxed) {
                return Ok(tasks.is_empty());
            }
        }
        Ok(true)
    }
}

fn json_body(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| {
        let start = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        if start.trim_start().starts_with('<') {
            format!("not JSON but an HTML page ({start:?}…)")
        } else {
            format!("not JSON: {e}")
        }
    })
}

/// `more_topics_url` made a JSON URL: it comes back without `.json` (`/latest?page=1`).
fn json_url(base: &Url, more: &str) -> Result<Url, HubError> {
    let mut url = base.join(more).map_err(|e| HubError::Protocol {
        url: base.to_string(),
        message: format!("more_topics_url {more:?} is not a URL: {e}"),
    })?;
    if !url.path().ends_with(".json") {
        let path = format!("{}.json", url.path().trim_end_matches('/'));
        url.set_path(&path);
    }
    Ok(url)
}

/// A topic and all its posts.
async fn fetch_topic(client: &HubClient, listed: ListedTopic) -> Result<Fetched, HubError> {
    let id = listed.topic.id;
    let record = format!("topic {id}");
    let skipped = |reason: String| {
        Fetched::Skipped(Issue {
            record: record.clone(),
            severity: Severity::Skipped,
            reason,
        })
    };
    let mut url = client.url(&format!("/t/{id}.json"))?;
    url.query_pairs_mut().append_pair("include_raw", "1");
    // A topic over its bound is this topic's issue; the crawl goes on.
    let response = match client.get(Bucket::Api, url, MAX_API_BODY).await {
        Err(e @ HubError::TooLarge { .. }) => return Ok(skipped(e.to_string())),
        other => other?,
    };
    match response.status {
        200..=299 => {}
        403 => {
            return Ok(skipped(
                "HTTP 403: private (a category this crawler may not read)".into(),
            ));
        }
        404 | 410 => {
            return Ok(skipped(format!(
                "HTTP {}: deleted since it was listed",
                response.status
            )));
        }
        status => return Ok(skipped(format!("HTTP {status}"))),
    }
    let parsed = json_body(&response.body).and_then(|v| discourse::parse_topic(&v));
    let (topic, mut issues) = match parsed {
        Ok(parsed) => parsed,
        Err(reason) => return Ok(skipped(reason)),
    };
    let mut posts = topic.posts;
    let have: HashSet<i64> = posts.iter().map(|p| p.id).collect();
    let mut missing: Vec<i64> = topic
        .stream
        .iter()
        .copied()
        .filter(|id| !have.contains(id))
        .collect();
    let mut complete = true;
    // The stream is the server's word: a topic naming millions of posts would cost as many
    // requests. Past the bound, the rest is an issue of the topic.
    if missing.len() > MAX_FETCHED_POSTS {
        issues.push(Issue {
            record: record.clone(),
            severity: Severity::FieldDropped,
            reason: format!(
                "the topic lists {} more posts; only the first {MAX_FETCHED_POSTS} are fetched",
                missing.len()
            ),
        });
        missing.truncate(MAX_FETCHED_POSTS);
        complete = false;
    }
    for chunk in missing.chunks(POSTS_PER_REQUEST) {
        let mut url = client.url(&format!("/t/{id}/posts.json"))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("include_raw", "1");
            for post in chunk {
                q.append_pair("post_ids[]", &post.to_string());
            }
        }
        let parsed = match client.get(Bucket::Api, url, MAX_API_BODY).await {
            Err(e @ HubError::TooLarge { .. }) => Err(e.to_string()),
            Err(e) => return Err(e),
            Ok(response) if response.status == 200 => json_body(&response.body),
            Ok(response) => Err(format!("HTTP {}", response.status)),
        };
        match parsed {
            Ok(value) => {
                let (more, more_issues) = discourse::parse_posts(&value, Some(id));
                posts.extend(more);
                issues.extend(more_issues);
            }
            Err(reason) => {
                complete = false;
                issues.push(Issue {
                    record: record.clone(),
                    severity: Severity::FieldDropped,
                    reason: format!(
                        "posts {}–{} not read: {reason}",
                        chunk[0],
                        chunk[chunk.len() - 1]
                    ),
                });
            }
        }
    }
    // One copy of each post, in stream order; what the stream names but no answer gave was
    // deleted (a gap).
    let order: HashMap<i64, usize> = topic
        .stream
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    posts.sort_by_key(|p| (order.get(&p.id).copied().unwrap_or(usize::MAX), p.id));
    posts.dedup_by_key(|p| p.id);
    posts.retain(|p| p.topic_id == id);
    let got: HashSet<i64> = posts.iter().map(|p| p.id).collect();
    let gaps = if complete {
        topic.stream.iter().filter(|id| !got.contains(id)).count() as u64
    } else {
        0
    };
    if let Some(number) = topic.accepted_post_number {
        for p in posts.iter_mut().filter(|p| p.post_number == Some(number)) {
            p.is_accepted_answer = true;
        }
    }
    let mut merged = listed.topic;
    let t = topic.topic;
    // The list knows when the topic was bumped; the topic knows the rest best.
    macro_rules! prefer_topic {
        ($($f:ident),*) => { $( if t.$f.is_some() { merged.$f = t.$f; } )* };
    }
    prefer_topic!(
        category_id,
        title,
        slug,
        created_at,
        last_posted_at,
        views,
        like_count,
        reply_count,
        closed,
        archived
    );
    if merged.posts_count.is_none() {
        merged.posts_count = t.posts_count;
    }
    if !t.tags.is_empty() {
        merged.tags = t.tags;
    }
    merged.accepted_answer_post_id = posts.iter().find(|p| p.is_accepted_answer).map(|p| p.id);
    Ok(Fetched::Thread {
        thread: Box::new(ForumThread {
            topic: merged,
            posts,
            complete,
        }),
        gaps,
        issues,
    })
}

impl ForumReport {
    /// The crawl so far in a line, for a progress display.
    pub fn progress_line(&self, elapsed: Duration) -> String {
        format!(
            "page {}, {} posts, {} topics fetched, {} current, {} issues · {:.1} requests/s",
            self.pages,
            self.posts,
            self.topics_fetched,
            self.topics_current,
            self.issues,
            (self.client.api_requests as f64) / elapsed.as_secs_f64().max(1e-3)
        )
    }

    /// The summary printed at the end of a crawl into `db` that took `elapsed`.
    pub fn summary(&self, db: &str, elapsed: Duration) -> String {
        let r = self;
        let c = &r.counts;
        let mut out = format!(
            "hubscope crawl forum: {} categories, {} pages, {} topics listed: {} fetched (stored {}, \
         updated {}, unchanged {}), {} already current; {} posts, {} deleted posts (gaps) in \
         {:.1} s (run {} into {})",
            r.categories,
            r.pages,
            r.topics_listed,
            r.topics_fetched,
            c.stored,
            c.updated,
            c.unchanged,
            r.topics_current,
            r.posts,
            r.gaps,
            elapsed.as_secs_f64(),
            r.run_id,
            db
        );
        if let Some(from) = &r.resumed_from {
            out.push_str(&format!("\n  resumed from {from}"));
        }
        let s = &r.client;
        out.push_str(&format!(
            "\n  requests: {}; {} retries, {} waits on 429 ({:.1} s waited), {:.1} MB received",
            s.api_requests,
            s.retries,
            s.rate_limited,
            s.waited_ms as f64 / 1000.0,
            s.bytes as f64 / 1e6
        ));
        out.push_str(&hubscope_hub::status::ending(
            r.issues,
            "topics or posts",
            r.run_id,
            r.stopped.as_deref(),
            r.finished.then_some("every list was read to its end"),
        ));
        out
    }
}
