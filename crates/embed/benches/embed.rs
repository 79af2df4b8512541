//! Embedding throughput on real Hub discussions (`../shared/data/forum/hub-discussions.jsonl`:
//! title + first comment, as the classifier sees them), and model load time.
//! Run with `cargo bench -p hubscope-embed`; needs `scripts/fetch-model.sh`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_embed::Encoder;

const POSTS: usize = 256;

fn posts() -> Vec<String> {
    hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
        .lines()
        .step_by(89)
        .take(POSTS)
        .map(|line| {
            let thread: serde_json::Value = serde_json::from_str(line).expect("json line");
            let first = thread["comments"][0]["text"].as_str().unwrap_or("");
            format!("{}\n{}", thread["title"].as_str().unwrap_or(""), first)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = hubscope_corpus::model_dir();
    let posts = posts();
    let mut group = c.benchmark_group("embed");
    group.sample_size(10);
    group.bench_function("load", |b| b.iter(|| Encoder::load(&dir).expect("load")));
    group.throughput(Throughput::Elements(posts.len() as u64));
    for max_tokens in [256usize, 64, 32] {
        let encoder = Encoder::load(&dir)
            .and_then(|e| e.with_max_tokens(max_tokens))
            .expect("load");
        group.bench_function(format!("posts, {max_tokens} tokens"), |b| {
            b.iter(|| encoder.encode(&posts).expect("encode"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
