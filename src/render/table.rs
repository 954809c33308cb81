//! Terminal tables: no borders, a rule under the header, numbers right-aligned on the decimal
//! point, status colours, highlighted cells. The table fits the width it is given the way
//! `dvc exp show` and `gh` fit theirs: ids, numbers, times and statuses never wrap or get cut,
//! long text is cut with `…`, and columns that still do not fit are dropped and counted (the
//! caller says so on stderr). Long values are cut here only; JSON and CSV carry them whole.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::{Cell, Style, Table};

/// Longest cell text shown in a table, even when the terminal is wide.
const MAX_CELL_CHARS: usize = 200;
/// Narrowest a cut text column gets, so short names and headers stay readable.
const MIN_CUT_WIDTH: usize = 12;
/// Narrowest the column naming the rows gets before other columns are dropped.
const ROW_NAME_WIDTH: usize = 28;
/// Length of an id shown abbreviated when the full table does not fit; every command accepts
/// such a prefix.
pub const SHORT_ID: usize = 12;
/// Spaces between two columns (and one before the first).
const GAP: usize = 3;
/// After the key of a row whose values differ between runs.
pub const CHANGED_MARK: char = '*';
/// After the best value of a metric.
pub const BEST_MARK: char = '★';
/// The key prefixes that become a group header over their columns.
const GROUPS: [&str; 3] = ["params.", "metrics.", "tags."];

/// What had to give for the table to fit.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fit {
    /// Headers of the columns that were left out, in table order.
    pub dropped: Vec<String>,
}

struct Column {
    /// Where the column stands in the table, which its rows and highlights are indexed by.
    index: usize,
    /// The key as the table names it (`metrics.rmse`), for the note on dropped columns.
    key: String,
    /// What the header line shows: the key, or without its prefix under a group header.
    header: String,
    group: Option<&'static str>,
    texts: Vec<String>,
    width: usize,
    numeric: bool,
    /// The narrowest the column may be cut to; `None` when nothing in it may be cut.
    floor: Option<usize>,
    /// The rows holding text that may be cut with `…` (names, descriptions, paths): not ids,
    /// numbers, times.
    cut_rows: Vec<bool>,
}

pub fn write_table(out: &mut dyn Write, table: &Table, style: &Style) -> io::Result<Fit> {
    if table.headers.is_empty() {
        return Ok(Fit::default());
    }
    let groups = groups(&table.headers);
    let grouped = groups.iter().any(Option::is_some);
    let mut columns: Vec<Column> = (0..table.headers.len())
        .map(|c| column(table, c, style, false, false, groups[c]))
        .collect();
    let mut fit = Fit::default();
    if let Some(limit) = style.width.map(usize::from)
        && total_width(&columns) > limit
    {
        let mut fitted = fit_into(table, style, &groups, limit, table.row_names);
        // Readable row names are not worth a table left comparing one run.
        if table.row_names && fitted.0.len() < 3 {
            fitted = fit_into(table, style, &groups, limit, false);
        }
        (columns, fit.dropped) = fitted;
    }
    let kept = columns.len();
    if grouped {
        write_line(out, &group_line(&columns), style, true)?;
    }
    let headers: Vec<(String, usize)> = columns
        .iter()
        .map(|c| (c.header.clone(), c.width))
        .collect();
    write_line(out, &headers, style, true)?;
    writeln!(out, "{}", "─".repeat(total_width(&columns)))?;
    for (r, row) in table.rows.iter().enumerate() {
        let mut line = String::from(" ");
        for (c, col) in columns.iter().enumerate() {
            let text = &col.texts[r];
            let cell = &row[col.index];
            let highlighted =
                table.highlight.contains(&(r, col.index)) && !matches!(cell, Cell::Empty);
            let pad = col.width.saturating_sub(text.width());
            let changed = col.index == 0 && table.changed_rows.contains(&r);
            let painted = paint(text, cell, highlighted, changed, style);
            if col.numeric {
                line.push_str(&" ".repeat(pad));
                line.push_str(&painted);
            } else {
                line.push_str(&painted);
                line.push_str(&" ".repeat(pad));
            }
            if c + 1 < kept {
                line.push_str(&" ".repeat(GAP));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(fit)
}

/// The columns cut and dropped to fit `limit`, and the keys of those dropped, in table order.
fn fit_into(
    table: &Table,
    style: &Style,
    groups: &[Option<&'static str>],
    limit: usize,
    readable_names: bool,
) -> (Vec<Column>, Vec<String>) {
    let build = |c: usize| column(table, c, style, true, readable_names, groups[c]);
    let mut columns: Vec<Column> = (0..table.headers.len()).map(build).collect();
    cut_text(&mut columns, limit);
    let mut dropped = Vec::new();
    while total_width(&columns) > limit && columns.len() > 2 {
        let mut spare = table.spare.iter().rev();
        let victim = spare
            .find_map(|&s| columns.iter().position(|c| c.index == s))
            .unwrap_or(columns.len() - 1);
        let gone = columns.remove(victim);
        dropped.push((gone.index, gone.key));
    }
    if !dropped.is_empty() {
        // What was cut to make room for the dropped columns gets that room back.
        columns = columns.iter().map(|c| build(c.index)).collect();
        cut_text(&mut columns, limit);
    }
    dropped.sort();
    (columns, dropped.into_iter().map(|(_, key)| key).collect())
}

fn column(
    table: &Table,
    c: usize,
    style: &Style,
    short_ids: bool,
    readable_names: bool,
    group: Option<&'static str>,
) -> Column {
    let key = &table.headers[c];
    let header = group.map_or_else(|| key.clone(), |g| key[g.len()..].to_owned());
    let cells = || table.rows.iter().map(move |row| &row[c]);
    let numeric = cells().any(|cell| matches!(cell, Cell::Int(_) | Cell::Float(_)))
        && cells().all(|cell| matches!(cell, Cell::Int(_) | Cell::Float(_) | Cell::Empty));
    let marked =
        |r: usize| table.highlight.contains(&(r, c)) && !matches!(table.rows[r][c], Cell::Empty);
    let mut texts: Vec<String> = table
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let mut text = match &row[c] {
                Cell::Id(id) if short_ids => super::short_id(id),
                // A line break would tear the row apart.
                other => cut(
                    &other.human(style).replace('\n', "↵").replace('\t', " "),
                    MAX_CELL_CHARS,
                ),
            };
            // The mark is in the text, colour or not, so a log file or a screen reader sees
            // it; `compare` marks differing rows with `*`, so this one means only "best".
            // Numbers get theirs once aligned.
            if !numeric && marked(r) {
                text.push(BEST_MARK);
            }
            if c == 0 && table.changed_rows.contains(&r) {
                text.push(CHANGED_MARK);
            }
            text
        })
        .collect();
    if numeric {
        align_decimal_points(&mut texts);
        mark_numbers(&mut texts, marked);
    }
    // Text (names, descriptions, paths) may be cut with `…`; ids, numbers, times and statuses
    // may not, so a column mixing them (a run in `compare`) is cut no narrower than they are.
    let cut_rows: Vec<bool> = cells().map(|cell| matches!(cell, Cell::Text(_))).collect();
    let fixed = texts.iter().zip(&cut_rows).filter(|(_, cut)| !**cut);
    let fixed = fixed.map(|(t, _)| t.width()).max().unwrap_or(0);
    let width = texts
        .iter()
        .map(|t| t.width())
        .chain([header.width()])
        .max()
        .unwrap_or(0);
    let floor = cut_rows.contains(&true).then(|| {
        let readable = if c == 0 && readable_names {
            ROW_NAME_WIDTH
        } else {
            MIN_CUT_WIDTH
        };
        readable
            .min(width)
            .max(MIN_CUT_WIDTH)
            .max(header.width())
            .max(fixed)
    });
    Column {
        index: c,
        key: key.clone(),
        header,
        group,
        texts,
        width,
        numeric,
        floor,
        cut_rows,
    }
}

/// Pads numbers on the right so their decimal points (or their last digit) line up once the
/// column is right-aligned.
fn align_decimal_points(texts: &mut [String]) {
    let fraction = |t: &str| {
        if t.contains(['e', 'n', 'i']) {
            0
        } else {
            t.find('.').map_or(0, |dot| t.len() - dot)
        }
    };
    let widest = texts.iter().map(|t| fraction(t)).max().unwrap_or(0);
    for t in texts.iter_mut() {
        let pad = widest - fraction(t);
        t.push_str(&" ".repeat(pad));
    }
}

/// Puts the best mark right after each marked number, in the room the alignment left (one
/// more column for all when a marked number has none), so no decimal point moves.
fn mark_numbers(texts: &mut [String], marked: impl Fn(usize) -> bool) {
    let room = (0..texts.len()).all(|r| !marked(r) || texts[r].ends_with(' '));
    for (r, t) in texts.iter_mut().enumerate() {
        if !room {
            t.push(' ');
        }
        if marked(r) {
            let end = t.trim_end().len();
            t.replace_range(end..end + 1, BEST_MARK.encode_utf8(&mut [0; 4]));
        }
    }
}

/// Cuts text columns, widest first, until the table fits or none can give more.
fn cut_text(columns: &mut [Column], limit: usize) {
    loop {
        let excess = total_width(columns).saturating_sub(limit);
        if excess == 0 {
            return;
        }
        let Some((widest, floor)) = columns
            .iter_mut()
            .filter_map(|c| c.floor.filter(|floor| c.width > *floor).map(|f| (c, f)))
            .max_by_key(|(c, _)| c.width)
        else {
            return;
        };
        let target = widest.width.saturating_sub(excess).max(floor);
        for (t, cut_row) in widest.texts.iter_mut().zip(&widest.cut_rows) {
            if *cut_row {
                *t = cut_marked(t, target);
            }
        }
        widest.width = target;
    }
}

fn total_width(columns: &[Column]) -> usize {
    let n = columns.len();
    1 + columns.iter().map(|c| c.width).sum::<usize>() + GAP * n.saturating_sub(1)
}

/// The group of each column that stands next to another of its group: a `params` /
/// `metrics` / `tags` line over such runs says the prefix once, and their headers drop it.
fn groups(headers: &[String]) -> Vec<Option<&'static str>> {
    let group_of = |h: &String| GROUPS.iter().find(|g| h.starts_with(**g)).copied();
    let own: Vec<Option<&str>> = headers.iter().map(group_of).collect();
    (0..headers.len())
        .map(|c| {
            let neighbour =
                |other: Option<usize>| other.and_then(|o| own.get(o).copied().flatten());
            own[c].filter(|g| {
                neighbour(c.checked_sub(1)) == Some(g) || neighbour(Some(c + 1)) == Some(g)
            })
        })
        .collect()
}

/// The group line: each run of columns of one group under its name and a rule.
fn group_line(columns: &[Column]) -> Vec<(String, usize)> {
    let mut spans: Vec<(Option<&str>, usize)> = Vec::new();
    for col in columns {
        match spans.last_mut() {
            Some((last, width)) if *last == col.group && col.group.is_some() => {
                *width += GAP + col.width;
            }
            _ => spans.push((col.group, col.width)),
        }
    }
    spans
        .into_iter()
        .map(|(g, width)| {
            let label = g.map_or(String::new(), |g| {
                format!("{:─<width$}", format!("{} ", g.trim_end_matches('.')))
            });
            (label, width)
        })
        .collect()
}

fn write_line(
    out: &mut dyn Write,
    cells: &[(String, usize)],
    style: &Style,
    bold: bool,
) -> io::Result<()> {
    let mut line = String::from(" ");
    for (i, (text, width)) in cells.iter().enumerate() {
        let text = cut(text, *width);
        let pad = width.saturating_sub(text.width());
        if style.color && bold && !text.is_empty() {
            line.push_str(&format!("\x1b[1m{text}\x1b[0m"));
        } else {
            line.push_str(&text);
        }
        line.push_str(&" ".repeat(pad));
        if i + 1 < cells.len() {
            line.push_str(&" ".repeat(GAP));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// `text` in at most `width` columns, ending in `…` when it was cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// [`cut`], keeping the marks at the end (`*`, `★`) that say what the row or the cell is.
fn cut_marked(text: &str, width: usize) -> String {
    let body = text.trim_end_matches([CHANGED_MARK, BEST_MARK]);
    let marks = &text[body.len()..];
    let mut out = cut(body, width.saturating_sub(marks.width()));
    out.push_str(marks);
    out
}

fn paint(text: &str, cell: &Cell, highlighted: bool, changed: bool, style: &Style) -> String {
    if !style.color {
        return text.to_owned();
    }
    let code = if highlighted {
        Some("1;32")
    } else if changed {
        Some("33")
    } else if let Cell::Status(s) = cell {
        status_color(s)
    } else {
        None
    };
    match code {
        Some(code) => format!("\x1b[{code}m{text}\x1b[0m"),
        None => text.to_owned(),
    }
}

fn status_color(status: &str) -> Option<&'static str> {
    match status {
        "FINISHED" => Some("32"),
        "RUNNING" | "SCHEDULED" => Some("36"),
        "FAILED" => Some("31"),
        "KILLED" => Some("33"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(width: Option<u16>) -> Style {
        Style {
            color: false,
            width,
            utc: true,
        }
    }

    fn render(table: &Table, width: Option<u16>) -> (String, Fit) {
        let mut out = Vec::new();
        let fit = write_table(&mut out, table, &style(width)).unwrap();
        (String::from_utf8(out).unwrap(), fit)
    }

    #[test]
    fn numbers_align_on_the_decimal_point_and_missing_is_a_dash() {
        let mut t = Table::new(["name", "metrics.rmse"]);
        t.push(vec![Cell::text("a"), Cell::Float(5.25)]);
        t.push(vec![Cell::text("b"), Cell::Float(12.0)]);
        t.push(vec![Cell::text("c"), Cell::Empty]);
        let (text, _) = render(&t, None);
        assert_eq!(
            text,
            " name   metrics.rmse\n────────────────────\n a              5.25\n b             12\n c              -\n"
        );
    }

    #[test]
    fn the_best_mark_moves_no_decimal_point() {
        let mut t = Table::new(["name", "rmse"]);
        for v in [5.25, 12.0, 0.5] {
            t.push(vec![Cell::text("r"), Cell::Float(v)]);
        }
        // The column of a number's point, or where it would be (after the last digit).
        let point = |line: &str| {
            let chars: Vec<char> = line.chars().collect();
            chars.iter().position(|&c| c == '.').unwrap_or_else(|| {
                chars
                    .iter()
                    .rposition(char::is_ascii_digit)
                    .expect("a number")
                    + 1
            })
        };
        for best in 0..3 {
            t.highlight = vec![(best, 1)];
            let (text, _) = render(&t, None);
            let rows: Vec<&str> = text.lines().skip(2).collect();
            let points: Vec<usize> = rows.iter().map(|l| point(l)).collect();
            assert_eq!(points, [points[0]; 3], "best is row {best}:\n{text}");
            assert!(rows[best].trim_end().ends_with('★'), "{text}");
        }
    }

    #[test]
    fn narrow_terminals_cut_text_then_drop_columns_never_ids_or_numbers() {
        let id = "0123456789abcdef0123456789abcdef";
        let mut t = Table::new(["Run ID", "Name", "metrics.a", "metrics.b", "params.p"]);
        t.push(vec![
            Cell::Id(id.into()),
            Cell::text("a rather long run name that goes on"),
            Cell::Float(1.5),
            Cell::Float(123456.25),
            Cell::text("x"),
        ]);
        let (text, fit) = render(&t, Some(60));
        assert!(text.lines().all(|l| l.width() <= 60), "{text}");
        assert!(text.contains("0123456789ab "), "{text}");
        assert!(text.contains('…'), "{text}");
        assert!(text.contains("123456.25"), "{text}");
        assert!(fit.dropped.is_empty(), "{text}");
        let (narrow, fit) = render(&t, Some(40));
        assert!(narrow.lines().all(|l| l.width() <= 40), "{narrow}");
        assert_eq!(fit.dropped, ["metrics.b", "params.p"], "{narrow}");
        let (wide, fit) = render(&t, None);
        assert!(wide.contains(id) && fit.dropped.is_empty());
    }

    #[test]
    fn spare_columns_give_way_before_the_ones_asked_for() {
        let mut t = Table::new(["Run ID", "Name", "Status", "Start", "metrics.a", "params.p"]);
        t.spare = vec![2, 3];
        t.push(vec![
            Cell::Id("0123456789abcdef".into()),
            Cell::text("run"),
            Cell::Status("FINISHED".into()),
            Cell::Time(0),
            Cell::Float(1.5),
            Cell::text("x"),
        ]);
        let (text, fit) = render(&t, Some(60));
        assert_eq!(fit.dropped, ["Start"], "{text}");
        assert!(text.contains("1.5") && text.contains("FINISHED"), "{text}");
        let (text, fit) = render(&t, Some(50));
        assert_eq!(fit.dropped, ["Status", "Start"], "{text}");
        assert!(text.contains("1.5") && text.contains(" x"), "{text}");
    }

    #[test]
    fn row_names_stay_readable_and_columns_give_way() {
        let mut t = Table::new(["Key", "run-a", "run-b", "run-c"]);
        t.row_names = true;
        t.push(vec![
            Cell::text("params.learning_rate"),
            Cell::Time(0),
            Cell::Time(0),
            Cell::Time(0),
        ]);
        let (text, fit) = render(&t, Some(70));
        assert!(text.contains("params.learning_rate"), "{text}");
        assert_eq!(fit.dropped, ["run-c"], "{text}");
    }

    #[test]
    fn group_headers_replace_repeated_prefixes() {
        let mut t = Table::new(["Name", "metrics.rmse", "metrics.r2"]);
        t.push(vec![Cell::text("a"), Cell::Float(5.0), Cell::Float(0.5)]);
        let (text, _) = render(&t, None);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("metrics ──"), "{text}");
        assert!(
            lines[1].contains("rmse") && !lines[1].contains("metrics."),
            "{text}"
        );
    }
}
