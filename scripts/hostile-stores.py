#!/usr/bin/env python3
"""Build a corpus of hostile MLflow file stores: one small healthy store per case, then one
thing made hostile in it (deep YAML, invalid UTF-8, huge lines, odd file types, ...).

    scripts/hostile-stores.py OUT_DIR

Writes OUT_DIR/<case>/ (a store root) for every case and prints the case names, one a line.
Only the standard library is used; tests/testsuite/hostile.rs runs mlrs over each store and
asserts it neither panics nor hangs.
"""
import os
import shutil
import sys

EXP = "123456789"
RUNS = ["a" * 32, "b" * 32]
HELLO = b"hello\n"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def base(root):
    """Default experiment, one experiment with two runs, one registered model with a version."""
    for exp_id, name in [("0", "Default"), (EXP, "hostile")]:
        write(
            f"{root}/{exp_id}/meta.yaml",
            f"artifact_location: file://{root}/{exp_id}\ncreation_time: 1700000000000\n"
            f"experiment_id: '{exp_id}'\nlast_update_time: 1700000000000\n"
            f"lifecycle_stage: active\nname: {name}\n",
        )
    for i, run in enumerate(RUNS):
        d = f"{root}/{EXP}/{run}"
        write(
            f"{d}/meta.yaml",
            f"artifact_uri: file://{d}/artifacts\nend_time: null\nentry_point_name: ''\n"
            f"experiment_id: '{EXP}'\nlifecycle_stage: active\nrun_id: {run}\nrun_name: r{i}\n"
            f"source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 170000000000{i}\n"
            f"status: 1\ntags: []\nuser_id: u\n",
        )
        write(f"{d}/params/p", "v")
        write(f"{d}/tags/t", "v")
        write(f"{d}/tags/mlflow.runName", f"r{i}")
        write(f"{d}/metrics/m", f"1700000000000 0.5 0\n1700000000001 0.25 1\n")
        os.makedirs(f"{d}/artifacts", exist_ok=True)
    m = f"{root}/models/model"
    write(
        f"{m}/meta.yaml",
        "creation_timestamp: 1700000000000\ndescription: null\n"
        "last_updated_timestamp: 1700000000000\nname: model\n",
    )
    write(
        f"{m}/version-1/meta.yaml",
        "creation_timestamp: 1700000000000\ncurrent_stage: None\ndescription: null\n"
        "last_updated_timestamp: 1700000000000\nname: model\n"
        f"run_id: {RUNS[0]}\nsource: file://{root}/{EXP}/{RUNS[0]}/artifacts/model\n"
        "status: READY\nstatus_message: null\nuser_id: null\nversion: 1\n",
    )


def run_dir(root, i=0):
    return f"{root}/{EXP}/{RUNS[i]}"


def deep_flow(key, depth):
    return f"{key}: {'[' * depth}{']' * depth}\n"


def append(path, text):
    with open(path, "ab") as f:
        f.write(text if isinstance(text, bytes) else text.encode())


def deep_block(depth):
    lines = ["tags:"] + ["  " * (i + 1) + f"k{i}:" for i in range(depth)]
    return "\n".join(lines) + " x\n"


CASES = {
    # YAML nested deep: libyaml's time grows with the square of the depth.
    "deep-flow-experiment": lambda r: append(f"{r}/{EXP}/meta.yaml", deep_flow("x", 30000)),
    "deep-flow-run": lambda r: append(f"{run_dir(r)}/meta.yaml", deep_flow("x", 30000)),
    "deep-flow-model": lambda r: append(f"{r}/models/model/meta.yaml", deep_flow("x", 30000)),
    "deep-flow-version": lambda r: append(
        f"{r}/models/model/version-1/meta.yaml", deep_flow("x", 30000)
    ),
    "deep-mapping-flow": lambda r: append(f"{r}/{EXP}/meta.yaml", "x: " + "{a: " * 20000 + "}" * 20000 + "\n"),
    "deep-block-run": lambda r: append(f"{run_dir(r)}/meta.yaml", deep_block(1500)),
    "alias-bomb": lambda r: append(
        f"{run_dir(r)}/meta.yaml",
        "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)),
    ),
    "unclosed-quote": lambda r: append(f"{r}/{EXP}/meta.yaml", "x: '" + "y" * 1000000 + "\n"),
    "binary-meta": lambda r: write(f"{run_dir(r)}/meta.yaml", bytes(range(256)) * 64),
    "nul-in-meta": lambda r: append(f"{r}/{EXP}/meta.yaml", b"x: a\x00b\n"),
    "empty-meta": lambda r: write(f"{run_dir(r)}/meta.yaml", b""),
    "huge-yaml-value": lambda r: write(
        f"{run_dir(r)}/meta.yaml",
        open(f"{run_dir(r)}/meta.yaml").read().replace("status: 1", "status: " + "x" * 2000000),
    ),
    # Invalid UTF-8 in names and contents.
    "invalid-utf8-experiment-name": lambda r: write(
        f"{r}/{EXP}/meta.yaml",
        open(f"{r}/{EXP}/meta.yaml", "rb").read().replace(b"name: hostile", b"name: a\xff\xfeb"),
    ),
    "invalid-utf8-tag-value": lambda r: write(f"{run_dir(r)}/tags/t", b"\xff\xfe\xfd"),
    "invalid-utf8-param-name": lambda r: write(os.fsencode(f"{run_dir(r)}/params/") + b"p\xff", b"v"),
    "invalid-utf8-metric-name": lambda r: write(
        os.fsencode(f"{run_dir(r)}/metrics/") + b"m\xff", b"1 1 1\n"
    ),
    "invalid-utf8-run-folder": lambda r: os.rename(
        run_dir(r, 1), os.fsencode(f"{r}/{EXP}/") + b"\xff" * 32
    ),
    "invalid-utf8-metric-line": lambda r: write(f"{run_dir(r)}/metrics/m", b"1 \xff 0\n"),
    "invalid-utf8-model-folder": lambda r: os.rename(
        f"{r}/models/model", os.fsencode(f"{r}/models/") + b"m\xff"
    ),
    # Huge and odd metric lines.
    "huge-metric-line": lambda r: write(f"{run_dir(r)}/metrics/m", b"1 " + b"9" * 5000000 + b" 0\n"),
    "huge-metric-no-newline": lambda r: write(f"{run_dir(r)}/metrics/m", b"x" * 5000000),
    "many-fields-metric": lambda r: write(f"{run_dir(r)}/metrics/m", b"1 " * 1000000 + b"\n"),
    "huge-numbers-metric": lambda r: write(
        f"{run_dir(r)}/metrics/m",
        b"1 1e999999 0\n99999999999999999999999999 nan 99999999999999999999\n-1 -inf -1\n",
    ),
    "empty-metric": lambda r: write(f"{run_dir(r)}/metrics/m", b""),
    "huge-param": lambda r: write(f"{run_dir(r)}/params/p", b"p" * 5000000),
    "huge-tag-line": lambda r: write(f"{run_dir(r)}/tags/t", b"t" * 5000000),
    # Odd file types and names.
    "meta-is-directory": lambda r: (os.remove(f"{run_dir(r)}/meta.yaml"), os.mkdir(f"{run_dir(r)}/meta.yaml")),
    "meta-symlink-loop": lambda r: (
        os.remove(f"{run_dir(r)}/meta.yaml"),
        os.symlink("meta.yaml", f"{run_dir(r)}/meta.yaml"),
    ),
    "metrics-is-file": lambda r: (shutil.rmtree(f"{run_dir(r)}/metrics"), write(f"{run_dir(r)}/metrics", HELLO)),
    "params-symlink-loop": lambda r: (
        shutil.rmtree(f"{run_dir(r)}/params"),
        os.symlink("params", f"{run_dir(r)}/params"),
    ),
    "long-key-name": lambda r: write(f"{run_dir(r)}/params/" + "k" * 255, b"v"),
    "deep-key-folders": lambda r: write(f"{run_dir(r)}/params/" + "/".join(["d"] * 200) + "/k", b"v"),
    "version-huge-number": lambda r: shutil.copytree(
        f"{r}/models/model/version-1", f"{r}/models/model/version-99999999999999999999999"
    ),
    "stray-root-meta": lambda r: write(f"{r}/meta.yaml", HELLO),
    "trash-garbage": lambda r: write(f"{r}/.trash/{'9' * 40}/meta.yaml", bytes(range(256))),
}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[1])
    for name, make in CASES.items():
        root = os.path.join(out, name)
        shutil.rmtree(root, ignore_errors=True)
        base(root)
        make(root)
        print(name)


if __name__ == "__main__":
    main()
