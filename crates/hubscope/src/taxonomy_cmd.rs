//! `hubscope taxonomy stats`: how the coded topics spread over the taxonomy — items and shares
//! per category and subcategory, as a table (text, CSV or JSON) and a sunburst chart (SVG).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hubscope_report::Format;
use hubscope_report::tables::{sunburst, sunburst_title, taxonomy_frame};
use hubscope_store::{MACHINE_CODER_PREFIX, Store};
use hubscope_taxonomy::coded::{choose_codes, people_agreement, stats_text, uncertainty};
use hubscope_taxonomy::taxonomy_stats;

use crate::atomic::write_atomically;

#[derive(Debug, clap::Subcommand)]
pub enum TaxonomyCommand {
    /// Items and shares per category and subcategory, and a sunburst chart.
    Stats(StatsArgs),
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Whose codes: a coder's name (e.g. `hubscope:embedding`). Default: the people's codes —
    /// adjudicated ones first, then codes all coders of an item agree on — or, when no person
    /// has coded, the classifier's (`hubscope classify`).
    #[arg(long)]
    coder: Option<String>,
    /// Only the codes of forum topics or of Hub discussions.
    #[arg(long, value_enum)]
    source: Option<crate::code_cmd::Population>,
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    format: StatsFormat,
    /// Write taxonomy.csv, taxonomy.json and sunburst.svg into this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// A codebook (CSV, the study's shape) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StatsFormat {
    Text,
    Csv,
    Json,
}

pub fn run(db: &Path, command: TaxonomyCommand) -> anyhow::Result<()> {
    let TaxonomyCommand::Stats(args) = command;
    let store = Store::open_read_only(db)?;
    let chosen = choose_codes(
        &store,
        args.coder.as_deref(),
        args.source.map(crate::code_cmd::Population::as_str),
    )?;
    let codebook = hubscope_taxonomy::classify::load_codebook(args.codebook.as_deref())?;
    let stats = taxonomy_stats(&codebook, &chosen.codes);
    let uncertainty = uncertainty(&store, &chosen)?;
    let table = taxonomy_frame(&stats, uncertainty.as_ref());
    // The stats as they are, with the classifier's agreement and the corrected shares beside.
    let mut json = serde_json::to_value(&stats)?;
    json["uncertainty"] = serde_json::to_value(&uncertainty)?;
    let mut report = Vec::new();
    match args.format {
        StatsFormat::Csv => table.write(Format::Csv, &mut report)?,
        StatsFormat::Json => serde_json::to_writer_pretty(&mut report, &json)?,
        StatsFormat::Text => {
            let people = match uncertainty {
                None if !chosen.coder.starts_with(MACHINE_CODER_PREFIX) => {
                    people_agreement(&store)?
                }
                _ => None,
            };
            let text = stats_text(&stats, &chosen, uncertainty.as_ref(), people);
            report.extend_from_slice(text.as_bytes());
        }
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let csv = dir.join("taxonomy.csv");
        write_atomically(&csv, |w| Ok(table.write(Format::Csv, w)?))
            .with_context(|| format!("writing {}", csv.display()))?;
        let json_path = dir.join("taxonomy.json");
        write_atomically(&json_path, |w| Ok(serde_json::to_writer_pretty(w, &json)?))
            .with_context(|| format!("writing {}", json_path.display()))?;
        let svg = dir.join("sunburst.svg");
        let chart = sunburst(
            &stats,
            &sunburst_title(&stats, &chosen, uncertainty.is_some()),
        );
        write_atomically(&svg, |w| Ok(w.write_all(chart.to_svg().as_bytes())?))
            .with_context(|| format!("writing {}", svg.display()))?;
        eprintln!(
            "hubscope taxonomy stats: {} items → {}, {}, {}",
            stats.items,
            csv.display(),
            json_path.display(),
            svg.display()
        );
    }
    match args.format {
        // The text is made safe for a terminal; CSV and JSON are data, quoted by their writers.
        StatsFormat::Text => crate::terminal::print_clean(&String::from_utf8_lossy(&report))?,
        StatsFormat::Csv | StatsFormat::Json => {
            std::io::Write::write_all(&mut std::io::stdout().lock(), &report)?
        }
    }
    Ok(())
}
