"""Commands that keep the database: where, init, seed, remove, backup, check; serve shows it to browsers."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    By,
    DbOption,
    InspectionArg,
    Json,
    TheInspection,
    app,
    chosen_db,
    loading,
    new_database,
    noted,
    on_server,
    one_inspection,
    open_store,
    today,
    warn_about_place,
    where_the_store_keeps,
)
from ilacs_cli.errors import IlacsError


@app.command()
def where(db: DbOption = None) -> None:
    """Print the database path in use (where the file really is, for the Microsoft Store's Python).  Example: ilacs where"""
    from ilacs_cli.storage.store import default_path

    db = chosen_db(db)
    path = db if db is not None else default_path()
    warn_about_place(path)
    print(path if on_server(path) else where_the_store_keeps(path) or path)


@app.command()
def init(
    db: DbOption = None,
    group: Annotated[
        Optional[str],
        typer.Option(
            help="Share the database with this group (Linux, macOS): it, its -wal and -shm files and its backups "
            "are made readable and writable by the group (0660)."
        ),
    ] = None,
) -> None:
    """Make an empty database (the default one, or --db PATH) ready for your council's plan.  Example: ilacs init --db /srv/ilacs/plan.db --group ilacs"""
    from ilacs_cli.storage import dbfile
    from ilacs_cli.storage.store import Store, default_path

    db = chosen_db(db)
    path = db if db is not None else default_path()
    warn_about_place(path)
    if on_server(path) and group:
        raise IlacsError("--group shares a database file: a PostgreSQL database is shared by its roles instead", 2)
    if on_server(path):
        store = noted(Store.open(path, create=True))
        print(
            f"ilacs: {path} is ready ({len(store.inspections.ids())} inspections); next: ilacs add-inspection ID "
            "--authority NAME --published DATE",
            file=sys.stderr,
        )
        return
    if path.exists():
        store = noted(Store.open(path, create=True))  # an empty file (0 bytes) is made a database
        if group:
            for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                if file.exists():
                    dbfile.share_with_group(file, group)
            print(
                f"ilacs: {path} exists already ({len(store.inspections.ids())} inspections); now shared with group "
                f"{group} (0660)",
                file=sys.stderr,
            )
            return
        print(
            f"ilacs: {path} exists already ({len(store.inspections.ids())} inspections); left as it is", file=sys.stderr
        )
        return
    with new_database(path, default=db is None, group=group):
        pass
    shared = f", shared with group {group} (0660)" if group else ""
    print(
        f"ilacs: created an empty database at {path}{shared}; next: ilacs add-inspection ID --authority NAME "
        "--published DATE",
        file=sys.stderr,
    )


@app.command()
def seed(
    plans: Annotated[
        Optional[list[str]],
        typer.Argument(
            help="Example plans by id (east-sussex-2023 ...), or your own inspection files (.toml); default: all "
            "five examples.",
            show_default=False,
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Take a file's facts for an inspection the database holds with others (backup kept)."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Load the example plans (all, or those named), or your own seed files; safe to re-run.  Example: ilacs seed east-sussex-2023"""
    from ilacs_cli.domain import seeds

    paths = seeds.seed_files(plans or [])  # every file checked before the database is created or touched
    with loading(db) as store:
        loaded, backup = seeds.load_seeds(store, paths, replace=replace)
    print(f"Loaded {len(loaded)} inspections into {store.path}: {', '.join(loaded)}", file=sys.stderr)
    if backup:
        print(f"ilacs: the database as it was before is kept at {backup}", file=sys.stderr)


@app.command()
def remove(
    inspection: InspectionArg = None,
    the_inspection: TheInspection = None,
    examples: Annotated[
        bool, typer.Option("--examples", help="Remove every example plan `ilacs seed` loaded, at once.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask first (for scripts).")] = False,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Delete an inspection (or every example plan) with everything under it, after a backup (named); recorded.  Example: ilacs remove --examples"""
    from ilacs_cli.domain import changes, plan, seeds

    chosen = one_inspection(inspection, the_inspection, required=not examples)
    if examples and chosen:
        raise IlacsError(f"give an inspection or --examples, not both ({chosen} and --examples)", 2)
    store = open_store(db, quiet_if_empty=True)
    if examples:
        doomed = seeds.example_inspections(store)
        if not doomed:
            raise IlacsError(f"{store.path} holds no example plans: nothing to remove", 2)
        name, what = "examples", f"the {len(doomed)} example plans ({', '.join(doomed)})"
    else:
        found = plan.require_inspection(store, chosen)
        doomed, name, what = [found.id], found.id, f"{found.id} ({found.authority or 'authority unknown'})"
    if not yes:
        if not sys.stdin.isatty():
            raise IlacsError(f"remove {name} asks for confirmation: run it in a terminal, or add --yes", 2)
        counted = sum(
            row.actions_open + row.actions_done + row.actions_not_stated
            for row in plan.list_inspections(store, today())
            if row.id in doomed
        )
        typer.confirm(f"Remove {what} with their {counted} actions, deadlines and history?", abort=True)
    backup = changes.remove_inspections(store, doomed, by=by, name=name)
    print(f"Removed {', '.join(doomed)}; the database as it was is kept at {backup}", file=sys.stderr)


# -- keeping the file sound ----------------------------------------------------------


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the file if it exists; copy a damaged database all the same.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Copy the database safely while others use it (SQLite's online backup; on Linux and macOS readable by you only).  Example: ilacs backup ilacs-2024-11-01.db"""
    from ilacs_cli.domain import health
    from ilacs_cli.exchange import files

    store = open_store(db)
    target = target.expanduser()  # cmd.exe and PowerShell leave `~` for the program
    files.check_target(target, force=force, database=store.path)
    copy, fault = health.backup(store, target, damaged_too=force)
    print(f"Backed up {store.path} to {copy}" + (f", damage and all ({fault})" if fault else ""), file=sys.stderr)


@app.command()
def check(db: DbOption = None, json: Json = False) -> None:
    """Check the file: SQLite integrity, foreign keys, schema, history triggers, statuses, calendar; exit 1 if any fails.  Example: ilacs check"""
    from ilacs_cli import render
    from ilacs_cli.domain import health
    from ilacs_cli.storage.store import Store, default_path

    path = chosen_db(db) or default_path()
    warn_about_place(path)
    # A damaged file is looked at read-only, and a missing one is not created: check never changes what it checks.
    findings = (None if on_server(path) else health.damage_found(path)) or health.check(noted(Store.open(path)))
    if json:
        print(render.as_json(findings))
    else:
        for finding in findings:
            print(f"{'ok  ' if finding.ok else 'FAIL'}  {finding.check}: {finding.detail}")
    failed = [finding.check for finding in findings if not finding.ok]
    if failed:
        raise IlacsError(
            f"{len(failed)} check{'s' if len(failed) > 1 else ''} failed ({', '.join(failed)}): restore a backup, "
            "or keep this file for investigation and copy it with `ilacs backup` (`--force` if it is damaged)"
        )


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="The port to listen on (1 to 65535).", min=1, max=65535)] = 8001,
    host: Annotated[
        str,
        typer.Option(
            help="The address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 is every network it is on."
        ),
    ] = "127.0.0.1",
    refresh: Annotated[
        int,
        typer.Option(
            help="On PostgreSQL: minutes between the copies served (Datasette reads SQLite: it serves a copy).",
            min=1,
            max=1440,
        ),
    ] = 5,
    db: DbOption = None,
) -> None:
    """The plan in colleagues' browsers: Datasette, read-only and live, with views of what is overdue, due soon and progress by area (needs pip install "ilacs\\[web]").  Example: ilacs serve --port 8001"""
    from ilacs_cli.exchange import browse

    chosen = chosen_db(db)
    if on_server(chosen):
        print(
            f"ilacs: serving a read-only copy of {chosen}, taken now and every {refresh} minutes, at "
            f"http://{host}:{port}/ (Ctrl-C stops it)",
            file=sys.stderr,
        )
        browse.serve_snapshot(chosen, host, port, refresh, lambda text: print(f"ilacs: {text}", file=sys.stderr))
        return
    store = open_store(db)
    path = store.path
    store.close()  # upgraded if it was behind; Datasette opens it read-only itself
    print(f"ilacs: serving {path} read-only at http://{host}:{port}/ (Ctrl-C stops it)", file=sys.stderr)
    browse.serve(path, host, port)


@app.command()
def copy(
    source: Annotated[str, typer.Argument(help="The database to copy: a file, or a PostgreSQL URL.")],
    target: Annotated[
        str, typer.Argument(help="Where to copy it: a new file, or an empty PostgreSQL database (its URL).")
    ],
) -> None:
    """Copy a whole database, with every row, history and correction, between SQLite and PostgreSQL (either way); checked by counts and `ilacs check` before it is kept.  Example: ilacs copy plan.db postgresql://ilacs@dbserver/ilacs"""
    from ilacs_cli.exchange import plans as exchange
    from ilacs_cli.storage.store import Store

    if not source.strip() or not target.strip():
        raise IlacsError("copy needs a source and a target: a database file's path or a PostgreSQL URL each", 2)
    origin, destination = chosen_db(source), chosen_db(target)
    assert origin is not None and destination is not None
    if not on_server(origin) and not origin.exists():
        raise IlacsError(f"no database at {origin}: give the path of the file to copy, or its PostgreSQL URL", 2)
    if str(origin) == str(destination) or (
        not on_server(origin) and not on_server(destination) and destination.exists() and origin.samefile(destination)
    ):
        raise IlacsError(f"{origin} is both the source and the target: give a new file or another database", 2)
    if not on_server(destination) and destination.exists():
        raise IlacsError(f"{destination} exists: copy into a new file (or an empty PostgreSQL database)", 2)
    store = noted(Store.open(origin))
    if on_server(destination):
        counts = exchange.copy(store, noted(Store.open(destination, create=True)))
    else:
        warn_about_place(destination)
        with new_database(destination, default=False) as made:  # the file appears only when the copy is whole
            counts = exchange.copy(store, made)
    print(
        f"Copied {store.path} to {destination}: "
        + ", ".join(f"{count} {table}" for table, count in counts.items() if count)
        + "; the rows of every table counted alike on both, and ilacs check passes on the copy",
        file=sys.stderr,
    )
