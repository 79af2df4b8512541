//! The coding workflow the study did by hand: `hubscope sample` (draw topics to code, write a
//! coding sheet), `hubscope code import|resolve` (store a coder's sheet, checked against the
//! codebook) and `hubscope agreement` (Cohen's κ per pair, Fleiss' κ, Krippendorff's α, and a
//! sheet of the disagreements to resolve).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_store::{Code, MACHINE_CODER_PREFIX, RESOLVED_CODER, Store};
use hubscope_taxonomy::sample::{cochran, simple_sample, stratified_sample};
use hubscope_taxonomy::{Codebook, cohen_kappa, krippendorff_alpha_nominal, parse_sheet};

use crate::atomic::write_atomically;

/// Longest text written into a sheet cell (spreadsheets cut cells at 32,767 characters).
const SHEET_TEXT: usize = 8_000;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Population {
    Forum,
    Discussions,
}

impl Population {
    pub fn as_str(self) -> &'static str {
        match self {
            Population::Forum => "forum",
            Population::Discussions => "discussions",
        }
    }
}

/// Draw a random sample of topics to code and write it as a coding sheet.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    #[arg(long, value_enum)]
    population: Population,
    /// Confidence level of Cochran's sample size.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Margin of error of Cochran's sample size.
    #[arg(long, default_value_t = 0.05)]
    margin: f64,
    /// Draw exactly N items instead of Cochran's size.
    #[arg(long, value_name = "N")]
    size: Option<usize>,
    /// Allocate the sample to forum categories in proportion to their size.
    #[arg(long, value_enum)]
    stratify: Option<Stratum>,
    /// Instead of a random sample: the N topics the classifier was least confident about
    /// (its stored codes, `hubscope classify`), not yet coded by a person — where people's
    /// codes teach it most. The suggestion column holds its stored code.
    #[arg(long, value_name = "N", conflicts_with_all = ["size", "stratify", "seed"])]
    uncertain: Option<usize>,
    /// The seed: the same seed and store give the same sample.
    #[arg(long, required_unless_present = "uncertain")]
    seed: Option<u64>,
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The classifier whose guess fills the `suggestion` column (`auto`: embedding when its
    /// model is installed, lexical otherwise).
    #[arg(long, value_enum, default_value_t = crate::classify_cmd::Method::Auto)]
    suggest: crate::classify_cmd::Method,
    #[command(flatten)]
    model: crate::classify_cmd::ModelArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Stratum {
    Category,
}

#[derive(Debug, clap::Subcommand)]
pub enum CodeCommand {
    /// Store one coder's filled coding sheet (codes checked against the codebook).
    Import {
        #[arg(long)]
        coder: String,
        #[arg(value_name = "SHEET")]
        sheet: PathBuf,
        /// The source of every row, for a sheet without a `source` column.
        #[arg(long, value_enum)]
        source: Option<Population>,
    },
    /// Store the adjudicated codes of a sheet (e.g. the disagreements sheet of `agreement`),
    /// which take precedence over the coders' codes.
    Resolve {
        #[arg(value_name = "SHEET")]
        sheet: PathBuf,
        #[arg(long, value_enum)]
        source: Option<Population>,
    },
}

/// Agreement between coders, and the items they disagree on.
#[derive(Debug, clap::Args)]
pub struct AgreementArgs {
    /// Only these coders (comma-separated; default: every human coder — the classifier's
    /// `hubscope:METHOD` codes join only when named, to measure it against people).
    #[arg(long, value_delimiter = ',')]
    coders: Vec<String>,
    /// Write the disagreements as a sheet to fill and pass to `hubscope code resolve`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// One item of a population: id, stratum, title and text.
struct Item {
    id: i64,
    stratum: Option<i64>,
    title: String,
    text: String,
    replies: i64,
}

fn load_items(store: &Store, population: Population) -> anyhow::Result<Vec<Item>> {
    let sql = match population {
        Population::Forum => {
            "SELECT t.id, t.category_id, coalesce(t.title, ''), coalesce(group_concat(p.raw, char(10) || char(10)), ''),
                    count(p.id) - 1
             FROM forum_topics t LEFT JOIN (SELECT * FROM forum_posts ORDER BY topic_id, post_number) p ON p.topic_id = t.id
             GROUP BY t.id ORDER BY t.id"
        }
        Population::Discussions => {
            "SELECT d.id, NULL, coalesce(d.title, ''), coalesce(group_concat(c.text, char(10) || char(10)), ''),
                    count(c.position) - 1
             FROM discussions d LEFT JOIN (SELECT * FROM discussion_comments WHERE NOT coalesce(hidden, 0) ORDER BY discussion_id, position) c
               ON c.discussion_id = d.id
             GROUP BY d.id ORDER BY d.id"
        }
    };
    let mut statement = store.connection().prepare(sql)?;
    let rows = statement.query_map([], |r| {
        Ok(Item {
            id: r.get(0)?,
            stratum: r.get(1)?,
            title: r.get(2)?,
            text: r.get(3)?,
            replies: r.get::<_, i64>(4)?.max(0),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn clip(text: &str) -> String {
    if text.len() <= SHEET_TEXT {
        return text.to_string();
    }
    let kept = hubscope_store::text::head_bytes(text, SHEET_TEXT);
    format!("{kept} …[{} more bytes]", text.len() - kept.len())
}

pub fn sample(db: &Path, args: SampleArgs) -> anyhow::Result<()> {
    let store = Store::open_read_only(db)?;
    let items = load_items(&store, args.population)?;
    if items.is_empty() {
        bail!(
            "no {} topics in {}: ingest or crawl them first",
            args.population.as_str(),
            db.display()
        );
    }
    let population = items.len() as u64;
    if let Some(n) = args.uncertain {
        return sample_uncertain(&store, &items, n, &args);
    }
    let seed = args.seed.unwrap_or_default();
    let size = match args.size {
        Some(n) => n,
        None => cochran(population, args.confidence, args.margin, 0.5).with_context(|| {
            format!(
                "--confidence {} and --margin {} must lie strictly between 0 and 1",
                args.confidence, args.margin
            )
        })? as usize,
    };
    let chosen: Vec<usize> = match args.stratify {
        None => simple_sample(items.len(), size, seed),
        Some(Stratum::Category) => {
            if matches!(args.population, Population::Discussions) {
                bail!("Hub discussions have no categories: --stratify category is for the forum");
            }
            let mut strata: BTreeMap<Option<i64>, Vec<usize>> = BTreeMap::new();
            for (i, item) in items.iter().enumerate() {
                strata.entry(item.stratum).or_default().push(i);
            }
            let lists: Vec<Vec<usize>> = strata.into_values().collect();
            stratified_sample(&lists, size, seed).0
        }
    };
    let source = args.population.as_str();
    // The machine's guess, from the title and opening post as the classifier was trained.
    let codebook = Codebook::challenges();
    let classifier = crate::classify_cmd::classifier_for(
        args.suggest,
        &codebook,
        args.model.model_dir.as_deref(),
        None,
    )?;
    let kind = if source == "forum" {
        hubscope_store::TopicKind::Forum
    } else {
        hubscope_store::TopicKind::Discussions
    };
    let openings: std::collections::HashMap<i64, hubscope_source::topics::Topic> =
        hubscope_source::topics::read_store(&store, kind)?
            .into_iter()
            .filter_map(|t| Some((t.id.as_i64()?, t)))
            .collect();
    let texts: Vec<(&str, Option<u64>)> = chosen
        .iter()
        .map(|&i| {
            let item = &items[i];
            let text = openings.get(&item.id).map_or("", |t| t.text.as_str());
            (text, Some(item.replies as u64))
        })
        .collect();
    let suggestions: Vec<String> = classifier
        .classify(&codebook, &texts)?
        .iter()
        .map(|s| {
            suggestion(
                s.category_id,
                &s.category,
                s.subcategory.as_deref(),
                s.score,
            )
        })
        .collect();
    let picked: Vec<&Item> = chosen.iter().map(|&i| &items[i]).collect();
    write_sheet(&args.out, source, &picked, &suggestions)?;
    eprintln!(
        "hubscope sample: {} of {population} {source} topics (Cochran: {:.0} % confidence, ±{:.0} %{}; seed {seed}; suggestions: {}) → {}",
        chosen.len(),
        args.confidence * 100.0,
        args.margin * 100.0,
        if args.stratify.is_some() {
            ", stratified by category"
        } else {
            ""
        },
        classifier.method(),
        args.out.display()
    );
    eprintln!(
        "  fill category (0–17 or a name), subcategory, benefit and note; then: hubscope code import --coder NAME {}",
        args.out.display()
    );
    Ok(())
}

/// The suggestion column: `3 Category / Subcategory (0.42)`.
fn suggestion(id: u16, category: &str, subcategory: Option<&str>, confidence: f64) -> String {
    format!(
        "{id} {category}{} ({confidence:.2})",
        subcategory.map(|s| format!(" / {s}")).unwrap_or_default()
    )
}

/// `sample --uncertain N`: the N stored topics of the population whose machine code is the
/// least confident (ties by id), leaving out those a person has coded.
fn sample_uncertain(
    store: &Store,
    items: &[Item],
    n: usize,
    args: &SampleArgs,
) -> anyhow::Result<()> {
    let source = args.population.as_str();
    let codes = store.codes()?;
    let machine = ["hubscope:embedding", "hubscope:lexical"]
        .into_iter()
        .find(|m| codes.iter().any(|c| c.coder == *m && c.source == source))
        .with_context(|| {
            format!(
                "no classifier codes for the {source} topics: run `hubscope classify` first (it \
                 stores each code with its confidence)"
            )
        })?;
    let coded: BTreeSet<i64> = codes
        .iter()
        .filter(|c| c.source == source && !c.coder.starts_with(MACHINE_CODER_PREFIX))
        .map(|c| c.item_id)
        .collect();
    let mut candidates: Vec<&Code> = codes
        .iter()
        .filter(|c| c.source == source && c.coder == machine && !coded.contains(&c.item_id))
        .collect();
    let without = candidates.iter().filter(|c| c.confidence.is_none()).count();
    // Least confident first; codes stored without a confidence (older runs) last.
    candidates.sort_by(|a, b| {
        a.confidence
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.confidence.unwrap_or(f64::INFINITY))
            .then(a.item_id.cmp(&b.item_id))
    });
    candidates.truncate(n);
    let by_id: BTreeMap<i64, &Item> = items.iter().map(|i| (i.id, i)).collect();
    let codebook = Codebook::challenges();
    let name = |id: u16| {
        codebook
            .categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| "No challenge".to_string(), |c| c.name.clone())
    };
    let (picked, suggestions): (Vec<&Item>, Vec<String>) = candidates
        .iter()
        .filter_map(|c| {
            let item = by_id.get(&c.item_id)?;
            Some((
                *item,
                suggestion(
                    c.category_id,
                    &name(c.category_id),
                    c.subcategory.as_deref(),
                    c.confidence.unwrap_or(f64::NAN),
                ),
            ))
        })
        .unzip();
    write_sheet(&args.out, source, &picked, &suggestions)?;
    eprintln!(
        "hubscope sample: the {} {source} topics {machine} was least sure of (confidence {}), of {} it coded and no person has{} → {}",
        picked.len(),
        match (candidates.first(), candidates.last()) {
            (Some(a), Some(b)) => format!(
                "{:.2}–{:.2}",
                a.confidence.unwrap_or(f64::NAN),
                b.confidence.unwrap_or(f64::NAN)
            ),
            _ => "none".into(),
        },
        codes
            .iter()
            .filter(|c| c.source == source && c.coder == machine && !coded.contains(&c.item_id))
            .count(),
        if without > 0 {
            format!(" ({without} stored without a confidence: re-run classify)")
        } else {
            String::new()
        },
        args.out.display()
    );
    eprintln!(
        "  fill category (0–17 or a name), subcategory, benefit and note; then: hubscope code import --coder NAME {}",
        args.out.display()
    );
    Ok(())
}

/// Writes a coding sheet: one row per item, with the machine's suggestion.
fn write_sheet(
    out: &Path,
    source: &str,
    items: &[&Item],
    suggestions: &[String],
) -> anyhow::Result<()> {
    write_atomically(out, |out| {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "source",
            "id",
            "title",
            "text",
            "replies",
            "suggestion",
            "category",
            "subcategory",
            "benefit",
            "note",
        ])?;
        for (item, guess) in items.iter().zip(suggestions) {
            w.write_record([
                source,
                &item.id.to_string(),
                &item.title,
                &clip(&item.text),
                &item.replies.to_string(),
                guess,
                "",
                "",
                "",
                "",
            ])?;
        }
        w.flush()?;
        Ok(())
    })
    .with_context(|| format!("writing {}", out.display()))
}

pub fn code(db: &Path, command: CodeCommand) -> anyhow::Result<()> {
    let (coder, sheet, source) = match command {
        CodeCommand::Import {
            coder,
            sheet,
            source,
        } => {
            if coder.trim().is_empty() || coder == RESOLVED_CODER {
                bail!("--coder must name a person (not empty, not '{RESOLVED_CODER}')");
            }
            (coder, sheet, source)
        }
        CodeCommand::Resolve { sheet, source } => (RESOLVED_CODER.to_string(), sheet, source),
    };
    let bytes =
        std::fs::read(&sheet).with_context(|| format!("cannot read {}", sheet.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not UTF-8 (byte {}): save the sheet as CSV UTF-8",
            sheet.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let parsed = parse_sheet(
        &text,
        &Codebook::challenges(),
        &Codebook::benefits(),
        source.map(Population::as_str),
    )
    .with_context(|| format!("sheet {}", sheet.display()))?;
    let mut store = Store::open_existing(db)?;
    let mut rejected = parsed.rejected.clone();
    let mut codes = Vec::new();
    for src in ["forum", "discussions"] {
        let ids: Vec<i64> = parsed
            .rows
            .iter()
            .filter(|r| r.source == src)
            .map(|r| r.id)
            .collect();
        let known = store.existing_items(src, &ids)?;
        for row in parsed.rows.iter().filter(|r| r.source == src) {
            if !known.contains(&row.id) {
                rejected.push(hubscope_taxonomy::RejectedRow {
                    line: row.line,
                    id: row.id.to_string(),
                    reason: format!("no {src} topic {} in the store", row.id),
                });
                continue;
            }
            codes.push(Code {
                source: row.source.clone(),
                item_id: row.id,
                coder: coder.clone(),
                category_id: row.category,
                subcategory: row.subcategory.clone(),
                benefit_id: row.benefit,
                note: row.note.clone(),
                confidence: None,
            });
        }
    }
    let result = store.import_codes(&sheet.display().to_string(), &codes)?;
    rejected.sort_by_key(|r| r.line);
    eprintln!(
        "hubscope code: {} codes of {coder} from {}: {} new, {} changed, {} unchanged; {} rows not coded yet; {} rejected",
        codes.len(),
        sheet.display(),
        result.inserted,
        result.updated,
        result.unchanged,
        parsed.uncoded,
        rejected.len()
    );
    for r in &rejected {
        eprintln!(
            "  line {} (id {}): {}",
            r.line,
            crate::terminal::clean(&r.id),
            crate::terminal::clean(&r.reason)
        );
    }
    Ok(())
}

pub fn agreement(db: &Path, args: AgreementArgs) -> anyhow::Result<()> {
    // Written at the end through a Result, so `| head` is not a panic.
    let mut report = String::new();
    let store = Store::open_read_only(db)?;
    let codes: Vec<Code> = store
        .codes()?
        .into_iter()
        .filter(|c| c.coder != RESOLVED_CODER)
        // The classifier's codes join only when named: agreement is between people unless
        // the machine is asked to be measured against them.
        .filter(|c| {
            if args.coders.is_empty() {
                !c.coder.starts_with(MACHINE_CODER_PREFIX)
            } else {
                args.coders.contains(&c.coder)
            }
        })
        .collect();
    let coders: Vec<String> = codes
        .iter()
        .map(|c| c.coder.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if coders.len() < 2 {
        bail!(
            "agreement needs codes from at least two coders; found {}",
            if coders.is_empty() {
                "none".to_string()
            } else {
                coders.join(", ")
            }
        );
    }
    // Item → coder → category.
    let mut items: BTreeMap<(String, i64), BTreeMap<&str, u32>> = BTreeMap::new();
    for c in &codes {
        items
            .entry((c.source.clone(), c.item_id))
            .or_default()
            .insert(c.coder.as_str(), u32::from(c.category_id));
    }
    let shared: Vec<&BTreeMap<&str, u32>> = items.values().filter(|m| m.len() >= 2).collect();
    let _ = writeln!(
        report,
        "coders: {}; items coded by two or more: {}",
        coders.join(", "),
        shared.len()
    );
    for (i, a) in coders.iter().enumerate() {
        for b in &coders[i + 1..] {
            let (x, y): (Vec<u32>, Vec<u32>) = items
                .values()
                .filter_map(|m| Some((*m.get(a.as_str())?, *m.get(b.as_str())?)))
                .unzip();
            match cohen_kappa(&x, &y) {
                Some(k) => _ = writeln!(report, "Cohen's κ {a} / {b}: {k:.3} ({} items)", x.len()),
                None => _ = writeln!(report, "Cohen's κ {a} / {b}: undefined ({} items)", x.len()),
            }
        }
    }
    let (all, fleiss) = hubscope_taxonomy::coded::fleiss_of(&codes);
    match fleiss {
        Ok(Some(k)) => {
            _ = writeln!(
                report,
                "Fleiss' κ ({} coders, {all} items coded by all): {k:.3}",
                coders.len(),
            )
        }
        Ok(None) => _ = writeln!(report, "Fleiss' κ: undefined ({all} items coded by all)"),
        Err(e) => _ = writeln!(report, "Fleiss' κ: {e}"),
    }
    let units: Vec<Vec<Option<u32>>> = items
        .values()
        .map(|m| coders.iter().map(|c| m.get(c.as_str()).copied()).collect())
        .collect();
    match krippendorff_alpha_nominal(&units) {
        Some(a) => {
            _ = writeln!(
                report,
                "Krippendorff's α (nominal, {} items): {a:.3}",
                items.len()
            )
        }
        None => _ = writeln!(report, "Krippendorff's α: undefined"),
    }
    let disagreements: Vec<_> = items
        .iter()
        .filter(|(_, m)| m.len() >= 2 && m.values().collect::<BTreeSet<_>>().len() > 1)
        .collect();
    let _ = writeln!(report, "disagreements: {} items", disagreements.len());
    if let Some(path) = &args.out {
        write_atomically(path, |out| {
            let mut w = csv::Writer::from_writer(out);
            let mut header: Vec<String> = vec!["source".into(), "id".into()];
            header.extend(coders.iter().map(|c| format!("coded by {c}")));
            header.extend(["category", "subcategory", "benefit", "note"].map(String::from));
            w.write_record(&header)?;
            for ((source, id), m) in &disagreements {
                let mut row = vec![source.clone(), id.to_string()];
                row.extend(
                    coders
                        .iter()
                        .map(|c| m.get(c.as_str()).map(u32::to_string).unwrap_or_default()),
                );
                row.extend(["", "", "", ""].map(String::from));
                w.write_record(&row)?;
            }
            w.flush()?;
            Ok(())
        })
        .with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "  wrote {}: fill the category of each item, then: hubscope code resolve {}",
            path.display(),
            path.display()
        );
    }
    crate::terminal::print_clean(&report)?;
    Ok(())
}
