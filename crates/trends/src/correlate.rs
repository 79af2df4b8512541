//! Mentions against uploads: for every family, Spearman's ρ between its monthly mentions and
//! its monthly uploads; across families, Spearman's ρ between their totals. Works on two
//! [`MonthlyTable`]s, built from the store or parsed from published wide CSVs. Pure: the
//! caller reads the files.

use std::collections::{BTreeMap, BTreeSet};

use hubscope_stats::{Correlation, spearman};
use hubscope_store::time::Month;
use serde::Serialize;

/// Counts per name and month.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthlyTable {
    /// Name (trimmed, lower case) → counts by month (missing months are 0).
    pub rows: BTreeMap<String, BTreeMap<Month, f64>>,
    /// Name (trimmed, lower case) → the name as first written.
    pub names: BTreeMap<String, String>,
    /// Every month the table has a column (or a value) for.
    pub months: BTreeSet<Month>,
}

/// A wide CSV that cannot be read, with the place to fix.
#[derive(Debug, thiserror::Error)]
pub enum TableFileError {
    #[error("{path}: {source}")]
    Csv { path: String, source: csv::Error },
    #[error("{path}: no column is a month (headers written YYYY-MM or YYYY-MM-DD)")]
    NoMonths { path: String },
    #[error("{path}, line {line}, column '{column}': '{value}' is not a number")]
    NotANumber {
        path: String,
        line: u64,
        column: String,
        value: String,
    },
    #[error("{path}, line {line}: name '{name}' appears twice (also on line {first})")]
    Duplicate {
        path: String,
        line: u64,
        name: String,
        first: u64,
    },
}

impl MonthlyTable {
    fn key(name: &str) -> String {
        name.trim().to_lowercase()
    }

    /// Adds `value` to `name` in `month`.
    pub fn add(&mut self, name: &str, month: Month, value: f64) {
        let key = Self::key(name);
        self.names
            .entry(key.clone())
            .or_insert_with(|| name.trim().to_string());
        *self.rows.entry(key).or_default().entry(month).or_default() += value;
        self.months.insert(month);
    }

    /// Parses a published wide table (the bytes of a CSV file; `shown` names it in errors):
    /// the first column that is not a month holds the names; columns headed `YYYY-MM` or
    /// `YYYY-MM-DD` are months (several dates of one month add up); every other column (sums,
    /// ratios) is ignored; empty cells are 0. Names are matched case-insensitively after
    /// trimming.
    pub fn parse_wide_csv(bytes: &[u8], shown: &str) -> Result<MonthlyTable, TableFileError> {
        let shown = shown.to_string();
        let csv_error = |source| TableFileError::Csv {
            path: shown.clone(),
            source,
        };
        let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        // A semicolon- or tab-separated export (spreadsheets in many locales) is read as such.
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(hubscope_source::spreadsheet::sniff_delimiter(text))
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text);
        let headers = reader.headers().map_err(csv_error)?.clone();
        let month_of_column: Vec<Option<Month>> = headers
            .iter()
            .map(|h| {
                let h = h.trim();
                // A month or a date, nothing more (not a timestamp, not "2023-04 share").
                (h.len() == 7 || h.len() == 10)
                    .then(|| Month::parse(h))
                    .flatten()
            })
            .collect();
        if month_of_column.iter().all(Option::is_none) {
            return Err(TableFileError::NoMonths { path: shown });
        }
        let name_column = month_of_column
            .iter()
            .position(Option::is_none)
            .unwrap_or(0);
        let mut table = MonthlyTable {
            months: month_of_column.iter().flatten().copied().collect(),
            ..MonthlyTable::default()
        };
        let mut first_line_of: BTreeMap<String, u64> = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            let name = record.get(name_column).unwrap_or("").trim();
            if name.is_empty() {
                continue;
            }
            let key = Self::key(name);
            if let Some(&first) = first_line_of.get(&key) {
                return Err(TableFileError::Duplicate {
                    path: shown,
                    line,
                    name: name.to_string(),
                    first,
                });
            }
            first_line_of.insert(key.clone(), line);
            table.names.insert(key.clone(), name.to_string());
            let row = table.rows.entry(key).or_default();
            for (c, month) in month_of_column.iter().enumerate() {
                let Some(month) = month else { continue };
                let cell = record.get(c).unwrap_or("").trim();
                let value = if cell.is_empty() {
                    0.0
                } else {
                    cell.replace('_', "")
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| TableFileError::NotANumber {
                            path: shown.clone(),
                            line,
                            column: headers.get(c).unwrap_or("").to_string(),
                            value: cell.to_string(),
                        })?
                };
                *row.entry(*month).or_default() += value;
            }
        }
        Ok(table)
    }

    /// The name as written for a key.
    pub fn display<'a>(&'a self, key: &'a str) -> &'a str {
        self.names.get(key).map_or(key, String::as_str)
    }

    fn series(&self, key: &str, months: &[Month]) -> Vec<f64> {
        let row = self.rows.get(key);
        months
            .iter()
            .map(|m| row.and_then(|r| r.get(m)).copied().unwrap_or(0.0))
            .collect()
    }

    fn total(&self, key: &str, months: &[Month]) -> f64 {
        self.series(key, months).iter().sum()
    }
}

/// One family's correlation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyCorrelation {
    /// The name as table `a` writes it.
    pub family: String,
    /// The name as matched (trimmed, lower case).
    #[serde(skip)]
    pub key: String,
    /// Totals over the months the totals are taken over (see [`Totals`]).
    pub total_a: f64,
    pub total_b: f64,
    /// `None` when a series is constant over the months (ρ undefined) or too short.
    pub correlation: Option<Correlation>,
}

/// Which months the families' totals (and so the across-family Spearman) are taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Totals {
    /// The months both tables have (and `from..=to`): both totals describe the same months.
    #[default]
    Shared,
    /// Each table's own months (within `from..=to`): what a published total column holds.
    Own,
}

/// How to correlate two monthly tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelateOptions {
    pub from: Option<Month>,
    pub to: Option<Month>,
    pub totals: Totals,
    /// Fewer common months than this and no correlation is computed: a Spearman ρ over a
    /// handful of months says little, and its p-value less.
    pub min_months: usize,
}

/// The least number of common months for a correlation, by default.
pub const MIN_CORRELATION_MONTHS: usize = 12;

impl Default for CorrelateOptions {
    fn default() -> Self {
        CorrelateOptions {
            from: None,
            to: None,
            totals: Totals::Shared,
            min_months: MIN_CORRELATION_MONTHS,
        }
    }
}

/// Correlations of two monthly tables over their common months.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlations {
    pub months: Vec<Month>,
    /// Families in both tables, largest total of `a` first.
    pub families: Vec<FamilyCorrelation>,
    /// Spearman between the families' totals.
    pub across_families: Option<Correlation>,
    /// Names only in one table.
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
    pub totals: Totals,
    /// Why nothing was correlated (too few common months), when so.
    pub not_computed: Option<String>,
}

/// Correlates `a` (e.g. mentions) with `b` (e.g. uploads) over the months both have, within
/// `from..=to`: per family over those months; across families between totals taken over the
/// months [`Totals`] says. Under `min_months` common months, nothing is correlated and
/// `not_computed` says why.
pub fn correlate(a: &MonthlyTable, b: &MonthlyTable, options: &CorrelateOptions) -> Correlations {
    let in_range =
        |m: &Month| options.from.is_none_or(|f| *m >= f) && options.to.is_none_or(|t| *m <= t);
    let months: Vec<Month> = a
        .months
        .intersection(&b.months)
        .copied()
        .filter(in_range)
        .collect();
    let too_short = months.len() < options.min_months.max(3);
    let not_computed = too_short.then(|| {
        format!(
            "{} common month{} ({}): at least {} are needed for a correlation",
            months.len(),
            if months.len() == 1 { "" } else { "s" },
            match (months.first(), months.last()) {
                (Some(x), Some(y)) => format!("{x}..{y}"),
                _ => "none".into(),
            },
            options.min_months.max(3)
        )
    });
    let (months_a, months_b): (Vec<Month>, Vec<Month>) = match options.totals {
        Totals::Shared => (months.clone(), months.clone()),
        Totals::Own => (
            a.months.iter().copied().filter(in_range).collect(),
            b.months.iter().copied().filter(in_range).collect(),
        ),
    };
    let mut families: Vec<FamilyCorrelation> = a
        .rows
        .keys()
        .filter(|k| b.rows.contains_key(*k))
        .map(|k| {
            let (x, y) = (a.series(k, &months), b.series(k, &months));
            FamilyCorrelation {
                family: a.display(k).to_string(),
                key: k.clone(),
                total_a: a.total(k, &months_a),
                total_b: b.total(k, &months_b),
                correlation: if too_short { None } else { spearman(&x, &y) },
            }
        })
        .collect();
    families.sort_by(|p, q| {
        q.total_a
            .total_cmp(&p.total_a)
            .then_with(|| p.family.cmp(&q.family))
    });
    let totals_a: Vec<f64> = families.iter().map(|f| f.total_a).collect();
    let totals_b: Vec<f64> = families.iter().map(|f| f.total_b).collect();
    Correlations {
        across_families: if too_short {
            None
        } else {
            spearman(&totals_a, &totals_b)
        },
        only_in_a: a
            .rows
            .keys()
            .filter(|k| !b.rows.contains_key(*k))
            .cloned()
            .collect(),
        only_in_b: b
            .rows
            .keys()
            .filter(|k| !a.rows.contains_key(*k))
            .cloned()
            .collect(),
        months,
        families,
        totals: options.totals,
        not_computed,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(path: &std::path::Path) -> Result<MonthlyTable, TableFileError> {
        MonthlyTable::parse_wide_csv(&std::fs::read(path).unwrap(), &path.display().to_string())
    }

    #[test]
    fn wide_tables_with_extra_columns_dates_and_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(
            &a,
            "\u{feff}Model,2021-01,2021-02-01,2021-02-15,2021-03,Sum,Ratio 2021-03\n\
             BERT ,3,1,1,,5,0.2\n gpt2,1,2,,4,7,0.5\nt5,0,0,0,1,1,1\n",
        )
        .unwrap();
        let t = read(&a).unwrap();
        assert_eq!(t.months.len(), 3);
        assert_eq!(
            t.rows["bert"].values().copied().collect::<Vec<_>>(),
            [3.0, 2.0, 0.0]
        );
        assert_eq!(
            t.rows["gpt2"].values().copied().collect::<Vec<_>>(),
            [1.0, 2.0, 4.0]
        );

        let b = dir.path().join("b.csv");
        std::fs::write(
            &b,
            "family;2021-02;2021-03;2021-04\nbert;10;20;30\nGPT2;5;6;7\nllama;1;2;3\n",
        )
        .unwrap();
        let u = read(&b).unwrap();
        let short = CorrelateOptions {
            min_months: 2,
            ..CorrelateOptions::default()
        };
        let c = correlate(&t, &u, &short);
        assert_eq!(c.months.len(), 2);
        assert_eq!(c.families.len(), 2);
        assert_eq!(c.only_in_a, ["t5"]);
        assert_eq!(c.only_in_b, ["llama"]);
        // Totals are matched by key, whatever the case a table writes the name in: BERT over
        // the two shared months (2 + 0), gpt2 (2 + 4).
        let bert = c.families.iter().find(|f| f.key == "bert").unwrap();
        assert_eq!(
            (bert.family.as_str(), bert.total_a, bert.total_b),
            ("BERT", 2.0, 30.0)
        );
        // Each table's own months: what a published total column holds.
        let own = correlate(
            &t,
            &u,
            &CorrelateOptions {
                totals: Totals::Own,
                ..short
            },
        );
        let bert = own.families.iter().find(|f| f.key == "bert").unwrap();
        assert_eq!((bert.total_a, bert.total_b), (5.0, 60.0));
        // Two common months are too few by default: nothing is correlated, and it says why.
        let c = correlate(&t, &u, &CorrelateOptions::default());
        assert!(c.across_families.is_none() && c.families.iter().all(|f| f.correlation.is_none()));
        assert!(
            c.not_computed
                .as_deref()
                .unwrap()
                .contains("2 common months (2021-02..2021-03)"),
            "{:?}",
            c.not_computed
        );

        std::fs::write(&b, "family,2021-02\nbert,many\n").unwrap();
        let e = read(&b).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("'many'"), "{e}");
        std::fs::write(&b, "family,total\nbert,1\n").unwrap();
        assert!(
            read(&b)
                .unwrap_err()
                .to_string()
                .contains("no column is a month")
        );
        std::fs::write(&b, "family,2021-02\nbert,1\n BERT,2\n").unwrap();
        assert!(read(&b).unwrap_err().to_string().contains("appears twice"));
    }
}
