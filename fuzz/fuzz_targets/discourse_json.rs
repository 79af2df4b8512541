//! Arbitrary bytes as a saved Discourse response: whatever its shape, each parser gives its
//! records and issues or an error, never a panic.
#![no_main]
#![forbid(unsafe_code)]

use hubscope_source::discourse::{parse_categories, parse_posts, parse_topic, parse_topic_list};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = parse_categories(&value);
    let _ = parse_topic_list(&value);
    let _ = parse_topic(&value);
    let _ = parse_posts(&value, None);
    let _ = parse_posts(&value, Some(1));
});
