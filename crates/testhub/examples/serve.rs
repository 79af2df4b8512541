//! Serves the real data of `../shared/data` as a loopback Hub, to try `hubscope crawl` offline:
//!
//! ```text
//! cargo run --release -p hubscope-testhub --example serve -- [--copies N] [--port P] [--quota Q]
//! HF_ENDPOINT=http://127.0.0.1:P hubscope crawl models --readmes
//! ```
//!
//! `--copies N` repeats the 1,820 models N times (new ids, shared READMEs); `--quota Q` limits
//! the API bucket to Q requests per 10 s, so that the client's pacing can be watched.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use hubscope_testhub::{HubData, TestHub};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| -> Option<u64> {
        let i = args.iter().position(|a| a == name)?;
        let v = args.get(i + 1)?;
        Some(
            v.parse()
                .unwrap_or_else(|_| panic!("{name} expects a number, not {v:?}")),
        )
    };
    let copies = value("--copies").unwrap_or(1) as usize;
    let port = value("--port").unwrap_or(0) as u16;
    let data = HubData::load(
        Some(&hubscope_corpus::path("hub/models.jsonl")),
        Some(&hubscope_corpus::path("hub/readmes.jsonl")),
        Some(&hubscope_corpus::path("forum/hub-discussions.jsonl")),
        Some(&hubscope_corpus::path("hub/api-recordings.jsonl")),
    )
    .unwrap();
    let data = if copies > 1 {
        data.replicated(copies)
    } else {
        data
    };
    let models = data.models.len();
    let hub = TestHub::start_on(Arc::new(data), port).await.unwrap();
    if let Some(quota) = value("--quota") {
        hub.rate_limit("api", quota, Duration::from_secs(10));
    }
    eprintln!("serving {models} models at {}", hub.url());
    eprintln!(
        "  HF_ENDPOINT={} hubscope crawl models --readmes",
        hub.url()
    );
    let _ = tokio::signal::ctrl_c().await;
}
