"""What every command shares: the Typer app, the common options, opening the database, reading dates."""

import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.errors import IlacsError

app = typer.Typer(help="Track ILACS post-inspection action plans.", no_args_is_help=True, add_completion=False)

DbOption = Annotated[Optional[Path], typer.Option("--db", envvar="ILACS_DB", help="Database file (default: user data dir).")]
AsOf = Annotated[Optional[str], typer.Option("--as-of", help="Report as on this date (default today).")]
Json = Annotated[bool, typer.Option("--json", help="JSON output with stable keys, ISO dates.")]
Csv = Annotated[bool, typer.Option("--csv", help="CSV output.")]
By = Annotated[Optional[str], typer.Option("--by", help="Who is making the change (default: ILACS_USER, else your "
                                                        "login name).")]
Output = Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write, mode 0600 (default: stdout).")]
Replace = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]


def open_store(db: Optional[Path], *, quiet_if_empty: bool = False):
    """The database in use (--db, ILACS_DB, else the default, created empty on first use), upgraded if behind.

    When it holds no inspections, says on stderr how to load the examples or start a plan.
    """
    from ilacs_cli.store import Store, default_path

    if db is not None:
        store = noted(Store.open(db))
    else:
        path = default_path()
        created = not path.exists()
        if created:
            path.parent.mkdir(parents=True, exist_ok=True)
        store = noted(Store.open(path, create=created))
        if created:
            print(f"ilacs: created an empty database at {path}", file=sys.stderr)
    if not quiet_if_empty and not store.inspection_ids():
        print(f"ilacs: {store.path} holds no inspections yet: load the five example plans with `ilacs seed`, or "
              "start your council's own with `ilacs add-inspection ID --authority NAME --published DATE`",
              file=sys.stderr)
    return store


def noted(store):
    """The store, after saying on stderr where the copy made before upgrading its schema is (if one was made),
    and what the upgrade could not do by itself."""
    if store.upgrade_backup:
        print(f"ilacs: upgraded {store.path} to this version's schema; the file as it was is kept at "
              f"{store.upgrade_backup}", file=sys.stderr)
    for note in store.upgrade_notes:
        print(f"ilacs: {note}", file=sys.stderr)
    return store


@contextmanager
def loading(db: Optional[Path]):
    """The database a loading command writes to, created if need be; if the load fails, a file it created goes."""
    from ilacs_cli.store import Store, default_path

    path = db if db is not None else default_path()
    if db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    store = noted(Store.open(path, create=True))
    try:
        yield store
    except IlacsError:
        if not existed:  # leave no half-made database behind
            store.remove()
        raise


def parse_day(text: Optional[str], store=None) -> dt.date:
    """The day `text` names (today in England when None); working-day forms need the store's calendar."""
    from ilacs_cli.dates import parse_date

    now = today()
    return now if text is None else parse_date(text, now, store.add_working_days if store else None)


def today() -> dt.date:
    """Today in England."""
    from ilacs_cli.dates import today_in_england

    return today_in_england()


def human_day(day):
    from ilacs_cli.dates import human

    return human(day) if day else "—"


def check_format(format: str, formats: tuple[str, ...]) -> None:
    if format not in formats:
        raise IlacsError(f"unknown format '{format}': use one of {', '.join(formats)}", 2)


def date_cell(csv: bool):
    """Dates as users read them in tables, ISO (or empty) in CSV."""
    return (lambda day: day or "") if csv else human_day
