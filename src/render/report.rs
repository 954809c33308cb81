//! `mlrs report`'s page: a [`Report`] in, one self-contained HTML document out. The data goes
//! in as JSON (columnar, one array per column), each metric's histories as gzip+base64 that the
//! page inflates when a chart first needs them (the browser's `DecompressionStream`), and the
//! whole histories of thinned series, when they fit, in a block of their own that the page
//! inflates only when asked to draw them; the chart
//! library (uPlot, vendored under `assets/vendor/uplot/`) and the page's own script and style
//! are inlined. Nothing refers outside the file, so it opens from disk with no network. Knows
//! nothing about stores or clap.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine as _;
use flate2::Compression;
use flate2::write::GzEncoder;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use super::json_float;
use crate::ops::report::{DRAW_POINTS, Report, Series};
use crate::query::Direction;

const UPLOT_JS: &str = include_str!("../../assets/vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../../assets/vendor/uplot/uPlot.min.css");
const REPORT_JS: &str = include_str!("../../assets/report/report.js");
const REPORT_CSS: &str = include_str!("../../assets/report/report.css");

/// What the page says about itself.
pub struct Page<'a> {
    pub title: &'a str,
    /// Reload every this many seconds (for a sweep still running).
    pub refresh: Option<u32>,
    /// When the report was made, ms since the epoch.
    pub generated_ms: i64,
}

pub fn html(report: &Report, page: &Page) -> String {
    // Each metric's histories, and the whole ones of its thinned series, packed in parallel,
    // and the table's columns beside them.
    let blocks: Vec<(bool, &String, &Vec<Option<Series>>)> = report
        .histories
        .iter()
        .map(|(k, runs)| (false, k, runs))
        .chain(report.full.iter().map(|(k, runs)| (true, k, runs)))
        .collect();
    let (data, packed) = rayon::join(
        || core_json(report, page),
        || {
            blocks
                .into_par_iter()
                .map(|(whole, key, runs)| (whole, key.clone(), Value::String(packed(runs))))
                .collect::<Vec<(bool, String, Value)>>()
        },
    );
    let (mut histories, mut full) = (Map::new(), Map::new());
    for (whole, key, text) in packed {
        if whole { &mut full } else { &mut histories }.insert(key, text);
    }
    let title = escape(page.title);
    let refresh = page
        .refresh
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">\n"))
        .unwrap_or_default();
    let mut out = String::with_capacity(UPLOT_JS.len() + (1 << 20));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"mlrs {version}\">\n\
         <link rel=\"icon\" href=\"data:,\">\n{refresh}<title>{title}</title>\n\
         <style>\n{UPLOT_CSS}\n{REPORT_CSS}\n</style>\n</head>\n<body>\n\
         <noscript>This report needs JavaScript.</noscript>\n\
         <script id=\"mlrs-data\" type=\"application/json\">{data}</script>\n\
         <script id=\"mlrs-histories\" type=\"application/json\">{histories}</script>\n\
         <script id=\"mlrs-full\" type=\"application/json\">{full}</script>\n\
         <script>\n{UPLOT_JS}\n</script>\n<script>\n{REPORT_JS}\n</script>\n</body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
        data = script_safe(&data.to_string()),
        histories = script_safe(&Value::Object(histories).to_string()),
        full = script_safe(&Value::Object(full).to_string()),
    );
    out
}

/// How the page names a direction (`metrics[k].dir`); it only reads this, never decides.
fn direction_name(dir: Direction) -> &'static str {
    match dir {
        Direction::Minimize => "min",
        Direction::Maximize => "max",
    }
}

/// JSON inside `<script>`: `<` only occurs in strings, where `\u003c` means the same and can
/// never close the element.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn core_json(report: &Report, page: &Page) -> Value {
    let runs = &report.runs;
    let column = |f: &dyn Fn(&crate::store::Run) -> Value| -> Value {
        Value::Array(runs.iter().map(f).collect())
    };
    let text = |f: &dyn Fn(&crate::store::Run) -> Option<&str>| -> Value {
        shared_strings(runs.iter().map(f))
    };
    // One column per key, the keys' columns built in parallel.
    let keyed =
        |keys: &[String], of: &(dyn Fn(&crate::store::Run) -> &BTreeMap<String, String> + Sync)| {
            keys.par_iter()
                .map(|k| {
                    let column =
                        shared_strings(runs.iter().map(|r| of(r).get(k).map(String::as_str)));
                    (k.clone(), column)
                })
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Map<String, Value>>()
        };
    let params = keyed(&report.param_keys, &|r| &r.data.params);
    let tags = keyed(&report.tag_keys, &|r| &r.data.tags);
    let metrics: Map<String, Value> = report
        .metrics
        .iter()
        .map(|(k, dir)| {
            let last = column(&|r| {
                r.data
                    .metrics
                    .get(k)
                    .map_or(Value::Null, |v| json_float(*v))
            });
            let series = report.histories.get(k).into_iter().flatten().flatten();
            let longest = series.clone().map(|s| s.logged).max().unwrap_or(0);
            let logged: usize = series.clone().map(|s| s.logged).sum();
            let held: usize = series.map(|s| s.values.len()).sum();
            (
                k.clone(),
                json!({"dir": dir.map(direction_name), "last": last, "longest": longest,
                       "logged": logged, "held": held, "full": report.full.contains_key(k)}),
            )
        })
        .collect();
    let models: Vec<Value> = report
        .models
        .iter()
        .map(|m| {
            json!({"name": m.name, "version": m.version, "stage": m.stage, "aliases": m.aliases,
                   "status": m.status, "created": m.creation_timestamp, "run": m.run})
        })
        .collect();
    json!({
        "title": page.title,
        "generated": page.generated_ms,
        "refresh": page.refresh,
        "max_points": report.max_points,
        "max_points_for_all": max_points_for_all(report),
        "experiments": report.experiment_names,
        "runs": {
            "id": column(&|r| json!(r.info.run_id)),
            "name": column(&|r| json!(r.info.run_name)),
            "experiment": text(&|r| Some(r.info.experiment_id.as_str())),
            "status": text(&|r| Some(r.info.status.as_str())),
            "start": column(&|r| json!(r.info.start_time)),
            "end": column(&|r| json!(r.info.end_time)),
            "user": text(&|r| Some(r.info.user_id.as_str())),
        },
        "params": params,
        "metrics": metrics,
        "tags": tags,
        "artifacts": report.artifacts.iter().map(|(files, total)| json!([files, total])).collect::<Vec<_>>(),
        "models": models,
    })
}

/// A `--max-points` that holds every point of every history: each series whole, and its
/// thinned form too, which is a part of it and never more than three points (lowest, highest,
/// first gap) in each of the `DRAW_POINTS / 2` step columns. Only a bound: the page holds no
/// more than the data.
fn max_points_for_all(report: &Report) -> usize {
    let series = report.histories.values().flatten().flatten();
    series
        .map(|s| s.logged + s.logged.min(DRAW_POINTS / 2 * 3))
        .sum()
}

/// A column of strings (`null` where missing): a plain array, or, when values repeat (tags
/// such as `mlflow.user`, params of a sweep), `{"strings": [each value once], "at": [its index
/// per run, -1 for null]}`, which the page expands.
fn shared_strings<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Value {
    let values: Vec<Option<&str>> = values.collect();
    let mut strings: Vec<&str> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let at: Vec<i64> = values
        .iter()
        .map(|v| match v {
            None => -1,
            Some(v) => *index.entry(v).or_insert_with(|| {
                strings.push(v);
                strings.len() - 1
            }) as i64,
        })
        .collect();
    if strings.len() * 2 > values.len() {
        return json!(values);
    }
    json!({"strings": strings, "at": at})
}

/// One metric's histories, one entry per run: `null`, or `[logged, steps, times, values]`
/// with steps and times as differences from the previous point (the first one absolute) and
/// values to 6 significant digits (`null` for NaN and ±inf: gaps); then gzip and base64.
fn packed(runs: &[Option<Series>]) -> String {
    let mut text = String::from("[");
    for (i, series) in runs.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let Some(s) = series else {
            text.push_str("null");
            continue;
        };
        let _ = write!(text, "[{},", s.logged);
        deltas(&mut text, &s.steps);
        text.push(',');
        deltas(&mut text, &s.times);
        text.push_str(",[");
        for (j, v) in s.values.iter().enumerate() {
            if j > 0 {
                text.push(',');
            }
            push_rounded(&mut text, *v);
        }
        text.push_str("]]");
    }
    text.push(']');
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(text.as_bytes());
    let bytes = gz.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn deltas(out: &mut String, xs: &[i64]) {
    out.push('[');
    let mut prev = 0i64;
    for (j, x) in xs.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        out.push_str(itoa::Buffer::new().format(x.wrapping_sub(prev)));
        prev = *x;
    }
    out.push(']');
}

/// Six significant digits are finer than any chart draws, and compress far better.
fn push_rounded(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    let rounded = round6(v);
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        out.push_str(itoa::Buffer::new().format(rounded as i64));
    } else {
        out.push_str(ryu::Buffer::new().format_finite(rounded));
    }
}

/// The double nearest to `v` rounded to six significant digits: the rounded digits as an
/// integer, scaled by an exact power of ten in one correctly rounded operation, which gives
/// the double whose shortest form is those digits. Out of that range, the decimal text read back.
fn round6(v: f64) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if v == 0.0 {
        return 0.0;
    }
    let shift = 5 - v.abs().log10().floor() as i32;
    match usize::try_from(shift.unsigned_abs())
        .ok()
        .and_then(|i| POW10.get(i))
    {
        Some(p) if shift >= 0 => (v * p).round() / p,
        Some(p) => (v / p).round() * p,
        None => format!("{v:.5e}").parse().unwrap_or(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_to_six_digits() {
        let mut s = String::new();
        for v in [
            0.123456789,
            123456.789,
            -2.5e-7,
            0.0,
            f64::NAN,
            1e300,
            0.1 + 0.2,
            999999.7,
            1e-3,
        ] {
            push_rounded(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "0.123457 123457 -2.5e-7 0 null 1e300 0.3 1000000 0.001 ");
    }

    #[test]
    fn repeated_strings_are_stored_once() {
        let col = |v: &[Option<&str>]| shared_strings(v.iter().copied());
        assert_eq!(
            col(&[Some("a"), Some("b"), None, Some("a"), Some("a"), Some("a")]),
            json!({"strings": ["a", "b"], "at": [0, 1, -1, 0, 0, 0]})
        );
        assert_eq!(col(&[Some("a"), Some("b"), None]), json!(["a", "b", null]));
    }

    #[test]
    fn script_text_cannot_close_its_element() {
        assert_eq!(
            script_safe(r#"{"a":"</script>"}"#),
            r#"{"a":"\u003c/script>"}"#
        );
    }
}
