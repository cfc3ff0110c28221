"""Starting worker processes (tests/helpers/workers.py, run as a script) and waiting for them, for the concurrency
tests on either backend."""

import json
import subprocess
import sys
import time
from pathlib import Path

from helpers.paths import HELPERS

WORKERS = HELPERS / "workers.py"  # run as a script


def start(role, spec, tmp, env):
    """A worker of `role` (writer, reader, commands) given `spec`, started; its Popen."""
    spec_path = tmp / f"{Path(spec['out']).stem}.spec.json"
    spec_path.write_text(json.dumps(spec))
    return subprocess.Popen(
        [sys.executable, str(WORKERS), role, str(spec_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(processes, timeout):
    """Wait for processes started here; any still running at the deadline is killed (by its own handle). Returns
    name -> (exit status, stderr)."""
    deadline = time.monotonic() + timeout
    outcome = {}
    for name, process in processes.items():
        try:
            _, err = process.communicate(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        outcome[name] = (process.returncode, err)
    return outcome
