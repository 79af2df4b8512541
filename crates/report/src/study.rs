//! The study report: what the data says, as Markdown (`report.md`) and as one self-contained,
//! offline HTML file (`index.html`, charts inline, no script, no external reference). Pure: the
//! caller gathers a [`ReportData`]; every text that came from outside (model ids, card titles,
//! family names, file names) is escaped.

use std::fmt::Write as _;

use hubscope_card::CanonicalSection;
use hubscope_trends::{Correlations, Coverage, Docs, TrendTests, Uploads};

use crate::chart::{BarChart, LineChart, escape};
use crate::frame::format_float;

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
    /// Completed ingests: kind, source, records stored or updated.
    pub sources: Vec<(String, String, u64)>,
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

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub generated_at: String,
    pub summary: DataSummary,
    pub coverage: Coverage,
    pub uploads: Uploads,
    pub docs: Docs,
    /// Mentions against uploads, when topics are stored.
    pub correlations: Option<Correlations>,
    pub best_cards: Vec<CardExample>,
    pub worst_cards: Vec<CardExample>,
    /// The month compared before/after, when one was given.
    pub split_at: Option<String>,
    /// The coded topics' categories, when topics are coded or classified.
    pub taxonomy: Option<TaxonomySection>,
}

/// The taxonomy section: items per challenge category.
#[derive(Debug, Clone)]
pub struct TaxonomySection {
    /// Whose codes, in words (the coders', or the classifier's).
    pub source: String,
    pub items: u64,
    /// `(id, name, items, share)` of every category with items, in codebook order.
    pub categories: Vec<(u16, String, u64, f64)>,
    /// Items left out because their coders disagree.
    pub unresolved: u64,
}

/// Questions to ask before a model is reused, from the study's recommendations.
pub const MANAGER_QUESTIONS: &[&str] = &[
    "Does the model have a card that states its intended use, its limitations and its training data — and are those sections filled, not template placeholders?",
    "Is there evaluation evidence (model-index results or an evaluation section with numbers) on data like ours, and can we reproduce it in a proof of concept before adopting?",
    "Which licence applies, including the one inherited from its base model (a fine-tune of a non-commercial base is non-commercial)?",
    "Who maintains it, when was it last updated, and are open discussions on its repository reporting problems?",
    "Are the weights in a safe format (safetensors), or only in pickle-based files that can run code when loaded?",
    "Is the model family still active: are new models and community answers appearing, or is the discussion dying down?",
];

/// The uploads chart (the top `lines` groups).
pub fn uploads_chart(u: &Uploads, lines: usize) -> LineChart {
    LineChart {
        title: format!("Models created per month, by {}", u.by),
        y_label: "models".into(),
        x_labels: u.months.iter().map(|m| m.to_string()).collect(),
        series: u
            .groups
            .iter()
            .zip(&u.counts)
            .filter(|(g, _)| g.as_str() != "(other)")
            .take(lines)
            .map(|(g, c)| (g.clone(), c.iter().map(|&v| v as f64).collect()))
            .collect(),
        percent: false,
        last_incomplete: u.last_incomplete,
    }
}

/// The card-ratio chart.
pub fn docs_chart(d: &Docs) -> LineChart {
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
    }
}

/// How families were resolved.
pub fn coverage_chart(c: &Coverage) -> BarChart {
    BarChart {
        title: format!("How the family of {} models was resolved", c.models),
        bars: c
            .by_method
            .iter()
            .map(|m| (m.method.as_str().to_string(), m.share))
            .collect(),
        percent: true,
    }
}

/// Per-family correlations between mentions and uploads.
pub fn correlation_chart(c: &Correlations) -> BarChart {
    BarChart {
        title: "Spearman ρ between monthly mentions and uploads (families with most mentions)"
            .into(),
        bars: c
            .families
            .iter()
            .filter_map(|f| f.correlation.map(|r| (f.family.clone(), r.rho)))
            .take(20)
            .collect(),
        percent: false,
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// One sentence on a trend: direction and significance, in plain words.
fn trend_words(t: &TrendTests, what: &str) -> String {
    let direction = |rho: f64| if rho > 0.0 { "rises" } else { "falls" };
    match (t.spearman, t.mann_kendall) {
        (Some(s), Some(m)) if s.p < 0.05 && m.p < 0.05 => format!(
            "{what} {} over the {} complete months (Spearman ρ = {:.2}, p {}; Mann–Kendall p {})",
            direction(s.rho),
            t.months,
            s.rho,
            p_text(s.p),
            p_text(m.p)
        ),
        (Some(s), Some(m)) if s.p < 0.05 || m.p < 0.05 => format!(
            "{what} tends to {} over the {} complete months, but the two tests disagree (Spearman ρ = {:.2}, p {}; Mann–Kendall p {})",
            if s.rho > 0.0 { "rise" } else { "fall" },
            t.months,
            s.rho,
            p_text(s.p),
            p_text(m.p)
        ),
        (Some(s), _) => format!(
            "{what} shows no significant trend over the {} complete months (Spearman ρ = {:.2}, p {})",
            t.months,
            s.rho,
            p_text(s.p)
        ),
        _ => format!(
            "{what}: too few complete months ({}) to test a trend",
            t.months
        ),
    }
}

/// Plain-language findings, most important first.
pub fn executive_summary(data: &ReportData) -> Vec<String> {
    let s = &data.summary;
    let mut out = Vec::new();
    let range = match (&s.first_month, &s.last_month) {
        (Some(a), Some(b)) => format!(" created between {a} and {b}"),
        _ => String::new(),
    };
    out.push(format!(
        "The store holds {} models{range}; {} of them ({}) have a model card.",
        s.models,
        s.with_card,
        pct(ratio(s.with_card, s.models))
    ));
    out.push(format!(
        "{}.",
        trend_words(
            &data.docs.card_ratio_trend,
            "The share of new models with a card"
        )
    ));
    let top: Vec<String> = data
        .uploads
        .summary
        .iter()
        .filter(|g| g.group != "(other)" && g.group != "unknown")
        .take(3)
        .map(|g| format!("{} ({} models, {})", g.group, g.total, pct(g.share)))
        .collect();
    if !top.is_empty() {
        out.push(format!(
            "The most uploaded families are {}.",
            top.join(", ")
        ));
    }
    if let Some(fastest) = data
        .uploads
        .summary
        .iter()
        .filter(|g| g.group != "(other)" && g.group != "unknown")
        .filter_map(|g| g.trend.mann_kendall.map(|m| (g, m)))
        .filter(|(_, m)| m.p < 0.05 && m.sens_slope > 0.0)
        .max_by(|a, b| a.1.sens_slope.total_cmp(&b.1.sens_slope))
    {
        out.push(format!(
            "{} grows fastest: about {} more models each month (Sen's slope, Mann–Kendall p {}).",
            fastest.0.group,
            format_float(fastest.1.sens_slope),
            p_text(fastest.1.p)
        ));
    }
    out.push(format!(
        "The family of {} of the models is known ({} from their configuration).",
        pct(data.coverage.share_resolved),
        pct(data.coverage.by_method.first().map_or(0.0, |m| m.share))
    ));
    if let Some(c) = &data.correlations {
        match c.across_families {
            Some(r) => out.push(format!(
                "Families that are discussed more are {} uploaded more (Spearman ρ = {:.2} across {} families, p {}).",
                if r.p < 0.05 && r.rho > 0.0 { "also" } else { "not clearly" },
                r.rho,
                r.n,
                p_text(r.p)
            )),
            None => out.push(
                "Too few families are both discussed and uploaded in the same months to compare them."
                    .into(),
            ),
        }
        let negative: Vec<&str> = c
            .families
            .iter()
            .filter(|f| f.correlation.is_some_and(|r| r.rho < 0.0 && r.p < 0.05))
            .map(|f| f.family.as_str())
            .take(5)
            .collect();
        if !negative.is_empty() {
            out.push(format!(
                "For {}, uploads and discussion move in opposite directions: more models, less talk — documentation has to carry more of the load.",
                negative.join(", ")
            ));
        }
    }
    out
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Markdown special characters escaped, for text from outside in a table cell.
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

/// The report as Markdown; charts are referenced as `charts/NAME.svg`.
pub fn markdown(data: &ReportData) -> String {
    let mut m = String::new();
    let s = &data.summary;
    let _ = writeln!(m, "# The reuse of pre-trained models: what the data says\n");
    let _ = writeln!(m, "Generated by hubscope on {}.\n", data.generated_at);
    let _ = writeln!(m, "## Executive summary\n");
    for line in executive_summary(data) {
        let _ = writeln!(m, "- {}", md(&line));
    }
    let _ = writeln!(m, "\n### Before reusing a model, ask\n");
    for (i, q) in MANAGER_QUESTIONS.iter().enumerate() {
        let _ = writeln!(m, "{}. {}", i + 1, q);
    }
    let _ = writeln!(m, "\n## Data\n");
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
    if !s.sources.is_empty() {
        let _ = writeln!(
            m,
            "\nSources:\n\n| kind | source | records |\n|---|---|---:|"
        );
        for (kind, source, n) in &s.sources {
            let _ = writeln!(m, "| {} | {} | {n} |", md(kind), md(source));
        }
    }
    let _ = writeln!(m, "\n## Uploads by family\n");
    let _ = writeln!(m, "![uploads by family](charts/uploads.svg)\n");
    if data.uploads.last_incomplete {
        let _ = writeln!(
            m,
            "The last month ({}) is incomplete and left out of the trend tests.\n",
            data.uploads
                .months
                .last()
                .map(|x| x.to_string())
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        m,
        "| family | models | share | Spearman ρ | p | Mann–Kendall τ | p | Sen's slope / month |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for g in &data.uploads.summary {
        let (rho, rp) = g.trend.spearman.map_or(("".into(), "".into()), |c| {
            (format!("{:.3}", c.rho), p_text(c.p))
        });
        let (tau, tp, slope) =
            g.trend
                .mann_kendall
                .map_or(("".into(), "".into(), "".into()), |k| {
                    (
                        format!("{:.3}", k.tau),
                        p_text(k.p),
                        format_float(k.sens_slope),
                    )
                });
        let _ = writeln!(
            m,
            "| {} | {} | {} | {rho} | {rp} | {tau} | {tp} | {slope} |",
            md(&g.group),
            g.total,
            pct(g.share)
        );
    }
    let c = &data.coverage;
    let _ = writeln!(
        m,
        "\nFamilies were resolved for {} of {} models ({}): {}.\n",
        c.resolved,
        c.models,
        pct(c.share_resolved),
        c.by_method
            .iter()
            .map(|x| format!("{} {} ({})", x.method.as_str(), x.models, pct(x.share)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(m, "![family resolution](charts/coverage.svg)\n");
    let _ = writeln!(m, "## Documentation over time\n");
    let _ = writeln!(m, "![share with a card](charts/docs.svg)\n");
    let _ = writeln!(
        m,
        "- {}.",
        md(&trend_words(
            &data.docs.card_ratio_trend,
            "The share of models with a card"
        ))
    );
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
    if data.docs.score_trend.months > 0 {
        let _ = writeln!(
            m,
            "- {}.",
            md(&trend_words(
                &data.docs.score_trend,
                "The mean completeness score of analysed cards"
            ))
        );
    }
    let o = &data.docs.overall;
    if o.cards_analysed > 0 {
        let _ = writeln!(
            m,
            "\nOf {} analysed cards, the median has {} words and the mean completeness score is {:.1}/100. Sections filled:\n",
            o.cards_analysed,
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
            "\nExamples — the most downloaded models with the most complete cards, and with the least complete:\n"
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
    let _ = writeln!(m, "\n## Mentions vs uploads\n");
    match &data.correlations {
        None => {
            let _ = writeln!(
                m,
                "No forum topics or Hub discussions are stored: ingest or crawl them to compare discussion with uploads."
            );
        }
        Some(c) => {
            let _ = writeln!(m, "![correlations](charts/correlations.svg)\n");
            let _ = writeln!(
                m,
                "Monthly topics mentioning each family against its monthly uploads over {} common months.\n",
                c.months.len()
            );
            match c.across_families {
                Some(r) => {
                    let _ = writeln!(
                        m,
                        "Across {} families, Spearman ρ between total mentions and total uploads = {:.3} (p {}).\n",
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
                "| family | topics | uploads | n | ρ | p |\n|---|---:|---:|---:|---:|---:|"
            );
            for f in c.families.iter().take(30) {
                let (n, rho, p) = f
                    .correlation
                    .map_or(("".into(), "undefined".into(), "".into()), |r| {
                        (r.n.to_string(), format!("{:.3}", r.rho), p_text(r.p))
                    });
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {n} | {rho} | {p} |",
                    md(&f.family),
                    format_float(f.total_a),
                    format_float(f.total_b)
                );
            }
        }
    }
    let _ = writeln!(m, "\n## Taxonomy of challenges\n");
    match &data.taxonomy {
        Some(t) if t.items > 0 => {
            let _ = writeln!(
                m,
                "{} topics coded into the study's taxonomy ({}){}.\n",
                t.items,
                t.source,
                if t.unresolved > 0 {
                    format!(
                        "; {} more are left out until their coders' disagreement is resolved",
                        t.unresolved
                    )
                } else {
                    String::new()
                }
            );
            let _ = writeln!(m, "![taxonomy](charts/taxonomy.svg)\n");
            let _ = writeln!(m, "| # | Category | Topics | Share |");
            let _ = writeln!(m, "|---:|---|---:|---:|");
            for (id, name, items, share) in &t.categories {
                let _ = writeln!(
                    m,
                    "| {id} | {} | {items} | {:.1} % |",
                    md(name),
                    100.0 * share
                );
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

fn section_name(s: CanonicalSection) -> String {
    s.as_str().replace('_', " ")
}

/// A Markdown subset to HTML: what [`markdown`] writes (headings, lists, tables, images replaced
/// by the inline charts, paragraphs). Text is escaped; Markdown escapes are undone first.
pub fn html(data: &ReportData, charts: &[(&str, String)]) -> String {
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
            if let Some((_, svg)) = charts.iter().find(|(n, _)| *n == name) {
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

/// Inline text: Markdown escapes undone, then HTML-escaped.
fn inline(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                plain.push(n);
            }
        } else {
            plain.push(c);
        }
    }
    escape(&plain)
}
