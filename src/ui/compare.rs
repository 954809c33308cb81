//! The compare view: `mlrs compare`'s table for the marked runs (the same use case,
//! `ops::compare`): one row per param, metric and tag the table's columns name; rows whose
//! values differ are marked `≠` and highlighted, the best value of each metric is starred;
//! `o` keeps only the rows that differ.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::data;
use super::model::{Model, motion};
use crate::ops::compare::Compared;
use crate::render::Cell as RenderCell;
use crate::shape::compare::entry_cell;

const KEY_WIDTH: u16 = 24;
const RUN_WIDTH: u16 = 14;

#[derive(Default)]
pub(crate) struct CompareState {
    pub result: Option<Compared>,
    pub only_changed: bool,
    pub top: usize,
}

impl std::fmt::Debug for CompareState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompareState")
            .field("rows", &self.result.as_ref().map(|r| r.rows.len()))
            .field("only_changed", &self.only_changed)
            .finish()
    }
}

impl CompareState {
    pub fn scroll(&mut self, delta: isize) {
        let rows = self.result.as_ref().map_or(0, |r| r.rows.len());
        self.top = self
            .top
            .saturating_add_signed(delta)
            .min(rows.saturating_sub(1));
    }
}

/// Compare the chosen runs (again, after `o`).
pub(crate) fn open(m: &mut Model) {
    let ids: Vec<String> = m
        .chosen_runs()
        .iter()
        .map(|r| r.run_id().to_owned())
        .collect();
    match data::compare(&m.store, ids, &m.column_spec, m.compare.only_changed) {
        Ok(result) => {
            m.compare.result = Some(result);
            m.compare.top = 0;
        }
        Err(e) => m.message = Some(format!("mlrs: error: {e:#}")),
    }
}

pub(crate) fn key(m: &mut Model, key: KeyEvent) {
    if let Some(step) = motion(&key, m.page()) {
        m.compare.scroll(step);
    } else if key.code == KeyCode::Char('o') {
        m.compare.only_changed = !m.compare.only_changed;
        open(m);
    }
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let Some(c) = &m.compare.result else { return };
    let theme = m.theme();
    let style = crate::render::Style {
        color: false,
        width: None,
        utc: m.utc,
    };
    let room = area.width.saturating_sub(2 + KEY_WIDTH + 1);
    let fit = usize::from((room / (RUN_WIDTH + 1)).max(1));
    let shown = c.runs.len().min(fit);
    let mut widths = vec![Constraint::Length(KEY_WIDTH)];
    widths.extend((0..shown).map(|_| Constraint::Length(RUN_WIDTH)));
    let mut head = vec![Cell::from("key")];
    head.extend(c.runs.iter().take(shown).enumerate().map(|(i, r)| {
        Cell::from(super::clip(&r.info.run_name, usize::from(RUN_WIDTH))).style(theme.line(i))
    }));
    let rows: Vec<Row> = c
        .rows
        .iter()
        .skip(m.compare.top)
        .take(usize::from(area.height.saturating_sub(3)))
        .map(|row| {
            // `≠` says it without colour too.
            let mark = if row.changed { "≠ " } else { "  " };
            let key = format!("{mark}{}", row.key);
            let key_style = if row.changed {
                theme.changed()
            } else {
                theme.dim()
            };
            let mut cells =
                vec![Cell::from(super::clip(&key, usize::from(KEY_WIDTH))).style(key_style)];
            for (i, entry) in row.entries.iter().take(shown).enumerate() {
                let best = row.best.contains(&i);
                // Numbers are rounded to fit, the best one's `*` included; text is cut.
                let room = usize::from(RUN_WIDTH) - usize::from(best);
                let mut text = match entry_cell(entry) {
                    RenderCell::Float(f) => crate::render::human_float_within(f, room),
                    cell => cell.human(&style),
                };
                let mut cell_style = ratatui::style::Style::new();
                if best {
                    text.push('*');
                    cell_style = theme.best();
                }
                cells
                    .push(Cell::from(super::clip(&text, usize::from(RUN_WIDTH))).style(cell_style));
            }
            Row::new(cells)
        })
        .collect();
    let only = if m.compare.only_changed {
        " · only changed"
    } else {
        ""
    };
    let title = format!(
        " Compare {} runs · {} rows{only} ",
        c.runs.len(),
        c.rows.len()
    );
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(head).style(theme.header()))
            .column_spacing(1)
            .block(Block::bordered().title(title)),
        area,
    );
}
