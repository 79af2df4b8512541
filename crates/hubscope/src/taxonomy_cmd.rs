//! `hubscope taxonomy stats`: how the coded topics spread over the taxonomy — items and shares
//! per category and subcategory, as a table (text, CSV or JSON) and a sunburst chart (SVG).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hubscope_report::{Column, Format, Frame, Sunburst};
use hubscope_store::{Code, MACHINE_CODER_PREFIX, RESOLVED_CODER, Store};
use hubscope_taxonomy::{
    Agreement, QuantifyOptions, ShareEstimate, TaxonomyStats, adjusted_shares, taxonomy_stats,
};

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

/// The codes counted: one per item, and how they were chosen.
pub struct Chosen {
    pub codes: Vec<(u16, Option<String>)>,
    /// Whose codes: a coder's name (`hubscope:embedding`), or `people`.
    pub coder: String,
    /// Whose codes, in words.
    pub label: String,
    /// Items whose human coders disagree and that are not resolved yet.
    pub unresolved: u64,
    /// The kinds of topic coded (`forum`, `discussions`).
    pub sources: BTreeSet<String>,
}

impl Chosen {
    /// The coded topics, in words.
    pub fn topics(&self) -> String {
        let words: Vec<&str> = self
            .sources
            .iter()
            .map(|s| match s.as_str() {
                "forum" => "forum topics",
                _ => "Hub discussions",
            })
            .collect();
        if words.is_empty() {
            "topics".into()
        } else {
            words.join(" and ")
        }
    }
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
        let mine: Vec<Code> = codes.into_iter().filter(|c| c.coder == coder).collect();
        return Ok(Chosen {
            sources: mine.iter().map(|c| c.source.clone()).collect(),
            codes: mine
                .into_iter()
                .map(|c| (c.category_id, c.subcategory))
                .collect(),
            coder: coder.to_string(),
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
                coder: "none".into(),
                label: "no codes".into(),
                unresolved: 0,
                sources: BTreeSet::new(),
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
    let sources: BTreeSet<String> = items.keys().map(|(s, _)| s.clone()).collect();
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
        coder: "people".into(),
        label: "the coders' codes (adjudicated, or agreed)".into(),
        unresolved,
        sources,
    })
}

/// Agreement among the people who coded, when several did: (coders, items all of them coded,
/// Fleiss' κ).
pub fn people_agreement(store: &Store) -> anyhow::Result<Option<(usize, u64, f64)>> {
    let people: Vec<Code> = store
        .codes()?
        .into_iter()
        .filter(|c| c.coder != RESOLVED_CODER && !c.coder.starts_with(MACHINE_CODER_PREFIX))
        .collect();
    let coders = people
        .iter()
        .map(|c| c.coder.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    Ok(match crate::code_cmd::fleiss_of(&people) {
        (items, Ok(Some(k))) if coders >= 2 => Some((coders, items as u64, k)),
        _ => None,
    })
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
pub fn frame(stats: &TaxonomyStats, uncertainty: Option<&Uncertainty>) -> Frame {
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

/// How far a classifier's codes can be trusted: its measured agreement with people, and the
/// shares corrected for its confusion, with intervals.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uncertainty {
    pub agreement: Agreement,
    pub corrected: Vec<ShareEstimate>,
}

/// For a classifier's codes (`hubscope:METHOD`), the agreement recorded by the `classify` run
/// that made them and the corrected shares; `None` for people's codes, or when the classifier's
/// agreement was never measured.
pub fn uncertainty(store: &Store, chosen: &Chosen) -> anyhow::Result<Option<Uncertainty>> {
    if !chosen.coder.starts_with(MACHINE_CODER_PREFIX) || chosen.codes.is_empty() {
        return Ok(None);
    }
    let Some(run) = store.latest_classification(&chosen.coder)? else {
        return Ok(None);
    };
    let Some(text) = run.agreement else {
        return Ok(None);
    };
    let agreement: Agreement = serde_json::from_str(&text).with_context(|| {
        format!(
            "the recorded agreement of {}'s classifier is not readable; run classify again",
            chosen.coder
        )
    })?;
    let predicted: Vec<u16> = chosen.codes.iter().map(|(c, _)| *c).collect();
    let corrected = adjusted_shares(&agreement, &predicted, &QuantifyOptions::default());
    Ok(Some(Uncertainty {
        agreement,
        corrected,
    }))
}

pub fn run(db: &Path, command: TaxonomyCommand) -> anyhow::Result<()> {
    let TaxonomyCommand::Stats(args) = command;
    let store = Store::open_read_only(db)?;
    let chosen = choose_codes(
        &store,
        args.coder.as_deref(),
        args.source.map(crate::code_cmd::Population::as_str),
    )?;
    let codebook = crate::classify_cmd::load_codebook(args.codebook.as_deref())?;
    let stats = taxonomy_stats(&codebook, &chosen.codes);
    let uncertainty = uncertainty(&store, &chosen)?;
    let table = frame(&stats, uncertainty.as_ref());
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
