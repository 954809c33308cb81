"""Leave experiment deletes and restores cut short the way real MLflow leaves them: its own
FileStore.delete_experiment / restore_experiment, stopped by an exception at one step.

    python cut_short.py STORE DELETING RESTORING_AMONG_RUNS RESTORING_AFTER_MOVE

DELETING: deleted, stopped before the move into .trash/ (runs and meta.yaml marked deleted).
RESTORING_AMONG_RUNS: deleted, then restored and stopped after its first run was marked active.
RESTORING_AFTER_MOVE: deleted, then restored and stopped right after its move out of .trash/.
"""
import sys
import time

import mlflow.store.tracking.file_store as file_store
from mlflow.store.tracking.file_store import FileStore


class Cut(Exception):
    pass


def cut(name, after_calls, action):
    """Run `action` with FileStore.`name` (or file_store.`name`) raising after `after_calls` calls."""
    owner = FileStore if hasattr(FileStore, name) else file_store
    original = getattr(owner, name)
    calls = []

    def stopping(*args, **kwargs):
        if len(calls) >= after_calls:
            raise Cut(name)
        calls.append(1)
        return original(*args, **kwargs)

    setattr(owner, name, stopping)
    try:
        action()
    except Cut:
        pass
    else:
        raise SystemExit(f"{name} was never reached")
    finally:
        setattr(owner, name, original)


root, deleting, among, after_move = sys.argv[1:5]
store = FileStore(root)
for exp in (among, after_move):
    store.delete_experiment(exp)
    time.sleep(0.05)
cut("_overwrite_run_info", 1, lambda: store.restore_experiment(among))
cut("_list_run_infos", 0, lambda: store.restore_experiment(after_move))
# The delete starts more than a second after anything left .trash/.
time.sleep(1.2)
cut("mv", 0, lambda: store.delete_experiment(deleting))
print("ok")
