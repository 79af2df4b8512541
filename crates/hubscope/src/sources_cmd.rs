//! `hubscope sources`: every source of the store with its sampling frame (census or sample),
//! its window and what its models cover; `sources declare` sets a stored source's frame. Also
//! the `--frame` arguments `ingest` shares, and the frame line of every ingest summary.

use std::path::Path;

use anyhow::{Context as _, bail};
use hubscope_store::{DeclaredBy, Frame, FrameDeclaration, MonthSpan, Store};
use hubscope_trends::{DateBasis, Models, source_facts, sources_text};

/// What a source is a record of: `--frame census|sample`, a census's `--window`, its
/// `--snapshot` and, in words, what it `--describes`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FrameArgs {
    /// census: every model created in the window is in the source; sample: anything else.
    /// Not given: a sample (the safe default: no trend is drawn from it), or the frame the
    /// source was declared with before.
    #[arg(long, value_enum, value_name = "FRAME")]
    pub frame: Option<FrameArg>,
    /// The months a census covers wholly, FROM..TO (default: the months of its data).
    #[arg(long, value_name = "FROM..TO", value_parser = MonthSpan::parse, requires = "frame")]
    pub window: Option<MonthSpan>,
    /// When the data was taken (a date, a month or a time; default: its latest date): a
    /// census covers nothing after it and its month only in part.
    #[arg(long, value_name = "DATE", requires = "frame")]
    pub snapshot: Option<String>,
    /// What the source is, in words (shown in the report).
    #[arg(long, value_name = "TEXT", requires = "frame")]
    pub describes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FrameArg {
    Census,
    Sample,
}

impl FrameArgs {
    /// The declaration these arguments make (undeclared when `--frame` is not given).
    pub fn declaration(&self) -> anyhow::Result<FrameDeclaration> {
        let Some(frame) = self.frame else {
            return Ok(FrameDeclaration::undeclared());
        };
        let frame = match frame {
            FrameArg::Census => Frame::Census,
            FrameArg::Sample => Frame::Sample,
        };
        if frame == Frame::Sample && self.window.is_some() {
            bail!("--window is the months a census covers; a sample has none");
        }
        let snapshot = match &self.snapshot {
            None => None,
            Some(text) => Some(hubscope_source::manifest::snapshot_time(text).with_context(
                || format!("--snapshot {text:?}: expected a date (YYYY-MM-DD), a month or a time"),
            )?),
        };
        Ok(FrameDeclaration {
            frame,
            window: self.window,
            snapshot,
            declared_by: DeclaredBy::User,
            declared_in: None,
            describes: self
                .describes
                .as_ref()
                .map(|d| d.chars().filter(|c| !c.is_control()).take(500).collect()),
        })
    }
}

/// The sources of the database and their sampling frames.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SourcesArgs {
    #[command(subcommand)]
    command: Option<SourcesCommand>,
    /// Print the sources as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum SourcesCommand {
    /// Declare what a stored source is a record of (its id, path or file name, as `hubscope
    /// sources` lists them).
    Declare {
        #[arg(value_name = "SOURCE")]
        source: String,
        #[command(flatten)]
        frame: FrameArgs,
    },
}

pub fn run(db: &Path, args: SourcesArgs) -> anyhow::Result<()> {
    match args.command {
        Some(SourcesCommand::Declare { source, frame }) => declare(db, &source, &frame),
        None => list(db, args.json),
    }
}

fn declare(db: &Path, name: &str, frame: &FrameArgs) -> anyhow::Result<()> {
    if frame.frame.is_none() {
        bail!("sources declare needs --frame census|sample");
    }
    let declaration = frame.declaration()?;
    let mut store = Store::open_existing(db)?;
    let source = store.find_source(name)?.with_context(|| {
        format!(
            "no source {name:?} in {}: `hubscope sources` lists them",
            db.display()
        )
    })?;
    let before = source.declared.frame;
    let source = store.declare_source(source.id, &declaration)?;
    eprintln!(
        "hubscope sources: {} is now a {}{} (was a {})",
        crate::terminal::clean(&source.name),
        source.declared.frame.as_str(),
        source
            .declared
            .window
            .map(|w| format!(" of {w}"))
            .unwrap_or_default(),
        before.as_str()
    );
    Ok(())
}

fn list(db: &Path, json: bool) -> anyhow::Result<()> {
    let store = Store::open_read_only(db)?;
    let models = Models::load(&store, hubscope_trends::Keep::IfWritable)?;
    let facts = source_facts(&models, DateBasis::Created);
    if json {
        println!("{}", serde_json::to_string_pretty(&facts)?);
        return Ok(());
    }
    let out = sources_text(&facts);
    crate::terminal::print_clean(&out)?;
    Ok(())
}
