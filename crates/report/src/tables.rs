//! The tables behind the trends, correlations and the report, as [`Frame`]s: one layout for
//! every command and the report, whatever the output format.

use hubscope_card::CanonicalSection;
use hubscope_store::{Decision, PocRecord};
use hubscope_taxonomy::TaxonomyStats;
use hubscope_taxonomy::coded::{Chosen, Uncertainty};
use hubscope_trends::{Correlations, Docs, Resolution, TrendTests, Uploads};

use crate::{Column, Frame, Sunburst};

/// An uploads series: one row per month and group.
/// Each model's family and how it was resolved: `model_id`, `family`, `method`.
pub fn families_frame(families: &Resolution) -> Frame {
    let text = |cells: Vec<String>| Column::Text(cells.into_iter().map(Some).collect());
    Frame::new()
        .with(
            "model_id",
            text(families.ids.iter().map(|id| id.to_string()).collect()),
        )
        .with(
            "family",
            text(
                (0..families.ids.len())
                    .map(|i| families.name(i).to_string())
                    .collect(),
            ),
        )
        .with(
            "method",
            text(families.method.iter().map(|m| m.as_str().into()).collect()),
        )
}

pub fn uploads_frame(u: &Uploads) -> Frame {
    let r = &u.rows;
    Frame::new()
        .with(
            "month",
            Column::Text(r.iter().map(|x| Some(x.month.to_string())).collect()),
        )
        .with(
            u.by,
            Column::Text(r.iter().map(|x| Some(x.group.clone())).collect()),
        )
        .with(
            "uploads",
            Column::Int(r.iter().map(|x| Some(x.uploads as i64)).collect()),
        )
        .with(
            "cumulative",
            Column::Int(r.iter().map(|x| Some(x.cumulative as i64)).collect()),
        )
        .with(
            "share_of_month",
            Column::Float(r.iter().map(|x| Some(x.share_of_month)).collect()),
        )
        .with(
            "cumulative_share",
            Column::Float(r.iter().map(|x| Some(x.cumulative_share)).collect()),
        )
        .with(
            "incomplete",
            Column::Bool(r.iter().map(|x| Some(x.incomplete)).collect()),
        )
}

/// The trend tests of each group of an uploads series, with its total and share.
pub fn uploads_stats_frame(u: &Uploads) -> Frame {
    let tests: Vec<(&str, &TrendTests)> = u
        .summary
        .iter()
        .map(|s| (s.group.as_str(), &s.trend))
        .collect();
    let mut frame = tests_frame(&tests);
    frame.columns.insert(
        1,
        (
            "total".into(),
            Column::Int(u.summary.iter().map(|s| Some(s.total as i64)).collect()),
        ),
    );
    frame.columns.insert(
        2,
        (
            "share".into(),
            Column::Float(u.summary.iter().map(|s| Some(s.share)).collect()),
        ),
    );
    frame
}

/// One row per series: Spearman, Mann–Kendall, Sen's slope and the split comparison.
pub fn tests_frame(tests: &[(&str, &TrendTests)]) -> Frame {
    let f = |g: &dyn Fn(&TrendTests) -> Option<f64>| -> Column {
        Column::Float(tests.iter().map(|(_, t)| g(t)).collect())
    };
    Frame::new()
        .with(
            "series",
            Column::Text(tests.iter().map(|(n, _)| Some(n.to_string())).collect()),
        )
        .with(
            "months",
            Column::Int(tests.iter().map(|(_, t)| Some(t.months as i64)).collect()),
        )
        .with("spearman_rho", f(&|t| t.spearman.map(|c| c.rho)))
        .with("spearman_p", f(&|t| t.spearman.map(|c| c.p)))
        .with("mann_kendall_tau", f(&|t| t.mann_kendall.map(|m| m.tau)))
        .with("mann_kendall_p", f(&|t| t.mann_kendall.map(|m| m.p)))
        .with("sens_slope", f(&|t| t.mann_kendall.map(|m| m.sens_slope)))
        .with("split_median_before", f(&|t| t.split.map(|s| s.median1)))
        .with("split_median_after", f(&|t| t.split.map(|s| s.median2)))
        .with("split_mann_whitney_u", f(&|t| t.split.map(|s| s.u)))
        .with("split_p", f(&|t| t.split.map(|s| s.p)))
}

/// Documentation per month, and over all months (`all`).
pub fn docs_frame(d: &Docs) -> Frame {
    let rows: Vec<&hubscope_trends::DocsRow> =
        d.rows.iter().chain(std::iter::once(&d.overall)).collect();
    let mut frame = Frame::new()
        .with(
            "month",
            Column::Text(
                rows.iter()
                    .map(|r| Some(r.month.map_or("all".into(), |m| m.to_string())))
                    .collect(),
            ),
        )
        .with(
            "models",
            Column::Int(rows.iter().map(|r| Some(r.models as i64)).collect()),
        )
        .with(
            "with_card",
            Column::Int(rows.iter().map(|r| Some(r.with_card as i64)).collect()),
        )
        .with(
            "card_ratio",
            Column::Float(rows.iter().map(|r| Some(r.card_ratio)).collect()),
        )
        .with(
            "cards_analysed",
            Column::Int(rows.iter().map(|r| Some(r.cards_analysed as i64)).collect()),
        )
        .with(
            "median_card_words",
            Column::Float(rows.iter().map(|r| r.median_card_words).collect()),
        )
        .with(
            "mean_score",
            Column::Float(rows.iter().map(|r| r.mean_score).collect()),
        );
    for (k, section) in CanonicalSection::ALL.iter().enumerate() {
        frame = frame.with(
            &format!("filled_{}", section.as_str()),
            Column::Float(
                rows.iter()
                    .map(|r| (r.cards_analysed > 0).then(|| r.section_filled[k].1))
                    .collect(),
            ),
        );
    }
    frame.with(
        "incomplete",
        Column::Bool(rows.iter().map(|r| Some(r.incomplete)).collect()),
    )
}

/// Correlations per family, and across families (the last row).
pub fn correlations_frame(c: &Correlations) -> Frame {
    let rows = &c.families;
    let across = c.across_families;
    let mut family: Vec<Option<String>> = rows.iter().map(|r| Some(r.family.clone())).collect();
    family.push(Some("(across families)".into()));
    let mut total_a: Vec<Option<f64>> = rows.iter().map(|r| Some(r.total_a)).collect();
    total_a.push(None);
    let mut total_b: Vec<Option<f64>> = rows.iter().map(|r| Some(r.total_b)).collect();
    total_b.push(None);
    let mut n: Vec<Option<i64>> = rows
        .iter()
        .map(|r| r.correlation.map(|c| c.n as i64))
        .collect();
    n.push(across.map(|c| c.n as i64));
    let mut rho: Vec<Option<f64>> = rows.iter().map(|r| r.correlation.map(|c| c.rho)).collect();
    rho.push(across.map(|c| c.rho));
    let mut p: Vec<Option<f64>> = rows.iter().map(|r| r.correlation.map(|c| c.p)).collect();
    p.push(across.map(|c| c.p));
    Frame::new()
        .with("family", Column::Text(family))
        .with("total_a", Column::Float(total_a))
        .with("total_b", Column::Float(total_b))
        .with("n", Column::Int(n))
        .with("rho", Column::Float(rho))
        .with("p", Column::Float(p))
}

/// The sunburst's title: how many topics, whose codes, and whether the arcs are as counted.
pub fn sunburst_title(stats: &TaxonomyStats, chosen: &Chosen, corrected: bool) -> String {
    format!(
        "Challenges of {} {} ({}){}",
        stats.items,
        chosen.topics(),
        chosen.label,
        if corrected {
            ", as counted (the table corrects them)"
        } else {
            ""
        }
    )
}

/// The sunburst of `stats`.
pub fn sunburst(stats: &TaxonomyStats, title: &str) -> Sunburst {
    Sunburst {
        title: title.to_string(),
        rings: stats
            .categories
            .iter()
            .map(|c| {
                (
                    format!("{} {}", c.id, c.name),
                    c.items as f64,
                    c.subcategories
                        .iter()
                        .map(|s| {
                            (
                                s.name.clone().unwrap_or_else(|| "(none)".into()),
                                s.items as f64,
                            )
                        })
                        .collect(),
                )
            })
            .collect(),
    }
}

/// The stats as a long table: one row per category (subcategory empty) and per subcategory;
/// with a classifier's measured confusion, each category's corrected share and its interval.
pub fn taxonomy_frame(stats: &TaxonomyStats, uncertainty: Option<&Uncertainty>) -> Frame {
    let (mut ids, mut names, mut subs, mut items, mut shares, mut within) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut corrected, mut low, mut high) = (vec![], vec![], vec![]);
    for c in &stats.categories {
        ids.push(Some(i64::from(c.id)));
        names.push(Some(c.name.clone()));
        subs.push(None);
        items.push(Some(c.items as i64));
        shares.push(Some(c.share));
        within.push(None);
        let e = uncertainty.and_then(|u| u.corrected.iter().find(|e| e.category_id == c.id));
        corrected.push(e.map(|e| e.share));
        low.push(e.map(|e| e.ci_low));
        high.push(e.map(|e| e.ci_high));
        for s in &c.subcategories {
            corrected.push(None);
            low.push(None);
            high.push(None);
            ids.push(Some(i64::from(c.id)));
            names.push(Some(c.name.clone()));
            subs.push(Some(s.name.clone().unwrap_or_else(|| "(none)".into())));
            items.push(Some(s.items as i64));
            shares.push(Some(if stats.items == 0 {
                0.0
            } else {
                s.items as f64 / stats.items as f64
            }));
            within.push(Some(s.share_in_category));
        }
    }
    let frame = Frame::new()
        .with("category_id", Column::Int(ids))
        .with("category", Column::Text(names))
        .with("subcategory", Column::Text(subs))
        .with("items", Column::Int(items))
        .with("share", Column::Float(shares))
        .with("share_in_category", Column::Float(within));
    if uncertainty.is_some() {
        frame
            .with("corrected_share", Column::Float(corrected))
            .with("ci_low", Column::Float(low))
            .with("ci_high", Column::Float(high))
    } else {
        frame
    }
}

/// The catalog's decision log, one row per decision.
pub fn decisions_frame(decisions: &[Decision]) -> Frame {
    let text =
        |f: &dyn Fn(&Decision) -> Option<String>| Column::Text(decisions.iter().map(f).collect());
    Frame::new()
        .with(
            "id",
            Column::Int(decisions.iter().map(|d| Some(d.id)).collect()),
        )
        .with("model_id", text(&|d| Some(d.model_id.clone())))
        .with("revision", text(&|d| d.revision.clone()))
        .with("card_sha1", text(&|d| d.card_sha1.clone()))
        .with("action", text(&|d| Some(d.action.as_str().to_string())))
        .with("decided_by", text(&|d| Some(d.decided_by.clone())))
        .with("decided_at", text(&|d| Some(d.decided_at.clone())))
        .with("reason", text(&|d| d.reason.clone()))
        .with(
            "override",
            Column::Bool(decisions.iter().map(|d| Some(d.overridden)).collect()),
        )
        .with("policy_name", text(&|d| d.policy_name.clone()))
        .with("policy_version", text(&|d| d.policy_version.clone()))
        .with("policy_hash", text(&|d| d.policy_hash.clone()))
        .with(
            "passed",
            Column::Bool(decisions.iter().map(|d| d.passed).collect()),
        )
        .with("findings", text(&|d| d.findings.clone()))
}

/// Recorded proof-of-concept evaluations, one row each.
pub fn evaluations_frame(evaluations: &[PocRecord]) -> Frame {
    let text = |f: &dyn Fn(&PocRecord) -> Option<String>| {
        Column::Text(evaluations.iter().map(f).collect())
    };
    let float =
        |f: &dyn Fn(&PocRecord) -> Option<f64>| Column::Float(evaluations.iter().map(f).collect());
    let int = |f: &dyn Fn(&PocRecord) -> i64| {
        Column::Int(evaluations.iter().map(|e| Some(f(e))).collect())
    };
    Frame::new()
        .with("id", int(&|e| e.id))
        .with("model_id", text(&|e| Some(e.model_id.clone())))
        .with("revision", text(&|e| e.revision.clone()))
        .with("weights_sha1", text(&|e| e.weights_sha1.clone()))
        .with("dataset", text(&|e| Some(e.dataset.clone())))
        .with("dataset_sha1", text(&|e| Some(e.dataset_sha1.clone())))
        .with(
            "texts",
            int(&|e| i64::try_from(e.texts).unwrap_or(i64::MAX)),
        )
        .with(
            "labels",
            int(&|e| i64::try_from(e.labels).unwrap_or(i64::MAX)),
        )
        .with("accuracy", float(&|e| Some(e.accuracy)))
        .with("macro_f1", float(&|e| Some(e.macro_f1)))
        .with("latency_p50_ms", float(&|e| e.latency_p50_ms))
        .with("latency_p95_ms", float(&|e| e.latency_p95_ms))
        .with("texts_per_second", float(&|e| e.texts_per_second))
        .with("peak_memory_mb", float(&|e| e.peak_memory_mb))
        .with("evaluated_by", text(&|e| Some(e.evaluated_by.clone())))
        .with("evaluated_at", text(&|e| Some(e.evaluated_at.clone())))
        .with("details", text(&|e| Some(e.details.clone())))
}
