//! The HTTP client: one request at a time per call, paced per bucket by the Hub's RateLimit
//! headers, retried with capped exponential backoff on timeouts, dropped connections and 5xx,
//! waiting out 429s, following redirects itself.
//!
//! Every body is read against a bound the caller gives: a `Content-Length` over it is refused
//! before the body is read, the bytes on the wire are counted as they arrive, and a gzip body
//! is decoded here (not by the HTTP library) into a buffer that refuses to grow past the bound.
//! So neither an endless body nor a decompression bomb can take more memory than the bound.
//!
//! The token is attached only to requests whose origin (scheme, host, port) is the configured
//! endpoint's: a redirect to another host (a CDN, a renamed repository elsewhere) is followed
//! without it. Redirects are never followed by the HTTP library, so this rule cannot be bypassed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use bytes::Bytes;
use reqwest::header::{
    ACCEPT_ENCODING, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, HeaderMap, LOCATION,
    RETRY_AFTER, USER_AGENT,
};
use serde::Serialize;
use url::Url;

use crate::config::HubConfig;
use crate::error::HubError;
use crate::ratelimit::{
    BucketState, MAX_SERVER_WAIT, Pacer, parse_policy, parse_ratelimit, server_seconds,
};

/// Redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// The bound on an API response (a listing page, a model, its commits or discussions, a forum
/// page): 64 MiB. A listing page of 1,000 fully expanded models is a few MB.
pub const MAX_API_BODY: usize = 64 << 20;

/// The bound on a body that is drained and thrown away (a redirect's, an error's).
const MAX_DRAINED_BODY: usize = 1 << 20;

/// The Hub's rate-limit buckets: the API, and the file resolver (a separate, larger quota).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Api,
    Resolver,
}

/// A response, read in full.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// The URL that answered (after redirects).
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The URLs that redirected, in order.
    pub redirects: Vec<Url>,
}

impl Response {
    /// The response if it is a success, else [`HubError::Status`].
    pub fn ok(self) -> Result<Response, HubError> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            Err(HubError::Status {
                url: self.url.to_string(),
                status: self.status,
            })
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the client did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClientStats {
    pub api_requests: u64,
    pub resolver_requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
    pub redirects: u64,
    /// Milliseconds spent waiting for the rate limit (pacing and 429s).
    pub waited_ms: u64,
    pub bytes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    api_requests: AtomicU64,
    resolver_requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    redirects: AtomicU64,
    waited_ms: AtomicU64,
    bytes: AtomicU64,
}

/// A client of one Hub endpoint. Cheap to clone; clones share pacing, budget and statistics.
#[derive(Clone)]
pub struct HubClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: HubConfig,
    api: Pacer,
    resolver: Pacer,
    counters: Counters,
    budget: Option<u64>,
    sent: AtomicU64,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("endpoint", &self.inner.config.endpoint.as_str())
            .finish()
    }
}

impl HubClient {
    /// A client; `max_requests` caps the requests it will ever send.
    pub fn new(config: HubConfig, max_requests: Option<u64>) -> Result<Self, HubError> {
        let min_interval = config
            .max_rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map_or(Duration::ZERO, |r| Duration::from_secs_f64(1.0 / r));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| HubError::Endpoint(config.endpoint.to_string(), e.to_string()))?;
        Ok(HubClient {
            inner: Arc::new(Inner {
                http,
                config,
                api: Pacer::with_min_interval(min_interval),
                resolver: Pacer::with_min_interval(min_interval),
                counters: Counters::default(),
                budget: max_requests,
                sent: AtomicU64::new(0),
            }),
        })
    }

    pub fn config(&self) -> &HubConfig {
        &self.inner.config
    }

    pub fn endpoint(&self) -> &Url {
        &self.inner.config.endpoint
    }

    /// A URL on the endpoint: `path` is absolute (`/api/models/...`), with its query.
    pub fn url(&self, path: &str) -> Result<Url, HubError> {
        self.endpoint()
            .join(path)
            .map_err(|e| HubError::Endpoint(path.to_string(), e.to_string()))
    }

    /// Whether `url` has the endpoint's origin (the only one that may see the token).
    pub fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.endpoint().origin()
    }

    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        ClientStats {
            api_requests: c.api_requests.load(Ordering::Relaxed),
            resolver_requests: c.resolver_requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            redirects: c.redirects.load(Ordering::Relaxed),
            waited_ms: c.waited_ms.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
        }
    }

    /// A bucket's rate-limit state, as the Hub last reported it.
    pub fn bucket_state(&self, bucket: Bucket) -> BucketState {
        self.pacer(bucket).snapshot(Instant::now())
    }

    fn pacer(&self, bucket: Bucket) -> &Pacer {
        match bucket {
            Bucket::Api => &self.inner.api,
            Bucket::Resolver => &self.inner.resolver,
        }
    }

    /// GETs `url`: paced, retried, redirects followed, the body read within `max_body` bytes
    /// (on the wire and decoded). Any final status is returned (a 404 is an answer); only
    /// transport failures that outlast the retries, endless 429s, redirect loops, a body over
    /// its bound ([`HubError::TooLarge`]) and the request budget are errors.
    pub async fn get(
        &self,
        bucket: Bucket,
        url: Url,
        max_body: usize,
    ) -> Result<Response, HubError> {
        let inner = &self.inner;
        if inner.config.offline {
            return Err(HubError::Offline(url.to_string()));
        }
        let mut url = url;
        let mut redirects = Vec::new();
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(inner.config.max_backoff)
            .with_max_times(inner.config.max_retries)
            .with_jitter()
            .build();
        // Requests this call sent (counting redirects and 429s), for the error message.
        let (mut sent, mut rate_limited) = (0usize, 0usize);
        loop {
            if let Some(budget) = inner.budget
                && inner.sent.fetch_add(1, Ordering::Relaxed) >= budget
            {
                return Err(HubError::Budget(budget));
            }
            let pacer = self.pacer(bucket);
            let now = Instant::now();
            let slot = pacer.reserve(now);
            if slot > now {
                let wait = slot - now;
                inner
                    .counters
                    .waited_ms
                    .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                tokio::time::sleep(wait).await;
            }
            let mut request = inner
                .http
                .get(url.clone())
                .header(USER_AGENT, &inner.config.user_agent)
                .header(ACCEPT_ENCODING, "gzip");
            if let Some(token) = &inner.config.token
                && self.same_origin(&url)
            {
                request = request.header(AUTHORIZATION, token.bearer());
            }
            sent += 1;
            match bucket {
                Bucket::Api => &inner.counters.api_requests,
                Bucket::Resolver => &inner.counters.resolver_requests,
            }
            .fetch_add(1, Ordering::Relaxed);

            let transient = |message: String| (message, url.to_string());
            let outcome: Result<(), (String, String)> = match request.send().await {
                Err(e) => Err(transient(describe(&e))),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let now = Instant::now();
                    let limit = header(&headers, "ratelimit").and_then(parse_ratelimit);
                    let policy = header(&headers, "ratelimit-policy").and_then(parse_policy);
                    pacer.observe(limit.as_ref(), policy.as_ref(), now);
                    if status == 429 {
                        rate_limited += 1;
                        inner.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                        if rate_limited > inner.config.max_rate_limited {
                            return Err(HubError::RateLimited {
                                url: url.to_string(),
                                waits: rate_limited - 1,
                            });
                        }
                        let wait = limit
                            .map(|l| l.reset)
                            .or_else(|| {
                                header(&headers, RETRY_AFTER.as_str())
                                    .and_then(|v| v.trim().parse().ok())
                                    .map(server_seconds)
                            })
                            .unwrap_or(Duration::from_secs(10))
                            .clamp(Duration::from_millis(100), MAX_SERVER_WAIT);
                        // Drain the body so the connection can be reused.
                        let _ = read_body(response, MAX_DRAINED_BODY).await;
                        pacer.block(wait, now);
                        continue;
                    }
                    if (300..400).contains(&status)
                        && let Some(location) = header(&headers, LOCATION.as_str())
                    {
                        let next = url.join(location).map_err(|e| HubError::Protocol {
                            url: url.to_string(),
                            message: format!("bad redirect location {location:?}: {e}"),
                        })?;
                        let _ = read_body(response, MAX_DRAINED_BODY).await;
                        inner.counters.redirects.fetch_add(1, Ordering::Relaxed);
                        redirects.push(std::mem::replace(&mut url, next));
                        if redirects.len() > MAX_REDIRECTS {
                            return Err(HubError::Redirects {
                                url: url.to_string(),
                            });
                        }
                        continue;
                    }
                    if status >= 500 {
                        let _ = read_body(response, MAX_DRAINED_BODY).await;
                        Err(transient(format!("HTTP {status}")))
                    } else {
                        match read_body(response, max_body).await {
                            Ok((body, wire)) => {
                                inner
                                    .counters
                                    .bytes
                                    .fetch_add(wire as u64, Ordering::Relaxed);
                                return Ok(Response {
                                    status,
                                    url,
                                    headers,
                                    body,
                                    redirects,
                                });
                            }
                            Err(BodyError::TooLarge { decoded }) => {
                                return Err(HubError::TooLarge {
                                    url: url.to_string(),
                                    limit: max_body,
                                    decoded,
                                });
                            }
                            Err(BodyError::Encoding(message)) => {
                                return Err(HubError::Protocol {
                                    url: url.to_string(),
                                    message,
                                });
                            }
                            Err(BodyError::Transport(e)) => {
                                Err(transient(format!("reading the body: {}", describe(&e))))
                            }
                        }
                    }
                }
            };
            if let Err((message, url)) = outcome {
                match backoff.next() {
                    Some(delay) => {
                        inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(delay).await;
                    }
                    None => {
                        return Err(HubError::Transport {
                            url,
                            message,
                            requests: sent,
                        });
                    }
                }
            }
        }
    }
}

/// Why a body could not be read.
#[derive(Debug)]
enum BodyError {
    /// Over the bound: on the wire (`decoded` false) or once decompressed.
    TooLarge {
        decoded: bool,
    },
    /// A Content-Encoding that was not asked for, or a corrupt gzip stream.
    Encoding(String),
    Transport(reqwest::Error),
}

/// Reads a body within `limit` bytes, both as received and as decoded: the body, and the bytes
/// that came over the wire.
async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Bytes, usize), BodyError> {
    let declared = header(response.headers(), CONTENT_LENGTH.as_str())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { decoded: false });
    }
    let encoding = header(response.headers(), CONTENT_ENCODING.as_str())
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e != "identity");
    let mut decoder = match encoding.as_deref() {
        None => None,
        Some("gzip" | "x-gzip") => Some(flate2::write::GzDecoder::new(Bounded::new(limit))),
        Some(other) => {
            let shown: String = other.chars().take(40).collect();
            return Err(BodyError::Encoding(format!(
                "the body is encoded as {shown:?}, which was not asked for (only gzip is)"
            )));
        }
    };
    let mut raw = Bounded::new(limit);
    let mut wire = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        wire += chunk.len();
        if wire > limit {
            return Err(BodyError::TooLarge { decoded: false });
        }
        match &mut decoder {
            None => raw
                .extend(&chunk)
                .map_err(|_| BodyError::TooLarge { decoded: false })?,
            Some(d) => write_decoded(d, &chunk)?,
        }
    }
    let body = match decoder {
        None => raw.bytes,
        // An empty body (a 204, a bodiless error) says gzip and holds nothing to decode.
        Some(_) if wire == 0 => Vec::new(),
        Some(d) => d.finish().map_err(decode_error)?.bytes,
    };
    Ok((Bytes::from(body), wire))
}

fn write_decoded(
    decoder: &mut flate2::write::GzDecoder<Bounded>,
    chunk: &[u8],
) -> Result<(), BodyError> {
    use std::io::Write;
    decoder.write_all(chunk).map_err(decode_error)
}

fn decode_error(e: std::io::Error) -> BodyError {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        BodyError::TooLarge { decoded: true }
    } else {
        BodyError::Encoding(format!("the gzip body is corrupt: {e}"))
    }
}

/// A buffer that refuses to grow past its bound (as an I/O error of kind `FileTooLarge`).
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
}

impl Bounded {
    fn new(limit: usize) -> Self {
        Bounded {
            bytes: Vec::new(),
            limit,
        }
    }

    fn extend(&mut self, data: &[u8]) -> std::io::Result<()> {
        if self.bytes.len() + data.len() > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "over the bound",
            ));
        }
        self.bytes.extend_from_slice(data);
        Ok(())
    }
}

impl std::io::Write for Bounded {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.extend(data)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A transport error without the URL (which the caller reports) and without noise.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the connection dropped while reading"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} ({detail})")
    }
}
