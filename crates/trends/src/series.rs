//! Monthly series: uploads per group (family, pipeline, library, author) and documentation per
//! creation month, each with its trend tests. The last month of the data is incomplete (the
//! snapshot ends inside it): it is flagged and left out of every statistic. Pure.

use std::collections::HashMap;

use hubscope_card::CanonicalSection;
use hubscope_stats::{
    Correlation, MannKendall, MannWhitney, mann_kendall, mann_whitney, median, spearman,
};
use hubscope_store::time::Month;
use serde::Serialize;

use crate::family::{Resolution, UNKNOWN};
use crate::frames::Population;
use crate::models::Models;

/// What to group uploads by; families as resolved (the other groups need no resolution).
#[derive(Debug, Clone, Copy)]
pub enum GroupBy<'a> {
    Family(&'a Resolution),
    Pipeline,
    Library,
    Author,
}

/// Which date makes a model's month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateBasis {
    /// The repository's creation date (`createdAt`).
    #[default]
    Created,
    /// The date of the repository's first commit (the study's creation date), when crawled.
    FirstCommit,
}

/// The months to report and how to test them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Option<Month>,
    pub to: Option<Month>,
    /// Compare the months before this one with this one and after (Mann–Whitney U).
    pub split_at: Option<Month>,
    pub basis: DateBasis,
}

/// Trend tests of one monthly series (complete months only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendTests {
    /// Complete months tested.
    pub months: usize,
    /// Spearman's ρ of the values against time.
    pub spearman: Option<Correlation>,
    pub mann_kendall: Option<MannKendall>,
    /// Before `split_at` against from `split_at` on.
    pub split: Option<MannWhitney>,
}

impl TrendTests {
    pub fn of(months: &[Month], values: &[f64], window: &Window) -> TrendTests {
        let time: Vec<f64> = (0..values.len()).map(|i| i as f64).collect();
        let split = window.split_at.and_then(|at| {
            let (mut before, mut after) = (Vec::new(), Vec::new());
            for (m, v) in months.iter().zip(values) {
                if *m < at {
                    before.push(*v);
                } else {
                    after.push(*v);
                }
            }
            mann_whitney(&before, &after)
        });
        TrendTests {
            months: values.len(),
            spearman: spearman(&time, values),
            mann_kendall: mann_kendall(values),
            split,
        }
    }
}

/// One month of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadRow {
    pub month: Month,
    pub group: String,
    pub uploads: u64,
    /// The group's uploads up to and including this month.
    pub cumulative: u64,
    /// The group's share of this month's uploads.
    pub share_of_month: f64,
    /// The group's cumulative uploads over all groups' cumulative uploads.
    pub cumulative_share: f64,
    /// The last month of the data, not over yet when the data was taken.
    pub incomplete: bool,
}

/// A group's totals and trend tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub group: String,
    pub total: u64,
    pub share: f64,
    pub trend: TrendTests,
}

/// Uploads per month and group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uploads {
    pub by: &'static str,
    pub months: Vec<Month>,
    /// Groups, largest first (then `(other)` when `--top` cut some).
    pub groups: Vec<String>,
    /// `counts[group][month]`.
    pub counts: Vec<Vec<u64>>,
    /// Whether the data's last month (incomplete) is among `months`.
    pub last_incomplete: bool,
    pub rows: Vec<UploadRow>,
    pub summary: Vec<GroupSummary>,
    /// Models without the chosen date, left out.
    pub undated: u64,
}

/// Uploads per month, grouped, over the months of `population` (its models only);
/// `top` keeps the largest groups and sums the rest as `(other)`.
pub fn uploads(
    models: &Models,
    by: GroupBy<'_>,
    top: Option<usize>,
    population: &Population,
) -> Uploads {
    // Each model's group as an index into its names (`None`: no value), and the label of each.
    let key = |i: usize| -> Option<u32> {
        let m = &models.models[i];
        match by {
            GroupBy::Family(families) => families.family[i],
            GroupBy::Pipeline => m.pipeline,
            GroupBy::Library => m.library,
            GroupBy::Author => m.author,
        }
    };
    let keys = match by {
        GroupBy::Family(families) => families.names.len(),
        GroupBy::Pipeline => models.pipelines.len(),
        GroupBy::Library => models.libraries.len(),
        GroupBy::Author => models.authors.len(),
    };
    fn label<'a>(models: &'a Models, by: GroupBy<'a>, key: Option<u32>) -> &'a str {
        let none = "(none)";
        match by {
            GroupBy::Family(families) => {
                key.map_or(UNKNOWN, |f| families.names[f as usize].as_str())
            }
            GroupBy::Pipeline => key.map_or(none, |p| models.pipelines.get(p)),
            GroupBy::Library => key.map_or(none, |p| models.libraries.get(p)),
            GroupBy::Author => key.map_or(none, |p| models.authors.get(p)),
        }
    }
    let months = population.months.clone();
    let first = months.first().map_or(0, |m| m.ordinal());
    // Group of each key (slot 0: no value), found by label the first time a key is seen: two
    // keys of one label are one group.
    let mut slot: Vec<Option<usize>> = vec![None; keys + 1];
    let mut group_index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<String> = Vec::new();
    let mut counts: Vec<Vec<u64>> = Vec::new();
    for i in 0..models.models.len() {
        let Some(month) = population.counted_month(models, i) else {
            continue;
        };
        // Counted months are the population's, contiguous.
        let at = (month.ordinal() - first) as usize;
        let k = key(i);
        let s = k.map_or(0, |k| k as usize + 1);
        let g = match slot.get(s).copied().flatten() {
            Some(g) => g,
            None => {
                let name = label(models, by, k);
                let g = *group_index.entry(name).or_insert_with(|| {
                    groups.push(name.to_string());
                    counts.push(vec![0; months.len()]);
                    groups.len() - 1
                });
                if let Some(cell) = slot.get_mut(s) {
                    *cell = Some(g);
                }
                g
            }
        };
        counts[g][at] += 1;
    }
    // Largest first; ties by name.
    let totals: Vec<u64> = counts.iter().map(|c| c.iter().sum()).collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| {
        totals[b]
            .cmp(&totals[a])
            .then_with(|| groups[a].cmp(&groups[b]))
    });
    let (mut kept_groups, mut kept_counts): (Vec<String>, Vec<Vec<u64>>) = (Vec::new(), Vec::new());
    let mut other = vec![0u64; months.len()];
    let mut cut = false;
    for (rank, &g) in order.iter().enumerate() {
        if top.is_some_and(|n| rank >= n) {
            cut = true;
            for (o, c) in other.iter_mut().zip(&counts[g]) {
                *o += c;
            }
        } else {
            kept_groups.push(groups[g].clone());
            kept_counts.push(counts[g].clone());
        }
    }
    if cut {
        kept_groups.push("(other)".into());
        kept_counts.push(other);
    }
    // The partial last month is shown, never tested.
    let last_incomplete = population.partial.is_some();
    let complete = population.complete_months().len();
    let month_totals: Vec<u64> = (0..months.len())
        .map(|m| kept_counts.iter().map(|c| c[m]).sum())
        .collect();
    let mut rows = Vec::new();
    let mut cumulative = vec![0u64; kept_groups.len()];
    let mut all_cumulative = 0u64;
    for (m, &month) in months.iter().enumerate() {
        all_cumulative += month_totals[m];
        for (g, group) in kept_groups.iter().enumerate() {
            cumulative[g] += kept_counts[g][m];
            rows.push(UploadRow {
                month,
                group: group.clone(),
                uploads: kept_counts[g][m],
                cumulative: cumulative[g],
                share_of_month: ratio(kept_counts[g][m], month_totals[m]),
                cumulative_share: ratio(cumulative[g], all_cumulative),
                incomplete: population.partial == Some(month),
            });
        }
    }
    let grand: u64 = kept_counts.iter().flatten().sum();
    let summary = kept_groups
        .iter()
        .zip(&kept_counts)
        .map(|(group, c)| {
            let values: Vec<f64> = c[..complete].iter().map(|&v| v as f64).collect();
            let total = c.iter().sum();
            GroupSummary {
                group: group.clone(),
                total,
                share: ratio(total, grand),
                trend: TrendTests::of(&months[..complete], &values, &population.window),
            }
        })
        .collect();
    Uploads {
        by: match by {
            GroupBy::Family(_) => "family",
            GroupBy::Pipeline => "pipeline",
            GroupBy::Library => "library",
            GroupBy::Author => "author",
        },
        months,
        groups: kept_groups,
        counts: kept_counts,
        last_incomplete,
        rows,
        summary,
        undated: population.undated(models),
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Documentation of the models created in one month (or overall).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocsRow {
    /// `None` for the overall row.
    pub month: Option<Month>,
    pub models: u64,
    pub with_card: u64,
    /// with_card / models.
    pub card_ratio: f64,
    /// Models whose card text was analysed (a stored card revision).
    pub cards_analysed: u64,
    pub median_card_words: Option<f64>,
    pub mean_score: Option<f64>,
    /// Share of analysed cards with each canonical section filled, in template order.
    pub section_filled: Vec<(CanonicalSection, f64)>,
    pub incomplete: bool,
}

/// Documentation per creation month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Docs {
    pub rows: Vec<DocsRow>,
    pub overall: DocsRow,
    /// Trend tests of the card ratio over complete months.
    pub card_ratio_trend: TrendTests,
    /// Trend tests of the mean score over complete months with analysed cards.
    pub score_trend: TrendTests,
    pub undated: u64,
}

#[derive(Default)]
struct DocsAcc {
    models: u64,
    with_card: u64,
    words: Vec<u32>,
    score_sum: u64,
    filled: [u64; 13],
}

impl DocsAcc {
    fn add(&mut self, has_card: bool, card: Option<crate::models::CardFacts>) {
        self.models += 1;
        self.with_card += u64::from(has_card);
        if let Some(c) = card {
            self.words.push(c.words);
            self.score_sum += u64::from(c.score);
            for (i, f) in self.filled.iter_mut().enumerate() {
                *f += u64::from(c.filled & (1 << i) != 0);
            }
        }
    }

    fn row(self, month: Option<Month>, incomplete: bool) -> DocsRow {
        let analysed = self.words.len() as u64;
        let words: Vec<f64> = self.words.iter().map(|&w| f64::from(w)).collect();
        let median = (!words.is_empty()).then(|| median(&words));
        DocsRow {
            month,
            models: self.models,
            with_card: self.with_card,
            card_ratio: ratio(self.with_card, self.models),
            cards_analysed: analysed,
            median_card_words: median,
            mean_score: (analysed > 0).then(|| self.score_sum as f64 / analysed as f64),
            section_filled: CanonicalSection::ALL
                .iter()
                .zip(self.filled)
                .map(|(s, n)| (*s, ratio(n, analysed)))
                .collect(),
            incomplete,
        }
    }
}

/// Documentation per creation month, over the months of `population` (its models only).
pub fn docs(models: &Models, population: &Population) -> Docs {
    // The window's months are contiguous: one accumulator per month, found by position.
    let months = &population.months;
    let mut by_month: Vec<DocsAcc> = months.iter().map(|_| DocsAcc::default()).collect();
    let base = months.first().map_or(0, |m| i64::from(m.ordinal()));
    let mut overall = DocsAcc::default();
    for (i, model) in models.models.iter().enumerate() {
        let Some(m) = population.counted_month(models, i) else {
            continue;
        };
        if let Some(acc) = usize::try_from(i64::from(m.ordinal()) - base)
            .ok()
            .and_then(|at| by_month.get_mut(at))
        {
            acc.add(model.has_card, model.card);
        }
        overall.add(model.has_card, model.card);
    }
    let rows: Vec<DocsRow> = months
        .iter()
        .zip(by_month)
        .map(|(m, acc)| acc.row(Some(*m), population.partial == Some(*m)))
        .collect();
    let complete: Vec<&DocsRow> = rows.iter().filter(|r| !r.incomplete).collect();
    let with_models: Vec<&&DocsRow> = complete.iter().filter(|r| r.models > 0).collect();
    let window = &population.window;
    let card_ratio_trend = TrendTests::of(
        &with_models
            .iter()
            .filter_map(|r| r.month)
            .collect::<Vec<_>>(),
        &with_models.iter().map(|r| r.card_ratio).collect::<Vec<_>>(),
        window,
    );
    let scored: Vec<&&DocsRow> = complete.iter().filter(|r| r.mean_score.is_some()).collect();
    let score_trend = TrendTests::of(
        &scored.iter().filter_map(|r| r.month).collect::<Vec<_>>(),
        &scored
            .iter()
            .filter_map(|r| r.mean_score)
            .collect::<Vec<_>>(),
        window,
    );
    Docs {
        rows,
        overall: overall.row(None, false),
        card_ratio_trend,
        score_trend,
        undated: population.undated(models),
    }
}

/// The analysed cards (models with a stored README analysis), whatever their frame: one row
/// over all of them, and how many each source holds (indices into [`Models::sources`]). What
/// they say describes the sources that hold them, not the Hub.
pub fn card_analyses(models: &Models) -> (DocsRow, Vec<(usize, u64)>) {
    let mut acc = DocsAcc::default();
    let mut by_source: HashMap<usize, u64> = HashMap::new();
    for (i, model) in models.models.iter().enumerate() {
        if model.card.is_none() {
            continue;
        }
        acc.add(model.has_card, model.card);
        for &s in models.sources_of(i) {
            *by_source.entry(usize::from(s)).or_default() += 1;
        }
    }
    let mut sources: Vec<(usize, u64)> = by_source.into_iter().collect();
    sources.sort_unstable();
    (acc.row(None, false), sources)
}

/// Uploads of each family per complete month of `population`, for correlations:
/// `(months, family name → counts over those months)`; `unknown` is left out.
pub fn family_series(
    models: &Models,
    families: &Resolution,
    population: &Population,
) -> (Vec<Month>, HashMap<String, Vec<u64>>) {
    let months = population.complete_months().to_vec();
    let position: HashMap<Month, usize> = months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut out: HashMap<String, Vec<u64>> = HashMap::new();
    for i in 0..models.models.len() {
        let Some(&at) = population
            .counted_month(models, i)
            .and_then(|m| position.get(&m))
        else {
            continue;
        };
        let name = families.name(i);
        if name == UNKNOWN {
            continue;
        }
        out.entry(name.to_string())
            .or_insert_with(|| vec![0; months.len()])[at] += 1;
    }
    (months, out)
}
