//! The YAML mlrs writes is byte-identical to what PyYAML (CSafeDumper, MLflow's options) writes
//! for the same values, over a corpus of awkward strings and a few thousand random ones, and
//! mlrs reads back what PyYAML wrote as the values it was given.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use std::path::Path;

use serde_json::{Value, json};

use super::flat::Flat;
use super::{Yaml, to_string};
use crate::store::yaml;

#[path = "../../../tests/support/venvs.rs"]
mod venvs;
use venvs::{VERSIONS, python};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> Vec<String> {
    let mut v: Vec<String> = [
        "yes",
        "no",
        "on",
        "off",
        "Yes",
        "NO",
        "y",
        "n",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "None",
        "0",
        "'0'",
        "007",
        "0o17",
        "0x1F",
        "1_000",
        "1e3",
        "1.0",
        ".5",
        "1.5e+3",
        "-1",
        "+1",
        ".inf",
        "-.inf",
        ".nan",
        "nan",
        "inf",
        "12:30",
        "1:30:00",
        "2021-01-01",
        "2021-1-1",
        "2021-01-01 10:00:00",
        "2021-01-01T10:00:00Z",
        "=",
        "<<",
        "",
        " ",
        "a: b",
        "a:b",
        "a :b",
        " leading",
        "trailing ",
        "  both  ",
        "#x",
        "x #y",
        "x#y",
        "-",
        "- x",
        "-x",
        "--- x",
        "...",
        "? x",
        "?x",
        ": x",
        ":x",
        "[a]",
        "{a}",
        "a,b",
        "a[0]",
        "*a",
        "&a",
        "!a",
        "|",
        ">",
        "%x",
        "@x",
        "`x",
        "\"q\"",
        "'q'",
        "it's",
        "it''s",
        "line1\nline2",
        "line1\n\nline2",
        "x\n",
        "\n",
        "\nx",
        "\n\nx",
        "x\n\n",
        " \nx",
        "x\n y",
        "x \ny",
        "tab\there",
        "\t",
        "cr\rhere",
        "bell\u{7}",
        "esc\u{1b}",
        "nul\u{0}",
        "del\u{7f}",
        "nel\u{85}x",
        "nbsp\u{a0}x",
        "ls\u{2028}x",
        "ps\u{2029}x",
        // YAML 1.1's other line breaks, where they fold, end, start and meet spaces.
        "\u{2028}",
        "\u{2029}",
        "\u{85}",
        "x\u{2028}",
        "\u{2028}x",
        "a\u{2028} b",
        "a \u{2028}b",
        "a\u{2028}\u{2028}b",
        "a\u{2029}\nb",
        "a\n\u{2029}b",
        "a\u{85}\u{2028}\u{2029}b",
        "a\r\nb",
        "\r",
        "x\u{feff}",
        "\u{fffe}x",
        "\u{1f}x",
        "\u{9f}x",
        "\u{feff}bom",
        "café ☕ – ñ",
        "🚀 rocket",
        "日本語のテキスト",
        "s3://bucket/path with space",
        "file:///tmp/x",
        "{\"json\": [1, 2]}",
        "back\\slash",
        "a\\nb",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let words = "the quick brown fox jumps over the lazy dog while a model trains overnight";
    for n in [70, 79, 80, 81, 100, 150, 300] {
        let long: String = words.chars().cycle().take(n).collect();
        v.push(long.replace(' ', "\u{2028}"));
        v.push(format!("{long}\u{2029}{long}"));
        v.push(long.clone());
        v.push(format!(" {long}"));
        v.push(format!("{long}\ttab"));
        v.push(format!("{long}\n{long}"));
        v.push(long.replace(' ', "  "));
        v.push(long.replace(' ', ""));
        v.push(format!("'{long}'"));
        v.push(format!("{long}: x"));
    }
    // Random strings from an alphabet of characters that matter to YAML.
    let alphabet: Vec<char> =
        "ab01 :#-?'\"\t\n[]{},&*!|>%@`.~=<\\é☕🚀\u{85}\u{a0}\u{2028}\u{2029}\u{feff}\r"
            .chars()
            .collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 120) as usize;
        let mut s = String::new();
        let mut x = seed;
        for _ in 0..len {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push(alphabet[((x >> 33) % alphabet.len() as u64) as usize]);
        }
        v.push(s);
    }
    v
}

fn to_yaml(v: &Value) -> Yaml {
    match v {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map(Yaml::Int)
            .unwrap_or_else(|| Yaml::Float(n.as_f64().unwrap())),
        Value::String(s) => Yaml::Str(s.clone()),
        Value::Array(a) => Yaml::Seq(a.iter().map(to_yaml).collect()),
        Value::Object(o) => Yaml::Map(
            o.iter()
                .map(|(k, v)| (k.clone(), to_yaml(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn documents() -> Vec<Value> {
    let mut docs = vec![json!({
        "artifact_uri": "file:///tmp/mlruns/1/abc/artifacts", "end_time": null, "entry_point_name": "",
        "experiment_id": "721647452905390733", "lifecycle_stage": "active", "run_id": "abc", "run_name": "x",
        "source_type": 4, "start_time": 1795239971000_i64, "status": 3, "tags": [], "user_id": "alice",
        "aliases": {"champion": "2"}, "empty": {}, "float": 1.5, "tiny": 1e-7,
    })];
    for s in corpus() {
        docs.push(json!({ "name": s, "tags": { "k": s }, "list": [s] }));
        // Keys too (tags maps), including non-simple ones (> 128 bytes or multi-line).
        docs.push(json!({ "tags": { s.clone(): "v" } }));
    }
    docs
}

/// The string-valued shape of the corpus documents, as MLflow's meta.yaml fields are read.
#[derive(Debug, Default, PartialEq, serde::Deserialize)]
struct StringDoc {
    name: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    list: Vec<String>,
}

/// What mlrs's readers (the full parser, and the fast one for flat documents) make of what
/// PyYAML wrote for `doc`, when that is not `doc`.
fn reads_back(doc: &Value, text: &str) -> Option<String> {
    let want: StringDoc = serde_json::from_value(doc.clone()).ok()?;
    let full: Result<StringDoc, _> = yaml::parse(Path::new("meta.yaml"), text);
    if full.as_ref().ok() != Some(&want) {
        return Some(format!("{full:?}"));
    }
    let fast = yaml::flat::parse(text)?
        .into_iter()
        .find(|(key, _)| *key == "name")?;
    let fast = match fast.1 {
        Flat::Plain(p) => p.to_owned(),
        Flat::Quoted(q) => q,
        Flat::Null | Flat::Empty => return None,
    };
    (want.name.as_deref() != Some(fast.as_str())).then(|| format!("fast reader: {fast:?}"))
}

#[test]
fn emitter_matches_pyyaml_byte_for_byte() {
    let docs = documents();
    for version in VERSIONS {
        let Some(py) = python(version) else { return };
        let mut child = Command::new(py)
            .arg(repo().join("tests/py/yaml_dump.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(serde_json::to_string(&docs).unwrap().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            answer["libyaml"], true,
            "MLflow writes with libyaml's CSafeDumper; so must the oracle"
        );
        let dumps = answer["dumps"].as_array().unwrap();
        let mut failures = Vec::new();
        for (doc, want) in docs.iter().zip(dumps) {
            let want = want.as_str().unwrap();
            if let Some(problem) = reads_back(doc, want) {
                failures.push(format!(
                    "input {doc}\n  pyyaml: {want:?}\n  mlrs reads: {problem}"
                ));
            }
            let got = to_string(&to_yaml(doc));
            if got != want {
                failures.push(format!(
                    "input {doc}\n  pyyaml: {want}\n  mlrs:   {:?}",
                    got
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} documents differ (PyYAML from MLflow {version}):\n{}",
            failures.len(),
            docs.len(),
            failures
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
