//! The study report: what the data says, as Markdown (`report.md`), as one self-contained,
//! offline HTML file (`index.html`, charts inline, no script, no external reference), and as
//! one machine-readable file of its headline figures (`data/summary.json`, a [`Summary`]).
//!
//! Every figure says what it rests on: its months, its sources and their sampling frames, and
//! how sure it is. Trends run over the months a census covers (see
//! [`hubscope_trends::frames`]); months covered only by samples are left out and listed. The
//! executive summary's sentences are made from the [`Summary`] alone
//! ([`executive_summary`]), so the file and the sentences can never disagree. Pure: the caller
//! gathers a [`ReportData`]; every text that came from outside (model ids, card titles, family
//! names, file names, descriptions) is escaped.

use std::fmt::Write as _;

use hubscope_card::CanonicalSection;
use hubscope_store::{Frame, MonthSpan};
use hubscope_trends::{
    Correlations, Coverage, Docs, DocsRow, Overlap, Population, SourceFacts, SourceMonths,
    TrendTests, UNKNOWN, Uploads,
};
use serde::{Deserialize, Serialize};

use crate::chart::{BarChart, LineChart, escape};
use crate::frame::format_float;

/// The format tag of `summary.json`.
pub const SUMMARY_FORMAT: &str = "hubscope-summary/1";

/// How much the store holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSummary {
    pub models: u64,
    pub dated_models: u64,
    pub first_month: Option<String>,
    pub last_month: Option<String>,
    pub with_card: u64,
    pub cards_analysed: u64,
    pub discussions: u64,
    pub forum_topics: u64,
    pub forum_posts: u64,
}

/// A well- or badly-documented model shown as an example.
#[derive(Debug, Clone, PartialEq)]
pub struct CardExample {
    pub model_id: String,
    pub title: Option<String>,
    pub score: u8,
    pub sections_filled: u32,
    pub downloads: Option<i64>,
}

/// The analysed cards (README texts), whatever their models' frame: what they say describes
/// the sources that hold them, named here.
#[derive(Debug, Clone, PartialEq)]
pub struct CardsSection {
    pub overall: DocsRow,
    /// Labels of the sources whose models have an analysed card, with how many.
    pub sources: Vec<(String, u64)>,
}

/// Mentions against uploads, for one kind of topic.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionsSection {
    /// What counts as a mention, in words ("Hub discussions").
    pub what: String,
    /// The stored sources of those topics and their frames, in words.
    pub frames: String,
    /// The complete months of the mention data.
    pub mention_months: Option<MonthSpan>,
    pub correlations: Correlations,
}

/// The taxonomy section: the coded topics' categories, with how far the codes can be trusted.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxonomySection {
    /// Whose codes (`hubscope:embedding`, or `people`).
    pub coder: String,
    /// Whose codes, in words.
    pub source: String,
    /// Which topics ("Hub discussions", "forum topics and Hub discussions").
    pub topics: String,
    pub items: u64,
    /// Items left out because their coders disagree.
    pub unresolved: u64,
    /// The codes are a classifier's.
    pub machine: bool,
    /// The classifier's measured agreement with people's codes.
    pub agreement: Option<ClassifierAgreement>,
    /// Agreement among people, when several coded: (coders, items, Fleiss' κ).
    pub coders: Option<(usize, u64, f64)>,
    /// Every category with items, in codebook order.
    pub categories: Vec<TaxonomyRow>,
}

/// How well a classifier agrees with people's codes, as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierAgreement {
    pub measured_on: String,
    pub items: u64,
    pub accuracy: f64,
    pub kappa: Option<f64>,
}

/// One category of the taxonomy section.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxonomyRow {
    pub id: u16,
    pub name: String,
    pub items: u64,
    /// The share of the codes as they are.
    pub observed_share: f64,
    /// Corrected for the classifier's confusion, with its 95 % interval (machine codes whose
    /// classifier's agreement was measured).
    pub corrected: Option<(f64, f64, f64)>,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub generated_at: String,
    pub summary: DataSummary,
    /// Every source of the store, with its frame and what its models cover.
    pub sources: Vec<SourceFacts>,
    /// Dated models per month and source.
    pub by_source: SourceMonths,
    /// Sources holding models of the same months, and how well they agree.
    pub overlaps: Vec<Overlap>,
    /// The census population every trend is computed over.
    pub population: Population,
    /// How the families of the population's models were resolved.
    pub coverage: Coverage,
    pub uploads: Uploads,
    pub docs: Docs,
    pub cards: CardsSection,
    /// Mentions against uploads, per kind of stored topic.
    pub mentions: Vec<MentionsSection>,
    pub best_cards: Vec<CardExample>,
    pub worst_cards: Vec<CardExample>,
    /// The month compared before/after, when one was given.
    pub split_at: Option<String>,
    /// The coded topics' categories, when topics are coded or classified.
    pub taxonomy: Option<TaxonomySection>,
}

// ---------------------------------------------------------------------------------------------
// summary.json

/// The headline figures, each with its window, months, sources and tests: `data/summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    pub generated_at: String,
    pub data: DataFigures,
    pub documentation: DocumentationFigure,
    pub uploads: UploadsFigure,
    pub mentions_vs_uploads: MentionsFigure,
    pub taxonomy: Option<TaxonomyFigure>,
}

/// Months `first..last`, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowFigure {
    pub first: String,
    pub last: String,
}

impl WindowFigure {
    fn of(span: MonthSpan) -> WindowFigure {
        WindowFigure {
            first: span.first.to_string(),
            last: span.last.to_string(),
        }
    }

    fn text(&self) -> String {
        if self.first == self.last {
            self.first.clone()
        } else {
            format!("{}..{}", self.first, self.last)
        }
    }
}

/// What the store holds and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFigures {
    pub models: u64,
    pub dated_models: u64,
    pub sources: Vec<SourceFigure>,
    /// Months with models that every trend leaves out, and why.
    pub left_out: Vec<LeftOutFigure>,
    /// Models dated inside the trend window that do not count there (a sample's models in
    /// census months), by the sources that hold them.
    pub not_counted_in_window: Vec<NotCountedFigure>,
}

/// Models inside the window that do not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCountedFigure {
    pub sources: String,
    pub models: u64,
}

/// One source of models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceFigure {
    pub name: String,
    pub kind: String,
    pub frame: String,
    /// The months a census covers wholly.
    pub census_months: Option<WindowFigure>,
    /// The month a census snapshot cut short.
    pub partial_month: Option<String>,
    /// The months of its models' dates.
    pub data_months: Option<WindowFigure>,
    pub models: u64,
    pub declared_by: String,
    pub describes: Option<String>,
}

/// Months left out of the trends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOutFigure {
    pub window: WindowFigure,
    pub models: u64,
    pub reason: String,
}

/// Which way a series goes, as the trend tests say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Both tests significant (p < 0.05), upwards.
    Rises,
    /// Both tests significant, downwards.
    Falls,
    /// Only one of the two tests significant.
    TestsDisagree,
    /// Neither test significant.
    NoSignificantTrend,
    /// Too few months to test.
    NotTested,
}

/// The trend tests of one monthly series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestFigures {
    /// The months tested.
    pub window: Option<WindowFigure>,
    pub months: usize,
    pub spearman_rho: Option<f64>,
    pub spearman_p: Option<f64>,
    pub mann_kendall_tau: Option<f64>,
    pub mann_kendall_p: Option<f64>,
    pub sens_slope: Option<f64>,
    pub direction: Direction,
}

impl TestFigures {
    fn of(t: &TrendTests, window: Option<MonthSpan>) -> TestFigures {
        let direction = match (t.spearman, t.mann_kendall) {
            (Some(s), Some(m)) if s.p < 0.05 && m.p < 0.05 => {
                if s.rho > 0.0 {
                    Direction::Rises
                } else {
                    Direction::Falls
                }
            }
            (Some(s), Some(m)) if s.p < 0.05 || m.p < 0.05 => Direction::TestsDisagree,
            (Some(_), _) => Direction::NoSignificantTrend,
            _ => Direction::NotTested,
        };
        TestFigures {
            window: window.map(WindowFigure::of),
            months: t.months,
            spearman_rho: t.spearman.map(|c| c.rho),
            spearman_p: t.spearman.map(|c| c.p),
            mann_kendall_tau: t.mann_kendall.map(|m| m.tau),
            mann_kendall_p: t.mann_kendall.map(|m| m.p),
            sens_slope: t.mann_kendall.map(|m| m.sens_slope),
            direction,
        }
    }
}

/// The share of new models with a card over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentationFigure {
    /// The sources whose models are counted, with their frames.
    pub sources: Vec<String>,
    /// Models counted (every month of the window, the partial one included).
    pub models: u64,
    pub with_card: u64,
    pub share_with_card: f64,
    #[serde(flatten)]
    pub tests: TestFigures,
    /// Why nothing was tested, when so.
    pub not_tested: Option<String>,
}

/// Uploads per family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadsFigure {
    pub window: Option<WindowFigure>,
    pub months: usize,
    pub sources: Vec<String>,
    pub models: u64,
    /// Share of the models whose family is unknown.
    pub unknown_share: f64,
    /// Share whose family is known from their configuration (`config.model_type`).
    pub from_configuration_share: f64,
    /// The top families (not `unknown`, not `(other)`), largest first.
    pub families: Vec<FamilyFigure>,
    /// The family growing fastest (significant Mann–Kendall, largest Sen's slope).
    pub fastest: Option<String>,
}

/// One family's uploads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyFigure {
    pub family: String,
    pub models: u64,
    pub share: f64,
    #[serde(flatten)]
    pub tests: TestFigures,
}

/// Monthly mentions of families against their monthly uploads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentionsFigure {
    /// What counts as a mention ("Hub discussions", "forum topics"); `None` when no topic is
    /// stored.
    pub mentions: Option<String>,
    /// The frames of the mention sources, in words.
    pub mentions_sources: Option<String>,
    pub uploads_sources: Vec<String>,
    /// The months both series cover.
    pub window: Option<WindowFigure>,
    pub months: usize,
    pub min_months: usize,
    pub families: usize,
    pub across_families_rho: Option<f64>,
    pub p: Option<f64>,
    /// Families whose mentions and uploads move apart (ρ < 0, p < 0.05).
    pub negative: Vec<String>,
    /// Why no correlation was computed, when so.
    pub not_computed: Option<String>,
}

/// The taxonomy's shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxonomyFigure {
    /// `hubscope:METHOD` for a classifier's codes, `people` for coders'.
    pub coder: String,
    pub topics: String,
    pub items: u64,
    /// The classifier's accuracy against people's codes, as measured.
    pub accuracy: Option<f64>,
    /// Cohen's κ of the classifier against people (machine codes), or Fleiss' κ among the
    /// coders (people's codes, several coders).
    pub kappa: Option<f64>,
    /// What the agreement was measured on.
    pub measured_on: Option<String>,
    pub shares: Vec<ShareFigure>,
}

/// One category's share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareFigure {
    pub category_id: u16,
    pub category: String,
    pub items: u64,
    pub observed_share: f64,
    /// Corrected for the classifier's confusion (machine codes), else the observed share.
    pub share: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

impl Summary {
    /// The headline figures of `data`.
    pub fn of(data: &ReportData) -> Summary {
        let p = &data.population;
        let counted: Vec<String> = p.sources.iter().map(|&s| p.facts[s].label()).collect();
        let docs = &data.docs;
        let d_tests = TestFigures::of(&docs.card_ratio_trend, p.complete_span());
        let not_tested = match (&p.empty_because, d_tests.direction) {
            (Some(why), _) => Some(why.clone()),
            (None, Direction::NotTested) => Some(format!(
                "{} complete census month{}: too few to test",
                d_tests.months,
                if d_tests.months == 1 { "" } else { "s" }
            )),
            _ => None,
        };
        let documentation = DocumentationFigure {
            sources: counted.clone(),
            models: docs.overall.models,
            with_card: docs.overall.with_card,
            share_with_card: docs.overall.card_ratio,
            tests: d_tests,
            not_tested,
        };
        let u = &data.uploads;
        let known = |g: &str| g != "(other)" && g != UNKNOWN;
        let grand: u64 = u.summary.iter().map(|g| g.total).sum();
        let unknown = u
            .summary
            .iter()
            .find(|g| g.group == UNKNOWN)
            .map_or(0, |g| g.total);
        let fastest = u
            .summary
            .iter()
            .filter(|g| known(&g.group))
            .filter_map(|g| g.trend.mann_kendall.map(|m| (g, m)))
            .filter(|(_, m)| m.p < 0.05 && m.sens_slope > 0.0)
            .max_by(|a, b| a.1.sens_slope.total_cmp(&b.1.sens_slope))
            .map(|(g, _)| g.group.clone());
        let uploads = UploadsFigure {
            window: p.complete_span().map(WindowFigure::of),
            months: p.complete_months().len(),
            sources: counted.clone(),
            models: grand,
            unknown_share: ratio(unknown, grand),
            from_configuration_share: data.coverage.by_method.first().map_or(0.0, |m| m.share),
            families: u
                .summary
                .iter()
                .filter(|g| known(&g.group))
                .map(|g| FamilyFigure {
                    family: g.group.clone(),
                    models: g.total,
                    share: g.share,
                    tests: TestFigures::of(&g.trend, p.complete_span()),
                })
                .collect(),
            fastest,
        };
        Summary {
            format: SUMMARY_FORMAT.into(),
            generated_at: data.generated_at.clone(),
            data: DataFigures {
                models: data.summary.models,
                dated_models: data.summary.dated_models,
                sources: data
                    .sources
                    .iter()
                    .filter(|f| f.source.kind == "models")
                    .map(|f| SourceFigure {
                        name: f.source.short_name(),
                        kind: f.source.kind.clone(),
                        frame: f.source.declared.frame.as_str().into(),
                        census_months: f.complete.map(WindowFigure::of),
                        partial_month: f.partial.map(|m| m.to_string()),
                        data_months: f.data.map(WindowFigure::of),
                        models: f.models,
                        declared_by: f.source.declared.declared_by.as_str().into(),
                        describes: f.source.declared.describes.clone(),
                    })
                    .collect(),
                left_out: p
                    .left_out
                    .iter()
                    .map(|l| LeftOutFigure {
                        window: WindowFigure::of(l.months),
                        models: l.models,
                        reason: l.reason.clone(),
                    })
                    .collect(),
                not_counted_in_window: p
                    .uncounted
                    .iter()
                    .map(|(sources, models)| NotCountedFigure {
                        sources: sources.clone(),
                        models: *models,
                    })
                    .collect(),
            },
            documentation,
            uploads,
            mentions_vs_uploads: mentions_figure(data, &counted),
            taxonomy: data.taxonomy.as_ref().map(taxonomy_figure),
        }
    }
}

/// The headline correlation: of the mention sources, the one with the longest common window
/// (forum topics, the study's source, first among equals).
fn mentions_figure(data: &ReportData, uploads_sources: &[String]) -> MentionsFigure {
    let chosen = data
        .mentions
        .iter()
        .enumerate()
        .max_by_key(|(i, m)| (m.correlations.months.len(), std::cmp::Reverse(*i)));
    let Some((_, m)) = chosen else {
        return MentionsFigure {
            mentions: None,
            mentions_sources: None,
            uploads_sources: uploads_sources.to_vec(),
            window: None,
            months: 0,
            min_months: hubscope_trends::MIN_CORRELATION_MONTHS,
            families: 0,
            across_families_rho: None,
            p: None,
            negative: Vec::new(),
            not_computed: Some("no forum topics or Hub discussions are stored".into()),
        };
    };
    let c = &m.correlations;
    let window = c
        .months
        .first()
        .zip(c.months.last())
        .and_then(|(a, b)| MonthSpan::new(*a, *b))
        .map(WindowFigure::of);
    let not_computed = c.not_computed.clone().or_else(|| {
        c.across_families
            .is_none()
            .then(|| "too few families are both mentioned and uploaded in those months".into())
    });
    MentionsFigure {
        mentions: Some(m.what.clone()),
        mentions_sources: Some(m.frames.clone()),
        uploads_sources: uploads_sources.to_vec(),
        window,
        months: c.months.len(),
        min_months: hubscope_trends::MIN_CORRELATION_MONTHS,
        families: c.families.len(),
        across_families_rho: c.across_families.map(|r| r.rho),
        p: c.across_families.map(|r| r.p),
        negative: c
            .families
            .iter()
            .filter(|f| f.correlation.is_some_and(|r| r.rho < 0.0 && r.p < 0.05))
            .map(|f| f.family.clone())
            .take(5)
            .collect(),
        not_computed,
    }
}

fn taxonomy_figure(t: &TaxonomySection) -> TaxonomyFigure {
    TaxonomyFigure {
        coder: t.coder.clone(),
        topics: t.topics.clone(),
        items: t.items,
        accuracy: t.agreement.as_ref().map(|a| a.accuracy),
        kappa: match (&t.agreement, t.coders) {
            (Some(a), _) => a.kappa,
            (None, Some((_, _, k))) => Some(k),
            _ => None,
        },
        measured_on: t.agreement.as_ref().map(|a| a.measured_on.clone()),
        shares: t
            .categories
            .iter()
            .map(|c| ShareFigure {
                category_id: c.id,
                category: c.name.clone(),
                items: c.items,
                observed_share: c.observed_share,
                share: c.corrected.map_or(c.observed_share, |x| x.0),
                ci_low: c.corrected.map(|x| x.1),
                ci_high: c.corrected.map(|x| x.2),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Sentences

/// Questions to ask before a model is reused, from the study's recommendations.
pub const MANAGER_QUESTIONS: &[&str] = &[
    "Does the model have a card that states its intended use, its limitations and its training data — and are those sections filled, not template placeholders?",
    "Is there evaluation evidence (model-index results or an evaluation section with numbers) on data like ours, and can we reproduce it in a proof of concept before adopting?",
    "Which licence applies, including the one inherited from its base model (a fine-tune of a non-commercial base is non-commercial)?",
    "Who maintains it, when was it last updated, and are open discussions on its repository reporting problems?",
    "Are the weights in a safe format (safetensors), or only in pickle-based files that can run code when loaded?",
    "Is the model family still active: are new models and community answers appearing, or is the discussion dying down?",
];

use hubscope_stats::p_text;

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn opt_p(p: Option<f64>) -> String {
    p.map_or_else(|| "undefined".into(), p_text)
}

/// "(Spearman ρ = −0.72, p < 0.001; Mann–Kendall τ = −0.51, p < 0.001)".
fn tests_words(t: &TestFigures) -> String {
    match (t.spearman_rho, t.mann_kendall_tau) {
        (Some(rho), Some(tau)) => format!(
            "Spearman ρ = {rho:.2}, p {}; Mann–Kendall τ = {tau:.2}, p {}",
            opt_p(t.spearman_p),
            opt_p(t.mann_kendall_p)
        ),
        (Some(rho), None) => format!("Spearman ρ = {rho:.2}, p {}", opt_p(t.spearman_p)),
        _ => "not tested".into(),
    }
}

/// The verb of a direction: "rises", "falls", ….
fn direction_words(d: Direction) -> &'static str {
    match d {
        Direction::Rises => "rises",
        Direction::Falls => "falls",
        Direction::TestsDisagree => "shows no clear trend (the two tests disagree)",
        Direction::NoSignificantTrend => "shows no significant trend",
        Direction::NotTested => "is not tested",
    }
}

/// Plain-language findings, most important first, made from the summary alone.
pub fn executive_summary(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let sources: Vec<String> = s
        .data
        .sources
        .iter()
        .map(|x| {
            let window = match (&x.census_months, &x.partial_month) {
                (Some(w), Some(p)) => format!(" of {} ({p} in part)", w.text()),
                (Some(w), None) => format!(" of {}", w.text()),
                (None, Some(p)) => format!(" of {p} in part"),
                (None, None) => String::new(),
            };
            format!("{} ({} models, {}{window})", x.name, x.models, x.frame)
        })
        .collect();
    out.push(format!(
        "The store holds {} models from {} source{}: {}.",
        s.data.models,
        s.data.sources.len(),
        if s.data.sources.len() == 1 { "" } else { "s" },
        if sources.is_empty() {
            "none".into()
        } else {
            sources.join("; ")
        }
    ));
    let d = &s.documentation;
    match (&d.tests.window, &d.not_tested) {
        (Some(w), None) => out.push(format!(
            "Over {} ({} complete census months with new models; {}), the share of new models with a model card {} ({}); {} of those {} models have a card.",
            w.text(),
            d.tests.months,
            d.sources.join(", "),
            direction_words(d.tests.direction),
            tests_words(&d.tests),
            pct(d.share_with_card),
            d.models
        )),
        (_, Some(why)) => out.push(format!(
            "The share of new models with a model card is not tested: {why}."
        )),
        (None, None) => {}
    }
    for l in &s.data.left_out {
        out.push(format!(
            "{} ({} models) {} left out of every trend: {}.",
            l.window.text(),
            l.models,
            if l.window.first == l.window.last {
                "is"
            } else {
                "are"
            },
            l.reason
        ));
    }
    let u = &s.uploads;
    if let Some(w) = &u.window {
        let top: Vec<String> = u
            .families
            .iter()
            .take(3)
            .map(|f| format!("{} ({} models, {})", f.family, f.models, pct(f.share)))
            .collect();
        if !top.is_empty() {
            out.push(format!(
                "In {}, the most uploaded families are {}; the family of {} of the models is unknown ({} are known from their configuration).",
                w.text(),
                top.join(", "),
                pct(u.unknown_share),
                pct(u.from_configuration_share)
            ));
        }
        if let Some(f) = u
            .fastest
            .as_ref()
            .and_then(|name| u.families.iter().find(|f| f.family == *name))
        {
            out.push(format!(
                "{} grows fastest: about {} more models each month (Sen's slope, Mann–Kendall p {}).",
                f.family,
                f.tests.sens_slope.map_or_else(|| "?".into(), format_float),
                opt_p(f.tests.mann_kendall_p)
            ));
        }
    }
    let m = &s.mentions_vs_uploads;
    match (&m.mentions, &m.not_computed, m.across_families_rho) {
        (Some(what), None, Some(rho)) => {
            out.push(format!(
                "Families mentioned more in {what} are {} uploaded more (Spearman ρ = {rho:.2} across {} families, p {}, over {} months {}).",
                if m.p.is_some_and(|p| p < 0.05) && rho > 0.0 {
                    "also"
                } else {
                    "not clearly"
                },
                m.families,
                opt_p(m.p),
                m.months,
                m.window.as_ref().map_or_else(String::new, WindowFigure::text)
            ));
            if !m.negative.is_empty() {
                out.push(format!(
                    "For {}, uploads and mentions move in opposite directions: more models, less talk — documentation has to carry more of the load.",
                    m.negative.join(", ")
                ));
            }
        }
        (Some(what), Some(why), _) => out.push(format!(
            "Mentions in {what} are not correlated with uploads: {why}."
        )),
        (None, Some(why), _) => {
            out.push(format!("Mentions are not correlated with uploads: {why}."))
        }
        _ => {}
    }
    if let Some(t) = &s.taxonomy {
        let top = t
            .shares
            .iter()
            .filter(|x| x.category_id != 0)
            .max_by(|a, b| a.share.total_cmp(&b.share));
        let who = match (t.accuracy, t.kappa) {
            (Some(a), k) => format!(
                "coded by hubscope's classifier ({}; it agrees with people's codes at accuracy {a:.2}, Cohen's κ {}, measured on {})",
                t.coder,
                k.map_or_else(|| "undefined".into(), |k| format!("{k:.2}")),
                t.measured_on.as_deref().unwrap_or("?")
            ),
            (None, _) if t.coder.starts_with("hubscope:") => format!(
                "coded by hubscope's classifier ({}; its agreement with people was never measured, so its shares are not corrected)",
                t.coder
            ),
            (None, Some(k)) => format!("coded by people (Fleiss' κ {k:.2} among the coders)"),
            (None, None) => "coded by people".into(),
        };
        if let Some(top) = top {
            let interval = match (top.ci_low, top.ci_high) {
                (Some(a), Some(b)) => format!(
                    " (95 % interval {}–{}, corrected for the classifier's confusion; {} as counted)",
                    pct(a),
                    pct(b),
                    pct(top.observed_share)
                ),
                _ => String::new(),
            };
            out.push(format!(
                "Of {} {} {who}, the most common challenge is {}: {}{interval}.",
                t.items,
                t.topics,
                top.category,
                pct(top.share)
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Charts

/// The uploads chart: the top `lines` families (not `unknown`, which would flatten the rest,
/// nor `(other)`), named with the months and sources they count.
pub fn uploads_chart(u: &Uploads, population: &Population, lines: usize) -> LineChart {
    let grand: u64 = u.summary.iter().map(|g| g.total).sum();
    let left: Vec<String> = u
        .summary
        .iter()
        .filter(|g| g.group == UNKNOWN || g.group == "(other)")
        .map(|g| format!("{} ({})", g.group, pct(ratio(g.total, grand))))
        .collect();
    LineChart {
        title: format!("Models created per month, by {}", u.by),
        y_label: "models".into(),
        x_labels: u.months.iter().map(|m| m.to_string()).collect(),
        series: u
            .groups
            .iter()
            .zip(&u.counts)
            .filter(|(g, _)| g.as_str() != "(other)" && g.as_str() != UNKNOWN)
            .take(lines)
            .map(|(g, c)| (g.clone(), c.iter().map(|&v| v as f64).collect()))
            .collect(),
        percent: false,
        last_incomplete: u.last_incomplete,
        subtitle: format!(
            "{}{}",
            population.describe(),
            if left.is_empty() {
                String::new()
            } else {
                format!("; not drawn: {}", left.join(", "))
            }
        ),
        markers: Vec::new(),
    }
}

/// The card-ratio chart.
pub fn docs_chart(d: &Docs, population: &Population) -> LineChart {
    LineChart {
        title: "Share of new models with a model card, per creation month".into(),
        y_label: "models with a card".into(),
        x_labels: d
            .rows
            .iter()
            .filter_map(|r| r.month)
            .map(|m| m.to_string())
            .collect(),
        series: vec![(
            "with a card".into(),
            d.rows
                .iter()
                .map(|r| {
                    if r.models == 0 {
                        f64::NAN
                    } else {
                        r.card_ratio
                    }
                })
                .collect(),
        )],
        percent: true,
        last_incomplete: d.rows.last().is_some_and(|r| r.incomplete),
        subtitle: population.describe(),
        markers: Vec::new(),
    }
}

/// Models per month and source, with a mark wherever the months change frame (a census
/// begins or ends, only samples remain).
pub fn sources_chart(data: &ReportData) -> LineChart {
    let b = &data.by_source;
    let p = &data.population;
    let status = |m: &hubscope_store::time::Month| -> &'static str {
        if p.partial == Some(*m) {
            "census, in part"
        } else if p.months.contains(m) {
            "census"
        } else {
            "no census: left out"
        }
    };
    let mut markers = Vec::new();
    for (i, m) in b.months.iter().enumerate() {
        if i > 0 && status(m) != status(&b.months[i - 1]) {
            markers.push((i, format!("{m}: {}", status(m))));
        }
    }
    LineChart {
        title: "Models per creation month, by source".into(),
        y_label: "models".into(),
        x_labels: b.months.iter().map(|m| m.to_string()).collect(),
        series: b
            .sources
            .iter()
            .zip(&b.counts)
            .map(|(&s, c)| {
                (
                    format!(
                        "{} ({})",
                        p.facts[s].source.short_name(),
                        p.facts[s].source.declared.frame.as_str()
                    ),
                    c.iter().map(|&v| v as f64).collect(),
                )
            })
            .collect(),
        percent: false,
        last_incomplete: false,
        subtitle: format!(
            "trends use {}",
            p.span()
                .map_or_else(|| "no month (no census)".into(), |s| s.to_string())
        ),
        markers,
    }
}

/// How the families of `population`'s models were resolved.
pub fn coverage_chart(c: &Coverage, population: &Population) -> BarChart {
    BarChart {
        title: format!("How the family of {} models was resolved", c.models),
        bars: c
            .by_method
            .iter()
            .map(|m| (m.method.as_str().to_string(), m.share))
            .collect(),
        percent: true,
        subtitle: population.describe(),
    }
}

/// Per-family correlations between mentions (`what`) and uploads, over their common months.
pub fn correlation_chart(c: &Correlations, what: &str) -> BarChart {
    BarChart {
        title: format!("Spearman ρ between monthly {what} and uploads (families most mentioned)"),
        bars: c
            .families
            .iter()
            .filter_map(|f| f.correlation.map(|r| (f.family.clone(), r.rho)))
            .take(20)
            .collect(),
        percent: false,
        subtitle: match (c.months.first(), c.months.last()) {
            (Some(a), Some(b)) => {
                format!("{what} and uploads in {a}..{b} ({} months)", c.months.len())
            }
            _ => String::new(),
        },
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Markdown special characters escaped, for text from outside in a table cell or a line.
pub fn escape_markdown(text: &str) -> String {
    md(text)
}

fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn tests_cells(t: &TrendTests) -> String {
    let (rho, rp) = t.spearman.map_or(("".into(), "".into()), |c| {
        (format!("{:.3}", c.rho), p_text(c.p))
    });
    let (tau, tp, slope) = t
        .mann_kendall
        .map_or(("".into(), "".into(), "".into()), |k| {
            (
                format!("{:.3}", k.tau),
                p_text(k.p),
                format_float(k.sens_slope),
            )
        });
    format!("{rho} | {rp} | {tau} | {tp} | {slope}")
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// The report as Markdown; charts are referenced as `charts/NAME.svg`.
pub fn markdown(data: &ReportData) -> String {
    let summary = Summary::of(data);
    let mut m = String::new();
    let s = &data.summary;
    let p = &data.population;
    let _ = writeln!(m, "# The reuse of pre-trained models: what the data says\n");
    let _ = writeln!(m, "Generated by hubscope on {}.\n", data.generated_at);
    let _ = writeln!(m, "## Executive summary\n");
    for line in executive_summary(&summary) {
        let _ = writeln!(m, "- {}", md(&line));
    }
    let _ = writeln!(
        m,
        "\nEvery figure above is in `data/summary.json`, with its window, sources and tests.\n"
    );
    let _ = writeln!(m, "### Before reusing a model, ask\n");
    for (i, q) in MANAGER_QUESTIONS.iter().enumerate() {
        let _ = writeln!(m, "{}. {}", i + 1, q);
    }

    // Data and coverage.
    let _ = writeln!(m, "\n## Data and coverage\n");
    let _ = writeln!(m, "| what | count |\n|---|---:|");
    for (what, n) in [
        ("models", s.models),
        ("models with a creation date", s.dated_models),
        ("models with a card", s.with_card),
        ("cards analysed (text stored)", s.cards_analysed),
        ("Hub discussions", s.discussions),
        ("forum topics", s.forum_topics),
        ("forum posts", s.forum_posts),
    ] {
        let _ = writeln!(m, "| {what} | {n} |");
    }
    let _ = writeln!(m, "\n### Sources and their sampling frames\n");
    let _ = writeln!(
        m,
        "A trend is only drawn over months a **census** covers (every model created in the month is in it); a **sample** is analysed only as itself.\n"
    );
    let _ = writeln!(
        m,
        "| source | kind | frame | census months | data months | models | declared by | describes |\n|---|---|---|---|---|---:|---|---|"
    );
    for f in &data.sources {
        let census = match (f.complete, f.partial) {
            (Some(c), Some(x)) => format!("{c} ({x} in part)"),
            (Some(c), None) => c.to_string(),
            (None, Some(x)) => format!("{x} in part"),
            (None, None) => "—".into(),
        };
        let _ = writeln!(
            m,
            "| {} | {} | {} | {census} | {} | {} | {} | {} |",
            md(&f.source.short_name()),
            md(&f.source.kind),
            if f.source.kind == "cards" {
                "—"
            } else {
                f.source.declared.frame.as_str()
            },
            f.data.map_or_else(|| "—".into(), |d| d.to_string()),
            if f.source.kind == "models" {
                f.models.to_string()
            } else {
                "—".into()
            },
            if f.source.kind == "cards" {
                "—"
            } else {
                f.source.declared.declared_by.as_str()
            },
            md(f.source.declared.describes.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(m, "\n### Models per month, by source\n");
    let _ = writeln!(m, "![models per month by source](charts/coverage.svg)\n");
    let _ = writeln!(
        m,
        "The table behind the chart is `data/coverage_by_source.csv` (a model two sources hold counts in both).\n"
    );
    let _ = writeln!(m, "### The window of each analysis\n");
    let _ = writeln!(m, "| analysis | months | counted from |\n|---|---|---|");
    let window = p.span().map_or_else(
        || {
            format!(
                "none: {}",
                p.empty_because.as_deref().unwrap_or("no census month")
            )
        },
        |w| {
            format!(
                "{w}{}",
                p.partial
                    .map(|x| format!(" ({x} in part, not tested)"))
                    .unwrap_or_default()
            )
        },
    );
    let counted = md(&p.sources_label());
    for analysis in [
        "uploads by family",
        "documentation over time",
        "family resolution",
    ] {
        let _ = writeln!(m, "| {analysis} | {window} | {counted} |");
    }
    for x in &data.mentions {
        let c = &x.correlations;
        let w = c
            .months
            .first()
            .zip(c.months.last())
            .map_or_else(|| "none".into(), |(a, b)| format!("{a}..{b}"));
        let _ = writeln!(
            m,
            "| {} vs uploads | {w} ({} months) | {}; uploads: {counted} |",
            md(&x.what),
            c.months.len(),
            md(&x.frames)
        );
    }
    if !p.left_out.is_empty() || !p.uncounted.is_empty() {
        let _ = writeln!(m, "\nLeft out of every trend:\n");
        for l in &p.left_out {
            let _ = writeln!(
                m,
                "- {} ({} models): {}.",
                l.months,
                l.models,
                md(&l.reason)
            );
        }
        for (label, n) in &p.uncounted {
            let _ = writeln!(
                m,
                "- In the window, {n} model{} of {} only: a month a census covers counts the census's models alone.",
                if *n == 1 { "" } else { "s" },
                md(label)
            );
        }
    }
    if !data.overlaps.is_empty() {
        let _ = writeln!(m, "\n### Where sources overlap\n");
        let _ = writeln!(
            m,
            "| source | source | months | models | models | in both | with a card | with a card | monthly counts differ by |\n|---|---|---|---:|---:|---:|---:|---:|---:|"
        );
        for o in &data.overlaps {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                md(&p.facts[o.a].label()),
                md(&p.facts[o.b].label()),
                o.months,
                o.models_a,
                o.models_b,
                o.in_both,
                pct(o.card_ratio_a),
                pct(o.card_ratio_b),
                pct(o.mean_count_difference)
            );
        }
        for o in &data.overlaps {
            let _ = writeln!(m, "\n{}", md(&overlap_words(o, p)));
        }
    }

    // Uploads.
    let _ = writeln!(m, "\n## Uploads by family\n");
    let _ = writeln!(m, "Counts: {}.\n", md(&p.describe()));
    let _ = writeln!(m, "![uploads by family](charts/uploads.svg)\n");
    let grand: u64 = data.uploads.summary.iter().map(|g| g.total).sum();
    if let Some(unknown) = data.uploads.summary.iter().find(|g| g.group == UNKNOWN) {
        let _ = writeln!(
            m,
            "The chart leaves out `unknown` ({} models, {} — a family could not be resolved) and `(other)`, which would flatten the lines of the families; both are in the table.\n",
            unknown.total,
            pct(ratio(unknown.total, grand))
        );
    }
    if let Some(x) = p.partial {
        let _ = writeln!(
            m,
            "{x} is covered only in part (a snapshot was taken in it): shown, and left out of the trend tests.\n"
        );
    }
    let _ = writeln!(
        m,
        "| family | models | share | Spearman ρ | p | Mann–Kendall τ | p | Sen's slope / month |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for g in &data.uploads.summary {
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} |",
            md(&g.group),
            g.total,
            pct(g.share),
            tests_cells(&g.trend)
        );
    }
    let c = &data.coverage;
    let _ = writeln!(
        m,
        "\nFamilies were resolved for {} of these {} models ({}): {}.\n",
        c.resolved,
        c.models,
        pct(c.share_resolved),
        c.by_method
            .iter()
            .map(|x| format!("{} {} ({})", x.method.as_str(), x.models, pct(x.share)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(m, "![family resolution](charts/family_resolution.svg)\n");

    // Documentation.
    let _ = writeln!(m, "## Documentation over time\n");
    let _ = writeln!(m, "Counts: {}.\n", md(&p.describe()));
    let _ = writeln!(m, "![share with a card](charts/docs.svg)\n");
    let d = &summary.documentation;
    match &d.not_tested {
        None => {
            let _ = writeln!(
                m,
                "- The share of new models with a card {} over the {} complete months {} ({}).",
                direction_words(d.tests.direction),
                d.tests.months,
                d.tests
                    .window
                    .as_ref()
                    .map_or_else(String::new, WindowFigure::text),
                md(&tests_words(&d.tests))
            );
        }
        Some(why) => {
            let _ = writeln!(m, "- Not tested: {}.", md(why));
        }
    }
    if let Some(split) = data.docs.card_ratio_trend.split {
        let _ = writeln!(
            m,
            "- Before {} the median monthly share was {}, from then on {} (Mann–Whitney U = {}, p {}).",
            data.split_at.as_deref().unwrap_or("the split"),
            pct(split.median1),
            pct(split.median2),
            format_float(split.u),
            p_text(split.p)
        );
    }
    let t = TestFigures::of(&data.docs.score_trend, None);
    if t.direction == Direction::NotTested {
        let _ = writeln!(
            m,
            "- The mean completeness score is not tested: {} of these months {} a model with an analysed card (README text).",
            t.months,
            if t.months == 1 { "has" } else { "have" }
        );
    } else {
        let _ = writeln!(
            m,
            "- The mean completeness score of the analysed cards among them {} over {} months ({}).",
            direction_words(t.direction),
            t.months,
            md(&tests_words(&t))
        );
    }
    let o = &data.cards.overall;
    if o.cards_analysed > 0 {
        let holders: Vec<String> = data
            .cards
            .sources
            .iter()
            .map(|(label, n)| format!("{label}: {n}"))
            .collect();
        let _ = writeln!(
            m,
            "\n### The analysed cards\n\nOf {} models whose README text was analysed (whatever their frame; they come from {}), the median card has {} words and the mean completeness score is {:.1}/100. These describe those sources, not the Hub. Sections filled:\n",
            o.cards_analysed,
            md(&if holders.is_empty() {
                "no source of models".to_string()
            } else {
                holders.join(", ")
            }),
            o.median_card_words
                .map_or("?".into(), |w| format!("{w:.0}")),
            o.mean_score.unwrap_or(0.0)
        );
        let _ = writeln!(m, "| section | cards with it filled |\n|---|---:|");
        for (section, share) in &o.section_filled {
            let _ = writeln!(m, "| {} | {} |", section_name(*section), pct(*share));
        }
    }
    if !data.best_cards.is_empty() {
        let _ = writeln!(
            m,
            "\nExamples among the analysed cards — the most downloaded models with the most complete cards, and with the least complete:\n"
        );
        let _ = writeln!(
            m,
            "| model | card title | score | sections filled |\n|---|---|---:|---:|"
        );
        for e in data.best_cards.iter().chain(&data.worst_cards) {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                md(&e.model_id),
                md(e.title.as_deref().unwrap_or("")),
                e.score,
                e.sections_filled
            );
        }
    }

    // Mentions.
    let _ = writeln!(m, "\n## Mentions vs uploads\n");
    if data.mentions.is_empty() {
        let _ = writeln!(
            m,
            "No forum topics or Hub discussions are stored: ingest or crawl them to compare discussion with uploads."
        );
    }
    for x in &data.mentions {
        let c = &x.correlations;
        let _ = writeln!(m, "### {}\n", md(&capitalised(&x.what)));
        let _ = writeln!(
            m,
            "Mentions: {} ({}), complete months {}. Uploads: {}. Only months both cover are compared: {}.\n",
            md(&x.what),
            md(&x.frames),
            x.mention_months
                .map_or_else(|| "none".into(), |w| w.to_string()),
            md(&p.sources_label()),
            c.months.first().zip(c.months.last()).map_or_else(
                || "none".into(),
                |(a, b)| format!("{a}..{b} ({} months)", c.months.len())
            )
        );
        if let Some(why) = &c.not_computed {
            let _ = writeln!(m, "Not correlated: {}.\n", md(why));
            continue;
        }
        let _ = writeln!(
            m,
            "![correlations](charts/{}.svg)\n",
            mentions_chart_name(&x.what)
        );
        match c.across_families {
            Some(r) => {
                let _ = writeln!(
                    m,
                    "Across {} families, Spearman ρ between total mentions and total uploads over those months = {:.3} (p {}).\n",
                    r.n,
                    r.rho,
                    p_text(r.p)
                );
            }
            None => {
                let _ = writeln!(m, "Too few families to correlate across families.\n");
            }
        }
        let _ = writeln!(
            m,
            "| family | {} | uploads | n | ρ | p |\n|---|---:|---:|---:|---:|---:|",
            md(&x.what)
        );
        for f in c.families.iter().take(30) {
            let (n, rho, pv) = f
                .correlation
                .map_or(("".into(), "undefined".into(), "".into()), |r| {
                    (r.n.to_string(), format!("{:.3}", r.rho), p_text(r.p))
                });
            let _ = writeln!(
                m,
                "| {} | {} | {} | {n} | {rho} | {pv} |",
                md(&f.family),
                format_float(f.total_a),
                format_float(f.total_b)
            );
        }
        m.push('\n');
    }

    // Taxonomy.
    let _ = writeln!(m, "\n## Taxonomy of challenges\n");
    match &data.taxonomy {
        Some(t) if t.items > 0 => {
            let _ = writeln!(
                m,
                "{} {} coded into the study's taxonomy ({}){}.\n",
                t.items,
                md(&t.topics),
                md(&t.source),
                if t.unresolved > 0 {
                    format!(
                        "; {} more are left out until their coders' disagreement is resolved",
                        t.unresolved
                    )
                } else {
                    String::new()
                }
            );
            match (&t.agreement, t.machine, t.coders) {
                (Some(a), _, _) => {
                    let _ = writeln!(
                        m,
                        "These are a classifier's codes, not people's. Measured on {}, it agrees with people's codes at accuracy {:.3} and Cohen's κ {}: the shares as counted are biased by its errors. The corrected share undoes its measured confusion (adjusted classify-and-count, constrained to shares that sum to one), and its 95 % interval is a bootstrap over both the hand-coded items and the classified ones. The correction assumes the classifier confuses these topics as it confused the hand-coded ones: where the hand-coded set is not a random sample of them (the built-in set was drawn per predicted category), the interval does not cover that difference.\n",
                        md(&a.measured_on),
                        a.accuracy,
                        hubscope_taxonomy::classify::kappa_text(a.kappa)
                    );
                }
                (None, true, _) => {
                    let _ = writeln!(
                        m,
                        "These are a classifier's codes, and its agreement with people was never measured: the shares below are as counted, uncorrected, and may be far from what people would code.\n"
                    );
                }
                (None, false, Some((coders, items, kappa))) => {
                    let _ = writeln!(
                        m,
                        "People's codes, as they are. Where {coders} coders coded the same {items} topics, Fleiss' κ = {kappa:.3}.\n"
                    );
                }
                (None, false, None) => {
                    let _ = writeln!(m, "People's codes, as they are.\n");
                }
            }
            let _ = writeln!(m, "![taxonomy](charts/taxonomy.svg)\n");
            if t.categories.iter().any(|c| c.corrected.is_some()) {
                let _ = writeln!(
                    m,
                    "| # | Category | Topics | Share as counted | Corrected share | 95 % interval |\n|---:|---|---:|---:|---:|---:|"
                );
                for c in &t.categories {
                    let (share, ci) = c.corrected.map_or(("".into(), "".into()), |(x, a, b)| {
                        (pct(x), format!("{}–{}", pct(a), pct(b)))
                    });
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} | {share} | {ci} |",
                        c.id,
                        md(&c.name),
                        c.items,
                        pct(c.observed_share)
                    );
                }
            } else {
                let _ = writeln!(m, "| # | Category | Topics | Share |\n|---:|---|---:|---:|");
                for c in &t.categories {
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} |",
                        c.id,
                        md(&c.name),
                        c.items,
                        pct(c.observed_share)
                    );
                }
            }
        }
        _ => {
            let _ = writeln!(
                m,
                "No coded topics are stored yet; `hubscope classify` or code forum topics (`hubscope sample`, `hubscope code import`) to add this section."
            );
        }
    }
    m
}

/// The chart file of one kind of mention (`correlations_hub_discussions`).
pub fn mentions_chart_name(what: &str) -> String {
    let slug: String = what
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("correlations_{slug}")
}

fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// How two overlapping sources agree, in a sentence.
fn overlap_words(o: &Overlap, p: &Population) -> String {
    let (a, b) = (&p.facts[o.a], &p.facts[o.b]);
    let census = |f: &SourceFacts| f.source.declared.frame == Frame::Census;
    let head = format!(
        "In {} ({} months), {} holds {} models and {} {}; {} are in both.",
        o.months,
        o.months.months(),
        a.source.short_name(),
        o.models_a,
        b.source.short_name(),
        o.models_b,
        o.in_both
    );
    let tail = if census(a) && census(b) {
        format!(
            " Both are censuses: their monthly counts differ by {} on average, and {} vs {} of their models have a card.",
            pct(o.mean_count_difference),
            pct(o.card_ratio_a),
            pct(o.card_ratio_b)
        )
    } else {
        let (s, other) = if census(a) { (b, a) } else { (a, b) };
        let (ns, ratio_s, ratio_o) = if census(a) {
            (o.models_b, o.card_ratio_b, o.card_ratio_a)
        } else {
            (o.models_a, o.card_ratio_a, o.card_ratio_b)
        };
        format!(
            " {} is a sample: {} of its {ns} models there have a card, against {} of {}'s — a sample's share says nothing of the Hub's.",
            s.source.short_name(),
            pct(ratio_s),
            pct(ratio_o),
            other.source.short_name()
        )
    };
    head + &tail
}

fn section_name(s: CanonicalSection) -> String {
    s.as_str().replace('_', " ")
}

// ---------------------------------------------------------------------------------------------
// HTML

/// A Markdown subset to HTML: what [`markdown`] writes (headings, lists, tables, images replaced
/// by the inline charts, paragraphs). Text is escaped; Markdown escapes are undone first.
pub fn html(data: &ReportData, charts: &[(String, String)]) -> String {
    let source = markdown(data);
    let mut body = String::new();
    let mut lines = source.lines().peekable();
    let mut in_list: Option<&str> = None;
    while let Some(line) = lines.next() {
        let close_list = |body: &mut String, in_list: &mut Option<&str>| {
            if let Some(tag) = in_list.take() {
                let _ = write!(body, "</{tag}>");
            }
        };
        if let Some(rest) = line.strip_prefix("- ") {
            if in_list != Some("ul") {
                close_list(&mut body, &mut in_list);
                body.push_str("<ul>");
                in_list = Some("ul");
            }
            let _ = write!(body, "<li>{}</li>", inline(rest));
            continue;
        }
        if let Some((num, rest)) = line.split_once(". ")
            && !num.is_empty()
            && num.bytes().all(|b| b.is_ascii_digit())
        {
            if in_list != Some("ol") {
                close_list(&mut body, &mut in_list);
                body.push_str("<ol>");
                in_list = Some("ol");
            }
            let _ = write!(body, "<li>{}</li>", inline(rest));
            continue;
        }
        close_list(&mut body, &mut in_list);
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix("### ") {
            let _ = write!(body, "<h3>{}</h3>", inline(h));
        } else if let Some(h) = line.strip_prefix("## ") {
            let _ = write!(body, "<h2>{}</h2>", inline(h));
        } else if let Some(h) = line.strip_prefix("# ") {
            let _ = write!(body, "<h1>{}</h1>", inline(h));
        } else if let Some(rest) = line.strip_prefix("![") {
            // ![alt](charts/NAME.svg) → the chart inline.
            let name = rest
                .split_once("](charts/")
                .and_then(|(_, r)| r.strip_suffix(".svg)"))
                .unwrap_or("");
            if let Some((_, svg)) = charts.iter().find(|(n, _)| n == name) {
                let _ = write!(body, "<figure>{svg}</figure>");
            }
        } else if line.starts_with('|') {
            body.push_str("<table>");
            let header = cells(line);
            body.push_str("<thead><tr>");
            for c in &header {
                let _ = write!(body, "<th>{}</th>", inline(c));
            }
            body.push_str("</tr></thead><tbody>");
            // The separator row.
            lines.next();
            while let Some(row) = lines.peek().filter(|l| l.starts_with('|')) {
                body.push_str("<tr>");
                for c in cells(row) {
                    let _ = write!(body, "<td>{}</td>", inline(&c));
                }
                body.push_str("</tr>");
                lines.next();
            }
            body.push_str("</tbody></table>");
        } else {
            let _ = write!(body, "<p>{}</p>", inline(line));
        }
    }
    if let Some(tag) = in_list {
        let _ = write!(body, "</{tag}>");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>hubscope report</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n"
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;color:#222;background:#fafafa;margin:0}main{max-width:960px;margin:0 auto;padding:24px;background:#fff}h1{font-size:1.7em}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}th{background:#f3f3f3}figure{margin:1em 0}svg{max-width:100%;height:auto}li{margin:.3em 0}";

/// The cells of a Markdown table row, with escaped pipes kept inside cells.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(&n) = chars.peek() {
                    if let Some(s) = out.last_mut() {
                        s.push('\\');
                        s.push(n);
                    }
                    chars.next();
                }
            }
            '|' => out.push(String::new()),
            c => {
                if let Some(s) = out.last_mut() {
                    s.push(c);
                }
            }
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Inline text: Markdown escapes undone, backticks dropped, then HTML-escaped.
fn inline(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                plain.push(n);
            }
        } else if c != '`' {
            plain.push(c);
        }
    }
    escape(&plain)
}
