"""PostgreSQL (issue 31): recognising a postgresql:// URL and connecting to it, each failure one line naming the
host and the cause. psycopg 3 is the optional extra `ilacs[postgres]`, imported only here, only when a URL is given.

This is the foundation only: the commands do not yet route a URL here (see docs/postgres.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ilacs_cli.errors import IlacsError

SCHEMES = ("postgresql://", "postgres://")
DRIVER_MISSING = 'PostgreSQL needs the driver: pip install "ilacs[postgres]"'


def is_url(text: str) -> bool:
    """Whether a --db (or ILACS_DB, or the config's database) names a PostgreSQL database, not a SQLite file."""
    return text.strip().lower().startswith(SCHEMES)


def where(url: str) -> str:
    """host:port/database of a URL, for messages (never its password)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    return f"{host}:{port}/{parts.path.lstrip('/') or '(no database)'}"


def connect(url: str) -> Any:
    """A psycopg connection to `url`, not in autocommit (the caller's transaction is one BEGIN ... COMMIT)."""
    try:
        import psycopg
    except ImportError:
        raise IlacsError(DRIVER_MISSING) from None
    try:
        return psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as error:
        raise IlacsError(f"cannot connect to PostgreSQL at {where(url)}: {cause(error)}") from None
    except psycopg.ProgrammingError as error:  # a URL psycopg cannot parse
        raise IlacsError(
            f"{url} is not a PostgreSQL URL psycopg understands ({first_line(error)}); "
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
    if "timeout" in lowered:
        return "no answer within 10 seconds (check the host, port and firewall)"
    # libpq's message may say which of several addresses it tried; its last line is the most specific
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
