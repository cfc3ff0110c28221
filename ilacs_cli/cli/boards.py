"""Commands on board meetings: `ilacs board add|list`."""

from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    By,
    Csv,
    DbOption,
    InspectionOption,
    Json,
    command_group,
    complete_inspection,
    human_day,
    nothing,
    open_store,
    parse_day,
)
from ilacs_cli.render import printable

board_app = command_group("board", "Board meetings that take each paper: the paper names the next one.")


@board_app.command("add")
def add(
    inspection: Annotated[
        str, typer.Argument(help="Inspection id, e.g. east-sussex-2023.", autocompletion=complete_inspection)
    ],
    day: Annotated[str, typer.Argument(help="The day it meets (10/06/2025, 2025-06-10).")],
    name: Annotated[Optional[str], typer.Option(help="Its name, e.g. Improvement Board.")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Record a board meeting of a plan; undo withdraws it.  Example: ilacs board add east-sussex-2023 10/06/2025 --name "Improvement Board" """
    from ilacs_cli.domain import boards

    store = open_store(db)
    print(printable(boards.add_board(store, inspection, parse_day(day, store), name=name, by=by)))


@board_app.command("list")
def list_(inspection: InspectionOption = None, db: DbOption = None, json: Json = False, csv: Csv = False) -> None:
    """Board meetings recorded, by plan and day.  Example: ilacs board list --inspection east-sussex-2023"""
    from ilacs_cli import render
    from ilacs_cli.domain import boards

    found = boards.list_boards(open_store(db), inspection)
    if json:
        print(render.as_json(found))
    else:
        render.table(
            "Board meetings",
            ["id", "inspection", "day", "name"],
            [[b.id, b.inspection, b.day if csv else human_day(b.day), b.name] for b in found],
            csv_out=csv,
            whole=("id",),
        )
    if not found:
        nothing("no board meetings recorded" + (f" for {inspection}" if inspection else ""))
