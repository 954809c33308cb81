//! Charts: data in, cells or bytes out. Line charts of metric histories, scatter plots and
//! parallel coordinates are drawn into a [`Grid`] of cells (braille dots, palette indexes) that
//! the terminal writer ([`ansi`]) prints and `mlrs ui` copies into its screen buffer; [`svg`]
//! writes the same charts as standalone vector files. Knows nothing about stores, clap or the
//! terminal: sizes, colour and symbols arrive as arguments.
//!
//! A screen buffer takes a chart as `let grid = draw(&chart, w, h)`, then per cell
//! `grid.get(x, y)`: `ch`, `color` (a [`palette`] index: `palette::rgb` for true colour,
//! `palette::ansi256` for 256 colours) and `dim` (faint). The same [`Series`] and
//! [`ChartOptions`] feed [`to_svg`].

mod ansi;
mod canvas;
mod data;
mod frame;
mod layout;
mod line;
pub mod palette;
mod scale;
mod scatter;
mod spark;
mod svg;

pub use ansi::write_ansi;
pub use canvas::{Grid, Symbols};
pub use frame::Axis;
pub use scale::{Scale, Unit};
pub use scatter::{
    ParallelChart, ParallelRun, ScatterChart, ScatterPoint, draw_parallel, draw_scatter,
};
pub use spark::{SPARK_WIDTH, sparkline};
pub use svg::{parallel_to_svg, scatter_to_svg, to_svg};

/// One line: a run's values of one metric, `(x, y)` in the order to draw them. Non-finite
/// values are gaps; x may be negative.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// Palette index, usually [`palette::run_color`] of the run's position.
    pub color: u8,
    pub points: Vec<(f64, f64)>,
}

/// How a chart is drawn; the same for every chart of a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartOptions {
    /// What x is (steps, clock times, time since the run started).
    pub x_unit: Unit,
    /// The name under the x axis (`step`, `time`, `relative time`).
    pub x_label: String,
    pub log_y: bool,
    /// Smoothing weight in 0..1 (debiased EMA); the raw line is drawn faint behind.
    pub smooth: Option<f64>,
    pub xlim: (Option<f64>, Option<f64>),
    pub ylim: (Option<f64>, Option<f64>),
    /// Colours on; off, each run also gets its own marker along its line.
    pub color: bool,
    pub symbols: Symbols,
    /// A legend under the chart (a figure draws one for all its charts instead).
    pub legend: bool,
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions {
            x_unit: Unit::Number,
            x_label: "step".into(),
            log_y: false,
            smooth: None,
            xlim: (None, None),
            ylim: (None, None),
            color: true,
            symbols: Symbols::Braille,
            legend: true,
        }
    }
}

/// Lines of one metric over x.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub series: Vec<Series>,
    pub options: ChartOptions,
}

/// A legend line: a name in its colour and marker; `color` `u8::MAX` is plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub color: u8,
}

/// Legend entries for a sequential colour scale: the low, middle and high values.
pub fn sequential_legend(name: &str, scale: &Scale) -> Vec<LegendEntry> {
    let mut entries = vec![LegendEntry {
        label: format!("{name}:"),
        color: u8::MAX,
    }];
    for t in [0.0, 0.5, 1.0] {
        entries.push(LegendEntry {
            label: scale.show(scale.value(t)),
            color: palette::sequential(t),
        });
    }
    entries
}

impl LineChart {
    pub fn legend(&self) -> Vec<LegendEntry> {
        self.series
            .iter()
            .map(|s| LegendEntry {
                label: s.label.clone(),
                color: s.color,
            })
            .collect()
    }
}

/// Draw a line chart into a `width × height` grid.
pub fn draw(chart: &LineChart, width: u16, height: u16) -> Grid {
    line::draw(chart, width, height, chart.options.legend)
}

/// Several line charts in a grid (as many side by side as fit, at least 40 columns and 10 rows
/// each), with one legend for all under them. The result is `width` wide and `height` high, or
/// higher when the charts need more rows than that.
pub fn draw_figure(charts: &[LineChart], width: u16, height: u16) -> Grid {
    layout::figure(charts, width, height)
}
