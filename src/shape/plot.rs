//! Runs against each other by their values: a scatter plot of two keys (one point per run, the
//! best run starred) and parallel coordinates over several keys (one line per run, coloured by
//! the last key). Each run's values come from `ops::plot`; the charts are the chart engine's
//! (`render::chart`). Shared by `mlrs plot --scatter/--parallel` and `mlrs ui`. Runs arrive
//! loaded: nothing here reads the disk or draws.

use crate::ops::columns::{Columns, Kind};
use crate::ops::plot::{Axis, Value, axis, value};
use crate::query::{Direction, Directions, Field, best};
use crate::render::chart::{
    self, LegendEntry, ParallelChart, ParallelRun, Scale, ScatterChart, ScatterPoint, Symbols,
    Unit, palette,
};
use crate::shape::compare::run_labels;
use crate::store::Run;

/// How the charts look, the same for both kinds.
pub struct Look<'a> {
    pub directions: &'a Directions,
    pub color: bool,
    pub symbols: Symbols,
}

/// The fields a column pattern stands for among `runs` (a glob may stand for several; exact
/// keys come first, in the order given).
pub fn fields(columns: &Columns, runs: &[&Run]) -> Vec<Field> {
    Kind::ALL
        .iter()
        .flat_map(|&k| {
            columns
                .keys(k, runs)
                .into_iter()
                .map(move |key| k.field(&key))
        })
        .collect()
}

/// Whether any of `runs` has a value of any of `fields`.
pub fn any_value(runs: &[&Run], fields: &[Field]) -> bool {
    fields
        .iter()
        .any(|f| runs.iter().any(|r| value(r, f).is_some()))
}

/// Whether `runs` hold two different values of `field` or more: an axis with one value (or
/// none) draws every line through one point and tells nothing.
pub fn varies(runs: &[&Run], field: &Field) -> bool {
    let mut values = runs.iter().filter_map(|r| value(r, field));
    let Some(first) = values.next() else {
        return false;
    };
    values.any(|v| v != first)
}

/// `y` against `x`, one point per run, coloured by `color_by`; the run with the best value of
/// `y` (else of `x`) is starred and named in the legend.
pub fn scatter(
    runs: &[&Run],
    x: &Field,
    y: &Field,
    color_by: Option<&Field>,
    look: &Look,
) -> ScatterChart {
    let (xa, ya) = (column(runs, x), column(runs, y));
    let best = [y, x]
        .into_iter()
        .find_map(|f| Some((f, best_run(runs, f, direction(look, f)?)?)));
    let (colors, mut legend) = match color_by {
        Some(f) => colour_by(&column(runs, f), &f.label()),
        None => (vec![0; runs.len()], Vec::new()),
    };
    let labels = run_labels(runs.iter().map(|r| &r.info));
    if let Some((f, i)) = best {
        legend.push(LegendEntry {
            label: format!("{} best {}: {}", palette::BEST, f.label(), labels[i]),
            color: u8::MAX,
        });
    }
    let points = (0..runs.len())
        .filter_map(|i| {
            Some(ScatterPoint {
                label: labels[i].clone(),
                x: position(&xa, i)?,
                y: position(&ya, i)?,
                color: colors[i],
                best: best.is_some_and(|(_, b)| b == i),
            })
        })
        .collect();
    ScatterChart {
        title: y.label(),
        x_label: x.label(),
        x: render_axis(&xa),
        y: render_axis(&ya),
        points,
        legend,
        color: look.color,
        symbols: look.symbols,
    }
}

/// One vertical axis per field, one line per run, coloured by the last field (the metric the
/// runs are judged by, usually); the best run by that field is drawn on top.
pub fn parallel(runs: &[&Run], fields: &[Field], look: &Look) -> ParallelChart {
    let columns: Vec<Axis> = fields.iter().map(|f| column(runs, f)).collect();
    let (colors, legend) = match (fields.last(), columns.last()) {
        (Some(f), Some(a)) => colour_by(a, &f.label()),
        _ => (vec![0; runs.len()], Vec::new()),
    };
    let best_run = fields
        .last()
        .and_then(|f| best_run(runs, f, direction(look, f)?));
    let labels = run_labels(runs.iter().map(|r| &r.info));
    ParallelChart {
        title: format!(
            "{} run{}",
            runs.len(),
            if runs.len() == 1 { "" } else { "s" }
        ),
        axes: fields
            .iter()
            .zip(&columns)
            .map(|(f, a)| (f.label(), render_axis(a)))
            .collect(),
        runs: (0..runs.len())
            .map(|i| ParallelRun {
                label: labels[i].clone(),
                values: columns.iter().map(|a| position(a, i)).collect(),
                color: colors[i],
                best: best_run == Some(i),
            })
            .collect(),
        legend,
        color: look.color,
        symbols: look.symbols,
    }
}

fn direction(look: &Look, field: &Field) -> Option<Direction> {
    match field {
        Field::Metric(k) => look.directions.of(k),
        _ => None,
    }
}

fn best_run(runs: &[&Run], field: &Field, dir: Direction) -> Option<usize> {
    let values = runs.iter().map(|r| match value(r, field) {
        Some(Value::Number(v)) => Some(v),
        _ => None,
    });
    best(values, dir)
}

fn column(runs: &[&Run], field: &Field) -> Axis {
    axis(&runs.iter().map(|r| value(r, field)).collect::<Vec<_>>())
}

/// Run `i`'s place on an axis: its value, or its category's index.
fn position(axis: &Axis, i: usize) -> Option<f64> {
    match axis {
        Axis::Numeric(v) => v[i].filter(|v| v.is_finite()),
        Axis::Categories { of_run, .. } => of_run[i].map(|c| c as f64),
    }
}

fn render_axis(axis: &Axis) -> chart::Axis {
    match axis {
        Axis::Numeric(v) => chart::Axis::numeric(Scale::fit(
            v.iter().flatten().copied(),
            false,
            Unit::Number,
            (None, None),
            Some(5),
        )),
        Axis::Categories { names, .. } => chart::Axis::categories(names.clone()),
    }
}

/// Each run's colour by an axis (categories: one run colour each; numbers: the sequential
/// scale), and the legend that says so.
fn colour_by(axis: &Axis, name: &str) -> (Vec<u8>, Vec<LegendEntry>) {
    match axis {
        Axis::Categories { names, of_run } => (
            of_run
                .iter()
                .map(|c| c.map_or(palette::run_color(0), palette::run_color))
                .collect(),
            names
                .iter()
                .enumerate()
                .map(|(i, n)| LegendEntry {
                    label: format!("{name}={n}"),
                    color: palette::run_color(i),
                })
                .collect(),
        ),
        Axis::Numeric(v) => {
            let scale = Scale::fit(
                v.iter().flatten().copied(),
                false,
                Unit::Number,
                (None, None),
                None,
            );
            (
                v.iter()
                    .map(|x| palette::sequential(x.map_or(f64::NAN, |x| scale.unit(x))))
                    .collect(),
                chart::sequential_legend(name, &scale),
            )
        }
    }
}
