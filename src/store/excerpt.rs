//! Short excerpts of file content for error messages. A broken file can hold one line of a
//! gigabyte; a message quotes its start and end, never all of it.

/// How many characters of bad content a message quotes at most.
const MAX_CHARS: usize = 120;

/// `text` itself when short, else its start and end around `…`.
pub(crate) fn excerpt(text: &str) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_CHARS * 2 / 3).collect();
    let tail: Vec<char> = text.chars().rev().take(MAX_CHARS / 3 - 1).collect();
    let tail: String = tail.into_iter().rev().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_keeps_its_ends() {
        assert_eq!(excerpt("short"), "short");
        let long = format!("start{}end", "é".repeat(1_000_000));
        let e = excerpt(&long);
        assert!(e.starts_with("startéé") && e.ends_with("éééend") && e.contains('…'));
        assert_eq!(e.chars().count(), MAX_CHARS);
    }
}
