"""Compare a file store with what `mlrs sync` put on a tracking server, through MLflow's client.

Usage: sync_compare.py STORE_DIR SERVER_URL
Prints JSON: {"mismatches": [...], "server_runs": N, "server_versions": N}, server_runs
counting the server's runs made from this store (tag mlrs.sync.source_store). Runs are matched by
the tag mlrs.sync.source_run; ids inside values (parent run, model version run ids and
sources) are compared after mapping. Metric histories are compared as sets of
(timestamp, value, step): a SQL store keeps one row per identical point.
"""

import json
import math
import os
import sys
import tempfile

import mlflow
from mlflow.entities import ViewType
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from mlflow.tracking import MlflowClient

SOURCE = "mlrs.sync.source_run"


def value(v):
    """A SQL store keeps +-inf as +-max float (MLflow's own limitation); NaN != NaN."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return math.copysign(sys.float_info.max, v)
    return v


def points(history, with_step=True, distinct=True):
    """Sorted points; the server's are not made distinct, so a point sent twice shows."""
    found = [(m.timestamp, value(m.value), m.step if with_step else None) for m in history]
    return sorted(set(found) if distinct else found, key=repr)


def has_dataset_lines(store, run, key):
    """MLflow 3 reads step 0 from lines logged with a dataset; sync sends the step written."""
    path = os.path.join(store, run.info.experiment_id, run.info.run_id, "metrics", key)
    with open(path) as f:
        return any(len(line.split()) == 5 for line in f)


def tied_latest(history):
    """The file and SQL stores break ties between points of the same step and time differently."""
    top = max((m.step, m.timestamp) for m in history)
    return sum(1 for m in history if (m.step, m.timestamp) == top) > 1


def artifact_tree(client, run_id, path=None):
    """The run's own artifacts (MLflow's client merges in the files of logged models named like
    a folder of the run; those are compared with the logged models)."""
    repo = get_artifact_repository(client.get_run(run_id).info.artifact_uri)
    return repo_tree(repo, path)


def repo_tree(repo, path):
    out = {}
    for f in repo.list_artifacts(path):
        if f.is_dir:
            out.update(repo_tree(repo, f.path))
        else:
            out[f.path] = f.file_size or 0
    return out


def local_artifacts(store, run):
    """The artifacts inside the store (a copied store still names its old folder)."""
    root = os.path.join(store, run.info.experiment_id, run.info.run_id, "artifacts")
    if not run.info.artifact_uri.startswith("file:"):
        return {}
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root)] = os.path.getsize(full)
    return out


def compare_logged_models(local, server, mapping, bad):
    """MLflow 3 logged models: one server copy of each live one (tag mlrs.sync.source_model),
    with the same name, type, status, source run, params, tags, metrics, artifacts and the
    source run's output link. Returns local model id -> server model id."""
    if not hasattr(local, "search_logged_models"):
        return {}
    out = {}
    for exp in local.search_experiments(view_type=ViewType.ACTIVE_ONLY):
        remote = server.get_experiment_by_name(exp.name)
        if remote is None:
            continue
        copies = {}
        for m in server.search_logged_models(experiment_ids=[remote.experiment_id]):
            copies.setdefault(m.tags.get("mlrs.sync.source_model"), []).append(m)
        for m in local.search_logged_models(experiment_ids=[exp.experiment_id]):
            got = copies.get(m.model_id, [])
            if len(got) != 1:
                bad.append(f"logged model {m.model_id}: {len(got)} copies on the server")
                continue
            g = got[0]
            out[m.model_id] = g.model_id
            # A server stores a model type not given as "" (the REST field's default), as it
            # does for MLflow's own client.
            for field in ("name", "model_type", "status"):
                if (getattr(m, field) or "") != (getattr(g, field) or ""):
                    bad.append(f"logged model {m.model_id} {field}: {getattr(g, field)!r} != {getattr(m, field)!r}")
            if mapping.get(m.source_run_id) != g.source_run_id:
                bad.append(f"logged model {m.model_id} source run {g.source_run_id}")
            if m.params != g.params:
                bad.append(f"logged model {m.model_id} params {g.params} != {m.params}")
            # The server writes mlflow.modelVersions itself, with its version numbers.
            versions = "mlflow.modelVersions"
            tags = {k: v for k, v in g.tags.items() if not k.startswith("mlrs.sync.") and k != versions}
            want_tags = {k: v for k, v in m.tags.items() if k != versions}
            if want_tags != tags:
                bad.append(f"logged model {m.model_id} tags {tags} != {want_tags}")
            def names(t):
                return sorted(v["name"] for v in json.loads(t.get(versions, "[]")))
            if names(m.tags) != names(g.tags):
                bad.append(f"logged model {m.model_id} {versions}: {g.tags.get(versions)} != {m.tags.get(versions)}")
            def metrics(model, runs):
                return sorted((x.key, value(x.value), x.step, x.timestamp, x.dataset_name,
                               x.dataset_digest, runs.get(x.run_id, x.run_id)) for x in model.metrics or [])
            if metrics(m, mapping) != metrics(g, {}):
                bad.append(f"logged model {m.model_id} metrics {metrics(g, {})} != {metrics(m, mapping)}")
            want = sorted(f.path for f in local.list_logged_model_artifacts(m.model_id))
            have = sorted(f.path for f in server.list_logged_model_artifacts(g.model_id))
            if want != have:
                bad.append(f"logged model {m.model_id} artifacts {have} != {want}")
            if m.source_run_id in mapping:
                def outputs(client, run_id):
                    run = client.get_run(run_id)
                    return [(o.model_id, o.step) for o in (run.outputs.model_outputs if run.outputs else [])]
                want_out = [(out.get(i, i), s) for i, s in outputs(local, m.source_run_id)
                            if i == m.model_id]
                have_out = [(i, s) for i, s in outputs(server, mapping[m.source_run_id])
                            if i == g.model_id]
                if want_out != have_out:
                    bad.append(f"logged model {m.model_id} run outputs {have_out} != {want_out}")
    return out


def compare_traces(local, server, mapping, bad):
    """MLflow 3 traces: the server answers get_trace with the same info, tags (its own
    mlflow.artifactLocation aside), metadata (a source run mapped) and spans. Returns how many
    traces were compared."""
    if not hasattr(local, "search_traces"):
        return 0
    n = 0
    for exp in local.search_experiments(view_type=ViewType.ACTIVE_ONLY):
        if server.get_experiment_by_name(exp.name) is None:
            continue
        for t in local.search_traces(experiment_ids=[exp.experiment_id], max_results=1000):
            tid = t.info.trace_id
            try:
                g = server.get_trace(tid)
            except Exception as e:  # noqa: BLE001 - report any failure as a mismatch
                bad.append(f"trace {tid}: {e}")
                continue
            n += 1
            for field in ("state", "request_time", "execution_duration", "request_preview",
                          "response_preview", "client_request_id"):
                if getattr(t.info, field) != getattr(g.info, field):
                    bad.append(f"trace {tid} {field}: {getattr(g.info, field)!r} != {getattr(t.info, field)!r}")
            location = "mlflow.artifactLocation"
            want = {k: v for k, v in t.info.tags.items() if k != location}
            have = {k: v for k, v in g.info.tags.items() if k != location}
            if want != have:
                bad.append(f"trace {tid} tags {have} != {want}")
            meta = dict(t.info.trace_metadata)
            if "mlflow.sourceRun" in meta:
                meta["mlflow.sourceRun"] = mapping.get(meta["mlflow.sourceRun"], "?")
            for k, v in meta.items():
                if g.info.trace_metadata.get(k) != v:
                    bad.append(f"trace {tid} metadata {k}: {g.info.trace_metadata.get(k)!r} != {v!r}")
            def spans(trace):
                return [(s.name, s.span_id, s.parent_id, s.start_time_ns, s.end_time_ns)
                        for s in trace.data.spans]
            if spans(t) != spans(g):
                bad.append(f"trace {tid} spans {spans(g)} != {spans(t)}")
    return n


def main():
    store, url = sys.argv[1], sys.argv[2]
    local = MlflowClient(tracking_uri=f"file://{store}", registry_uri=f"file://{store}")
    server = MlflowClient(tracking_uri=url, registry_uri=url)
    # MLflow's artifact helpers for a run's logged models (runs:/ listings) make their own client
    # from the default URI: it must be the server's, not the file store's of the environment.
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    bad = []
    mapping = {}
    for exp in local.search_experiments(view_type=ViewType.ACTIVE_ONLY):
        remote = server.get_experiment_by_name(exp.name)
        if remote is None:
            bad.append(f"experiment {exp.name!r} missing")
            continue
        for k, v in exp.tags.items():
            if remote.tags.get(k) != v:
                bad.append(f"experiment {exp.name!r} tag {k}: {remote.tags.get(k)!r} != {v!r}")
        found = server.search_runs([remote.experiment_id], run_view_type=ViewType.ALL, max_results=50000)
        by_source = {}
        for r in found:
            by_source.setdefault(r.data.tags.get(SOURCE), []).append(r)
        for run in local.search_runs([exp.experiment_id], run_view_type=ViewType.ACTIVE_ONLY, max_results=50000):
            rid = run.info.run_id
            copies = by_source.get(rid, [])
            if len(copies) != 1:
                bad.append(f"run {rid}: {len(copies)} copies on the server")
                continue
            mapping[rid] = copies[0].info.run_id
    for rid, sid in mapping.items():
        run = local.get_run(rid)
        got = server.get_run(sid)
        for field in ("run_name", "status", "start_time", "end_time", "user_id", "lifecycle_stage"):
            if getattr(run.info, field) != getattr(got.info, field):
                bad.append(f"run {rid} {field}: {getattr(got.info, field)!r} != {getattr(run.info, field)!r}")
        if run.data.params != got.data.params:
            bad.append(f"run {rid} params differ: {got.data.params} != {run.data.params}")
        want_tags = dict(run.data.tags)
        if "mlflow.parentRunId" in want_tags:
            want_tags["mlflow.parentRunId"] = mapping.get(want_tags["mlflow.parentRunId"], "?")
        got_tags = {k: v for k, v in got.data.tags.items() if not k.startswith("mlrs.sync.")}
        for k in sorted(set(want_tags) | set(got_tags)):
            # A server keeps the first 8000 characters of a tag (sync warns about longer ones).
            if want_tags.get(k) != got_tags.get(k) and str(want_tags.get(k))[:8000] != got_tags.get(k):
                have, want = (str(x.get(k))[:80] for x in (got_tags, want_tags))
                bad.append(f"run {rid} tag {k}: {have!r} (len {len(str(got_tags.get(k)))}) != {want!r} (len {len(str(want_tags.get(k)))})")
        if set(run.data.metrics) != set(got.data.metrics):
            bad.append(f"run {rid} metric keys differ: {sorted(got.data.metrics)} != {sorted(run.data.metrics)}")
        for key in run.data.metrics:
            history = local.get_metric_history(rid, key)
            dataset_lines = has_dataset_lines(store, run, key)
            a = points(history, not dataset_lines)
            b = points(server.get_metric_history(sid, key), not dataset_lines, distinct=False)
            if a != b:
                bad.append(f"run {rid} history of {key}: {b} != {a}")
            latest = (value(run.data.metrics[key]), value(got.data.metrics.get(key, 0.0)))
            if not tied_latest(history) and not dataset_lines and latest[0] != latest[1]:
                bad.append(f"run {rid} metric {key}: {latest[1]} != {latest[0]}")
        def inputs(r):
            return sorted(
                (i.dataset.name, i.dataset.digest, i.dataset.source_type, i.dataset.source,
                 i.dataset.schema, i.dataset.profile, tuple(sorted((t.key, t.value) for t in i.tags)))
                for i in r.inputs.dataset_inputs
            )
        if inputs(run) != inputs(got):
            bad.append(f"run {rid} inputs differ: {inputs(got)} != {inputs(run)}")
        a, b = local_artifacts(store, run), artifact_tree(server, sid)
        if a != b:
            bad.append(f"run {rid} artifacts differ: {b} != {a}")
        elif a:
            # One file downloaded through the server's artifact proxy has the local bytes.
            path = sorted(a)[0]
            with tempfile.TemporaryDirectory() as dst:
                repo = get_artifact_repository(server.get_run(sid).info.artifact_uri)
                got_file = repo.download_artifacts(path, dst)
                with open(got_file, "rb") as f:
                    got_bytes = f.read()
            root = os.path.join(store, run.info.experiment_id, rid, "artifacts")
            with open(os.path.join(root, path), "rb") as f:
                if f.read() != got_bytes:
                    bad.append(f"run {rid} artifact {path}: downloaded bytes differ")
    logged = compare_logged_models(local, server, mapping, bad)
    traces = compare_traces(local, server, mapping, bad)
    versions = 0
    for model in local.search_registered_models(max_results=1000):
        try:
            got = server.get_registered_model(model.name)
        except Exception as e:  # noqa: BLE001 - report any failure as a mismatch
            bad.append(f"model {model.name}: {e}")
            continue
        if dict(model.tags) != dict(got.tags) or (model.description or "") != (got.description or ""):
            bad.append(f"model {model.name}: tags/description {got.tags} {got.description!r}")
        remote_versions = {
            v.tags.get("mlrs.sync.source_version"): v
            for v in server.search_model_versions(f"name = '{model.name}'", max_results=10000)
        }
        versions += len(remote_versions)
        numbers = {}
        for v in local.search_model_versions(f"name = '{model.name}'", max_results=10000):
            identity = f"{v.run_id}/{model.name}/{v.version}"
            r = remote_versions.get(identity)
            if r is None:
                bad.append(f"model version {model.name}/{v.version} missing")
                continue
            numbers[v.version] = r.version
            if mapping.get(v.run_id) != r.run_id:
                bad.append(f"model version {model.name}/{v.version} run {r.run_id}")
            if (v.source or "").startswith("models:/"):
                # An MLflow 3 logged model: the server's copy of it, by id.
                # (MLflow 3.17's REST API leaves a version's model_id out of its answers.)
                want = logged.get(v.source[len("models:/"):])
                if want is None or r.source != f"models:/{want}":
                    bad.append(f"model version {model.name}/{v.version} source {r.source}, "
                               f"want the copy {want} of {v.source}")
            else:
                run_uri = server.get_run(r.run_id).info.artifact_uri
                if not r.source.startswith(run_uri):
                    bad.append(f"model version {model.name}/{v.version} source {r.source} outside {run_uri}")
            if v.current_stage != r.current_stage:
                bad.append(f"model version {model.name}/{v.version} stage {r.current_stage}")
            tags = {k: x for k, x in r.tags.items() if not k.startswith("mlrs.sync.")}
            if dict(v.tags) != tags or (v.description or "") != (r.description or ""):
                bad.append(f"model version {model.name}/{v.version} tags/description {tags}")
        for alias, number in model.aliases.items():
            if number in numbers and got.aliases.get(alias) != numbers[number]:
                bad.append(f"model {model.name} alias {alias}: {got.aliases.get(alias)} != {numbers[number]}")
    # Only this store's runs: other tests may sync other stores into the same server meanwhile.
    with open(os.path.join(store, ".mlrs-sync.trash", "store-id")) as f:
        store_id = f.read().strip()
    total = len(server.search_runs(
        [e.experiment_id for e in server.search_experiments(view_type=ViewType.ALL)],
        filter_string=f"tags.`mlrs.sync.source_store` = '{store_id}'",
        run_view_type=ViewType.ALL, max_results=50000))
    print(json.dumps({"mismatches": bad, "server_runs": total, "server_versions": versions,
                      "traces": traces}))


if __name__ == "__main__":
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    main()
