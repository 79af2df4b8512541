//! The coding workflow the study did by hand, as operations on the store: draw topics to code
//! ([`draw`], or the classifier's least sure ones, [`least_confident`]), write them as a coding
//! sheet ([`write_sheet`]), store a coder's filled sheet checked against the codebook and the
//! store ([`import`]), and measure the coders' agreement ([`agreement`]) with a sheet of the
//! disagreements to resolve.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use hubscope_store::{
    Code, CodeImport, CodingItem, MACHINE_CODER_PREFIX, RESOLVED_CODER, Store, StoreError,
    TopicKind,
};

use crate::sample::{cochran, simple_sample, stratified_sample};
use crate::{Codebook, RejectedRow, cohen_kappa, krippendorff_alpha_nominal, parse_sheet};

/// Longest text written into a sheet cell (spreadsheets cut cells at 32,767 characters).
const SHEET_TEXT: usize = 8_000;

/// Why a coding step could not be done.
#[derive(Debug, thiserror::Error)]
pub enum CodingError {
    #[error("--confidence {confidence} and --margin {margin} must lie strictly between 0 and 1")]
    Cochran { confidence: f64, margin: f64 },
    #[error("Hub discussions have no categories: --stratify category is for the forum")]
    NoCategories,
    #[error(
        "no classifier codes for the {0} topics: run `hubscope classify` first (it stores each \
         code with its confidence)"
    )]
    NoMachineCodes(String),
    #[error("--coder must name a person (not empty, not '{RESOLVED_CODER}')")]
    NotAPerson,
    #[error("agreement needs codes from at least two coders; found {0}")]
    TooFewCoders(String),
    #[error(transparent)]
    Sheet(#[from] crate::SheetError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Classifier(#[from] crate::ClassifierError),
}

/// How many to draw, and how.
#[derive(Debug, Clone, Copy)]
pub struct Draw {
    /// Exactly this many; otherwise Cochran's size at `confidence` and `margin`.
    pub size: Option<usize>,
    pub confidence: f64,
    pub margin: f64,
    /// Allocate the sample to the items' strata (forum categories) in proportion to size.
    pub stratify: bool,
    /// The same seed and items give the same sample.
    pub seed: u64,
}

/// The positions in `items` (topics of `kind`) of a random sample drawn as `how` says.
pub fn draw(items: &[CodingItem], kind: TopicKind, how: &Draw) -> Result<Vec<usize>, CodingError> {
    let size = match how.size {
        Some(n) => n,
        None => cochran(items.len() as u64, how.confidence, how.margin, 0.5).ok_or(
            CodingError::Cochran {
                confidence: how.confidence,
                margin: how.margin,
            },
        )? as usize,
    };
    if !how.stratify {
        return Ok(simple_sample(items.len(), size, how.seed));
    }
    if kind == TopicKind::Discussions {
        return Err(CodingError::NoCategories);
    }
    let mut strata: BTreeMap<Option<i64>, Vec<usize>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        strata.entry(item.stratum).or_default().push(i);
    }
    let lists: Vec<Vec<usize>> = strata.into_values().collect();
    Ok(stratified_sample(&lists, size, how.seed).0)
}

/// The stored classifier codes of one population a person should code next.
#[derive(Debug)]
pub struct Uncertain {
    /// The classifier whose codes these are (`hubscope:embedding` before `hubscope:lexical`).
    pub machine: &'static str,
    /// The least confident first (ties by id), codes stored without a confidence last.
    pub codes: Vec<Code>,
    /// The items it coded that no person has.
    pub eligible: usize,
    /// Of those, the ones stored without a confidence (older runs).
    pub without_confidence: usize,
}

/// The `n` topics of `source` whose machine code is the least confident, leaving out those a
/// person has coded: where people's codes teach the classifier most.
pub fn least_confident(codes: &[Code], source: &str, n: usize) -> Result<Uncertain, CodingError> {
    let machine = ["hubscope:embedding", "hubscope:lexical"]
        .into_iter()
        .find(|m| codes.iter().any(|c| c.coder == *m && c.source == source))
        .ok_or_else(|| CodingError::NoMachineCodes(source.to_string()))?;
    let coded: BTreeSet<i64> = codes
        .iter()
        .filter(|c| c.source == source && !c.coder.starts_with(MACHINE_CODER_PREFIX))
        .map(|c| c.item_id)
        .collect();
    let mut candidates: Vec<&Code> = codes
        .iter()
        .filter(|c| c.source == source && c.coder == machine && !coded.contains(&c.item_id))
        .collect();
    let eligible = candidates.len();
    let without_confidence = candidates.iter().filter(|c| c.confidence.is_none()).count();
    candidates.sort_by(|a, b| {
        a.confidence
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.confidence.unwrap_or(f64::INFINITY))
            .then(a.item_id.cmp(&b.item_id))
    });
    candidates.truncate(n);
    Ok(Uncertain {
        machine,
        codes: candidates.into_iter().cloned().collect(),
        eligible,
        without_confidence,
    })
}

/// The classifier's guess for each of `items` (topics of `kind`), as the suggestion column
/// shows it, from the title and opening post as the classifier was trained.
pub fn suggest(
    store: &Store,
    kind: TopicKind,
    items: &[&CodingItem],
    classifier: &crate::Classifier,
    codebook: &Codebook,
) -> Result<Vec<String>, CodingError> {
    let openings: std::collections::HashMap<i64, hubscope_source::topics::Topic> =
        hubscope_source::topics::read_store(store, kind)?
            .into_iter()
            .filter_map(|t| Some((t.id.as_i64()?, t)))
            .collect();
    let texts: Vec<(&str, Option<u64>)> = items
        .iter()
        .map(|item| {
            let text = openings.get(&item.id).map_or("", |t| t.text.as_str());
            (text, Some(item.replies))
        })
        .collect();
    Ok(classifier
        .classify(codebook, &texts)?
        .iter()
        .map(|s| {
            suggestion(
                s.category_id,
                &s.category,
                s.subcategory.as_deref(),
                s.score,
            )
        })
        .collect())
}

/// The items of `uncertain` found in `items`, each with its stored code as the suggestion.
pub fn uncertain_items<'a>(
    uncertain: &Uncertain,
    items: &'a [CodingItem],
    codebook: &Codebook,
) -> (Vec<&'a CodingItem>, Vec<String>) {
    let by_id: BTreeMap<i64, &CodingItem> = items.iter().map(|i| (i.id, i)).collect();
    let name = |id: u16| {
        codebook
            .categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| "No challenge".to_string(), |c| c.name.clone())
    };
    uncertain
        .codes
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
        .unzip()
}

impl Uncertain {
    /// The confidence range of the codes, `0.12–0.34`, or `none`.
    pub fn range(&self) -> String {
        let confidence = |c: &Code| c.confidence.unwrap_or(f64::NAN);
        match (self.codes.first(), self.codes.last()) {
            (Some(a), Some(b)) => format!("{:.2}–{:.2}", confidence(a), confidence(b)),
            _ => "none".into(),
        }
    }
}

/// The suggestion column: `3 Category / Subcategory (0.42)`.
pub fn suggestion(id: u16, category: &str, subcategory: Option<&str>, confidence: f64) -> String {
    format!(
        "{id} {category}{} ({confidence:.2})",
        subcategory.map(|s| format!(" / {s}")).unwrap_or_default()
    )
}

/// A cell's text: at most [`SHEET_TEXT`] bytes, a cut one saying how much is left out.
fn clip(text: &str) -> String {
    if text.len() <= SHEET_TEXT {
        return text.to_string();
    }
    let kept = hubscope_store::text::head_bytes(text, SHEET_TEXT);
    format!("{kept} …[{} more bytes]", text.len() - kept.len())
}

/// Writes a coding sheet: one row per item with the machine's suggestion, and empty columns
/// for the coder (category, subcategory, benefit, note).
pub fn write_sheet(
    out: impl std::io::Write,
    source: &str,
    items: &[&CodingItem],
    suggestions: &[String],
) -> csv::Result<()> {
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
}

/// What an imported sheet gave.
#[derive(Debug)]
pub struct Imported {
    /// The codes stored (new, changed or unchanged).
    pub codes: usize,
    pub result: CodeImport,
    /// Rows not coded yet.
    pub uncoded: u64,
    /// Rows refused, by line, with the reason.
    pub rejected: Vec<RejectedRow>,
}

/// Who a sheet's codes are from.
#[derive(Debug, Clone)]
pub enum Coder {
    /// A person's codes.
    Person(String),
    /// Adjudicated codes, which take precedence over the coders'.
    Resolved,
}

impl Coder {
    /// The name the codes are stored under; a person must be named, and not as the
    /// adjudicated codes are.
    pub fn name(&self) -> Result<&str, CodingError> {
        match self {
            Coder::Person(name) if name.trim().is_empty() || name == RESOLVED_CODER => {
                Err(CodingError::NotAPerson)
            }
            Coder::Person(name) => Ok(name),
            Coder::Resolved => Ok(RESOLVED_CODER),
        }
    }
}

/// Stores the codes of a filled sheet (`text`, read from `sheet`): each row checked against
/// the codebook and against the store (a row naming a topic that is not stored is refused).
pub fn import(
    store: &mut Store,
    coder: &Coder,
    sheet: &str,
    text: &str,
    default_source: Option<&str>,
) -> Result<Imported, CodingError> {
    let coder = coder.name()?.to_string();
    let parsed = parse_sheet(
        text,
        &Codebook::challenges(),
        &Codebook::benefits(),
        default_source,
    )?;
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
                rejected.push(RejectedRow {
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
    let result = store.import_codes(sheet, &codes)?;
    rejected.sort_by_key(|r| r.line);
    Ok(Imported {
        codes: codes.len(),
        result,
        uncoded: parsed.uncoded,
        rejected,
    })
}

/// The coders' agreement on the items two or more of them coded.
#[derive(Debug)]
pub struct CodersAgreement {
    pub coders: Vec<String>,
    /// Items coded by two or more.
    pub shared: usize,
    /// Cohen's κ of each pair of coders, over the items both coded.
    pub pairs: Vec<(String, String, usize, Option<f64>)>,
    /// Items coded by every coder, and Fleiss' κ over them.
    pub fleiss: (usize, Result<Option<f64>, String>),
    /// Items coded by anyone, and Krippendorff's α (nominal) over them.
    pub alpha: (usize, Option<f64>),
    /// `(source, id)` → coder → category, where coders differ.
    pub disagreements: Vec<((String, i64), BTreeMap<String, u32>)>,
}

/// Agreement between `coders` (empty: every person; the classifier's `hubscope:METHOD` codes
/// join only when named, to measure it against people). Adjudicated codes never count.
pub fn agreement(codes: Vec<Code>, coders: &[String]) -> Result<CodersAgreement, CodingError> {
    let codes: Vec<Code> = codes
        .into_iter()
        .filter(|c| c.coder != RESOLVED_CODER)
        .filter(|c| {
            if coders.is_empty() {
                !c.coder.starts_with(MACHINE_CODER_PREFIX)
            } else {
                coders.contains(&c.coder)
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
        return Err(CodingError::TooFewCoders(if coders.is_empty() {
            "none".to_string()
        } else {
            coders.join(", ")
        }));
    }
    let mut items: BTreeMap<(String, i64), BTreeMap<String, u32>> = BTreeMap::new();
    for c in &codes {
        items
            .entry((c.source.clone(), c.item_id))
            .or_default()
            .insert(c.coder.clone(), u32::from(c.category_id));
    }
    let shared = items.values().filter(|m| m.len() >= 2).count();
    let mut pairs = Vec::new();
    for (i, a) in coders.iter().enumerate() {
        for b in &coders[i + 1..] {
            let (x, y): (Vec<u32>, Vec<u32>) = items
                .values()
                .filter_map(|m| Some((*m.get(a)?, *m.get(b)?)))
                .unzip();
            pairs.push((a.clone(), b.clone(), x.len(), cohen_kappa(&x, &y)));
        }
    }
    let fleiss = crate::coded::fleiss_of(&codes);
    let units: Vec<Vec<Option<u32>>> = items
        .values()
        .map(|m| coders.iter().map(|c| m.get(c).copied()).collect())
        .collect();
    let alpha = (items.len(), krippendorff_alpha_nominal(&units));
    let disagreements = items
        .into_iter()
        .filter(|(_, m)| m.len() >= 2 && m.values().collect::<BTreeSet<_>>().len() > 1)
        .collect();
    Ok(CodersAgreement {
        coders,
        shared,
        pairs,
        fleiss,
        alpha,
        disagreements,
    })
}

impl fmt::Display for CodersAgreement {
    /// The agreement report, a statistic a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "coders: {}; items coded by two or more: {}",
            self.coders.join(", "),
            self.shared
        )?;
        for (a, b, n, kappa) in &self.pairs {
            match kappa {
                Some(k) => writeln!(f, "Cohen's κ {a} / {b}: {k:.3} ({n} items)")?,
                None => writeln!(f, "Cohen's κ {a} / {b}: undefined ({n} items)")?,
            }
        }
        let (all, fleiss) = &self.fleiss;
        match fleiss {
            Ok(Some(k)) => writeln!(
                f,
                "Fleiss' κ ({} coders, {all} items coded by all): {k:.3}",
                self.coders.len(),
            )?,
            Ok(None) => writeln!(f, "Fleiss' κ: undefined ({all} items coded by all)")?,
            Err(e) => writeln!(f, "Fleiss' κ: {e}")?,
        }
        match self.alpha {
            (n, Some(a)) => writeln!(f, "Krippendorff's α (nominal, {n} items): {a:.3}")?,
            (_, None) => writeln!(f, "Krippendorff's α: undefined")?,
        }
        writeln!(f, "disagreements: {} items", self.disagreements.len())
    }
}

impl CodersAgreement {
    /// The disagreements as a sheet to fill (each coder's category, then empty columns) and
    /// store with `hubscope code resolve`.
    pub fn write_disagreements(&self, out: impl std::io::Write) -> csv::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<String> = vec!["source".into(), "id".into()];
        header.extend(self.coders.iter().map(|c| format!("coded by {c}")));
        header.extend(["category", "subcategory", "benefit", "note"].map(String::from));
        w.write_record(&header)?;
        for ((source, id), m) in &self.disagreements {
            let mut row = vec![source.clone(), id.to_string()];
            row.extend(
                self.coders
                    .iter()
                    .map(|c| m.get(c).map(u32::to_string).unwrap_or_default()),
            );
            row.extend(["", "", "", ""].map(String::from));
            w.write_record(&row)?;
        }
        w.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(coder: &str, id: i64, category: u16) -> Code {
        Code {
            source: "forum".into(),
            item_id: id,
            coder: coder.into(),
            category_id: category,
            subcategory: None,
            benefit_id: None,
            note: None,
            confidence: None,
        }
    }

    #[test]
    fn agreement_counts_people_and_lists_where_they_differ() {
        let codes = vec![
            code("ana", 1, 3),
            code("ben", 1, 3),
            code("ana", 2, 4),
            code("ben", 2, 5),
            code("hubscope:lexical", 1, 9),
            code(RESOLVED_CODER, 2, 4),
        ];
        let a = agreement(codes.clone(), &[]).unwrap();
        assert_eq!(a.coders, ["ana", "ben"]);
        assert_eq!(a.shared, 2);
        assert_eq!(a.disagreements.len(), 1);
        assert_eq!(a.disagreements[0].0, ("forum".to_string(), 2));
        let text = a.to_string();
        assert!(text.starts_with("coders: ana, ben; items coded by two or more: 2\n"));
        assert!(text.ends_with("disagreements: 1 items\n"), "{text}");
        let mut sheet = Vec::new();
        a.write_disagreements(&mut sheet).unwrap();
        assert_eq!(
            String::from_utf8(sheet).unwrap(),
            "source,id,coded by ana,coded by ben,category,subcategory,benefit,note\n\
             forum,2,4,5,,,,\n"
        );
        // The machine joins when named.
        let named = ["ana".to_string(), "hubscope:lexical".to_string()];
        assert_eq!(agreement(codes.clone(), &named).unwrap().coders, named);
        assert!(matches!(
            agreement(codes, &["ana".to_string()]),
            Err(CodingError::TooFewCoders(_))
        ));
    }

    #[test]
    fn the_least_confident_come_first_and_coded_ones_are_left_out() {
        let machine = |id, confidence| Code {
            confidence,
            ..code("hubscope:embedding", id, 1)
        };
        let codes = vec![
            machine(1, Some(0.9)),
            machine(2, Some(0.2)),
            machine(3, None),
            machine(4, Some(0.5)),
            code("ana", 2, 1),
        ];
        let u = least_confident(&codes, "forum", 2).unwrap();
        assert_eq!(u.machine, "hubscope:embedding");
        assert_eq!(
            u.codes.iter().map(|c| c.item_id).collect::<Vec<_>>(),
            [4, 1]
        );
        assert_eq!((u.eligible, u.without_confidence), (3, 1));
        assert!(matches!(
            least_confident(&codes, "discussions", 2),
            Err(CodingError::NoMachineCodes(_))
        ));
    }

    #[test]
    fn long_texts_are_clipped_on_a_character_boundary() {
        let text = "é".repeat(SHEET_TEXT);
        let clipped = clip(&text);
        assert!(clipped.starts_with(&"é".repeat(SHEET_TEXT / 2)));
        assert!(clipped.ends_with(&format!(" …[{} more bytes]", SHEET_TEXT)));
    }
}
