import os
import subprocess
import sys

import pytest


def run_ilacs(*args, db=None, env=None):
    """Run the real CLI in a subprocess against a real SQLite file."""
    full_env = {**os.environ, **(env or {})}
    if db is not None:
        full_env["ILACS_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "ilacs_cli", *args], capture_output=True, text=True, env=full_env)


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "plan.db"
    result = run_ilacs("seed", db=path)
    assert result.returncode == 0, result.stderr
    return path
