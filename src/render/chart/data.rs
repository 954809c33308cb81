//! Preparing points for drawing: gaps where values are not finite, debiased exponential
//! smoothing, and per-column downsampling that keeps every column's extremes.

/// The runs of consecutive points whose x and y are both finite (and y positive when `log`):
/// a NaN or infinity is a gap in the line, not a jump to the edge.
pub fn segments(points: &[(f64, f64)], log: bool) -> Vec<&[(f64, f64)]> {
    points
        .split(|&(x, y)| !(x.is_finite() && y.is_finite() && (!log || y > 0.0)))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Exponential moving average with weight `alpha` (0 keeps the data, 0.99 smooths hard), debiased
/// as TensorBoard and MLflow's UI do so the first points are not pulled towards zero. Non-finite
/// values stay where they are and do not enter the average.
pub fn ema(points: &[(f64, f64)], alpha: f64) -> Vec<(f64, f64)> {
    let alpha = alpha.clamp(0.0, 0.999_999);
    let mut last = 0.0;
    let mut weight = 1.0;
    points
        .iter()
        .map(|&(x, y)| {
            if !y.is_finite() {
                return (x, y);
            }
            last = last * alpha + (1.0 - alpha) * y;
            weight *= alpha;
            (x, last / (1.0 - weight))
        })
        .collect()
}

/// At most four points per column of `cols` equal columns over `lo..hi` in x — the first, the
/// lowest, the highest and the last, in their original order — so the drawn line keeps every
/// spike and every column's range (the M4 method). Points outside `lo..hi` fall into one extra
/// column on either side, which keeps the line running off the edge.
pub fn downsample(points: &[(f64, f64)], lo: f64, hi: f64, cols: usize) -> Vec<(f64, f64)> {
    if points.len() <= 4 * cols.max(1) || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return points.to_vec();
    }
    let scale = cols as f64 / (hi - lo);
    let column = |x: f64| ((x - lo) * scale).floor().clamp(-1.0, cols as f64) as i64;
    let mut out = Vec::with_capacity(4 * cols + 8);
    let mut start = 0;
    while start < points.len() {
        let col = column(points[start].0);
        let mut end = start + 1;
        let (mut min, mut max) = (start, start);
        while end < points.len() && column(points[end].0) == col {
            if points[end].1 < points[min].1 {
                min = end;
            }
            if points[end].1 > points[max].1 {
                max = end;
            }
            end += 1;
        }
        let mut keep = [start, min, max, end - 1];
        keep.sort_unstable();
        let mut prev = usize::MAX;
        for i in keep {
            if i != prev {
                out.push(points[i]);
                prev = i;
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn gaps_and_smoothing() {
        let p = [
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, 3.0),
            (3.0, f64::INFINITY),
        ];
        assert_eq!(segments(&p, false).len(), 2);
        assert_eq!(segments(&[(0.0, -1.0), (1.0, 2.0)], true).len(), 1);
        let s = ema(&[(0.0, 4.0), (1.0, 4.0), (2.0, f64::NAN), (3.0, 4.0)], 0.9);
        assert!((s[0].1 - 4.0).abs() < 1e-12, "debiased: {s:?}");
        assert!((s[3].1 - 4.0).abs() < 1e-12);
        assert!(s[2].1.is_nan());
        assert_eq!(ema(&[(0.0, 1.0), (1.0, 5.0)], 0.0)[1].1, 5.0);
    }

    proptest! {
        /// Whatever the data, every column keeps its lowest and highest value, and no point
        /// is invented or reordered.
        #[test]
        fn downsampling_keeps_each_columns_extremes(
            ys in prop::collection::vec(-1e6f64..1e6, 1..3000),
            xs_step in prop::collection::vec(0u8..3, 1..3000),
            cols in 1usize..200,
            (lo, width) in (-50.0f64..50.0, 1.0f64..5000.0),
        ) {
            let mut x = -100.0;
            let points: Vec<(f64, f64)> = ys
                .iter()
                .zip(xs_step.iter().cycle())
                .map(|(&y, &dx)| { x += dx as f64; (x, y) })
                .collect();
            let hi = lo + width;
            let out = downsample(&points, lo, hi, cols);
            prop_assert!(out.len() <= points.len());
            // A subsequence of the input.
            let mut it = points.iter();
            for p in &out {
                prop_assert!(it.any(|q| q == p), "{p:?} invented or out of order");
            }
            let column = |x: f64| ((x - lo) * cols as f64 / (hi - lo)).floor().clamp(-1.0, cols as f64) as i64;
            let mut c = std::collections::BTreeMap::<i64, (f64, f64)>::new();
            for &(x, y) in &points {
                let e = c.entry(column(x)).or_insert((y, y));
                e.0 = e.0.min(y);
                e.1 = e.1.max(y);
            }
            for (col, (min, max)) in c {
                let kept: Vec<f64> = out.iter().filter(|p| column(p.0) == col).map(|p| p.1).collect();
                prop_assert!(kept.contains(&min) && kept.contains(&max), "column {col} lost {min} or {max}");
            }
        }
    }
}
