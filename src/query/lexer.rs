//! Tokens of MLflow's search syntax. MLflow tokenizes with sqlparse; the rules here follow
//! sqlparse's where a filter MLflow accepts depends on them (number shapes, the three quote
//! styles and their escapes, operators made of `<>=~!`), and give a precise error everywhere
//! else. Every token keeps its byte offset so errors can point at a column.

use std::sync::LazyLock;

use regex::Regex;

use super::QueryError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An identifier-like run of segments joined by `.`: words, `` `backticked` ``,
    /// `"double-quoted"`, and (after a dot) `'single-quoted'` segments. `raw` is the exact
    /// source text; MLflow splits and unquotes that text, so the parser does the same.
    Path(Path),
    /// A single-quoted string; `raw` is the text between the quotes, unescaped as MLflow does
    /// it (not at all: `'it''s'` is `it''s`).
    Str(String),
    /// A number as sqlparse reads one (`6`, `-1.5`, `.5`, `1.`, `1e3`); the text is kept.
    Number(String),
    /// `now`, `now-2d`, `now - 1h30m`: milliseconds relative to the clock.
    RelTime(i64),
    /// A run of `<>=~!` (validated by the parser, so `==` gets a precise message).
    Op(String),
    Keyword(Kw),
    LParen,
    RParen,
    Comma,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kw {
    And,
    Or,
    Not,
    In,
    Is,
    Null,
    Like,
    ILike,
}

impl Kw {
    fn from_word(word: &str) -> Option<Kw> {
        Some(match word.to_ascii_uppercase().as_str() {
            "AND" => Kw::And,
            "OR" => Kw::Or,
            "NOT" => Kw::Not,
            "IN" => Kw::In,
            "IS" => Kw::Is,
            "NULL" => Kw::Null,
            "LIKE" => Kw::Like,
            "ILIKE" => Kw::ILike,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub raw: String,
    /// The path is one bare word (no dot, no quotes): a keyword candidate such as `ASC`.
    pub bare_word: bool,
}

impl Path {
    /// `"…"` alone: a string value where a value is expected (MLflow strips the quotes).
    pub fn double_quoted(&self) -> Option<&str> {
        let inner = self.raw.strip_prefix('"')?.strip_suffix('"')?;
        // One quoted segment, not `"a"."b"`.
        (quoted_len(&self.raw, '"') == Some(self.raw.len())).then_some(inner)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte offsets into the source text.
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// How the token is written, for messages.
    pub fn describe(&self, source: &str) -> String {
        let text = &source[self.start..self.end];
        match &self.tok {
            Tok::Str(_) => format!("the string {text}"),
            Tok::Number(_) => format!("the number {text}"),
            Tok::Keyword(_) => format!("the keyword {}", text.to_uppercase()),
            _ => format!("'{text}'"),
        }
    }
}

/// sqlparse's number shapes (its lexer is case-insensitive): an exponent form, a decimal form
/// that no letter or `_` follows, an integer that no letter or `_` follows. Hexadecimal and
/// `1E+5` are not numbers to MLflow.
static FLOAT_EXP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^-?\d+(\.\d+)?[eE]-?\d+").unwrap());
static FLOAT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^-?(\d+\.\d*|\.\d+)").unwrap());
static INTEGER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^-?\d+").unwrap());
static REL_OFFSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([+-])\s*((?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+)").unwrap());
static DURATION_PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)").unwrap());

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// sqlparse's quoted literals. Its patterns are used as they are: the regex crate's
/// leftmost-first matching gives the same extent as Python's backtracking for them, which
/// matters for `\'` and `''` inside strings.
static SINGLE_QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^'(''|\\'|[^'])*'").unwrap());
static DOUBLE_QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^"(""|\\"|[^"])*""#).unwrap());
static BACKTICKED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^`(``|[^`])*`").unwrap());

/// Length in bytes of the quoted literal that starts `text` (its first char is `quote`);
/// `None` if it is not closed.
fn quoted_len(text: &str, quote: char) -> Option<usize> {
    let re = match quote {
        '\'' => &SINGLE_QUOTED,
        '"' => &DOUBLE_QUOTED,
        _ => &BACKTICKED,
    };
    re.find(text).map(|m| m.end())
}

pub fn lex(source: &str, what: &'static str) -> Result<Vec<Token>, QueryError> {
    let err = |offset: usize, message: String| QueryError::new(what, source, offset, message);
    let mut tokens = Vec::new();
    let mut pos = 0;
    while pos < source.len() {
        let rest = &source[pos..];
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            pos += c.len_utf8();
            continue;
        }
        let start = pos;
        let push = |tokens: &mut Vec<Token>, tok: Tok, len: usize| {
            tokens.push(Token {
                tok,
                start,
                end: start + len,
            });
            start + len
        };
        if rest.starts_with("--") || rest.starts_with("/*") || rest.starts_with("# ") {
            return Err(err(pos, "comments are not allowed in a filter".into()));
        }
        if let Some(len) = number_len(rest) {
            pos = push(&mut tokens, Tok::Number(rest[..len].to_owned()), len);
            continue;
        }
        match c {
            '(' => pos = push(&mut tokens, Tok::LParen, 1),
            ')' => pos = push(&mut tokens, Tok::RParen, 1),
            ',' => pos = push(&mut tokens, Tok::Comma, 1),
            ';' => {
                return Err(err(
                    pos,
                    "';' is not allowed: a filter is one expression (join conditions with AND or OR)"
                        .into(),
                ));
            }
            '\'' => {
                let len = quoted_len(rest, '\'')
                    .ok_or_else(|| err(pos, "this string has no closing quote (')".into()))?;
                pos = push(&mut tokens, Tok::Str(rest[1..len - 1].to_owned()), len);
            }
            '<' | '>' | '=' | '~' | '!' => {
                let len = rest
                    .find(|c| !matches!(c, '<' | '>' | '=' | '~' | '!'))
                    .unwrap_or(rest.len());
                pos = push(&mut tokens, Tok::Op(rest[..len].to_owned()), len);
            }
            c if is_word_char(c) || c == '`' || c == '"' => {
                let len = path_len(rest).map_err(|(at, m)| err(pos + at, m))?;
                let raw = &rest[..len];
                let bare_word = raw.chars().all(is_word_char);
                if bare_word && let Some(kw) = Kw::from_word(raw) {
                    pos = push(&mut tokens, Tok::Keyword(kw), len);
                } else if bare_word && raw.eq_ignore_ascii_case("now") {
                    let (offset, extra) =
                        relative_offset(&rest[len..]).map_err(|m| err(pos + len, m))?;
                    pos = push(&mut tokens, Tok::RelTime(offset), len + extra);
                } else {
                    let path = Path {
                        raw: raw.to_owned(),
                        bare_word,
                    };
                    pos = push(&mut tokens, Tok::Path(path), len);
                }
            }
            '-' => {
                return Err(err(
                    pos,
                    "unexpected '-': a negative number is written without a space (-5); a key with '-' must be quoted with backticks (params.`learning-rate`)"
                        .into(),
                ));
            }
            other => {
                return Err(err(
                    pos,
                    format!(
                        "unexpected '{other}'; keys with characters other than letters, digits, '_' and '.' must be quoted with backticks (metrics.`val/rmse`)"
                    ),
                ));
            }
        }
    }
    Ok(tokens)
}

/// Length of a number at the start of `text`, if sqlparse would read one there.
fn number_len(text: &str) -> Option<usize> {
    let first = text.chars().next()?;
    if !(first.is_ascii_digit() || first == '.' || first == '-') {
        return None;
    }
    let followed_by_letter = |len: usize| {
        text[len..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
    };
    if let Some(m) = FLOAT_EXP.find(text) {
        return Some(m.end());
    }
    for re in [&*FLOAT, &*INTEGER] {
        if let Some(m) = re.find(text) {
            return (!followed_by_letter(m.end())).then_some(m.end());
        }
    }
    None
}

/// Length of a path (segments joined by dots) at the start of `text`, or the offset and text
/// of what is wrong with it.
fn path_len(text: &str) -> Result<usize, (usize, String)> {
    let mut pos = 0;
    let mut first = true;
    loop {
        let rest = &text[pos..];
        let c = rest.chars().next();
        let len = match c {
            Some(q @ ('`' | '"')) => quoted_len(rest, q)
                .ok_or_else(|| (pos, format!("this {q}quoted{q} name has no closing {q}")))?,
            Some('\'') if !first => quoted_len(rest, '\'')
                .ok_or_else(|| (pos, "this 'quoted' key has no closing quote (')".to_owned()))?,
            Some(c) if is_word_char(c) => rest.find(|c| !is_word_char(c)).unwrap_or(rest.len()),
            _ => {
                return Err((
                    pos.saturating_sub(1),
                    "expected a key after '.' (no spaces around the dot)".into(),
                ));
            }
        };
        pos += len;
        first = false;
        if text[pos..].starts_with('.') {
            pos += 1;
        } else {
            return Ok(pos);
        }
    }
}

/// The optional `±duration` after `now`: the offset in ms and the bytes it takes.
fn relative_offset(text: &str) -> Result<(i64, usize), String> {
    let Some(caps) = REL_OFFSET.captures(text) else {
        let next = text.trim_start();
        if next.starts_with(['+', '-']) {
            return Err(
                "expected a duration after 'now±', such as now-2d, now-12h, now-1h30m (units: ms, s, m, h, d, w)"
                    .into(),
            );
        }
        return Ok((0, 0));
    };
    let len = caps.get(0).map_or(0, |m| m.end());
    if text[len..].chars().next().is_some_and(is_word_char) {
        return Err(format!(
            "'{}' is not a duration; use units ms, s, m, h, d, w (now-2d, now-1h30m)",
            text[..len].trim()
        ));
    }
    let mut ms = 0.0;
    for part in DURATION_PART.captures_iter(&caps[2]) {
        let n: f64 = part[1].parse().unwrap_or(0.0);
        let unit = match &part[2] {
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            "d" => 86400e3,
            _ => 7.0 * 86400e3,
        };
        ms += n * unit;
    }
    let sign = if &caps[1] == "-" { -1.0 } else { 1.0 };
    Ok(((sign * ms).round() as i64, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text, "filter")
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    fn path(raw: &str) -> Tok {
        Tok::Path(Path {
            raw: raw.into(),
            bare_word: raw.chars().all(is_word_char),
        })
    }

    #[test]
    fn numbers_follow_sqlparse() {
        for (text, num) in [
            ("6", "6"),
            ("-1000", "-1000"),
            ("1.", "1."),
            (".5", ".5"),
            ("-.5", "-.5"),
            ("1e400", "1e400"),
            ("-1.5e-3", "-1.5e-3"),
        ] {
            assert_eq!(kinds(text), vec![Tok::Number(num.into())], "{text}");
        }
        // Not numbers to MLflow either: 1abc is a name, `- 5` an error.
        assert_eq!(kinds("1abc"), vec![path("1abc")]);
        assert!(lex("- 5", "filter").is_err());
    }

    #[test]
    fn paths_and_quotes() {
        assert_eq!(
            kinds("metrics.`val/rmse`<6"),
            vec![
                path("metrics.`val/rmse`"),
                Tok::Op("<".into()),
                Tok::Number("6".into())
            ]
        );
        assert_eq!(kinds("tags.'a b'"), vec![path("tags.'a b'")]);
        assert_eq!(kinds("metrics.1abc"), vec![path("metrics.1abc")]);
        assert_eq!(kinds("'it''s'"), vec![Tok::Str("it''s".into())]);
        assert_eq!(kinds(r"'a\'b'"), vec![Tok::Str(r"a\'b".into())]);
        assert_eq!(kinds(r"'a\'"), vec![Tok::Str(r"a\".into())]);
        assert_eq!(kinds("and Or nOT"), {
            vec![
                Tok::Keyword(Kw::And),
                Tok::Keyword(Kw::Or),
                Tok::Keyword(Kw::Not),
            ]
        });
    }

    #[test]
    fn relative_times() {
        assert_eq!(kinds("now"), vec![Tok::RelTime(0)]);
        assert_eq!(kinds("now-2d"), vec![Tok::RelTime(-172_800_000)]);
        assert_eq!(kinds("NOW - 1h30m"), vec![Tok::RelTime(-5_400_000)]);
        assert_eq!(kinds("now+1.5s"), vec![Tok::RelTime(1500)]);
        assert!(lex("now-5", "filter").is_err());
        assert!(lex("now-2days", "filter").is_err());
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let e = lex("metrics.val/rmse < 6", "filter").unwrap_err();
        assert_eq!(e.column(), 12);
        let e = lex("params.x = 'open", "filter").unwrap_err();
        assert_eq!(e.column(), 12);
        let e = lex("metrics. rmse < 6", "filter").unwrap_err();
        assert_eq!(e.column(), 8);
        let e = lex("a = 1;", "filter").unwrap_err();
        assert_eq!(e.column(), 6);
    }
}
