//! `hubscope taxonomy stats`: how the coded topics spread over the taxonomy — items and shares
//! per category and subcategory, as a table (text, CSV or JSON) and a sunburst chart (SVG).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hubscope_report::Format;
use hubscope_report::tables::{sunburst, sunburst_title, taxonomy_frame};
use hubscope_store::{MACHINE_CODER_PREFIX, Store};
use hubscope_taxonomy::coded::{choose_codes, people_agreement, uncertainty};
use hubscope_taxonomy::taxonomy_stats;

use crate::atomic::write_atomically;
use crate::terminal::clean;

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
    let corrected = |id: u16| {
        uncertainty
            .as_ref()
            .and_then(|u| u.corrected.iter().find(|e| e.category_id == id))
    };
    let mut report = Vec::new();
    match args.format {
        StatsFormat::Csv => table.write(Format::Csv, &mut report)?,
        StatsFormat::Json => serde_json::to_writer_pretty(&mut report, &json)?,
        StatsFormat::Text => {
            let mut text = String::new();
            let _ = writeln!(
                text,
                "{} coded items ({}){}",
                stats.items,
                chosen.label,
                if chosen.unresolved > 0 {
                    format!(
                        "; {} items left out: their coders disagree (hubscope agreement, then code resolve)",
                        chosen.unresolved
                    )
                } else {
                    String::new()
                }
            );
            match &uncertainty {
                Some(u) => {
                    let _ = writeln!(
                        text,
                        "a classifier's codes: against people's codes it has accuracy {:.3}, Cohen's κ {} ({}); shares corrected for its confusion, with 95 % bootstrap intervals",
                        u.agreement.accuracy,
                        u.agreement
                            .kappa
                            .map_or("undefined".into(), |k| format!("{k:.3}")),
                        clean(&u.agreement.measured_on)
                    );
                    let _ = writeln!(
                        text,
                        "{:>3} {:<34} {:>6} {:>8} {:>10} {:>17}",
                        "#", "category", "items", "counted", "corrected", "95 % interval"
                    );
                }
                None if chosen.coder.starts_with(MACHINE_CODER_PREFIX) => {
                    let _ = writeln!(
                        text,
                        "a classifier's codes, whose agreement with people was never measured: shares as counted, uncorrected"
                    );
                }
                None => {
                    if let Some((coders, items, kappa)) = people_agreement(&store)? {
                        let _ = writeln!(
                            text,
                            "people's codes, as they are; where {coders} coders coded the same {items} topics, Fleiss' κ = {kappa:.3}"
                        );
                    }
                }
            }
            for c in stats.categories.iter().filter(|c| c.items > 0) {
                let extra = corrected(c.id).map_or_else(String::new, |e| {
                    format!(
                        " {:>8.1} % {:>7.1}–{:.1} %",
                        100.0 * e.share,
                        100.0 * e.ci_low,
                        100.0 * e.ci_high
                    )
                });
                let _ = writeln!(
                    text,
                    "{:>3} {:<34} {:>6} {:>6.1} %{extra}",
                    c.id,
                    c.name,
                    c.items,
                    100.0 * c.share
                );
                for s in &c.subcategories {
                    let _ = writeln!(
                        text,
                        "      {:<32} {:>6} {:>6.1} % of the category",
                        s.name.as_deref().unwrap_or("(no subcategory)"),
                        s.items,
                        100.0 * s.share_in_category
                    );
                }
            }
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
