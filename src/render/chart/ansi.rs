//! A grid as terminal text: xterm 256-colour escapes when colour is on, plain characters
//! otherwise; trailing blanks cut, so the text pastes well into logs and issues.

use std::io::{self, Write};

use super::canvas::Grid;
use super::palette;

pub fn write_ansi(out: &mut dyn Write, grid: &Grid, color: bool) -> io::Result<()> {
    for row in grid.rows() {
        let end = row.iter().rposition(|c| c.ch != ' ').map_or(0, |i| i + 1);
        let mut line = String::new();
        let mut current = (None, false);
        for cell in &row[..end] {
            let style = if color {
                (cell.color, cell.dim)
            } else {
                (None, false)
            };
            if style != current {
                if current != (None, false) {
                    line.push_str("\x1b[0m");
                }
                if style.1 {
                    line.push_str("\x1b[2m");
                }
                if let Some(c) = style.0 {
                    line.push_str(&format!("\x1b[38;5;{}m", palette::ansi256(c)));
                }
                current = style;
            }
            line.push(cell.ch);
        }
        if current != (None, false) {
            line.push_str("\x1b[0m");
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}
