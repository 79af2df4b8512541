//! The report rendered from a small, fully known data set: the Markdown is a snapshot; the HTML
//! is well-formed, self-contained and escapes every text that came from outside.
#![allow(clippy::unwrap_used)]

use hubscope_mentions::FamilyTable;
use hubscope_report::study::{
    self, Summary, correlation_chart, coverage_chart, docs_chart, executive_summary, sources_chart,
    uploads_chart,
};
use hubscope_report::{
    CardExample, CardsSection, ClassifierAgreement, DataSummary, MentionsSection, ReportData,
    TaxonomyRow,
};
use hubscope_store::time::Month;
use hubscope_store::{DeclaredBy, Frame, FrameDeclaration, MonthSpan, StoredSource};
use hubscope_trends::{
    CardFacts, CorrelateOptions, FamilyResolver, GroupBy, Model, ModelNames, Models, MonthlyTable,
    Population, Window, card_analyses, correlate, docs, models_by_source, overlaps, uploads,
};

/// Adds one model to both the columns and the names.
fn model(
    (models, names): (&mut Models, &mut ModelNames),
    id: &str,
    month: &str,
    model_type: Option<&str>,
    card: Option<u8>,
    set: u32,
) {
    names.push(id, model_type, &[]);
    models.models.push(Model {
        created: Month::parse(month),
        first_commit: None,
        pipeline: None,
        library: None,
        author: None,
        has_card: card.is_some(),
        card: card.map(|score| CardFacts {
            words: u32::from(score) * 10,
            score,
            filled: 0b101,
        }),
        sources: set,
    });
}

fn source(id: i64, name: &str, frame: Frame, window: Option<&str>) -> StoredSource {
    StoredSource {
        id,
        kind: "models".into(),
        name: name.into(),
        key: name.into(),
        declared: FrameDeclaration {
            frame,
            window: window.map(|w| MonthSpan::parse(w).unwrap()),
            snapshot: None,
            declared_by: DeclaredBy::User,
            declared_in: None,
            describes: Some(format!("{name} <i>described</i>")),
        },
        declared_at: "2026-11-28T00:00:00.000Z".into(),
    }
}

/// A census of 2021-01..2021-06 (its snapshot in June) and a sample with a hostile name whose
/// models run on to 2021-09: the trends must stop at the census.
fn data() -> ReportData {
    let mut models = Models {
        sources: vec![
            source(1, "census.parquet", Frame::Census, Some("2021-01..2021-06")),
            source(2, "dump | <b>sample.jsonl", Frame::Sample, None),
        ],
        // Set 0: no source; 1: the census; 2: the sample.
        source_sets: vec![vec![], vec![0], vec![1]],
        ..Models::default()
    };
    let months = [
        "2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06",
    ];
    let mut names = ModelNames::default();
    for (k, month) in months.iter().enumerate() {
        for i in 0..=k {
            model(
                (&mut models, &mut names),
                &format!("org/bert-{k}-{i}"),
                month,
                Some("bert"),
                (i % 2 == 0).then_some(40 + i as u8),
                1,
            );
        }
        let both = (&mut models, &mut names);
        model(both, &format!("org/gpt2-{k}"), month, None, None, 1);
    }
    for month in ["2021-05", "2021-07", "2021-08", "2021-09"] {
        model(
            (&mut models, &mut names),
            &format!("x/sampled-{month}"),
            month,
            Some("bert"),
            Some(90),
            2,
        );
    }
    let resolution =
        FamilyResolver::new(FamilyTable::builtin(), [("bert".to_string(), 25)]).resolve(names);
    let window = Window {
        split_at: Month::parse("2021-04"),
        ..Window::default()
    };
    let population = Population::census(&models, &window);
    let uploads = uploads(&models, GroupBy::Family(&resolution), Some(3), &population);
    let docs = docs(&models, &population);
    let mut a = MonthlyTable::default();
    let mut b = MonthlyTable::default();
    for (k, month) in months.iter().enumerate() {
        let m = Month::parse(month).unwrap();
        a.add("bert", m, (10 - k) as f64);
        b.add("bert", m, (k + 1) as f64);
        a.add("gpt2", m, (k % 3) as f64);
        b.add("gpt2", m, 1.0 + (k % 2) as f64);
        a.add("t5", m, k as f64);
        b.add("t5", m, (2 * k) as f64);
    }
    let (overall, holders) = card_analyses(&models);
    ReportData {
        generated_at: "2026-11-28T00:00:00.000Z".into(),
        summary: DataSummary {
            models: models.models.len() as u64,
            dated_models: models.models.len() as u64,
            first_month: Some("2021-01".into()),
            last_month: Some("2021-09".into()),
            with_card: models.models.iter().filter(|m| m.has_card).count() as u64,
            cards_analysed: overall.cards_analysed,
            discussions: 3,
            forum_topics: 0,
            forum_posts: 0,
        },
        sources: population.facts.clone(),
        by_source: models_by_source(&models, window.basis),
        overlaps: overlaps(&models, window.basis),
        coverage: resolution.coverage_of(|i| population.counted_month(&models, i).is_some()),
        uploads,
        docs,
        cards: CardsSection {
            overall,
            sources: holders
                .into_iter()
                .map(|(s, n)| (population.facts[s].label(), n))
                .collect(),
        },
        mentions: vec![MentionsSection {
            what: "Hub discussions".into(),
            frames: "discussions.jsonl: sample".into(),
            mention_months: MonthSpan::parse("2021-01..2021-06").ok(),
            correlations: correlate(
                &a,
                &b,
                &CorrelateOptions {
                    min_months: 5,
                    ..CorrelateOptions::default()
                },
            ),
        }],
        best_cards: vec![CardExample {
            model_id: "org/bert-5-0".into(),
            title: Some("<script>alert('card')</script> | *Best* card".into()),
            score: 45,
            sections_filled: 2,
            downloads: Some(10),
        }],
        worst_cards: vec![],
        split_at: Some("2021-04".into()),
        taxonomy: Some(hubscope_report::TaxonomySection {
            coder: "hubscope:embedding".into(),
            source: "the codes of hubscope:embedding".into(),
            topics: "Hub discussions".into(),
            items: 4,
            unresolved: 0,
            machine: true,
            agreement: Some(ClassifierAgreement {
                measured_on: "648 hand-coded texts, by 5-fold cross-validation".into(),
                items: 648,
                accuracy: 0.562,
                kappa: Some(0.505),
            }),
            coders: None,
            categories: vec![
                TaxonomyRow {
                    id: 3,
                    name: "Memory & Performance".into(),
                    items: 3,
                    observed_share: 0.75,
                    corrected: Some((0.7, 0.5, 0.9)),
                },
                TaxonomyRow {
                    id: 13,
                    name: "Spaces".into(),
                    items: 1,
                    observed_share: 0.25,
                    corrected: Some((0.3, 0.1, 0.5)),
                },
            ],
        }),
        population,
    }
}

#[test]
fn trends_stop_where_the_census_stops() {
    let data = data();
    let p = &data.population;
    // 2021-06 is the census's last data month: its snapshot month, shown but not tested.
    assert_eq!(p.span().unwrap().to_string(), "2021-01..2021-06");
    assert_eq!(p.partial, Month::parse("2021-06"));
    assert_eq!(data.docs.card_ratio_trend.months, 5);
    // The sample's months after the census are left out, with the reason; its model inside
    // the census window does not count there.
    assert_eq!(p.left_out.len(), 1);
    assert_eq!(p.left_out[0].months.to_string(), "2021-07..2021-09");
    assert_eq!(p.left_out[0].models, 3);
    assert_eq!(
        p.uncounted,
        [(
            "dump | <b>sample.jsonl (sample, data 2021-05..2021-09)".to_string(),
            1
        )]
    );
    assert_eq!(data.uploads.counts.iter().flatten().sum::<u64>(), 27);
    // The sources overlap in 2021-05..2021-06, and it is said.
    assert_eq!(data.overlaps.len(), 1);
    assert_eq!(data.overlaps[0].months.to_string(), "2021-05..2021-06");
    let md = study::markdown(&data);
    assert!(
        md.contains("2021-07..2021-09 (3 models): no census covers it."),
        "{md}"
    );
}

#[test]
fn the_summary_file_and_the_sentences_agree() {
    let data = data();
    let summary = Summary::of(&data);
    // summary.json reads back as written, and the executive summary is made from it alone.
    let json = serde_json::to_string_pretty(&summary).unwrap();
    let back: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(back, summary);
    let md = study::markdown(&data);
    let sentences = executive_summary(&back);
    assert!(sentences.len() >= 4);
    for s in &sentences {
        assert!(
            md.contains(&format!("- {}", study::escape_markdown(s))),
            "{s}\n{md}"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["documentation"]["window"]["last"], "2021-05");
    assert_eq!(v["documentation"]["months"], 5);
    assert_eq!(v["taxonomy"]["kappa"], 0.505);
    assert_eq!(v["taxonomy"]["shares"][0]["ci_low"], 0.5);
    assert_eq!(v["mentions_vs_uploads"]["months"], 6);
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(study::markdown(&data()));
}

/// Well-formed XML (the HTML is written as XHTML-compatible): every tag closed in order,
/// attributes quoted, only known entities, nothing after the root.
fn assert_well_formed(html: &str) {
    let body = html.strip_prefix("<!DOCTYPE html>\n").unwrap();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..text[i..].find(';').map_or(text.len(), |e| i + e + 1)];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&entity),
                "bad entity {entity:?}"
            );
        }
        assert!(!text.contains('>'), "stray > in {text:?}");
        let end = rest[lt..].find('>').unwrap() + lt;
        let tag = &rest[lt + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "closing {name}");
        } else if !tag.ends_with('/') {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!name.is_empty(), "odd tag {tag:?}");
            stack.push(name);
        }
        // Attribute values are quoted: name="value" pairs after the tag name.
        if !tag.starts_with('/') {
            let mut attrs = tag
                .trim_end_matches('/')
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric())
                .trim_start();
            while !attrs.is_empty() {
                let (name, value) = attrs
                    .split_once('=')
                    .unwrap_or_else(|| panic!("attribute without value in {tag:?}"));
                assert!(
                    !name.trim().is_empty() && !name.contains(' '),
                    "odd attribute in {tag:?}"
                );
                let value = value
                    .strip_prefix('"')
                    .unwrap_or_else(|| panic!("unquoted attribute in {tag:?}"));
                let close = value
                    .find('"')
                    .unwrap_or_else(|| panic!("unclosed attribute in {tag:?}"));
                attrs = value[close + 1..].trim_start();
            }
        }
        rest = &rest[end + 1..];
        if stack.is_empty() {
            assert!(rest.trim().is_empty(), "content after the root: {rest:?}");
            return;
        }
    }
    panic!("unclosed tags: {stack:?}");
}

#[test]
fn html_is_well_formed_offline_and_escaped() {
    let data = data();
    let charts: Vec<(String, String)> = vec![
        (
            "uploads".into(),
            uploads_chart(&data.uploads, &data.population, 10).to_svg(),
        ),
        (
            "family_resolution".into(),
            coverage_chart(&data.coverage, &data.population).to_svg(),
        ),
        ("coverage".into(), sources_chart(&data).to_svg()),
        (
            "docs".into(),
            docs_chart(&data.docs, &data.population).to_svg(),
        ),
        (
            "correlations_hub_discussions".into(),
            correlation_chart(&data.mentions[0].correlations, "Hub discussions").to_svg(),
        ),
    ];
    let html = study::html(&data, &charts);
    assert_well_formed(&html);
    assert_eq!(html.matches("<svg").count(), 5);
    for forbidden in [
        "<script", "href=", "src=", "http://", "https://", "@import", "url(", "<b>", "<i>",
    ] {
        // The SVG namespace is the one URI allowed: it is a name, never fetched.
        let count = html.matches(forbidden).count();
        let allowed = if forbidden == "http://" {
            html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        } else {
            0
        };
        assert_eq!(count, allowed, "{forbidden}");
    }
    assert!(html.contains("&lt;script&gt;alert(&#39;card&#39;)&lt;/script&gt; | *Best* card"));
    assert!(html.contains("dump | &lt;b&gt;sample.jsonl"));
    // The chart of the sources marks where the census ends.
    let coverage = &charts[2].1;
    assert!(
        coverage.contains("2021-07: no census: left out"),
        "{coverage}"
    );
}
