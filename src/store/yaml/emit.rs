//! A port of the libyaml emitter (the one behind PyYAML's `CSafeDumper`, which MLflow uses)
//! for `yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True)`.
//! Each function mirrors the libyaml function of the same role; where their behaviour looks
//! odd (folding only after column 80, doubled breaks in single quotes) that is libyaml's.

use super::Yaml;
use super::resolve::resolves_to_non_string;

const BEST_WIDTH: usize = 80;
const BEST_INDENT: i32 = 2;

/// Serialize a document exactly as MLflow's `write_yaml` would.
pub fn to_string(doc: &Yaml) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        flow_level: 0,
    };
    e.node(doc, Context::default());
    e.write_indent();
    e.out
}

#[derive(Clone, Copy, Default)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
}

struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single_quoted: bool,
}

struct Emitter {
    out: String,
    column: usize,
    indent: i32,
    indents: Vec<i32>,
    whitespace: bool,
    indention: bool,
    flow_level: u32,
}

impl Emitter {
    fn node(&mut self, node: &Yaml, ctx: Context) {
        match node {
            Yaml::Null => self.scalar("null", true, ctx),
            Yaml::Bool(b) => self.scalar(if *b { "true" } else { "false" }, true, ctx),
            Yaml::Int(i) => self.scalar(&i.to_string(), true, ctx),
            Yaml::Float(f) => self.scalar(&represent_float(*f), true, ctx),
            Yaml::Str(s) => self.scalar(s, !resolves_to_non_string(s), ctx),
            Yaml::Seq(items) if items.is_empty() || self.flow_level > 0 => {
                self.flow_collection("[", "]", items.len(), |e, i| {
                    e.node(&items[i], Context::default())
                })
            }
            Yaml::Map(map) if map.is_empty() || self.flow_level > 0 => {
                let entries: Vec<_> = map.iter().collect();
                self.flow_collection("{", "}", entries.len(), |e, i| {
                    let (k, v) = entries[i];
                    e.scalar(
                        k,
                        !resolves_to_non_string(k),
                        Context {
                            mapping: true,
                            simple_key: true,
                        },
                    );
                    e.write_indicator(":", false, false, false);
                    e.node(
                        v,
                        Context {
                            mapping: true,
                            simple_key: false,
                        },
                    );
                })
            }
            Yaml::Seq(items) => {
                self.increase_indent(false, ctx.mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::default());
                }
                self.indent = self.indents.pop().unwrap_or(-1);
            }
            Yaml::Map(map) => {
                self.increase_indent(false, false);
                for (key, value) in map {
                    self.write_indent();
                    let key_node = Yaml::Str(key.clone());
                    if is_simple_key(key) {
                        self.node(
                            &key_node,
                            Context {
                                mapping: true,
                                simple_key: true,
                            },
                        );
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(
                            &key_node,
                            Context {
                                mapping: true,
                                simple_key: false,
                            },
                        );
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(
                        value,
                        Context {
                            mapping: true,
                            simple_key: false,
                        },
                    );
                }
                self.indent = self.indents.pop().unwrap_or(-1);
            }
        }
    }

    fn flow_collection(
        &mut self,
        open: &str,
        close: &str,
        len: usize,
        mut item: impl FnMut(&mut Self, usize),
    ) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for i in 0..len {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > BEST_WIDTH {
                self.write_indent();
            }
            item(self, i);
        }
        self.flow_level -= 1;
        self.indent = self.indents.pop().unwrap_or(-1);
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, text: &str, plain_implicit: bool, ctx: Context) {
        let analysis = analyze(text);
        let style = self.select_style(text, &analysis, plain_implicit, ctx);
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(text, allow_breaks),
            Style::Single => self.write_single_quoted(text, allow_breaks),
            Style::Double => self.write_double_quoted(text, allow_breaks),
        }
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn select_style(&self, text: &str, a: &Analysis, plain_implicit: bool, ctx: Context) -> Style {
        let mut style = Style::Plain;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            let flow = self.flow_level > 0;
            if (flow && !a.flow_plain) || (!flow && !a.block_plain) {
                style = Style::Single;
            }
            if text.is_empty() && (flow || ctx.simple_key) {
                style = Style::Single;
            }
            if !plain_implicit {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted {
            style = Style::Double;
        }
        style
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_plain(&mut self, text: &str, allow_breaks: bool) {
        if !self.whitespace && !text.is_empty() {
            self.put(' ');
        }
        self.write_folded(text, allow_breaks, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        if self.write_folded(text, allow_breaks, true) {
            self.write_indent();
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// The body of a plain or single-quoted scalar, folded at spaces past the best width as
    /// libyaml's `yaml_emitter_write_plain_scalar` and `…_single_quoted` do (a quoted scalar
    /// never folds at its first or last character, and doubles its quotes). Whether the text
    /// ended in line breaks.
    fn write_folded(&mut self, text: &str, allow_breaks: bool, quoted: bool) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && (!quoted || (i != 0 && i != chars.len() - 1))
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if quoted && c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        breaks
    }

    fn write_double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match escape(c) {
                    Some(e) => self.put(e),
                    None => {
                        let code = c as u32;
                        let hex = if code <= 0xFF {
                            format!("x{code:02X}")
                        } else if code <= 0xFFFF {
                            format!("u{code:04X}")
                        } else {
                            format!("U{code:08X}")
                        };
                        hex.chars().for_each(|h| self.put(h));
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }
}

/// libyaml's `check_simple_key`: single-line and at most 128 bytes.
fn is_simple_key(key: &str) -> bool {
    !analyze(key).multiline && key.len() <= 128
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None | Some('\0') | Some(' ') | Some('\t') => true,
        Some(c) => is_break(c),
    }
}

/// libyaml's `IS_PRINTABLE`, a test on UTF-8 bytes that accepts only the BMP: NEL (U+0085)
/// and every character above U+FFFF (emoji) are "special" and force escaped double quotes.
fn is_printable(c: char) -> bool {
    let c = c as u32;
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (0xA0..=0xD7FF).contains(&c)
        || ((0xE000..=0xFFFD).contains(&c) && c != 0xFEFF)
}

fn escape(c: char) -> Option<char> {
    Some(match c {
        '\0' => '0',
        '\x07' => 'a',
        '\x08' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\x0B' => 'v',
        '\x0C' => 'f',
        '\r' => 'r',
        '\x1B' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{A0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => return None,
    })
}

/// libyaml's `yaml_emitter_analyze_scalar`.
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single_quoted: true,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut block_ind, mut flow_ind) = (false, false);
    if text.starts_with("---") || text.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_ws = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = is_blankz(chars.get(i + 1).copied());
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_ind = true;
                block_ind = true;
            }
            if c == '?' || c == ':' {
                flow_ind = true;
                if followed_by_ws {
                    block_ind = true;
                }
            }
            if c == '-' && followed_by_ws {
                flow_ind = true;
                block_ind = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_ind = true;
            }
            if c == ':' {
                flow_ind = true;
                if followed_by_ws {
                    block_ind = true;
                }
            }
            if c == '#' && preceded_by_ws {
                flow_ind = true;
                block_ind = true;
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        let last = i == chars.len() - 1;
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blankz(Some(c));
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single_quoted: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

/// PyYAML's `represent_float`.
fn represent_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let repr = crate::pyfloat::repr(f).to_lowercase();
    if !repr.contains('.') && repr.contains('e') {
        repr.replacen('e', ".0e", 1)
    } else {
        repr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn doc(pairs: &[(&str, Yaml)]) -> String {
        to_string(&Yaml::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        ))
    }

    #[test]
    fn mlflow_run_meta_shape() {
        let out = doc(&[
            ("end_time", Yaml::Null),
            ("entry_point_name", Yaml::str("")),
            ("experiment_id", Yaml::str("0")),
            ("run_name", Yaml::str("baseline-linreg")),
            ("status", Yaml::Int(3)),
            ("tags", Yaml::Seq(vec![])),
        ]);
        assert_eq!(
            out,
            "end_time: null\nentry_point_name: ''\nexperiment_id: '0'\nrun_name: baseline-linreg\nstatus: 3\ntags: []\n"
        );
    }

    #[test]
    fn nested_and_sequences() {
        let tags = Yaml::Map(
            [
                ("b".to_string(), Yaml::str("x")),
                ("a/c".to_string(), Yaml::str("yes")),
            ]
            .into(),
        );
        let out = doc(&[
            ("aliases", Yaml::Seq(vec![Yaml::str("candidate")])),
            ("tags", tags),
            ("e", Yaml::Map(BTreeMap::new())),
        ]);
        assert_eq!(
            out,
            "aliases:\n- candidate\ne: {}\ntags:\n  a/c: 'yes'\n  b: x\n"
        );
    }

    #[test]
    fn newlines_and_controls() {
        assert_eq!(
            doc(&[("k", Yaml::str("line1\nline2"))]),
            "k: 'line1\n\n  line2'\n"
        );
        assert_eq!(doc(&[("k", Yaml::str("a\tb"))]), "k: \"a\\tb\"\n");
        assert_eq!(doc(&[("k", Yaml::str("it's"))]), "k: it's\n");
        assert_eq!(doc(&[("k", Yaml::str("'q"))]), "k: '''q'\n");
        assert_eq!(doc(&[("k", Yaml::Float(1e-7))]), "k: 1.0e-07\n");
    }
}
