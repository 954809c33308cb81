//! A line chart in cells: title, y axis with ticks on the left, x axis with ticks below, the
//! runs' lines in braille (or blocks), markers along them when colour is off, the legend.

use super::LineChart;
use super::canvas::Grid;
use super::data::{downsample, ema, segments};
use super::frame::{Axis, Plot, frame};
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
    let mut legend = if with_legend {
        legend_rows(&chart.legend(), width, (height as usize / 4).max(1))
    } else {
        Vec::new()
    };
    let Some(plot) = frame(
        &mut grid,
        &chart.title,
        &mut legend,
        &o.x_label,
        o.symbols,
        |y_count| {
            let (x, y) = scales(chart, y_count);
            (Axis::numeric(x), Axis::numeric(y))
        },
    ) else {
        return grid;
    };
    let (w_dots, _) = plot.dot_size();
    // Lines: every run's faint raw line first, then the lines on top, in order.
    let mut dots = plot.dots();
    let mut ends: Vec<Vec<(i64, i64)>> = vec![Vec::new(); chart.series.len()];
    // Points with no neighbour to join: one dot is too small to see, so they get a marker.
    let mut singles: Vec<(usize, (i64, i64))> = Vec::new();
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
                    let seg = downsample(seg, plot.x.lo, plot.x.hi, w_dots);
                    let mut prev = plot.to_dot(seg[0].0, seg[0].1);
                    dots.set(
                        prev.0.round() as i64,
                        prev.1.round() as i64,
                        Some(s.color),
                        *dim,
                    );
                    for &(x, y) in &seg[1..] {
                        let next = plot.to_dot(x, y);
                        dots.line(prev, next, Some(s.color), *dim);
                        prev = next;
                    }
                    if !dim {
                        ends[i].extend(seg.iter().map(|&(x, y)| plot.cell(plot.to_dot(x, y))));
                        if seg.len() == 1 {
                            singles.push((i, plot.cell(prev)));
                        }
                    }
                }
            }
        }
    }
    dots.paint(&mut grid, plot.left, plot.top);
    for (i, s) in chart.series.iter().enumerate() {
        if !o.color || palette::repeats(s.color) {
            mark(&mut grid, &plot, &ends[i], s.color, i);
        }
    }
    for (i, cell) in singles {
        let color = chart.series[i].color;
        if o.color && !palette::repeats(color) && plot.inside(cell) {
            grid.mark(
                plot.left as i64 + cell.0,
                plot.top as i64 + cell.1,
                '●',
                color,
            );
        }
    }
    draw_legend(&mut grid, &legend, 0, height - legend.len() as u16, o.color);
    grid
}

/// Put a run's marker on its points: on every point when they are few, else every few columns
/// (shifted per run, so the markers of close lines do not cover each other).
fn mark(grid: &mut Grid, plot: &Plot, ends: &[(i64, i64)], color: u8, index: usize) {
    let few = ends.len() <= plot.w as usize / 3;
    let offset = (index * 3 % MARKER_SPACING) as i64;
    let mut last_col = i64::MIN;
    for &(c, r) in ends.iter().filter(|&&p| plot.inside(p)) {
        if c == last_col || (!few && c.rem_euclid(MARKER_SPACING as i64) != offset) {
            continue;
        }
        last_col = c;
        grid.mark(
            plot.left as i64 + c,
            plot.top as i64 + r,
            palette::marker(color),
            color,
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
