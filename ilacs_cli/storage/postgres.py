"""PostgreSQL (issue 31): a `postgresql://` URL opened as an ilacs database, with the same repositories, rules and
transactions as a SQLite file. psycopg 3 is the optional extra `ilacs[postgres]`, imported only here, only when
a URL is given.

- **One text of each query.** The repositories write SQLite's SQL; `translate` gives PostgreSQL's form of the
  few things the two spell differently (placeholders `?` and `:name`, `x IS y` between values, the schemas
  `main.` and `temp.`), once per query text. Values are bound on the client (psycopg's ClientCursor), as SQLite
  binds them: untyped, so `:day IS NULL` reads the same on both.
- **One writer at a time, as SQLite.** A write transaction takes one advisory lock of the database for its
  duration (`pg_advisory_xact_lock`), as SQLite's BEGIN IMMEDIATE takes its write lock: commands that read,
  check and write (undo one's own last command, claim a reminder) cannot interleave, so no update is lost and no
  digest is claimed twice, without serialization failures to retry. Readers never wait. The wait is
  ILACS_BUSY_TIMEOUT_MS, as on SQLite; past it, one line says the database is busy. A writer idle in its
  transaction for IDLE_WRITER_MS (its PC frozen, or off the network: its connection is not closed, so the server
  would keep the lock for hours) has its session ended by the server, which rolls it back and frees the lock.
- **Every failure in one line**: connection refused, login failed, no such database, the server gone, a
  statement refused by a trigger or a grant, each naming host:port/database and the cause, never the password.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ilacs_cli.errors import IlacsError
from ilacs_cli.storage.sqlite import count_where, materialized  # noqa: F401 (spelt alike on both backends)

SCHEMES = ("postgresql://", "postgres://")
DRIVER_MISSING = 'PostgreSQL needs the driver: pip install "ilacs[postgres]"'
NAME = "PostgreSQL"
LOCK_KEY = 0x1ACC5  # the advisory lock every ilacs writer of a database takes (any constant: one per database)
# ilacs never waits between the statements of a write (mail is sent outside transactions): a writer this long idle
# in its transaction is gone, and the server ends its session rather than let it keep every other writer waiting.
IDLE_WRITER_MS = 60_000


def is_url(text: object) -> bool:
    """Whether a --db (or ILACS_DB, or the config's database) names a PostgreSQL database, not a SQLite file."""
    return isinstance(text, str) and text.strip().lower().startswith(SCHEMES)


class Location(str):
    """A PostgreSQL database as users name it: shown without its password (str), connected to by `url`."""

    url: str

    def __new__(cls, url: str) -> Location:
        parts = urlsplit(url.strip())
        shown = parts.netloc.rsplit("@", 1)
        if len(shown) == 2 and ":" in shown[0]:  # user:password@host
            netloc = f"{shown[0].split(':', 1)[0]}@{shown[1]}"
        else:
            netloc = parts.netloc
        self = super().__new__(cls, urlunsplit((parts.scheme, netloc, parts.path, "", "")))
        self.url = url.strip()
        return self

    @property
    def name(self) -> str:
        return where(self.url)

    def exists(self) -> bool:  # a server's database is there or it is not: opening it says which
        return True


def names_a_server(database: object) -> bool:
    """Whether a database as the store names it (a Path, or a Location) is a PostgreSQL server's."""
    return isinstance(database, Location)


def where(url: str) -> str:
    """host:port/database of a URL, for messages (never its password)."""
    parts = urlsplit(url)
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    return f"{parts.hostname or 'localhost'}:{port}/{parts.path.lstrip('/') or '(no database)'}"


def driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise IlacsError(DRIVER_MISSING) from None
    return psycopg


def connect(url: str) -> Any:
    """A psycopg connection to `url` in autocommit (each write is one explicit BEGIN ... COMMIT, as on SQLite),
    binding values on the client."""
    psycopg = driver()
    try:
        return psycopg.connect(url, connect_timeout=10, autocommit=True, cursor_factory=psycopg.ClientCursor)
    except psycopg.OperationalError as error:
        raise IlacsError(f"cannot connect to PostgreSQL at {where(url)}: {cause(error)}") from None
    except psycopg.ProgrammingError as error:  # a URL psycopg cannot parse
        raise IlacsError(
            f"{Location(url)} is not a PostgreSQL URL psycopg understands ({first_line(error)}); "
            "give one like postgresql://user@host:5432/dbname",
            2,
        ) from None


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def cause(error: BaseException) -> str:
    """The cause a user can act on: refused, authentication failed, no such database, else libpq's own line."""
    text = str(error)
    lowered = text.lower()
    if "connection refused" in lowered:
        return "connection refused (is the server running and listening on that port?)"
    if "password authentication failed" in lowered or "authentication failed" in lowered:
        return "authentication failed (check the user name and password, or the server's pg_hba.conf)"
    if "no password supplied" in lowered:
        return "the server asks for a password (put it in the URL or in the PGPASSWORD setting, or a .pgpass file)"
    if "does not exist" in lowered and "database" in lowered:
        return "no such database (create it with createdb, then run ilacs init --db with this URL)"
    if "role" in lowered and "does not exist" in lowered:
        return "no such user on that server"
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return "unknown host name"
    if "server closed the connection unexpectedly" in lowered:  # libpq's three lines, the last saying least
        return "the server closed the connection (it was restarted, or ended this session: idle too long?)"
    if "timeout" in lowered:
        return "no answer within 10 seconds (check the host, port and firewall)"
    # libpq's message may say which of several addresses it tried; its last line is the most specific
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


# -- one text of each query ------------------------------------------------------------------------------------------

_TOKENS = re.compile(
    r"""(?P<quoted>'(?:[^']|'')*'|"[^"]*")"""
    r"|(?P<comment>--[^\n]*)"
    r"|(?P<qmark>\?)"
    r"|(?<![:\w])(?P<named>:[A-Za-z_]\w*)"
    r"|(?P<percent>%)"
    r"|(?P<is_not>\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b))"
    r"|(?P<is>\bIS\s+(?!NOT\b|NULL\b|DISTINCT\b|TRUE\b|FALSE\b))"
    r"|(?P<index>\bINDEX\s+temp\.)"
    r"|(?P<main>\bmain\.)"
    r"|(?P<temp>\btemp\.)",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1024)
def translate(sql: str, schema: str = "public") -> str:
    """PostgreSQL's text of one of the repositories' queries (written in SQLite's SQL): `?` and `:name` as psycopg's
    placeholders, `%` doubled, `x IS y` between values as IS NOT DISTINCT FROM, `main.` as the database's own schema
    and `temp.` as the session's."""

    def replaced(match: re.Match) -> str:
        kind = match.lastgroup
        if kind in ("quoted", "comment"):
            return match.group().replace("%", "%%")
        return {
            "qmark": "%s",
            "percent": "%%",
            "is_not": "IS DISTINCT FROM ",
            "is": "IS NOT DISTINCT FROM ",
            "index": "INDEX ",
            "main": f'"{schema}".',
            "temp": "pg_temp.",
        }.get(kind or "", "") or f"%({match.group()[1:]})s"

    return _TOKENS.sub(replaced, sql)


class Cursor:
    """A psycopg cursor as the repositories use sqlite3's: execute, fetch, rowcount, description, and a
    `row_factory(cursor, row)`."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.cursor = connection.raw.cursor()
        self.row_factory: Callable[[Any, tuple], Any] | None = None

    def execute(self, sql: str, params: tuple | dict | list = ()) -> Cursor:
        self.cursor.execute(translate(sql, self.connection.schema), _values(params))
        return self

    def executemany(self, sql: str, rows) -> Cursor:
        self.cursor.executemany(translate(sql, self.connection.schema), [_values(row) for row in rows])
        return self

    def _made(self, row: tuple) -> Any:
        return self.row_factory(self, row) if self.row_factory is not None else row

    def fetchone(self) -> Any:
        row = self.cursor.fetchone() if self.cursor.description else None
        return None if row is None else self._made(row)

    def fetchmany(self, size: int) -> list:
        return [self._made(row) for row in self.cursor.fetchmany(size)] if self.cursor.description else []

    def fetchall(self) -> list:
        return [self._made(row) for row in self.cursor.fetchall()] if self.cursor.description else []

    def __iter__(self) -> Iterator:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self.cursor.rowcount

    @property
    def description(self):
        return self.cursor.description

    def close(self) -> None:
        self.cursor.close()


def _values(params: tuple | dict | list) -> tuple | dict | list:
    """Parameters as SQLite stores them: a bool as 0 or 1 (SQLite has no booleans; the schema's are integers)."""
    if isinstance(params, dict):
        return {name: int(value) if isinstance(value, bool) else value for name, value in params.items()}
    return [int(value) if isinstance(value, bool) else value for value in params]


# The schema the connection reads, and PostgreSQL's JIT compilation off for the session. The JIT compiles a query
# whose planned cost passes jit_above_cost, as several of the national plan's do (every action with its latest
# update; every measure with its two latest readings), and at this size compiling costs more than it saves: about
# 50 ms of a 230 ms query (bench/README.md). Any user may set it; a server without JIT support (or a version that
# has no such setting: current_setting(..., true) is NULL) is left as it is.
SESSION_SETTINGS = (
    "SELECT current_schema(), CASE WHEN current_setting('jit', true) IS NOT NULL "
    "THEN set_config('jit', 'off', false) END"
)


class Connection:
    """An open psycopg connection, used as the storage layer uses a sqlite3 connection."""

    def __init__(self, raw: Any, location: Location):
        self.raw = raw
        self.location = location
        # One round trip: the schema, and no JIT for this session (SESSION_SETTINGS).
        self.schema: str = raw.execute(SESSION_SETTINGS).fetchone()[0] or "public"

    def cursor(self) -> Cursor:
        return Cursor(self)

    def execute(self, sql: str, params: tuple | dict | list = ()) -> Cursor:
        return self.cursor().execute(sql, params)

    def executemany(self, sql: str, rows) -> Cursor:
        return self.cursor().executemany(sql, rows)

    def script(self, sql: str) -> None:
        """Statements as written (DDL with its own quoting: no placeholders), in the caller's transaction."""
        self.raw.execute(sql)

    @property
    def in_transaction(self) -> bool:
        psycopg = driver()
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def begin(self, timeout_ms: int) -> None:
        """Start a write transaction, taking the database's ilacs write lock (waiting up to `timeout_ms`)."""
        self.raw.execute("BEGIN")
        self.raw.execute(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
        self.raw.execute(f"SET LOCAL idle_in_transaction_session_timeout = {IDLE_WRITER_MS}")
        self.raw.execute(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")

    def close(self) -> None:
        self.raw.close()


def errors() -> tuple[type[BaseException], ...]:
    return (driver().Error,)


def user_error(error: BaseException, location: object) -> IlacsError:
    """One line for a failure of PostgreSQL: what happened, where, and what to do."""
    psycopg = driver()
    state = getattr(error, "sqlstate", None) or ""
    text = first_line(error)
    place = where(location.url) if isinstance(location, Location) else str(location)
    if isinstance(error, psycopg.OperationalError) and not state:
        return IlacsError(f"lost the connection to PostgreSQL at {place}: {cause(error)}; nothing more was written")
    if state == "55P03" or state == "40P01":  # lock_not_available, deadlock_detected
        return IlacsError(f"{location} is busy with another ilacs command: wait for it to finish, then try again")
    # connection exceptions, server shut down, the session ended for idling in its transaction (IDLE_WRITER_MS) or
    # by the server's own idle_session_timeout
    if state.startswith("08") or state in ("57P01", "57P02", "57P03", "25P03", "57P05"):
        return IlacsError(f"lost the connection to PostgreSQL at {place}: {text}; nothing more was written")
    if state in ("42P01", "42703"):  # undefined table or column
        return IlacsError(
            f"{location} lacks part of its schema ({text}): it was changed outside ilacs; `ilacs check` says what "
            "is missing"
        )
    if state == "42501":  # insufficient_privilege
        return IlacsError(
            f"the PostgreSQL user may not do this in {location} ({text}): nothing was written; a read-only role "
            "can read, not change (docs/postgres.md, Roles)"
        )
    if state == "25006":  # read_only_sql_transaction
        return IlacsError(f"{location} is read-only for this connection: nothing was written")
    if state == "53100":  # disk_full
        return IlacsError(f"the disk of the PostgreSQL server at {place} is full: nothing was written")
    if state == "57014":  # query_canceled (statement timeout)
        return IlacsError(f"PostgreSQL at {place} cancelled the statement ({text}): nothing was written")
    return IlacsError(f"database problem in {location}: {text}")


# -- the schema and its migrations -----------------------------------------------------------------------------------


def applied(conn: Connection) -> set[str] | None:
    """The migrations this database has had; None when it has no record of any (new, or not ilacs's)."""
    if conn.raw.execute("SELECT to_regclass('ilacs_migrations')").fetchone()[0] is None:
        return None
    return {row[0] for row in conn.raw.execute("SELECT name FROM ilacs_migrations")}


def other_tables(conn: Connection) -> list[str]:
    """Tables in the database's schema that ilacs did not make."""
    return [
        row[0]
        for row in conn.raw.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
        )
    ]


def migrate(conn: Connection, names: list[str], pending: list[str]) -> None:
    """Apply the `pending` migrations (in the caller's transaction): the baseline for those it stands for, then
    each later one's PostgreSQL form."""
    from ilacs_cli.dates.workdays import calendar_rows
    from ilacs_cli.storage import postgres_schema as schema

    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    baseline = names[: names.index(schema.BASELINE_UNTIL) + 1]
    if any(name in pending for name in baseline):
        if set(baseline) - set(pending):
            raise IlacsError(f"{conn.location} holds part of ilacs's schema only: restore it from a backup")
        conn.script(schema.MIGRATIONS_TABLE)
        conn.script(schema.BASELINE)
        with conn.raw.cursor().copy("COPY calendar (day, number, working) FROM STDIN") as copy:
            for row in calendar_rows():
                copy.write_row(row)
    for name in pending:
        if name not in baseline:
            conn.script(schema.FORMS[name])
        conn.raw.execute("INSERT INTO ilacs_migrations (name, applied_at) VALUES (%s, %s)", (name, stamp))


# -- what is PostgreSQL's own (storage/sqlite.py has SQLite's) -------------------------------------------------------


def joined(expression: str, separator: str) -> str:
    """The values of `expression` in a group, joined by `separator` (an SQL string literal)."""
    return f"string_agg({expression}, {separator})"


TRIGGERS = (
    "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
)
# Each table's columns, and every index by name (views are SQLite's only: Datasette reads a SQLite snapshot).
SCHEMA_MADE = (
    "SELECT 'table', table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
    "UNION ALL SELECT 'index', indexname, NULL FROM pg_indexes WHERE schemaname = current_schema() "
    "UNION ALL SELECT 'trigger', t.tgname, NULL FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
)


def not_a_day(expression: str) -> str:
    """Whether the text of `expression` is not an ISO day (by its form: 2024-02-30 passes here)."""
    return f"{expression} !~ '^[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'"


def day_before(expression: str) -> str:
    """The ISO day before the ISO day `expression`."""
    return f"to_char(to_date({expression}, 'YYYY-MM-DD') - 1, 'YYYY-MM-DD')"


MIGRATIONS_APPLIED = "SELECT name FROM ilacs_migrations ORDER BY applied_at, name"

QUERY_ONLY = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
