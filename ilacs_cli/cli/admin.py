"""Commands that keep the database: where, seed, backup, check."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import app, DbOption, Json, Replace, open_store, loading, chosen_db
from ilacs_cli.errors import IlacsError

@app.command()
def where(db: DbOption = None) -> None:
    """Print the database path in use.  Example: ilacs where"""
    from ilacs_cli.store import default_path

    db = chosen_db(db)
    print(db if db is not None else default_path())


@app.command()
def seed(files: Annotated[Optional[list[Path]], typer.Argument(help="Your own inspection files (TOML).")] = None,
         db: DbOption = None) -> None:
    """Load the bundled seeds, or your own files; safe to re-run.  Example: ilacs seed --db plan.db"""
    from ilacs_cli import plan

    paths = files or plan.bundled_seed_files()
    if files:
        from ilacs_cli.seedfile import read_seed
        for file in files:  # checked before the database is created or touched
            read_seed(file)
    with loading(db) as store:
        loaded = plan.load_seeds(store, paths)
    print(f"Loaded {len(loaded)} inspections into {store.path}: {', '.join(loaded)}", file=sys.stderr)


# -- keeping the file sound ----------------------------------------------------------

@app.command()
def backup(target: Annotated[Path, typer.Argument(help="Where to write the copy.")], force: Replace = False,
           db: DbOption = None) -> None:
    """Copy the database safely while others use it (SQLite's online backup; mode 0600).  Example: ilacs backup ~/ilacs-2024-11-01.db"""
    from ilacs_cli import health

    store = open_store(db)
    print(f"Backed up {store.path} to {health.backup(store, target, force=force)}", file=sys.stderr)


@app.command()
def check(db: DbOption = None, json: Json = False) -> None:
    """Check the file: SQLite integrity, foreign keys, schema, history triggers, statuses, calendar; exit 1 if any fails.  Example: ilacs check"""
    from ilacs_cli import health, render

    findings = health.check(open_store(db))
    if json:
        print(render.as_json(findings))
    else:
        for finding in findings:
            print(f"{'ok  ' if finding.ok else 'FAIL'}  {finding.check}: {finding.detail}")
    failed = [finding.check for finding in findings if not finding.ok]
    if failed:
        raise IlacsError(f"{len(failed)} checks failed ({', '.join(failed)}): restore a backup, or keep this file "
                         "for investigation and copy it with `ilacs backup`")
