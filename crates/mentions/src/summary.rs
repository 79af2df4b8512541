//! A count of mentions in words, for a terminal or a log, and the review file a researcher
//! checks the ambiguous names with. Names from outside (stored model types, matched text) have
//! their control characters escaped in the words, and are guarded against spreadsheet formulas
//! in the review file.

use std::fmt::Write as _;

use hubscope_store::text::{escape_controls as esc, spreadsheet_safe};

use crate::count::Tally;
use crate::documents::Reading;
use crate::matcher::Verdict;
use crate::table::{FamilyTable, Origin, SkippedType};
use crate::table_out::MentionTable;

/// What was read and found: topics per source, bytes and speed, families found, the months,
/// and what was left out (names inside lists of classes, undated topics).
pub fn counted_text(
    tally: &Tally,
    reading: &Reading,
    table: &FamilyTable,
    mentions: &MentionTable,
    seconds: f64,
) -> String {
    let per_source: Vec<String> = reading
        .topics
        .iter()
        .map(|(s, n)| format!("{} {n}", s.as_str()))
        .collect();
    let mut text = format!(
        "hubscope mentions: {} topics ({}), {:.1} MB in {seconds:.2} s ({:.0} MB/s); {} mention \
         at least one of {} families; {} families found; months {}\n",
        tally.documents,
        per_source.join(", "),
        tally.bytes as f64 / 1e6,
        tally.bytes as f64 / 1e6 / seconds.max(1e-9),
        tally.with_mention,
        table.families.len(),
        mentions.families.len(),
        match (mentions.months.first(), mentions.months.last()) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "none".into(),
        }
    );
    let in_lists: u64 = tally.names.iter().map(|n| n.in_lists).sum();
    if in_lists > 0 {
        let _ = writeln!(
            text,
            "  {in_lists} class names inside enumerations of many models' classes (such as \
             \"Model type should be one of …\" errors) not counted"
        );
    }
    for (source, n) in &reading.undated {
        if *n > 0 {
            let _ = writeln!(
                text,
                "  {n} {} topic(s) have no valid creation date and were left out",
                source.as_str()
            );
        }
    }
    text
}

/// Where the families came from: the table, and the store's model types not in it (to
/// review), and the stored model types left out with the reason.
pub fn families_text(table: &FamilyTable, skipped: &[SkippedType]) -> String {
    let from_store: Vec<String> = table
        .families
        .iter()
        .zip(&table.origins)
        .filter(|(_, o)| **o == Origin::Store)
        .map(|(f, _)| esc(&f.name).into_owned())
        .collect();
    let listed = table.families.len() - from_store.len();
    let mut text = if from_store.is_empty() {
        format!("  families: {listed} from the table\n")
    } else {
        format!(
            "  families: {listed} from the table + {} model type(s) of the store not in it \
             (review them): {}\n",
            from_store.len(),
            from_store.join(", ")
        )
    };
    if !skipped.is_empty() {
        let shown: Vec<String> = skipped
            .iter()
            .take(12)
            .map(|s| format!("{} ({} models: {})", esc(&s.model_type), s.models, s.reason))
            .collect();
        let _ = writeln!(
            text,
            "  {} stored model type(s) left out: {}{}",
            skipped.len(),
            shown.join("; "),
            if skipped.len() > 12 { "; …" } else { "" }
        );
    }
    text
}

/// The ambiguous names that occur, most topics first, with what the model-context rule did.
pub fn ambiguous_text(tally: &Tally, table: &FamilyTable, review_written: bool) -> String {
    let mut rows: Vec<usize> = (0..table.families.len())
        .filter(|&f| table.families[f].context.is_ambiguous())
        .filter(|&f| tally.names[f].accepted + tally.names[f].rejected > 0)
        .collect();
    rows.sort_by_key(|&f| {
        std::cmp::Reverse(tally.names[f].topics + tally.names[f].topics_word_only)
    });
    let ambiguous = table
        .families
        .iter()
        .filter(|f| f.context.is_ambiguous())
        .count();
    let mut text = format!(
        "  ambiguous names ({ambiguous} families count their name only in a model context; {} \
         occur):\n",
        rows.len()
    );
    if rows.is_empty() {
        return text;
    }
    let _ = writeln!(
        text,
        "    {:<16} {:<6} {:>6} {:>12} {:>16} {:>12}",
        "family", "rule", "topics", "occurrences", "word-only topics", "not counted"
    );
    for f in rows {
        let n = &tally.names[f];
        let family = &table.families[f];
        let _ = writeln!(
            text,
            "    {:<16} {:<6} {:>6} {:>12} {:>16} {:>12}",
            esc(&family.name),
            family.context.as_str(),
            n.topics,
            n.accepted,
            n.topics_word_only,
            n.rejected,
        );
    }
    text.push_str(
        "    topics: counted for the family; occurrences: counted; word-only topics: topics that \
         use the name only as an ordinary word (not counted); not counted: such occurrences\n",
    );
    if !review_written {
        text.push_str("    (write every occurrence with its context with --review FILE)\n");
    }
    text
}

/// Every occurrence of an ambiguous name with its verdict and context, as CSV.
pub fn write_review(
    out: impl std::io::Write,
    tally: &Tally,
    table: &FamilyTable,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "family", "counted", "source", "topic", "month", "matched", "context",
    ])?;
    for line in &tally.review {
        w.write_record([
            spreadsheet_safe(&table.families[line.family].name).as_str(),
            match line.verdict {
                Verdict::Counted => "yes",
                Verdict::NoModelContext => "no: no model context",
                Verdict::InList => "no: in a list of classes",
            },
            line.source.as_str(),
            &line.id.to_string(),
            &line.month.to_string(),
            &spreadsheet_safe(&line.matched),
            &spreadsheet_safe(&line.snippet),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::count::{CountOptions, Document};
    use crate::matcher::Matcher;
    use hubscope_store::time::Month;

    #[test]
    fn the_review_file_guards_formulas_and_the_words_escape_controls() {
        let table = FamilyTable::parse("family,aliases,context\nopt,,caps\n").unwrap();
        let matcher = Matcher::new(table.families.clone()).unwrap();
        let mut tally = Tally::new(1);
        tally.add(
            &matcher,
            &[Document {
                source: crate::Source::Forum,
                id: 1,
                month: Month::parse("2021-03").unwrap(),
                text: "=HYPERLINK(\"x\") I opt for it".into(),
            }],
            CountOptions {
                skip_code: false,
                review: true,
            },
        );
        let mut csv = Vec::new();
        write_review(&mut csv, &tally, &table).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let row = csv.lines().nth(1).unwrap();
        assert!(
            row.starts_with("opt,no: no model context,forum,1,2021-03,"),
            "{row}"
        );
        assert!(row.contains("\"'=HYPERLINK"), "{row}");
        let words = ambiguous_text(&tally, &table, false);
        assert!(words.contains("1 occur"), "{words}");
        assert!(words.contains("--review FILE"), "{words}");
        let skipped = [SkippedType {
            model_type: "evil\nFAKE\u{1b}[2J".into(),
            models: 3,
            reason: "no letters",
        }];
        let families = families_text(&table, &skipped);
        assert_eq!(families.lines().count(), 2, "{families}");
        assert!(!families.contains('\u{1b}'), "{families}");
    }
}
