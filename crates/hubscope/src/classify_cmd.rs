//! `hubscope classify`: topics (JSON Lines) → challenge categories with the lexical classifier;
//! `hubscope classify eval`: predictions against gold codes.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_taxonomy::{Codebook, LexicalClassifier, evaluate};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::atomic::write_atomically;

/// Longest text classified per topic; longer ones are cut (and counted).
const MAX_TEXT: usize = 100 * 1024;

/// Classify topics into the study's challenge categories.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ClassifyArgs {
    #[command(subcommand)]
    command: Option<ClassifyCommand>,
    /// Topics, one JSON object a line: `id` and `title`, `body` or `text` (any of them, joined);
    /// `replies`, when present, is the number of answers (0 → Lack of Support).
    #[arg(long, value_name = "FILE.jsonl")]
    input: Option<PathBuf>,
    /// Predictions, one JSON object a line: {id, category_id, category, subcategory, score,
    /// runner_up_id}.
    #[arg(long, value_name = "FILE.jsonl")]
    out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Method::Lexical)]
    method: Method,
    /// A codebook (CSV, the study's shape) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Method {
    /// BM25 against the codebook and curated keywords.
    Lexical,
}

#[derive(Debug, clap::Subcommand)]
enum ClassifyCommand {
    /// Scores of predictions against gold codes (both JSON Lines with `id` and `category_id`).
    Eval {
        #[arg(long, value_name = "FILE.jsonl")]
        gold: PathBuf,
        #[arg(long, value_name = "FILE.jsonl")]
        pred: PathBuf,
        /// Print the evaluation as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// One input line.
struct Topic {
    line: u64,
    id: Value,
    text: String,
    replies: Option<u64>,
}

pub fn run(args: ClassifyArgs) -> anyhow::Result<()> {
    if let Some(ClassifyCommand::Eval { gold, pred, json }) = args.command {
        return eval(&gold, &pred, json);
    }
    let (Some(input), Some(out)) = (&args.input, &args.out) else {
        bail!("classify needs --input FILE.jsonl and --out FILE.jsonl (or the eval subcommand)");
    };
    let codebook = match &args.codebook {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the codebook {}", path.display()))?;
            Codebook::parse(&text).with_context(|| format!("codebook {}", path.display()))?
        }
        None => Codebook::challenges(),
    };
    let started = std::time::Instant::now();
    let classifier = LexicalClassifier::new(&codebook, &[]);
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut topics = Vec::new();
    let mut skipped: Vec<(u64, String)> = Vec::new();
    let (mut cut, mut empty) = (0u64, 0u64);
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let n = i as u64 + 1;
        let line =
            line.with_context(|| format!("{}:{n}: cannot read the line", input.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                skipped.push((n, format!("not JSON: {e}")));
                continue;
            }
        };
        let Some(id) = v
            .get("id")
            .filter(|id| id.is_string() || id.is_number())
            .cloned()
        else {
            skipped.push((n, "no id (a string or a number)".into()));
            continue;
        };
        let mut text = ["title", "body", "text"]
            .iter()
            .filter_map(|k| v.get(*k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n\n");
        if text.trim().is_empty() {
            empty += 1;
        }
        if text.len() > MAX_TEXT {
            let mut end = MAX_TEXT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            cut += 1;
        }
        let replies = v.get("replies").and_then(Value::as_u64);
        topics.push(Topic {
            line: n,
            id,
            text,
            replies,
        });
    }
    let predictions: Vec<(u64, Value, hubscope_taxonomy::Prediction)> = topics
        .par_iter()
        .map(|t| {
            (
                t.line,
                t.id.clone(),
                classifier.classify(&t.text, t.replies),
            )
        })
        .collect();
    let no_words = predictions
        .iter()
        .filter(|(_, _, p)| p.score == 0.0)
        .count();
    write_atomically(out, |w| {
        for (_, id, p) in &predictions {
            let line = json!({
                "id": id,
                "category_id": p.category_id,
                "category": p.category,
                "subcategory": p.subcategory,
                "score": (p.score * 1e6).round() / 1e6,
                "runner_up_id": p.runner_up_id,
            });
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", out.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "hubscope classify: {} topics in {seconds:.2} s ({:.0} topics/s), lexical → {}",
        predictions.len(),
        predictions.len() as f64 / seconds.max(1e-9),
        out.display()
    );
    if empty + cut + no_words as u64 > 0 {
        eprintln!(
            "  {empty} with no text, {cut} cut at {} KB, {no_words} without any codebook word (another language?) → category 17 with score 0",
            MAX_TEXT / 1024
        );
    }
    for (line, reason) in skipped.iter().take(20) {
        eprintln!("  {}:{line}: skipped, {reason}", input.display());
    }
    if skipped.len() > 20 {
        eprintln!("  … {} lines skipped in all", skipped.len());
    }
    Ok(())
}

/// `id → category_id` of a JSON Lines file; `category_id` may also be a number in a string.
fn codes_of(path: &Path) -> anyhow::Result<HashMap<String, u32>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = HashMap::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let v: Value =
            serde_json::from_str(&line).with_context(|| format!("{}: not JSON", at()))?;
        let id = match v.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => bail!("{}: no id", at()),
        };
        let code = match v.get("category_id") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .with_context(|| format!("{}: no category_id (a whole number)", at()))?;
        if out.insert(id.clone(), code as u32).is_some() {
            bail!("{}: id {id} appears twice", at());
        }
    }
    Ok(out)
}

fn eval(gold: &Path, pred: &Path, as_json: bool) -> anyhow::Result<()> {
    // Written at the end through a Result, so `| head` is not a panic.
    let mut report = String::new();
    let g = codes_of(gold)?;
    let p = codes_of(pred)?;
    let mut ids: Vec<&String> = g.keys().filter(|id| p.contains_key(*id)).collect();
    ids.sort();
    let missing = g.len() - ids.len();
    let (gv, pv): (Vec<u32>, Vec<u32>) = ids.iter().map(|id| (g[*id], p[*id])).unzip();
    let e = evaluate(&gv, &pv).with_context(|| "no id is in both files")?;
    if as_json {
        let _ = writeln!(report, "{}", serde_json::to_string_pretty(&e)?);
    } else {
        let _ = writeln!(
            report,
            "items {}  accuracy {:.3}  macro-F1 {:.3}  Cohen's κ {}",
            e.items,
            e.accuracy,
            e.macro_f1,
            e.kappa.map_or("undefined".into(), |k| format!("{k:.3}"))
        );
        let _ = writeln!(
            report,
            "{:>8} {:>8} {:>9} {:>9} {:>7} {:>7}",
            "category", "support", "predicted", "precision", "recall", "F1"
        );
        for c in &e.categories {
            let _ = writeln!(
                report,
                "{:>8} {:>8} {:>9} {:>9.3} {:>7.3} {:>7.3}",
                c.category, c.support, c.predicted, c.precision, c.recall, c.f1
            );
        }
        let labels: Vec<String> = e
            .categories
            .iter()
            .map(|c| c.category.to_string())
            .collect();
        let _ = writeln!(
            report,
            "confusion (rows gold, columns predicted): {}",
            labels.join(" ")
        );
        for (c, row) in e.categories.iter().zip(&e.confusion) {
            let _ = writeln!(
                report,
                "{:>4}: {}",
                c.category,
                row.iter().map(|n| format!("{n:>4}")).collect::<String>()
            );
        }
    }
    if missing > 0 {
        eprintln!("  {missing} gold ids have no prediction and are left out");
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), report.as_bytes())?;
    Ok(())
}
