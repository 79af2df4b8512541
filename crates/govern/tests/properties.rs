//! Properties of the policy parser and of audits over arbitrary inputs: a policy file is text a
//! user (or a CI job) hands over, and a model's facts come from the Hub, so neither may panic
//! the audit, and the verdict must always follow from the findings. The policy used for audits
//! is the repository's `policies/example.toml`.
#![allow(clippy::unwrap_used)]

use hubscope_card::{CanonicalSection, LicenseStatus};
use hubscope_govern::{CardFacts, LicenseFacts, Policy, Severity, Subject, audit, sarif};
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../../policies/example.toml");

/// Rule names an audit may report: `table.key` of the policy format (`license` alone for a
/// missing, unknown or undescribed licence).
const RULES: [&str; 15] = [
    "sections.required",
    "score.minimum",
    "license",
    "license.allow",
    "license.deny",
    "license.review",
    "license.inherit",
    "access.gated",
    "access.private",
    "weights.pickle_only",
    "adoption.min_downloads",
    "adoption.min_likes",
    "maintenance.max_stale_days",
    "evaluation.required",
    "metadata.required",
];

fn licence() -> impl Strategy<Value = LicenseFacts> {
    let raw = prop_oneof![
        Just("apache-2.0".to_string()),
        Just("cc-by-nc-4.0".to_string()),
        Just("llama2".to_string()),
        Just("other".to_string()),
        Just("unknown".to_string()),
        Just("MIT".to_string()),
        ".{0,12}",
    ];
    let status = prop_oneof![
        Just(LicenseStatus::Known),
        Just(LicenseStatus::Other),
        Just(LicenseStatus::Unknown),
        Just(LicenseStatus::Unrecognized),
    ];
    (raw, status, any::<bool>(), any::<bool>()).prop_map(|(raw, status, has_id, described)| {
        LicenseFacts {
            id: has_id.then(|| raw.to_ascii_lowercase()),
            spdx: None,
            raw,
            status,
            described,
        }
    })
}

fn sections() -> impl Strategy<Value = Vec<CanonicalSection>> {
    proptest::sample::subsequence(CanonicalSection::ALL.to_vec(), 0..=13)
}

fn card() -> impl Strategy<Value = CardFacts> {
    (sections(), sections(), any::<u8>(), 0u32..5, any::<bool>()).prop_map(
        |(present, filled, score, eval_results, evaluation_with_numbers)| CardFacts {
            present,
            filled,
            score: score.min(100),
            eval_results,
            evaluation_with_numbers,
        },
    )
}

fn file() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("model.safetensors".to_string()),
        Just("pytorch_model.bin".to_string()),
        Just("training_args.bin".to_string()),
        Just("sub/dir/weights.CKPT".to_string()),
        Just("README.md".to_string()),
        ".{0,16}",
    ]
}

prop_compose! {
    fn subject()(
        id in "[a-z0-9/_.-]{1,20}",
        card in proptest::option::of(card()),
        license in proptest::option::of(licence()),
        bases in proptest::collection::vec(("[a-z/]{1,10}", proptest::option::of(licence())), 0..4),
        gated in proptest::option::of(any::<bool>()),
        private in proptest::option::of(any::<bool>()),
        files in proptest::option::of(proptest::collection::vec(file(), 0..6)),
        downloads in proptest::option::of(any::<u64>()),
        likes in proptest::option::of(any::<u64>()),
        stale_days in proptest::option::of(any::<u32>()),
        pipeline_tag in proptest::option::of(".{0,8}"),
        languages in proptest::collection::vec("[a-z]{2}", 0..3),
    ) -> Subject {
        Subject {
            id, card, license, bases, gated, private, files, downloads, likes, stale_days,
            pipeline_tag, languages,
            ..Subject::default()
        }
    }
}

/// An error's line, when it has one, is a line of the text (or just past its end).
fn line_is_in(line: Option<usize>, text: &str) -> bool {
    let lines = text.lines().count().max(1);
    line.is_none_or(|l| (1..=lines + 1).contains(&l))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any text: a policy or an error, never a panic.
    #[test]
    fn any_text_is_a_policy_or_an_error_with_a_line_in_it(text in "\\PC{0,400}") {
        if let Err(e) = Policy::parse(&text) {
            prop_assert!(line_is_in(e.line, &text), "{e}");
            prop_assert!(!e.message.is_empty());
        }
    }

    /// The example policy with a stretch cut out or replaced: a policy or an error, never a
    /// panic.
    #[test]
    fn a_damaged_example_is_a_policy_or_an_error(
        start in 0usize..EXAMPLE.len(),
        len in 0usize..40,
        insert in "\\PC{0,10}",
    ) {
        let mut text = EXAMPLE.to_string();
        let start = (0..=start).rev().find(|&i| text.is_char_boundary(i)).unwrap();
        let end = (start + len).min(text.len());
        let end = (end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap();
        text.replace_range(start..end, &insert);
        if let Err(e) = Policy::parse(&text) {
            prop_assert!(line_is_in(e.line, &text), "{e}");
        }
    }

    /// Any facts: the verdict is "no error finding", every finding names a rule of the format,
    /// unknown facts are not checked rather than failed, the audit is deterministic, and SARIF
    /// has one result per finding.
    #[test]
    fn audits_follow_from_their_findings(subjects in proptest::collection::vec(subject(), 1..6)) {
        let policy = Policy::parse(EXAMPLE).unwrap();
        let audits: Vec<_> = subjects.iter().map(|s| audit(&policy, s)).collect();
        for (a, s) in audits.iter().zip(&subjects) {
            prop_assert_eq!(&a.model_id, &s.id);
            prop_assert_eq!(&a.policy_hash, &policy.hash);
            prop_assert_eq!(a.passed, !a.findings.iter().any(|f| f.severity == Severity::Error));
            for f in &a.findings {
                prop_assert!(RULES.contains(&f.rule), "unexpected rule {}", f.rule);
                prop_assert!(!f.message.is_empty());
            }
            if s.downloads.is_none() {
                prop_assert!(a.findings.iter().all(|f| f.rule != "adoption.min_downloads"));
                prop_assert!(a.not_checked.contains(&"adoption.min_downloads"));
            }
            if s.files.is_none() {
                prop_assert!(a.findings.iter().all(|f| f.rule != "weights.pickle_only"));
            }
            prop_assert_eq!(a, &audit(&policy, s), "deterministic");
        }
        let log = sarif::sarif(&audits, |a| a.model_id.clone());
        let results = log["runs"][0]["results"].as_array().unwrap().len();
        prop_assert_eq!(results, audits.iter().map(|a| a.findings.len()).sum::<usize>());
    }
}
