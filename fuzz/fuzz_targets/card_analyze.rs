//! Arbitrary bytes into the card engine: it must return an analysis or a `CardError`, never
//! panic, hang or exhaust memory. The first byte picks how the rest is framed, so the fuzzer
//! reaches the YAML parser (inside `---` markers) as readily as the Markdown walker.
#![no_main]
#![forbid(unsafe_code)]

use std::sync::OnceLock;

use hubscope_card::CardAnalyzer;
use libfuzzer_sys::fuzz_target;

fn analyzer() -> &'static CardAnalyzer {
    static ANALYZER: OnceLock<CardAnalyzer> = OnceLock::new();
    ANALYZER.get_or_init(CardAnalyzer::new)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let _ = analyzer().analyze_bytes(rest);
        }
        1 => {
            // As front matter: ---\n<rest>\n---\n# Title\n
            let mut card = b"---\n".to_vec();
            card.extend_from_slice(rest);
            card.extend_from_slice(b"\n---\n# Title\n\nBody text.\n");
            let _ = analyzer().analyze_bytes(&card);
        }
        _ => {
            let text = String::from_utf8_lossy(rest);
            if let Ok(card) = analyzer().analyze(&text) {
                assert!(card.score.total <= 100);
                assert!(card.signals.real_words <= card.signals.words);
            }
        }
    }
});
