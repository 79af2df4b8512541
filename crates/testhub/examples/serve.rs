//! Serves the real data of `../shared/data` as a loopback Hub, to try `hubscope crawl` offline:
//!
//! ```text
//! cargo run --release -p hubscope-testhub --example serve -- [--copies N] [--port P] [--quota Q] [--forum N]
//! HF_ENDPOINT=http://127.0.0.1:P hubscope crawl models --readmes
//! ```
//!
//! `--forum N` serves a Discourse forum of N generated topics and the real saved responses
//! instead (`hubscope crawl forum --base http://127.0.0.1:P`). `--copies N` repeats the 1,820 models N times (new ids, shared READMEs); `--quota Q` limits
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
    if let Some(topics) = value("--forum") {
        let data = hubscope_testhub::forum::ForumData::generate(topics as usize, 1)
            .with_real_responses(&hubscope_corpus::path("forum/discourse-real-responses"))
            .unwrap();
        let forum = TestHub::start_forum_on(data, port).await.unwrap();
        eprintln!(
            "serving a Discourse forum of {} topics at {}",
            topics + 2,
            forum.url()
        );
        eprintln!("  hubscope crawl forum --base {}", forum.url());
        let _ = tokio::signal::ctrl_c().await;
        return;
    }
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
