//! Views in, bytes out: tables for terminals, CSV/TSV and markdown, JSON; [`View`] is what a
//! result implements to be shown, [`write`] the one place that picks the form. Knows nothing
//! about stores or clap. Time and colour choices arrive in [`Style`]; nothing here reads the
//! environment.

pub mod chart;
pub mod report;
mod table;

use std::io::{self, Write};

use serde_json::Value;

pub use table::write_table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Tsv,
    Markdown,
}

/// One value of a table cell. The variant decides how each format shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    /// Milliseconds since the epoch: local time in tables, RFC 3339 UTC in CSV.
    Time(i64),
    /// Milliseconds.
    Duration(i64),
    /// A run status, coloured in tables.
    Status(String),
    /// A size: exact in CSV/JSON, `1.2 MiB` in tables.
    Bytes(u64),
    /// An id (run id): whole when the table fits, else a 12-character prefix, which every mlrs
    /// command still accepts.
    Id(String),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_time(t: Option<i64>) -> Cell {
        t.map_or(Cell::Empty, Cell::Time)
    }

    pub fn opt_text(s: Option<&String>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.clone()))
    }

    pub fn opt_float(f: Option<f64>) -> Cell {
        f.map_or(Cell::Empty, Cell::Float)
    }

    /// The exact, machine-readable text (CSV, TSV).
    pub fn plain(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Status(s) | Cell::Id(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => crate::pyfloat::repr(*f),
            Cell::Time(ms) => rfc3339(*ms),
            Cell::Duration(ms) => format!("{:.3}", *ms as f64 / 1000.0),
            Cell::Bytes(n) => n.to_string(),
        }
    }

    /// The short, human text (tables, markdown); control characters are shown escaped.
    pub fn human(&self, style: &Style) -> String {
        match self {
            Cell::Empty => "-".into(),
            Cell::Float(f) => human_float(*f),
            Cell::Time(ms) => local_time(*ms, style),
            Cell::Duration(ms) => human_duration(*ms),
            Cell::Bytes(n) => human_bytes(*n),
            other => printable(&other.plain()).into_owned(),
        }
    }
}

/// A table: headers and rows of cells. `Table` also carries a title line for key/value views.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Cells (row, column) to emphasise in tables, e.g. the best value of a metric.
    pub highlight: Vec<(usize, usize)>,
    /// Rows whose first cell is marked as differing (compare's changed keys).
    pub changed_rows: Vec<usize>,
    /// Columns that give way first when the table does not fit, the last listed first: the
    /// ones shown by default, so the columns a person asked for stay.
    pub spare: Vec<usize>,
    /// The first column names the rows (`compare`'s keys): it is cut last, since a row whose
    /// name is cut to `params.lear…` cannot be read.
    pub row_names: bool,
}

impl Table {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Table {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            ..Table::default()
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }
}

/// One piece of a view for people: a table, lines of text (an id scripts capture), or a note
/// for the person (talk, not data: it goes to stderr).
#[derive(Debug, Clone)]
pub enum Block {
    Table(Table),
    Text(String),
    Note(String),
}

/// A result that can present itself in each output form. Only the form chosen by `--format`
/// is built ([`write`] calls one method).
pub trait View {
    /// For people (`table`, `markdown`): blocks in order, a blank line between two tables.
    fn human(&self, style: &Style) -> Vec<Block>;
    /// MLflow's dictionary shapes; `None` when this view has no JSON form of its own (it is
    /// part of a later view's document).
    fn json(&self) -> Option<Value>;
    /// One record per entity with `mlflow.search_runs()`-style columns (CSV/TSV); `None` means
    /// the human blocks serve as records.
    fn records(&self) -> Option<Table> {
        None
    }
    /// When the result is an empty listing, what to tell the person ("no runs matched"): an
    /// empty table alone looks like a failure.
    fn empty(&self) -> Option<&'static str> {
        None
    }
}

#[derive(Debug, Clone)]
pub struct Style {
    pub color: bool,
    /// Terminal width for tables; `None` means no limit.
    pub width: Option<u16>,
    /// Show times in UTC instead of local time.
    pub utc: bool,
}

/// Write `view` in `format`; the notes for the person come back, for the caller's stderr.
pub fn write(
    out: &mut dyn Write,
    view: &dyn View,
    format: Format,
    style: &Style,
) -> io::Result<Vec<String>> {
    let blocks = match format {
        Format::Json => {
            if let Some(json) = view.json() {
                write_json(out, &json)?;
            }
            return Ok(Vec::new());
        }
        Format::Csv | Format::Tsv => match view.records() {
            Some(records) => vec![Block::Table(records)],
            None => view.human(style),
        },
        Format::Table | Format::Markdown => view.human(style),
    };
    let mut notes = Vec::new();
    let mut tables = 0;
    for block in blocks {
        match block {
            Block::Note(text) => notes.push(text),
            Block::Text(text) => writeln!(out, "{text}")?,
            Block::Table(table) => {
                if tables > 0 {
                    writeln!(out)?;
                }
                tables += 1;
                match format {
                    Format::Table | Format::Json => {
                        let fit = write_table(out, &table, style)?;
                        if let [first, .., last] | [first @ last] = fit.dropped.as_slice() {
                            let which = if first == last {
                                first.clone()
                            } else {
                                format!("{first} … {last}")
                            };
                            // In compare the columns are runs; elsewhere `-c` picks them.
                            let narrower = if table.row_names {
                                "compare fewer runs"
                            } else {
                                "choose columns with -c"
                            };
                            notes.push(format!(
                                "{} of {} columns did not fit the terminal ({which}): pass --wide, or {narrower}",
                                fit.dropped.len(),
                                table.headers.len(),
                            ));
                        }
                    }
                    Format::Markdown => write_markdown(out, &table, style)?,
                    Format::Csv => write_delimited(out, &table, b',')?,
                    Format::Tsv => write_delimited(out, &table, b'\t')?,
                }
            }
        }
    }
    Ok(notes)
}

pub fn write_json(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// CSV (RFC 4180 quoting) or TSV (tabs, newlines and backslashes escaped as `\t`, `\n`, `\\`,
/// so every record is one line).
pub fn write_delimited(out: &mut dyn Write, table: &Table, delimiter: u8) -> io::Result<()> {
    if delimiter == b'\t' {
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|c| escape_tsv(c))
                .collect::<Vec<_>>()
                .join("\t")
                + "\n"
        };
        out.write_all(line(table.headers.clone()).as_bytes())?;
        for row in &table.rows {
            out.write_all(line(row.iter().map(Cell::plain).collect()).as_bytes())?;
        }
        return Ok(());
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(out);
    w.write_record(&table.headers).map_err(io::Error::other)?;
    for row in &table.rows {
        w.write_record(row.iter().map(Cell::plain))
            .map_err(csv_err)?;
    }
    w.flush()
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn escape_tsv(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// A GitHub-flavoured markdown table.
pub fn write_markdown(out: &mut dyn Write, table: &Table, style: &Style) -> io::Result<()> {
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', "<br>");
    writeln!(
        out,
        "| {} |",
        table
            .headers
            .iter()
            .map(|h| esc(h))
            .collect::<Vec<_>>()
            .join(" | ")
    )?;
    writeln!(
        out,
        "|{}",
        table.headers.iter().map(|_| " --- |").collect::<String>()
    )?;
    for (r, row) in table.rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let text = esc(&cell.human(style));
                if table.highlight.contains(&(r, c)) && !matches!(cell, Cell::Empty) {
                    format!("**{text}**")
                } else if c == 0 && table.changed_rows.contains(&r) {
                    format!("{text} \\*")
                } else {
                    text
                }
            })
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

/// Text safe to put on a terminal: control characters (escape sequences could retitle or
/// recolour it) are shown as `\u{1b}`; newlines and tabs stay.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// A float as JSON: non-finite values become the strings "NaN", "Infinity", "-Infinity" (the
/// protobuf JSON convention MLflow's REST API uses), so `jq` and every JSON parser accept them.
pub fn json_float(f: f64) -> Value {
    if f.is_nan() {
        Value::from("NaN")
    } else if f.is_infinite() {
        Value::from(if f > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        Value::from(f)
    }
}

pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

fn local_time(ms: i64, style: &Style) -> String {
    time_as(ms, style, "%Y-%m-%d %H:%M:%S")
}

/// A time in the style's time zone (local, or UTC with `--utc`), as chrono's `format` writes it.
pub fn time_as(ms: i64, style: &Style, format: &str) -> String {
    let Some(utc) = chrono::DateTime::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    if style.utc {
        utc.format(format).to_string()
    } else {
        utc.with_timezone(&chrono::Local).format(format).to_string()
    }
}

/// `42ms`, `7.2s`, `3m 12s`, `2h 05m`, `3d 04h`.
pub fn human_duration(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", human_duration(-ms));
    }
    let s = ms / 1000;
    match s {
        _ if ms < 1000 => format!("{ms}ms"),
        0..60 => format!("{:.1}s", ms as f64 / 1000.0),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {:02}h", s / 86400, (s % 86400) / 3600),
    }
}

/// The prefix of an id that tables, headers and legends show when the whole id does not fit:
/// one length everywhere, and every command accepts it.
pub fn short_id(id: &str) -> String {
    id.chars().take(table::SHORT_ID).collect()
}

/// `512 B`, `1.2 KiB`, `3.4 MiB`, `1.0 GiB` (binary units, one decimal).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1023.95 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Significant digits a table shows before it rounds.
const HUMAN_DIGITS: usize = 10;

/// A number for reading, in which every digit shown is right: the value's shortest exact
/// digits when there are at most ten, else ten significant digits (never fewer than the
/// integer part has, so `123456789.5` never becomes `123456790`); scientific notation outside
/// 1e-4 ≤ |x| < 1e15, where positional digits would be mostly zeros.
pub fn human_float(f: f64) -> String {
    rounded(f, HUMAN_DIGITS, false)
}

/// `human_float` in at most `width` columns, for a screen whose columns cannot grow: the
/// most significant digits that fit, written as `human_float` writes them or else in
/// scientific notation, so the number is rounded, never cut (a cut number reads as another:
/// `123456…` is no `123456`, `1.5e…` no `1.5`). Wider than `width` only when not even one
/// digit fits.
pub fn human_float_within(f: f64, width: usize) -> String {
    (1..=HUMAN_DIGITS)
        .rev()
        .flat_map(|digits| [rounded(f, digits, false), rounded(f, digits, true)])
        .find(|text| text.chars().count() <= width)
        .unwrap_or_else(|| rounded(f, 1, true))
}

/// `f` rounded to `digits` significant digits (to a whole number instead when its integer
/// part has more, unless `scientific`), written positionally where that reads well, or in
/// scientific notation.
fn rounded(f: f64, digits: usize, scientific: bool) -> String {
    if !f.is_finite() {
        return crate::pyfloat::repr(f);
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let exact_digits = format!("{f:e}")
        .split('e')
        .next()
        .map_or(0, |m| m.chars().filter(char::is_ascii_digit).count());
    let shown = if exact_digits <= digits {
        f
    } else if !scientific && f.abs() >= 10f64.powi(digits as i32) && f.abs() < 1e15 {
        f.round()
    } else {
        format!("{f:.prec$e}", prec = digits - 1)
            .parse()
            .unwrap_or(f)
    };
    if !scientific && (1e-4..1e15).contains(&shown.abs()) {
        format!("{shown}")
    } else {
        format!("{shown:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_numbers() {
        assert_eq!(human_float(0.30000000000000004), "0.3");
        assert_eq!(human_float(123456789.125), "123456789.1");
        assert_eq!(human_float(123456789.5), "123456789.5");
        assert_eq!(human_float(1234567.891), "1234567.891");
        assert_eq!(human_float(123456789012.75), "123456789013");
        assert_eq!(human_float(1e20), "1e20");
        assert_eq!(human_float(-2.5e-7), "-2.5e-7");
        assert_eq!(human_float(5.0), "5");
        assert_eq!(human_float(0.000123456789), "0.000123456789");
        assert_eq!(human_float(0.1234567890123), "0.123456789");
        assert_eq!(human_float(f64::NAN), "nan");
        // In a narrow column: fewer digits, then scientific notation, rounded, never cut.
        assert_eq!(human_float_within(18.158912345678, 8), "18.15891");
        assert_eq!(human_float_within(18.158915, 7), "18.1589");
        assert_eq!(human_float_within(-0.999999999, 8), "-1");
        assert_eq!(human_float_within(0.000123456789, 8), "1.235e-4");
        assert_eq!(human_float_within(0.00123456789, 8), "0.001235");
        assert_eq!(human_float_within(123456789.5, 8), "1.2346e8");
        assert_eq!(human_float_within(123456789012.75, 7), "1.23e11");
        assert_eq!(human_float_within(-0.000987654, 7), "-9.9e-4");
        assert_eq!(human_float_within(-2.5e-7, 8), "-2.5e-7");
        assert_eq!(human_float_within(-1.23456e-300, 8), "-1e-300");
        assert_eq!(human_float_within(5.0, 1), "5");
        assert_eq!(human_float_within(1e20, 3), "1e20");
        assert_eq!(human_float_within(f64::NEG_INFINITY, 8), "-inf");
        for (f, width) in [(18.158912345678, 6), (987654.321, 5), (-0.000987654, 8)] {
            let text = human_float_within(f, width);
            assert!(text.chars().count() <= width, "{text}");
            let back: f64 = text.parse().unwrap();
            assert!(((back - f) / f).abs() < 0.01, "{text} is not {f}");
        }
        assert_eq!(human_duration(7_200), "7.2s");
        assert_eq!(human_duration(192_000), "3m 12s");
        assert_eq!(human_duration(7_500_000), "2h 05m");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(human_bytes(5 << 30), "5.0 GiB");
    }

    /// A view whose every form but `want` panics: only the chosen form may be built.
    struct Only(&'static str);

    impl View for Only {
        fn human(&self, _: &Style) -> Vec<Block> {
            assert_eq!(self.0, "human", "human blocks built for another form");
            let mut t = Table::new(["a"]);
            t.push(vec![Cell::Int(1)]);
            vec![
                Block::Text("id".into()),
                Block::Table(t.clone()),
                Block::Table(t),
                Block::Note("talk".into()),
            ]
        }
        fn json(&self) -> Option<Value> {
            assert_eq!(self.0, "json", "JSON built for another form");
            Some(Value::from(1))
        }
        fn records(&self) -> Option<Table> {
            assert_eq!(self.0, "records", "records built for another form");
            Some(Table::new(["r"]))
        }
    }

    #[test]
    fn write_builds_only_the_chosen_form() {
        let style = Style {
            color: false,
            width: None,
            utc: true,
        };
        let text = |view: &Only, format| {
            let mut out = Vec::new();
            let notes = write(&mut out, view, format, &style).unwrap();
            (String::from_utf8(out).unwrap(), notes)
        };
        assert_eq!(text(&Only("json"), Format::Json).0, "1\n");
        assert_eq!(text(&Only("records"), Format::Csv).0, "r\n");
        let (md, notes) = text(&Only("human"), Format::Markdown);
        assert_eq!(md, "id\n| a |\n| --- |\n| 1 |\n\n| a |\n| --- |\n| 1 |\n");
        assert_eq!(notes, ["talk"]);
    }

    #[test]
    fn tsv_escapes_and_csv_quotes() {
        let mut t = Table::new(["a", "b"]);
        t.push(vec![Cell::text("x\ty"), Cell::text("line\nbreak, \"q\"")]);
        let mut out = Vec::new();
        write_delimited(&mut out, &t, b'\t').unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\tb\nx\\ty\tline\\nbreak, \"q\"\n"
        );
        let mut out = Vec::new();
        write_delimited(&mut out, &t, b',').unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b\nx\ty,\"line\nbreak, \"\"q\"\"\"\n"
        );
    }
}
