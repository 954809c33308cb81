//! A fast reader for the flat documents MLflow writes for runs: one `key: scalar` per line,
//! scalars plain or single-quoted on that line. Listing 100k runs parses 100k such files, and
//! a general YAML parser spends most of a listing's time there. Anything outside that shape
//! (folded long values, double quotes, nested maps, comments) returns `None`, and the caller
//! uses the full parser, so the two always agree (a differential test keeps them so).

/// One value of a flat document.
#[derive(Debug, Clone, PartialEq)]
pub enum Flat<'a> {
    /// A plain scalar, as written (its type is decided by the field it lands in).
    Plain(&'a str),
    /// A single-quoted string, unquoted.
    Quoted(String),
    Null,
    /// `[]` or `{}`.
    Empty,
}

/// The fields of `text`, or `None` when it is not a flat document.
pub fn parse(text: &str) -> Option<Vec<(&str, Flat<'_>)>> {
    let body = text.strip_suffix('\n')?;
    let mut fields = Vec::with_capacity(16);
    for line in body.split('\n') {
        let (key, value) = line.split_once(": ")?;
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        fields.push((key, scalar(value)?));
    }
    Some(fields)
}

fn scalar(value: &str) -> Option<Flat<'_>> {
    if let Some(inner) = value.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        // Inside single quotes only `''` may appear, standing for one quote; a line break
        // other than `\n` folds like one, with the next line's indentation dropped.
        if inner.replace("''", "").contains('\'') || inner.contains(is_break) {
            return None;
        }
        return Some(Flat::Quoted(inner.replace("''", "'")));
    }
    match value {
        "[]" | "{}" => return Some(Flat::Empty),
        "null" | "Null" | "NULL" | "~" => return Some(Flat::Null),
        _ => {}
    }
    let first = value.chars().next()?;
    let plain = !"\"#[]{}&*!|>%@`?:-,".contains(first)
        && value
            .chars()
            .all(|c| c == ' ' || (!c.is_control() && !is_break(c) && c != '\u{feff}'))
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with([' ', ':']);
    plain.then_some(Flat::Plain(value))
}

/// YAML 1.1's line breaks besides `\n` (libyaml's `IS_BREAK`): PyYAML writes `'a\u2028  b'`
/// for `a\u2028b` and reads it back folded, so a reader that takes the line as it stands
/// reads two extra spaces.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mlflow_run_meta() {
        let text = "artifact_uri: file:///tmp/m/1/abc/artifacts\nend_time: null\nentry_point_name: ''\nexperiment_id: '1'\nrun_name: it''s\ntags: []\n";
        let fields = parse(text).unwrap();
        assert_eq!(
            fields[0],
            ("artifact_uri", Flat::Plain("file:///tmp/m/1/abc/artifacts"))
        );
        assert_eq!(fields[1], ("end_time", Flat::Null));
        assert_eq!(fields[2], ("entry_point_name", Flat::Quoted(String::new())));
        assert_eq!(fields[3], ("experiment_id", Flat::Quoted("1".into())));
        assert_eq!(fields[4], ("run_name", Flat::Plain("it''s")));
        assert_eq!(fields[5], ("tags", Flat::Empty));
    }

    #[test]
    fn anything_else_is_left_to_the_full_parser() {
        for text in [
            "k: 'long value\n  folded'\n",
            "k: \"double\"\n",
            "tags:\n  a: b\n",
            "k: v # comment\n",
            "# comment\nk: v\n",
            "k: v",
            "k: 'a'b'\n",
            "k: - x\n",
            "k:\n",
            "key with space: v\n",
            "k: 'a\u{2028}  b'\n",
            "k: 'a\u{2029}  b'\n",
            "k: 'a\u{85}  b'\n",
            "k: a\u{2028}b\n",
        ] {
            assert!(parse(text).is_none(), "{text:?}");
        }
    }
}
