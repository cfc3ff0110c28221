"""What every command shares: the Typer app, the common options, opening the database, reading dates."""

import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path, PureWindowsPath
from typing import Annotated, Optional

import typer

from ilacs_cli.errors import IlacsError

# `-h` as well as `--help`, here and (click hands it down to every sub-context) in every command and sub-app.
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
# add_completion: --install-completion and --show-completion (typer builds two options: about 0.4 ms a start). With
# the completers and the app callback, building the command takes about 2 ms more than before (issue 13).
app = typer.Typer(
    help="Track ILACS post-inspection action plans.",
    no_args_is_help=True,
    add_completion=True,
    context_settings=HELP_OPTIONS,
)


def command_group(name: str, help: str) -> typer.Typer:
    """A group of commands under `ilacs NAME` (ilacs owner add, ilacs evidence check, ...), with the same help
    options as every command."""
    group = typer.Typer(help=help, no_args_is_help=True, context_settings=HELP_OPTIONS)
    app.add_typer(group, name=name)
    return group


# --db after the command wins over --db before it (`ilacs --db plan.db list`), which wins over ILACS_DB, which wins
# over the user data dir: the nearer to the command, the more deliberate. So only the app's option reads ILACS_DB.
# A text, not a Path: a PostgreSQL URL (postgresql://user@host/dbname) is a database too, and a Path would make it
# postgresql:/user@host/dbname. `chosen_db` makes it a Path or a postgres.Location.
DbOption = Annotated[
    Optional[str],
    typer.Option(
        "--db",
        help="Database file, or a PostgreSQL URL (postgresql://user@host/dbname); wins over --db before the command "
        "and over ILACS_DB (default: user data dir).",
    ),
]


# -- what the shell completes (--install-completion) ----------------------------------------------------------------
# Each runs in its own process for one press of Tab: it must be quick, print nothing else, and never fail.


def complete_status(incomplete: str) -> list[str]:
    """An action's statuses."""
    from ilacs_cli.domain.rules import STATUSES

    return [status for status in STATUSES if status.startswith(incomplete or "")]


def complete_status_filter(incomplete: str) -> list[str]:
    """An action's statuses and the groups `open` and `closed`."""
    from ilacs_cli.domain.rules import STATUS_GROUPS, STATUSES

    return [status for status in (*STATUSES, *STATUS_GROUPS) if status.startswith(incomplete or "")]


def complete_inspection(ctx: typer.Context, incomplete: str) -> list[str]:
    """The inspection ids in the database the command line names so far; none when it cannot be read. The file is
    opened read-only: completing never creates, seeds or upgrades a database."""
    from ilacs_cli.storage.store import default_path, peek_inspection_ids

    db, context = None, ctx
    while context is not None and db is None:  # --db after the command, then before it (or ILACS_DB)
        db, context = context.params.get("db"), context.parent
    from ilacs_cli.storage.postgres import is_url

    if is_url(db):  # a server is not asked for each press of Tab
        return []
    return [
        item
        for item in peek_inspection_ids(Path(db) if db is not None else default_path())
        if item.startswith(incomplete or "")
    ]


# A command about one inspection takes it either way: `ilacs show ID` or `ilacs show --inspection ID`, as the
# listings take `--inspection ID` (`one_inspection` joins the two).
InspectionArg = Annotated[
    Optional[str],
    typer.Argument(
        help="Inspection id, e.g. east-sussex-2023 (or give --inspection).",
        autocompletion=complete_inspection,
        show_default=False,
    ),
]
InspectionOption = Annotated[
    Optional[str], typer.Option(help="Only this inspection.", autocompletion=complete_inspection)
]
TheInspection = Annotated[
    Optional[str],
    typer.Option(
        "--inspection", help="The inspection, if not given before the options.", autocompletion=complete_inspection
    ),
]


def one_inspection(positional: Optional[str], option: Optional[str], *, required: bool = True) -> Optional[str]:
    """The inspection a command is about: given positionally or as --inspection (the same one if both)."""
    if positional is not None and option is not None and positional != option:
        raise IlacsError(f"two inspections given, {positional} and --inspection {option}: give one", 2)
    chosen = positional if positional is not None else option
    if chosen is None and required:
        raise IlacsError(
            "which inspection? give its id, e.g. `east-sussex-2023` or --inspection ID (see ilacs list)", 2
        )
    return chosen


OwnerOption = Annotated[
    Optional[str], typer.Option(help='Only actions owned by this name, in any case, e.g. "A Watson".')
]
AsOf = Annotated[Optional[str], typer.Option("--as-of", help="Report as on this date (default today).")]
Json = Annotated[bool, typer.Option("--json", help="JSON output with stable keys, ISO dates.")]
Csv = Annotated[bool, typer.Option("--csv", help="CSV output.")]
By = Annotated[
    Optional[str], typer.Option("--by", help="Who is making the change (default: ILACS_USER, else your login name).")
]
Output = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", help="File to write; its extension names the format (default: stdout)."),
]
Replace = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"ilacs {version('ilacs')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            print("ilacs (not installed: pip install . to give it a version)")
        raise typer.Exit()


class _Chosen:
    """What was given before the command (or in ILACS_DB), and the databases whose place has been warned of; set
    afresh by every run, as main() may run many times."""

    db: Optional[str] = None
    warned: set[Path] = set()


@app.callback()
def _before_the_command(
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db",
            envvar="ILACS_DB",
            help="Database file, or a PostgreSQL URL, for the command (default: user data dir).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_show_version, help="Print the installed version and exit."),
    ] = False,
) -> None:
    """Options given before the command."""
    _Chosen.db = db
    _Chosen.warned = set()


def chosen_db(db: Optional[str]) -> Optional[Path]:
    """The database asked for: --db after the command, else --db before it or ILACS_DB; None: the default. A file's
    path, or a PostgreSQL URL as a postgres.Location (a str, shown without its password)."""
    from ilacs_cli.storage.postgres import Location, is_url

    chosen = db if db is not None else _Chosen.db
    if chosen is None:
        from ilacs_cli.mail.config import database_setting

        setting = database_setting()  # [database] db in the config file
        if setting is None:
            return None
        chosen, config = setting
        if is_url(chosen) and "@" in chosen and ":" in chosen.split("://", 1)[1].split("@", 1)[0]:
            raise IlacsError(
                f"{config}: [database] db holds a password: leave it out of the config file, and give it in "
                "PGPASSWORD or a .pgpass file (docs/postgres.md)"
            )
        if not is_url(chosen):
            chosen = str(config.parent / Path(chosen).expanduser())
    if is_url(chosen):
        return Location(chosen)  # type: ignore[return-value]
    if not chosen.strip():
        raise IlacsError("--db (or ILACS_DB) is empty: give a database file, or a PostgreSQL URL, or leave it unset", 2)
    return Path(chosen).expanduser()  # `~` as a shell that does not expand it gives it


def on_server(path: object) -> bool:
    """Whether the database in use is a PostgreSQL server's."""
    from ilacs_cli.storage.postgres import names_a_server

    return names_a_server(path)


def where_the_store_keeps(path: Path) -> Optional[Path]:
    """Where the file at `path` really is when this Python is the Microsoft Store's and keeps it in its package
    (AppData is redirected there); None for any other Python or place, and for a file made in AppData itself before
    (by another Python: Windows then lets the Store's Python use it where it is)."""
    import os

    from ilacs_cli.storage import dbfile

    package = dbfile.store_python_package(sys.executable, sys.base_prefix)
    if package is None:
        return None
    copy = dbfile.store_python_copy(PureWindowsPath(path.absolute()), package, os.environ)
    if copy is None or (not Path(copy).exists() and path.exists()):
        return None
    return Path(copy)


def warn_about_place(path: Path) -> None:
    """Say on stderr, once a command, when the database is where it is not safe though it works: in a folder
    OneDrive syncs between PCs, or in the private folder of the Microsoft Store's Python."""
    import os

    from ilacs_cli.storage import dbfile

    if path in _Chosen.warned or on_server(path):
        return
    _Chosen.warned.add(path)
    folder = dbfile.synced_folder(dbfile.absolute_path(path), os.environ)
    if folder is not None:
        print(f"ilacs: {dbfile.synced_warning(path, folder)}", file=sys.stderr)
    copy = where_the_store_keeps(path)
    if copy is not None:
        print(f"ilacs: {dbfile.store_python_warning(path, copy, copy.exists(), os.environ)}", file=sys.stderr)


def open_store(db: Optional[Path], *, quiet_if_empty: bool = False):
    """The database in use (--db, ILACS_DB, else the default, created empty on first use), upgraded if behind.

    When it holds no inspections, says on stderr how to load the examples or start a plan.
    """
    from ilacs_cli.storage.store import Store, default_path

    db = chosen_db(db)
    path = db if db is not None else default_path()
    warn_about_place(path)
    if db is None and not path.exists():
        with new_database(path, default=True):  # all or nothing: a failed first command leaves no empty file
            pass
        print(f"ilacs: created an empty database at {path}", file=sys.stderr)
    store = noted(Store.open(path))
    if not quiet_if_empty and not store.inspections.ids():
        print(
            f"ilacs: {store.path} holds no inspections yet: load the five example plans with `ilacs seed`, or "
            "start your council's own with `ilacs add-inspection ID --authority NAME --published DATE`",
            file=sys.stderr,
        )
    return store


def noted(store):
    """The store, after saying on stderr where the copy made before upgrading its schema is (if one was made),
    and what the upgrade could not do by itself."""
    if store.upgrade_backup:
        print(
            f"ilacs: upgraded {store.path} to this version's schema; the file as it was is kept at "
            f"{store.upgrade_backup}",
            file=sys.stderr,
        )
    for note in store.upgrade_notes:
        print(f"ilacs: {note}", file=sys.stderr)
    return store


@contextmanager
def loading(db: Optional[Path]):
    """The database a loading command writes to; a new one is made all or nothing (it appears only when the load
    succeeded)."""
    from ilacs_cli.storage.store import Store, default_path

    db = chosen_db(db)
    path = db if db is not None else default_path()
    warn_about_place(path)
    if on_server(path):  # an empty database is given the schema, as a new file is made
        yield noted(Store.open(path, create=True))
    elif path.exists():
        yield noted(Store.open(path))
    else:
        with new_database(path, default=db is None) as store:
            yield store


@contextmanager
def new_database(path: Path, *, default: bool, group: Optional[str] = None):
    """A new database at `path`, set up and filled by the block all or nothing; for the default database, its
    folder in the user data directory is made too (and removed again if the database could not be)."""
    from ilacs_cli.storage.store import Store

    made_folder = default and not path.parent.exists()
    if made_folder:
        try:
            path.parent.mkdir(mode=0o700, parents=True)  # private whatever the umask (issue 27)
        except OSError as error:
            raise IlacsError(
                f"cannot create the folder {path.parent}: {error.strerror}; free some space, or "
                "choose another place with --db or ILACS_DB"
            ) from None
    try:
        with Store.creating(path, group=group) as store:
            yield store
    except BaseException:
        if made_folder:
            try:
                path.parent.rmdir()
            except OSError:
                pass
        raise


def parse_day(text: Optional[str], store=None) -> dt.date:
    """The day `text` names (today in England when None); working-day forms need the store's calendar."""
    from ilacs_cli.dates.days import exact_day, parse_date

    if text is not None and (day := exact_day(text)) is not None:
        return day  # written out in full: no need to know today (which costs the time-zone data)
    now = today()
    return now if text is None else parse_date(text, now, store.calendar.add_working_days if store else None)


def reading(text: Optional[str], store):
    """The plan a read reports on and its day: the live plan and today, or --as-of's day and the plan as it stood
    at the end of it (a past view: read methods only)."""
    if text is None:
        return store, today()
    day = parse_day(text, store)
    return store.as_of(day), day


def ratings():
    """The council's rating scheme and numbers ([ratings] in config.toml; BRAG, 10 and 30 by default), read before
    anything is written: a bad value is one line and exit 2."""
    from ilacs_cli.mail.config import rating_settings

    return rating_settings()


def print_key(settings) -> None:
    """The key of the ratings an output showed, after it (never in CSV or JSON): one line when piped, for scripts;
    wrapped to a terminal's width."""
    from ilacs_cli import render

    if render.plain_wanted():
        print(settings.key)
        return
    from rich.console import Console

    Console().print(settings.key, markup=False, highlight=False)


def today() -> dt.date:
    """Today in England."""
    from ilacs_cli.dates.days import today_in_england

    return today_in_england()


def human_day(day):
    from ilacs_cli.dates.days import human

    return human(day) if day else "—"


# Notes said on stderr once the output is written (by main): none if writing it failed.
AFTERWORDS: list[str] = []


def nothing(message: str) -> None:
    """Say on stderr, after the output, that a listing found nothing (`nothing overdue as of ...`): the table, CSV
    or JSON on stdout stays what a script expects, headers only or `[]`."""
    AFTERWORDS.append(f"ilacs: {message}")


def human_time(time):
    """'Wed 2 Dec 2026 15:13' for a stored time; '—' for none."""
    from ilacs_cli.dates.days import human_time as in_words

    return in_words(time) if time else "—"


# Short names people type for a format, and the file extensions each format's files have.
FORMAT_NAMES = {"md": "markdown", "txt": "text", "htm": "html", "word": "docx", "excel": "xlsx"}
EXTENSIONS = {
    "csv": (".csv",),
    "xlsx": (".xlsx",),
    "json": (".json",),
    "markdown": (".md", ".markdown"),
    "html": (".html", ".htm"),
    "docx": (".docx",),
    "text": (".txt",),
}


def check_format(format: str | None, formats: tuple[str, ...], output: Path | None = None) -> str:
    """The format a command writes: `-f` (in any case, or a short name such as md), else the one `-o`'s extension
    names, else the command's first. A file is what its name says: `-f` naming another format than the extension's
    is refused, and so is an extension the command cannot write, unless `-f` says what to write into it."""
    chosen = FORMAT_NAMES.get(format.lower(), format.lower()) if format else None
    if chosen is not None and chosen not in formats:
        raise IlacsError(f"unknown format '{format}': use one of {', '.join(formats)}", 2)
    suffix = output.suffix.lower() if output is not None else ""
    named = next((name for name, extensions in EXTENSIONS.items() if suffix in extensions), None)
    if chosen is None:
        if not suffix:
            return formats[0]
        if named in formats:
            return named
        extensions = ", ".join(extension for name in formats for extension in EXTENSIONS[name][:1])
        raise IlacsError(
            f"{output.name} is not a kind of file this command writes ({extensions}): name the file with one of "
            f"those, or add -f FORMAT to write {', '.join(formats)} into it",
            2,
        )
    if named in formats and named != chosen:
        raise IlacsError(
            f"-f {chosen} but {output.name} names a {named} file: leave out -f, or name the file "
            f"{output.stem}{EXTENSIONS[chosen][0]}",
            2,
        )
    return chosen


def date_cell(csv: bool):
    """Dates as users read them in tables, ISO (or empty) in CSV: a function for every row of a table."""
    if csv:
        return lambda day: day or ""
    from ilacs_cli.dates.days import human

    return lambda day: human(day) if day else "—"
