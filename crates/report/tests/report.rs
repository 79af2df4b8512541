//! The report rendered from a small, fully known data set: the Markdown is a snapshot; the HTML
//! is well-formed, self-contained and escapes every text that came from outside.
#![allow(clippy::unwrap_used)]

use hubscope_mentions::FamilyTable;
use hubscope_report::study::{self, correlation_chart, coverage_chart, docs_chart, uploads_chart};
use hubscope_report::{CardExample, DataSummary, ReportData};
use hubscope_store::time::Month;
use hubscope_trends::{
    CardFacts, FamilyResolver, GroupBy, Model, Models, MonthlyTable, Window, correlate, docs,
    uploads,
};

fn model(id: &str, month: &str, model_type: Option<&str>, card: Option<u8>) -> Model {
    Model {
        id: id.into(),
        created: Month::parse(month),
        first_commit: None,
        model_type: model_type.map(Into::into),
        tags: vec![],
        pipeline: None,
        library: None,
        author: None,
        has_card: card.is_some(),
        card: card.map(|score| CardFacts {
            words: u32::from(score) * 10,
            score,
            filled: 0b101,
        }),
    }
}

fn data() -> ReportData {
    let mut models = Models::default();
    let months = [
        "2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06",
    ];
    for (k, month) in months.iter().enumerate() {
        for i in 0..=k {
            models.models.push(model(
                &format!("org/bert-{k}-{i}"),
                month,
                Some("bert"),
                (i % 2 == 0).then_some(40 + i as u8),
            ));
        }
        models
            .models
            .push(model(&format!("org/gpt2-{k}"), month, None, None));
    }
    models
        .models
        .push(model("x/mystery", "2021-06", None, Some(5)));
    let resolution =
        FamilyResolver::new(FamilyTable::builtin(), [("bert".to_string(), 21)]).resolve(&models);
    let window = Window {
        split_at: Month::parse("2021-04"),
        ..Window::default()
    };
    let uploads = uploads(&models, &resolution, GroupBy::Family, Some(3), &window);
    let docs = docs(&models, &window);
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
    ReportData {
        generated_at: "2026-11-28T00:00:00.000Z".into(),
        summary: DataSummary {
            models: models.models.len() as u64,
            dated_models: models.models.len() as u64,
            first_month: Some("2021-01".into()),
            last_month: Some("2021-06".into()),
            with_card: models.models.iter().filter(|m| m.has_card).count() as u64,
            cards_analysed: docs.overall.cards_analysed,
            discussions: 3,
            forum_topics: 0,
            forum_posts: 0,
            sources: vec![("models".into(), "dump | <b>models</b>.jsonl".into(), 28)],
        },
        coverage: resolution.coverage(),
        uploads,
        docs,
        correlations: Some(correlate(&a, &b, None, None)),
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
            source: "the coders' codes".into(),
            items: 4,
            categories: vec![
                (3, "Memory & Performance".into(), 3, 0.75),
                (13, "Spaces".into(), 1, 0.25),
            ],
            unresolved: 1,
        }),
    }
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
    let charts = vec![
        ("uploads", uploads_chart(&data.uploads, 10).to_svg()),
        ("coverage", coverage_chart(&data.coverage).to_svg()),
        ("docs", docs_chart(&data.docs).to_svg()),
        (
            "correlations",
            correlation_chart(data.correlations.as_ref().unwrap()).to_svg(),
        ),
    ];
    let html = study::html(&data, &charts);
    assert_well_formed(&html);
    assert_eq!(html.matches("<svg").count(), 4);
    for forbidden in [
        "<script", "href=", "src=", "http://", "https://", "@import", "url(",
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
    assert!(html.contains("dump | &lt;b&gt;models&lt;/b&gt;.jsonl"));
}
