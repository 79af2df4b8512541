//! SVG charts written directly: multi-series line charts over months and horizontal bar charts.
//! No fonts are measured (text is left to the viewer), no scripts, no external references, so a
//! chart can be inlined into an offline HTML report. Every text is XML-escaped.

use std::fmt::Write as _;

/// Colours for series, readable on white and distinguishable in print.
const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// Colours for the 18 categories of a sunburst: the palette, then eight more, so no two
/// categories share one.
const WIDE_PALETTE: [&str; 18] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
    "#e6550d", "#31a354",
];

/// Escapes text for XML and HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A line chart: one line per series over shared x labels (months).
#[derive(Debug, Clone, Default)]
pub struct LineChart {
    pub title: String,
    pub y_label: String,
    pub x_labels: Vec<String>,
    pub series: Vec<(String, Vec<f64>)>,
    /// Values are shares (0–1), shown as percentages.
    pub percent: bool,
    /// The last point is provisional (an incomplete month): drawn dashed.
    pub last_incomplete: bool,
    /// A line under the title: where the counts come from.
    pub subtitle: String,
    /// Vertical marks before the point at an index, with a label: where the data's sampling
    /// frame changes (a census ends, a sample begins).
    pub markers: Vec<(usize, String)>,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, Default)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<(String, f64)>,
    pub percent: bool,
    /// A line under the title: where the counts come from.
    pub subtitle: String,
}

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 420.0;

/// "Nice" tick step for a range (1, 2 or 5 times a power of ten).
fn nice_step(max: f64, ticks: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks;
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

fn label(value: f64, percent: bool) -> String {
    if percent {
        format!("{:.0}%", value * 100.0)
    } else if value.abs() >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0)
    } else if value.abs() >= 10_000.0 {
        format!("{:.0}k", value / 1_000.0)
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

impl LineChart {
    pub fn to_svg(&self) -> String {
        let (left, right, bottom) = (70.0, 200.0, 60.0);
        let top = if self.subtitle.is_empty() { 40.0 } else { 56.0 };
        let plot_w = WIDTH - left - right;
        let plot_h = HEIGHT - top - bottom;
        let n = self.x_labels.len().max(1);
        let max = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let max = if self.percent {
            max.clamp(0.01, 1.0)
        } else {
            max
        };
        let step = nice_step(max, 5.0);
        let top_value = (max / step).ceil().max(1.0) * step;
        let x = |i: usize| left + plot_w * (i as f64 + 0.5) / n as f64;
        let y = |v: f64| top + plot_h * (1.0 - v / top_value);
        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{t}" font-family="sans-serif" font-size="12"><title>{t}</title><rect width="100%" height="100%" fill="#ffffff"/><text x="{left}" y="22" font-size="15" font-weight="bold">{t}</text>"##,
            t = escape(&self.title)
        );
        if !self.subtitle.is_empty() {
            let _ = write!(
                svg,
                r##"<text x="{left}" y="40" fill="#555">{}</text>"##,
                escape(&self.subtitle)
            );
        }
        // Grid and y labels.
        let mut v = 0.0;
        while v <= top_value + step / 2.0 {
            let yy = y(v);
            let _ = write!(
                svg,
                r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                left + plot_w,
                left - 6.0,
                yy + 4.0,
                label(v, self.percent)
            );
            v += step;
        }
        let _ = write!(
            svg,
            r##"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"##,
            top + plot_h / 2.0,
            escape(&self.y_label)
        );
        // X labels: at most ~12.
        let every = n.div_ceil(12).max(1);
        for (i, l) in self.x_labels.iter().enumerate() {
            if i % every == 0 {
                let _ = write!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="end" transform="rotate(-40 {:.1} {:.1})">{}</text>"##,
                    x(i),
                    top + plot_h + 16.0,
                    x(i),
                    top + plot_h + 16.0,
                    escape(l)
                );
            }
        }
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
            top + plot_h,
            left + plot_w,
            top + plot_h
        );
        // Lines and legend.
        for (k, (name, values)) in self.series.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            let solid_until = if self.last_incomplete && values.len() > 1 {
                values.len() - 1
            } else {
                values.len()
            };
            let points = |range: std::ops::Range<usize>| -> String {
                range
                    .filter(|&i| values[i].is_finite())
                    .map(|i| format!("{:.1},{:.1}", x(i), y(values[i])))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let _ = write!(
                svg,
                r##"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"><title>{}</title></polyline>"##,
                points(0..solid_until),
                escape(name)
            );
            if solid_until < values.len() {
                let _ = write!(
                    svg,
                    r##"<polyline fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3" points="{}"/>"##,
                    points(solid_until - 1..values.len())
                );
            }
            let ly = top + 14.0 + 18.0 * k as f64;
            let lx = left + plot_w + 16.0;
            let _ = write!(
                svg,
                r##"<line x1="{lx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{ly:.1}">{}</text>"##,
                ly - 4.0,
                lx + 18.0,
                ly - 4.0,
                lx + 24.0,
                escape(name)
            );
        }
        for (k, (at, text)) in self.markers.iter().enumerate() {
            let xx = left + plot_w * (*at as f64) / n as f64;
            let _ = write!(
                svg,
                r##"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="#444" stroke-dasharray="2 3"/><text x="{:.1}" y="{:.1}" fill="#444" font-size="11">{}</text>"##,
                top + plot_h,
                xx + 3.0,
                top + 12.0 + 13.0 * (k % 3) as f64,
                escape(text)
            );
        }
        if self.last_incomplete {
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{:.1}" fill="#666">dashed: last month,</text><text x="{x:.1}" y="{:.1}" fill="#666">incomplete</text>"##,
                HEIGHT - 26.0,
                HEIGHT - 12.0,
                x = left + plot_w + 16.0,
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

impl BarChart {
    pub fn to_svg(&self) -> String {
        let row = 22.0;
        let left = 220.0;
        let top = if self.subtitle.is_empty() { 40.0 } else { 56.0 };
        let height = top + row * self.bars.len() as f64 + 20.0;
        let plot_w = WIDTH - left - 90.0;
        let finite = || self.bars.iter().map(|(_, v)| *v).filter(|v| v.is_finite());
        // Negative values (correlations) extend left of a zero line.
        let max = finite().fold(0.0f64, f64::max);
        let min = finite().fold(0.0f64, f64::min);
        let span = (max - min).max(f64::MIN_POSITIVE);
        let x = |v: f64| left + plot_w * (v - min) / span;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{t}" font-family="sans-serif" font-size="12"><title>{t}</title><rect width="100%" height="100%" fill="#ffffff"/><text x="10" y="22" font-size="15" font-weight="bold">{t}</text>"##,
            t = escape(&self.title)
        );
        if !self.subtitle.is_empty() {
            let _ = write!(
                svg,
                r##"<text x="10" y="40" fill="#555">{}</text>"##,
                escape(&self.subtitle)
            );
        }
        for (i, (name, v)) in self.bars.iter().enumerate() {
            let y = top + row * i as f64;
            let v = if v.is_finite() { *v } else { 0.0 };
            let (a, b) = (x(0.0).min(x(v)), x(0.0).max(x(v)));
            let colour = if v < 0.0 { PALETTE[1] } else { PALETTE[0] };
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{a:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/><text x="{:.1}" y="{:.1}">{}</text>"##,
                left - 6.0,
                y + 14.0,
                escape(name),
                b - a,
                row - 6.0,
                b + 6.0,
                y + 14.0,
                label(v, self.percent)
            );
        }
        if min < 0.0 {
            let _ = write!(
                svg,
                r##"<line x1="{x0:.1}" y1="{:.1}" x2="{x0:.1}" y2="{:.1}" stroke="#333"/>"##,
                top - 4.0,
                height - 16.0,
                x0 = x(0.0)
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_escaped_and_self_contained() {
        let chart = LineChart {
            title: "Uploads <by> family & more".into(),
            y_label: "models".into(),
            x_labels: (1..=14).map(|m| format!("2021-{m:02}")).collect(),
            series: vec![
                ("bert".into(), (0..14).map(f64::from).collect()),
                ("<script>".into(), vec![1.0; 14]),
            ],
            percent: false,
            last_incomplete: true,
            subtitle: "from <a> & b".into(),
            markers: vec![(3, "sample <only>".into())],
        };
        let svg = chart.to_svg();
        assert!(svg.contains("from &lt;a&gt; &amp; b") && svg.contains("sample &lt;only&gt;"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("Uploads &lt;by&gt; family &amp; more"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("stroke-dasharray"));
        assert!(!svg.contains("href"));
        let bars = BarChart {
            title: "Coverage".into(),
            bars: vec![("model_type".into(), 0.5), ("unknown".into(), 0.25)],
            percent: true,
            subtitle: String::new(),
        }
        .to_svg();
        assert!(bars.contains("50%") && bars.contains("25%"));
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(9.0, 5.0), 2.0);
        assert_eq!(nice_step(1234.0, 5.0), 500.0);
        assert_eq!(nice_step(0.53, 5.0), 0.2);
    }
}

/// One category of a sunburst: its label, items, and its subcategories' labels and items.
pub type Ring = (String, f64, Vec<(String, f64)>);

/// A sunburst: an inner ring of categories and, outside each, a ring of its subcategories, each
/// arc's angle proportional to its items. A legend lists the categories with their counts.
#[derive(Debug, Clone, Default)]
pub struct Sunburst {
    pub title: String,
    /// `(label, items, subcategories as (label, items))`; zero-item entries are not drawn.
    pub rings: Vec<Ring>,
}

/// The SVG path of a ring segment between radii `r0`–`r1` and angles `a0`–`a1` (radians,
/// clockwise from 12 o'clock) around (`cx`, `cy`).
fn ring_segment(cx: f64, cy: f64, r0: f64, r1: f64, a0: f64, a1: f64) -> String {
    // A full circle cannot be one arc: draw it as two halves.
    if a1 - a0 >= std::f64::consts::TAU - 1e-9 {
        let mid = a0 + std::f64::consts::PI;
        return format!(
            "{} {}",
            ring_segment(cx, cy, r0, r1, a0, mid),
            ring_segment(cx, cy, r0, r1, mid, a1)
        );
    }
    let point = |r: f64, a: f64| (cx + r * a.sin(), cy - r * a.cos());
    let large = if a1 - a0 > std::f64::consts::PI { 1 } else { 0 };
    let (x0, y0) = point(r1, a0);
    let (x1, y1) = point(r1, a1);
    let (x2, y2) = point(r0, a1);
    let (x3, y3) = point(r0, a0);
    format!(
        "M{x0:.2},{y0:.2} A{r1},{r1} 0 {large} 1 {x1:.2},{y1:.2} L{x2:.2},{y2:.2} A{r0},{r0} 0 {large} 0 {x3:.2},{y3:.2} Z"
    )
}

impl Sunburst {
    pub fn to_svg(&self) -> String {
        let total: f64 = self
            .rings
            .iter()
            .map(|(_, v, _)| v.max(0.0))
            .filter(|v| v.is_finite())
            .sum();
        let (cx, cy) = (230.0, 250.0);
        let (hole, inner, outer) = (60.0, 130.0, 200.0);
        let shown: Vec<&Ring> = self
            .rings
            .iter()
            .filter(|(_, v, _)| v.is_finite() && *v > 0.0)
            .collect();
        let height = (40.0 + 20.0 * shown.len() as f64).max(HEIGHT + 80.0);
        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{t}" font-family="sans-serif" font-size="12"><title>{t}</title><rect width="100%" height="100%" fill="#ffffff"/><text x="10" y="22" font-size="15" font-weight="bold">{t}</text>"##,
            t = escape(&self.title)
        );
        if total <= 0.0 {
            let _ = write!(
                svg,
                r##"<text x="{cx}" y="{cy}" text-anchor="middle" fill="#555555">no coded topics</text></svg>"##
            );
            return svg;
        }
        let mut angle = 0.0f64;
        for (i, (label, value, subs)) in shown.iter().enumerate() {
            let colour = WIDE_PALETTE[i % WIDE_PALETTE.len()];
            let sweep = std::f64::consts::TAU * value / total;
            let _ = write!(
                svg,
                r##"<path d="{}" fill="{colour}" stroke="#ffffff"><title>{} — {} ({:.1} %)</title></path>"##,
                ring_segment(cx, cy, hole, inner, angle, angle + sweep),
                escape(label),
                value,
                100.0 * value / total
            );
            // Subcategories share their category's arc, lighter.
            let sub_total: f64 = subs.iter().map(|(_, v)| v.max(0.0)).sum();
            let mut sub_angle = angle;
            for (sub, v) in subs.iter().filter(|(_, v)| *v > 0.0) {
                let sub_sweep = if sub_total > 0.0 {
                    sweep * v / sub_total
                } else {
                    0.0
                };
                let _ = write!(
                    svg,
                    r##"<path d="{}" fill="{colour}" fill-opacity="0.55" stroke="#ffffff"><title>{} / {} — {}</title></path>"##,
                    ring_segment(cx, cy, inner, outer, sub_angle, sub_angle + sub_sweep),
                    escape(label),
                    escape(sub),
                    v
                );
                sub_angle += sub_sweep;
            }
            // A number on the inner arc when it is wide enough to hold one.
            if sweep > 0.25 {
                let mid = angle + sweep / 2.0;
                let r = (hole + inner) / 2.0;
                let _ = write!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" dominant-baseline="middle" fill="#ffffff" font-weight="bold">{:.0} %</text>"##,
                    cx + r * mid.sin(),
                    cy - r * mid.cos(),
                    100.0 * value / total
                );
            }
            let y = 50.0 + 20.0 * i as f64;
            let _ = write!(
                svg,
                r##"<rect x="470" y="{:.1}" width="12" height="12" fill="{colour}"/><text x="488" y="{:.1}">{} — {} ({:.1} %)</text>"##,
                y - 10.0,
                y,
                escape(label),
                value,
                100.0 * value / total
            );
            angle += sweep;
        }
        let _ = write!(
            svg,
            r##"<text x="{cx}" y="{cy}" text-anchor="middle" dominant-baseline="middle" font-weight="bold">{total}</text></svg>"##
        );
        svg
    }
}

#[cfg(test)]
mod sunburst_tests {
    use super::*;

    #[test]
    fn arcs_cover_the_circle_and_labels_are_escaped() {
        let chart = Sunburst {
            title: "Challenges <coded>".into(),
            rings: vec![
                (
                    "Memory & Performance".into(),
                    3.0,
                    vec![("Memory".into(), 2.0), ("Speed".into(), 1.0)],
                ),
                ("Spaces".into(), 1.0, vec![]),
                ("Empty".into(), 0.0, vec![]),
            ],
        };
        let svg = chart.to_svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("Challenges &lt;coded&gt;") && svg.contains("Memory &amp; Performance")
        );
        assert_eq!(
            svg.matches("<path").count(),
            2 + 2,
            "two categories, two subcategories"
        );
        assert!(!svg.contains("Empty"), "zero-item categories are not drawn");
        assert!(svg.contains("75 %") && svg.contains(">4</text>"));
        // One category alone is a full ring: two half arcs, no degenerate path.
        let alone = Sunburst {
            title: "t".into(),
            rings: vec![("A".into(), 5.0, vec![])],
        };
        assert!(!alone.to_svg().contains("NaN"));
        assert!(Sunburst::default().to_svg().contains("no coded topics"));
    }
}
