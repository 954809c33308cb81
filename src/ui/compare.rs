//! The compare view: the marked runs side by side, one row per param, metric and tag; keys
//! whose values differ are highlighted and the best value of each metric is emphasised.
//! Draws only.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::model::Model;
use crate::ops::columns::Kind;
use crate::query::{Field, best, direction};
use crate::store::Run;

const KEY_WIDTH: u16 = 24;
const RUN_WIDTH: u16 = 14;

/// Every param, metric and tag key of `runs`, params first; `mlflow.*` tags are left out.
pub(crate) fn fields(runs: &[&Run]) -> Vec<Field> {
    let mut out = Vec::new();
    for kind in [Kind::Param, Kind::Metric, Kind::Tag] {
        let keys: BTreeSet<&String> = runs
            .iter()
            .flat_map(|r| -> Vec<&String> {
                match kind {
                    Kind::Param => r.data.params.keys().collect(),
                    Kind::Metric => r.data.metrics.keys().collect(),
                    Kind::Tag => r
                        .data
                        .tags
                        .keys()
                        .filter(|k| !k.starts_with("mlflow."))
                        .collect(),
                }
            })
            .collect();
        out.extend(keys.into_iter().map(|k| kind.field(k)));
    }
    out
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let runs = m.chosen_runs();
    let room = area.width.saturating_sub(2 + KEY_WIDTH + 1);
    let fit = usize::from((room / (RUN_WIDTH + 1)).max(1));
    let runs: Vec<&Run> = runs.into_iter().take(fit).collect();
    let mut widths = vec![Constraint::Length(KEY_WIDTH)];
    widths.extend(runs.iter().map(|_| Constraint::Length(RUN_WIDTH)));
    let mut head = vec![Cell::from("key")];
    head.extend(runs.iter().enumerate().map(|(i, r)| {
        Cell::from(super::clip(&r.info.run_name, usize::from(RUN_WIDTH))).style(theme.line(i))
    }));
    let fields = fields(&runs);
    let rows: Vec<Row> = fields
        .iter()
        .take(usize::from(area.height.saturating_sub(3)))
        .map(|field| {
            let values: Vec<String> = runs
                .iter()
                .map(|r| super::runs_table::text(r, field, m.utc))
                .collect();
            let differ = values.iter().any(|v| *v != values[0]);
            let best = match field {
                Field::Metric(k) => direction(k, &[], &[])
                    .and_then(|dir| best(runs.iter().map(|r| r.data.metrics.get(k).copied()), dir))
                    .map(|i| runs[i].data.metrics[k]),
                _ => None,
            };
            // `≠` says it without colour too.
            let mark = if differ { "≠ " } else { "  " };
            let key = format!("{mark}{}", field.label());
            let mut cells = vec![
                Cell::from(super::clip(&key, usize::from(KEY_WIDTH))).style(if differ {
                    theme.changed()
                } else {
                    theme.dim()
                }),
            ];
            for (r, v) in runs.iter().zip(values) {
                let is_best = match field {
                    Field::Metric(k) => best.is_some() && r.data.metrics.get(k).copied() == best,
                    _ => false,
                };
                cells.push(if is_best && differ {
                    Cell::from(super::clip(&format!("{v}*"), usize::from(RUN_WIDTH)))
                        .style(theme.best())
                } else {
                    Cell::from(super::clip(&v, usize::from(RUN_WIDTH)))
                });
            }
            Row::new(cells)
        })
        .collect();
    let title = format!(" Compare {} runs · {} keys ", runs.len(), fields.len());
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(head).style(theme.header()))
            .column_spacing(1)
            .block(Block::bordered().title(title)),
        area,
    );
}
