//! Charts as a standalone SVG file: no fonts beyond generic family names, no scripts, nothing
//! fetched. Each chart is a `<g class="chart">` with its axes, ticks and one `<path
//! class="run">` per run (its faint raw line, when smoothed, is a second `<path class="raw">`);
//! one legend for all charts sits under them.

use std::fmt::Write as _;

use super::data::{downsample, segments};
use super::line::{lines, scales};
use super::palette;
use super::{LegendEntry, LineChart};

const MARGIN: (f64, f64, f64, f64) = (64.0, 16.0, 30.0, 40.0); // left, right, top, bottom
const FONT: &str = "font-family=\"sans-serif\" font-size=\"12\"";
const LEGEND_ROW: f64 = 20.0;
/// Roughly how wide a character of the 12px font is, to flow the legend.
const CHAR_W: f64 = 7.0;

/// The charts side by side (each at least 320 px wide) in an SVG `width` px wide and about
/// `height` px high plus the legend.
pub fn to_svg(charts: &[LineChart], width: u32, height: u32) -> String {
    let n = charts.len().max(1);
    let cols = (width as usize / 320).clamp(1, n);
    let rows = n.div_ceil(cols);
    let (w, h) = (
        width as f64 / cols as f64,
        (height as f64 / rows as f64).max(200.0),
    );
    let mut entries: Vec<LegendEntry> = Vec::new();
    for chart in charts {
        for e in chart.legend() {
            if !entries.contains(&e) {
                entries.push(e);
            }
        }
    }
    let legend = flow(&entries, width as f64);
    let total_h = h * rows as f64 + legend.len() as f64 * LEGEND_ROW + 10.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{total_h:.0}\" viewBox=\"0 0 {width} {total_h:.0}\">"
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    for (i, chart) in charts.iter().enumerate() {
        let (x, y) = ((i % cols) as f64 * w, (i / cols) as f64 * h);
        panel(&mut s, chart, x, y, w, h);
    }
    let top = h * rows as f64 + 4.0;
    for (r, row) in legend.iter().enumerate() {
        let y = top + r as f64 * LEGEND_ROW + 12.0;
        for (x, e) in row {
            let c = palette::hex(e.color);
            let _ = writeln!(
                s,
                "<line class=\"swatch\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{c}\" stroke-width=\"3\"/>\
                 <text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\" {FONT}>{}</text>",
                x + 10.0,
                y - 4.0,
                x + 28.0,
                y - 4.0,
                x + 34.0,
                y,
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

fn panel(s: &mut String, chart: &LineChart, x: f64, y: f64, w: f64, h: f64) {
    let o = &chart.options;
    let (l, r, t, b) = MARGIN;
    let (px, py, pw, ph) = (x + l, y + t, w - l - r, h - t - b);
    let y_count = (ph / 50.0).max(2.0) as usize;
    let (xs, ys) = scales(chart, y_count);
    let sx = |v: f64| px + xs.unit(v) * pw;
    let sy = |v: f64| py + (1.0 - ys.unit(v)) * ph;
    let _ = writeln!(s, "<g class=\"chart\">");
    let _ = writeln!(
        s,
        "<text class=\"title\" x=\"{:.1}\" y=\"{:.1}\" {FONT} font-weight=\"bold\">{}</text>",
        px,
        y + 18.0,
        escape(&chart.title)
    );
    for (v, label) in ys.ticks(y_count) {
        let ty = sy(v);
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{px:.1}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\" stroke=\"#e5e5e5\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" {FONT} text-anchor=\"end\">{}</text>",
            px + pw,
            px - 6.0,
            ty + 4.0,
            escape(&label)
        );
    }
    for (v, label) in xs.ticks((pw / 90.0).max(2.0) as usize) {
        let tx = sx(v);
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{tx:.1}\" y1=\"{py:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#e5e5e5\"/>\
             <text class=\"tick\" x=\"{tx:.1}\" y=\"{:.1}\" {FONT} text-anchor=\"middle\">{}</text>",
            py + ph,
            py + ph + 16.0,
            escape(&label)
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
        escape(&o.x_label)
    );
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
