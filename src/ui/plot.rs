//! The plot view: a param-vs-metric scatter plot (`X`) or parallel coordinates (`P`) of the
//! marked runs, or of every run in the table when fewer than two are marked. The keys are
//! typed as column patterns (`params.max_depth metrics.rmse`, `params.*`); the charts are
//! `mlrs plot --scatter/--parallel`'s, built by `shape::plot` and drawn by `render::chart`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::charts::GridWidget;
use super::entry::Entry;
use super::model::Model;
use crate::ops::columns::Columns;
use crate::query::{Directions, Field};
use crate::render::chart;
use crate::shape::plot::{self, Look};
use crate::store::Run;

#[derive(Debug, Default)]
pub(crate) enum PlotState {
    #[default]
    None,
    Scatter(Field, Field),
    Parallel(Vec<Field>),
}

/// The runs plotted: the marked ones, else the table's (in the store's form the chart code
/// takes, made for the plot and dropped with it).
pub(crate) fn runs(m: &Model) -> Vec<Run> {
    if m.marked.len() >= 2 {
        m.chosen_runs().into_iter().map(Entry::to_run).collect()
    } else {
        m.rows.iter().map(|r| m.runs[r.run].to_run()).collect()
    }
}

/// Parse the typed keys and show the plot; `false` (with the error shown) keeps the input open.
pub(crate) fn open(m: &mut Model, scatter: bool, text: &str) -> bool {
    match fields(m, scatter, text) {
        Ok(state) => {
            m.plot = state;
            m.error = None;
            true
        }
        Err(e) => {
            m.error = Some(format!("mlrs: error: {e}"));
            false
        }
    }
}

fn fields(m: &Model, scatter: bool, text: &str) -> Result<PlotState, String> {
    let owned = runs(m);
    let runs: Vec<&Run> = owned.iter().collect();
    let mut axes: Vec<Vec<Field>> = Vec::new();
    for spec in text.split_whitespace() {
        let columns = Columns::parse(&[spec.to_owned()]).map_err(|e| e.0)?;
        let found = plot::fields(&columns, &runs);
        if !plot::any_value(&runs, &found) {
            return Err(format!("no run shown has {spec}"));
        }
        axes.push(found);
    }
    if scatter {
        return match axes.as_slice() {
            [x, y] => Ok(PlotState::Scatter(x[0].clone(), y[0].clone())),
            _ => Err("give two keys: X Y (e.g. params.max_depth metrics.rmse)".into()),
        };
    }
    let axes: Vec<Field> = axes.into_iter().flatten().collect();
    if axes.len() < 2 {
        return Err("give two or more keys (e.g. 'params.*' metrics.rmse)".into());
    }
    Ok(PlotState::Parallel(axes))
}

/// The first param and metric columns the table shows, for the input to start from: the
/// column under the cursor is x when it is a param, the sorted metric is y.
pub(crate) fn scatter_guess(m: &Model) -> String {
    let columns = m.all_columns();
    let under = columns.get(m.col_cursor);
    let x = under
        .filter(|f| matches!(f, Field::Param(_)))
        .or_else(|| columns.iter().find(|f| matches!(f, Field::Param(_))));
    let y = metric_guess(m, &columns);
    [x, y]
        .iter()
        .flatten()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every param column the table shows, then the metric the runs are judged by.
pub(crate) fn parallel_guess(m: &Model) -> String {
    let columns = m.all_columns();
    let mut out: Vec<String> = columns
        .iter()
        .filter(|f| matches!(f, Field::Param(_)))
        .take(6)
        .map(Field::label)
        .collect();
    out.extend(metric_guess(m, &columns).map(Field::label));
    out.join(" ")
}

fn metric_guess<'a>(m: &'a Model, columns: &'a [Field]) -> Option<&'a Field> {
    m.sort
        .as_ref()
        .map(|o| &o.field)
        .filter(|f| matches!(f, Field::Metric(_)))
        .or_else(|| columns.iter().find(|f| matches!(f, Field::Metric(_))))
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let owned = runs(m);
    let runs: Vec<&Run> = owned.iter().collect();
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let whose = if m.marked.len() >= 2 {
        "marked"
    } else {
        "in the table"
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("{} runs {whose}", runs.len()),
            theme.dim(),
        ))),
        head,
    );
    let directions = Directions::default();
    let look = Look {
        directions: &directions,
        color: m.color,
        symbols: m.symbols,
    };
    let grid = match &m.plot {
        PlotState::None => return,
        PlotState::Scatter(x, y) => chart::draw_scatter(
            &plot::scatter(&runs, x, y, None, &look),
            body.width,
            body.height,
        ),
        PlotState::Parallel(fields) => chart::draw_parallel(
            &plot::parallel(&runs, fields, &look),
            body.width,
            body.height,
        ),
    };
    f.render_widget(GridWidget { grid: &grid, theme }, body);
}
