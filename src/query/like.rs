//! MLflow 3.x's LIKE and ILIKE, matched without building a regular expression.
//!
//! MLflow turns the pattern into a Python regex (`%` → `.*`, `_` → `.`, the rest escaped) and
//! calls `re.match`. A regex compiled from user text has a size limit (a LIKE of ten thousand
//! `_` is too big for the `regex` crate), so the pattern is instead run as a small NFA over the
//! value: time is bounded by pattern length × value length, and every pattern is accepted.
//! Owns nothing else; no I/O.

/// A compiled LIKE pattern.
#[derive(Debug, Clone)]
pub(crate) struct Like {
    pieces: Vec<Piece>,
    ignore_case: bool,
    /// The pattern ends with `%`: MLflow's regex then has no end anchor, so a matching prefix
    /// is enough.
    open_end: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// `%`: any run of characters except a newline (Python's `.*`).
    Any,
    /// `_`: one character except a newline (Python's `.`).
    One,
    Lit(char),
}

impl Like {
    pub(crate) fn new(pattern: &str, ignore_case: bool) -> Like {
        let mut pieces = Vec::with_capacity(pattern.len());
        for c in pattern.chars() {
            let piece = match c {
                '%' => Piece::Any,
                '_' => Piece::One,
                c => Piece::Lit(c),
            };
            // `%%` matches what `%` does; one state instead of many keeps the NFA small.
            if !(piece == Piece::Any && pieces.last() == Some(&Piece::Any)) {
                pieces.push(piece);
            }
        }
        Like {
            pieces,
            ignore_case,
            open_end: pattern.ends_with('%'),
        }
    }

    /// `re.match` of MLflow's regex: anchored at the start; unless the pattern ends with `%`,
    /// anchored at the end, where Python's `$` also accepts one final newline.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let end = self.pieces.len();
        let mut states = States::new(end + 1);
        self.enter(&mut states, 0);
        let mut rest = text;
        loop {
            if states.has(end) && (self.open_end || rest.is_empty() || rest == "\n") {
                return true;
            }
            // Waiting in a `%` for a literal: skip to where it (or a newline) appears.
            if let [i, _] = states.list[..]
                && let (Some(Piece::Any), Some(&Piece::Lit(l))) =
                    (self.pieces.get(i), self.pieces.get(i + 1))
                && !self.ignore_case
            {
                // Two `find`s of one char each are memchr scans, many times faster than one
                // scan for either; the newline is looked for only in the part skipped.
                let to = rest.find(l).unwrap_or(rest.len());
                rest = &rest[rest[..to].find('\n').unwrap_or(to)..];
            }
            let Some(c) = rest.chars().next() else {
                return false;
            };
            rest = &rest[c.len_utf8()..];
            let previous = states.advance();
            for &i in &previous {
                match self.pieces.get(i) {
                    Some(Piece::Any) if c != '\n' => self.enter(&mut states, i),
                    Some(Piece::One) if c != '\n' => self.enter(&mut states, i + 1),
                    Some(&Piece::Lit(l)) if self.same(l, c) => self.enter(&mut states, i + 1),
                    _ => {}
                }
            }
            states.spare = previous;
            if states.is_empty() {
                return false;
            }
        }
    }

    /// Enter state `i` and, through `%` (which may match nothing), the states after it.
    fn enter(&self, states: &mut States, mut i: usize) {
        while states.add(i) && self.pieces.get(i) == Some(&Piece::Any) {
            i += 1;
        }
    }

    fn same(&self, a: char, b: char) -> bool {
        a == b || (self.ignore_case && fold_eq(a, b))
    }
}

/// Case-insensitive equality of two characters as a regex's `(?i)` sees it (simple case
/// folding: `K`, `k` and the Kelvin sign are one letter, so are `s`, `S` and `ſ`).
fn fold_eq(a: char, b: char) -> bool {
    fn single(mut it: impl Iterator<Item = char>, c: char) -> char {
        match (it.next(), it.next()) {
            (Some(x), None) => x,
            _ => c,
        }
    }
    single(a.to_lowercase(), a) == single(b.to_lowercase(), b)
        || single(a.to_uppercase(), a) == single(b.to_uppercase(), b)
}

/// The NFA's active states: a list for iteration plus a membership mark per state.
struct States {
    list: Vec<usize>,
    mark: Vec<bool>,
    /// A second list, so a step allocates nothing.
    spare: Vec<usize>,
}

impl States {
    fn new(n: usize) -> States {
        States {
            list: Vec::new(),
            mark: vec![false; n],
            spare: Vec::new(),
        }
    }

    /// Add state `i`; false when it was already there.
    fn add(&mut self, i: usize) -> bool {
        if self.mark[i] {
            return false;
        }
        self.mark[i] = true;
        self.list.push(i);
        true
    }

    fn has(&self, i: usize) -> bool {
        self.mark[i]
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Start an empty set, returning the states it held.
    fn advance(&mut self) -> Vec<usize> {
        for &i in &self.list {
            self.mark[i] = false;
        }
        let mut fresh = std::mem::take(&mut self.spare);
        fresh.clear();
        std::mem::replace(&mut self.list, fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::Like;

    fn like(p: &str, s: &str) -> bool {
        Like::new(p, false).is_match(s)
    }

    #[test]
    fn like_is_mlflow_3() {
        assert!(like("xgboos_", "xgboost"));
        assert!(!like("%2021.01%", "trip data/2021-01.parquet"));
        assert!(like("%(a)%", "x(a)y"));
        assert!(like("abc", "abc\n"));
        assert!(!like("abc", "abc\n\n"));
        assert!(!like("%foo", "line1\nfoo"));
        assert!(like("a%", "ab\ncd"));
        assert!(!like("a_c", "a\nc"));
        assert!(like("%", ""));
        assert!(like("", ""));
        assert!(like("", "\n"));
        assert!(!like("", "x"));
        assert!(like("%a%b", "xxaxxbxb"));
        assert!(!like("%a%b", "xxaxxbxbc"));
        assert!(Like::new("%FOREST%", true).is_match("random_forest"));
        assert!(Like::new("ſ", true).is_match("S"));
        assert!(Like::new("\u{212a}", true).is_match("k"));
        assert!(!Like::new("%FOREST%", false).is_match("random_forest"));
    }

    /// A regex of ten thousand `.` exceeds the `regex` crate's size limit (issue 12).
    #[test]
    fn long_patterns_are_fine() {
        let pattern = "_".repeat(100_000);
        assert!(Like::new(&pattern, false).is_match(&"x".repeat(100_000)));
        assert!(!Like::new(&pattern, false).is_match("x"));
        let many = "%a".repeat(5_000);
        assert!(!Like::new(&many, true).is_match(&"a".repeat(4_999)));
    }
}
