//! How deeply a YAML text nests flow collections (`[`, `{`), found by a scan ahead of the
//! parser. libyaml's scanner (behind yaml_serde, as behind PyYAML) rechecks its whole stack of
//! possible keys at every token, so its time grows with the square of the nesting: 30,000
//! brackets take seconds, and every command reading that store would stall. The scan follows
//! libyaml's token rules closely enough never to count brackets inside quoted or plain scalars
//! of what MLflow writes; it reads only, and decides nothing but the depth.

/// The first byte offset at which `text` nests flow collections deeper than `max`.
pub(super) fn too_deep(text: &str, max: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    // At a place where a new token starts (not inside a plain scalar).
    let mut token_start = true;
    // Column of the first node on the current line: block scalar lines are indented deeper.
    let mut line_start = 0usize;
    let mut node_col: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let blank_next = next.is_none_or(|n| matches!(n, b' ' | b'\t' | b'\n' | b'\r'));
        if c == b'\n' {
            line_start = i + 1;
            node_col = None;
            // A plain scalar in a flow collection continues on the next line.
            token_start = token_start || depth == 0;
            i += 1;
            continue;
        }
        if !token_start {
            let ends_plain = match c {
                b':' => {
                    blank_next
                        || (depth > 0 && matches!(next, Some(b',' | b'[' | b']' | b'{' | b'}')))
                }
                b'#' => i > 0 && matches!(b[i - 1], b' ' | b'\t'),
                b',' | b'[' | b']' | b'{' | b'}' => depth > 0,
                _ => false,
            };
            if !ends_plain {
                i += 1;
                continue;
            }
            token_start = true;
        }
        match c {
            b' ' | b'\t' | b'\r' | b',' => i += 1,
            b'#' => i = line_end(b, i),
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'-' | b'?' | b':' if blank_next => i += 1,
            b'\'' => i = quoted_end(b, i, b'\''),
            b'"' => i = quoted_end(b, i, b'"'),
            // Anchors, aliases, tags and directives run to the next blank.
            b'&' | b'*' | b'!' | b'%' => {
                while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n') {
                    i += 1;
                }
            }
            b'|' | b'>' if depth == 0 => {
                let col = node_col.unwrap_or(i - line_start);
                i = block_scalar_end(b, line_end(b, i), col);
            }
            _ => {
                node_col.get_or_insert(i - line_start);
                token_start = false;
                i += 1;
            }
        }
    }
    None
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

/// After a quoted scalar starting at `i`: `''` is a quote inside single quotes, `\` escapes
/// inside double quotes.
fn quoted_end(b: &[u8], mut i: usize, quote: u8) -> usize {
    i += 1;
    while i < b.len() {
        if quote == b'"' && b[i] == b'\\' {
            i += 2;
        } else if b[i] == quote {
            if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// After the lines of a block scalar whose node sits at column `col`: blank lines and lines
/// indented deeper belong to it.
fn block_scalar_end(b: &[u8], mut i: usize, col: usize) -> usize {
    while i < b.len() {
        let start = i + 1;
        let indent = b[start..].iter().take_while(|&&c| c == b' ').count();
        let rest = b.get(start + indent).copied();
        if indent <= col && !matches!(rest, None | Some(b'\n')) {
            return i;
        }
        i = line_end(b, start);
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::too_deep;

    #[test]
    fn counts_flow_brackets_only() {
        assert_eq!(too_deep("a: [[[]]]\n", 3), None);
        assert_eq!(too_deep("a: [[[[]]]]\n", 3), Some(6));
        assert_eq!(too_deep("a: {b: [{c: [d]}]}\n", 3), Some(12));
        let deep = format!("a: {}", "[".repeat(10));
        assert_eq!(too_deep(&deep, 3), Some(6));
    }

    #[test]
    fn brackets_inside_scalars_do_not_count() {
        for text in [
            "name: a[[[[[[\n",
            "name: '[[[[[['\n",
            "name: \"[[[[\\\"[[\"\n",
            "name: 'it''s [[[[[['\n",
            "name: a # [[[[[[[\n",
            "d: |\n  [[[[[[\n  [[[[\nn: x\n",
            "- k: >\n    [[[[[[\n",
            "a: &x b [[[[[[\n",
            "a: [b [c, 'd[[[[[[', \"[[[[[[\"]\n",
            "a: ['x\n  [[[[[[']\n",
        ] {
            assert_eq!(too_deep(text, 3), None, "{text:?}");
        }
    }

    #[test]
    fn hiding_places_do_not_hide_brackets() {
        for text in [
            "a: &x [[[[[[\n",
            "a: !!seq [[[[[[\n",
            "- k: |\n    x\n  j: [[[[[[\n",
            "a: [b,\n'c', [[[[[[\n",
            "k: v\n---\n[[[[[[\n",
        ] {
            assert!(too_deep(text, 3).is_some(), "{text:?}");
        }
    }
}
