"""Habits users bring from other command-line tools (issue 13), through the real CLI on real files."""

import importlib.metadata
import json
import os
import subprocess
import sys

import pytest
from conftest import run_ilacs as ilacs


def without_db(**extra):
    """The environment with no ILACS_DB, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if key != "ILACS_DB"}
    return {**env, **extra}


def run(*args, env):
    return subprocess.run([sys.executable, "-m", "ilacs_cli", *args], capture_output=True, text=True, env=env)


# -- --version and -h -------------------------------------------------------------------------------------------------

def test_version_is_the_installed_distributions():
    out = ilacs("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"ilacs {importlib.metadata.version('ilacs')}\n"


@pytest.mark.parametrize("command", [[], ["list"], ["owner"], ["owner", "add"], ["remind"]])
def test_h_is_help_everywhere(command):
    short, long = ilacs(*command, "-h"), ilacs(*command, "--help")
    assert short.returncode == long.returncode == 0, short.stderr
    assert short.stdout == long.stdout and "Usage: ilacs" in short.stdout


# -- --db before or after the command ---------------------------------------------------------------------------------

def test_db_before_the_command_reads_that_file(db, tmp_path):
    env = without_db(ILACS_DB=str(tmp_path / "elsewhere.db"))  # ILACS_DB names a file that does not exist
    before = run("--db", str(db), "list", "--json", env=env)
    assert before.returncode == 0, before.stderr
    assert {row["id"] for row in json.loads(before.stdout)} >= {"east-sussex-2023", "telford-wrekin-2024"}
    assert not (tmp_path / "elsewhere.db").exists()


def test_db_after_the_command_wins_over_before_which_wins_over_ilacs_db(tmp_path):
    env = without_db(ILACS_DB=str(tmp_path / "env.db"))
    assert run("where", env=env).stdout == f"{tmp_path / 'env.db'}\n"
    assert run("--db", str(tmp_path / "before.db"), "where", env=env).stdout == f"{tmp_path / 'before.db'}\n"
    assert run("--db", str(tmp_path / "before.db"), "where", "--db", str(tmp_path / "after.db"),
               env=env).stdout == f"{tmp_path / 'after.db'}\n"


def test_db_after_the_command_is_the_one_opened(db, tmp_path):
    out = run("--db", str(tmp_path / "missing.db"), "list", "--db", str(db), "--json", env=without_db())
    assert out.returncode == 0, out.stderr
    missing = run("--db", str(tmp_path / "missing.db"), "list", env=without_db())
    assert missing.returncode == 1 and f"ilacs seed --db {tmp_path / 'missing.db'}" in missing.stderr


def test_seed_with_db_before_the_command_writes_there(tmp_path):
    target = tmp_path / "new.db"
    out = run("--db", str(target), "seed", env=without_db())
    assert out.returncode == 0, out.stderr
    assert target.exists() and str(target) in out.stderr
