//! What a crawl says as it goes and when it ends: the status line (models/s, the quota left,
//! the speed the rate limit allows and the ETA at the slower of the two), what the client is
//! doing between pages, and the summary.

use std::time::{Duration, Instant};

use crate::{Bucket, BucketState, CrawlOptions, CrawlReport, HubClient};

/// What the client is doing between pages: its requests, and a wait on the rate limit.
pub fn waiting_line(client: &HubClient) -> String {
    let stats = client.stats();
    let mut parts = vec![format!(
        "{} requests, {} retries, {} waits on 429",
        stats.api_requests + stats.resolver_requests,
        stats.retries,
        stats.rate_limited
    )];
    for (name, bucket) in [("api", Bucket::Api), ("resolver", Bucket::Resolver)] {
        let state = client.bucket_state(bucket);
        if state.blocked.is_some() {
            parts.push(bucket_text(name, &state));
        }
    }
    parts.join(" · ")
}

/// A line-oriented progress log's pace: the first line at once, then at most one every 10 s.
#[derive(Debug, Default)]
pub struct EveryTenSeconds {
    last: std::sync::Mutex<Option<Instant>>,
}

impl EveryTenSeconds {
    /// True the first time, then when 10 s have passed since the last true.
    pub fn due(&self) -> bool {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
            *last = Some(Instant::now());
            true
        } else {
            false
        }
    }
}

/// The progress message: models/s, the API bucket, and the ETA the rate limit allows.
pub struct Status<'a> {
    client: &'a HubClient,
    total: Option<u64>,
    /// API requests per model (listing, commits, discussions) and resolver requests per model.
    api_per_model: f64,
    resolver_per_model: f64,
    lines: EveryTenSeconds,
}

impl<'a> Status<'a> {
    /// The status of a crawl with `options` of `total` models (when known) through `client`.
    pub fn new(client: &'a HubClient, options: &CrawlOptions, total: Option<u64>) -> Self {
        let listing = if options.ids.is_empty() {
            1.0 / f64::from(options.page_size.max(1))
        } else {
            1.0
        };
        let api_per_model = listing
            + if options.first_commits { 2.0 } else { 0.0 }
            + if options.discussions { 1.0 } else { 0.0 };
        Status {
            client,
            total,
            api_per_model,
            resolver_per_model: if options.readmes { 1.0 } else { 0.0 },
            lines: EveryTenSeconds::default(),
        }
    }

    /// True after the first page, then at most every 10 s (line-oriented progress when stderr is
    /// not a terminal).
    pub fn due(&self) -> bool {
        self.lines.due()
    }

    /// The status line after `report`, `elapsed` into the crawl.
    pub fn line(&self, report: &CrawlReport, elapsed: Duration) -> String {
        let api = self.client.bucket_state(Bucket::Api);
        let resolver = self.client.bucket_state(Bucket::Resolver);
        let measured = report.models as f64 / elapsed.as_secs_f64().max(1e-3);
        let mut parts = vec![format!("{measured:.0} models/s"), bucket_text("api", &api)];
        if self.resolver_per_model > 0.0 {
            parts.push(bucket_text("resolver", &resolver));
        }
        // The sustained speed the quotas allow, and the ETA at the slower of that and what was
        // measured.
        let bound = [
            (self.api_per_model, api.rate()),
            (self.resolver_per_model, resolver.rate()),
        ]
        .into_iter()
        .filter_map(|(per_model, rate)| (per_model > 0.0).then_some(rate? / per_model))
        .fold(f64::INFINITY, f64::min);
        if bound.is_finite() {
            parts.push(format!("quota allows {bound:.0} models/s"));
        }
        if let Some(total) = self.total {
            let speed = measured.min(bound);
            if speed > 0.0 {
                let left = total.saturating_sub(report.models) as f64 / speed;
                parts.push(format!(
                    "ETA {}",
                    human_duration(Duration::from_secs_f64(left))
                ));
            }
        }
        if report.client.rate_limited > 0 {
            parts.push(format!("{} waits on 429", report.client.rate_limited));
        }
        parts.join(" · ")
    }
}

fn bucket_text(name: &str, state: &BucketState) -> String {
    if let Some(blocked) = state.blocked {
        return format!(
            "{name}: rate-limited, resumes in {}",
            human_duration(blocked)
        );
    }
    match (state.remaining, state.quota, state.reset) {
        (Some(r), Some(q), Some(t)) => {
            format!("{name} {r}/{q} left, resets in {}", human_duration(t))
        }
        (Some(r), None, Some(t)) => format!("{name} {r} left, resets in {}", human_duration(t)),
        _ => format!("{name}: no limit reported"),
    }
}

/// A duration as a person reads it: `42s`, `3m05s`, `2h10m`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl CrawlReport {
    /// The summary printed at the end of a crawl into `db` that took `elapsed`.
    pub fn summary(&self, db: &str, elapsed: Duration) -> String {
        let report = self;
        let c = &report.counts;
        let s = &report.client;
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let mut out = format!(
            "hubscope crawl models: {} pages, {} models (stored {}, updated {}, unchanged {}, \
         skipped {}) in {:.1} s, {:.0} models/s (run {} into {})",
            report.pages,
            report.models,
            c.stored,
            c.updated,
            c.unchanged,
            c.skipped,
            seconds,
            report.models as f64 / seconds,
            report.run_id,
            db
        );
        if let Some(from) = &report.resumed_from {
            out.push_str(&format!("\n  resumed from {from}"));
        }
        let mut extras = Vec::new();
        if report.readmes + report.readmes_missing > 0 {
            extras.push(format!(
                "{} READMEs ({} models without one)",
                report.readmes, report.readmes_missing
            ));
        }
        if report.first_commits > 0 {
            extras.push(format!("{} first commits", report.first_commits));
        }
        if report.discussions > 0 {
            extras.push(format!("{} discussions", report.discussions));
        }
        if report.aliases > 0 {
            extras.push(format!("{} renamed repositories recorded", report.aliases));
        }
        if !extras.is_empty() {
            out.push_str(&format!("\n  {}", extras.join(", ")));
        }
        out.push_str(&format!(
            "\n  requests: {} api, {} resolver; {} retries, {} redirects, {} waits on 429 \
         ({:.1} s waited for the rate limit), {:.1} MB received",
            s.api_requests,
            s.resolver_requests,
            s.retries,
            s.redirects,
            s.rate_limited,
            s.waited_ms as f64 / 1000.0,
            s.bytes as f64 / 1e6
        ));
        out.push_str(&ending(
            report.issues,
            "records",
            report.run_id,
            report.stopped.as_deref(),
            report.finished.then_some("the listing was read to its end"),
        ));
        if let Some(source) = &report.source {
            out.push('\n');
            out.push_str(&source.frame_line(&hubscope_store::Declared::New));
            if let Some(d) = &source.declared.describes {
                out.push_str(&format!(" ({})", hubscope_store::text::escape_controls(d)));
            }
        }
        out
    }
}

/// The last lines of a crawl's summary: where its skipped `what` are logged, and why it stopped
/// or that it `finished` (in those words). Starts with a line break; the reason is escaped.
pub fn ending(
    issues: u64,
    what: &str,
    run_id: i64,
    stopped: Option<&str>,
    finished: Option<&str>,
) -> String {
    let mut out = String::new();
    if issues > 0 {
        out.push_str(&format!(
            "\n  {issues} {what} skipped or trimmed: SELECT * FROM ingest_issues WHERE run_id = {run_id}"
        ));
    }
    match (stopped, finished) {
        (Some(why), _) => out.push_str(&format!(
            "\n  stopped: {}",
            hubscope_store::text::escape_controls(why)
        )),
        (None, Some(words)) => out.push_str(&format!("\n  finished: {words}")),
        (None, None) => {}
    }
    out
}
