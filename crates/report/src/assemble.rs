//! The study report assembled from the store: every figure it shows ([`report_data`]) and the
//! files it is written as ([`write_report`]): `index.html` (self-contained, offline),
//! `report.md`, the charts as SVG files, the tables behind them as CSV, and the headline
//! figures as `data/summary.json`.

use std::path::{Path, PathBuf};

use hubscope_mentions::{FamilyTable, Source};
use hubscope_store::atomic::write_atomically;
use hubscope_store::time::Month;
use hubscope_store::{MACHINE_CODER_PREFIX, MonthSpan, Store, StoreError};
use hubscope_trends::against::{mention_frames, mention_table, mention_words, upload_table};
use hubscope_trends::{
    CorrelateOptions, GroupBy, Keep, Population, Window, card_analyses, correlate, docs,
    load_with_families, models_by_source, overlaps, uploads,
};

use crate::study::{
    self, CardExample, CardsSection, ClassifierAgreement, DataSummary, MentionsSection, ReportData,
    Summary, TaxonomyRow, correlation_chart, coverage_chart, docs_chart, mentions_chart_name,
    sources_chart, uploads_chart,
};
use crate::tables::{correlations_frame, docs_frame, tests_frame, uploads_frame};
use crate::{Column, Format, Frame, FrameError};

/// Why the report could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Coded(#[from] hubscope_taxonomy::coded::CodedError),
    #[error(transparent)]
    Mentions(#[from] hubscope_trends::against::AgainstError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("writing {0}: {1}")]
    Table(String, #[source] FrameError),
}

/// Families drawn and listed by default.
pub const DEFAULT_TOP: usize = 10;

/// What the report covers.
#[derive(Debug, Clone)]
pub struct Options {
    /// First month of the trends.
    pub from: Option<Month>,
    /// Compare documentation before and after this month.
    pub split_at: Option<Month>,
    /// Families drawn in the uploads chart and listed in its table.
    pub top: usize,
    /// The families models are resolved to and mentions are counted of.
    pub families: FamilyTable,
    /// Whether models derived from the tables are kept as the store's snapshot.
    pub keep: Keep,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            from: None,
            split_at: None,
            top: DEFAULT_TOP,
            families: FamilyTable::builtin(),
            keep: Keep::IfWritable,
        }
    }
}

/// A report written: where, what it holds, and its figures.
#[derive(Debug)]
pub struct Written {
    /// The path of `index.html`.
    pub index: PathBuf,
    pub charts: usize,
    pub tables: usize,
    pub summary: Summary,
    pub data: ReportData,
}

/// The coded topics the taxonomy section counts, computed once for its table, its chart and
/// its CSV.
pub struct CodedTopics {
    pub chosen: hubscope_taxonomy::coded::Chosen,
    pub stats: hubscope_taxonomy::TaxonomyStats,
    pub uncertainty: Option<hubscope_taxonomy::coded::Uncertainty>,
}

/// The taxonomy's codes: people's first, else the classifier's, with the classifier's measured
/// agreement and the corrected shares; `None` when nothing is coded.
pub fn coded_topics(store: &Store) -> Result<Option<CodedTopics>, AssembleError> {
    let chosen = hubscope_taxonomy::coded::choose_codes(store, None, None)?;
    if chosen.codes.is_empty() {
        return Ok(None);
    }
    let stats = hubscope_taxonomy::taxonomy_stats(
        &hubscope_taxonomy::Codebook::challenges(),
        &chosen.codes,
    );
    let uncertainty = hubscope_taxonomy::coded::uncertainty(store, &chosen)?;
    Ok(Some(CodedTopics {
        chosen,
        stats,
        uncertainty,
    }))
}

/// Gathers everything the report shows from the store.
pub fn report_data(
    store: &Store,
    options: &Options,
    coded: Option<&CodedTopics>,
) -> Result<ReportData, AssembleError> {
    let (models, families) = load_with_families(store, options.families.clone(), options.keep)?;
    let window = Window {
        from: options.from,
        to: None,
        split_at: options.split_at,
        basis: Default::default(),
    };
    let population = Population::census(&models, &window);
    let uploads = uploads(
        &models,
        GroupBy::Family(&families),
        Some(options.top),
        &population,
    );
    let docs = docs(&models, &population);
    let coverage = families.coverage_of(|i| population.counted_month(&models, i).is_some());
    let (overall, holders) = card_analyses(&models);
    let cards = CardsSection {
        overall,
        sources: holders
            .into_iter()
            .map(|(s, n)| (population.facts[s].label(), n))
            .collect(),
    };
    let summary = data_summary(store, &models, cards.overall.cards_analysed)?;
    let mut mentions = Vec::new();
    for (kind, stored) in [
        (Source::Forum, summary.forum_topics),
        (Source::Discussions, summary.discussions),
    ] {
        if stored == 0 {
            continue;
        }
        let table = mention_table(store, options.families.clone(), vec![kind])?;
        let correlations = correlate(
            &table,
            &upload_table(&models, &families, &population),
            &CorrelateOptions {
                from: options.from,
                ..CorrelateOptions::default()
            },
        );
        mentions.push(MentionsSection {
            what: mention_words(&[kind]),
            frames: mention_frames(store, &[kind])?,
            mention_months: table
                .months
                .first()
                .zip(table.months.last())
                .and_then(|(a, b)| MonthSpan::new(*a, *b)),
            correlations,
        });
    }
    let (best_cards, worst_cards) = card_examples(store)?;
    let taxonomy = coded.map(|c| taxonomy_section(store, c)).transpose()?;
    Ok(ReportData {
        generated_at: hubscope_store::time::now(),
        summary,
        sources: population.facts.clone(),
        by_source: models_by_source(&models, window.basis),
        overlaps: overlaps(&models, window.basis),
        coverage,
        uploads,
        docs,
        cards,
        mentions,
        best_cards,
        worst_cards,
        split_at: options.split_at.map(|m| m.to_string()),
        taxonomy,
        population,
    })
}

/// The taxonomy section: whose codes, and for a classifier's codes its measured agreement and
/// the shares corrected for its confusion; for people's, their agreement among themselves.
fn taxonomy_section(
    store: &Store,
    coded: &CodedTopics,
) -> Result<study::TaxonomySection, AssembleError> {
    let CodedTopics {
        chosen,
        stats,
        uncertainty,
    } = coded;
    let machine = chosen.coder.starts_with(MACHINE_CODER_PREFIX);
    let coders = if machine {
        None
    } else {
        hubscope_taxonomy::coded::people_agreement(store)?
    };
    Ok(study::TaxonomySection {
        coder: chosen.coder.clone(),
        source: chosen.label.clone(),
        topics: chosen.topics(),
        items: stats.items,
        unresolved: chosen.unresolved,
        machine,
        agreement: uncertainty.as_ref().map(|u| ClassifierAgreement {
            measured_on: u.agreement.measured_on.clone(),
            items: u.agreement.items,
            accuracy: u.agreement.accuracy,
            kappa: u.agreement.kappa,
        }),
        coders,
        categories: stats
            .categories
            .iter()
            .filter(|c| c.items > 0)
            .map(|c| TaxonomyRow {
                id: c.id,
                name: c.name.clone(),
                items: c.items,
                observed_share: c.share,
                corrected: uncertainty.as_ref().and_then(|u| {
                    u.corrected
                        .iter()
                        .find(|e| e.category_id == c.id)
                        .map(|e| (e.share, e.ci_low, e.ci_high))
                }),
            })
            .collect(),
    })
}

/// Writes the report into `out` (created if needed; its files are replaced, each whole or
/// not at all).
pub fn write_report(
    store: &Store,
    out: &Path,
    options: &Options,
) -> Result<Written, AssembleError> {
    let coded = coded_topics(store)?;
    let data = report_data(store, options, coded.as_ref())?;
    let summary = Summary::of(&data);
    let mut charts: Vec<(String, String)> = vec![
        (
            "uploads".into(),
            uploads_chart(&data.uploads, &data.population, options.top).to_svg(),
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
    ];
    for m in &data.mentions {
        if m.correlations.not_computed.is_none() {
            charts.push((
                mentions_chart_name(&m.what),
                correlation_chart(&m.correlations, &m.what).to_svg(),
            ));
        }
    }
    if let Some(c) = &coded {
        let title = crate::tables::sunburst_title(&c.stats, &c.chosen, c.uncertainty.is_some());
        charts.push((
            "taxonomy".into(),
            crate::tables::sunburst(&c.stats, &title).to_svg(),
        ));
    }
    std::fs::create_dir_all(out.join("charts"))
        .and_then(|()| std::fs::create_dir_all(out.join("data")))
        .map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot create {}: {e}", out.display()))
        })?;
    for (name, svg) in &charts {
        write_text(&out.join("charts").join(format!("{name}.svg")), svg)?;
    }
    let mut tables: Vec<(String, Frame)> = vec![
        ("uploads_by_family".into(), uploads_frame(&data.uploads)),
        (
            "uploads_trend_tests".into(),
            tests_frame(
                &data
                    .uploads
                    .summary
                    .iter()
                    .map(|s| (s.group.as_str(), &s.trend))
                    .collect::<Vec<_>>(),
            ),
        ),
        ("documentation".into(), docs_frame(&data.docs)),
        ("coverage_by_source".into(), coverage_frame(&data)),
    ];
    if !data.overlaps.is_empty() {
        tables.push(("source_overlaps".into(), overlaps_frame(&data)));
    }
    for m in &data.mentions {
        let slug = mentions_chart_name(&m.what).replacen("correlations", "mentions_vs_uploads", 1);
        tables.push((slug, correlations_frame(&m.correlations)));
    }
    if let Some(c) = &coded {
        tables.push((
            "taxonomy".into(),
            crate::tables::taxonomy_frame(&c.stats, c.uncertainty.as_ref()),
        ));
    }
    for (name, frame) in &tables {
        let path = out.join("data").join(format!("{name}.csv"));
        write_atomically(&path, |w| {
            frame
                .write(Format::Csv, w)
                .map_err(|e| AssembleError::Table(path.display().to_string(), e))
        })?;
    }
    write_text(
        &out.join("data").join("summary.json"),
        &(serde_json::to_string_pretty(&summary)? + "\n"),
    )?;
    write_text(&out.join("report.md"), &study::markdown(&data))?;
    let index = out.join("index.html");
    write_text(&index, &study::html(&data, &charts))?;
    Ok(Written {
        index,
        charts: charts.len(),
        tables: tables.len(),
        summary,
        data,
    })
}

/// Models per month and source.
fn coverage_frame(data: &ReportData) -> Frame {
    let b = &data.by_source;
    let mut months = Vec::new();
    let mut names = Vec::new();
    let mut frames = Vec::new();
    let mut counts = Vec::new();
    let mut in_window = Vec::new();
    for (k, &s) in b.sources.iter().enumerate() {
        let f = &data.population.facts[s];
        for (i, m) in b.months.iter().enumerate() {
            months.push(Some(m.to_string()));
            names.push(Some(f.source.short_name()));
            frames.push(Some(f.source.declared.frame.as_str().to_string()));
            counts.push(Some(b.counts[k][i] as i64));
            in_window.push(Some(data.population.months.contains(m)));
        }
    }
    Frame::new()
        .with("month", Column::Text(months))
        .with("source", Column::Text(names))
        .with("frame", Column::Text(frames))
        .with("models", Column::Int(counts))
        .with("in_trend_window", Column::Bool(in_window))
}

/// Month by month, how overlapping sources agree.
fn overlaps_frame(data: &ReportData) -> Frame {
    let (mut a, mut b, mut month, mut na, mut nb, mut ra, mut rb) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let facts = &data.population.facts;
    for o in &data.overlaps {
        for (m, x, y, cx, cy) in &o.by_month {
            a.push(Some(facts[o.a].source.short_name()));
            b.push(Some(facts[o.b].source.short_name()));
            month.push(Some(m.to_string()));
            na.push(Some(*x as i64));
            nb.push(Some(*y as i64));
            ra.push(Some(*cx));
            rb.push(Some(*cy));
        }
    }
    Frame::new()
        .with("source_a", Column::Text(a))
        .with("source_b", Column::Text(b))
        .with("month", Column::Text(month))
        .with("models_a", Column::Int(na))
        .with("models_b", Column::Int(nb))
        .with("card_ratio_a", Column::Float(ra))
        .with("card_ratio_b", Column::Float(rb))
}

fn write_text(path: &Path, text: &str) -> Result<(), AssembleError> {
    write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?))
}

fn count(store: &Store, sql: &str) -> Result<u64, StoreError> {
    Ok(store
        .connection()
        .query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
}

fn data_summary(
    store: &Store,
    models: &hubscope_trends::Models,
    cards_analysed: u64,
) -> Result<DataSummary, StoreError> {
    let dated: Vec<Month> = models.models.iter().filter_map(|m| m.created).collect();
    Ok(DataSummary {
        models: models.models.len() as u64,
        dated_models: dated.len() as u64,
        first_month: dated.iter().min().map(Month::to_string),
        last_month: dated.iter().max().map(Month::to_string),
        with_card: models.models.iter().filter(|m| m.has_card).count() as u64,
        cards_analysed,
        discussions: count(store, "SELECT count(*) FROM discussions")?,
        forum_topics: count(store, "SELECT count(*) FROM forum_topics")?,
        forum_posts: count(store, "SELECT count(*) FROM forum_posts")?,
    })
}

/// The five most downloaded among the best-scored cards, and among the worst.
fn card_examples(store: &Store) -> Result<(Vec<CardExample>, Vec<CardExample>), StoreError> {
    let query = |order: &str| -> Result<Vec<CardExample>, StoreError> {
        let sql = format!(
            "SELECT m.id, json_extract(c.analysis, '$.title'), c.score, c.sections_filled, m.downloads
             FROM models m
             JOIN (SELECT model_id, max(id) AS id FROM cards GROUP BY model_id) latest ON latest.model_id = m.id
             JOIN cards c ON c.id = latest.id
             ORDER BY c.score {order}, coalesce(m.downloads, 0) DESC, m.id
             LIMIT 5"
        );
        let mut statement = store.connection().prepare(&sql)?;
        let rows = statement.query_map([], |r| {
            Ok(CardExample {
                model_id: r.get(0)?,
                title: r.get::<_, Option<String>>(1).ok().flatten(),
                score: r.get::<_, i64>(2)?.clamp(0, 100) as u8,
                sections_filled: r.get::<_, i64>(3)?.max(0) as u32,
                downloads: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    Ok((query("DESC")?, query("ASC")?))
}
