//! A Hugging Face Hub on 127.0.0.1, for tests and benchmarks. It serves the real data of
//! `../shared/data` in the shapes the Hub serves them:
//!
//! - `GET /api/models?sort=createdAt&direction=±1&limit=N&expand[]=…` — `hub/models.jsonl`, paged,
//!   with a `Link: <…&cursor=…>; rel="next"` cursor and only the `expand[]` fields;
//! - `GET /api/models/{id}` — the recorded responses of `hub/api-recordings.jsonl` (with their
//!   307 redirects of renamed repositories), else the model of `models.jsonl`;
//! - `GET /{id}/resolve/{rev}/README.md` — `hub/readmes.jsonl`;
//! - `GET /api/models/{id}/commits/main?limit=&p=` — commits with `X-Total-Count` (the oldest dated
//!   at the model's `createdAt`);
//! - `GET /api/models/{id}/discussions?p=` and `…/discussions/{num}` — `forum/hub-discussions.jsonl`
//!   in the Hub's list and event shapes;
//!
//! with `RateLimit` / `RateLimit-Policy` headers on every response (a quota per bucket and a
//! window that tests make short), 429s when the quota is spent, and faults to inject: a status,
//! a 429, a dropped connection, a slow body, truncated JSON, a `Link` to another host. Every request
//! is logged (path, query, and whether it carried an `Authorization` header).
#![forbid(unsafe_code)]

pub mod forum;
pub mod raw;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

/// The data a test Hub serves.
#[derive(Debug, Default)]
pub struct HubData {
    /// Models in creation order, each as its full JSON object.
    pub models: Vec<Value>,
    /// The same, serialised once (page bodies are joined from these).
    model_json: Vec<String>,
    index: HashMap<String, usize>,
    pub readmes: HashMap<String, String>,
    /// Replicated id → the id whose README and discussions it shares.
    origin: HashMap<String, String>,
    /// Threads per repository, in the dump's shape.
    pub discussions: HashMap<String, Vec<Value>>,
    /// Recorded responses by path.
    recordings: HashMap<String, Recording>,
}

#[derive(Debug, Clone)]
struct Recording {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HubData {
    /// Loads the real files (any may be `None`).
    pub fn load(
        models: Option<&Path>,
        readmes: Option<&Path>,
        discussions: Option<&Path>,
        recordings: Option<&Path>,
    ) -> std::io::Result<HubData> {
        let lines = |path: &Path| -> std::io::Result<Vec<Value>> {
            Ok(std::fs::read_to_string(path)?
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect())
        };
        let mut data = HubData::default();
        if let Some(path) = models {
            // The Hub's listing order: creation time (a stable sort keeps the dump's ties).
            let mut models = lines(path)?;
            models.sort_by(|a, b| {
                a["createdAt"]
                    .as_str()
                    .unwrap_or_default()
                    .cmp(b["createdAt"].as_str().unwrap_or_default())
            });
            data.set_models(models);
        }
        if let Some(path) = readmes {
            for r in lines(path)? {
                if let (Some(id), Some(text)) = (r["id"].as_str(), r["readme"].as_str()) {
                    data.readmes.insert(id.to_string(), text.to_string());
                }
            }
        }
        if let Some(path) = discussions {
            for t in lines(path)? {
                if let Some(repo) = t["repo_id"].as_str() {
                    data.discussions
                        .entry(repo.to_string())
                        .or_default()
                        .push(t.clone());
                }
            }
        }
        if let Some(path) = recordings {
            for r in lines(path)? {
                let Some(uri) = r["uri"].as_str() else {
                    continue;
                };
                let path = uri
                    .find("://")
                    .and_then(|i| uri[i + 3..].find('/').map(|j| &uri[i + 3 + j..]))
                    .unwrap_or(uri);
                let path = path.split('?').next().unwrap_or(path).to_string();
                let headers = r["headers"]
                    .as_object()
                    .map(|h| {
                        h.iter()
                            .filter(|(k, _)| {
                                matches!(
                                    k.to_ascii_lowercase().as_str(),
                                    "location" | "content-type" | "etag" | "x-total-count"
                                )
                            })
                            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                // When a path was recorded more than once, the first recording is served.
                data.recordings.entry(path).or_insert(Recording {
                    status: r["status"].as_u64().unwrap_or(200) as u16,
                    headers,
                    body: r["body"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
        Ok(data)
    }

    fn set_models(&mut self, models: Vec<Value>) {
        self.model_json = models.iter().map(Value::to_string).collect();
        self.index = models
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m["id"].as_str().map(|id| (id.to_string(), i)))
            .collect();
        self.models = models;
    }

    /// The models repeated `copies` times with new ids (`<id>-r<copy>`), for benchmarks; each
    /// copy serves its original's README (shared, not copied).
    pub fn replicated(mut self, copies: usize) -> HubData {
        let mut models = Vec::with_capacity(self.models.len() * copies);
        let mut origin = HashMap::with_capacity(self.models.len() * copies);
        for copy in 0..copies {
            for m in &self.models {
                let mut m = m.clone();
                let original = m["id"].as_str().unwrap_or_default().to_string();
                let id = format!("{original}-r{copy}");
                origin.insert(id.clone(), original);
                m["id"] = Value::String(id);
                models.push(m);
            }
        }
        self.set_models(models);
        self.origin = origin;
        self
    }

    fn readme(&self, id: &str) -> Option<&String> {
        let id = self.origin.get(id).map_or(id, String::as_str);
        self.readmes.get(id)
    }
}

/// A fault to inject into responses whose path starts with a prefix.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (500, 503, …).
    Status(u16),
    /// Answer 429 with `RateLimit: "<bucket>";r=0;t=<seconds>`.
    TooMany { seconds: u64 },
    /// Start the body, then drop the connection.
    Reset,
    /// Send the body in pieces, `pause` apart.
    Slow { pause: Duration },
    /// Send only the first half of the body (a complete, but cut, response).
    TruncatedJson,
    /// A listing page whose `Link` points to this origin instead of the server's.
    ForeignLink(String),
    /// Answer 302 with this `Location` (a CDN, another host).
    Redirect(String),
}

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub at: Instant,
    pub status: u16,
}

#[derive(Debug)]
struct Bucket {
    quota: u64,
    window: Duration,
    started: Instant,
    used: u64,
    /// The most requests answered (not 429) within one window.
    peak: u64,
}

#[derive(Debug, Default)]
struct Control {
    faults: Vec<(String, Fault, usize)>,
    buckets: HashMap<&'static str, Bucket>,
    log: Vec<Logged>,
}

/// What a test server serves.
enum Site {
    Hub(Arc<HubData>),
    Forum(Mutex<forum::ForumData>),
}

struct Shared {
    site: Site,
    origin: String,
    control: Mutex<Control>,
}

/// A running test Hub. Dropping it stops the server.
pub struct TestHub {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestHub {
    /// Starts a server on 127.0.0.1 (a free port) in the current tokio runtime.
    pub async fn start(data: Arc<HubData>) -> std::io::Result<TestHub> {
        Self::start_on(data, 0).await
    }

    /// Starts a server on 127.0.0.1:`port` (0: a free port).
    pub async fn start_on(data: Arc<HubData>, port: u16) -> std::io::Result<TestHub> {
        Self::serve(Site::Hub(data), port).await
    }

    /// Starts a Discourse forum on 127.0.0.1 (a free port) serving `data`.
    pub async fn start_forum(data: forum::ForumData) -> std::io::Result<TestHub> {
        Self::start_forum_on(data, 0).await
    }

    /// Starts a Discourse forum on 127.0.0.1:`port` (0: a free port).
    pub async fn start_forum_on(data: forum::ForumData, port: u16) -> std::io::Result<TestHub> {
        Self::serve(Site::Forum(Mutex::new(data)), port).await
    }

    /// Changes the forum's data (edit a post, add one); the change is visible to the next
    /// request. Does nothing on a Hub.
    pub fn with_forum(&self, change: impl FnOnce(&mut forum::ForumData)) {
        if let Site::Forum(data) = &self.shared.site {
            change(
                &mut data
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
        }
    }

    async fn serve(site: Site, port: u16) -> std::io::Result<TestHub> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            site,
            origin: format!("http://{addr}"),
            control: Mutex::new(Control::default()),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(TestHub {
            addr,
            shared,
            shutdown: Some(tx),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.shared.origin.clone()
    }

    /// Injects `fault` into the next `times` responses whose path starts with `path_prefix`.
    pub fn inject(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.control()
            .faults
            .push((path_prefix.to_string(), fault, times));
    }

    /// Limits a bucket (`api` or `resolvers`) to `quota` requests per `window`.
    pub fn rate_limit(&self, bucket: &'static str, quota: u64, window: Duration) {
        self.control().buckets.insert(
            bucket,
            Bucket {
                quota,
                window,
                started: Instant::now(),
                used: 0,
                peak: 0,
            },
        );
    }

    /// The most requests of a bucket answered within one window (never above the quota when the
    /// client respects the headers; 429s are not counted).
    pub fn peak(&self, bucket: &str) -> u64 {
        self.control()
            .buckets
            .get(bucket)
            .map_or(0, |b| b.peak.max(b.used))
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.control().log.clone()
    }

    fn control(&self) -> std::sync::MutexGuard<'_, Control> {
        self.shared
            .control
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn bucket_of(path: &str) -> &'static str {
    if path.contains("/resolve/") {
        "resolvers"
    } else {
        "api"
    }
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = percent_decode(uri.path());
    let query = uri.query().unwrap_or_default().to_string();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bucket = bucket_of(&path);
    let (fault, limit) = {
        let mut c = shared
            .control
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fault = c
            .faults
            .iter_mut()
            .find(|(p, _, n)| *n > 0 && path.starts_with(p.as_str()))
            .map(|f| {
                f.2 -= 1;
                f.1.clone()
            });
        // The quota is counted for every request; a request over it is answered 429.
        let limit = c.buckets.get_mut(bucket).map(|b| {
            let now = Instant::now();
            if now.duration_since(b.started) >= b.window {
                b.peak = b.peak.max(b.used);
                b.started = now;
                b.used = 0;
            }
            let reset = b.window.saturating_sub(now.duration_since(b.started));
            let over = b.used >= b.quota;
            if !over {
                b.used += 1;
            }
            (
                b.quota,
                b.window,
                b.quota.saturating_sub(b.used),
                reset,
                over,
            )
        });
        (fault, limit)
    };
    let mut response = match (&fault, limit) {
        (_, Some((_, _, _, reset, true))) => too_many(bucket, reset.as_secs().max(1)),
        (Some(Fault::TooMany { seconds }), _) => too_many(bucket, *seconds),
        (Some(Fault::Status(status)), _) => plain(*status, "injected failure"),
        (Some(Fault::Redirect(location)), _) => {
            let mut r = plain(302, "Found");
            set(&mut r, "Location", location);
            r
        }
        _ => route(&shared, &path, &query, fault.as_ref()),
    };
    if let Some((quota, window, remaining, reset, over)) = limit
        && !over
    {
        set(
            &mut response,
            "RateLimit",
            &format!("\"{bucket}\";r={remaining};t={}", reset.as_secs().max(1)),
        );
        set(
            &mut response,
            "RateLimit-Policy",
            &format!(
                "\"fixed window\";\"{bucket}\";q={quota};w={}",
                window.as_secs().max(1)
            ),
        );
    }
    let response = match fault {
        Some(Fault::Reset) => reset_body(response).await,
        Some(Fault::Slow { pause }) => slow_body(response, pause).await,
        Some(Fault::TruncatedJson) => truncated(response).await,
        _ => response,
    };
    let status = response.status().as_u16();
    shared
        .control
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .log
        .push(Logged {
            path,
            query,
            authorization,
            at: Instant::now(),
            status,
        });
    response
}

pub(crate) fn set(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, v);
    }
}

fn too_many(bucket: &str, seconds: u64) -> Response {
    let mut r = plain(429, "rate limited");
    set(
        &mut r,
        "RateLimit",
        &format!("\"{bucket}\";r=0;t={seconds}"),
    );
    set(&mut r, "Retry-After", &seconds.to_string());
    r
}

pub(crate) fn plain(status: u16, text: &str) -> Response {
    let mut r = Response::new(Body::from(text.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

pub(crate) fn json_response(status: u16, body: String) -> Response {
    let mut r = plain(status, "");
    *r.body_mut() = Body::from(body);
    set(&mut r, "Content-Type", "application/json; charset=utf-8");
    r
}

fn route(shared: &Shared, path: &str, query: &str, fault: Option<&Fault>) -> Response {
    let data = match &shared.site {
        Site::Hub(data) => data,
        Site::Forum(data) => {
            let data = data
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            return forum::route(&data, path, query);
        }
    };
    if let Some(rec) = data.recordings.get(path) {
        let mut r = plain(rec.status, "");
        *r.body_mut() = Body::from(rec.body.clone());
        for (k, v) in &rec.headers {
            if let (Ok(k), Ok(v)) = (
                axum::http::HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                r.headers_mut().insert(k, v);
            }
        }
        return r;
    }
    if path == "/api/models" {
        let origin = match fault {
            Some(Fault::ForeignLink(origin)) => origin.as_str(),
            _ => shared.origin.as_str(),
        };
        return list(data, query, origin);
    }
    if let Some(rest) = path.strip_prefix("/api/models/") {
        if let Some((id, tail)) = split_tail(rest, "/discussions") {
            return discussions(data, id, tail, query);
        }
        if let Some((id, _)) = split_tail(rest, "/commits/") {
            return commits(data, id, query);
        }
        return match data.index.get(rest) {
            Some(&i) => json_response(200, data.model_json[i].clone()),
            None => json_response(404, json!({"error": "Repository not found"}).to_string()),
        };
    }
    if let Some(pos) = path.find("/resolve/")
        && path.ends_with("/README.md")
    {
        let id = &path[1..pos];
        return match data.readme(id) {
            Some(text) => {
                let mut r = plain(200, "");
                *r.body_mut() = Body::from(text.clone());
                set(&mut r, "Content-Type", "text/plain; charset=utf-8");
                r
            }
            None => plain(404, "Entry not found"),
        };
    }
    plain(404, "Not Found")
}

/// `id/…tail` split at the marker: (id, the rest from the marker on).
fn split_tail<'a>(rest: &'a str, marker: &str) -> Option<(&'a str, &'a str)> {
    rest.find(marker).map(|i| (&rest[..i], &rest[i..]))
}

pub(crate) fn params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub(crate) fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `/api/models`: a page in creation order (or reverse), with a cursor link to the next one.
fn list(data: &HubData, query: &str, origin: &str) -> Response {
    let p = params(query);
    let limit: usize = param(&p, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    let descending = param(&p, "direction") == Some("-1");
    let offset: usize = param(&p, "cursor")
        .and_then(|c| c.strip_prefix("o"))
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let expand: Vec<&str> = p
        .iter()
        .filter(|(k, _)| k == "expand[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let n = data.models.len();
    let end = (offset + limit).min(n);
    let mut body = String::from("[");
    for k in offset.min(n)..end {
        let i = if descending { n - 1 - k } else { k };
        if k > offset {
            body.push(',');
        }
        let full = &data.models[i];
        let all_fields = full.as_object().is_some_and(|o| {
            o.keys()
                .all(|key| key == "id" || key == "_id" || expand.contains(&key.as_str()))
        });
        if expand.is_empty() || all_fields {
            body.push_str(&data.model_json[i]);
        } else {
            let mut kept = serde_json::Map::new();
            if let Some(o) = full.as_object() {
                for (key, value) in o {
                    if key == "id" || key == "_id" || expand.contains(&key.as_str()) {
                        kept.insert(key.clone(), value.clone());
                    }
                }
            }
            body.push_str(&Value::Object(kept).to_string());
        }
    }
    body.push(']');
    let mut r = json_response(200, body);
    if end < n {
        let mut next = format!(
            "{origin}/api/models?sort=createdAt&direction={}&limit={limit}&cursor=o{end}",
            if descending { "-1" } else { "1" }
        );
        for e in &expand {
            next.push_str("&expand%5B%5D=");
            next.push_str(e);
        }
        set(&mut r, "Link", &format!("<{next}>; rel=\"next\""));
    }
    r
}

/// Commits of `main`: a deterministic number per model, the oldest dated at `createdAt`.
fn commits(data: &HubData, id: &str, query: &str) -> Response {
    let Some(&i) = data.index.get(id) else {
        return json_response(404, json!({"error": "Repository not found"}).to_string());
    };
    let created = data.models[i]["createdAt"]
        .as_str()
        .unwrap_or("2022-03-02T23:29:04.000Z");
    let total = 1 + id.bytes().map(u64::from).sum::<u64>() % 5;
    let p = params(query);
    let limit: u64 = param(&p, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50)
        .max(1);
    let page: u64 = param(&p, "p").and_then(|l| l.parse().ok()).unwrap_or(0);
    let commits: Vec<Value> = (page * limit..((page + 1) * limit).min(total))
        .map(|k| {
            // Newest first: the last one is the first commit.
            let date = if k + 1 == total {
                created.to_string()
            } else {
                format!("2025-0{}-01T00:00:00.000Z", 1 + k % 9)
            };
            json!({"id": format!("{:040x}", k + 1), "title": format!("commit {k}"), "date": date})
        })
        .collect();
    let mut r = json_response(200, Value::Array(commits).to_string());
    set(&mut r, "X-Total-Count", &total.to_string());
    r
}

/// The dump's `2023-04-12 04:42:03+00:00` in the API's `2023-04-12T04:42:03.000Z`.
fn api_date(value: &Value) -> Value {
    match value.as_str() {
        Some(s) if s.len() >= 19 => Value::String(format!("{}T{}.000Z", &s[..10], &s[11..19])),
        _ => Value::Null,
    }
}

fn discussions(data: &HubData, id: &str, tail: &str, query: &str) -> Response {
    let threads = data
        .discussions
        .get(id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let header = |t: &Value| {
        json!({
            "num": t["num"], "title": t["title"], "status": t["status"],
            "author": {"name": t["author"]}, "createdAt": api_date(&t["created_at"]),
            "isPullRequest": t["is_pull_request"], "repo": {"name": id, "type": "model"}
        })
    };
    if let Some(num) = tail.strip_prefix("/discussions/") {
        let Some(t) = threads.iter().find(|t| {
            num.parse::<u64>()
                .ok()
                .is_some_and(|n| t["num"].as_u64() == Some(n))
        }) else {
            return json_response(404, json!({"error": "Discussion not found"}).to_string());
        };
        let mut details = header(t);
        let events: Vec<Value> = t["comments"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .enumerate()
                    .map(|(k, c)| {
                        json!({"id": format!("{k:024x}"), "type": "comment", "createdAt": api_date(&c["created_at"]),
                               "author": {"name": c["author"]},
                               "data": {"edited": false, "hidden": c["hidden"], "latest": {"raw": c["text"]}}})
                    })
                    .collect()
            })
            .unwrap_or_default();
        details["events"] = Value::Array(events);
        return json_response(200, details.to_string());
    }
    const PAGE: usize = 50;
    let page: usize = param(&params(query), "p")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let start = page * PAGE;
    let items: Vec<Value> = threads.iter().skip(start).take(PAGE).map(header).collect();
    json_response(
        200,
        json!({"discussions": items, "count": threads.len(), "start": start}).to_string(),
    )
}

/// Sends the start of the body, then drops the connection (the declared length is not met).
async fn reset_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert("content-length", HeaderValue::from(bytes.len().max(1)));
    let stream = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        )),
    ]);
    Response::from_parts(parts, Body::from_stream(stream))
}

async fn slow_body(response: Response, pause: Duration) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let pieces: Vec<bytes::Bytes> = bytes
        .chunks(bytes.len().div_ceil(4).max(1))
        .map(bytes::Bytes::copy_from_slice)
        .collect();
    let stream = futures_util::stream::unfold(pieces.into_iter(), move |mut rest| async move {
        let piece = rest.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<_, std::io::Error>(piece), rest))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert("content-length", HeaderValue::from(cut.len()));
    Response::from_parts(parts, Body::from(cut))
}
