//! Charts as a standalone SVG file: no fonts beyond generic family names, no scripts, nothing
//! fetched. Each chart is a `<g class="chart">` with its title, axes (`class="axis"`) and ticks;
//! a line chart has one `<path class="run">` per run (its faint raw line, when smoothed, is a
//! second `<path class="raw">`), a scatter plot one `class="point"` shape per run (the best a
//! star), parallel coordinates one vertical axis per key and one `<path class="run">` per run
//! with a value on any axis.
//! One legend for all charts sits under them; every drawn run carries its name in `data-run`.

use std::fmt::Write as _;

use super::data::{downsample, segments};
use super::frame::Axis;
use super::line::{lines, scales};
use super::palette;
use super::scatter::{ParallelChart, ScatterChart};
use super::{LegendEntry, LineChart};

const MARGIN: (f64, f64, f64, f64) = (64.0, 16.0, 30.0, 40.0); // left, right, top, bottom
const FONT: &str = "font-family=\"sans-serif\" font-size=\"12\"";
const LEGEND_ROW: f64 = 20.0;
/// Roughly how wide a character of the 12px font is, to flow the legend.
const CHAR_W: f64 = 7.0;
/// The smallest chart drawn, whatever size was asked.
const MIN_HEIGHT: f64 = 200.0;

/// The charts side by side (each at least 320 px wide) in an SVG `width` px wide and about
/// `height` px high plus the legend.
pub fn to_svg(charts: &[LineChart], width: u32, height: u32) -> String {
    let n = charts.len().max(1);
    let cols = (width as usize / 320).clamp(1, n);
    let rows = n.div_ceil(cols);
    let (w, h) = (
        width as f64 / cols as f64,
        (height as f64 / rows as f64).max(MIN_HEIGHT),
    );
    let mut entries: Vec<LegendEntry> = Vec::new();
    for chart in charts {
        for e in chart.legend() {
            if !entries.contains(&e) {
                entries.push(e);
            }
        }
    }
    document(width, h * rows as f64, &entries, |s| {
        for (i, chart) in charts.iter().enumerate() {
            let (x, y) = ((i % cols) as f64 * w, (i / cols) as f64 * h);
            panel(s, chart, x, y, w, h);
        }
    })
}

/// A scatter plot as an SVG `width` px wide and `height` px high plus the legend.
pub fn scatter_to_svg(chart: &ScatterChart, width: u32, height: u32) -> String {
    let (w, h) = (width as f64, (height as f64).max(MIN_HEIGHT));
    document(width, h, &chart.legend, |s| {
        let (px, py, pw, ph) = plot_area(0.0, 0.0, w, h);
        open_chart(s, &chart.title, px, 0.0);
        let x_ticks = placed(&chart.x, (pw / 90.0).max(2.0) as usize, |t| px + t * pw);
        let y_ticks = placed(&chart.y, (ph / 50.0).max(2.0) as usize, |t| {
            py + (1.0 - t) * ph
        });
        frame(s, (px, py, pw, ph), &x_ticks, &y_ticks, &chart.x_label);
        // The best point last, so no other covers it.
        let mut order: Vec<_> = chart.points.iter().collect();
        order.sort_by_key(|p| p.best);
        for p in order {
            let (x, y) = (
                px + chart.x.scale.unit(p.x) * pw,
                py + (1.0 - chart.y.scale.unit(p.y)) * ph,
            );
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            let run = escape(&p.label);
            if p.best {
                let _ = writeln!(
                    s,
                    "<polygon class=\"point best\" data-run=\"{run}\" points=\"{}\" fill=\"{}\" stroke=\"black\"/>",
                    star(x, y, 9.0),
                    palette::hex(p.color)
                );
            } else {
                let _ = writeln!(
                    s,
                    "<circle class=\"point\" data-run=\"{run}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{}\" fill-opacity=\"0.85\"/>",
                    palette::hex(p.color)
                );
            }
        }
        s.push_str("</g>\n");
    })
}

/// Parallel coordinates as an SVG `width` px wide and `height` px high plus the legend.
pub fn parallel_to_svg(chart: &ParallelChart, width: u32, height: u32) -> String {
    let (w, h) = (width as f64, (height as f64).max(MIN_HEIGHT));
    document(width, h, &chart.legend, |s| {
        let n = chart.axes.len();
        // Room on the left and right for the first and last axis's tick labels.
        let (px, py, pw, ph) = (24.0, 46.0, w - 96.0, h - 70.0);
        let x_of = |i: usize| {
            px + if n > 1 {
                i as f64 * pw / (n - 1) as f64
            } else {
                0.0
            }
        };
        let y_of = |i: usize, v: f64| py + (1.0 - chart.axes[i].1.scale.unit(v)) * ph;
        open_chart(s, &chart.title, px, 0.0);
        let mut order: Vec<_> = chart.runs.iter().collect();
        order.sort_by_key(|r| r.best);
        for run in order {
            // Runs of values on neighbouring axes are joined; a lone value is a dot (a segment
            // of no length, with round caps).
            let mut d = String::new();
            let mut joined = 0;
            for (i, v) in run.values.iter().enumerate() {
                let y = v.map_or(f64::NAN, |v| y_of(i, v));
                if y.is_finite() {
                    let _ = write!(
                        d,
                        "{}{:.1} {y:.1}",
                        if joined > 0 { "L" } else { "M" },
                        x_of(i)
                    );
                    joined += 1;
                    continue;
                }
                if joined == 1 {
                    d.push_str("h0");
                }
                joined = 0;
            }
            if joined == 1 {
                d.push_str("h0");
            }
            if d.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "<path class=\"run{}\" data-run=\"{}\" d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-opacity=\"0.8\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
                if run.best { " best" } else { "" },
                escape(&run.label),
                palette::hex(run.color),
                if run.best { "3.5" } else { "1.5" },
            );
        }
        for (i, (name, axis)) in chart.axes.iter().enumerate() {
            let x = x_of(i);
            let _ = writeln!(
                s,
                "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{py:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/>\
                 <text class=\"axis-name\" x=\"{x:.1}\" y=\"{:.1}\" {FONT} text-anchor=\"middle\">{}</text>",
                py + ph,
                py - 10.0,
                escape(name)
            );
            for (v, label) in axis.ticks((ph / 40.0).max(2.0) as usize) {
                let _ = writeln!(
                    s,
                    "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" {FONT} paint-order=\"stroke\" stroke=\"white\" stroke-width=\"3\">{}</text>",
                    x + 4.0,
                    y_of(i, v) + 4.0,
                    escape(&label)
                );
            }
        }
        s.push_str("</g>\n");
    })
}

/// The SVG document: a white page `width` wide, the charts `draw` writes into the top
/// `charts_h` px, the legend under them.
fn document(
    width: u32,
    charts_h: f64,
    entries: &[LegendEntry],
    draw: impl FnOnce(&mut String),
) -> String {
    let legend = flow(entries, width as f64);
    let total_h = charts_h + legend.len() as f64 * LEGEND_ROW + 10.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{total_h:.0}\" viewBox=\"0 0 {width} {total_h:.0}\">"
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    draw(&mut s);
    let top = charts_h + 4.0;
    for (r, row) in legend.iter().enumerate() {
        let y = top + r as f64 * LEGEND_ROW + 12.0;
        for (x, e) in row {
            // Plain notes (`u8::MAX`) have no colour swatch.
            let text_x = if e.color == u8::MAX {
                x + 10.0
            } else {
                let c = palette::hex(e.color);
                let _ = write!(
                    s,
                    "<line class=\"swatch\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{c}\" stroke-width=\"3\"/>",
                    x + 10.0,
                    y - 4.0,
                    x + 28.0,
                    y - 4.0,
                );
                x + 34.0
            };
            let _ = writeln!(
                s,
                "<text class=\"legend\" x=\"{text_x:.1}\" y=\"{y:.1}\" {FONT}>{}</text>",
                escape(&e.label)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn flow(entries: &[LegendEntry], width: f64) -> Vec<Vec<(f64, &LegendEntry)>> {
    let mut rows: Vec<Vec<(f64, &LegendEntry)>> = Vec::new();
    let mut x = 0.0;
    for e in entries {
        let w = 44.0 + e.label.chars().count() as f64 * CHAR_W;
        if rows.is_empty() || (x > 0.0 && x + w > width) {
            rows.push(Vec::new());
            x = 0.0;
        }
        rows.last_mut().unwrap().push((x, e));
        x += w + 12.0;
    }
    rows
}

/// Where the plot of a `w × h` chart at (`x`, `y`) goes, inside the margins for ticks.
fn plot_area(x: f64, y: f64, w: f64, h: f64) -> (f64, f64, f64, f64) {
    let (l, r, t, b) = MARGIN;
    (x + l, y + t, w - l - r, h - t - b)
}

/// Start a chart's group with its title.
fn open_chart(s: &mut String, title: &str, x: f64, y: f64) {
    let _ = writeln!(s, "<g class=\"chart\">");
    let _ = writeln!(
        s,
        "<text class=\"title\" x=\"{x:.1}\" y=\"{:.1}\" {FONT} font-weight=\"bold\">{}</text>",
        y + 18.0,
        escape(title)
    );
}

/// An axis's ticks, each at the pixel `at` gives for its place from 0 to 1 along the axis.
fn placed(axis: &Axis, count: usize, at: impl Fn(f64) -> f64) -> Vec<(f64, String)> {
    axis.ticks(count)
        .into_iter()
        .map(|(v, label)| (at(axis.scale.unit(v)), label))
        .filter(|(p, _)| p.is_finite())
        .collect()
}

/// Grid lines and labels at the ticks (pixel positions), the x and y axis lines, the x label.
fn frame(
    s: &mut String,
    (px, py, pw, ph): (f64, f64, f64, f64),
    x_ticks: &[(f64, String)],
    y_ticks: &[(f64, String)],
    x_label: &str,
) {
    for (ty, label) in y_ticks {
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{px:.1}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\" stroke=\"#e5e5e5\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" {FONT} text-anchor=\"end\">{}</text>",
            px + pw,
            px - 6.0,
            ty + 4.0,
            escape(label)
        );
    }
    for (tx, label) in x_ticks {
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{tx:.1}\" y1=\"{py:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#e5e5e5\"/>\
             <text class=\"tick\" x=\"{tx:.1}\" y=\"{:.1}\" {FONT} text-anchor=\"middle\">{}</text>",
            py + ph,
            py + ph + 16.0,
            escape(label)
        );
    }
    let _ = writeln!(
        s,
        "<line class=\"axis\" x1=\"{px:.1}\" y1=\"{py:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"black\"/>\
         <line class=\"axis\" x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\"/>",
        py + ph,
        py + ph,
        px + pw,
        py + ph
    );
    let _ = writeln!(
        s,
        "<text class=\"xlabel\" x=\"{:.1}\" y=\"{:.1}\" {FONT} text-anchor=\"end\">{}</text>",
        px + pw,
        py + ph + 32.0,
        escape(x_label)
    );
}

/// The corners of a five-pointed star of radius `r` around (`x`, `y`).
fn star(x: f64, y: f64, r: f64) -> String {
    (0..10)
        .map(|k| {
            let radius = if k % 2 == 0 { r } else { r * 0.45 };
            let angle = std::f64::consts::PI * (k as f64 / 5.0 - 0.5);
            format!(
                "{:.1},{:.1}",
                x + radius * angle.cos(),
                y + radius * angle.sin()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn panel(s: &mut String, chart: &LineChart, x: f64, y: f64, w: f64, h: f64) {
    let o = &chart.options;
    let (px, py, pw, ph) = plot_area(x, y, w, h);
    let y_count = (ph / 50.0).max(2.0) as usize;
    let (xs, ys) = scales(chart, y_count);
    let sx = |v: f64| px + xs.unit(v) * pw;
    let sy = |v: f64| py + (1.0 - ys.unit(v)) * ph;
    open_chart(s, &chart.title, px, y);
    let y_ticks: Vec<(f64, String)> = ys
        .ticks(y_count)
        .into_iter()
        .map(|(v, l)| (sy(v), l))
        .collect();
    let x_ticks: Vec<(f64, String)> = xs
        .ticks((pw / 90.0).max(2.0) as usize)
        .into_iter()
        .map(|(v, l)| (sx(v), l))
        .collect();
    frame(s, (px, py, pw, ph), &x_ticks, &y_ticks, &o.x_label);
    let _ = writeln!(
        s,
        "<clipPath id=\"clip{}\"><rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{pw:.1}\" height=\"{ph:.1}\"/></clipPath>",
        (x as u32) * 100_000 + y as u32
    );
    let cols = (pw * 2.0) as usize;
    for series in &chart.series {
        for (points, faint) in lines(&series.points, o.smooth) {
            let mut d = String::new();
            for seg in segments(&points, o.log_y) {
                for (j, &(vx, vy)) in downsample(seg, xs.lo, xs.hi, cols).iter().enumerate() {
                    let _ = write!(
                        d,
                        "{}{:.1} {:.1}",
                        if j == 0 { "M" } else { "L" },
                        sx(vx),
                        sy(vy)
                    );
                }
            }
            // Colours repeat after eight runs; the later runs are dashed.
            let dash = if palette::repeats(series.color) {
                " stroke-dasharray=\"6 3\""
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "<path class=\"{}\" data-run=\"{}\" d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}{dash} clip-path=\"url(#clip{})\" stroke-linejoin=\"round\"/>",
                if faint { "raw" } else { "run" },
                escape(&series.label),
                palette::hex(series.color),
                if faint { "1" } else { "1.8" },
                if faint { " stroke-opacity=\"0.3\"" } else { "" },
                (x as u32) * 100_000 + y as u32
            );
        }
    }
    let _ = writeln!(s, "</g>");
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}
