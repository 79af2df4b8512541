//! `hubscope report --out DIR`: the study report from the store — `index.html` (self-contained,
//! offline), `report.md`, the charts as SVG files and the tables behind them as CSV.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hubscope_mentions::Source;
use hubscope_report::study::{
    self, CardExample, DataSummary, ReportData, correlation_chart, coverage_chart, docs_chart,
    uploads_chart,
};
use hubscope_report::{Format, Frame};
use hubscope_store::Store;
use hubscope_store::time::Month;
use hubscope_trends::{GroupBy, Window, correlate, docs, load_with_families, uploads};

use crate::args::parse_month;
use crate::atomic::write_atomically;
use crate::correlate_cmd::{mention_table, upload_table};
use crate::trends_cmd::{docs_frame, tests_frame, uploads_frame};

/// Write the study report (HTML and Markdown, charts, tables) from the database.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The folder to write the report into (created if needed; files in it are replaced).
    #[arg(long, value_name = "DIR", default_value = "hubscope-report")]
    pub out: PathBuf,
    #[command(flatten)]
    pub options: ReportOptions,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ReportOptions {
    /// First month of the trends (YYYY-MM or a date).
    #[arg(long = "from-month", value_name = "YYYY-MM", value_parser = parse_month)]
    pub from: Option<Month>,
    /// Compare documentation before and after this month (e.g. when a model-card tool came).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub split_at: Option<Month>,
    /// Families drawn in the uploads chart and listed in its table.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TOP)]
    pub top: usize,
    /// A family table (CSV) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub families: Option<PathBuf>,
}

/// Families drawn and listed by default.
const DEFAULT_TOP: usize = 10;

/// The same defaults as the command line.
impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            from: None,
            split_at: None,
            top: DEFAULT_TOP,
            families: None,
        }
    }
}

pub fn run(db: &Path, args: ReportArgs) -> anyhow::Result<()> {
    let store = Store::open_existing(db)?;
    let index = write_report(&store, &args.out, &args.options)?;
    println!("{}", index.display());
    Ok(())
}

/// Writes the report into `out`; returns the path of `index.html`.
pub fn write_report(store: &Store, out: &Path, options: &ReportOptions) -> anyhow::Result<PathBuf> {
    let started = std::time::Instant::now();
    let table = crate::args::family_table(options.families.as_deref())?;
    let (models, families) = load_with_families(store, table)?;
    let window = Window {
        from: options.from,
        to: None,
        split_at: options.split_at,
        basis: Default::default(),
    };
    let uploads = uploads(
        &models,
        &families,
        GroupBy::Family,
        Some(options.top),
        &window,
    );
    let docs = docs(&models, &window);
    let summary = data_summary(store, &models, &docs)?;
    let correlations = if summary.discussions + summary.forum_topics > 0 {
        let mentions = mention_table(
            store,
            options.families.as_deref(),
            vec![Source::Forum, Source::Discussions],
        )?;
        Some(correlate(
            &mentions,
            &upload_table(&models, &families),
            options.from,
            None,
        ))
    } else {
        None
    };
    let (best_cards, worst_cards) = card_examples(store)?;
    let data = ReportData {
        generated_at: hubscope_store::time::now(),
        summary,
        coverage: families.coverage(),
        uploads,
        docs,
        correlations,
        best_cards,
        worst_cards,
        split_at: options.split_at.map(|m| m.to_string()),
        taxonomy: None,
    };
    let chosen = crate::taxonomy_cmd::choose_codes(store, None, None)?;
    let taxonomy_stats = (!chosen.codes.is_empty()).then(|| {
        hubscope_taxonomy::taxonomy_stats(&hubscope_taxonomy::Codebook::challenges(), &chosen.codes)
    });
    let mut data = data;
    data.taxonomy = taxonomy_stats.as_ref().map(|stats| study::TaxonomySection {
        source: chosen.label.clone(),
        items: stats.items,
        categories: stats
            .categories
            .iter()
            .filter(|c| c.items > 0)
            .map(|c| (c.id, c.name.clone(), c.items, c.share))
            .collect(),
        unresolved: chosen.unresolved,
    });
    let mut charts: Vec<(&str, String)> = vec![
        (
            "uploads",
            uploads_chart(&data.uploads, options.top).to_svg(),
        ),
        ("coverage", coverage_chart(&data.coverage).to_svg()),
        ("docs", docs_chart(&data.docs).to_svg()),
    ];
    if let Some(c) = &data.correlations {
        charts.push(("correlations", correlation_chart(c).to_svg()));
    }
    if let Some(stats) = &taxonomy_stats {
        let title = format!("Challenges of {} coded topics", stats.items);
        charts.push((
            "taxonomy",
            crate::taxonomy_cmd::sunburst(stats, &title).to_svg(),
        ));
    }
    std::fs::create_dir_all(out.join("charts"))
        .and_then(|()| std::fs::create_dir_all(out.join("data")))
        .with_context(|| format!("cannot create {}", out.display()))?;
    for (name, svg) in &charts {
        write_text(&out.join("charts").join(format!("{name}.svg")), svg)?;
    }
    let mut tables: Vec<(&str, Frame)> = vec![
        ("uploads_by_family", uploads_frame(&data.uploads)),
        (
            "uploads_trend_tests",
            tests_frame(
                &data
                    .uploads
                    .summary
                    .iter()
                    .map(|s| (s.group.as_str(), &s.trend))
                    .collect::<Vec<_>>(),
            ),
        ),
        ("documentation", docs_frame(&data.docs)),
    ];
    if let Some(c) = &data.correlations {
        tables.push(("mentions_vs_uploads", crate::correlate_cmd::frame(c)));
    }
    if let Some(stats) = &taxonomy_stats {
        tables.push(("taxonomy", crate::taxonomy_cmd::frame(stats)));
    }
    for (name, frame) in &tables {
        let path = out.join("data").join(format!("{name}.csv"));
        write_atomically(&path, |w| Ok(frame.write(Format::Csv, w)?))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    write_text(&out.join("report.md"), &study::markdown(&data))?;
    let index = out.join("index.html");
    write_text(&index, &study::html(&data, &charts))?;
    eprintln!(
        "hubscope report: {} models, {} groups in the uploads table, {} charts, {} tables in {:.2} s → {}",
        data.summary.models,
        data.uploads.groups.len(),
        charts.len(),
        tables.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(index)
}

fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?))
        .with_context(|| format!("writing {}", path.display()))
}

fn count(store: &Store, sql: &str) -> anyhow::Result<u64> {
    Ok(store
        .connection()
        .query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
}

fn data_summary(
    store: &Store,
    models: &hubscope_trends::Models,
    docs: &hubscope_trends::Docs,
) -> anyhow::Result<DataSummary> {
    let dated: Vec<Month> = models.models.iter().filter_map(|m| m.created).collect();
    let mut statement = store.connection().prepare(
        "SELECT kind, source, stored + updated FROM ingest_runs
         WHERE status = 'completed' ORDER BY id",
    )?;
    let sources = statement
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
        })?
        .collect::<Result<Vec<(String, String, u64)>, _>>()?;
    Ok(DataSummary {
        models: models.models.len() as u64,
        dated_models: dated.len() as u64,
        first_month: dated.iter().min().map(Month::to_string),
        last_month: dated.iter().max().map(Month::to_string),
        with_card: models.models.iter().filter(|m| m.has_card).count() as u64,
        cards_analysed: docs.overall.cards_analysed,
        discussions: count(store, "SELECT count(*) FROM discussions")?,
        forum_topics: count(store, "SELECT count(*) FROM forum_topics")?,
        forum_posts: count(store, "SELECT count(*) FROM forum_posts")?,
        sources,
    })
}

/// The five most downloaded among the best-scored cards, and among the worst.
fn card_examples(store: &Store) -> anyhow::Result<(Vec<CardExample>, Vec<CardExample>)> {
    let query = |order: &str| -> anyhow::Result<Vec<CardExample>> {
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
