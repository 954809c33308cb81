//! Placing things: legends flowed into rows, and several charts in a grid.

use super::canvas::{Cell, Grid};
use super::line;
use super::palette;
use super::{LegendEntry, LineChart};

/// Longest run name a legend shows.
const MAX_LABEL: usize = 32;
const MIN_CHART_WIDTH: u16 = 40;
const MIN_CHART_HEIGHT: u16 = 10;

/// Legend rows: each item's column, label and palette index (`u8::MAX` for plain text).
pub type Legend = Vec<Vec<(u16, String, u8)>>;

/// The legend's items as rows of `(column, entry)`, flowed to `width`; at most `max_rows` rows,
/// the last one ending in `+N more` when not all fit.
pub fn legend_rows(
    entries: &[LegendEntry],
    width: u16,
    max_rows: usize,
) -> Vec<Vec<(u16, String, u8)>> {
    let mut rows: Vec<Vec<(u16, String, u8)>> = Vec::new();
    let mut col = 0u16;
    for (i, e) in entries.iter().enumerate() {
        // Run names are cut so one long name cannot push the others off; notes are whole.
        let max = if e.color == u8::MAX {
            width as usize
        } else {
            MAX_LABEL
        };
        let mut label: String = e.label.chars().take(max).collect();
        if e.label.chars().count() > max {
            label.push('…');
        }
        let len = label.chars().count() as u16 + if e.color == u8::MAX { 0 } else { 2 };
        if rows.is_empty() || (col > 0 && col + len > width) {
            if rows.len() == max_rows {
                let more = format!("+{} more", entries.len() - i);
                if let Some(last) = rows.last_mut() {
                    let at = last
                        .last()
                        .map_or(0, |(c, l, _)| c + l.chars().count() as u16 + 5);
                    last.push((
                        at.min(width.saturating_sub(more.len() as u16)),
                        more,
                        u8::MAX,
                    ));
                }
                return rows;
            }
            rows.push(Vec::new());
            col = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((col, label, e.color));
        }
        col += len + 3;
    }
    rows
}

/// Draw legend rows at `y`: each entry is its line glyph (colour on) or marker (colour off),
/// then its name.
pub fn draw_legend(grid: &mut Grid, rows: &[Vec<(u16, String, u8)>], x: u16, y: u16, color: bool) {
    for (r, row) in rows.iter().enumerate() {
        let y = (y as usize + r) as i64;
        for (col, label, c) in row {
            let at = (x + col) as i64;
            if *c == u8::MAX {
                grid.text(at, y, label, None);
                continue;
            }
            let glyph = if color && !palette::repeats(*c) {
                '━'
            } else {
                palette::marker(*c)
            };
            grid.set(
                at,
                y,
                Cell {
                    ch: glyph,
                    color: Some(*c),
                    dim: false,
                },
            );
            grid.text(at + 2, y, label, None);
        }
    }
}

pub fn figure(charts: &[LineChart], width: u16, height: u16) -> Grid {
    let Some(first) = charts.first() else {
        return Grid::new(width, 0);
    };
    if charts.len() == 1 {
        return line::draw(first, width, height, first.options.legend);
    }
    let color = first.options.color;
    let mut entries: Vec<LegendEntry> = Vec::new();
    for chart in charts {
        for e in chart.legend() {
            if !entries.contains(&e) {
                entries.push(e);
            }
        }
    }
    let legend = if first.options.legend {
        legend_rows(&entries, width, 4)
    } else {
        Vec::new()
    };
    let n = charts.len() as u16;
    let cols = (width / MIN_CHART_WIDTH).clamp(1, n);
    let rows = n.div_ceil(cols);
    let chart_w = width / cols;
    let chart_h = (height.saturating_sub(legend.len() as u16) / rows).max(MIN_CHART_HEIGHT);
    let mut grid = Grid::new(width, chart_h * rows + legend.len() as u16);
    for (i, chart) in charts.iter().enumerate() {
        let (c, r) = (i as u16 % cols, i as u16 / cols);
        let g = line::draw(chart, chart_w, chart_h, false);
        grid.blit(&g, c * chart_w, r * chart_h);
    }
    draw_legend(&mut grid, &legend, 0, chart_h * rows, color);
    grid
}
