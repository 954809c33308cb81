"""Run the real `mlflow gc` command (in-process, so MLflow starts once) for each case given, in
order, and print what it said.

    python mlflow_gc.py ROOT ARG... [--- ROOT ARG...]...

Prints JSON: one {"ok": bool, "output": text} per case. MLflow 3.x needs a tracking URI even
for a file store (docs/format/gc.md): it is set to each case's root.
"""
import contextlib
import io
import json
import os
import sys

from mlflow.cli import cli

cases, current = [], []
for arg in sys.argv[1:] + ["---"]:
    if arg == "---":
        cases.append(current)
        current = []
    else:
        current.append(arg)

results = []
for root, *args in cases:
    uri = "file://" + root
    os.environ["MLFLOW_TRACKING_URI"] = uri
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            cli.main(["gc", "--backend-store-uri", uri, *args], standalone_mode=False)
            ok = True
        except Exception as e:  # noqa: BLE001 - reported to the test
            print(f"{type(e).__name__}: {e}")
            ok = False
    results.append({"ok": ok, "output": out.getvalue()})
json.dump(results, sys.stdout)
