//! Metric files: one line per logged value, `timestamp value step[ dataset_name dataset_digest]`,
//! and MLflow's rule for which line is the run's "latest" value.

use std::path::Path;

use super::error::{IoContext, Result, StoreError};
use super::excerpt::excerpt;
use super::fs;
use crate::pyfloat;

#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    pub timestamp: i64,
    pub value: f64,
    pub step: i64,
    /// `(dataset name, digest)` of 3.x lines logged with a dataset.
    pub dataset: Option<(String, String)>,
}

impl MetricPoint {
    /// The line MLflow would append for this point (Python `str(float)` for the value).
    pub fn to_line(&self) -> String {
        let mut line = format!(
            "{} {} {}",
            self.timestamp,
            pyfloat::repr(self.value),
            self.step
        );
        if let Some((name, digest)) = &self.dataset {
            line.push_str(&format!(" {name} {digest}"));
        }
        line.push('\n');
        line
    }
}

/// The longest metric line read: a line MLflow writes is well under 200 bytes (three numbers,
/// or five fields with a dataset name and digest), so anything longer is damage, and reading
/// it whole could take all memory (a 1 GB file of zeros is one "line").
const MAX_LINE_BYTES: usize = 4096;

/// Every point of a metric file, in file order, handed to `each` as it is read: memory stays
/// bounded by one line whatever the file's size. Any malformed line is an error naming the
/// file and line: MLflow cannot read such a run either, and guessing would hide a torn write.
pub fn for_each_point(path: &Path, each: impl FnMut(MetricPoint)) -> Result<()> {
    let (lines, _) = scan(path, 0, true, each)?;
    if lines == 0 {
        return Err(StoreError::invalid(path, "metric file has no values"));
    }
    Ok(())
}

/// The points of the lines appended after byte `offset`, and the offset to read from next
/// time: a live view reads only what a running run added. A last line without its newline is
/// still being written (MLflow appends a line in one write, but a reader can come between),
/// so it waits for the next call.
pub fn read_points_since(path: &Path, offset: u64) -> Result<(Vec<MetricPoint>, u64)> {
    let mut points = Vec::new();
    let (_, end) = scan(path, offset, false, |p| points.push(p))?;
    Ok((points, end))
}

/// Parse the lines from `offset` on (`whole`: an unfinished last line too); answers how many
/// lines were read and the offset after the last one.
fn scan(
    path: &Path,
    offset: u64,
    whole: bool,
    mut each: impl FnMut(MetricPoint),
) -> Result<(usize, u64)> {
    use std::io::{BufRead, Read, Seek, SeekFrom};
    let mut file = fs::open_regular(path)?;
    if offset > 0 {
        file.seek(SeekFrom::Start(offset)).at(path)?;
    }
    let mut reader = std::io::BufReader::new(file);
    let mut buf = Vec::new();
    let (mut line, mut end) = (0, offset);
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .at(path)?;
        if read == 0 || (!whole && buf.len() <= MAX_LINE_BYTES && !buf.ends_with(b"\n")) {
            break;
        }
        line += 1;
        // Valid UTF-8 (every line MLflow writes) is borrowed as it is; only damage is copied.
        let raw = match std::str::from_utf8(&buf) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&buf),
        };
        if buf.len() > MAX_LINE_BYTES {
            return Err(line_error(
                path,
                line,
                &raw,
                &format!("longer than {MAX_LINE_BYTES} bytes"),
            ));
        }
        each(parse_line(&raw).map_err(|reason| line_error(path, line, &raw, &reason))?);
        end += read as u64;
    }
    Ok((line, end))
}

/// Every point of a metric file (see [`for_each_point`]).
pub fn read_points(path: &Path) -> Result<Vec<MetricPoint>> {
    let mut points = Vec::new();
    for_each_point(path, |p| points.push(p))?;
    Ok(points)
}

/// The run's value of a metric: [`latest`] of its file, read in one pass.
pub fn read_latest(path: &Path) -> Result<MetricPoint> {
    let mut best: Option<MetricPoint> = None;
    for_each_point(path, |p| {
        if best.as_ref().is_none_or(|b| python_tuple_gt(&p, b)) {
            best = Some(p);
        }
    })?;
    best.ok_or_else(|| StoreError::invalid(path, "metric file has no values"))
}

fn line_error(path: &Path, line: usize, raw: &str, reason: &str) -> StoreError {
    StoreError::MetricLine {
        path: path.to_path_buf(),
        line,
        text: excerpt(raw.trim_end_matches('\n')),
        reason: reason.to_owned(),
    }
}

/// One line, `timestamp value [step [dataset_name dataset_digest]]`, as MLflow's reader splits
/// it: the line stripped, then split on single spaces.
fn parse_line(raw: &str) -> std::result::Result<MetricPoint, String> {
    let mut parts = [""; 5];
    let mut count = 0;
    let line = raw.trim();
    // Split at single spaces by bytes: a space is ASCII, so every cut is a char boundary.
    let mut start = 0;
    for (i, _) in line
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b' ')
        .chain([(line.len(), b' ')])
    {
        if count < parts.len() {
            parts[count] = &line[start..i];
        }
        count += 1;
        start = i + 1;
    }
    let (ts, value, step, dataset) = match (count, parts) {
        (2, [ts, value, ..]) => (ts, value, None, None),
        (3, [ts, value, step, ..]) => (ts, value, Some(step), None),
        // 3.x reads step 0 for these lines (a bug in its reader); the step written is kept.
        (5, [ts, value, step, name, digest]) => (
            ts,
            value,
            Some(step),
            Some((name.to_owned(), digest.to_owned())),
        ),
        _ => {
            return Err(format!(
                "expected 2, 3 or 5 space-separated fields, found {count}"
            ));
        }
    };
    let timestamp = parse_int(ts).ok_or("the timestamp is not an integer")?;
    let value = parse_float(value).ok_or("the value is not a number")?;
    let step = match step {
        Some(s) => parse_int(s).ok_or("the step is not an integer")?,
        None => 0,
    };
    Ok(MetricPoint {
        timestamp,
        value,
        step,
        dataset,
    })
}

/// Python's `int(text)`; plain decimal integers without the general rules.
fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        bytes => (false, bytes),
    };
    // 18 digits cannot overflow an i64.
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return pyfloat::parse_int(text);
    }
    let n = digits
        .iter()
        .fold(0_i64, |n, &d| n * 10 + i64::from(d - b'0'));
    Some(if negative { -n } else { n })
}

/// Python's `float(text)`. Text of digits, signs, points and exponents goes straight to Rust's
/// parse (correctly rounded, as Python's; `pyfloat::parse` would only trim and look for `_`
/// first); anything else takes the general parse.
fn parse_float(text: &str) -> Option<f64> {
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if plain {
        text.parse().ok()
    } else {
        pyfloat::parse(text)
    }
}

/// MLflow's latest value: `max(points, key=lambda m: (m.step, m.timestamp, m.value))` with
/// Python semantics (the first maximum wins; any comparison with NaN is false).
pub fn latest(points: &[MetricPoint]) -> Option<&MetricPoint> {
    let mut best = points.first()?;
    for p in &points[1..] {
        if python_tuple_gt(p, best) {
            best = p;
        }
    }
    Some(best)
}

fn python_tuple_gt(a: &MetricPoint, b: &MetricPoint) -> bool {
    if a.step != b.step {
        return a.step > b.step;
    }
    if a.timestamp != b.timestamp {
        return a.timestamp > b.timestamp;
    }
    // Equal floats compare equal; otherwise Python answers `a > b`, false with a NaN.
    a.value != b.value && a.value > b.value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(list: &[(i64, i64, f64)]) -> Vec<MetricPoint> {
        list.iter()
            .map(|&(step, timestamp, value)| MetricPoint {
                timestamp,
                value,
                step,
                dataset: None,
            })
            .collect()
    }

    #[test]
    fn points_since_an_offset_wait_for_an_unfinished_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss");
        std::fs::write(&path, "1 0.5 0\n2 0.25 1\n3 0.1").unwrap();
        let (first, at) = read_points_since(&path, 0).unwrap();
        assert_eq!((first.len(), at), (2, 17));
        let (none, same) = read_points_since(&path, at).unwrap();
        assert!(none.is_empty() && same == at);
        std::fs::write(&path, "1 0.5 0\n2 0.25 1\n3 0.1 2\n").unwrap();
        let (more, end) = read_points_since(&path, at).unwrap();
        assert_eq!((more[0].step, more[0].value, end), (2, 0.1, 25));
        assert!(read_points_since(&path, end).unwrap().0.is_empty());
    }

    #[test]
    fn latest_follows_python_max() {
        let p = pts(&[
            (1, 1000, 1.0),
            (2, 900, 2.0),
            (2, 1100, 3.0),
            (2, 1100, 2.5),
        ]);
        assert_eq!(latest(&p).unwrap().value, 3.0);
        assert!(
            latest(&pts(&[(5, 1, f64::NAN), (5, 1, 7.0)]))
                .unwrap()
                .value
                .is_nan()
        );
        assert!(
            latest(&pts(&[(0, 1, 1.0), (1, 1, f64::NAN)]))
                .unwrap()
                .value
                .is_nan()
        );
        assert_eq!(
            latest(&pts(&[(-1, 1, 1.5), (-5, 1, 2.5)])).unwrap().value,
            1.5
        );
    }

    #[test]
    fn parses_all_line_shapes() {
        let tmp = tempfile::tempdir().unwrap();
        let file = |text: &str| {
            let path = tmp.path().join("m");
            std::fs::write(&path, text).unwrap();
            path
        };
        let text = "1 0.5\n2 nan 3\n3 1e+20 -1 green 2703253d\n";
        let p = read_points(&file(text)).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].step, 0);
        assert_eq!(p[2].step, -1);
        assert_eq!(p[2].dataset.as_ref().unwrap().0, "green");
        for bad in [
            "1 2 3\n\n",
            "1  2 3\n",
            "x 1 2\n",
            "1 2 1.5\n",
            "1 2 3 4\n",
            "",
        ] {
            assert!(read_points(&file(bad)).is_err(), "{bad:?}");
        }
        let long = format!("1 2 3{}\n", " ".repeat(MAX_LINE_BYTES));
        let err = read_points(&file(&long)).unwrap_err().to_string();
        assert!(err.contains("longer than") && err.len() < 300, "{err}");
        assert!(
            read_latest(&file(text)).unwrap().value.is_nan(),
            "step 3 wins"
        );
    }

    #[test]
    fn fast_numbers_match_the_general_parse() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1.",
            ".5",
            "-.5",
            "12.375",
            "0.30000000000000004",
            "123456789012345",
            "1234567890123456",
            "0.1",
            "0.2",
            "9007199254740993",
            "1e5",
            "1.5e-7",
            "007",
            "-",
            ".",
            "",
            "1..2",
            "1_0",
            "nan",
            "+1",
            "12a",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "99999999999999.9",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            cases.push(pyfloat::repr(v));
            let scaled = (x % 10_000_000_000) as f64 / 10f64.powi((x >> 40) as i32 % 20);
            cases.push(pyfloat::repr(scaled));
            cases.push(format!("{}", x % 1_000_000_000_000_000));
        }
        for case in &cases {
            let (fast, general) = (parse_float(case), pyfloat::parse(case));
            assert_eq!(
                fast.map(f64::to_bits),
                general.map(f64::to_bits),
                "float {case:?}"
            );
            assert_eq!(parse_int(case), pyfloat::parse_int(case), "int {case:?}");
        }
    }

    #[test]
    fn lines_round_trip() {
        let p = MetricPoint {
            timestamp: 17,
            value: 1e-7,
            step: 1099511627776,
            dataset: None,
        };
        assert_eq!(p.to_line(), "17 1e-07 1099511627776\n");
    }
}

#[cfg(test)]
mod fuzz {
    //! The metric reader on random and hostile lines and files: points or an error naming the
    //! file and line, never a panic.

    use proptest::prelude::*;

    use super::*;

    fn line_soup() -> impl Strategy<Value = String> {
        let pieces = vec![
            "1795239971000",
            "-1",
            "0",
            " ",
            "  ",
            "0.5",
            "nan",
            "NaN",
            "-inf",
            "Infinity",
            "1e308",
            "1e999",
            "1_000",
            "0x10",
            "+",
            "9223372036854775808",
            "\t",
            "\r",
            "\u{0}",
            "é",
            "\n",
            "train",
            "abc123",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn on_random_lines(raw in "\\PC{0,80}") {
            let _ = parse_line(&raw);
        }

        #[test]
        fn on_number_soup(raw in line_soup()) {
            match parse_line(&raw).map_err(|reason| line_error(Path::new("m"), 1, &raw, &reason)) {
                Ok(_) => {}
                Err(e) => prop_assert!(e.to_string().starts_with("m:1: "), "{e}"),
            }
        }

        #[test]
        fn on_random_files(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("loss");
            std::fs::write(&path, &bytes).unwrap();
            let _ = for_each_point(&path, |_| {});
        }
    }
}
