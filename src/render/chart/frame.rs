//! The skeleton every cell chart shares: a title row, a y axis with labelled ticks on the left,
//! an x axis with labelled ticks below, and the legend rows under it; what is left is the plot.

use super::canvas::{Dots, Grid, Symbols};
use super::layout::Legend;
use super::scale::Scale;

/// A numeric axis, or categories at 0, 1, 2, … (the scale then runs from -0.5 to n - 0.5).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub scale: Scale,
    pub categories: Option<Vec<String>>,
}

impl Axis {
    pub fn numeric(scale: Scale) -> Axis {
        Axis {
            scale,
            categories: None,
        }
    }

    pub fn categories(names: Vec<String>) -> Axis {
        Axis {
            scale: Scale {
                lo: -0.5,
                hi: names.len().max(1) as f64 - 0.5,
                log: false,
                unit: Default::default(),
            },
            categories: Some(names),
        }
    }

    /// About `count` ticks with labels; categories are all labelled when they fit, else every
    /// few.
    pub fn ticks(&self, count: usize) -> Vec<(f64, String)> {
        match &self.categories {
            None => self.scale.ticks(count),
            Some(names) => {
                let every = names.len().div_ceil(count.max(1)).max(1);
                names
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % every == 0)
                    .map(|(i, n)| (i as f64, n.clone()))
                    .collect()
            }
        }
    }
}

/// Where the plot landed: cells `w × h` from (`left`, `top`), and the axes' scales.
pub struct Plot {
    pub left: u16,
    pub top: u16,
    pub w: u16,
    pub h: u16,
    pub x: Scale,
    pub y: Scale,
    pub symbols: Symbols,
}

impl Plot {
    /// The dot position of a value pair, (0, 0) at the top left (fractional; outside for
    /// values out of range).
    pub fn to_dot(&self, x: f64, y: f64) -> (f64, f64) {
        let (w, h) = self.dot_size();
        (
            self.x.unit(x) * (w - 1) as f64,
            (1.0 - self.y.unit(y)) * (h - 1) as f64,
        )
    }

    /// The cell (relative to the plot) a dot position falls in.
    pub fn cell(&self, dot: (f64, f64)) -> (i64, i64) {
        let (dx, dy) = self.symbols.dots();
        (
            dot.0.round() as i64 / dx as i64,
            dot.1.round() as i64 / dy as i64,
        )
    }

    pub fn dot_size(&self) -> (usize, usize) {
        let (dx, dy) = self.symbols.dots();
        (self.w as usize * dx, self.h as usize * dy)
    }

    pub fn dots(&self) -> Dots {
        Dots::new(self.symbols, self.w, self.h)
    }

    pub fn inside(&self, (c, r): (i64, i64)) -> bool {
        c >= 0 && r >= 0 && c < self.w as i64 && r < self.h as i64
    }
}

/// Draw the title, axes and ticks into `grid`, leaving room for `legend` (cleared when the
/// plot would get fewer than two rows). `axes` gets the number of y ticks that fit and returns
/// the x and y axes. `None` when the grid is too small for a plot.
pub fn frame(
    grid: &mut Grid,
    title: &str,
    legend: &mut Legend,
    x_label: &str,
    symbols: Symbols,
    axes: impl FnOnce(usize) -> (Axis, Axis),
) -> Option<Plot> {
    let (width, height) = (grid.width, grid.height);
    let title_rows = u16::from(!title.is_empty());
    grid.text(0, 0, title, None);
    if height < title_rows + 4 + legend.len() as u16 {
        legend.clear();
    }
    let plot_h = height.saturating_sub(title_rows + 2 + legend.len() as u16);
    if plot_h < 2 || width < 16 {
        return None;
    }
    let y_count = (plot_h as usize / 3).max(2);
    let (xa, ya) = axes(y_count);
    let y_ticks = ya.ticks(y_count);
    let label_w = y_ticks
        .iter()
        .map(|t| t.1.chars().count())
        .max()
        .unwrap_or(1)
        .min(width as usize / 3) as u16;
    let plot_w = width.saturating_sub(label_w + 3);
    if plot_w < 4 {
        return None;
    }
    let plot = Plot {
        left: label_w + 2,
        top: title_rows,
        w: plot_w,
        h: plot_h,
        x: xa.scale,
        y: ya.scale,
        symbols,
    };
    let axis_col = (label_w + 1) as i64;
    let top = plot.top as i64;
    for r in 0..plot_h as i64 {
        grid.text(axis_col, top + r, "│", None);
    }
    let axis_row = top + plot_h as i64;
    grid.text(axis_col, axis_row, "└", None);
    for c in 1..=plot_w as i64 + 1 {
        grid.text(axis_col + c, axis_row, "─", None);
    }
    for (v, label) in &y_ticks {
        let row = plot.cell(plot.to_dot(plot.x.lo, *v)).1;
        if row < 0 || row >= plot_h as i64 {
            continue;
        }
        let label: String = label.chars().take(label_w as usize).collect();
        let pad = label_w as usize - label.chars().count();
        grid.text(0, top + row, &format!("{}{label}", " ".repeat(pad)), None);
        let ch = if row == plot_h as i64 - 1 {
            "├"
        } else {
            "┤"
        };
        grid.text(axis_col, top + row, ch, None);
    }
    let mut free_from = 0i64;
    for (v, label) in xa.ticks((plot_w as usize / 12).max(2)) {
        let col = plot.cell(plot.to_dot(v, plot.y.lo)).0;
        if col < 0 || col >= plot_w as i64 {
            continue;
        }
        let at = plot.left as i64 + col;
        grid.text(at, axis_row, "┬", None);
        let len = label.chars().count() as i64;
        let start = (at - len / 2).clamp(0, (width as i64 - len).max(0));
        if start >= free_from {
            grid.text(start, axis_row + 1, &label, None);
            free_from = start + len + 1;
        }
    }
    let unit_len = x_label.chars().count() as i64;
    if free_from + unit_len < width as i64 {
        grid.text(width as i64 - unit_len, axis_row + 1, x_label, None);
    }
    Some(plot)
}
