//! Sparklines: a history in a few block characters (`▁▂▃▄▅▆▇█`), for table cells.

/// How wide sparklines are in tables.
pub const SPARK_WIDTH: usize = 16;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// At most `width` characters for `values` in order: each character is the mean of its share
/// of the values, scaled between the lowest and highest finite value; non-finite values are
/// blanks.
pub fn sparkline(values: &[f64], width: usize) -> String {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let n = values.len().min(width);
    (0..n)
        .map(|i| {
            let part = &values
                [i * values.len() / n..((i + 1) * values.len() / n).max(i * values.len() / n + 1)];
            let ok: Vec<f64> = part.iter().copied().filter(|v| v.is_finite()).collect();
            if ok.is_empty() {
                return ' ';
            }
            let mean = ok.iter().sum::<f64>() / ok.len() as f64;
            let t = if hi > lo {
                (mean - lo) / (hi - lo)
            } else {
                0.5
            };
            BARS[((t * 7.0).round() as usize).min(7)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        assert_eq!(
            sparkline(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], 20),
            "▁▂▃▄▅▆▇█"
        );
        assert_eq!(sparkline(&[3.0, f64::NAN, 3.0], 10), "▅ ▅");
        assert_eq!(
            sparkline(&(0..1000).map(f64::from).collect::<Vec<_>>(), 4)
                .chars()
                .count(),
            4
        );
        assert_eq!(sparkline(&[], 4), "");
    }
}
