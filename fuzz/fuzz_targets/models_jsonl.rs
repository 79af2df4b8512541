//! Arbitrary bytes as lines of a models dump (`/api/models` objects): each line gives a record
//! or the reason it is none, never a panic; a stored date is always in the plausible window.
#![no_main]
#![forbid(unsafe_code)]

use hubscope_store::ModelRecord;
use hubscope_store::time::is_plausible;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for line in data.split(|b| *b == b'\n') {
        let mut issues = Vec::new();
        if let Ok(record) = ModelRecord::from_api_json(line, &mut issues) {
            for date in [&record.created_at, &record.last_modified].into_iter().flatten() {
                assert!(is_plausible(date), "{date}");
            }
        }
    }
});
