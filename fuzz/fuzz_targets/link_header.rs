//! Arbitrary text as a `Link` header: the next target is none, a URI reference, or refused,
//! never a panic; a target given is a substring of the header free of `<`, `>` and spaces.
#![no_main]
#![forbid(unsafe_code)]

use hubscope_hub::next_link;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Some(target)) = next_link(&text) {
        assert!(!target.is_empty() && text.contains(target));
        assert!(!target.contains(['<', '>', ' ']));
    }
});
