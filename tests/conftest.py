"""The fixtures every test folder shares; what they are built from lives in tests/helpers/, one module per concern."""

import os

import pytest
from helpers.cli import is_user_setting, run_ilacs
from helpers.plans import copy_of
from helpers.smtp import password_smtp


@pytest.fixture(scope="session", autouse=True)
def bytecode_cache(tmp_path_factory):
    """With PYTHONDONTWRITEBYTECODE set, every `python -m ilacs_cli` compiles ilacs_cli from source again (about
    0.1 s of the 0.2 s a command takes), hundreds of times a run. The CLI processes keep their bytecode in a
    folder of this session instead: still nothing is written beside the sources, and the code run is the same."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE")
        patch.setenv("PYTHONPYCACHEPREFIX", str(tmp_path_factory.mktemp("pycache")))
        yield


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    """Tests never read the user's own config file or SMTP settings."""
    monkeypatch.setenv("ILACS_CONFIG", str(tmp_path / "config.toml"))
    for name in list(os.environ):
        if is_user_setting(name):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):
    """`ilacs seed` run once per session by the real CLI into its own folder; tests copy it (`db`, module templates).

    Seeding takes about half a second, copying the file a millisecond. Like every test, the seed reads no user
    config or SMTP settings."""
    path = tmp_path_factory.mktemp("seeded") / "plan.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ILACS_CONFIG", str(path.parent / "config.toml"))
        for name in list(os.environ):
            if is_user_setting(name):
                patch.delenv(name)
        result = run_ilacs("seed", db=path)
    assert result.returncode == 0, result.stderr
    # seed has exited: its WAL is checkpointed into the file, so the file alone is the whole database
    wal = path.with_name(f"{path.name}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "seed left a write-ahead log: copying the file would lose it"
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, seeded_template, tmp_path):
    """This test's own copy of the seeded database: a SQLite file, and (the same test again) a PostgreSQL database
    of the session's cluster (issue 31). A test of what only a file has (its place, WAL, pages) is marked
    `sqlite_only` and runs once; without PostgreSQL installed the second run is skipped, saying why."""
    if request.param == "sqlite":
        return copy_of(seeded_template, tmp_path)
    marker = request.node.get_closest_marker("sqlite_only")
    if marker is not None:
        pytest.skip(f"SQLite's own: {marker.args[0] if marker.args else 'a database file'}")
    return request.getfixturevalue("postgres_cluster").copy_of(request.getfixturevalue("seeded_postgres"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """For a test whose database is copied from a module's template (helpers/plans.py copy_of): None, a file; then
    (the same test again) the session's PostgreSQL cluster, which copy_of fills with `ilacs copy`. Skipped as `db`
    is, for a test marked `sqlite_only` or without PostgreSQL."""
    if request.param == "sqlite":
        return None
    marker = request.node.get_closest_marker("sqlite_only")
    if marker is not None:
        pytest.skip(f"SQLite's own: {marker.args[0] if marker.args else 'a database file'}")
    return request.getfixturevalue("postgres_cluster")


@pytest.fixture()
def new_db(backend, tmp_path):
    """Where a test makes its own database: a file that does not exist yet, or (the same test again) an empty
    PostgreSQL database; `ilacs init` or `seed` makes it an ilacs database on either."""
    return tmp_path / "plan.db" if backend is None else backend.new_database()


@pytest.fixture(scope="session")
def seeded_postgres(postgres_cluster):
    """`ilacs seed` run once per session into a PostgreSQL database that each test's database is copied from."""
    url = postgres_cluster.new_database()
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if is_user_setting(name):
                patch.delenv(name)
        result = run_ilacs("seed", db=url)
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture()
def smtp_server():
    """A real SMTP server on localhost (aiosmtpd); yields (mailbox, environment for ilacs to send through it)."""
    with password_smtp() as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_server(tmp_path_factory):
    """A real IMAP server (Dovecot) on localhost for the session, or the test skipped saying why it cannot run."""
    from helpers.dovecot import running_dovecot, why_not_runnable

    reason = why_not_runnable()
    if reason:
        pytest.skip(reason)
    try:
        server = running_dovecot(tmp_path_factory.mktemp("dovecot"))
        started = server.__enter__()
    except RuntimeError as error:
        pytest.skip(str(error)[:300])
    yield started
    server.__exit__(None, None, None)


@pytest.fixture()
def imap(dovecot_server):
    """The session's Dovecot with every folder emptied for this test."""
    dovecot_server.empty()
    return dovecot_server


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for this test session (tests/helpers/postgres.py); skips when not installed."""
    from helpers.postgres import start_cluster

    try:
        cluster = start_cluster()
    except LookupError as missing:
        pytest.skip(str(missing))
    yield cluster
    cluster.stop()


@pytest.fixture()
def postgres_url(postgres_cluster):
    """The URL of this test's own empty PostgreSQL database."""
    return postgres_cluster.new_database()
