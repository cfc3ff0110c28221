"""Connecting to PostgreSQL (issue 31, storage/postgres.py): a working URL connects; a refused port, an unknown
database and an unknown user are one line naming the host and the cause, exit 1."""

import subprocess
import sys

import pytest
from helpers.postgres import free_port

from ilacs_cli.errors import IlacsError
from ilacs_cli.storage import postgres


def test_a_url_is_told_from_a_file_path():
    assert postgres.is_url("postgresql://ilacs@db.council.example:5432/plans")
    assert postgres.is_url("postgres://localhost/plans")
    assert not postgres.is_url("C:/Users/officer/plan.db")
    assert not postgres.is_url("postgresql.db")


def test_a_working_url_connects(postgres_url):
    connection = postgres.connect(postgres_url)
    try:
        assert connection.execute("select 1 + 1").fetchone() == (2,)
    finally:
        connection.close()


def test_an_ilacs_session_runs_without_jit_compilation_and_reads_its_schema(postgres_url):
    """The national plan's biggest queries pass PostgreSQL's jit_above_cost, and compiling them costs more than it
    saves at that size (bench/README.md): each ilacs session turns JIT off, in the query that reads its schema."""
    raw = postgres.connect(postgres_url)
    try:
        assert raw.execute("SHOW jit").fetchone() == ("on",)  # the server's default, before ilacs's session starts
        connection = postgres.Connection(raw, postgres.Location(postgres_url))
        assert connection.schema == "public"
        assert raw.execute("SHOW jit").fetchone() == ("off",)
    finally:
        raw.close()


def refusal(url):
    with pytest.raises(IlacsError) as refused:
        postgres.connect(url)
    assert "\n" not in str(refused.value)
    assert refused.value.exit_code == 1
    return str(refused.value)


def test_a_refused_port_names_the_host_and_the_cause():
    port = free_port()  # nothing listens there
    message = refusal(f"postgresql://ilacs@127.0.0.1:{port}/plans")
    assert message == (
        f"cannot connect to PostgreSQL at 127.0.0.1:{port}/plans: "
        "connection refused (is the server running and listening on that port?)"
    )


def test_an_unknown_database_names_it(postgres_cluster):
    message = refusal(postgres_cluster.url("no_such_plans"))
    assert message == (
        f"cannot connect to PostgreSQL at 127.0.0.1:{postgres_cluster.port}/no_such_plans: "
        "no such database (create it with createdb, then run ilacs init --db with this URL)"
    )


def test_an_unknown_user_is_named_as_such(postgres_cluster):
    message = refusal(f"postgresql://nobody_here@127.0.0.1:{postgres_cluster.port}/postgres")
    assert message == (
        f"cannot connect to PostgreSQL at 127.0.0.1:{postgres_cluster.port}/postgres: no such user on that server"
    )


def test_without_the_driver_one_line_says_how_to_install_it(tmp_path):
    # a Python in which psycopg cannot be imported (sys.modules[name] = None makes `import name` fail)
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from ilacs_cli.errors import IlacsError\n"
        "from ilacs_cli.storage import postgres\n"
        "try:\n"
        "    postgres.connect('postgresql://ilacs@127.0.0.1:1/plans')\n"
        "except IlacsError as error:\n"
        "    print(error, error.exit_code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.stdout == 'PostgreSQL needs the driver: pip install "ilacs[postgres]" 1\n', result.stderr
