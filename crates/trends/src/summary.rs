//! The analyses in words, for a terminal or a log: what a population is and leaves out, a
//! series' trend tests, how families were resolved, and the one-paragraph summaries of
//! `trends uploads` and `trends docs`. Names from outside have their control characters
//! escaped ([`escape_controls`]), line breaks too: a name cannot forge a line.

use std::fmt::{self, Write as _};

use hubscope_stats::{format_float, p_text};
use hubscope_store::Store;
use hubscope_store::text::escape_controls;
use hubscope_store::time::Month;

use crate::{Coverage, Docs, Models, MonthlyTable, Population, TrendTests, Uploads, Window};

/// A `--source` that names nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    #[error("--source {0:?}: no such source (`hubscope sources` lists them)")]
    NoSuchSource(String),
    #[error("--source {0:?}: not a source of models")]
    NotModels(String),
    #[error(transparent)]
    Store(#[from] hubscope_store::StoreError),
}

/// The census population over `window`, or the source named `source` (its id, path or file
/// name) on its own.
pub fn population(
    store: &Store,
    models: &Models,
    window: &Window,
    source: Option<&str>,
) -> Result<Population, PopulationError> {
    let Some(name) = source else {
        return Ok(Population::census(models, window));
    };
    let found = store
        .find_source(name)?
        .ok_or_else(|| PopulationError::NoSuchSource(name.into()))?;
    let index = models
        .sources
        .iter()
        .position(|s| s.id == found.id)
        .ok_or_else(|| PopulationError::NotModels(name.into()))?;
    Ok(Population::source(models, index, window))
}

impl Population {
    /// What the population is, and each stretch of months it leaves out with the reason.
    pub fn summary(&self) -> String {
        let mut text = format!("  population: {}\n", escape_controls(&self.describe()));
        for l in &self.left_out {
            let _ = writeln!(
                text,
                "  left out: {} ({} models): {}",
                l.months, l.models, l.reason
            );
        }
        text
    }
}

/// "12 months: Spearman ρ 0.41 (p 0.003); …", or why there are no tests.
impl fmt::Display for TrendTests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = self.spearman {
            parts.push(format!(
                "Spearman ρ {} (p {})",
                format_float(s.rho),
                p_text(s.p)
            ));
        }
        if let Some(m) = self.mann_kendall {
            parts.push(format!(
                "Mann–Kendall τ {} (p {}), Sen's slope {}/month",
                format_float(m.tau),
                p_text(m.p),
                format_float(m.sens_slope)
            ));
        }
        if let Some(s) = self.split {
            parts.push(format!(
                "before/after median {} vs {} (Mann–Whitney U {}, p {})",
                format_float(s.median1),
                format_float(s.median2),
                format_float(s.u),
                p_text(s.p)
            ));
        }
        if parts.is_empty() {
            write!(
                f,
                "{} complete month(s): too few for trend tests",
                self.months
            )
        } else {
            write!(f, "{} months: {}", self.months, parts.join("; "))
        }
    }
}

impl Coverage {
    /// How families were resolved; `within` names the models counted, when not all.
    pub fn summary(&self, within: &str) -> String {
        let parts: Vec<String> = self
            .by_method
            .iter()
            .map(|m| {
                format!(
                    "{} {} ({:.1}%)",
                    m.method.as_str(),
                    m.models,
                    m.share * 100.0
                )
            })
            .collect();
        format!(
            "  families{within}: {} of {} models resolved ({:.1}%): {}\n",
            self.resolved,
            self.models,
            self.share_resolved * 100.0,
            parts.join(", ")
        )
    }
}

impl Uploads {
    /// The counts, the population and an incomplete last month.
    pub fn summary(&self, population: &Population) -> String {
        let mut text = format!(
            "hubscope trends uploads: {} models in {} months ({}), {} groups by {}; {} without \
             the chosen date left out\n",
            self.counts.iter().flatten().sum::<u64>(),
            self.months.len(),
            match (self.months.first(), self.months.last()) {
                (Some(a), Some(b)) => format!("{a}..{b}"),
                _ => "none".into(),
            },
            self.groups.len(),
            self.by,
            self.undated
        );
        text.push_str(&population.summary());
        if self.last_incomplete
            && let Some(last) = self.months.last()
        {
            let _ = writeln!(
                text,
                "  {last} is covered only in part: flagged and left out of the tests"
            );
        }
        text
    }

    /// The ten largest groups with their trend tests.
    pub fn tests_summary(&self, population: &Population) -> String {
        let mut text = String::new();
        if population.is_sample() {
            text.push_str("  trend tests of the sample (they describe only the sample):\n");
        }
        for s in self.summary.iter().take(10) {
            let _ = writeln!(
                text,
                "  {:<24} {:>9} ({:>5.1}%)  {}",
                escape_controls(&s.group),
                s.total,
                s.share * 100.0,
                s.trend
            );
        }
        text
    }
}

impl Docs {
    /// The overall figures, the population and the two trends.
    pub fn summary(&self, population: &Population) -> String {
        let o = &self.overall;
        let mut text = format!(
            "hubscope trends docs: {} models in {} months, {} with a card ({:.1}%), {} cards \
             analysed{}; {} undated left out\n",
            o.models,
            self.rows.len(),
            o.with_card,
            o.card_ratio * 100.0,
            o.cards_analysed,
            o.median_card_words
                .map(|w| format!(
                    " (median {w:.0} words, mean score {:.1})",
                    o.mean_score.unwrap_or(0.0)
                ))
                .unwrap_or_default(),
            self.undated
        );
        text.push_str(&population.summary());
        let _ = writeln!(text, "  card ratio: {}", self.card_ratio_trend);
        if self.score_trend.months > 0 {
            let _ = writeln!(text, "  mean score: {}", self.score_trend);
        }
        text
    }
}

impl MonthlyTable {
    /// Every row tested over the table's months within `window` (all of them: a published
    /// table says itself which months are complete); empty cells count 0.
    pub fn trend_tests(&self, window: &Window) -> (Vec<Month>, Vec<(String, TrendTests)>) {
        let months: Vec<Month> = self
            .months
            .iter()
            .copied()
            .filter(|m| window.from.is_none_or(|f| *m >= f) && window.to.is_none_or(|t| *m <= t))
            .collect();
        let tests = self
            .rows
            .iter()
            .map(|(name, row)| {
                let values: Vec<f64> = months
                    .iter()
                    .map(|m| row.get(m).copied().unwrap_or(0.0))
                    .collect();
                (
                    self.display(name).to_string(),
                    TrendTests::of(&months, &values, window),
                )
            })
            .collect();
        (months, tests)
    }
}

/// The sources of a store in words: id, kind, frame and name; what a census covers; how it was
/// declared and what it says it describes.
pub fn sources_text(facts: &[crate::SourceFacts]) -> String {
    use hubscope_store::Frame;
    let mut out = String::new();
    for f in facts {
        let s = &f.source;
        let _ = writeln!(
            out,
            "{:>3}  {:<11} {:<7} {}",
            s.id,
            escape_controls(&s.kind),
            s.declared.frame.as_str(),
            escape_controls(&s.name)
        );
        let covers = match (f.complete, f.partial) {
            (Some(c), Some(p)) => format!("covers {c} wholly, {p} in part"),
            (Some(c), None) => format!("covers {c} wholly"),
            (None, Some(p)) => format!("covers {p} in part"),
            (None, None) if s.declared.frame == Frame::Census => "covers no month".into(),
            (None, None) => "a sample: no trend is drawn from it".into(),
        };
        if s.kind == "models" {
            let _ = writeln!(
                out,
                "     {} models, {} dated{}; {covers}",
                f.models,
                f.dated,
                f.data.map(|d| format!(" ({d})")).unwrap_or_default()
            );
        }
        let _ = writeln!(out, "     {}", escape_controls(&s.declared_words()));
        if let Some(d) = &s.declared.describes {
            let _ = writeln!(out, "     {}", escape_controls(d));
        }
    }
    if facts.is_empty() {
        out.push_str("no sources yet: ingest or crawl first\n");
    }
    out
}

impl crate::Correlations {
    /// The correlation of table `a` with table `b` in words: the common months and names, why
    /// nothing was correlated, or ρ across families and for the ten largest.
    pub fn summary(&self, a: &str, b: &str) -> String {
        let (a, b) = (escape_controls(a), escape_controls(b));
        let mut text = format!(
            "hubscope correlate: {a} vs {b}: {} common months ({}), {} names in both ({} only in \
             {a}, {} only in {b})\n",
            self.months.len(),
            match (self.months.first(), self.months.last()) {
                (Some(x), Some(y)) => format!("{x}..{y}"),
                _ => "none".into(),
            },
            self.families.len(),
            self.only_in_a.len(),
            self.only_in_b.len()
        );
        if let Some(why) = &self.not_computed {
            let _ = writeln!(text, "  not correlated: {why}");
            return text;
        }
        match self.across_families {
            Some(r) => {
                let _ = writeln!(
                    text,
                    "  across families (totals over {} months): Spearman ρ {:.3} (p {}, n {})",
                    match self.totals {
                        crate::Totals::Shared => "the shared",
                        crate::Totals::Own => "each table's own",
                    },
                    r.rho,
                    p_text(r.p),
                    r.n
                );
            }
            None => text.push_str(
                "  across families: too few families (or constant totals) for Spearman\n",
            ),
        }
        for f in self.families.iter().take(10) {
            let family = escape_controls(&f.family);
            let _ = match f.correlation {
                Some(r) => writeln!(
                    text,
                    "  {:<20} {:>8} {:>8}  ρ {:>6.3} (p {}, n {})",
                    family,
                    f.total_a,
                    f.total_b,
                    r.rho,
                    p_text(r.p),
                    r.n
                ),
                None => writeln!(
                    text,
                    "  {:<20} {:>8} {:>8}  ρ undefined (a series is constant over the months)",
                    family, f.total_a, f.total_b
                ),
            };
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_table_is_tested_row_by_row_within_the_window_and_said_in_words() {
        let csv = "family,2022-01,2022-02,2022-03,2022-04,2022-05,2022-06\n\
                   rising,1,2,3,4,5,6\n\
                   short,,,,,,9\n";
        let table = MonthlyTable::parse_wide_csv(csv.as_bytes(), "t.csv").unwrap();
        let window = Window {
            from: Month::parse("2022-02"),
            ..Window::default()
        };
        let (months, tests) = table.trend_tests(&window);
        assert_eq!(months.len(), 5);
        let (name, rising) = &tests[0];
        assert_eq!(name, "rising");
        assert_eq!(rising.months, 5);
        let text = rising.to_string();
        assert!(text.starts_with("5 months: Spearman ρ 1 (p "), "{text}");
        assert!(text.contains("Sen's slope 1/month"), "{text}");
        // Empty cells count 0: a series of four zeros and a nine still has five months.
        assert_eq!(tests[1].1.months, 5);
        let none = TrendTests::of(&months[..2], &[1.0, 2.0], &window);
        assert_eq!(
            none.to_string(),
            "2 complete month(s): too few for trend tests"
        );
    }
}
