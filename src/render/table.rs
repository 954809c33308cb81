//! Terminal tables (comfy-table): no borders, a rule under the header, status colours,
//! highlighted cells. Long values are cut here only; JSON and CSV always carry them whole.

use std::io::{self, Write};

use comfy_table::{
    Attribute, Cell as TCell, Color, ContentArrangement, Table as TTable, TableComponent, presets,
};

use super::{Cell, Style, Table};

/// Longest cell text shown in a table.
const MAX_CELL_CHARS: usize = 200;

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
    for (r, row) in table.rows.iter().enumerate() {
        t.add_row(row.iter().enumerate().map(|(c, cell)| {
            let highlighted = table.highlight.contains(&(r, c)) && !matches!(cell, Cell::Empty);
            let mut text = shorten(cell.human(style));
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
    let rendered = t.to_string();
    for line in rendered.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
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
