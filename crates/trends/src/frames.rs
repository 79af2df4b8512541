//! Sampling frames in the analyses: which months a trend may cover, and which models count in
//! each of them.
//!
//! A trend over time compares months with each other, so every month must be counted the same
//! way. Only a **census** (every model created in a window) allows that: a month covered by a
//! sample alone holds whatever the sampler chose (16 families' fine-tunes, say, nearly all
//! documented), and a trend that runs from census months into sample months measures the change
//! of source, not a change on the Hub. So a [`Population`] is either
//!
//! - the **census population** ([`Population::census`]): the longest run of months that some
//!   census covers wholly (plus the month its snapshot cut short, flagged incomplete), counting in
//!   each month only the models of a census that covers it; or
//! - **one source on its own** ([`Population::source`]), a sample analysed as the sample it is.
//!
//! Every month left out is listed with the reason ([`LeftOut`]), and where two sources hold
//! models of the same months, [`overlaps`] says how well they agree. Pure.

use std::collections::{BTreeMap, HashMap};

use hubscope_store::time::Month;
use hubscope_store::{Frame, FrameDeclaration, MonthSpan, StoredSource};
use serde::Serialize;

use crate::models::Models;
use crate::series::{DateBasis, Window};

/// What a source of models holds, month by month, beside what was declared of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFacts {
    pub source: StoredSource,
    /// Models the source holds.
    pub models: u64,
    /// Of them, with a date of the chosen kind.
    pub dated: u64,
    /// The months of its models' dates.
    pub data: Option<MonthSpan>,
    /// The months a census covers wholly (`None` for a sample).
    pub complete: Option<MonthSpan>,
    /// The month its snapshot was taken in, covered only in part, when inside its window.
    pub partial: Option<Month>,
}

impl SourceFacts {
    pub fn is_census(&self) -> bool {
        self.source.declared.frame == Frame::Census
    }

    /// Whether a model of this source dated `m` counts in a census trend of month `m`.
    fn covers(&self, m: Month) -> bool {
        self.complete.is_some_and(|c| c.contains(m)) || self.partial == Some(m)
    }

    /// `name (census, 2018-11..2022-09)` and the like.
    pub fn label(&self) -> String {
        let window = match (self.complete, self.partial, self.data) {
            (Some(c), Some(p), _) if p == c.last.next() => format!(", {}..{p}", c.first),
            (Some(c), _, _) => format!(", {c}"),
            (None, Some(p), _) => format!(", {p}"),
            (None, None, Some(d)) => format!(", data {d}"),
            (None, None, None) => String::new(),
        };
        format!(
            "{} ({}{window})",
            self.source.short_name(),
            self.source.declared.frame.as_str()
        )
    }
}

/// Months left out of a trend, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftOut {
    pub months: MonthSpan,
    /// Dated models in those months, of any source.
    pub models: u64,
    pub reason: String,
}

/// Which population a trend describes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The models of the censuses, in the months they cover.
    Census,
    /// One source on its own.
    Source { index: usize, frame: Frame },
}

/// The months a trend covers and the models that count in them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Population {
    pub scope: Scope,
    /// The window's months, contiguous, ending with `partial` when there is one.
    pub months: Vec<Month>,
    /// The last month when the data covers it only in part: shown, never tested.
    pub partial: Option<Month>,
    /// Indices (into [`Models::sources`]) of the sources whose models count.
    pub sources: Vec<usize>,
    /// Months with data that the trend leaves out.
    pub left_out: Vec<LeftOut>,
    /// Models dated inside the window that do not count (no counted source covers their
    /// month: a sample's models in census months), by the label of the sources holding them.
    pub uncounted: Vec<(String, u64)>,
    /// Why the population is empty, when it is.
    pub empty_because: Option<String>,
    /// Every source of models, as the frames saw them.
    #[serde(skip)]
    pub facts: Vec<SourceFacts>,
    /// The options the series over it are computed with (date basis, split month).
    #[serde(skip)]
    pub window: Window,
    /// Per source set, the counted sources it holds.
    #[serde(skip)]
    set_covers: Vec<Vec<usize>>,
    /// Per source set and month of the window (by position), whether its models count then.
    #[serde(skip)]
    set_counts: Vec<Vec<bool>>,
}

/// The month of model `i` by the chosen date.
pub(crate) fn month_of(models: &Models, i: usize, basis: DateBasis) -> Option<Month> {
    let m = &models.models[i];
    match basis {
        DateBasis::Created => m.created,
        DateBasis::FirstCommit => m.first_commit,
    }
}

/// Each source of models with what its models' dates say.
pub fn source_facts(models: &Models, basis: DateBasis) -> Vec<SourceFacts> {
    let mut counts = vec![(0u64, 0u64, None::<Month>, None::<Month>); models.sources.len()];
    for i in 0..models.models.len() {
        let month = month_of(models, i, basis);
        for &s in models.sources_of(i) {
            let c = &mut counts[usize::from(s)];
            c.0 += 1;
            if let Some(m) = month {
                c.1 += 1;
                c.2 = Some(c.2.map_or(m, |x| x.min(m)));
                c.3 = Some(c.3.map_or(m, |x| x.max(m)));
            }
        }
    }
    models
        .sources
        .iter()
        .zip(counts)
        .map(|(source, (n, dated, first, last))| {
            let data = first.zip(last).and_then(|(a, b)| MonthSpan::new(a, b));
            let (complete, partial) = if source.declared.frame == Frame::Census {
                census_months(&source.declared, data)
            } else {
                (None, None)
            };
            SourceFacts {
                source: source.clone(),
                models: n,
                dated,
                data,
                complete,
                partial,
            }
        })
        .collect()
}

/// The months a census covers wholly, and the one its snapshot cut short. The window is the
/// declared one, else the months of its data; the snapshot is the declared one, else its latest
/// date: nothing after it is covered, its own month only in part.
fn census_months(
    declared: &FrameDeclaration,
    data: Option<MonthSpan>,
) -> (Option<MonthSpan>, Option<Month>) {
    // A census says nothing of months outside its own data: a declared window is kept within
    // them, so a window written wider (a typo, or a hostile manifest's 1000-01..9999-12) adds no
    // empty months to a trend.
    let Some(data) = data else {
        return (None, None);
    };
    let window = match declared.window {
        Some(w) => match MonthSpan::new(w.first.max(data.first), w.last.min(data.last)) {
            Some(w) => w,
            None => return (None, None),
        },
        None => data,
    };
    let data = Some(data);
    let snapshot = declared
        .snapshot
        .as_deref()
        .and_then(Month::parse)
        .or(data.map(|d| d.last));
    match snapshot {
        Some(s) if s <= window.last => {
            let complete = months_before(s).and_then(|b| MonthSpan::new(window.first, b));
            let partial = window.contains(s).then_some(s);
            (complete, partial)
        }
        _ => (Some(window), None),
    }
}

/// The month before `m`.
fn months_before(m: Month) -> Option<Month> {
    if m.month == 1 {
        Month::new(m.year.checked_sub(1)?, 12)
    } else {
        Month::new(m.year, m.month - 1)
    }
}

impl Population {
    /// The census population: the longest run of months (the latest, between runs of the same
    /// length) that a census covers wholly, within `window.from..=window.to`, followed by the
    /// month a census snapshot cut short when it comes next. In each month, the models of the
    /// censuses that cover it.
    pub fn census(models: &Models, window: &Window) -> Population {
        let facts = source_facts(models, window.basis);
        let in_range =
            |m: Month| window.from.is_none_or(|f| m >= f) && window.to.is_none_or(|t| m <= t);
        let mut complete: BTreeMap<Month, ()> = BTreeMap::new();
        let mut partial: BTreeMap<Month, ()> = BTreeMap::new();
        for f in facts.iter().filter(|f| f.is_census()) {
            if let Some(c) = f.complete {
                complete.extend(
                    c.first
                        .through(c.last)
                        .filter(|m| in_range(*m))
                        .map(|m| (m, ())),
                );
            }
            if let Some(p) = f.partial.filter(|p| in_range(*p)) {
                partial.insert(p, ());
            }
        }
        // The longest run of consecutive complete months.
        let mut best: Option<MonthSpan> = None;
        let mut run: Option<MonthSpan> = None;
        for &m in complete.keys() {
            run = match run {
                Some(r) if r.last.next() == m => Some(MonthSpan {
                    first: r.first,
                    last: m,
                }),
                _ => Some(MonthSpan { first: m, last: m }),
            };
            if let Some(r) = run
                && best.is_none_or(|b| r.months() >= b.months())
            {
                best = Some(r);
            }
        }
        let trailing = best
            .map(|b| b.last.next())
            .filter(|m| partial.contains_key(m));
        let months: Vec<Month> = best
            .map(|b| b.first.through(b.last).chain(trailing).collect())
            .unwrap_or_default();
        let sources: Vec<usize> = facts
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_census() && months.iter().any(|m| f.covers(*m)))
            .map(|(i, _)| i)
            .collect();
        let empty_because = months.is_empty().then(|| {
            if !facts.iter().any(SourceFacts::is_census) {
                "no source is a census: every model comes from a sample. Declare a census \
                 (ingest models FILE --frame census, hubscope sources declare) or analyse a \
                 sample on its own (--source NAME)"
                    .to_string()
            } else if window.from.is_some() || window.to.is_some() {
                "no whole census month falls within --from/--to".to_string()
            } else {
                "no census covers a whole month".to_string()
            }
        });
        Population {
            scope: Scope::Census,
            months,
            partial: trailing,
            sources,
            left_out: Vec::new(),
            uncounted: Vec::new(),
            empty_because,
            set_covers: Vec::new(),
            set_counts: Vec::new(),
            facts,
            window: *window,
        }
        .indexed(models, |m| {
            if !in_range(m) {
                "outside --from/--to".into()
            } else if complete.contains_key(&m) {
                "a census month apart from the analysed window".into()
            } else if partial.contains_key(&m) {
                "covered only in part: a census snapshot was taken in it".into()
            } else {
                "no census covers it".into()
            }
        })
    }

    /// One source on its own (`--source`): a census over the months it covers, a sample over
    /// the months of its data, its last month flagged incomplete.
    pub fn source(models: &Models, index: usize, window: &Window) -> Population {
        let facts = source_facts(models, window.basis);
        let in_range =
            |m: Month| window.from.is_none_or(|f| m >= f) && window.to.is_none_or(|t| m <= t);
        let f = &facts[index];
        let (span, partial) = if f.is_census() {
            let span = match (f.complete, f.partial) {
                (Some(c), Some(p)) if p == c.last.next() => MonthSpan::new(c.first, p),
                (Some(c), _) => Some(c),
                (None, Some(p)) => MonthSpan::new(p, p),
                (None, None) => None,
            };
            (span, f.partial)
        } else {
            (f.data, f.data.map(|d| d.last))
        };
        let months: Vec<Month> = span
            .map(|s| s.first.through(s.last).filter(|m| in_range(*m)).collect())
            .unwrap_or_default();
        let partial = partial.filter(|p| months.last() == Some(p));
        let empty_because = months.is_empty().then(|| {
            if f.dated == 0 {
                format!("{} holds no dated model", f.source.short_name())
            } else {
                format!(
                    "no month of {} falls within --from/--to",
                    f.source.short_name()
                )
            }
        });
        let frame = f.source.declared.frame;
        Population {
            scope: Scope::Source { index, frame },
            months,
            partial,
            sources: vec![index],
            left_out: Vec::new(),
            uncounted: Vec::new(),
            empty_because,
            set_covers: Vec::new(),
            set_counts: Vec::new(),
            facts,
            window: *window,
        }
        .indexed(models, |m| {
            if in_range(m) {
                "not in this source".into()
            } else {
                "outside --from/--to".into()
            }
        })
    }

    /// The population with its source sets indexed, and what it leaves out: the models inside
    /// its window that do not count, and the months outside it with their `reason`.
    fn indexed(mut self, models: &Models, reason: impl Fn(Month) -> String) -> Population {
        self.index_sets(models);
        self.uncounted = self.uncounted_models(models);
        self.left_out = self.left_out_months(models, reason);
        self
    }

    /// For each source set, the counted sources it holds.
    fn index_sets(&mut self, models: &Models) {
        self.set_covers = models
            .source_sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|&s| usize::from(s))
                    .filter(|s| self.sources.contains(s))
                    .collect()
            })
            .collect();
        // Looked up per model, so worked out once per set and month.
        self.set_counts = self
            .set_covers
            .iter()
            .map(|counted| {
                self.months
                    .iter()
                    .map(|&m| match self.scope {
                        Scope::Census => counted.iter().any(|&s| self.facts[s].covers(m)),
                        Scope::Source { .. } => !counted.is_empty(),
                    })
                    .collect()
            })
            .collect();
    }

    /// Whether model `i` counts: dated in one of the window's months by a source that counts
    /// in that month.
    pub fn counted_month(&self, models: &Models, i: usize) -> Option<Month> {
        let m = month_of(models, i, self.window.basis)?;
        let first = *self.months.first()?;
        let at = usize::try_from(i64::from(m.ordinal()) - i64::from(first.ordinal())).ok()?;
        let set = models.models[i].sources as usize;
        let counts = self.set_counts.get(set)?.get(at).copied()?;
        counts.then_some(m)
    }

    /// Models dated in the window that do not count, by the sources that hold them.
    fn uncounted_models(&self, models: &Models) -> Vec<(String, u64)> {
        let (Some(&first), Some(&last)) = (self.months.first(), self.months.last()) else {
            return Vec::new();
        };
        let mut by_label: BTreeMap<String, u64> = BTreeMap::new();
        for i in 0..models.models.len() {
            let Some(m) = month_of(models, i, self.window.basis) else {
                continue;
            };
            if m < first || m > last || self.counted_month(models, i).is_some() {
                continue;
            }
            let sources = models.sources_of(i);
            let label = if sources.is_empty() {
                "no source of models".to_string()
            } else {
                sources
                    .iter()
                    .map(|&s| self.facts[usize::from(s)].label())
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            *by_label.entry(label).or_default() += 1;
        }
        by_label.into_iter().collect()
    }

    /// The counted sources that hold model `i`.
    fn counted_sources(&self, models: &Models, i: usize) -> &[usize] {
        self.set_covers
            .get(models.models[i].sources as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Models of the counted sources without the chosen date.
    pub fn undated(&self, models: &Models) -> u64 {
        let basis = self.window.basis;
        (0..models.models.len())
            .filter(|&i| {
                !self.counted_sources(models, i).is_empty() && month_of(models, i, basis).is_none()
            })
            .count() as u64
    }

    /// The months tested: the window without its partial last month.
    pub fn complete_months(&self) -> &[Month] {
        let n = self.months.len() - usize::from(self.partial.is_some());
        &self.months[..n]
    }

    /// The window as a span, when it is not empty.
    pub fn span(&self) -> Option<MonthSpan> {
        MonthSpan::new(*self.months.first()?, *self.months.last()?)
    }

    /// The complete months as a span.
    pub fn complete_span(&self) -> Option<MonthSpan> {
        let c = self.complete_months();
        MonthSpan::new(*c.first()?, *c.last()?)
    }

    pub fn is_sample(&self) -> bool {
        matches!(
            self.scope,
            Scope::Source {
                frame: Frame::Sample,
                ..
            }
        )
    }

    /// The counted sources' labels, joined.
    pub fn sources_label(&self) -> String {
        let names: Vec<String> = self
            .sources
            .iter()
            .map(|&s| self.facts[s].label())
            .collect();
        if names.is_empty() {
            "no source".into()
        } else {
            names.join(", ")
        }
    }

    /// What the population is, in a line: "census months 2018-11..2022-08 of
    /// liang.parquet (census, 2018-11..2022-09)".
    pub fn describe(&self) -> String {
        let what = match self.scope {
            Scope::Census => "census",
            Scope::Source {
                frame: Frame::Census,
                ..
            } => "one census on its own",
            Scope::Source {
                frame: Frame::Sample,
                ..
            } => "a SAMPLE on its own (it describes only itself, not the Hub)",
        };
        match (self.span(), &self.empty_because) {
            (Some(span), _) => format!(
                "{what}: {span}{}, from {}",
                self.partial
                    .map(|p| format!(" ({p} incomplete)"))
                    .unwrap_or_default(),
                self.sources_label()
            ),
            (None, Some(why)) => format!("{what}: no months ({why})"),
            (None, None) => format!("{what}: no months"),
        }
    }

    /// The months with dated models outside the window, in spans of one reason each.
    fn left_out_months(&self, models: &Models, reason: impl Fn(Month) -> String) -> Vec<LeftOut> {
        let per_month = per_month(models, self.window.basis);
        let (first, last) = (self.months.first().copied(), self.months.last().copied());
        let mut out: Vec<LeftOut> = Vec::new();
        for (m, n) in per_month {
            if first.zip(last).is_some_and(|(a, b)| a <= m && m <= b) {
                continue;
            }
            let why = reason(m);
            // Months without models between two left out for the same reason join them, unless
            // the window lies between.
            let across_window = |l: &LeftOut| first.is_some_and(|f| l.months.last < f && m > f);
            match out.last_mut() {
                Some(l) if l.reason == why && !across_window(l) => {
                    l.months.last = m;
                    l.models += n;
                }
                _ => out.push(LeftOut {
                    months: MonthSpan { first: m, last: m },
                    models: n,
                    reason: why,
                }),
            }
        }
        out
    }
}

/// Dated models per month, in month order (one pass, counted in an array over the months the
/// models span).
fn per_month(models: &Models, basis: DateBasis) -> Vec<(Month, u64)> {
    let dated = || (0..models.models.len()).filter_map(|i| month_of(models, i, basis));
    let Some((first, last)) = dated().fold(None, |span: Option<(Month, Month)>, m| {
        Some(span.map_or((m, m), |(a, b)| (a.min(m), b.max(m))))
    }) else {
        return Vec::new();
    };
    let base = first.ordinal();
    let mut counts = vec![0u64; (last.ordinal() - base) as usize + 1];
    for m in dated() {
        counts[(m.ordinal() - base) as usize] += 1;
    }
    first
        .through(last)
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Models per month and source (a model in two sources counts in both), for the coverage
/// table and chart: `(months, sources' indices with dated models, counts[source][month])`.
pub fn models_by_source(models: &Models, basis: DateBasis) -> SourceMonths {
    // Counted in arrays, one row per source and one cell per month of the span: a map keyed
    // by (source, month) hashed each of millions of models.
    let in_a_source = |i: usize| !models.sources_of(i).is_empty();
    let span = (0..models.models.len())
        .filter(|&i| in_a_source(i))
        .filter_map(|i| month_of(models, i, basis))
        .fold(None, |span: Option<(Month, Month)>, m| {
            Some(span.map_or((m, m), |(a, b)| (a.min(m), b.max(m))))
        });
    let Some((first, last)) = span else {
        return SourceMonths {
            months: Vec::new(),
            sources: Vec::new(),
            counts: Vec::new(),
        };
    };
    let base = first.ordinal();
    let width = (last.ordinal() - base) as usize + 1;
    let mut counts = vec![vec![0u64; width]; models.sources.len()];
    for i in 0..models.models.len() {
        let Some(m) = month_of(models, i, basis) else {
            continue;
        };
        for &s in models.sources_of(i) {
            counts[usize::from(s)][(m.ordinal() - base) as usize] += 1;
        }
    }
    let sources: Vec<usize> = (0..counts.len())
        .filter(|&s| counts[s].iter().any(|&n| n > 0))
        .collect();
    let table = sources
        .iter()
        .map(|&s| std::mem::take(&mut counts[s]))
        .collect();
    SourceMonths {
        months: first.through(last).collect(),
        sources,
        counts: table,
    }
}

/// Dated models per month and source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceMonths {
    pub months: Vec<Month>,
    /// Indices into [`Models::sources`].
    pub sources: Vec<usize>,
    /// `counts[k][month]` for `sources[k]`.
    pub counts: Vec<Vec<u64>>,
}

/// How two sources agree over the months both hold models of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    /// Indices into [`Models::sources`].
    pub a: usize,
    pub b: usize,
    pub months: MonthSpan,
    /// Models of each in those months, and of both.
    pub models_a: u64,
    pub models_b: u64,
    pub in_both: u64,
    /// Share of each source's models (in those months) with a card.
    pub card_ratio_a: f64,
    pub card_ratio_b: f64,
    /// Month by month: `(month, models of a, models of b, card ratio of a, of b)`.
    pub by_month: Vec<(Month, u64, u64, f64, f64)>,
    /// Mean over the months of |a − b| / max(a, b): 0 when every month has the same count.
    pub mean_count_difference: f64,
}

/// Every pair of sources of models whose dated models share months, with how well they agree
/// there: their monthly counts, how many models both hold, and their card ratios.
pub fn overlaps(models: &Models, basis: DateBasis) -> Vec<Overlap> {
    let facts = source_facts(models, basis);
    let mut out = Vec::new();
    for a in 0..facts.len() {
        for b in a + 1..facts.len() {
            let (Some(da), Some(db)) = (facts[a].data, facts[b].data) else {
                continue;
            };
            let first = da.first.max(db.first);
            let last = da.last.min(db.last);
            let Some(span) = MonthSpan::new(first, last) else {
                continue;
            };
            let months: Vec<Month> = span.first.through(span.last).collect();
            let index: HashMap<Month, usize> =
                months.iter().enumerate().map(|(i, m)| (*m, i)).collect();
            // (models a, cards a, models b, cards b) per month.
            let mut per = vec![(0u64, 0u64, 0u64, 0u64); months.len()];
            let mut both = 0u64;
            for (i, model) in models.models.iter().enumerate() {
                let Some(&k) = month_of(models, i, basis).and_then(|m| index.get(&m)) else {
                    continue;
                };
                let set = models.sources_of(i);
                let (in_a, in_b) = (set.contains(&(a as u16)), set.contains(&(b as u16)));
                let card = u64::from(model.has_card);
                if in_a {
                    per[k].0 += 1;
                    per[k].1 += card;
                }
                if in_b {
                    per[k].2 += 1;
                    per[k].3 += card;
                }
                both += u64::from(in_a && in_b);
            }
            let ratio = |x: u64, n: u64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
            let sum = |f: fn(&(u64, u64, u64, u64)) -> u64| per.iter().map(f).sum::<u64>();
            let (ma, ca, mb, cb) = (sum(|p| p.0), sum(|p| p.1), sum(|p| p.2), sum(|p| p.3));
            let differences: Vec<f64> = per
                .iter()
                .filter(|p| p.0.max(p.2) > 0)
                .map(|p| p.0.abs_diff(p.2) as f64 / p.0.max(p.2) as f64)
                .collect();
            out.push(Overlap {
                a,
                b,
                months: span,
                models_a: ma,
                models_b: mb,
                in_both: both,
                card_ratio_a: ratio(ca, ma),
                card_ratio_b: ratio(cb, mb),
                by_month: months
                    .iter()
                    .zip(&per)
                    .map(|(m, p)| (*m, p.0, p.2, ratio(p.1, p.0), ratio(p.3, p.2)))
                    .collect(),
                mean_count_difference: if differences.is_empty() {
                    0.0
                } else {
                    differences.iter().sum::<f64>() / differences.len() as f64
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hubscope_store::DeclaredBy;

    fn declared(window: Option<&str>, snapshot: Option<&str>) -> FrameDeclaration {
        FrameDeclaration {
            frame: Frame::Census,
            window: window.map(|w| MonthSpan::parse(w).unwrap()),
            snapshot: snapshot.map(str::to_string),
            declared_by: DeclaredBy::User,
            declared_in: None,
            describes: None,
        }
    }

    fn span(text: &str) -> Option<MonthSpan> {
        Some(MonthSpan::parse(text).unwrap())
    }

    fn month(text: &str) -> Option<Month> {
        Month::parse(text)
    }

    #[test]
    fn a_census_covers_its_window_up_to_its_snapshot() {
        let data = span("2018-11..2022-09");
        // Nothing declared: its data's months, the last one (its latest date) in part.
        assert_eq!(
            census_months(&declared(None, None), data),
            (span("2018-11..2022-08"), month("2022-09"))
        );
        // A snapshot after the window's end: the whole window.
        assert_eq!(
            census_months(&declared(Some("2019-01..2021-12"), None), data),
            (span("2019-01..2021-12"), None)
        );
        // A snapshot on the first day of a month: that month in part, the one before whole.
        assert_eq!(
            census_months(&declared(None, Some("2022-05-01T00:00:00.000Z")), data),
            (span("2018-11..2022-04"), month("2022-05"))
        );
        // A window wider than the data is kept to the data's months; one outside it covers
        // nothing; no data, nothing.
        assert_eq!(
            census_months(&declared(Some("1000-01..9999-12"), None), data),
            (span("2018-11..2022-08"), month("2022-09"))
        );
        assert_eq!(
            census_months(&declared(Some("2010-01..2012-12"), None), data),
            (None, None)
        );
        assert_eq!(census_months(&declared(None, None), None), (None, None));
    }

    #[test]
    fn months_before_wraps_the_year() {
        assert_eq!(
            months_before(Month::parse("2022-01").unwrap()),
            month("2021-12")
        );
        assert_eq!(
            months_before(Month::parse("2022-07").unwrap()),
            month("2022-06")
        );
    }
}
