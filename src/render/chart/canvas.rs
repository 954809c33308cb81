//! The cell grid every chart is drawn into, and the dot canvas behind its lines: braille (2×4
//! dots a cell), sextant (2×3) or octant (2×4) blocks, or quadrant blocks (2×2) for terminals
//! and fonts with none of these.

/// One terminal cell: a character and an optional palette index ([`super::palette`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub ch: char,
    /// Palette index; `None` is the terminal's default colour.
    pub color: Option<u8>,
    /// Drawn faint: the raw line behind a smoothed one, grid lines.
    pub dim: bool,
}

impl Cell {
    pub const BLANK: Cell = Cell {
        ch: ' ',
        color: None,
        dim: false,
    };
}

/// A `width × height` block of cells, row-major, top row first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub width: u16,
    pub height: u16,
    pub cells: Vec<Cell>,
}

impl Grid {
    pub fn new(width: u16, height: u16) -> Grid {
        Grid {
            width,
            height,
            cells: vec![Cell::BLANK; width as usize * height as usize],
        }
    }

    pub fn get(&self, x: u16, y: u16) -> Cell {
        self.cells[y as usize * self.width as usize + x as usize]
    }

    /// Set a cell; outside the grid nothing happens.
    pub fn set(&mut self, x: i64, y: i64, cell: Cell) {
        if x >= 0 && y >= 0 && x < self.width as i64 && y < self.height as i64 {
            self.cells[y as usize * self.width as usize + x as usize] = cell;
        }
    }

    /// Put a marker glyph in a palette colour at (x, y).
    pub fn mark(&mut self, x: i64, y: i64, ch: char, color: u8) {
        self.set(
            x,
            y,
            Cell {
                ch,
                color: Some(color),
                dim: false,
            },
        );
    }

    /// Write text from (x, y) on one row, cut at the grid's edge; returns the column after it.
    pub fn text(&mut self, x: i64, y: i64, text: &str, color: Option<u8>) -> i64 {
        let mut col = x;
        for ch in text.chars() {
            let ch = if ch.is_control() { '?' } else { ch };
            self.set(
                col,
                y,
                Cell {
                    ch,
                    color,
                    dim: false,
                },
            );
            col += 1;
        }
        col
    }

    /// Copy `other` with its top-left corner at (x, y).
    pub fn blit(&mut self, other: &Grid, x: u16, y: u16) {
        for row in 0..other.height {
            for col in 0..other.width {
                self.set((x + col) as i64, (y + row) as i64, other.get(col, row));
            }
        }
    }

    /// The rows as cell slices.
    pub fn rows(&self) -> impl Iterator<Item = &[Cell]> {
        self.cells.chunks(self.width.max(1) as usize)
    }

    /// The characters only, one line a row, trailing blanks cut.
    #[cfg(test)]
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for row in self.rows() {
            let line: String = row.iter().map(|c| c.ch).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// How lines are drawn into cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Symbols {
    /// Braille patterns, 2×4 dots a cell.
    #[default]
    Braille,
    /// Sextant blocks (Unicode 13), 2×3 dots a cell: solid, where braille is dotted.
    Sextant,
    /// Octant blocks (Unicode 16), 2×4 dots a cell: braille's resolution, solid; few fonts
    /// have them yet.
    Octant,
    /// Quadrant blocks, 2×2 dots a cell, for fonts without braille.
    Block,
}

impl Symbols {
    /// Dots per cell across and down.
    pub fn dots(self) -> (usize, usize) {
        match self {
            Symbols::Braille | Symbols::Octant => (2, 4),
            Symbols::Sextant => (2, 3),
            Symbols::Block => (2, 2),
        }
    }

    fn glyph(self, bits: u8) -> char {
        match self {
            Symbols::Braille => char::from_u32(0x2800 + bits as u32).unwrap_or(' '),
            Symbols::Sextant => sextant(bits & 63),
            Symbols::Octant => octant(bits),
            Symbols::Block => QUADRANTS[bits as usize & 15],
        }
    }

    fn bit(self, dx: usize, dy: usize) -> u8 {
        match self {
            // Braille numbers its dots down the left column (1, 2, 3, 7), then the right.
            Symbols::Braille => match dy {
                3 => 1 << (6 + dx),
                _ => 1 << (dy + 3 * dx),
            },
            // Sextants, octants and quadrants number theirs row by row.
            Symbols::Sextant | Symbols::Octant | Symbols::Block => 1 << (dx + 2 * dy),
        }
    }
}

/// U+1FB00 on holds the 2×3 patterns in order, leaving out the four that older blocks draw.
fn sextant(bits: u8) -> char {
    match bits {
        0 => ' ',
        21 => '▌',
        42 => '▐',
        63 => '█',
        _ => {
            let skipped = u32::from(bits > 21) + u32::from(bits > 42);
            char::from_u32(0x1FB00 + u32::from(bits) - 1 - skipped).unwrap_or(' ')
        }
    }
}

/// The 2×4 patterns that U+1CD00 on leaves out, because a block character already drew them
/// (quadrants, halves, quarters), and those characters.
const OCTANT_ELSEWHERE: [(u8, char); 26] = [
    (0, ' '),
    (1, '\u{1CEA8}'),
    (2, '\u{1CEAB}'),
    (3, '\u{1FB82}'),
    (5, '▘'),
    (10, '▝'),
    (15, '▀'),
    (20, '\u{1FBE6}'),
    (40, '\u{1FBE7}'),
    (63, '\u{1FB85}'),
    (64, '\u{1CEA3}'),
    (80, '▖'),
    (85, '▌'),
    (90, '▞'),
    (95, '▛'),
    (128, '\u{1CEA0}'),
    (160, '▗'),
    (165, '▚'),
    (170, '▐'),
    (175, '▜'),
    (192, '▂'),
    (240, '▄'),
    (245, '▙'),
    (250, '▟'),
    (252, '▆'),
    (255, '█'),
];

/// U+1CD00 on holds the other 230 patterns in order.
fn octant(bits: u8) -> char {
    let before = OCTANT_ELSEWHERE.partition_point(|&(b, _)| b < bits);
    match OCTANT_ELSEWHERE.get(before) {
        Some(&(b, ch)) if b == bits => ch,
        _ => char::from_u32(0x1CD00 + u32::from(bits) - before as u32).unwrap_or(' '),
    }
}

const QUADRANTS: [char; 16] = [
    ' ', '▘', '▝', '▀', '▖', '▌', '▞', '▛', '▗', '▚', '▐', '▜', '▄', '▙', '▟', '█',
];

/// Dots over a block of cells. A cell takes the colour of the last line drawn through it, except
/// that a faint line never recolours a cell a normal line went through.
pub struct Dots {
    symbols: Symbols,
    cols: usize,
    rows: usize,
    bits: Vec<u8>,
    color: Vec<Option<u8>>,
    dim: Vec<bool>,
}

impl Dots {
    pub fn new(symbols: Symbols, cols: u16, rows: u16) -> Dots {
        let n = cols as usize * rows as usize;
        Dots {
            symbols,
            cols: cols as usize,
            rows: rows as usize,
            bits: vec![0; n],
            color: vec![None; n],
            dim: vec![true; n],
        }
    }

    /// Size in dots.
    pub fn size(&self) -> (usize, usize) {
        let (dx, dy) = self.symbols.dots();
        (self.cols * dx, self.rows * dy)
    }

    /// Set the dot at (x, y), counted from the top left; outside nothing happens.
    pub fn set(&mut self, x: i64, y: i64, color: Option<u8>, dim: bool) {
        let (w, h) = self.size();
        if x < 0 || y < 0 || x as usize >= w || y as usize >= h {
            return;
        }
        let (dx, dy) = self.symbols.dots();
        let (x, y) = (x as usize, y as usize);
        let i = (y / dy) * self.cols + x / dx;
        self.bits[i] |= self.symbols.bit(x % dx, y % dy);
        if !dim || self.dim[i] {
            self.color[i] = color;
            self.dim[i] = dim;
        }
    }

    /// A straight line between two dot positions (any distance; clipped to the canvas first).
    pub fn line(&mut self, a: (f64, f64), b: (f64, f64), color: Option<u8>, dim: bool) {
        let (w, h) = self.size();
        // Far outside, clipping loses all precision; a million dots off is as good as beyond.
        let near = |p: (f64, f64)| (p.0.clamp(-1e6, 1e6), p.1.clamp(-1e6, 1e6));
        let Some((a, b)) = clip(
            near(a),
            near(b),
            (-0.5, w as f64 - 0.5),
            (-0.5, h as f64 - 0.5),
        ) else {
            return;
        };
        let (mut x0, mut y0) = (a.0.round() as i64, a.1.round() as i64);
        let (x1, y1) = (b.0.round() as i64, b.1.round() as i64);
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = ((x1 - x0).signum(), (y1 - y0).signum());
        let mut err = dx + dy;
        loop {
            self.set(x0, y0, color, dim);
            if x0 == x1 && y0 == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x0 += sx;
            }
            if e2 <= dx {
                err += dx;
                y0 += sy;
            }
        }
    }

    /// Copy the drawn cells into `grid` at (x, y); empty cells leave the grid as it was.
    pub fn paint(&self, grid: &mut Grid, x: u16, y: u16) {
        for row in 0..self.rows {
            for col in 0..self.cols {
                let i = row * self.cols + col;
                if self.bits[i] != 0 {
                    grid.set(
                        x as i64 + col as i64,
                        y as i64 + row as i64,
                        Cell {
                            ch: self.symbols.glyph(self.bits[i]),
                            color: self.color[i],
                            dim: self.dim[i],
                        },
                    );
                }
            }
        }
    }
}

/// Liang–Barsky: the part of segment a–b inside the box, if any.
fn clip(
    a: (f64, f64),
    b: (f64, f64),
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1 && t0.is_finite() && t1.is_finite()).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braille_dots_and_blocks() {
        let mut d = Dots::new(Symbols::Braille, 1, 1);
        d.set(0, 0, Some(1), false);
        d.set(1, 3, Some(1), false);
        let mut g = Grid::new(1, 1);
        d.paint(&mut g, 0, 0);
        assert_eq!(g.get(0, 0).ch, '⢁');
        let mut d = Dots::new(Symbols::Block, 1, 1);
        d.line((0.0, 0.0), (1.0, 1.0), None, false);
        d.paint(&mut g, 0, 0);
        assert_eq!(g.get(0, 0).ch, '▚');
    }

    #[test]
    fn sextants_and_octants_follow_their_unicode_names() {
        // BLOCK SEXTANT-1, BLOCK SEXTANT-23456 (the last); BLOCK OCTANT-3 (the first),
        // BLOCK OCTANT-23, BLOCK OCTANT-2345678 (the last).
        assert_eq!(sextant(0b1), '\u{1FB00}');
        assert_eq!(sextant(0b11_1110), '\u{1FB3B}');
        assert_eq!(octant(0b100), '\u{1CD00}');
        assert_eq!(octant(0b110), '\u{1CD01}');
        assert_eq!(octant(0b1111_1110), '\u{1CDE5}');
        let sextants: std::collections::HashSet<char> = (0..64).map(sextant).collect();
        let octants: std::collections::HashSet<char> = (0..=255).map(octant).collect();
        assert_eq!((sextants.len(), octants.len()), (64, 256));
        // The top-left and bottom-right dots: BLOCK SEXTANT-16, BLOCK OCTANT-18.
        let mut g = Grid::new(1, 1);
        for (symbols, want) in [
            (Symbols::Sextant, '\u{1FB1F}'),
            (Symbols::Octant, '\u{1CD71}'),
        ] {
            let (w, h) = symbols.dots();
            let mut d = Dots::new(symbols, 1, 1);
            d.set(0, 0, None, false);
            d.set(w as i64 - 1, h as i64 - 1, None, false);
            d.paint(&mut g, 0, 0);
            assert_eq!(g.get(0, 0).ch, want, "{symbols:?}");
        }
    }

    #[test]
    fn far_lines_are_clipped_not_walked() {
        let mut d = Dots::new(Symbols::Braille, 4, 2);
        d.line((-1e300, 2.0), (1e300, 2.0), None, false);
        d.line((0.0, 0.0), (f64::MAX, f64::MAX), None, false);
        let mut g = Grid::new(4, 2);
        d.paint(&mut g, 0, 0);
        assert!(g.to_plain().contains('⠤'));
    }

    #[test]
    fn faint_never_recolours() {
        let mut d = Dots::new(Symbols::Braille, 1, 1);
        d.set(0, 0, Some(2), false);
        d.set(1, 0, Some(3), true);
        let mut g = Grid::new(1, 1);
        d.paint(&mut g, 0, 0);
        assert_eq!((g.get(0, 0).color, g.get(0, 0).dim), (Some(2), false));
    }
}
