"""A throwaway PostgreSQL 15 cluster for the tests (issue 31): started once per test session, one empty database
per test, skipped with the reason when PostgreSQL is not installed.

The cluster lives in a folder of /tmp of its own, listens on a free port of 127.0.0.1 and in a socket folder there,
and trusts every local connection (no password). initdb and postgres refuse to run as root: when the tests run as
root, the server runs as the unprivileged `postgres` user (Debian's package makes it) or else `nobody`."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
SUPERUSER = "ilacs_test"


def bin_dir():
    """The folder of initdb, pg_ctl and createdb, or None when PostgreSQL is not installed."""
    for folder in BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_user():
    """The unprivileged user the server runs as when the tests run as root; None when they do not."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists to run the server as")


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int
    user: pwd.struct_passwd | None

    @property
    def sockets(self):
        return self.folder / "sockets"

    def run(self, *command):
        """Run one of PostgreSQL's programs as the server's user; its output is in the error if it fails."""
        extra = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}
        result = subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C.UTF-8", "PGTZ": "UTC"},
            timeout=120,
            **extra,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stdout}{result.stderr}")
        return result

    def url(self, database):
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self):
        """A new empty database of this cluster; its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.run("createdb", "-h", str(self.sockets), "-p", str(self.port), "-U", SUPERUSER, name)
        return self.url(name)

    def copy_of(self, url):
        """A new database made from the database at `url` (no one may be connected to it); its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        template = url.rsplit("/", 1)[1]
        self.run("createdb", "-h", str(self.sockets), "-p", str(self.port), "-U", SUPERUSER, "-T", template, name)
        return self.url(name)

    def stop(self):
        try:
            self.run("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster():
    """initdb and start a cluster; the caller stops it (Cluster.stop). Raises LookupError when not installed."""
    folder_of_bins = bin_dir()
    if folder_of_bins is None:
        raise LookupError("PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH)")
    user = server_user()
    folder = Path(tempfile.mkdtemp(prefix="ilacs-pg-"))
    (folder / "sockets").mkdir()
    if user:
        for path in (folder, folder / "sockets"):
            os.chown(path, user.pw_uid, user.pw_gid)
    cluster = Cluster(folder_of_bins, folder, free_port(), user)
    data = str(folder / "data")
    try:
        cluster.run("initdb", "-D", data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {cluster.port} -k {cluster.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c timezone=UTC"
        )
        cluster.run("pg_ctl", "start", "-D", data, "-w", "-t", "60", "-l", str(folder / "server.log"), "-o", options)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cluster


def contents(url):
    """Every row of every table of the database at `url`, as text, table by table (ids' sequences aside: a
    transaction rolled back still moves them on, and writes nothing)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "ORDER BY table_name"
            )
        ]
        return {
            table: conn.execute(f"SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM \"{table}\" t").fetchone()[0]
            for table in tables
        }
