//! PyYAML's implicit resolvers (YAML 1.1): the plain scalars that would read back as something
//! other than a string. Such strings must be quoted when written.

use std::sync::LazyLock;

use regex::Regex;

static RESOLVERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // bool
        r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        // float
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        // int
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        // merge
        r"^(?:<<)$",
        // null
        r"^(?:~|null|Null|NULL|)$",
        // timestamp
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
        // value
        r"^(?:=)$",
        // yaml (documentation-only in PyYAML, but registered)
        r"^(?:!|&|\*)$",
    ]
    .iter()
    .map(|re| Regex::new(re).expect("static regex"))
    .collect()
});

/// True when PyYAML would resolve `s`, written plain, to a non-string type.
pub fn resolves_to_non_string(s: &str) -> bool {
    // Python's `$` also matches just before one trailing newline.
    let candidates = std::iter::once(s).chain(s.strip_suffix('\n'));
    candidates
        .into_iter()
        .any(|c| RESOLVERS.iter().any(|re| re.is_match(c)))
}

#[cfg(test)]
mod tests {
    use super::resolves_to_non_string as r;

    #[test]
    fn yaml_11_scalars() {
        for s in [
            "yes",
            "No",
            "on",
            "0",
            "-12",
            "0o17x",
            "1.5",
            ".inf",
            "-.Inf",
            ".nan",
            "1_000",
            "0x1F",
            "2021-01-01",
            "",
            "~",
            "null",
            "<<",
            "=",
            "1:30",
        ] {
            if s == "0o17x" {
                assert!(!r(s));
            } else {
                assert!(r(s), "{s:?} should resolve to a non-string");
            }
        }
        for s in [
            "1e3",
            "0o17",
            "abc",
            "None",
            "y",
            "n",
            "nan",
            "inf",
            "1.2.3",
            "2021-1-1",
            "yes please",
        ] {
            assert!(!r(s), "{s:?} should stay a string");
        }
    }
}
