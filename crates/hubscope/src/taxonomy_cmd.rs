//! `hubscope taxonomy stats`: how the coded topics spread over the taxonomy — items and shares
//! per category and subcategory, as a table (text, CSV or JSON) and a sunburst chart (SVG).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hubscope_report::{Column, Format, Frame, Sunburst};
use hubscope_store::{Code, MACHINE_CODER_PREFIX, RESOLVED_CODER, Store};
use hubscope_taxonomy::{TaxonomyStats, taxonomy_stats};

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

/// The codes counted: one per item, and how they were chosen.
pub struct Chosen {
    pub codes: Vec<(u16, Option<String>)>,
    /// Whose codes, in words.
    pub label: String,
    /// Items whose human coders disagree and that are not resolved yet.
    pub unresolved: u64,
}

/// One code per item: `coder`'s, or (see [`StatsArgs::coder`]) the people's, else the machine's.
pub fn choose_codes(
    store: &Store,
    coder: Option<&str>,
    source: Option<&str>,
) -> anyhow::Result<Chosen> {
    let codes: Vec<Code> = store
        .codes()?
        .into_iter()
        .filter(|c| source.is_none_or(|s| c.source == s))
        .collect();
    if let Some(coder) = coder {
        return Ok(Chosen {
            codes: codes
                .into_iter()
                .filter(|c| c.coder == coder)
                .map(|c| (c.category_id, c.subcategory))
                .collect(),
            label: format!("the codes of {coder}"),
            unresolved: 0,
        });
    }
    let is_machine = |c: &Code| c.coder.starts_with(MACHINE_CODER_PREFIX);
    if codes.iter().all(is_machine) {
        // Nobody coded: the classifier's codes, the embedding one's when both exist.
        let machine = ["hubscope:embedding", "hubscope:lexical"]
            .into_iter()
            .find(|m| codes.iter().any(|c| c.coder == *m))
            .or_else(|| codes.first().map(|c| c.coder.as_str()))
            .map(str::to_string);
        return match machine {
            Some(m) => choose_codes(store, Some(&m), source),
            None => Ok(Chosen {
                codes: Vec::new(),
                label: "no codes".into(),
                unresolved: 0,
            }),
        };
    }
    let mut items: BTreeMap<(String, i64), Vec<Code>> = BTreeMap::new();
    for c in codes.into_iter().filter(|c| !is_machine(c)) {
        items
            .entry((c.source.clone(), c.item_id))
            .or_default()
            .push(c);
    }
    let mut chosen = Vec::new();
    let mut unresolved = 0;
    for list in items.into_values() {
        if let Some(resolved) = list.iter().find(|c| c.coder == RESOLVED_CODER) {
            chosen.push((resolved.category_id, resolved.subcategory.clone()));
        } else if list.iter().all(|c| c.category_id == list[0].category_id) {
            chosen.push((list[0].category_id, list[0].subcategory.clone()));
        } else {
            unresolved += 1;
        }
    }
    Ok(Chosen {
        codes: chosen,
        label: "the coders' codes (adjudicated, or agreed)".into(),
        unresolved,
    })
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

/// The stats as a long table: one row per category (subcategory empty) and per subcategory.
pub fn frame(stats: &TaxonomyStats) -> Frame {
    let (mut ids, mut names, mut subs, mut items, mut shares, mut within) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for c in &stats.categories {
        ids.push(Some(i64::from(c.id)));
        names.push(Some(c.name.clone()));
        subs.push(None);
        items.push(Some(c.items as i64));
        shares.push(Some(c.share));
        within.push(None);
        for s in &c.subcategories {
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
    Frame::new()
        .with("category_id", Column::Int(ids))
        .with("category", Column::Text(names))
        .with("subcategory", Column::Text(subs))
        .with("items", Column::Int(items))
        .with("share", Column::Float(shares))
        .with("share_in_category", Column::Float(within))
}

pub fn run(db: &Path, command: TaxonomyCommand) -> anyhow::Result<()> {
    let TaxonomyCommand::Stats(args) = command;
    let store = Store::open_existing(db)?;
    let chosen = choose_codes(
        &store,
        args.coder.as_deref(),
        args.source.map(crate::code_cmd::Population::as_str),
    )?;
    let codebook = crate::classify_cmd::load_codebook(args.codebook.as_deref())?;
    let stats = taxonomy_stats(&codebook, &chosen.codes);
    let table = frame(&stats);
    let mut report = Vec::new();
    match args.format {
        StatsFormat::Csv => table.write(Format::Csv, &mut report)?,
        StatsFormat::Json => serde_json::to_writer_pretty(&mut report, &stats)?,
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
            for c in stats.categories.iter().filter(|c| c.items > 0) {
                let _ = writeln!(
                    text,
                    "{:>3} {:<34} {:>6} {:>6.1} %",
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
        let json = dir.join("taxonomy.json");
        write_atomically(&json, |w| Ok(serde_json::to_writer_pretty(w, &stats)?))
            .with_context(|| format!("writing {}", json.display()))?;
        let svg = dir.join("sunburst.svg");
        let chart = sunburst(
            &stats,
            &format!("Challenges of {} coded topics", stats.items),
        );
        write_atomically(&svg, |w| Ok(w.write_all(chart.to_svg().as_bytes())?))
            .with_context(|| format!("writing {}", svg.display()))?;
        eprintln!(
            "hubscope taxonomy stats: {} items → {}, {}, {}",
            stats.items,
            csv.display(),
            json.display(),
            svg.display()
        );
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), &report)?;
    Ok(())
}
