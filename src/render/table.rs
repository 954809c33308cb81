//! Terminal tables (comfy-table): no borders, a rule under the header, status colours,
//! highlighted cells. Long values are cut here only; JSON and CSV always carry them whole.

use std::io::{self, Write};

use comfy_table::{
    Attribute, Cell as TCell, Color, ColumnConstraint, ContentArrangement, Table as TTable,
    TableComponent, Width, presets,
};

use super::{Cell, Style, Table};

/// Longest cell text shown in a table.
const MAX_CELL_CHARS: usize = 200;
/// Narrowest a wrapping column gets (padding included), so headers and short names stay whole.
const MIN_WRAPPED_WIDTH: u16 = 12;
/// Length of an id shown abbreviated when the full table does not fit the terminal.
const SHORT_ID: usize = 12;

pub fn write_table(out: &mut dyn Write, table: &Table, style: &Style) -> io::Result<()> {
    if table.headers.is_empty() {
        return Ok(());
    }
    let mut t = TTable::new();
    t.load_preset(presets::NOTHING);
    t.set_style(TableComponent::HeaderLines, '─');
    t.set_style(TableComponent::MiddleHeaderIntersections, '─');
    t.set_content_arrangement(match style.width {
        Some(_) => ContentArrangement::Dynamic,
        None => ContentArrangement::Disabled,
    });
    if let Some(w) = style.width {
        t.set_width(w);
    }
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(table.headers.iter().map(|h| {
        let c = TCell::new(h);
        if style.color {
            c.add_attribute(Attribute::Bold)
        } else {
            c
        }
    }));
    let abbreviate_ids = style
        .width
        .is_some_and(|w| natural_width(table, style) > usize::from(w));
    for (r, row) in table.rows.iter().enumerate() {
        t.add_row(row.iter().enumerate().map(|(c, cell)| {
            let highlighted = table.highlight.contains(&(r, c)) && !matches!(cell, Cell::Empty);
            let mut text = match cell {
                Cell::Id(id) if abbreviate_ids => id.chars().take(SHORT_ID).collect(),
                other => shorten(other.human(style)),
            };
            if highlighted && !style.color {
                text.push('*');
            }
            let mut tc = TCell::new(text);
            if style.color {
                if let Cell::Status(s) = cell {
                    tc = tc.fg(status_color(s));
                }
                if highlighted {
                    tc = tc.add_attribute(Attribute::Bold).fg(Color::Green);
                }
            }
            tc
        }));
    }
    // Ids, statuses, times and numbers read wrong when split across lines; let prose columns
    // absorb a narrow terminal instead.
    for (index, column) in t.column_iter_mut().enumerate() {
        if is_atomic_column(table, index, style) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        } else {
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(
                MIN_WRAPPED_WIDTH,
            )));
        }
    }
    let rendered = t.to_string();
    for line in rendered.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A column whose cells are all short single words, ids, numbers or times.
fn is_atomic_column(table: &Table, index: usize, style: &Style) -> bool {
    let short_word = |s: &str| s.chars().count() <= 40 && !s.contains(char::is_whitespace);
    table.rows.iter().all(|row| match &row[index] {
        Cell::Time(_)
        | Cell::Duration(_)
        | Cell::Status(_)
        | Cell::Int(_)
        | Cell::Float(_)
        | Cell::Id(_)
        | Cell::Bytes(_)
        | Cell::Empty => true,
        other => short_word(&other.human(style)),
    })
}

/// The width the table would take unwrapped (one space of padding each side of a column).
fn natural_width(table: &Table, style: &Style) -> usize {
    (0..table.headers.len())
        .map(|c| {
            let cells = table
                .rows
                .iter()
                .map(|row| shorten(row[c].human(style)).chars().count());
            cells
                .chain([table.headers[c].chars().count()])
                .max()
                .unwrap_or(0)
                + 2
        })
        .sum()
}

fn shorten(text: String) -> String {
    let count = text.chars().count();
    if count <= MAX_CELL_CHARS {
        return text;
    }
    let head: String = text.chars().take(MAX_CELL_CHARS - 20).collect();
    format!("{head}… ({count} chars)")
}

fn status_color(status: &str) -> Color {
    match status {
        "FINISHED" => Color::Green,
        "RUNNING" | "SCHEDULED" => Color::Cyan,
        "FAILED" => Color::Red,
        "KILLED" => Color::Yellow,
        _ => Color::Reset,
    }
}
