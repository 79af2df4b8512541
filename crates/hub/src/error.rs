//! Errors of the Hub client and crawler. URLs in messages never carry a token (the token only
//! ever travels in a header).

use std::path::PathBuf;

use hubscope_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("invalid Hub endpoint {0:?}: {1}")]
    Endpoint(String, String),
    #[error("cannot read the token file {path}: {source}")]
    TokenFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("offline (HF_HUB_OFFLINE is set): not fetching {0}")]
    Offline(String),
    /// `requests` counts every request sent for this GET, the failed ones and any redirects
    /// or 429s before them.
    #[error("GET {url}: {message} ({requests} requests sent, the last failed)")]
    Transport {
        url: String,
        message: String,
        requests: usize,
    },
    #[error("GET {url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("GET {url}: more than {0} redirects", crate::client::MAX_REDIRECTS)]
    Redirects { url: String },
    #[error("GET {url}: still rate-limited after waiting {waits} times")]
    RateLimited { url: String, waits: usize },
    #[error("the request budget (--max-requests {0}) is used up")]
    Budget(u64),
    /// A body over its bound: on the wire, or once decoded. Never retried.
    #[error("GET {url}: the response is over its bound of {limit} bytes{}", if *decoded { " once decompressed" } else { "" })]
    TooLarge {
        url: String,
        limit: usize,
        decoded: bool,
    },
    #[error("{url}: {message}")]
    Protocol { url: String, message: String },
    /// A task of concurrent work panicked: a bug, which stops the run.
    #[error("a {what} task failed: {message}")]
    Task { what: &'static str, message: String },
    #[error("{0}")]
    Option(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
