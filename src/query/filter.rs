//! Filters: parsing into a tree of conditions and evaluating it on runs or experiments.
//!
//! Grammar (MLflow's, where MLflow has it; `*` marks mlrs extensions):
//! ```text
//! filter     := or_expr                          ("" means no filter; blank is an error)
//! or_expr    := and_expr (OR and_expr)*          *
//! and_expr   := unary (AND unary)*                (MLflow also takes stray and missing
//!                                                  ANDs; mlrs refuses them: a typo there
//!                                                  would silently change the answer)
//! unary      := NOT unary | '(' or_expr ')' | comparison     *
//! comparison := key op value | key [NOT] LIKE|ILIKE string | key [NOT] IN list
//!             | key IS [NOT] NULL
//! ```
//! Values are typed by the key: metrics, time attributes and `version_number` take numbers
//! (`now-2d` for times*), everything else quoted strings.
//!
//! Registry searches (models and versions) hide prompts, as MLflow does: unless the filter's
//! text mentions `mlflow.prompt.is_prompt`, it is AND-ed with
//! `` tags.`mlflow.prompt.is_prompt` != 'true' ``, and a model without that tag counts as
//! `= 'false'` and `!= 'true'` for it.

use super::Needs;
use super::QueryError;
use super::field::{self, Attr, DatasetKey, Field, Record, Target, Value};
use super::lexer::{Kw, Tok, Token, lex};
use super::like::Like;
use crate::store::registry::PROMPT_TAG;

const WHAT: &str = "filter";

/// A parsed filter, ready to test runs or experiments.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Expr,
    needs: Needs,
    fields: Vec<Field>,
}

#[derive(Debug, Clone)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Test(Field, Test),
}

#[derive(Debug, Clone)]
enum Test {
    Num(NumOp, Num),
    Text(TextTest),
    /// `IS NULL` (false) / `IS NOT NULL` (true).
    Null {
        present: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

#[derive(Debug, Clone)]
enum TextTest {
    Eq(String),
    Ne(String),
    Like { like: Like, negate: bool },
    In { values: Vec<String>, negate: bool },
}

impl NumOp {
    fn parse(op: &str) -> Option<NumOp> {
        Some(match op {
            "=" => NumOp::Eq,
            "!=" => NumOp::Ne,
            "<" => NumOp::Lt,
            "<=" => NumOp::Le,
            ">" => NumOp::Gt,
            ">=" => NumOp::Ge,
            _ => return None,
        })
    }

    /// Python's comparison operators; with a NaN only `!=` is true (as with Rust's).
    fn apply<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            NumOp::Eq => a == b,
            NumOp::Ne => a != b,
            NumOp::Lt => a < b,
            NumOp::Le => a <= b,
            NumOp::Gt => a > b,
            NumOp::Ge => a >= b,
        }
    }
}

impl Test {
    /// MLflow's rule: a missing key (or a None attribute) matches no comparison; only
    /// `IS NULL` looks at presence.
    fn check(&self, lhs: Value) -> bool {
        match (self, lhs) {
            (Test::Null { present }, lhs) => matches!(lhs, Value::Missing) != *present,
            (_, Value::Missing) => false,
            (Test::Num(op, Num::Int(v)), Value::Int(x)) => op.apply(x, *v),
            (Test::Num(op, v), Value::Int(x)) => op.apply(x as f64, v.as_f64()),
            (Test::Num(op, v), Value::Float(x)) => op.apply(x, v.as_f64()),
            (Test::Text(t), Value::Text(s)) => t.check(s),
            _ => false,
        }
    }
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

impl TextTest {
    fn check(&self, s: &str) -> bool {
        match self {
            TextTest::Eq(v) => s == v,
            TextTest::Ne(v) => s != v,
            TextTest::Like { like, negate } => like.is_match(s) != *negate,
            TextTest::In { values, negate } => values.iter().any(|v| v == s) != *negate,
        }
    }
}

impl Expr {
    fn eval<R: Record>(&self, rec: &R) -> bool {
        match self {
            Expr::And(parts) => parts.iter().all(|e| e.eval(rec)),
            Expr::Or(parts) => parts.iter().any(|e| e.eval(rec)),
            Expr::Not(e) => !e.eval(rec),
            Expr::Test(Field::Dataset(key), test) => rec.datasets().iter().any(|input| {
                // Like MLflow, an input without a context tag is not compared on context.
                let value = match key {
                    DatasetKey::Name => Some(input.dataset.name.as_str()),
                    DatasetKey::Digest => Some(input.dataset.digest.as_str()),
                    DatasetKey::Context => {
                        input.tags.get("mlflow.data.context").map(String::as_str)
                    }
                };
                value.is_some_and(|v| test.check(Value::Text(v)))
            }),
            Expr::Test(field, test) => test.check(field.value(rec)),
        }
    }
}

impl Filter {
    /// Parse `source`; `now_ms` is the clock `now` refers to. An empty string matches all.
    pub fn parse(source: &str, target: Target, now_ms: i64) -> Result<Filter, QueryError> {
        let mut parser = Parser {
            tokens: lex(source, WHAT)?,
            pos: 0,
            depth: 0,
            source,
            target,
            now_ms,
            needs: Needs::default(),
            fields: Vec::new(),
        };
        // MLflow appends its prompt clause to a registry filter, so a blank one is valid there.
        if parser.tokens.is_empty() && !source.is_empty() && !target.is_registry() {
            return Err(parser.err(0, "the filter is blank; pass \"\" for no filter".into()));
        }
        let mut expr = if parser.tokens.is_empty() {
            Expr::And(Vec::new())
        } else {
            parser.or_expr()?
        };
        if let Some(t) = parser.peek() {
            let message = match t.tok {
                Tok::RParen => "this ')' has no matching '('".to_owned(),
                _ => format!(
                    "expected AND or OR before {} (conditions are joined by AND or OR)",
                    t.describe(source)
                ),
            };
            return Err(parser.err(t.start, message));
        }
        // MLflow's `add_prompt_filter_string` tests the text, not the keys: any mention of
        // the marker (even inside a value) shows prompts.
        if target.is_registry() && !source.contains(PROMPT_TAG) {
            let not_prompt = Test::Text(TextTest::Ne("true".into()));
            expr = Expr::And(vec![
                expr,
                registry_test(Field::Tag(PROMPT_TAG.into()), not_prompt),
            ]);
        }
        Ok(Filter {
            expr,
            needs: parser.needs,
            fields: parser.fields,
        })
    }

    pub fn matches<R: Record>(&self, rec: &R) -> bool {
        self.expr.eval(rec)
    }

    /// The data keys the filter reads.
    pub fn needs(&self) -> &Needs {
        &self.needs
    }

    /// Every key the filter mentions, in the order written, once each.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
}

/// How deeply `NOT` and parentheses may nest: far beyond any real filter, well within the
/// stack (parsing, evaluating and dropping the tree all recurse).
const MAX_NESTING: usize = 64;

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    /// Current nesting of `NOT` and parentheses.
    depth: usize,
    source: &'a str,
    target: Target,
    now_ms: i64,
    needs: Needs,
    fields: Vec<Field>,
}

impl Parser<'_> {
    fn err(&self, offset: usize, message: String) -> QueryError {
        QueryError::new(WHAT, self.source, offset, message)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_kw(&self, kw: Kw) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Keyword(k), .. }) if *k == kw)
    }

    fn eat_kw(&mut self, kw: Kw) -> bool {
        let found = self.peek_kw(kw);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Where the next token starts (the end of the text when there is none).
    fn here(&self) -> usize {
        self.peek().map_or(self.source.len(), |t| t.start)
    }

    fn found(&self) -> String {
        self.peek()
            .map_or("the end of the filter".into(), |t| t.describe(self.source))
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.and_expr()?];
        while self.eat_kw(Kw::Or) {
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut terms = vec![self.unary()?];
        while self.eat_kw(Kw::And) {
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let nests =
            self.peek_kw(Kw::Not) || matches!(self.peek().map(|t| &t.tok), Some(Tok::LParen));
        if !nests {
            return self.comparison();
        }
        if self.depth == MAX_NESTING {
            let at = self.peek().map_or(self.source.len(), |t| t.start);
            return Err(self.err(
                at,
                format!("NOT and parentheses nest more than {MAX_NESTING} deep"),
            ));
        }
        self.depth += 1;
        let expr = self.nested();
        self.depth -= 1;
        expr
    }

    /// `NOT x` or `( … )`.
    fn nested(&mut self) -> Result<Expr, QueryError> {
        if self.eat_kw(Kw::Not) {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        let open = self.next().map_or(0, |t| t.start);
        let inner = self.or_expr()?;
        match self.next() {
            Some(Token {
                tok: Tok::RParen, ..
            }) => Ok(inner),
            other => Err(self.err(
                other.map_or(self.source.len(), |t| t.start),
                format!(
                    "expected ')' to close the '(' at column {}",
                    self.source[..open].chars().count() + 1
                ),
            )),
        }
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let Some(key) = self.next() else {
            return Err(self.err(self.source.len(), "expected a condition".into()));
        };
        let Tok::Path(path) = &key.tok else {
            if matches!(key.tok, Tok::RParen | Tok::Comma | Tok::Keyword(_)) {
                return Err(self.err(
                    key.start,
                    format!("expected a condition, found {}", key.describe(self.source)),
                ));
            }
            let hint = match key.tok {
                Tok::Str(_) => " (quote keys with backticks or double quotes: `Run Name`)",
                _ => "",
            };
            return Err(self.err(
                key.start,
                format!(
                    "expected a key such as metrics.rmse, found {}{hint}",
                    key.describe(self.source)
                ),
            ));
        };
        let field = field::resolve(path, self.target, false, WHAT, self.source, key.start)?;
        let label = field.label();
        let test = self.test(&field, &label)?;
        self.needs.add(&field);
        if !self.fields.contains(&field) {
            self.fields.push(field.clone());
        }
        Ok(if self.target.is_registry() {
            registry_test(field, test)
        } else {
            Expr::Test(field, test)
        })
    }

    /// The operator and value after a key.
    fn test(&mut self, field: &Field, label: &str) -> Result<Test, QueryError> {
        let at = self.here();
        let Some(op) = self.next() else {
            return Err(self.err(
                at,
                format!("expected an operator after {label} (=, !=, <, >, LIKE, IN, IS NULL, …)"),
            ));
        };
        let numeric = field.is_numeric();
        match op.tok {
            Tok::Op(ref text) => {
                let Some(num_op) = NumOp::parse(text) else {
                    return Err(self.err(
                        at,
                        format!("'{text}' is not an operator; use =, !=, <, <=, >, >="),
                    ));
                };
                if numeric {
                    return Ok(Test::Num(num_op, self.number(field, label)?));
                }
                let value = self.string(label)?;
                match num_op {
                    NumOp::Eq => Ok(Test::Text(TextTest::Eq(value))),
                    NumOp::Ne => Ok(Test::Text(TextTest::Ne(value))),
                    _ => Err(self.err(
                        at,
                        format!(
                            "'{text}' compares numbers, and {label} is a string; use =, !=, LIKE, ILIKE or IN"
                        ),
                    )),
                }
            }
            Tok::Keyword(kw @ (Kw::Like | Kw::ILike | Kw::In | Kw::Not)) => {
                let (kw, negate) = if kw == Kw::Not {
                    match self.next() {
                        Some(Token {
                            tok: Tok::Keyword(k @ (Kw::Like | Kw::ILike | Kw::In)),
                            ..
                        }) => (k, true),
                        _ => {
                            return Err(self.err(
                                at,
                                "NOT after a key must be followed by LIKE, ILIKE or IN".into(),
                            ));
                        }
                    }
                } else {
                    (kw, false)
                };
                if numeric {
                    return Err(self.err(
                        at,
                        format!(
                            "{label} is a number; LIKE, ILIKE and IN work on strings (use =, !=, <, <=, >, >=)"
                        ),
                    ));
                }
                if kw == Kw::In {
                    let values = self.list(label)?;
                    return Ok(Test::Text(TextTest::In { values, negate }));
                }
                let pattern = self.string(label)?;
                let like = Like::new(&pattern, kw == Kw::ILike);
                Ok(Test::Text(TextTest::Like { like, negate }))
            }
            Tok::Keyword(Kw::Is) => {
                let present = self.eat_kw(Kw::Not);
                if !self.eat_kw(Kw::Null) {
                    return Err(self.err(
                        self.here(),
                        format!("expected NULL after IS, found {}", self.found()),
                    ));
                }
                if !matches!(field, Field::Param(_) | Field::Tag(_)) {
                    return Err(self.err(
                        at,
                        format!(
                            "IS NULL and IS NOT NULL work on params and tags only, not on {label}"
                        ),
                    ));
                }
                Ok(Test::Null { present })
            }
            _ => Err(self.err(
                at,
                format!(
                    "expected an operator after {label} (=, !=, <, >, LIKE, IN, IS NULL, …), found {}",
                    op.describe(self.source)
                ),
            )),
        }
    }

    /// A number (or, for time attributes, `now±duration`).
    fn number(&mut self, field: &Field, label: &str) -> Result<Num, QueryError> {
        let at = self.here();
        let found = self.found();
        match self.next().map(|t| t.tok) {
            Some(Tok::Number(text)) => Ok(match field {
                // MLflow would truncate the number (`version_number < 2.5` is `< 2` there).
                Field::Attr(Attr::VersionNumber) if text.contains(['.', 'e', 'E']) => {
                    return Err(self.err(
                        at,
                        format!("{label} needs a whole number such as 3, not {text}"),
                    ));
                }
                // MLflow turns metric values into floats; attributes keep int or float.
                Field::Attr(_) if !text.contains(['.', 'e', 'E']) => text
                    .parse()
                    .map(Num::Int)
                    .unwrap_or_else(|_| Num::Float(text.parse().unwrap_or(f64::NAN))),
                _ => Num::Float(text.parse().unwrap_or(f64::NAN)),
            }),
            Some(Tok::RelTime(offset)) if matches!(field, Field::Attr(a) if a.is_time()) => {
                Ok(Num::Int(self.now_ms.saturating_add(offset)))
            }
            Some(Tok::RelTime(_)) => Err(self.err(
                at,
                format!("{label} is not a time; now±duration works on time attributes"),
            )),
            _ => Err(self.err(
                at,
                format!("expected a number for {label}, found {found} (numbers are not quoted)"),
            )),
        }
    }

    /// A quoted string value: `'…'` or `"…"`, taken verbatim as MLflow does.
    fn string(&mut self, label: &str) -> Result<String, QueryError> {
        let at = self.here();
        let found = self.found();
        let token = self.next();
        if let Some(Token { tok, .. }) = &token {
            match tok {
                Tok::Str(s) => return Ok(s.clone()),
                Tok::Path(p) => {
                    if let Some(inner) = p.double_quoted() {
                        return Ok(inner.to_owned());
                    }
                    return Err(self.err(
                        at,
                        format!(
                            "the value {} must be quoted with ' or \" ('{}')",
                            p.raw,
                            p.raw.trim_matches('`')
                        ),
                    ));
                }
                Tok::LParen => {
                    return Err(self.err(at, format!("a list needs IN: {label} IN ('a', 'b')")));
                }
                _ => {}
            }
        }
        Err(self.err(
            at,
            format!("expected a quoted string for {label}, found {found}"),
        ))
    }

    /// `('a', "b", …)` with Python's string-literal rules, as MLflow reads lists with
    /// `ast.literal_eval` (escapes are decoded, adjacent literals are joined).
    fn list(&mut self, label: &str) -> Result<Vec<String>, QueryError> {
        let at = self.here();
        if !matches!(self.next().map(|t| t.tok), Some(Tok::LParen)) {
            return Err(self.err(
                at,
                format!("IN needs a list in parentheses: {label} IN ('a', 'b')"),
            ));
        }
        let mut values = Vec::new();
        loop {
            let member_start = self.here();
            let mut member_end = None;
            while let Some(t) = self.peek() {
                let is_string = match &t.tok {
                    Tok::Str(_) => true,
                    Tok::Path(p) => p.double_quoted().is_some(),
                    _ => false,
                };
                if !is_string {
                    break;
                }
                member_end = Some(t.end);
                self.pos += 1;
            }
            if let Some(end) = member_end {
                let text = &self.source[member_start..end];
                let value = python_strings(text).ok_or_else(|| {
                    self.err(
                        member_start,
                        format!("{text} is not a valid string literal"),
                    )
                })?;
                values.push(value);
            }
            let at = self.here();
            match self.next().map(|t| t.tok) {
                Some(Tok::Comma) if member_end.is_some() => {}
                Some(Tok::RParen) if !values.is_empty() => return Ok(values),
                Some(Tok::RParen) => {
                    return Err(self.err(at, "the list is empty".into()));
                }
                _ => {
                    return Err(self.err(
                        if member_end.is_some() {
                            at
                        } else {
                            member_start
                        },
                        "a list holds quoted strings separated by commas: ('a', 'b')".into(),
                    ));
                }
            }
        }
    }
}

/// A registry comparison. Models and versions without the prompt marker are not prompts, so
/// for MLflow they match `= 'false'` and `!= 'true'` on it (a special case in
/// `_does_registered_model_match_clauses`); every other comparison of a missing tag is false.
fn registry_test(field: Field, test: Test) -> Expr {
    let unmarked_matches = match &test {
        Test::Text(TextTest::Eq(v)) => v == "false",
        Test::Text(TextTest::Ne(v)) => v == "true",
        _ => false,
    };
    if unmarked_matches && field == Field::Tag(PROMPT_TAG.into()) {
        let unmarked = Expr::Test(field.clone(), Test::Null { present: false });
        Expr::Or(vec![unmarked, Expr::Test(field, test)])
    } else {
        Expr::Test(field, test)
    }
}

/// Decode adjacent Python string literals (`'a' "b"` → `ab`), with backslash escapes.
fn python_strings(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let quote = match chars.next() {
            None => return Some(out),
            Some(q @ ('\'' | '"')) => q,
            Some(_) => return None,
        };
        loop {
            match chars.next()? {
                c if c == quote => break,
                '\n' => return None,
                '\\' => python_escape(&mut chars, &mut out)?,
                c => out.push(c),
            }
        }
    }
}

fn python_escape(chars: &mut std::iter::Peekable<std::str::Chars>, out: &mut String) -> Option<()> {
    fn hex(chars: &mut std::iter::Peekable<std::str::Chars>, n: usize) -> Option<char> {
        let digits: String = (0..n).filter_map(|_| chars.next()).collect();
        u32::from_str_radix(&digits, 16)
            .ok()
            .and_then(char::from_u32)
    }
    let c = chars.next()?;
    match c {
        '\n' => {}
        'n' => out.push('\n'),
        't' => out.push('\t'),
        'r' => out.push('\r'),
        'a' => out.push('\x07'),
        'b' => out.push('\x08'),
        'f' => out.push('\x0c'),
        'v' => out.push('\x0b'),
        'x' => out.push(hex(chars, 2)?),
        'u' => out.push(hex(chars, 4)?),
        'U' => out.push(hex(chars, 8)?),
        '0'..='7' => {
            let mut code = c.to_digit(8)?;
            for _ in 0..2 {
                match chars.peek().and_then(|d| d.to_digit(8)) {
                    Some(d) => {
                        code = code * 8 + d;
                        chars.next();
                    }
                    None => break,
                }
            }
            out.push(char::from_u32(code)?);
        }
        '\\' | '\'' | '"' => out.push(c),
        // Python keeps unknown escapes as written.
        other => {
            out.push('\\');
            out.push(other);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::testing;
    use crate::store::Run;

    fn run(metrics: &[(&str, f64)], params: &[(&str, &str)]) -> Run {
        let mut r = testing::run("abc", 1000);
        r.data.metrics = metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        r.data.params = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        r
    }

    fn check(filter: &str, r: &Run) -> bool {
        Filter::parse(filter, Target::Runs, 10_000)
            .unwrap_or_else(|e| panic!("{e}"))
            .matches(r)
    }

    #[test]
    fn nan_and_missing_follow_mlflow() {
        let r = run(&[("nan", f64::NAN), ("x", 1.0)], &[("p", "a")]);
        assert!(check("metrics.nan != 5", &r));
        assert!(!check("metrics.nan = 5", &r));
        assert!(!check("metrics.nan > 0", &r));
        assert!(!check("metrics.missing != 5", &r));
        assert!(!check("params.missing != 'a'", &r));
        assert!(check("params.missing IS NULL", &r));
        assert!(check("params.p is not null", &r));
        assert!(!check("end_time != 0", &r));
    }

    #[test]
    fn and_joins_conditions_strictly() {
        for (f, want) in [
            ("and", "expected a condition, found the keyword AND"),
            ("AND AND", "expected a condition"),
            ("metrics.x < 2 and", "expected a condition"),
            ("and metrics.x < 2", "expected a condition"),
            (
                "metrics.x < 2 AND AND metrics.x > 0",
                "expected a condition",
            ),
            ("metrics.x < 2 metrics.x > 0", "expected AND or OR before"),
            (
                "metrics.x < 2 adn metrics.x > 0",
                "expected AND or OR before",
            ),
        ] {
            let err = Filter::parse(f, Target::Runs, 0).unwrap_err().to_string();
            assert!(err.contains(want), "{f}: {err}");
        }
    }

    #[test]
    fn boolean_extensions() {
        let r = run(&[("x", 1.0)], &[("p", "a")]);
        assert!(check("metrics.x > 5 OR params.p = 'a'", &r));
        assert!(check("NOT metrics.x > 5", &r));
        assert!(check("NOT metrics.missing > 5", &r));
        assert!(check(
            "(metrics.x > 5 or metrics.x < 2) and not params.p = 'b'",
            &r
        ));
        assert!(!check(
            "metrics.x < 5 and (params.p = 'b' or params.p IN ('c'))",
            &r
        ));
        assert!(check("params.p NOT IN ('b', 'c')", &r));
        assert!(!check("params.missing NOT IN ('b')", &r));
        assert!(check("params.p NOT LIKE 'b%'", &r));
        assert!(check("start_time < now", &r));
        assert!(!check("start_time < now-10s", &r));
        assert!(check("start_time <= now - 9s", &r));
    }

    #[test]
    fn strings_are_verbatim_and_lists_are_python() {
        let r = run(&[], &[("q", "it''s"), ("a", "a'b")]);
        assert!(check("params.q = 'it''s'", &r));
        assert!(check("params.a IN ('a\\'b')", &r));
        assert!(check("params.a IN ('x', \"a'b\",)", &r));
        assert!(check("params.a in ('a' \"'b\")", &r));
        assert_eq!(python_strings(r"'\x41\101\n'"), Some("AA\n".into()));
        assert_eq!(python_strings("'it''s'"), Some("its".into()));
        assert_eq!(python_strings("'open"), None);
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases: &[(&str, usize, &str)] = &[
            ("metrics.rmse = '5'", 16, "expected a number"),
            ("params.max_depth = 6", 20, "expected a quoted string"),
            ("params.model = lasso", 16, "must be quoted"),
            ("params.model = `lasso`", 16, "must be quoted"),
            ("foo.rmse < 6", 1, "not an entity"),
            (
                "attributes.lifecycle_stage = 'x'",
                12,
                "not a run attribute",
            ),
            ("datasets.foo = 'x'", 10, "not a dataset key"),
            ("params.p == 'x'", 10, "'==' is not an operator"),
            ("params.p <> 'x'", 10, "'<>' is not an operator"),
            ("params.p > 'x'", 10, "compares numbers"),
            ("metrics.m LIKE 'x'", 11, "is a number"),
            ("metrics.m IS NULL", 11, "params and tags only"),
            ("status IS NULL", 8, "params and tags only"),
            ("run_id IN ()", 12, "empty"),
            ("run_id IN (1, 2)", 12, "quoted strings"),
            ("run_id IN 'a'", 11, "list in parentheses"),
            ("metrics.m <", 12, "expected a number"),
            ("metrics.m 6", 11, "expected an operator"),
            ("< 6", 1, "expected a key"),
            ("'run_name' = 'x'", 1, "expected a key"),
            ("metrics.m < 6 OR", 17, "expected a condition"),
            ("(metrics.m < 6", 15, "expected ')'"),
            ("metrics.m < 6)", 14, "no matching '('"),
            ("()", 2, "expected a condition"),
            (" ", 1, "blank"),
            ("metrics.m < 6 7", 15, "expected AND or OR before"),
            (
                "metrics.m < 6 , params.x = 'y'",
                15,
                "expected AND or OR before ','",
            ),
            ("metrics.m < now", 13, "not a time"),
            ("params.p = ('a')", 12, "needs IN"),
            ("params.p NOT = 'a'", 10, "NOT after a key"),
        ];
        assert_errors(Target::Runs, cases);
    }

    /// Each filter is refused with a message holding the text, pointing at the column.
    #[track_caller]
    fn assert_errors(target: Target, cases: &[(&str, usize, &str)]) {
        for (filter, col, text) in cases {
            let e = Filter::parse(filter, target, 0).unwrap_err();
            assert!(
                e.message.contains(text) && e.column() == *col,
                "{filter}: got column {} {:?}",
                e.column(),
                e.message
            );
        }
    }

    #[test]
    fn needs_name_only_what_is_read() {
        let f = Filter::parse(
            "metrics.rmse < 5 and params.model = 'x' or datasets.name = 'd' and status = 'FAILED'",
            Target::Runs,
            0,
        )
        .unwrap();
        let n = f.needs();
        assert_eq!(n.metrics.iter().collect::<Vec<_>>(), ["rmse"]);
        assert_eq!(n.params.iter().collect::<Vec<_>>(), ["model"]);
        assert!(n.tags.is_empty());
        assert!(n.inputs);
        assert_eq!(f.fields().len(), 4);
    }

    fn registry_hits<R: Record>(
        filter: &str,
        target: Target,
        items: &[R],
        id: fn(&R) -> String,
    ) -> Vec<String> {
        let f = Filter::parse(filter, target, 0).unwrap_or_else(|e| panic!("{e}"));
        items.iter().filter(|m| f.matches(*m)).map(id).collect()
    }

    fn model_names(
        filter: &str,
        models: &[crate::store::registry::RegisteredModel],
    ) -> Vec<String> {
        registry_hits(filter, Target::Models, models, |m| m.name.clone())
    }

    #[test]
    fn model_filters_follow_search_registered_models() {
        let ms = [
            testing::model(
                "nyc-taxi",
                1,
                &[("task", "regression"), ("data/source", "tlc")],
            ),
            testing::model("Taxi Fare (x) v2", 2, &[("task", "Regression")]),
            testing::model("prompt", 3, &[(PROMPT_TAG, "true")]),
        ];
        let both = ["nyc-taxi", "Taxi Fare (x) v2"];
        for (filter, want) in [
            ("", &both[..]),
            // MLflow appends its prompt clause, so a blank filter is fine here.
            (" ", &both),
            ("name = 'nyc-taxi'", &["nyc-taxi"]),
            ("attribute.name = 'nyc-taxi'", &["nyc-taxi"]),
            ("name != \"nyc-taxi\"", &["Taxi Fare (x) v2"]),
            ("name LIKE '%taxi%'", &["nyc-taxi"]),
            ("name ilike '%TAXI%'", &both),
            ("name LIKE 'Taxi Fare (_) v2'", &["Taxi Fare (x) v2"]),
            (
                "tags.task = 'regression' AND name LIKE 'nyc%'",
                &["nyc-taxi"],
            ),
            ("tags.`data/source` = 'tlc'", &["nyc-taxi"]),
            ("name IN ('prompt', 'nyc-taxi')", &["nyc-taxi"]),
            ("name NOT IN ('nyc-taxi')", &["Taxi Fare (x) v2"]),
            ("tags.`mlflow.prompt.is_prompt` = 'true'", &["prompt"]),
            ("tags.`mlflow.prompt.is_prompt` != 'true'", &both),
            ("tags.`mlflow.prompt.is_prompt` = 'false'", &both),
            ("tags.`mlflow.prompt.is_prompt` LIKE '%'", &["prompt"]),
            // Any mention of the marker lifts the rule, as MLflow's text test does.
            (
                "name != 'mlflow.prompt.is_prompt'",
                &["nyc-taxi", "Taxi Fare (x) v2", "prompt"],
            ),
            ("tags.owner != 'x'", &[]),
            // mlrs extensions; the prompt rule still holds.
            ("name = 'nyc-taxi' OR tags.task = 'Regression'", &both),
            ("NOT name = 'nyc-taxi'", &["Taxi Fare (x) v2"]),
            ("(name LIKE 'p%' OR name LIKE 'n%')", &["nyc-taxi"]),
            ("tags.task IN ('Regression')", &["Taxi Fare (x) v2"]),
            ("tags.owner IS NULL", &both),
            ("NOT tags.`mlflow.prompt.is_prompt` = 'true'", &both),
            (
                "tags.`mlflow.prompt.is_prompt` = 'true' OR name = 'nyc-taxi'",
                &["nyc-taxi", "prompt"],
            ),
        ] {
            assert_eq!(model_names(filter, &ms), want, "{filter}");
        }
    }

    #[test]
    fn only_the_exact_marker_hides_a_prompt() {
        // MLflow's clause is `!= 'true'`, case and all.
        let ms = [
            testing::model("a", 1, &[(PROMPT_TAG, "True")]),
            testing::model("b", 1, &[(PROMPT_TAG, "false")]),
        ];
        assert_eq!(model_names("", &ms), ["a", "b"]);
        assert_eq!(
            model_names("tags.`mlflow.prompt.is_prompt` = 'false'", &ms),
            ["b"]
        );
    }

    #[test]
    fn version_filters_follow_search_model_versions() {
        let vs = [
            testing::version("m", 1, 10, "r1", &[("algo", "rf")]),
            testing::version("m", 2, 20, "r2", &[("algo", "xgboost")]),
            testing::version("m", 10, 30, "r2", &[]),
            testing::version("p", 1, 40, "r3", &[(PROMPT_TAG, "true")]),
        ];
        let hits = |filter: &str| {
            registry_hits(filter, Target::ModelVersions, &vs, |v| {
                format!("{}/{}", v.name, v.version)
            })
        };
        assert_eq!(hits(""), ["m/1", "m/2", "m/10"]);
        assert_eq!(hits("version_number > 1"), ["m/2", "m/10"]);
        assert_eq!(hits("version_number = 10 and name = 'm'"), ["m/10"]);
        assert_eq!(hits("run_id IN ('r2', 'r3')"), ["m/2", "m/10"]);
        assert_eq!(hits("source_path LIKE 'runs:/r1/%'"), ["m/1"]);
        assert_eq!(
            hits("tags.algo = 'rf' OR version_number >= 10"),
            ["m/1", "m/10"]
        );
        assert_eq!(hits("tags.`mlflow.prompt.is_prompt` = 'true'"), ["p/1"]);
        let e = |filter: &str| Filter::parse(filter, Target::ModelVersions, 0).unwrap_err();
        assert!(
            e("version_number < 2.5")
                .message
                .contains("needs a whole number")
        );
        assert!(e("version_number > now").message.contains("not a time"));
        assert!(
            e("version_number = '3'")
                .message
                .contains("expected a number")
        );
        assert!(e("name = 5").message.contains("expected a quoted string"));
        assert!(
            e("current_stage = 'None'")
                .message
                .contains("Invalid attribute key")
        );
    }

    #[test]
    fn registry_errors_say_what_and_where() {
        let cases: &[(&str, usize, &str)] = &[
            ("params.x = 'a'", 1, "Invalid entity type 'params'"),
            (
                "name = 'a' AND version = '1'",
                16,
                "Invalid attribute key 'version'",
            ),
            ("creation_timestamp > 0", 1, "Invalid attribute key"),
            ("`name` = 'a'", 1, "Invalid attribute key '`name`'"),
            ("name = a", 8, "must be quoted"),
            ("tags.x = 5", 10, "expected a quoted string"),
            ("name > 'a'", 6, "compares numbers"),
            ("name = 'a", 8, "no closing quote"),
            ("name = 'a';", 11, "';' is not allowed"),
            ("name IN ()", 10, "the list is empty"),
            ("(name = 'a'", 12, "expected ')'"),
            ("name = 'a' OR", 14, "expected a condition"),
        ];
        assert_errors(Target::Models, cases);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for filter in [
            "(".repeat(5000) + "metrics.a > 1" + &")".repeat(5000),
            "NOT ".repeat(20000) + "metrics.a > 1",
        ] {
            let err = Filter::parse(&filter, Target::Runs, 0).unwrap_err();
            assert!(err.message.contains("nest more than"), "{}", err.message);
        }
        let ok = "(".repeat(60) + "metrics.a > 1" + &")".repeat(60);
        assert!(Filter::parse(&ok, Target::Runs, 0).is_ok());
    }
}
