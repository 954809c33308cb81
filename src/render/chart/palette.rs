//! Colours and markers. Indexes 0–99 are runs: Okabe–Ito's colourblind-safe set of eight (black
//! swapped for grey, which reads on dark and light backgrounds), repeating, with ten markers
//! that stand in for colours when colour is off (and tell the ninth run from the first when it
//! is on). Indexes 100–107 are viridis, a sequential scale for values (scatter colour,
//! parallel coordinates).

/// How many distinct run colours there are before they repeat.
pub const RUN_COLORS: u8 = 8;
/// Where the sequential colours start.
const SEQUENTIAL: u8 = 100;

const RUNS: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xD5, 0x5E, 0x00), // vermillion
    (0x56, 0xB4, 0xE9), // sky blue
    (0xCC, 0x79, 0xA7), // reddish purple
    (0xF0, 0xE4, 0x42), // yellow
    (0x99, 0x99, 0x99), // grey
];

const VIRIDIS: [(u8, u8, u8); 8] = [
    (0x44, 0x01, 0x54), // low …
    (0x46, 0x32, 0x7E),
    (0x36, 0x5C, 0x8D),
    (0x27, 0x7F, 0x8E),
    (0x1F, 0xA1, 0x87),
    (0x4A, 0xC1, 0x6D),
    (0xA0, 0xDA, 0x39),
    (0xFD, 0xE7, 0x25), // … high
];

const MARKERS: [char; 10] = ['●', '×', '▲', '■', '○', '+', '◆', '□', '▼', '◇'];

/// The marker of the best run or point (never a run's own marker).
pub const BEST: char = '★';

/// The colour of run `i` (its index among the runs shown).
pub fn run_color(i: usize) -> u8 {
    (i % SEQUENTIAL as usize) as u8
}

/// Whether a run's colour repeats an earlier run's, so it needs its marker even in colour.
pub fn repeats(index: u8) -> bool {
    (RUN_COLORS..SEQUENTIAL).contains(&index)
}

/// Red, green, blue of a palette index.
pub fn rgb(index: u8) -> (u8, u8, u8) {
    if index >= SEQUENTIAL {
        VIRIDIS[(index - SEQUENTIAL) as usize % VIRIDIS.len()]
    } else {
        RUNS[index as usize % RUNS.len()]
    }
}

/// `#rrggbb` of a palette index.
pub fn hex(index: u8) -> String {
    let (r, g, b) = rgb(index);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The nearest colour of the xterm 256-colour cube.
pub fn ansi256(index: u8) -> u8 {
    let (r, g, b) = rgb(index);
    let level = |c: u8| ((c as u16 * 5 + 127) / 255) as u8;
    16 + 36 * level(r) + 6 * level(g) + level(b)
}

/// The marker of a palette index (runs and value buckets alike).
pub fn marker(index: u8) -> char {
    MARKERS[index as usize % MARKERS.len()]
}

/// The sequential colour for `t` in 0..=1 (outside is clamped; NaN is the low end).
pub fn sequential(t: f64) -> u8 {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    SEQUENTIAL + (t * 7.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_maps() {
        assert_eq!(hex(0), "#0072b2");
        assert_eq!(hex(run_color(8)), hex(0));
        assert_eq!(hex(sequential(0.0)), "#440154");
        assert_eq!(hex(sequential(1.0)), "#fde725");
        assert_eq!(ansi256(7), 16 + 36 * 3 + 6 * 3 + 3);
        let markers: Vec<char> = (0..10).map(|i| marker(run_color(i))).collect();
        assert!((1..10).all(|i| !markers[..i].contains(&markers[i])));
    }
}
