//! Colours and markers. Index 0–7 is Okabe–Ito's colourblind-safe set (black swapped for grey,
//! which reads on dark and light backgrounds), one per run; 8–15 is viridis, a sequential scale
//! for values (scatter `--color`, parallel coordinates). Markers stand in for colours when
//! colour is off, so runs stay apart in a log file.

/// How many distinct run colours (and markers) there are before they repeat.
pub const RUN_COLORS: u8 = 8;

const RGB: [(u8, u8, u8); 16] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xD5, 0x5E, 0x00), // vermillion
    (0x56, 0xB4, 0xE9), // sky blue
    (0xCC, 0x79, 0xA7), // reddish purple
    (0xF0, 0xE4, 0x42), // yellow
    (0x99, 0x99, 0x99), // grey
    (0x44, 0x01, 0x54), // viridis, low …
    (0x46, 0x32, 0x7E),
    (0x36, 0x5C, 0x8D),
    (0x27, 0x7F, 0x8E),
    (0x1F, 0xA1, 0x87),
    (0x4A, 0xC1, 0x6D),
    (0xA0, 0xDA, 0x39),
    (0xFD, 0xE7, 0x25), // … high
];

const MARKERS: [char; 8] = ['●', '×', '▲', '■', '○', '+', '◆', '□'];

/// The marker of the best run or point (never a run's own marker).
pub const BEST: char = '★';

/// The colour of run `i` (its index among the runs shown).
pub fn run_color(i: usize) -> u8 {
    (i % RUN_COLORS as usize) as u8
}

/// Red, green, blue of a palette index.
pub fn rgb(index: u8) -> (u8, u8, u8) {
    RGB[index as usize % RGB.len()]
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
    8 + (t * 7.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_maps() {
        assert_eq!(hex(0), "#0072b2");
        assert_eq!(sequential(0.0), 8);
        assert_eq!(sequential(1.0), 15);
        assert_eq!(ansi256(7), 16 + 36 * 3 + 6 * 3 + 3);
        assert_ne!(marker(run_color(0)), marker(run_color(1)));
    }
}
