//! The coding workflow the study did by hand: `hubscope sample` (draw topics to code, write a
//! coding sheet), `hubscope code import|resolve` (store a coder's sheet, checked against the
//! codebook) and `hubscope agreement` (Cohen's κ per pair, Fleiss' κ, Krippendorff's α, and a
//! sheet of the disagreements to resolve).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_store::{CodingItem, Store, TopicKind};
use hubscope_taxonomy::Codebook;
use hubscope_taxonomy::coding::{self, Coder, Draw, write_sheet};

use crate::atomic::write_atomically;
use crate::terminal::clean;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Population {
    Forum,
    Discussions,
}

impl Population {
    pub fn kind(self) -> TopicKind {
        match self {
            Population::Forum => TopicKind::Forum,
            Population::Discussions => TopicKind::Discussions,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.kind().source()
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

pub fn sample(db: &Path, args: SampleArgs) -> anyhow::Result<()> {
    let store = Store::open_read_only(db)?;
    let kind = args.population.kind();
    let items = store.coding_items(kind)?;
    if items.is_empty() {
        bail!(
            "no {} topics in {}: ingest or crawl them first",
            args.population.as_str(),
            db.display()
        );
    }
    let population = items.len();
    if let Some(n) = args.uncertain {
        return sample_uncertain(&store, &items, n, &args);
    }
    let seed = args.seed.unwrap_or_default();
    let chosen = coding::draw(
        &items,
        kind,
        &Draw {
            size: args.size,
            confidence: args.confidence,
            margin: args.margin,
            stratify: args.stratify.is_some(),
            seed,
        },
    )?;
    let source = args.population.as_str();
    let codebook = Codebook::challenges();
    let classifier = crate::classify_cmd::classifier_for(
        args.suggest,
        &codebook,
        args.model.model_dir.as_deref(),
        None,
    )?;
    let picked: Vec<&CodingItem> = chosen.iter().map(|&i| &items[i]).collect();
    let suggestions = coding::suggest(&store, kind, &picked, &classifier, &codebook)?;
    write_coding_sheet(&args.out, source, &picked, &suggestions)?;
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

/// `sample --uncertain N`: the N stored topics of the population whose machine code is the
/// least confident, leaving out those a person has coded.
fn sample_uncertain(
    store: &Store,
    items: &[CodingItem],
    n: usize,
    args: &SampleArgs,
) -> anyhow::Result<()> {
    let source = args.population.as_str();
    let uncertain = coding::least_confident(&store.codes()?, source, n)?;
    let (picked, suggestions) = coding::uncertain_items(&uncertain, items, &Codebook::challenges());
    write_coding_sheet(&args.out, source, &picked, &suggestions)?;
    eprintln!(
        "hubscope sample: the {} {source} topics {} was least sure of (confidence {}), of {} it coded and no person has{} → {}",
        picked.len(),
        uncertain.machine,
        uncertain.range(),
        uncertain.eligible,
        match uncertain.without_confidence {
            0 => String::new(),
            n => format!(" ({n} stored without a confidence: re-run classify)"),
        },
        args.out.display()
    );
    eprintln!(
        "  fill category (0–17 or a name), subcategory, benefit and note; then: hubscope code import --coder NAME {}",
        args.out.display()
    );
    Ok(())
}

fn write_coding_sheet(
    out: &Path,
    source: &str,
    items: &[&CodingItem],
    suggestions: &[String],
) -> anyhow::Result<()> {
    write_atomically(out, |w| Ok(write_sheet(w, source, items, suggestions)?))
        .with_context(|| format!("writing {}", out.display()))
}

pub fn code(db: &Path, command: CodeCommand) -> anyhow::Result<()> {
    let (coder, sheet, source) = match command {
        CodeCommand::Import {
            coder,
            sheet,
            source,
        } => (Coder::Person(coder), sheet, source),
        CodeCommand::Resolve { sheet, source } => (Coder::Resolved, sheet, source),
    };
    let name = coder.name()?.to_string();
    let text = match hubscope_source::read_text(&sheet, hubscope_source::MAX_SHEET_BYTES) {
        Err(e @ hubscope_source::SmallFileError::NotText { .. }) => {
            bail!("{e}: save the sheet as CSV UTF-8")
        }
        read => read.context("cannot read the coding sheet")?,
    };
    let mut store = Store::open_existing(db)?;
    let imported = coding::import(
        &mut store,
        &coder,
        &sheet.display().to_string(),
        &text,
        source.map(Population::as_str),
    )
    .with_context(|| format!("sheet {}", sheet.display()))?;
    let line = format!(
        "hubscope code: {} codes of {name} from {}: {} new, {} changed, {} unchanged; {} rows not coded yet; {} rejected",
        imported.codes,
        sheet.display(),
        imported.result.inserted,
        imported.result.updated,
        imported.result.unchanged,
        imported.uncoded,
        imported.rejected.len()
    );
    eprintln!("{}", clean(&line));
    for r in &imported.rejected {
        eprintln!(
            "  line {} (id {}): {}",
            r.line,
            clean(&r.id),
            clean(&r.reason)
        );
    }
    Ok(())
}

pub fn agreement(db: &Path, args: AgreementArgs) -> anyhow::Result<()> {
    let store = Store::open_read_only(db)?;
    let agreement = coding::agreement(store.codes()?, &args.coders)?;
    if let Some(path) = &args.out {
        write_atomically(path, |out| Ok(agreement.write_disagreements(out)?))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "  wrote {}: fill the category of each item, then: hubscope code resolve {}",
            path.display(),
            path.display()
        );
    }
    // Written at the end through a Result, so `| head` is not a panic.
    crate::terminal::print_clean(&agreement.to_string())?;
    Ok(())
}
