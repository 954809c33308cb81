//! Axes: value ranges, their mapping to screen positions, and readable ticks (1-2-5 steps, whole
//! decades on a log scale, clock-friendly steps for time).

use chrono::{DateTime, Local, Utc};

/// What the numbers on an axis are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Plain numbers (values).
    #[default]
    Number,
    /// Whole numbers (steps): ticks never fall between them.
    Integer,
    /// Milliseconds since the epoch, shown as clock times (local, or UTC when `utc`).
    Time { utc: bool },
    /// Milliseconds from a start, shown as durations.
    Elapsed,
}

/// A range of values mapped onto 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    pub unit: Unit,
}

impl Scale {
    /// A scale over the finite values of `values` (positive ones only when `log`), widened
    /// when they are all equal; `limit` overrides either end.
    pub fn fit(
        values: impl IntoIterator<Item = f64>,
        log: bool,
        unit: Unit,
        limit: (Option<f64>, Option<f64>),
        nice: Option<usize>,
    ) -> Scale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            if v.is_finite() && (!log || v > 0.0) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if lo > hi {
            (lo, hi) = if log { (1.0, 10.0) } else { (0.0, 1.0) };
        }
        if let Some(l) = limit.0 {
            lo = l;
        }
        if let Some(h) = limit.1 {
            hi = h;
        }
        if log {
            lo = lo.max(f64::MIN_POSITIVE);
            hi = hi.max(lo);
        }
        if lo == hi {
            if log {
                (lo, hi) = (lo / 10f64.sqrt(), hi * 10f64.sqrt());
            } else {
                let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
                (lo, hi) = (lo - pad, hi + pad);
            }
        }
        let mut scale = Scale { lo, hi, log, unit };
        if let Some(count) = nice.filter(|_| !log && limit == (None, None)) {
            // Round the ends out to ticks of about `count`, so the top and bottom of the plot
            // are labelled; twice, as the wider range may call for a longer step.
            for _ in 0..2 {
                let step = scale.step(count);
                scale.lo = (lo / step).floor() * step;
                scale.hi = (hi / step).ceil() * step;
            }
        }
        scale
    }

    /// Where `v` falls, 0 at `lo` and 1 at `hi` (outside for values out of range; NaN for
    /// values a log scale cannot show).
    pub fn unit(&self, v: f64) -> f64 {
        if self.log {
            if v <= 0.0 {
                return f64::NAN;
            }
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    /// The value at position `t` (the inverse of [`Scale::unit`]).
    pub fn value(&self, t: f64) -> f64 {
        if self.log {
            10f64.powf(self.lo.log10() + t * (self.hi.log10() - self.lo.log10()))
        } else {
            self.lo + t * (self.hi - self.lo)
        }
    }

    /// The tick spacing for about `count` ticks (linear scales).
    fn step(&self, count: usize) -> f64 {
        let raw = (self.hi - self.lo) / count.max(1) as f64;
        match self.unit {
            Unit::Number => nice_step(raw),
            Unit::Integer => nice_step(raw).max(1.0),
            Unit::Time { .. } | Unit::Elapsed => time_step(raw),
        }
    }

    /// Tick values inside the range, about `count` of them, with their labels.
    pub fn ticks(&self, count: usize) -> Vec<(f64, String)> {
        if self.log {
            return self.log_ticks(count);
        }
        let step = self.step(count);
        let first = (self.lo / step - 1e-9).ceil() as i64;
        let last = (self.hi / step + 1e-9).floor() as i64;
        if last - first > 1000 {
            return Vec::new();
        }
        let span = self.hi - self.lo;
        (first..=last)
            .map(|i| {
                let v = i as f64 * step;
                (v, self.label(v, step, span))
            })
            .collect()
    }

    fn log_ticks(&self, count: usize) -> Vec<(f64, String)> {
        let (a, b) = (
            self.lo.log10().ceil() as i32,
            self.hi.log10().floor() as i32,
        );
        let decades = (b - a + 1).max(0) as usize;
        let mut ticks = Vec::new();
        // Fewer decades than ticks wanted: also 2× and 5× of each decade.
        let mults: &[f64] = if decades * 3 <= count {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let every = decades.div_ceil(count.max(1)).max(1);
        for e in (a - 1)..=(b + 1) {
            if (e - a).rem_euclid(every as i32) != 0 {
                continue;
            }
            for m in mults {
                let v = m * 10f64.powi(e);
                if v >= self.lo * (1.0 - 1e-9) && v <= self.hi * (1.0 + 1e-9) {
                    ticks.push((v, number(v, v)));
                }
            }
        }
        ticks
    }

    /// A value as shown on this axis, at the precision a step of `step` needs.
    pub fn label(&self, v: f64, step: f64, span: f64) -> String {
        match self.unit {
            Unit::Number | Unit::Integer => number(v, step),
            Unit::Elapsed => duration(v, step),
            Unit::Time { utc } => clock(v, step, span, utc),
        }
    }

    /// A value at the precision the axis shows (legend entries, readouts).
    pub fn show(&self, v: f64) -> String {
        match self.unit {
            Unit::Number | Unit::Integer => short(v),
            _ => self.label(v, (self.hi - self.lo) / 100.0, self.hi - self.lo),
        }
    }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    let m = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    m * p
}

/// Steps a clock reads well: seconds, minutes, hours and days in 1-2-5-10-15-30 steps.
fn time_step(raw_ms: f64) -> f64 {
    const S: f64 = 1000.0;
    const STEPS: [f64; 17] = [
        1.0 * S,
        2.0 * S,
        5.0 * S,
        10.0 * S,
        15.0 * S,
        30.0 * S,
        60.0 * S,
        120.0 * S,
        300.0 * S,
        600.0 * S,
        900.0 * S,
        1800.0 * S,
        3600.0 * S,
        7200.0 * S,
        3.0 * 3600.0 * S,
        6.0 * 3600.0 * S,
        12.0 * 3600.0 * S,
    ];
    if raw_ms < S {
        return nice_step(raw_ms);
    }
    const DAY: f64 = 86_400.0 * S;
    STEPS
        .iter()
        .copied()
        .find(|&s| s >= raw_ms)
        .unwrap_or_else(|| nice_step(raw_ms / DAY).max(1.0) * DAY)
}

/// A number with as many decimals as `step` needs, `k`/`M`/`G` for large round numbers, and
/// exponents where neither reads well.
pub fn number(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return crate::pyfloat::repr(v);
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e15).contains(&a) {
        return trim_exp(&format!("{v:.1e}"));
    }
    let step = if step.is_finite() && step > 0.0 {
        step
    } else {
        a
    };
    if a < 1e12 {
        for (div, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] {
            if a >= div && step >= div / 10.0 {
                return format!("{}{suffix}", fixed(v / div, step / div));
            }
        }
    } else if step >= 1e11 {
        return trim_exp(&format!("{v:.1e}"));
    }
    fixed(v, step)
}

/// `v` with the decimals `step` needs.
fn fixed(v: f64, step: f64) -> String {
    let decimals = (-step.log10().floor()).clamp(0.0, 10.0) as usize;
    let text = format!("{v:.decimals$}");
    if text.parse::<f64>() == Ok(0.0) {
        return trim_exp(&format!("{v:.1e}"));
    }
    text
}

/// A value at four significant digits, without trailing zeros.
pub fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || !(1e-4..1e15).contains(&v.abs()) {
        return number(v, v.abs());
    }
    let decimals = (3.0 - v.abs().log10().floor()).clamp(0.0, 10.0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// `1.0e-5` → `1e-5`.
fn trim_exp(s: &str) -> String {
    s.replace(".0e", "e")
}

/// Milliseconds as `45s`, `2m30s`, `1h`, `3d`.
fn duration(ms: f64, step: f64) -> String {
    if step < 1000.0 {
        return format!("{}s", number(ms / 1000.0, step / 1000.0));
    }
    let sign = if ms < 0.0 { "-" } else { "" };
    let mut s = (ms.abs() / 1000.0).round() as i64;
    let mut out = String::from(sign);
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if s >= len {
            out.push_str(&format!("{}{unit}", s / len));
            s %= len;
        }
    }
    if s > 0 || out.len() == sign.len() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// Epoch milliseconds as a clock time, with the date when the axis spans more than a day.
fn clock(ms: f64, step: f64, span: f64, utc: bool) -> String {
    let format = if span > 86_400_000.0 {
        if step >= 86_400_000.0 {
            "%m-%d"
        } else {
            "%m-%d %H:%M"
        }
    } else if step < 60_000.0 {
        "%H:%M:%S"
    } else {
        "%H:%M"
    };
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms as i64) else {
        return number(ms, step);
    };
    if utc {
        t.format(format).to_string()
    } else {
        t.with_timezone(&Local).format(format).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(s: &Scale, n: usize) -> Vec<String> {
        s.ticks(n).into_iter().map(|t| t.1).collect()
    }

    #[test]
    fn linear_ticks_are_round() {
        let s = Scale::fit([0.13, 0.87], false, Unit::Number, (None, None), Some(5));
        assert_eq!((s.lo, s.hi), (0.0, 1.0));
        assert_eq!(labels(&s, 5), ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let s = Scale::fit([0.0, 87.0], false, Unit::Number, (None, None), None);
        assert_eq!(labels(&s, 4), ["0", "20", "40", "60", "80"]);
        let s = Scale::fit([-3.0, 250_000.0], false, Unit::Number, (None, None), None);
        assert_eq!(labels(&s, 3), ["0", "100k", "200k"]);
        let s = Scale::fit([5.0, 5.0], false, Unit::Number, (None, None), None);
        assert!(s.lo < 5.0 && s.hi > 5.0);
    }

    #[test]
    fn log_ticks_are_decades() {
        let s = Scale::fit(
            [0.001, 50.0, -1.0, 0.0],
            true,
            Unit::Number,
            (None, None),
            Some(5),
        );
        assert_eq!(labels(&s, 5), ["0.001", "0.01", "0.1", "1", "10"]);
        let s = Scale::fit([1.0, 30.0], true, Unit::Number, (None, None), Some(5));
        assert_eq!(labels(&s, 8), ["1", "2", "5", "10", "20"]);
        assert!(s.unit(-1.0).is_nan());
    }

    #[test]
    fn numbers_and_times_read_well() {
        assert_eq!(number(1.5e-7, 1e-7), "1.5e-7");
        assert_eq!(number(2_500_000.0, 500_000.0), "2.5M");
        assert_eq!(number(0.25, 0.05), "0.25");
        assert_eq!(number(1e12, 2e11), "1e12");
        assert_eq!(short(30.0), "30");
        assert_eq!(short(1.6), "1.6");
        assert_eq!(short(5.3456789), "5.346");
        assert_eq!(short(1234567.0), "1234567");
        assert_eq!(number(1.5e9, 5e8), "1.5G");
        assert_eq!(duration(150_000.0, 30_000.0), "2m30s");
        assert_eq!(duration(0.0, 60_000.0), "0s");
        assert_eq!(duration(1500.0, 500.0), "1.5s");
        assert_eq!(
            clock(1_795_500_000_000.0, 60_000.0, 600_000.0, true),
            "06:00"
        );
        let s = Scale::fit([0.0, 300_000.0], false, Unit::Elapsed, (None, None), None);
        assert_eq!(labels(&s, 5), ["0s", "1m", "2m", "3m", "4m", "5m"]);
    }
}
