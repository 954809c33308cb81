//! `mlrs plot`: metric histories as line charts in the terminal (or an SVG file), one chart per
//! metric; `--scatter` and `--parallel` for params against metrics. Picks the runs and turns
//! options into chart options; loading is `ops::plot`, drawing `render::chart`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::ValueEnum;

use super::args::{DirectionArgs, ScopeArgs, SymbolsArgs};
use super::exit::UsageError;
use super::{Ctx, complete};
use crate::ops::columns::{Columns, Kind};
use crate::ops::find::{find, named_runs};
use crate::ops::keys::present;
use crate::ops::plot::{KeyPatterns, XAxis, histories, runs_with_metrics};
use crate::query::{Directions, Field};
use crate::render::chart::{self, ChartOptions, LineChart, Series, Unit, palette};
use crate::shape::compare::run_labels;
use crate::shape::plot;
use crate::store::{DataSelection, Run, RunInfo, Store, StoreError, Subject};

const EXAMPLES: &str = "\
Without RUN or --filter, mlrs plots the 10 newest runs (--top N) that logged the metric, of the
-e experiments, else of $MLFLOW_EXPERIMENT_NAME or $MLFLOW_EXPERIMENT_ID, else of every active
experiment. Words after the first METRIC that look like run ids (4 or more hex digits) are RUN.

Colours come from a colourblind-safe palette; without colour (NO_COLOR, a pipe, --color never)
each run gets its own marker (● × ▲ ■ ○ + ◆ □) along its line and in the legend.

Examples:
  mlrs plot validation-rmse -e nyc-taxi-duration          # the 10 newest runs, overlaid
  mlrs plot 'train/*' 3df405d6 8ca5e65d                    # two runs, every train/ metric
  mlrs plot rmse --filter \"params.model_type = 'xgboost'\" -o metrics.rmse --top 5 --smooth 0.6
  mlrs plot loss --x relative --log-y --ylim 0.01: --width 120 --height 30
  mlrs plot validation-rmse --output rmse.svg              # a standalone SVG file
  mlrs plot --scatter params.max_depth metrics.rmse --color-by params.min_samples_leaf
  mlrs plot --parallel 'params.*' metrics.rmse --output sweep.svg";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Metrics to plot (names or globs such as 'train/*'), then optionally runs (ids, prefixes or names)
    #[arg(value_name = "METRIC|RUN", add = complete::metric_keys())]
    words: Vec<String>,
    /// Plot the runs this filter finds (the syntax of `mlrs search`)
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
    /// How many runs to plot with --filter or without RUN [default: 10]
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    #[command(flatten)]
    scope: ScopeArgs,
    /// What x is: the logged step, the clock time, or the time since the run's first value
    #[arg(
        long = "x",
        value_enum,
        ignore_case = true,
        default_value_t,
        value_name = "X"
    )]
    x: XArg,
    /// Logarithmic y axis (values ≤ 0 are left out)
    #[arg(long)]
    log_y: bool,
    /// Smooth the lines: exponential moving average with this weight (0–0.999, like MLflow's
    /// slider), the raw line faint behind
    #[arg(long, value_name = "ALPHA")]
    smooth: Option<f64>,
    /// Y range LO:HI (either end may be left out: '0:', ':1.5')
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    ylim: Option<String>,
    /// X range LO:HI (either end may be left out)
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    xlim: Option<String>,
    /// Width in columns (SVG: pixels ÷ 8) [default: the terminal's, else 80]
    #[arg(long, value_name = "COLS")]
    width: Option<u16>,
    /// Height in rows (SVG: pixels ÷ 16) [default: the terminal's, else 24]
    #[arg(long, value_name = "ROWS")]
    height: Option<u16>,
    /// Write the chart (lines, --scatter or --parallel) to FILE.svg instead of the terminal
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    symbols: SymbolsArgs,
    /// A scatter plot of two keys, one point per run (params, metrics or tags; numbers or
    /// categories), the best run a star
    #[arg(long, num_args = 2, value_names = ["X", "Y"], conflicts_with_all = ["parallel", "words"], add = complete::entity_keys())]
    scatter: Vec<String>,
    /// Colour the scatter points by this key
    #[arg(long, value_name = "KEY", requires = "scatter", add = complete::entity_keys())]
    color_by: Option<String>,
    /// Parallel coordinates over these keys (globs such as 'params.*'), lines coloured by the
    /// last one
    #[arg(long, num_args = 1.., value_name = "KEY", conflicts_with = "words", add = complete::entity_keys())]
    parallel: Vec<String>,
    #[command(flatten)]
    directions: DirectionArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default)]
enum XArg {
    #[default]
    Step,
    Time,
    Relative,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    if let Some(path) = &args.output {
        svg_path(path)?;
    }
    let store = ctx.store()?;
    if !args.scatter.is_empty() || !args.parallel.is_empty() {
        return by_run(ctx, &store, &args);
    }
    let (metrics, run_words) = split_words(&args.words)?;
    let patterns = KeyPatterns::parse(&metrics)?;
    let (runs, matched_any) = select_runs(ctx, &store, &args, &run_words, &patterns)?;
    if let (false, Some(filter)) = (matched_any, &args.filter) {
        return Err(StoreError::not_found(
            Subject::Input {
                what: "filter",
                text: filter.clone(),
            },
            "no run in scope matches the filter",
        )
        .into());
    }
    let available = present(&runs, Kind::Metric);
    let keys = patterns.select(&available);
    if keys.is_empty() {
        return Err(StoreError::not_found(
            Subject::Input {
                what: "metric",
                text: metrics.join(" "),
            },
            format!(
                "no run{} logged a metric matching {}",
                if run_words.is_empty() {
                    " found"
                } else {
                    " given"
                },
                metrics.join(", ")
            ),
        )
        .into());
    }
    for note in patterns.unmatched(&available) {
        ctx.note(&note);
    }
    let x = match args.x {
        XArg::Step => XAxis::Step,
        XArg::Time => XAxis::Time,
        XArg::Relative => XAxis::Relative,
    };
    let options = ChartOptions {
        x_unit: match x {
            XAxis::Step => Unit::Integer,
            XAxis::Time => Unit::Time { utc: ctx.style.utc },
            XAxis::Relative => Unit::Elapsed,
        },
        x_label: match x {
            XAxis::Step => "step",
            XAxis::Time => "time",
            XAxis::Relative => "relative time",
        }
        .into(),
        log_y: args.log_y,
        smooth: args.smooth.map(check_smooth).transpose()?,
        xlim: args
            .xlim
            .as_deref()
            .map(limits)
            .transpose()?
            .unwrap_or_default(),
        ylim: args
            .ylim
            .as_deref()
            .map(limits)
            .transpose()?
            .unwrap_or_default(),
        color: ctx.style.color,
        symbols: args.symbols.symbols(),
        legend: true,
    };
    let labels = run_labels(runs.iter());
    let histories = histories(&runs, &keys, x)?;
    if args.log_y {
        // A log axis has no place for zero or below: say whose values it leaves out.
        for m in &histories {
            let hidden: Vec<&str> = m
                .lines
                .iter()
                .filter(|l| l.points.iter().any(|&(_, y)| y <= 0.0))
                .map(|l| labels[l.run].as_str())
                .collect();
            if !hidden.is_empty() {
                ctx.note(&format!(
                    "--log-y leaves out values of {} at or below 0 (runs: {})",
                    m.key,
                    hidden.join(", ")
                ));
            }
        }
    }
    let charts: Vec<LineChart> = histories
        .into_iter()
        .map(|m| LineChart {
            title: m.key,
            series: m
                .lines
                .into_iter()
                .map(|l| Series {
                    label: labels[l.run].clone(),
                    color: palette::run_color(l.run),
                    points: l.points,
                })
                .collect(),
            options: options.clone(),
        })
        .collect();
    let (width, height) = size(ctx, args.width, args.height);
    if let Some(path) = &args.output {
        return write_svg(
            ctx,
            path,
            &chart::to_svg(&charts, svg_w(width), svg_h(height)),
        );
    }
    print(ctx, &chart::draw_figure(&charts, width, height))
}

fn print(ctx: &Ctx, grid: &chart::Grid) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    chart::write_ansi(&mut out, grid, ctx.style.color)?;
    out.flush()?;
    Ok(())
}

/// `--scatter` and `--parallel`: one value of each key per run, over the runs the query finds
/// (all of them, or `--top N`).
fn by_run(ctx: &Ctx, store: &Store, args: &Args) -> Result<()> {
    let specs: Vec<&String> = args
        .scatter
        .iter()
        .chain(&args.color_by)
        .chain(&args.parallel)
        .collect();
    let columns = specs
        .iter()
        .map(|s| Columns::parse(std::slice::from_ref(*s)))
        .collect::<Result<Vec<_>, _>>()?;
    let select = columns
        .iter()
        .fold(DataSelection::default(), |acc, c| acc.union(c.selection()));
    let mut found = find(
        store,
        &args.scope.find(ctx, args.filter.as_deref(), args.top),
    )?;
    found.load(store, &select);
    ctx.report(&found);
    let runs: Vec<&Run> = found.runs.iter().collect();
    // Each spec's keys, in the order given (a glob may stand for several).
    let fields: Vec<Vec<Field>> = columns.iter().map(|c| plot::fields(c, &runs)).collect();
    for (spec, f) in specs.iter().zip(&fields) {
        if !plot::any_value(&runs, f) {
            return Err(StoreError::not_found(
                Subject::Input {
                    what: "key",
                    text: spec.to_string(),
                },
                format!("no run found has {spec}"),
            )
            .into());
        }
    }
    let directions =
        Directions::parse(&args.directions.lower, &args.directions.higher).map_err(UsageError)?;
    let look = plot::Look {
        directions: &directions,
        color: ctx.style.color,
        symbols: args.symbols.symbols(),
    };
    let (width, height) = size(ctx, args.width, args.height);
    if !args.scatter.is_empty() {
        let color_by = args.color_by.as_ref().map(|_| &fields[2][0]);
        let chart = plot::scatter(&runs, &fields[0][0], &fields[1][0], color_by, &look);
        if let Some(path) = &args.output {
            let svg = chart::scatter_to_svg(&chart, svg_w(width), svg_h(height));
            return write_svg(ctx, path, &svg);
        }
        return print(ctx, &chart::draw_scatter(&chart, width, height));
    }
    let axes = parallel_axes(
        ctx,
        &runs,
        fields,
        args.output.is_none().then_some(usize::from(width)),
    );
    let chart = plot::parallel(&runs, &axes, &look);
    if let Some(path) = &args.output {
        let svg = chart::parallel_to_svg(&chart, svg_w(width), svg_h(height));
        return write_svg(ctx, path, &svg);
    }
    print(ctx, &chart::draw_parallel(&chart, width, height))
}

/// The metric patterns, then the words that name runs.
fn split_words(words: &[String]) -> Result<(Vec<String>, Vec<String>), UsageError> {
    let Some((first, rest)) = words.split_first() else {
        return Err(UsageError(
            "give a METRIC to plot (or --scatter X Y, or --parallel KEY…)".into(),
        ));
    };
    let looks_like_run = |w: &String| w.len() >= 4 && w.chars().all(|c| c.is_ascii_hexdigit());
    let mut metrics = vec![first.clone()];
    let mut runs = Vec::new();
    for w in rest {
        if looks_like_run(w) {
            runs.push(w.clone());
        } else if runs.is_empty() {
            metrics.push(w.clone());
        } else {
            return Err(UsageError(format!(
                "{w:?} comes after a run id; give the metrics first, then the runs"
            )));
        }
    }
    Ok((metrics, runs))
}

/// The runs named, or the newest `--top` of those the query finds that logged a matching
/// metric.
fn select_runs(
    ctx: &Ctx,
    store: &Store,
    args: &Args,
    run_words: &[String],
    patterns: &KeyPatterns,
) -> Result<(Vec<RunInfo>, bool)> {
    if !run_words.is_empty() {
        if args.filter.is_some() || args.top.is_some() || !args.scope.experiments.is_empty() {
            return Err(UsageError(
                "give RUN ids, or --filter/--top/-e to find runs, not both".into(),
            )
            .into());
        }
        return Ok((named_runs(store, run_words)?, true));
    }
    let req = args.scope.find(ctx, args.filter.as_deref(), None);
    let picked = runs_with_metrics(store, &req, patterns, args.top.unwrap_or(10))?;
    ctx.report(&picked);
    Ok((picked.runs, picked.matched_any))
}

/// Terminal columns an axis needs for its ticks and a readable label.
const AXIS_COLUMNS: usize = 8;

/// The axes of `--parallel`: each key as named, but of a glob's keys only those whose value
/// differs between the runs; then, on a terminal `width` wide, no more than fit (the last
/// axis, which colours the lines, always stays). What is left out is said.
fn parallel_axes(
    ctx: &Ctx,
    runs: &[&Run],
    specs: Vec<Vec<Field>>,
    width: Option<usize>,
) -> Vec<Field> {
    let mut axes = Vec::new();
    let mut constant = 0;
    for keys in specs {
        if keys.len() == 1 {
            axes.extend(keys);
            continue;
        }
        let before = axes.len();
        axes.extend(keys.iter().filter(|f| plot::varies(runs, f)).cloned());
        constant += keys.len() - (axes.len() - before);
    }
    if constant > 0 {
        ctx.note(&format!(
            "left out {constant} key{} with a single value across these runs",
            if constant == 1 { "" } else { "s" }
        ));
    }
    if let Some(width) = width {
        let fit = (width / AXIS_COLUMNS).max(2);
        if axes.len() > fit {
            let dropped: Vec<String> = axes
                .drain(fit - 1..axes.len() - 1)
                .map(|f| f.label())
                .collect();
            ctx.note(&format!(
                "{} axes do not fit {width} columns, left out: {} (name fewer keys, or pass --width)",
                dropped.len(),
                dropped.join(", ")
            ));
        }
    }
    axes
}

/// `--color` is the global colour switch, so a scatter coloured by a key (`--color
/// params.depth`) is refused before `plot` runs; the refusal says which option does that.
pub(super) fn colour_tip(e: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let color_key = matches!(
        (e.get(ContextKind::InvalidArg), e.get(ContextKind::InvalidValue)),
        (Some(ContextValue::String(arg)), Some(ContextValue::String(value)))
            if arg.starts_with("--color ") && value.contains('.')
    );
    let scatter = std::env::args_os()
        .take_while(|a| a != "--")
        .any(|a| a == "--scatter" || a.to_string_lossy().starts_with("--scatter="));
    if e.kind() == ErrorKind::InvalidValue && color_key && scatter {
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![
                "to colour the scatter's points by a key, use '--color-by KEY'".into(),
            ]),
        );
    }
}

fn check_smooth(alpha: f64) -> Result<f64, UsageError> {
    if (0.0..1.0).contains(&alpha) {
        Ok(alpha)
    } else {
        Err(UsageError(format!(
            "--smooth takes a weight from 0 to 0.999, not {alpha}"
        )))
    }
}

/// `LO:HI`, either side optional (`0:`, `:1.5`, `-1:1`).
fn limits(text: &str) -> Result<(Option<f64>, Option<f64>), UsageError> {
    let bad = || {
        UsageError(format!(
            "bad range {text:?}: expected LO:HI, e.g. 0:1.5, 0: or :10"
        ))
    };
    let (lo, hi) = text.split_once(':').ok_or_else(bad)?;
    let num = |s: &str| -> Result<Option<f64>, UsageError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(bad)
    };
    let (lo, hi) = (num(lo)?, num(hi)?);
    if let (Some(l), Some(h)) = (lo, hi)
        && l >= h
    {
        return Err(bad());
    }
    Ok((lo, hi))
}

/// The chart size: the flags, else the terminal's (one row kept for the prompt), else 80×24.
fn size(ctx: &Ctx, width: Option<u16>, height: Option<u16>) -> (u16, u16) {
    let terminal = std::io::stdout()
        .is_terminal()
        .then(terminal_size::terminal_size)
        .flatten();
    let w = width
        .or(ctx.style.width)
        .or(terminal.map(|(w, _)| w.0))
        .unwrap_or(80);
    let h = height
        .or(terminal.map(|(_, h)| h.0.saturating_sub(1)))
        .unwrap_or(24);
    (w.max(1), h.max(1))
}

/// An SVG's pixels for the chart size in cells (a cell is about 8 × 16 px).
fn svg_w(cols: u16) -> u32 {
    cols as u32 * 8
}

fn svg_h(rows: u16) -> u32 {
    rows as u32 * 16
}

/// `--output` names an SVG file (checked before anything is loaded).
fn svg_path(path: &Path) -> Result<(), UsageError> {
    if path.extension().and_then(|e| e.to_str()) == Some("svg") {
        return Ok(());
    }
    Err(UsageError(format!(
        "--output {}: only .svg files can be written (PNG would need font files)",
        path.display()
    )))
}

fn write_svg(ctx: &Ctx, path: &Path, svg: &str) -> Result<()> {
    crate::store::write_output(path, svg.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    ctx.note(&format!("wrote {}", path.display()));
    Ok(())
}
