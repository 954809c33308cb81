//! Scatter plots (one point per run, the best one a star) and parallel coordinates (one line
//! per run across vertical axes, coloured by the last axis) in cells.

use super::LegendEntry;
use super::canvas::{Grid, Symbols};
use super::frame::{Axis, frame};
use super::layout::{draw_legend, legend_rows};
use super::palette;

#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPoint {
    /// The run's name (SVG `data-run`).
    pub label: String,
    /// A value, or the index of a category on a category axis.
    pub x: f64,
    pub y: f64,
    /// Palette index ([`palette::run_color`] of a category, or [`palette::sequential`]).
    pub color: u8,
    pub best: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScatterChart {
    pub title: String,
    pub x_label: String,
    pub x: Axis,
    pub y: Axis,
    pub points: Vec<ScatterPoint>,
    /// What the colours mean (and which run is best), under the plot.
    pub legend: Vec<LegendEntry>,
    pub color: bool,
    pub symbols: Symbols,
}

/// A point's glyph: a star for the best, a dot in colour, the colour's marker without.
fn glyph(color_on: bool, color: u8, best: bool) -> char {
    match (best, color_on) {
        (true, _) => palette::BEST,
        (false, true) => '●',
        (false, false) => palette::marker(color),
    }
}

pub fn draw_scatter(chart: &ScatterChart, width: u16, height: u16) -> Grid {
    let mut grid = Grid::new(width, height);
    let mut legend = legend_rows(&chart.legend, width, (height as usize / 4).max(1));
    let Some(plot) = frame(
        &mut grid,
        &chart.title,
        &mut legend,
        &chart.x_label,
        chart.symbols,
        |_| (chart.x.clone(), chart.y.clone()),
    ) else {
        return grid;
    };
    // The best point last, so no other covers it.
    let mut order: Vec<&ScatterPoint> = chart.points.iter().collect();
    order.sort_by_key(|p| p.best);
    for p in order {
        if !(p.x.is_finite() && p.y.is_finite()) {
            continue;
        }
        let cell = plot.cell(plot.to_dot(p.x, p.y));
        if plot.inside(cell) {
            let at = (plot.left as i64 + cell.0, plot.top as i64 + cell.1);
            grid.mark(at.0, at.1, glyph(chart.color, p.color, p.best), p.color);
        }
    }
    with_legend(grid, &legend, chart.color)
}

/// The legend rows at the bottom of the grid.
fn with_legend(mut grid: Grid, legend: &[Vec<(u16, String, u8)>], color: bool) -> Grid {
    let y = grid.height - legend.len() as u16;
    draw_legend(&mut grid, legend, 0, y, color);
    grid
}

/// One run across the axes of a parallel-coordinates chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ParallelRun {
    /// The run's name (SVG `data-run`).
    pub label: String,
    /// Per axis: a value, a category index, or nothing (the line breaks there).
    pub values: Vec<Option<f64>>,
    pub color: u8,
    pub best: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParallelChart {
    pub title: String,
    /// Each axis's name and range.
    pub axes: Vec<(String, Axis)>,
    pub runs: Vec<ParallelRun>,
    pub legend: Vec<LegendEntry>,
    pub color: bool,
    pub symbols: Symbols,
}

pub fn draw_parallel(chart: &ParallelChart, width: u16, height: u16) -> Grid {
    let mut grid = Grid::new(width, height);
    grid.text(0, 0, &chart.title, None);
    let mut legend = legend_rows(&chart.legend, width, (height as usize / 4).max(1));
    let n = chart.axes.len();
    if height < 8 + legend.len() as u16 {
        legend.clear();
    }
    // Title, axis names, top labels | plot | bottom labels, legend.
    let plot_h = height.saturating_sub(4 + legend.len() as u16);
    if n == 0 || plot_h < 2 || width < 16 {
        return grid;
    }
    let (top, margin) = (3u16, 1u16);
    let span = width.saturating_sub(2 * margin + 8).max(1) as usize;
    let col_of = |i: usize| margin as usize + if n == 1 { 0 } else { i * span / (n - 1) };
    let room = if n == 1 { span } else { span / (n - 1) };
    let (dx, dy) = chart.symbols.dots();
    let h_dots = plot_h as usize * dy;
    let to_dot = |i: usize, v: f64| {
        let t = chart.axes[i].1.scale.unit(v);
        ((col_of(i) * dx) as f64, (1.0 - t) * (h_dots - 1) as f64)
    };
    let mut dots = super::canvas::Dots::new(chart.symbols, width, plot_h);
    let mut order: Vec<&ParallelRun> = chart.runs.iter().collect();
    order.sort_by_key(|r| r.best);
    for run in &order {
        for i in 1..n {
            if let (Some(a), Some(b)) = (run.values[i - 1], run.values[i])
                && a.is_finite()
                && b.is_finite()
            {
                dots.line(to_dot(i - 1, a), to_dot(i, b), Some(run.color), false);
            }
        }
    }
    dots.paint(&mut grid, 0, top);
    for (i, (name, axis)) in chart.axes.iter().enumerate() {
        let col = col_of(i) as i64;
        // The last axis has only the margin to the right edge.
        let edge = (width as usize).saturating_sub(col as usize);
        let limit = room.saturating_sub(1).max(4).min(edge);
        let clip = |s: &str| s.chars().take(limit).collect::<String>();
        // A name too long for its axis gives up its kind (`params.`) before its key's end.
        let name = match name.split_once('.') {
            Some((_, key)) if name.chars().count() > limit => key,
            _ => name,
        };
        grid.text(col, 1, &clip(name), None);
        for r in 0..plot_h as i64 {
            if grid.get(col as u16, top + r as u16).ch == ' ' {
                grid.text(col, top as i64 + r, "│", None);
            }
        }
        let ticks = axis.ticks(plot_h as usize / 2);
        match &axis.categories {
            Some(_) => {
                for (v, label) in ticks {
                    let row = (to_dot(i, v).1.round() as usize / dy) as i64;
                    grid.text(col + 1, top as i64 + row, &clip(&label), None);
                }
            }
            None => {
                let s = &axis.scale;
                grid.text(col, 2, &clip(&s.show(s.hi)), None);
                grid.text(col, (top + plot_h) as i64, &clip(&s.show(s.lo)), None);
            }
        }
    }
    // Each run's end on the last axis: its marker without colour, a star for the best.
    for run in &order {
        if let Some(v) = run.values[n - 1].filter(|v| v.is_finite())
            && (run.best || !chart.color)
        {
            let (x, y) = to_dot(n - 1, v);
            let at = (
                x as i64 / dx as i64,
                top as i64 + y.round() as i64 / dy as i64,
            );
            grid.mark(
                at.0,
                at.1,
                glyph(chart.color, run.color, run.best),
                run.color,
            );
        }
    }
    with_legend(grid, &legend, chart.color)
}
