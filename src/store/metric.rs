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
        let raw = String::from_utf8_lossy(&buf);
        if buf.len() > MAX_LINE_BYTES {
            return Err(line_error(
                path,
                line,
                &raw,
                &format!("longer than {MAX_LINE_BYTES} bytes"),
            ));
        }
        each(parse_line(path, line, &raw)?);
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

fn parse_line(path: &Path, line: usize, raw: &str) -> Result<MetricPoint> {
    let err = |reason: &str| line_error(path, line, raw, reason);
    let parts: Vec<&str> = raw.trim().split(' ').collect();
    let (ts, value, step, dataset) = match parts.as_slice() {
        [ts, value] => (ts, value, None, None),
        [ts, value, step] => (ts, value, Some(step), None),
        // 3.x reads step 0 for these lines (a bug in its reader); the step written is kept.
        [ts, value, step, name, digest] => (
            ts,
            value,
            Some(step),
            Some((name.to_string(), digest.to_string())),
        ),
        _ => {
            return Err(err(&format!(
                "expected 2, 3 or 5 space-separated fields, found {}",
                parts.len()
            )));
        }
    };
    let timestamp = pyfloat::parse_int(ts).ok_or_else(|| err("the timestamp is not an integer"))?;
    let value = pyfloat::parse(value).ok_or_else(|| err("the value is not a number"))?;
    let step = match step {
        Some(s) => pyfloat::parse_int(s).ok_or_else(|| err("the step is not an integer"))?,
        None => 0,
    };
    Ok(MetricPoint {
        timestamp,
        value,
        step,
        dataset,
    })
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
            let _ = parse_line(Path::new("m"), 1, &raw);
        }

        #[test]
        fn on_number_soup(raw in line_soup()) {
            match parse_line(Path::new("m"), 1, &raw) {
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
