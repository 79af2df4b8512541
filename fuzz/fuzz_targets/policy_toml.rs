//! Arbitrary text as a policy: it is a checked policy or an error naming a line, never a panic.
#![no_main]
#![forbid(unsafe_code)]

use hubscope_govern::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = Policy::parse(&text) {
        if let Some(line) = e.line {
            assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "{e}");
        }
    }
});
