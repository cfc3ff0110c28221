"""Colleagues browsing the plan: Datasette on the database, read-only but live, showing the views that migration
m011 and m013 made (overdue, due soon, progress by area, the plan, deadlines with their rules, today in
England), with owners' e-mail addresses
and the database download kept out. Datasette is an optional extra (`pip install "ilacs[web]"`), imported only
by `ilacs serve`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ilacs_cli.domain.rules import AMBER_WORKING_DAYS
from ilacs_cli.errors import IlacsError

# Tables that name people's e-mail addresses (changes records an address corrected) or hold the tool's own
# bookkeeping: not served at all.
PRIVATE_TABLES = ("owners", "coordinators", "reminders_sent", "reminder_claims", "removals", "changes")
HIDDEN_TABLES = ("calendar", "batches", "_sqlite_migrations")
STATUS_COLUMN = "not-started, in-progress, blocked, done or cancelled; unknown where the source document does not say"
VIEWS = {
    "overdue": (
        "Actions overdue today",
        "Open actions (not started, in progress or blocked) due before today, most working days late first.",
        {
            "working_days_late": "English working days from the due date to today (weekends and bank holidays "
            "not counted)",
            "days_late": "Calendar days from the due date to today",
        },
    ),
    "due_soon": (
        "Actions due soon",
        f"Open actions due today or within {AMBER_WORKING_DAYS} working days.",
        {"working_days_left": "English working days from today to the due date"},
    ),
    "progress_by_area": (
        "Progress by area for improvement",
        "How many actions of each area have each status; "
        "percent done counts done actions against all but cancelled ones.",
        {"overdue": "Open actions due before today"},
    ),
    "plan": (
        "Each plan's actions",
        "Every action with its area, owner, target and latest update.",
        {"latest_update_at": "When the latest status update was recorded (England's time, with its offset from UTC)"},
    ),
    "today_in_england": (
        "Today in England",
        "The date the other views count from: England's, whatever the clock of the machine serving them.",
        {"day": "Today's date in England (YYYY-MM-DD)"},
    ),
    "deadlines_with_rules": (
        "Deadlines",
        "Each plan's deadlines, the rule that sets each, and whether it was met.",
        {"rule": "How the date is worked out, when a rule sets it"},
    ),
}
COLUMNS = {
    "inspection": "The inspection the plan answers",
    "area": "The area for improvement's number in the report",
    "area_title": "The area for improvement as the report words it",
    "action_id": "ilacs's number for the action (ilacs update ID)",
    "ref": "The council's own reference",
    "owner": "The lead officer, as written on the action",
    "due": "Target date (YYYY-MM-DD)",
    "status": STATUS_COLUMN,
    "latest_update": "The latest status update's note",
}


def metadata(database: str, description: str = "Read-only views of the Ofsted action plans kept with ilacs.") -> dict:
    """Datasette metadata: titles and column descriptions of the views, private tables denied, arbitrary SQL and
    the whole-database download off."""
    tables = {
        name: {"title": title, "description": description, "columns": {**COLUMNS, **columns}}
        for name, (title, description, columns) in VIEWS.items()
    }
    tables.update({name: {"allow": False} for name in PRIVATE_TABLES})
    tables.update({name: {"hidden": True} for name in HIDDEN_TABLES})
    return {
        "title": "ILACS action plans",
        "description": description,
        "databases": {database: {"allow_sql": False, "tables": tables}},
    }


def serve(path: Path, host: str, port: int, *, description: str | None = None) -> None:
    """Run Datasette on `path` (read-only, not --immutable, so what ilacs writes shows at the next page load)
    until interrupted."""
    try:
        from datasette.cli import serve as datasette_serve
    except ImportError:
        raise IlacsError(
            'ilacs serve needs Datasette: pip install "ilacs[web]" (or pipx inject ilacs datasette)', 2
        ) from None
    _quiet_refusals()
    with tempfile.TemporaryDirectory(prefix="ilacs-serve-") as folder:
        settings = Path(folder) / "metadata.json"
        settings.write_text(
            json.dumps(metadata(path.stem, description) if description else metadata(path.stem)), encoding="utf-8"
        )
        datasette_serve.main(
            args=[
                str(path),
                "--host",
                host,
                "--port",
                str(port),
                "--metadata",
                str(settings),
                "--setting",
                "allow_download",
                "off",
                "--setting",
                "allow_csv_stream",
                "off",
            ],
            prog_name="ilacs serve",
            standalone_mode=False,
        )


# Datasette's own pages that name the database's path on this machine (and its threads): not served.
PATH_PAGES = ("/-/databases", "/-/threads")


def _log_refusal(datasette, request, exception):
    """A refused request (a page not found, a query not allowed) as one line in the server's log; Datasette's own
    handler then makes the error page, without the traceback and local variables it would print with rich."""
    import sys

    from ilacs_cli.errors import quoted

    said = str(exception.args[0]) if exception.args else type(exception).__name__
    print(
        f"ilacs serve: {getattr(exception, 'status', 500)} {quoted(request.path, 200)}: {quoted(said, 200)}",
        file=sys.stderr,
    )


def _hide_path_pages(datasette):
    """An ASGI wrapper: PATH_PAGES (and their .json) are not found."""

    def wrap(app):
        async def without_path_pages(scope, receive, send):
            if scope.get("type") == "http" and scope.get("path", "").rstrip("/").removesuffix(".json") in PATH_PAGES:
                await send(
                    {"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]}
                )
                await send({"type": "http.response.body", "body": b"Not found"})
                return
            await app(scope, receive, send)

        return without_path_pages

    return wrap


def _quiet_refusals() -> None:
    """Register ilacs's two Datasette hooks (once), and switch off the rich traceback with local variables that
    Datasette's own error handler prints for every refused request."""
    from datasette import handle_exception as default_handler
    from datasette import hookimpl
    from datasette.plugins import pm

    default_handler.rich = None  # type: ignore[attr-defined]  # the module's optional rich, used only for that
    if pm.get_plugin("ilacs") is None:

        class Hooks:  # pluggy reads a plugin's hooks from its attributes
            handle_exception = staticmethod(hookimpl(tryfirst=True)(_log_refusal))
            asgi_wrapper = staticmethod(hookimpl(_hide_path_pages))

        pm.register(Hooks, name="ilacs")


# -- a PostgreSQL database, served as a snapshot -------------------------------------------------------------------
# Datasette reads SQLite only. A PostgreSQL database is served as a copy of it in a SQLite file of a temporary
# folder (its views made by the same migrations as every file's), taken when `serve` starts and taken again every
# `refresh` minutes; a refresh that fails (the server down) keeps the last copy and says so in one line.


def snapshot(source, target: Path) -> None:
    """A new SQLite file at `target` holding the whole of the database `source` (a postgres.Location)."""
    from ilacs_cli.exchange.plans import copy
    from ilacs_cli.storage.store import Store

    live = Store.open(source)
    try:
        with Store.creating(target) as made:
            copy(live, made)
    finally:
        live.close()


def serve_snapshot(source, host: str, port: int, refresh_minutes: int, report) -> None:
    """Serve a snapshot of the PostgreSQL database `source`, taken again every `refresh_minutes`; `report(text)`
    is told of each refresh that failed."""
    import datetime as dt
    import sqlite3
    import threading

    with tempfile.TemporaryDirectory(prefix="ilacs-snapshot-") as folder:
        served = Path(folder) / "ilacs.db"
        snapshot(source, served)

        def refresh() -> None:
            while not stopped.wait(refresh_minutes * 60):
                fresh = Path(folder) / "fresh.db"
                try:
                    snapshot(source, fresh)
                    with sqlite3.connect(fresh) as new, sqlite3.connect(served) as old:
                        new.backup(old)  # readers see the old copy or the new one, never a mixture
                    new.close()
                    old.close()
                except (IlacsError, sqlite3.Error, OSError) as error:
                    report(f"the snapshot of {source} was not refreshed ({error}); serving the last one")
                finally:
                    fresh.unlink(missing_ok=True)

        stopped = threading.Event()
        taken = dt.datetime.now().strftime("%H:%M")
        worker = threading.Thread(target=refresh, name="ilacs-snapshot", daemon=True)
        worker.start()
        try:
            serve(
                served,
                host,
                port,
                description=f"Read-only views of the Ofsted action plans kept with ilacs: a copy of the PostgreSQL "
                f"database taken at {taken} and again every {refresh_minutes} minutes (what was recorded since shows "
                "at the next copy).",
            )
        finally:
            stopped.set()
