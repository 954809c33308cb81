//! `search_registered_models` filters (SU `SearchModelUtils`): `name` and `tags.<key>`
//! compared with `=`, `!=`, `LIKE`, `ILIKE` (and `name IN (…)`), clauses joined by `AND`.
//! A small parser of its own, kept here until the query engine (`query/`) covers registry
//! filters; it does no I/O and matches loaded models only. LIKE follows 3.x: `%` and `_` are
//! the only wildcards (2.22 also lets regex syntax through).

use regex::Regex;

use super::super::error::{Result, StoreError};
use super::{PROMPT_TAG, RegisteredModel};

#[derive(Debug, Clone, PartialEq)]
enum Target {
    Name,
    Tag(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Like,
    ILike,
    In,
}

#[derive(Debug, Clone)]
struct Clause {
    target: Target,
    op: Op,
    values: Vec<String>,
    pattern: Option<Regex>,
}

/// A parsed filter; matching a model is pure.
#[derive(Debug, Clone)]
pub struct ModelFilter {
    clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Op(String),
    Open,
    Close,
    Comma,
}

fn bad(msg: impl Into<String>) -> StoreError {
    StoreError::BadInput(msg.into())
}

fn lex(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' | '"' => {
                let (s, next) = quoted(&chars, i)?;
                tokens.push(Token::Str(s));
                i = next;
            }
            '=' | '!' | '<' | '>' => {
                let mut op = c.to_string();
                if chars.get(i + 1) == Some(&'=') || (c == '<' && chars.get(i + 1) == Some(&'>')) {
                    op.push(chars[i + 1]);
                }
                i += op.chars().count();
                tokens.push(Token::Op(op));
            }
            _ => {
                // An identifier: words, dots, and quoted or backticked parts (tags.`a b`).
                let mut word = String::new();
                while i < chars.len() {
                    let c = chars[i];
                    if c.is_whitespace() || "()=!<>,".contains(c) {
                        break;
                    }
                    if matches!(c, '`' | '\'' | '"') {
                        let (s, next) = quoted(&chars, i)?;
                        word.push(c);
                        word.push_str(&s);
                        word.push(c);
                        i = next;
                        continue;
                    }
                    word.push(c);
                    i += 1;
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

/// The text between a quote at `start` and its match; returns it and the index after.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize)> {
    let q = chars[start];
    let mut i = start + 1;
    let mut out = String::new();
    while i < chars.len() {
        if chars[i] == q {
            return Ok((out, i + 1));
        }
        out.push(chars[i]);
        i += 1;
    }
    Err(bad(format!(
        "Invalid filter: unterminated {q} in {}",
        chars[start..].iter().collect::<String>()
    )))
}

fn strip_key_quotes(key: &str) -> &str {
    for q in ['`', '"', '\''] {
        if key.len() >= 2 && key.starts_with(q) && key.ends_with(q) {
            return &key[1..key.len() - 1];
        }
    }
    key
}

fn target(ident: &str) -> Result<Target> {
    let (entity, key) = match ident.split_once('.') {
        Some((entity, key)) => (Some(entity), key),
        None => (None, ident),
    };
    match entity.map(strip_key_quotes) {
        None | Some("attribute") => {
            if strip_key_quotes(key) == "name" {
                Ok(Target::Name)
            } else {
                Err(bad(format!(
                    "Invalid attribute key '{key}' specified. Valid keys are '{{'name'}}'"
                )))
            }
        }
        Some("tag" | "tags") if !key.is_empty() => Ok(Target::Tag(strip_key_quotes(key).into())),
        Some(other) => Err(bad(format!(
            "Invalid entity type '{other}'. Valid entity types are ('attribute', 'tag', 'tags')"
        ))),
    }
}

/// MLflow 3.x LIKE: `%` any run, `_` any one character, anchored unless the pattern starts or
/// ends with `%`; `.` does not cross newlines and `$` also matches before a final newline, as
/// with Python's `re.match`.
fn like_regex(pattern: &str, case_insensitive: bool) -> Result<Regex> {
    let mut re = String::from(if case_insensitive { "(?i)" } else { "" });
    if !pattern.starts_with('%') {
        re.push('^');
    }
    for c in pattern.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    if !pattern.ends_with('%') {
        re.push_str("\\n?\\z");
    }
    Regex::new(&re).map_err(|e| bad(format!("invalid LIKE pattern '{pattern}': {e}")))
}

impl ModelFilter {
    pub fn parse(text: &str) -> Result<ModelFilter> {
        if text.trim().is_empty() {
            return Ok(ModelFilter {
                clauses: Vec::new(),
            });
        }
        let tokens = lex(text)?;
        let mut clauses = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let Token::Word(ident) = &tokens[i] else {
                return Err(bad(format!(
                    "Invalid clause(s) in filter string: {}",
                    describe(&tokens[i])
                )));
            };
            if ident.eq_ignore_ascii_case("or") || ident.eq_ignore_ascii_case("not") {
                return Err(bad(format!(
                    "Invalid clause(s) in filter string: '{}'",
                    ident.to_uppercase()
                )));
            }
            let target = target(ident)?;
            let op_token = tokens.get(i + 1).ok_or_else(|| {
                bad(format!(
                    "Invalid filter '{text}': '{ident}' needs a comparison"
                ))
            })?;
            let op = match op_token {
                Token::Op(o) if o == "=" => Op::Eq,
                Token::Op(o) if o == "!=" => Op::Ne,
                Token::Word(w) if w.eq_ignore_ascii_case("like") => Op::Like,
                Token::Word(w) if w.eq_ignore_ascii_case("ilike") => Op::ILike,
                Token::Word(w) if w.eq_ignore_ascii_case("in") && target == Target::Name => Op::In,
                other => {
                    let valid = match target {
                        Target::Name => "('!=', '=', 'LIKE', 'ILIKE', 'IN')",
                        Target::Tag(_) => "('!=', '=', 'LIKE', 'ILIKE')",
                    };
                    return Err(bad(format!(
                        "Invalid comparator {} not one of {valid}",
                        describe(other)
                    )));
                }
            };
            i += 2;
            let mut values = Vec::new();
            if op == Op::In {
                if tokens.get(i) != Some(&Token::Open) {
                    return Err(bad(
                        "Expected a list of quoted strings after IN, e.g. name IN ('a', 'b')",
                    ));
                }
                i += 1;
                loop {
                    match tokens.get(i) {
                        Some(Token::Str(s)) => values.push(s.clone()),
                        _ => {
                            return Err(bad(
                                "Expected a list of quoted strings after IN, e.g. name IN ('a', 'b')",
                            ));
                        }
                    }
                    i += 1;
                    match tokens.get(i) {
                        Some(Token::Comma) => i += 1,
                        Some(Token::Close) => {
                            i += 1;
                            break;
                        }
                        _ => return Err(bad("Expected ',' or ')' in an IN list")),
                    }
                }
            } else {
                match tokens.get(i) {
                    Some(Token::Str(s)) => values.push(s.clone()),
                    other => {
                        let got = other.map(describe).unwrap_or_else(|| "nothing".into());
                        return Err(bad(format!(
                            "Expected a quoted string value (e.g. 'my-value'). Got value {got}"
                        )));
                    }
                }
                i += 1;
            }
            let pattern = match op {
                Op::Like | Op::ILike => Some(like_regex(&values[0], op == Op::ILike)?),
                _ => None,
            };
            clauses.push(Clause {
                target,
                op,
                values,
                pattern,
            });
            match tokens.get(i) {
                None => {}
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("and") => i += 1,
                Some(other) => {
                    return Err(bad(format!(
                        "Invalid clause(s) in filter string: {}",
                        describe(other)
                    )));
                }
            }
        }
        Ok(ModelFilter { clauses })
    }

    /// Whether the filter talks about the prompt marker; if not, MLflow adds
    /// `` tag.`mlflow.prompt.is_prompt` != 'true' `` so prompts stay out of model searches.
    fn mentions_prompt_tag(&self) -> bool {
        self.clauses
            .iter()
            .any(|c| c.target == Target::Tag(PROMPT_TAG.into()))
    }

    pub fn matches(&self, model: &RegisteredModel) -> bool {
        if !self.mentions_prompt_tag() && model.is_prompt() {
            return false;
        }
        self.clauses.iter().all(|c| c.matches(model))
    }
}

impl Clause {
    fn matches(&self, model: &RegisteredModel) -> bool {
        let lhs = match &self.target {
            Target::Name => Some(model.name.as_str()),
            Target::Tag(key) => model.tags.get(key).map(String::as_str),
        };
        let value = self.values[0].as_str();
        let Some(lhs) = lhs else {
            // Models without the prompt marker are not prompts.
            return self.target == Target::Tag(PROMPT_TAG.into())
                && ((self.op == Op::Eq && value == "false")
                    || (self.op == Op::Ne && value == "true"));
        };
        match self.op {
            Op::Eq => lhs == value,
            Op::Ne => lhs != value,
            Op::In => self.values.iter().any(|v| v == lhs),
            Op::Like | Op::ILike => self.pattern.as_ref().is_some_and(|re| re.is_match(lhs)),
        }
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("'{w}'"),
        Token::Str(s) => format!("'{s}'"),
        Token::Op(o) => format!("'{o}'"),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::Comma => "','".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn model(name: &str, tags: &[(&str, &str)]) -> RegisteredModel {
        RegisteredModel {
            name: name.into(),
            creation_timestamp: None,
            last_updated_timestamp: None,
            description: None,
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            aliases: BTreeMap::new(),
            workspace: None,
            versions: Vec::new(),
            problems: Vec::new(),
            dir: Default::default(),
        }
    }

    fn hits(filter: &str, models: &[RegisteredModel]) -> Vec<String> {
        let f = ModelFilter::parse(filter).unwrap();
        models
            .iter()
            .filter(|m| f.matches(m))
            .map(|m| m.name.clone())
            .collect()
    }

    #[test]
    fn clauses_and_operators() {
        let ms = [
            model(
                "nyc-taxi",
                &[("task", "regression"), ("data/source", "tlc")],
            ),
            model("Taxi Fare (x) v2", &[("task", "Regression")]),
            model("prompt", &[(PROMPT_TAG, "true")]),
        ];
        assert_eq!(hits("", &ms), ["nyc-taxi", "Taxi Fare (x) v2"]);
        assert_eq!(hits("name = 'nyc-taxi'", &ms), ["nyc-taxi"]);
        assert_eq!(hits("name != \"nyc-taxi\"", &ms), ["Taxi Fare (x) v2"]);
        assert_eq!(hits("name LIKE '%taxi%'", &ms), ["nyc-taxi"]);
        assert_eq!(
            hits("name ilike '%TAXI%'", &ms),
            ["nyc-taxi", "Taxi Fare (x) v2"]
        );
        assert_eq!(
            hits("name LIKE 'Taxi Fare (_) v2'", &ms),
            ["Taxi Fare (x) v2"]
        );
        assert_eq!(
            hits("tags.task = 'regression' AND name LIKE 'nyc%'", &ms),
            ["nyc-taxi"]
        );
        assert_eq!(hits("tags.`data/source` = 'tlc'", &ms), ["nyc-taxi"]);
        assert_eq!(
            hits("tag.task ILIKE 'REG%' and", &ms),
            ["nyc-taxi", "Taxi Fare (x) v2"]
        );
        assert_eq!(hits("name IN ('prompt', 'nyc-taxi')", &ms), ["nyc-taxi"]);
        assert_eq!(
            hits("tags.`mlflow.prompt.is_prompt` = 'true'", &ms),
            ["prompt"]
        );
        assert_eq!(
            hits("tags.`mlflow.prompt.is_prompt` != 'true'", &ms),
            ["nyc-taxi", "Taxi Fare (x) v2"]
        );
        assert!(hits("tags.owner != 'x'", &ms).is_empty());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (filter, want) in [
            (
                "name = 'a' OR name = 'b'",
                "Invalid clause(s) in filter string: 'OR'",
            ),
            ("params.x = 'a'", "Invalid entity type 'params'"),
            ("version = '1'", "Invalid attribute key 'version'"),
            ("name = a", "Expected a quoted string value"),
            ("tags.x IN ('a')", "Invalid comparator 'IN'"),
            ("name > 'a'", "Invalid comparator '>'"),
            ("(name = 'a')", "Invalid clause(s)"),
            ("name = 'a", "unterminated"),
        ] {
            let err = ModelFilter::parse(filter).unwrap_err().to_string();
            assert!(err.contains(want), "{filter}: {err}");
        }
    }
}
