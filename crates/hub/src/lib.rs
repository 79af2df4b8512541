//! The Hugging Face Hub, politely: a client paced by the Hub's own `RateLimit` headers, with
//! retries, 429 handling and redirects that never carry the token to another host; and a
//! crawler of `/api/models` that stores into hubscope's store page by page and resumes where
//! it stopped.
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use hubscope_hub::{CrawlOptions, Crawler, HubClient, HubConfig};
//! use hubscope_store::Store;
//!
//! # async fn run() -> Result<(), hubscope_hub::HubError> {
//! let client = HubClient::new(HubConfig::from_env()?, None)?;
//! let options = CrawlOptions { limit: Some(2_000), readmes: true, ..CrawlOptions::default() };
//! let mut store = Store::open("hubscope.db")?;
//! let report = Crawler::new(client, options)
//!     .run(&mut store, &AtomicBool::new(false), &|_| {})
//!     .await?;
//! println!("{} models, {} READMEs", report.models, report.readmes);
//! # Ok(()) }
//! ```
//!
//! Networking lives here and nowhere else below the binary; this crate never prints.
#![forbid(unsafe_code)]

mod client;
mod config;
mod crawl;
mod error;
mod link;
mod ratelimit;
pub mod status;
pub mod tasks;

pub use client::{Bucket, ClientStats, HubClient, MAX_API_BODY, MAX_REDIRECTS, Response};
pub use config::{DEFAULT_ENDPOINT, HubConfig, Token};
pub use crawl::{
    CrawlOptions, CrawlReport, Crawler, EXPAND, FULL_CRAWL, end_session, parse_since, repo_path,
};
pub use error::HubError;
pub use link::{PageTrail, next_link};
pub use ratelimit::{
    BucketState, MAX_SERVER_WAIT, Pacer, RateLimit, RatePolicy, parse_policy, parse_ratelimit,
};
