//! The charts view: one chart per metric of the chosen runs, each run a line, in a grid that
//! pages; log-y, smoothing, x by step, time or relative time, zoom and pan (keys and mouse
//! wheel), a cursor whose values are read off every line, and a pinned run drawn on top.
//! Points are read once and then only what was appended (`grow`). Charts are drawn by the
//! chart engine `mlrs plot` uses (`render::chart`) and copied cell by cell into the screen.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::data;
use super::model::Model;
use super::theme::Theme;
use crate::render::chart::{self, ChartOptions, Grid, LineChart, Series, Unit, palette};
use crate::store::{MetricPoint, RunInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum XAxis {
    #[default]
    Step,
    Time,
    Relative,
}

/// A metric file of a run read so far.
#[derive(Debug, Default)]
struct Read {
    points: Vec<MetricPoint>,
    offset: u64,
}

#[derive(Debug, Default)]
pub(crate) struct ChartState {
    pub runs: Vec<RunInfo>,
    pub keys: Vec<String>,
    series: BTreeMap<(usize, String), Read>,
    /// Each run's fingerprint when its files were last read: an unchanged run is not read.
    stamps: Vec<Option<u64>>,
    pub page: usize,
    pub log_y: bool,
    /// Exponential smoothing weight: 0 (off), 0.6, 0.9.
    pub smooth: f64,
    pub x: XAxis,
    /// The visible part of the x range, as fractions of it.
    pub window: (f64, f64),
    /// Where the cursor is, as a fraction of the visible x range.
    pub cursor: Option<f64>,
    /// The index of the run drawn on top.
    pub pinned: Option<usize>,
    pub error: Option<String>,
}

impl ChartState {
    pub fn open(&mut self, runs: &[RunInfo]) {
        *self = ChartState {
            runs: runs.to_vec(),
            window: (0.0, 1.0),
            ..ChartState::default()
        };
        let mut keys = std::collections::BTreeSet::new();
        for run in runs {
            match run.metric_keys() {
                Ok(k) => keys.extend(k),
                Err(e) => self.error = Some(format!("mlrs: error: {e}")),
            }
        }
        self.keys = keys.into_iter().collect();
        self.grow();
    }

    /// Read what was appended to the metric files of every run that changed since the last
    /// read; new metric keys of the runs join the grid. Answers whether anything changed.
    pub fn grow(&mut self) -> bool {
        let mut changed = false;
        self.stamps.resize(self.runs.len(), None);
        for (i, run) in self.runs.iter().enumerate() {
            let stamp = run.change_stamp();
            if self.stamps[i].replace(stamp) == Some(stamp) {
                continue;
            }
            if let Ok(keys) = run.metric_keys() {
                for k in keys {
                    if !self.keys.contains(&k) {
                        self.keys.push(k);
                        self.keys.sort();
                        changed = true;
                    }
                }
            }
            for key in &self.keys {
                let s = self.series.entry((i, key.clone())).or_default();
                match data::metric_points_since(run, key, s.offset) {
                    Ok((points, offset)) => {
                        changed |= !points.is_empty();
                        s.points.extend(points);
                        s.offset = offset;
                    }
                    Err(e) => self.error = Some(format!("mlrs: error: {e:#}")),
                }
            }
        }
        changed
    }

    pub fn zoom(&mut self, factor: f64) {
        let (lo, hi) = self.window;
        let mid = (lo + hi) / 2.0;
        let half = ((hi - lo) / 2.0 * factor).clamp(0.005, 0.5);
        let (mut lo, mut hi) = (mid - half, mid + half);
        if lo < 0.0 {
            (lo, hi) = (0.0, hi - lo);
        }
        if hi > 1.0 {
            (lo, hi) = ((lo - (hi - 1.0)).max(0.0), 1.0);
        }
        self.window = (lo, hi);
    }

    fn pan(&mut self, by: f64) {
        let (lo, hi) = self.window;
        let shift = (hi - lo) * by;
        let shift = shift.clamp(-lo, 1.0 - hi);
        self.window = (lo + shift, hi + shift);
    }

    /// One run's points of one metric, x by the chosen axis (ms for times, as the engine's
    /// time units want).
    fn line(&self, run: usize, key: &str) -> Vec<(f64, f64)> {
        let Some(s) = self.series.get(&(run, key.to_owned())) else {
            return Vec::new();
        };
        let t0 = s.points.first().map_or(0, |p| p.timestamp);
        s.points
            .iter()
            .map(|p| {
                let x = match self.x {
                    XAxis::Step => p.step as f64,
                    XAxis::Time => p.timestamp as f64,
                    XAxis::Relative => (p.timestamp - t0) as f64,
                };
                (x, p.value)
            })
            .collect()
    }

    /// Charts per page for an area: columns and rows of at least 38×9 cells.
    fn grid(area: Rect) -> (usize, usize) {
        (
            usize::from(area.width / 38).max(1),
            usize::from(area.height / 9).max(1),
        )
    }
}

pub(crate) fn key(m: &mut Model, key: KeyEvent) {
    let c = &mut m.charts;
    match key.code {
        KeyCode::Char('l') => c.log_y = !c.log_y,
        KeyCode::Char('m') => {
            c.smooth = match c.smooth {
                0.0 => 0.6,
                s if s < 0.8 => 0.9,
                _ => 0.0,
            }
        }
        KeyCode::Char('x') => {
            c.x = match c.x {
                XAxis::Step => XAxis::Time,
                XAxis::Time => XAxis::Relative,
                XAxis::Relative => XAxis::Step,
            }
        }
        KeyCode::Char('+') | KeyCode::Char('=') => c.zoom(0.5),
        KeyCode::Char('-') => c.zoom(2.0),
        KeyCode::Char('0') => {
            c.window = (0.0, 1.0);
            c.cursor = None;
        }
        KeyCode::Left | KeyCode::Char('h') => c.pan(-0.25),
        KeyCode::Right => c.pan(0.25),
        KeyCode::Char(',') => c.cursor = Some((c.cursor.unwrap_or(0.5) - 0.02).max(0.0)),
        KeyCode::Char('.') => c.cursor = Some((c.cursor.unwrap_or(0.5) + 0.02).min(1.0)),
        KeyCode::Char('p') if !c.runs.is_empty() => {
            c.pinned = Some(c.pinned.map_or(0, |p| (p + 1) % c.runs.len()));
        }
        KeyCode::Char('n') | KeyCode::PageDown | KeyCode::Char('j') | KeyCode::Down => c.page += 1,
        KeyCode::Char('N') | KeyCode::PageUp | KeyCode::Char('k') | KeyCode::Up => {
            c.page = c.page.saturating_sub(1)
        }
        _ => {}
    }
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let c = &m.charts;
    let error_rows = u16::from(c.error.is_some());
    let [legend_area, error_area, grid_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(error_rows),
        Constraint::Fill(1),
    ])
    .areas(area);
    let mut legend: Vec<Span> = Vec::new();
    for (i, run) in c.runs.iter().enumerate() {
        let pin = if c.pinned == Some(i) { "📌" } else { "" };
        legend.push(Span::styled(
            format!("━ {}{pin}  ", run.run_name),
            theme.line(usize::from(palette::run_color(i))),
        ));
    }
    let x = match c.x {
        XAxis::Step => "step",
        XAxis::Time => "time",
        XAxis::Relative => "relative s",
    };
    legend.push(Span::styled(
        format!(
            "x:{x}{}{}",
            if c.log_y { " log-y" } else { "" },
            if c.smooth > 0.0 {
                format!(" smooth {}", c.smooth)
            } else {
                String::new()
            }
        ),
        theme.dim(),
    ));
    f.render_widget(Paragraph::new(Line::from(legend)), legend_area);
    // A broken metric file costs its own line only.
    if let Some(e) = &c.error {
        f.render_widget(
            Paragraph::new(Span::styled(e.clone(), theme.error())),
            error_area,
        );
    }
    if c.keys.is_empty() {
        f.render_widget(
            Paragraph::new("no metrics logged by these runs")
                .block(Block::bordered().title(" Charts ")),
            grid_area,
        );
        return;
    }
    let (cols, rows) = ChartState::grid(grid_area);
    let per_page = cols * rows;
    let pages = c.keys.len().div_ceil(per_page);
    let page = c.page.min(pages - 1);
    let row_areas = Layout::vertical(vec![Constraint::Fill(1); rows]).split(grid_area);
    let mut cells = Vec::new();
    for r in row_areas.iter() {
        cells.extend(
            Layout::horizontal(vec![Constraint::Fill(1); cols])
                .split(*r)
                .iter()
                .copied(),
        );
    }
    for (key, cell) in c.keys.iter().skip(page * per_page).zip(cells) {
        chart(m, key, f, cell, (page + 1, pages));
    }
}

fn chart(m: &Model, key: &str, f: &mut Frame, area: Rect, (page, pages): (usize, usize)) {
    let c = &m.charts;
    let mut order: Vec<usize> = (0..c.runs.len()).collect();
    // The pinned run is drawn last, on top of the others.
    if let Some(p) = c.pinned {
        order.retain(|&i| i != p);
        order.push(p);
    }
    let lines: Vec<(usize, Vec<(f64, f64)>)> = order.iter().map(|&i| (i, c.line(i, key))).collect();
    let finite = || {
        lines
            .iter()
            .flat_map(|(_, l)| l.iter())
            .filter(|p| p.0.is_finite() && p.1.is_finite())
    };
    let (x0, x1) = finite().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(x, _)| {
        (a.min(x), b.max(x))
    });
    let span = if x1 > x0 { x1 - x0 } else { 0.0 };
    let (lo, hi) = (x0 + span * c.window.0, x0 + span * c.window.1);
    let zoomed = c.window != (0.0, 1.0) && span > 0.0;
    let mut title = key.to_owned();
    let mut series: Vec<Series> = lines
        .iter()
        .map(|(i, l)| Series {
            label: c.runs[*i].run_name.clone(),
            color: palette::run_color(*i),
            points: l.clone(),
        })
        .collect();
    if let (Some(at), true) = (c.cursor, x0.is_finite()) {
        let x = lo + (hi - lo) * at;
        let readout: Vec<String> = lines
            .iter()
            .filter_map(|(i, l)| {
                let p = l.iter().rev().find(|(px, _)| *px <= x).or(l.first())?;
                Some(format!("{}={}", i + 1, crate::render::human_float(p.1)))
            })
            .collect();
        title = format!(
            "{key} @{} {}",
            crate::render::human_float(x),
            readout.join(" ")
        );
        let (y0, y1) = finite()
            .filter(|p| p.0 >= lo && p.0 <= hi)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(_, y)| {
                (a.min(y), b.max(y))
            });
        if y0.is_finite() {
            series.push(Series {
                label: "cursor".into(),
                color: palette::run_color(palette::RUN_COLORS as usize - 1),
                points: vec![(x, y0), (x, y1)],
            });
        }
    }
    if pages > 1 {
        title.push_str(&format!(" [{page}/{pages}]"));
    }
    let (x_unit, x_label) = match c.x {
        XAxis::Step => (Unit::Integer, "step"),
        XAxis::Time => (Unit::Time { utc: m.utc }, "time"),
        XAxis::Relative => (Unit::Elapsed, "relative time"),
    };
    let chart = LineChart {
        title,
        series,
        options: ChartOptions {
            x_unit,
            x_label: x_label.into(),
            log_y: c.log_y,
            smooth: (c.smooth > 0.0).then_some(c.smooth),
            xlim: if zoomed {
                (Some(lo), Some(hi))
            } else {
                (None, None)
            },
            ylim: (None, None),
            color: m.color,
            symbols: m.symbols,
            legend: false,
        },
    };
    let grid = chart::draw(&chart, area.width, area.height);
    f.render_widget(
        GridWidget {
            grid: &grid,
            theme: m.theme(),
        },
        area,
    );
}

/// A chart engine grid as a ratatui widget: each cell's character, palette colour and faintness.
pub(crate) struct GridWidget<'a> {
    pub grid: &'a Grid,
    pub theme: Theme,
}

impl Widget for GridWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        for y in 0..self.grid.height.min(area.height) {
            for x in 0..self.grid.width.min(area.width) {
                let cell = self.grid.get(x, y);
                let mut style = match cell.color {
                    // Runs get the 16-colour palette every terminal has; value scales need 256.
                    Some(i) if i < 100 => self.theme.line(usize::from(i)),
                    Some(i) if self.theme.color => {
                        Style::new().fg(Color::Indexed(palette::ansi256(i)))
                    }
                    _ => Style::new(),
                };
                if cell.dim {
                    style = style.add_modifier(Modifier::DIM);
                }
                buf[(area.x + x, area.y + y)]
                    .set_char(cell.ch)
                    .set_style(style);
            }
        }
    }
}
