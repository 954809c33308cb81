//! Metric files: one line per logged value, `timestamp value step[ dataset_name dataset_digest]`,
//! and MLflow's rule for which line is the run's "latest" value.

use std::borrow::Cow;
use std::path::Path;

use super::error::{IoContext, Result, StoreError};
use super::excerpt::excerpt;
use super::folder::Folder;
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

/// How much of a metric file is read at once: many lines per `read(2)`, and room for the
/// longest line allowed.
const CHUNK_BYTES: usize = 64 << 10;

/// A metric file read one line at a time from a byte offset: memory stays bounded by one
/// chunk whatever the file's size. Lines are found and parsed where they were read, in the
/// chunk, with no copy.
struct Lines<'a> {
    source: Source<'a>,
    file: std::fs::File,
    /// Whether the file is known to be a regular one (checked before reading past a chunk).
    regular: bool,
    /// `chunk[at..next]` is the current line, `chunk[next..filled]` what was read after it.
    chunk: Vec<u8>,
    at: usize,
    next: usize,
    filled: usize,
    eof: bool,
    /// The file's size when opened, and how far into it has been read.
    size: u64,
    pos: u64,
    /// Lines read so far (the number of the current one, counted from where reading began).
    line: usize,
    /// Byte offset of the end of the current line.
    end: u64,
}

/// Where a metric file's lines come from, for errors: its path is made only if one is needed.
enum Source<'a> {
    Path(&'a Path),
    InFolder(&'a Folder, &'a str),
}

impl Source<'_> {
    fn path(&self) -> Cow<'_, Path> {
        match self {
            Source::Path(path) => Cow::Borrowed(path),
            Source::InFolder(folder, key) => Cow::Owned(folder.path().join(key)),
        }
    }
}

impl<'a> Lines<'a> {
    /// From byte `offset` on; a file now shorter than `offset` was rewritten and is read from
    /// its start.
    fn open(path: &'a Path, offset: u64) -> Result<Lines<'a>> {
        use std::io::{Seek, SeekFrom};
        let (mut file, len) = fs::open_regular_sized(path)?;
        let mut start = 0;
        if offset > 0 && len >= offset {
            start = file.seek(SeekFrom::Start(offset)).at(path)?;
        }
        Ok(Lines::new(
            Source::Path(path),
            file,
            true,
            len,
            start,
            Vec::new(),
        ))
    }

    /// The file `key` names in `folder`, whose size a listing gave: opened relative to the
    /// folder with no `fstat`, its type checked only if it outgrows a chunk (a device read
    /// from could otherwise run on).
    fn in_folder(folder: &'a Folder, key: &'a str, size: u64, chunk: Vec<u8>) -> Result<Self> {
        let file = folder.open_regular_at(key)?;
        let source = Source::InFolder(folder, key);
        Ok(Lines::new(source, file, false, size, 0, chunk))
    }

    /// Reading into `chunk`, grown as needed: a caller reading many files passes one along.
    fn new(
        source: Source<'a>,
        file: std::fs::File,
        regular: bool,
        size: u64,
        start: u64,
        mut chunk: Vec<u8>,
    ) -> Self {
        // A short file needs no more than its own size (plus one byte to see its end).
        let room = usize::try_from(size.saturating_sub(start) + 1)
            .map_or(CHUNK_BYTES, |n| n.min(CHUNK_BYTES));
        let need = room.max(MAX_LINE_BYTES + 1);
        if chunk.len() < need {
            chunk.resize(need, 0);
        }
        Lines {
            source,
            file,
            regular,
            chunk,
            at: 0,
            next: 0,
            filled: 0,
            eof: false,
            size,
            pos: start,
            line: 0,
            end: start,
        }
    }

    /// The next raw line (`false` at the end of the file). A line longer than MLflow ever
    /// writes is an error.
    fn advance(&mut self) -> Result<bool> {
        use std::io::Read;
        self.at = self.next;
        loop {
            let rest = &self.chunk[self.at..self.filled];
            if let Some(i) = memchr::memchr(b'\n', rest) {
                self.next = self.at + i + 1;
                break;
            }
            if self.eof || rest.len() > MAX_LINE_BYTES {
                self.next = self.at + rest.len().min(MAX_LINE_BYTES + 1);
                break;
            }
            if !self.regular && self.pos >= CHUNK_BYTES as u64 {
                fs::check_regular(&self.file, &self.source.path())?;
                self.regular = true;
            }
            self.chunk.copy_within(self.at..self.filled, 0);
            self.filled -= self.at;
            self.at = 0;
            let room = self.chunk.len() - self.filled;
            match self.file.read(&mut self.chunk[self.filled..]) {
                Ok(n) => {
                    self.filled += n;
                    self.pos += n as u64;
                    // A read that stops short at the size the file had when opened is at its
                    // end: no read(2) just to hear that (a file that grew fills the room).
                    self.eof = n == 0 || (n < room && self.pos >= self.size);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(StoreError::io(&self.source.path(), e)),
            }
        }
        let read = self.next - self.at;
        if read == 0 {
            return Ok(false);
        }
        self.line += 1;
        self.end += read as u64;
        if read > MAX_LINE_BYTES {
            return Err(self.error(&format!("longer than {MAX_LINE_BYTES} bytes")));
        }
        Ok(true)
    }

    /// The current line as read, with its newline.
    fn text(&self) -> &[u8] {
        &self.chunk[self.at..self.next]
    }

    /// Whether the current line ends with its newline (MLflow ends every line with one).
    fn whole(&self) -> bool {
        self.text().last() == Some(&b'\n')
    }

    fn parse(&self) -> Result<MetricPoint> {
        let bytes = self.text();
        if let Some(point) = parse_plain(bytes) {
            return Ok(point);
        }
        // Valid UTF-8 (every line MLflow writes) is borrowed as it is; only damage is copied.
        let raw = match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        };
        parse_line(&raw).map_err(|reason| self.error(&reason))
    }

    /// Every point to `each`, in file order; a file with none is an error. Gives back the
    /// read buffer.
    fn each_point(mut self, mut each: impl FnMut(MetricPoint)) -> Result<Vec<u8>> {
        while self.advance()? {
            each(self.parse()?);
        }
        if self.line == 0 {
            return Err(StoreError::invalid(
                &self.source.path(),
                "metric file has no values",
            ));
        }
        Ok(self.chunk)
    }

    fn error(&self, reason: &str) -> StoreError {
        line_error(
            &self.source.path(),
            self.line,
            &String::from_utf8_lossy(self.text()),
            reason,
        )
    }
}

/// Every point of a metric file, in file order, handed to `each` as it is read: memory stays
/// bounded by one line whatever the file's size. Any malformed line is an error naming the
/// file and line: MLflow cannot read such a run either, and guessing would hide a torn write.
pub fn for_each_point(path: &Path, each: impl FnMut(MetricPoint)) -> Result<()> {
    Lines::open(path, 0)?.each_point(each).map(drop)
}

/// [`for_each_point`] for the file `key` names in `folder`, `size` bytes long when listed,
/// read through `chunk` (kept for the next file).
pub fn for_each_point_in(
    folder: &Folder,
    key: &str,
    size: u64,
    chunk: &mut Vec<u8>,
    each: impl FnMut(MetricPoint),
) -> Result<()> {
    let lines = Lines::in_folder(folder, key, size, std::mem::take(chunk))?;
    *chunk = lines.each_point(each)?;
    Ok(())
}

/// The points of the whole lines of a metric file from byte `offset` on, handed to `each`
/// (memory bounded by one line), and the offset after the last whole line: what a reader that
/// already has the first `offset` bytes is missing. A last line without its newline may still
/// be being written and is left for the next read. A file shorter than `offset` was rewritten;
/// it is read again from the start. Line numbers in errors count from `offset`.
pub fn for_each_point_since(
    path: &Path,
    offset: u64,
    mut each: impl FnMut(MetricPoint),
) -> Result<u64> {
    let mut lines = Lines::open(path, offset)?;
    let mut done = lines.end;
    while lines.advance()? && lines.whole() {
        each(lines.parse()?);
        done = lines.end;
    }
    Ok(done)
}

/// The points of the lines appended after byte `offset` (see [`for_each_point_since`]), and
/// the offset to read from next time: a live view or `sync` reads only what a running run
/// added.
pub fn read_points_since(path: &Path, offset: u64) -> Result<(Vec<MetricPoint>, u64)> {
    let mut points = Vec::new();
    let end = for_each_point_since(path, offset, |p| points.push(p))?;
    Ok((points, end))
}

/// The whole lines of a metric file from byte `offset` on, as written, each checked to be a
/// metric line: for copying them on unchanged (`merge`).
pub fn lines_since(path: &Path, offset: u64) -> Result<Vec<String>> {
    let mut lines = Lines::open(path, offset)?;
    let mut out = Vec::new();
    while lines.advance()? && lines.whole() {
        lines.parse()?;
        out.push(String::from_utf8_lossy(lines.text()).into_owned());
    }
    Ok(out)
}

/// How a metric file reads, for `doctor`.
#[derive(Debug)]
pub enum FileHealth {
    Sound,
    /// No bytes at all: MLflow cannot read the run.
    Empty,
    /// Every line reads but the last, which was cut short: the first `keep` bytes are sound.
    TornLast {
        keep: u64,
        line: String,
    },
    /// A line other than the last is malformed (or the only line is torn).
    Broken(StoreError),
}

/// Read a whole metric file, one line in memory at a time, and say how it ends.
pub fn check_file(path: &Path) -> Result<FileHealth> {
    let mut lines = Lines::open(path, 0)?;
    let mut keep = 0;
    loop {
        match lines.advance() {
            Ok(true) => {}
            Ok(false) if lines.line == 0 => return Ok(FileHealth::Empty),
            Ok(false) => return Ok(FileHealth::Sound),
            Err(e) => return Ok(FileHealth::Broken(e)),
        }
        let parsed = lines.parse();
        let whole = lines.whole();
        if parsed.is_ok() && whole {
            keep = lines.end;
            continue;
        }
        let text = String::from_utf8_lossy(lines.text()).trim_end().to_owned();
        let last = !whole || !lines.advance().unwrap_or(true);
        return Ok(match parsed {
            // MLflow ends every line with a newline: a last line without one was cut short,
            // even when what is left of it reads.
            _ if last && keep > 0 => FileHealth::TornLast { keep, line: text },
            Ok(_) => FileHealth::Sound,
            Err(e) => FileHealth::Broken(e),
        });
    }
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

/// The line almost every metric file holds, `timestamp value step` and its newline in plain
/// ASCII, read in one pass without the general rules; `None` sends anything else to
/// [`parse_line`], which gives the same answer for these lines.
fn parse_plain(line: &[u8]) -> Option<MetricPoint> {
    let (timestamp, rest) = leading_int(line.strip_suffix(b"\n")?)?;
    let (value, rest) = leading_float(rest.strip_prefix(b" ")?)?;
    let (step, rest) = leading_int(rest.strip_prefix(b" ")?)?;
    if !rest.is_empty() {
        return None;
    }
    Some(MetricPoint {
        timestamp,
        value,
        step,
        dataset: None,
    })
}

/// A plain decimal integer (an optional `-` and 1 to 18 digits, which cannot overflow an
/// i64) at the start of `bytes`, and what follows it.
fn leading_int(bytes: &[u8]) -> Option<(i64, &[u8])> {
    let (negative, digits) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    let mut n: i64 = 0;
    let mut len = 0;
    while let Some(d) = digits
        .get(len)
        .map(|b| b.wrapping_sub(b'0'))
        .filter(|d| *d <= 9)
    {
        // Wrapping: a 19th digit is refused below, whatever it did to `n`.
        n = n.wrapping_mul(10).wrapping_add(i64::from(d));
        len += 1;
    }
    if len == 0 || len > 18 {
        return None;
    }
    Some((if negative { -n } else { n }, &digits[len..]))
}

/// A finite float at the start of `bytes` written as Python's `repr` writes one (a `-`, digits,
/// an optional fraction and exponent), and what follows it; correctly rounded, as Python's
/// `float()` is. Other forms (`+1`, `.5`, `nan`, `1_0`) are `None`, for the general parse.
fn leading_float(bytes: &[u8]) -> Option<(f64, &[u8])> {
    if !matches!(bytes.first(), Some(b'-' | b'0'..=b'9')) {
        return None;
    }
    let (value, used) = fast_float2::parse_partial::<f64, _>(bytes).ok()?;
    value.is_finite().then(|| (value, &bytes[used..]))
}

/// Python's `int(text)`; plain decimal integers without the general rules.
fn parse_int(text: &str) -> Option<i64> {
    match leading_int(text.as_bytes()) {
        Some((n, [])) => Some(n),
        _ => pyfloat::parse_int(text),
    }
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
    fn lines_across_chunks_read_whole_and_plain_lines_as_the_general_rules_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss");
        let text: String = (0..20_000)
            .map(|i| format!("{} {} {}\n", 1000 + i, i as f64 / 7.0, i - 5))
            .collect();
        std::fs::write(&path, &text).unwrap();
        let points = read_points(&path).unwrap();
        assert_eq!(points.len(), 20_000);
        assert!(points.iter().enumerate().all(|(i, p)| {
            let i = i as i64;
            p.timestamp == 1000 + i && p.step == i - 5 && p.value == i as f64 / 7.0
        }));
        for line in [
            "1 0.5 3\n",
            "-1 -2.5e-3 -4\n",
            "1 1E5 2\n",
            "0012 +1 007\n",
            "1 .5 2\n",
            "1 5. 2\n",
            "1 nan 2\n",
            "1 -Infinity 2\n",
            "1 1_000 2\n",
            "1 0.5\n",
            "1 0.5 2 ds digest\n",
            "1 0.5 2",
            "1 1e400 2\n",
        ] {
            // Compared as text: NaN equals nothing, itself included.
            if let Some(plain) = parse_plain(line.as_bytes()) {
                assert_eq!(
                    format!("{plain:?}"),
                    format!("{:?}", parse_line(line).unwrap()),
                    "{line:?}"
                );
            }
        }
        std::fs::write(&path, format!("1 0.5 1\n{}\n", "7".repeat(5000))).unwrap();
        assert!(
            read_points(&path)
                .unwrap_err()
                .to_string()
                .contains("longer than")
        );
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
    fn appended_lines_stop_at_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        let since = |offset| {
            let mut points = Vec::new();
            let end = for_each_point_since(&path, offset, |p| points.push(p)).unwrap();
            (points, end)
        };
        std::fs::write(&path, "1 0.5 0\n2 0.7 1\n3 0.").unwrap();
        let (points, offset) = since(0);
        assert_eq!((points.len(), offset), (2, 16));
        let (points, again) = since(offset);
        assert_eq!((points.len(), again), (0, 16));
        assert!(matches!(
            check_file(&path).unwrap(),
            FileHealth::TornLast { keep: 16, .. }
        ));
        std::fs::write(&path, "1 0.5 0\n2 0.7 1\n3 0.9 2\n").unwrap();
        let (points, end) = since(offset);
        assert_eq!((points[0].step, end), (2, 24));
        assert!(matches!(check_file(&path).unwrap(), FileHealth::Sound));
        std::fs::write(&path, "9 1 0\n").unwrap();
        assert_eq!(since(end).1, 6, "a rewritten file is read again");
        std::fs::write(&path, "1 x 0\n2 0.7 1\n").unwrap();
        assert!(matches!(check_file(&path).unwrap(), FileHealth::Broken(_)));
        std::fs::write(&path, "").unwrap();
        assert!(matches!(check_file(&path).unwrap(), FileHealth::Empty));
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
            let line = format!("1795239971000 {case} 7\n");
            let plain = parse_plain(line.as_bytes());
            if let Some(point) = &plain {
                let general = parse_line(&line).unwrap();
                assert_eq!(point.value.to_bits(), general.value.to_bits(), "{line:?}");
                assert_eq!(
                    (point.timestamp, point.step),
                    (general.timestamp, general.step)
                );
            }
            // Python's repr of every finite value takes the one-pass road.
            let repr = general.is_some_and(f64::is_finite) && !case.starts_with(['+', '.']);
            assert!(plain.is_some() || !repr || case.contains('_'), "{line:?}");
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
        fn the_one_pass_road_agrees_with_the_general_one(raw in line_soup()) {
            let line = format!("{raw}\n");
            if let Some(point) = parse_plain(line.as_bytes()) {
                let general = parse_line(&line).unwrap();
                prop_assert_eq!(point.value.to_bits(), general.value.to_bits());
                prop_assert_eq!((point.timestamp, point.step), (general.timestamp, general.step));
            }
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
