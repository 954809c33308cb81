//! A line chart in cells: title, y axis with ticks on the left, x axis with ticks below, the
//! runs' lines in braille (or blocks), markers along them when colour is off, the legend.

use super::LineChart;
use super::canvas::{Cell, Dots, Grid};
use super::data::{downsample, ema, segments};
use super::layout::{draw_legend, legend_rows};
use super::palette;
use super::scale::{Scale, Unit};

/// Columns between the markers of one run when its points are too many to mark each one.
const MARKER_SPACING: usize = 8;

/// The scales a chart's data and options call for (shared by the SVG writer).
pub fn scales(chart: &LineChart, y_ticks: usize) -> (Scale, Scale) {
    let o = &chart.options;
    let all = || chart.series.iter().flat_map(|s| s.points.iter().copied());
    let x = Scale::fit(all().map(|p| p.0), false, o.x_unit, o.xlim, None);
    let in_x = |p: &(f64, f64)| p.0 >= x.lo && p.0 <= x.hi;
    let y = Scale::fit(
        all().filter(in_x).map(|p| p.1),
        o.log_y,
        Unit::Number,
        o.ylim,
        Some(y_ticks),
    );
    (x, y)
}

/// The lines to draw for one series: the raw points (faint when smoothed) and the smoothed ones.
pub fn lines(points: &[(f64, f64)], smooth: Option<f64>) -> Vec<(Vec<(f64, f64)>, bool)> {
    match smooth {
        Some(alpha) if alpha > 0.0 => vec![(points.to_vec(), true), (ema(points, alpha), false)],
        _ => vec![(points.to_vec(), false)],
    }
}

pub fn draw(chart: &LineChart, width: u16, height: u16, with_legend: bool) -> Grid {
    let o = &chart.options;
    let mut grid = Grid::new(width, height);
    let title_rows = u16::from(!chart.title.is_empty());
    grid.text(0, 0, &chart.title, None);
    let entries = chart.legend();
    let mut legend = if with_legend {
        legend_rows(&entries, width, (height as usize / 4).max(1))
    } else {
        Vec::new()
    };
    // The plot needs at least two rows; the legend gives way first.
    if height < title_rows + 2 + 2 + legend.len() as u16 {
        legend.clear();
    }
    let plot_h = height.saturating_sub(title_rows + 2 + legend.len() as u16);
    if plot_h < 2 || width < 16 {
        return grid;
    }
    let y_count = (plot_h as usize / 3).max(2);
    let (xs, ys) = scales(chart, y_count);
    let y_ticks = ys.ticks(y_count);
    let label_w = y_ticks
        .iter()
        .map(|t| t.1.chars().count())
        .max()
        .unwrap_or(1) as u16;
    let left = label_w + 1;
    let plot_w = width.saturating_sub(left + 2);
    if plot_w < 4 {
        return grid;
    }
    let top = title_rows;
    let (dx, dy) = o.symbols.dots();
    let (w_dots, h_dots) = (plot_w as usize * dx, plot_h as usize * dy);
    let to_dot = |x: f64, y: f64| {
        (
            xs.unit(x) * (w_dots - 1) as f64,
            (1.0 - ys.unit(y)) * (h_dots - 1) as f64,
        )
    };

    // Axes and ticks.
    for r in 0..plot_h {
        grid.text(left as i64, (top + r) as i64, "│", None);
    }
    let axis_row = (top + plot_h) as i64;
    grid.text(left as i64, axis_row, "└", None);
    for c in 1..=plot_w + 1 {
        grid.text((left + c) as i64, axis_row, "─", None);
    }
    for (v, label) in &y_ticks {
        let row = (to_dot(xs.lo, *v).1 / dy as f64).round() as i64;
        if row < 0 || row >= plot_h as i64 {
            continue;
        }
        let pad = label_w as usize - label.chars().count();
        grid.text(
            0,
            top as i64 + row,
            &format!("{}{label}", " ".repeat(pad)),
            None,
        );
        let ch = if row == plot_h as i64 - 1 {
            "├"
        } else {
            "┤"
        };
        grid.text(left as i64, top as i64 + row, ch, None);
    }
    let mut free_from = 0i64;
    for (v, label) in xs.ticks((plot_w as usize / 12).max(2)) {
        let col = (to_dot(v, ys.lo).0 / dx as f64).round() as i64;
        if col < 0 || col >= plot_w as i64 {
            continue;
        }
        let at = left as i64 + 1 + col;
        grid.text(at, axis_row, "┬", None);
        let len = label.chars().count() as i64;
        let start = (at - len / 2).clamp(0, width as i64 - len);
        if start >= free_from {
            grid.text(start, axis_row + 1, &label, None);
            free_from = start + len + 1;
        }
    }
    let unit_len = o.x_label.chars().count() as i64;
    if free_from + unit_len < width as i64 {
        grid.text(width as i64 - unit_len, axis_row + 1, &o.x_label, None);
    }

    // Lines: every run's faint raw line first, then the lines on top, in order.
    let mut dots = Dots::new(o.symbols, plot_w, plot_h);
    let mut ends: Vec<Vec<(i64, i64)>> = vec![Vec::new(); chart.series.len()];
    let series_lines: Vec<_> = chart
        .series
        .iter()
        .map(|s| lines(&s.points, o.smooth))
        .collect();
    for faint in [true, false] {
        for (i, s) in chart.series.iter().enumerate() {
            for (points, dim) in &series_lines[i] {
                if *dim != faint {
                    continue;
                }
                for seg in segments(points, o.log_y) {
                    let seg = downsample(seg, xs.lo, xs.hi, w_dots);
                    let mut prev = to_dot(seg[0].0, seg[0].1);
                    dots.set(
                        prev.0.round() as i64,
                        prev.1.round() as i64,
                        Some(s.color),
                        *dim,
                    );
                    for &(x, y) in &seg[1..] {
                        let next = to_dot(x, y);
                        dots.line(prev, next, Some(s.color), *dim);
                        prev = next;
                    }
                    if !dim {
                        ends[i].extend(seg.iter().map(|&(x, y)| {
                            let (cx, cy) = to_dot(x, y);
                            ((cx / dx as f64) as i64, (cy / dy as f64) as i64)
                        }));
                    }
                }
            }
        }
    }
    let (x0, y0) = (left + 1, top);
    dots.paint(&mut grid, x0, y0);
    if !o.color {
        for (i, s) in chart.series.iter().enumerate() {
            mark(&mut grid, &ends[i], s.color, i, (plot_w, plot_h), (x0, y0));
        }
    }
    draw_legend(&mut grid, &legend, 0, height - legend.len() as u16, o.color);
    grid
}

/// Put a run's marker on its points: on every point when they are few, else every few columns
/// (shifted per run, so the markers of close lines do not cover each other).
fn mark(
    grid: &mut Grid,
    ends: &[(i64, i64)],
    color: u8,
    index: usize,
    size: (u16, u16),
    at: (u16, u16),
) {
    let inside =
        |&&(c, r): &&(i64, i64)| c >= 0 && r >= 0 && c < size.0 as i64 && r < size.1 as i64;
    let few = ends.len() <= size.0 as usize / 3;
    let offset = (index * 3 % MARKER_SPACING) as i64;
    let mut last_col = i64::MIN;
    for &(c, r) in ends.iter().filter(inside) {
        if c == last_col || (!few && c.rem_euclid(MARKER_SPACING as i64) != offset) {
            continue;
        }
        last_col = c;
        grid.set(
            at.0 as i64 + c,
            at.1 as i64 + r,
            Cell {
                ch: palette::marker(color),
                color: Some(color),
                dim: false,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ChartOptions, Series, draw};
    use super::*;

    fn chart(color: bool) -> LineChart {
        let curve = |f: fn(f64) -> f64| (0..=88).map(|i| (i as f64, f(i as f64))).collect();
        LineChart {
            title: "validation-rmse".into(),
            series: vec![
                Series {
                    label: "xgb-depth-4".into(),
                    color: 0,
                    points: curve(|i| 9.0 * (-i / 20.0).exp() + 5.2),
                },
                Series {
                    label: "xgb-depth-8".into(),
                    color: 1,
                    points: curve(|i| {
                        8.0 * (-i / 10.0).exp() + 5.6 + if i == 40.0 { f64::NAN } else { 0.0 }
                    }),
                },
            ],
            options: ChartOptions {
                color,
                ..ChartOptions::default()
            },
        }
    }

    #[test]
    fn draws_axes_lines_and_legend() {
        let g = draw(&chart(false), 70, 16);
        let text = g.to_plain();
        println!("{text}");
        assert!(text.starts_with("validation-rmse\n"));
        assert!(text.contains("● xgb-depth-4"));
        assert!(text.contains("× xgb-depth-8"));
        assert!(text.contains("step"));
        let g = draw(&chart(true), 60, 16);
        println!("{}", g.to_plain());
        assert!(g.cells.iter().any(|c| c.color == Some(1)));
    }

    #[test]
    fn tiny_sizes_never_panic() {
        for w in 0..30 {
            for h in 0..12 {
                draw(&chart(false), w, h);
            }
        }
    }
}
