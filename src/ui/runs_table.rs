//! The runs table: the fixed columns (mark, id, name, status, start), then the chosen params,
//! metrics and tags; the sorted column carries ▲/▼, the best value of each metric is
//! emphasised, children sit indented under their parent; numbers are rounded to fit their
//! column (as the CLI's tables, they are never cut). Only the rows on screen are built, so
//! 100k runs draw as fast as 10. Draws only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::entry::Entry;
use super::model::{Focus, Model};
use crate::query::{Attr, Field, Value};
use crate::render::Cell as RenderCell;

const ID_WIDTH: u16 = 8;

fn width(field: &Field) -> u16 {
    match field {
        Field::Attr(Attr::RunName) => 18,
        Field::Attr(Attr::Status) => 8,
        Field::Attr(Attr::StartTime) => 11,
        // One more for the sort arrow; a metric's values have a column for the best one's `*`.
        Field::Metric(_) => (header(field).chars().count() as u16 + 2).clamp(8, 15),
        other => (header(other).chars().count() as u16 + 1).clamp(8, 14),
    }
}

/// Column titles: the key alone for metrics (the common case), `p.`/`t.` for the others.
fn header(field: &Field) -> String {
    match field {
        Field::Metric(k) => k.clone(),
        Field::Param(k) => format!("p.{k}"),
        Field::Tag(k) => format!("t.{k}"),
        Field::Attr(Attr::RunName) => "name".into(),
        Field::Attr(Attr::StartTime) => "start".into(),
        other => other.label(),
    }
}

/// The value of a field as the table shows it, numbers rounded to fit `width`.
fn text(run: &Entry, field: &Field, utc: bool, width: usize) -> String {
    match (field, field.value(run)) {
        (Field::Attr(Attr::StartTime | Attr::EndTime), Value::Int(ms)) => {
            let style = crate::render::Style {
                color: false,
                width: None,
                utc,
            };
            // `MM-DD HH:MM`: the year and seconds rarely tell runs apart.
            let full = RenderCell::Time(ms).human(&style);
            full.get(5..16).unwrap_or(&full).to_owned()
        }
        (_, Value::Missing) => String::new(),
        (_, Value::Float(f)) => crate::render::human_float_within(f, width),
        (_, Value::Int(i)) => i.to_string(),
        (_, Value::Text(t)) => crate::render::printable(t).into_owned(),
    }
}

pub(crate) fn render(m: &Model, f: &mut Frame, area: Rect) {
    let theme = m.theme();
    let columns = m.all_columns();
    // Columns scroll sideways so the chosen one is always on screen.
    let room = area.width.saturating_sub(2 + 2 + ID_WIDTH + 1);
    let mut first = 0;
    while first < m.col_cursor {
        let used: u16 = columns[first..=m.col_cursor]
            .iter()
            .map(|c| width(c) + 1)
            .sum();
        if used <= room {
            break;
        }
        first += 1;
    }
    let mut shown = Vec::new();
    let mut used = 0;
    for (i, c) in columns.iter().enumerate().skip(first) {
        let w = width(c);
        if used + w > room && !shown.is_empty() {
            break;
        }
        used += w + 1;
        shown.push((i, c, w.min(room)));
    }
    let mut widths = vec![Constraint::Length(2), Constraint::Length(ID_WIDTH)];
    widths.extend(shown.iter().map(|(_, _, w)| Constraint::Length(*w)));
    let mut head = vec![Cell::from(""), Cell::from("run id")];
    for (i, c, w) in &shown {
        let arrow = match &m.sort {
            Some(o) if o.field == **c => {
                if o.ascending {
                    "▲"
                } else {
                    "▼"
                }
            }
            _ => "",
        };
        let style = if *i == m.col_cursor {
            theme.header().patch(theme.cursor())
        } else {
            theme.header()
        };
        let title = format!("{}{arrow}", header(c));
        let title = match c {
            // Over right-aligned numbers, and clear of the best mark's column.
            Field::Metric(_) => {
                let width = usize::from(*w).saturating_sub(1);
                format!("{title:>width$} ")
            }
            _ => title,
        };
        head.push(Cell::from(title).style(style));
    }
    let rows: Vec<Row> = m
        .rows
        .iter()
        .enumerate()
        .skip(m.offset)
        .take(m.page())
        .map(|(n, row)| {
            let run = &m.runs[row.run];
            let marked = m.marked.iter().any(|id| **id == *run.run_id());
            let mark = if run.broken {
                Span::styled("!", theme.error())
            } else if marked {
                Span::styled("●", theme.marked())
            } else if !run.active {
                Span::styled("✗", theme.error())
            } else {
                Span::raw(" ")
            };
            let mut cells = vec![
                Cell::from(mark),
                Cell::from(run.run_id().chars().take(8).collect::<String>()),
            ];
            for (_, c, w) in &shown {
                let best = matches!(c, Field::Metric(k)
                    if m.best.get(k).is_some_and(|b| run.metric(k) == Some(*b)));
                // Metric values are right-aligned; the last column is the best value's `*`.
                let metric = matches!(c, Field::Metric(_));
                let room = usize::from(*w).saturating_sub(usize::from(metric));
                let mut value = text(run, c, m.utc, room);
                let mut style = Style::new();
                match c {
                    Field::Attr(Attr::RunName) if row.depth > 0 => {
                        value = format!("{}└ {value}", "  ".repeat(row.depth - 1));
                    }
                    Field::Attr(Attr::Status) => style = theme.status(&value),
                    Field::Metric(_) => {
                        if best {
                            style = theme.best();
                        }
                        value = format!("{value:>room$}{}", if best { '*' } else { ' ' });
                    }
                    _ => {}
                }
                cells.push(Cell::from(super::clip(&value, usize::from(*w))).style(style));
            }
            let mut r = Row::new(cells);
            if !run.active {
                r = r.style(theme.dim());
            }
            if n == m.cursor && m.focus == Focus::Runs {
                r = r.style(theme.cursor());
            }
            r
        })
        .collect();
    let mut title = vec![Span::raw(format!(" Runs {}", m.rows.len()))];
    if m.loading() {
        title.push(Span::styled(
            format!(" · loading {}/{}", thousands(m.loaded), thousands(m.total)),
            theme.dim(),
        ));
    }
    if !m.filter_text.is_empty() {
        title.push(Span::raw(format!(" · {}", m.filter_text)));
    }
    if !m.marked.is_empty() {
        title.push(Span::styled(
            format!(" · {} marked", m.marked.len()),
            theme.marked(),
        ));
    }
    if m.only_changed {
        title.push(Span::raw(" · only changed"));
    }
    if m.show_deleted {
        title.push(Span::raw(" · with deleted"));
    }
    title.push(Span::raw(" "));
    let border = if m.focus == Focus::Runs {
        theme.focus_border()
    } else {
        theme.dim()
    };
    let table = Table::new(rows, widths)
        .header(Row::new(head))
        .column_spacing(1)
        .block(
            Block::bordered()
                .title(Line::from(title))
                .border_style(border),
        );
    f.render_widget(table, area);
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
