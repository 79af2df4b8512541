//! The monthly mention series as tables: long (`month,family,topics`, one row per month and
//! family) and wide (one row per family, one column per month, then the total — the layout the
//! study published), as CSV or JSON.

use std::io::Write;

use hubscope_store::time::Month;
use serde::Serialize;

use crate::count::Tally;
use crate::matcher::Family;

/// Topics per family and month, for the families mentioned at least once, most mentioned
/// first; every month of the range is present, zeros included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MentionTable {
    pub months: Vec<Month>,
    pub families: Vec<String>,
    /// `counts[family][month]`.
    pub counts: Vec<Vec<u32>>,
    pub totals: Vec<u64>,
    /// Topics read per month (the denominator of a share).
    pub topics_per_month: Vec<u64>,
}

#[derive(Serialize)]
struct LongRow<'a> {
    month: Month,
    family: &'a str,
    topics: u32,
}

#[derive(Serialize)]
struct WideRow<'a> {
    family: &'a str,
    months: serde_json::Map<String, serde_json::Value>,
    total: u64,
}

impl MentionTable {
    /// The table of a tally, over `from..=to` when given, else over the months that have
    /// topics, first to last.
    pub fn new(tally: &Tally, families: &[Family], from: Option<Month>, to: Option<Month>) -> Self {
        let first = from.or_else(|| tally.months.keys().next().copied());
        let last = to.or_else(|| tally.months.keys().next_back().copied());
        let months: Vec<Month> = match (first, last) {
            (Some(a), Some(b)) => a.through(b).collect(),
            _ => Vec::new(),
        };
        let in_range = |f: usize| -> Vec<u32> {
            months
                .iter()
                .map(|m| tally.months.get(m).map_or(0, |c| c.by_family[f]))
                .collect()
        };
        let all: Vec<Vec<u32>> = (0..families.len()).map(in_range).collect();
        let total = |f: usize| -> u64 { all[f].iter().map(|&c| u64::from(c)).sum() };
        let mut order: Vec<usize> = (0..families.len()).filter(|&f| total(f) > 0).collect();
        order.sort_by(|&a, &b| {
            total(b)
                .cmp(&total(a))
                .then_with(|| families[a].name.cmp(&families[b].name))
        });
        let counts: Vec<Vec<u32>> = order.iter().map(|&f| all[f].clone()).collect();
        MentionTable {
            totals: counts
                .iter()
                .map(|row| row.iter().map(|&c| u64::from(c)).sum())
                .collect(),
            families: order.iter().map(|&f| families[f].name.clone()).collect(),
            topics_per_month: months
                .iter()
                .map(|m| tally.months.get(m).map_or(0, |c| c.topics))
                .collect(),
            months,
            counts,
        }
    }

    /// `month,family,topics`, months in order, families most mentioned first.
    pub fn write_long_csv(&self, out: impl Write) -> csv::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["month", "family", "topics"])?;
        for (m, month) in self.months.iter().enumerate() {
            for (f, family) in self.families.iter().enumerate() {
                w.write_record([
                    month.to_string().as_str(),
                    family,
                    &self.counts[f][m].to_string(),
                ])?;
            }
        }
        w.flush()?;
        Ok(())
    }

    /// `family,YYYY-MM,…,total`.
    pub fn write_wide_csv(&self, out: impl Write) -> csv::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec!["family".to_string()];
        header.extend(self.months.iter().map(Month::to_string));
        header.push("total".into());
        w.write_record(&header)?;
        for (f, family) in self.families.iter().enumerate() {
            let mut row = vec![family.clone()];
            row.extend(self.counts[f].iter().map(u32::to_string));
            row.push(self.totals[f].to_string());
            w.write_record(&row)?;
        }
        w.flush()?;
        Ok(())
    }

    /// A JSON array of `{month, family, topics}`.
    pub fn write_long_json(&self, out: impl Write) -> serde_json::Result<()> {
        let rows: Vec<LongRow> = self
            .months
            .iter()
            .enumerate()
            .flat_map(|(m, &month)| {
                self.families
                    .iter()
                    .enumerate()
                    .map(move |(f, family)| LongRow {
                        month,
                        family,
                        topics: self.counts[f][m],
                    })
            })
            .collect();
        serde_json::to_writer_pretty(out, &rows)
    }

    /// A JSON array of `{family, months: {YYYY-MM: topics}, total}`.
    pub fn write_wide_json(&self, out: impl Write) -> serde_json::Result<()> {
        let rows: Vec<WideRow> = self
            .families
            .iter()
            .enumerate()
            .map(|(f, family)| WideRow {
                family,
                months: self
                    .months
                    .iter()
                    .zip(&self.counts[f])
                    .map(|(m, c)| (m.to_string(), serde_json::Value::from(*c)))
                    .collect(),
                total: self.totals[f],
            })
            .collect();
        serde_json::to_writer_pretty(out, &rows)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::count::{CountOptions, Document, Source};
    use crate::matcher::{Context, Matcher};

    #[test]
    fn long_and_wide_hold_the_same_numbers() {
        let families: Vec<Family> = ["bert", "gpt2", "t5"]
            .iter()
            .map(|n| Family {
                name: n.to_string(),
                aliases: vec![],
                context: Context::Word,
            })
            .collect();
        let matcher = Matcher::new(families.clone()).unwrap();
        let docs: Vec<Document> = [("2020-12", "bert"), ("2021-02", "gpt2 and bert")]
            .iter()
            .enumerate()
            .map(|(i, (m, t))| Document {
                source: Source::Forum,
                id: i as i64,
                month: Month::parse(m).unwrap(),
                text: t.to_string(),
            })
            .collect();
        let mut tally = Tally::new(3);
        tally.add(&matcher, &docs, CountOptions::default());
        let table = MentionTable::new(&tally, &families, None, None);
        let mut wide = Vec::new();
        table.write_wide_csv(&mut wide).unwrap();
        assert_eq!(
            String::from_utf8(wide).unwrap(),
            "family,2020-12,2021-01,2021-02,total\nbert,1,0,1,2\ngpt2,0,0,1,1\n"
        );
        let mut long = Vec::new();
        table.write_long_csv(&mut long).unwrap();
        let long = String::from_utf8(long).unwrap();
        assert_eq!(long.lines().count(), 1 + 3 * 2);
        assert!(long.contains("2021-01,bert,0\n"));
        assert_eq!(table.topics_per_month, [1, 0, 1]);
        // A range narrower than the data.
        let feb = Month::parse("2021-02");
        let narrow = MentionTable::new(&tally, &families, feb, feb);
        assert_eq!(narrow.counts, [[1], [1]]);
    }
}
