"""Commands on owners: `ilacs owner add|set|list`."""

from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    By,
    Csv,
    DbOption,
    Json,
    command_group,
    complete_inspection,
    nothing,
    open_store,
)

# -- owners -------------------------------------------------------------------------

owner_app = command_group("owner", "People who own actions: e-mail addresses, roles, plans they coordinate.")
Coordinator = Annotated[
    Optional[list[str]],
    typer.Option(
        "--coordinator",
        help="Inspection whose plan they coordinate: they hear about its deadlines (repeat).",
        autocompletion=complete_inspection,
    ),
]


Authority = Annotated[
    Optional[str], typer.Option(help="The council they work for: its name or one of its inspection ids.")
]


def _print_owner(owner) -> None:
    address = f" <{owner.email}>" if owner.email else " (no e-mail on file)"
    coordinates = f"; coordinates {', '.join(owner.coordinates)}" if owner.coordinates else ""
    print(f"{owner.name}, {owner.authority or 'authority not yet set'}{address}{coordinates}")


@owner_app.command("add")
def owner_add(
    name: Annotated[str, typer.Argument(help='The name as it is on actions, e.g. "A Watson".')],
    email: Annotated[Optional[str], typer.Option(help="E-mail address for reminders.")] = None,
    role: Annotated[Optional[str], typer.Option(help="Job title, e.g. Head of Safeguarding.")] = None,
    authority: Authority = None,
    coordinator: Coordinator = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Register an owner in their council (--authority may be left out when the database holds one, or when --coordinator names their plan).  Example: ilacs owner add "A Watson" --email a.watson@council.gov.uk --authority east-sussex-2023"""
    from ilacs_cli.domain import owners

    store = open_store(db)
    _print_owner(
        owners.add_owner(
            store, name, email=email, role=role, coordinator_for=coordinator or [], authority=authority, by=by
        )
    )


@owner_app.command("set")
def owner_set(
    name: Annotated[str, typer.Argument(help='The name as it is on actions, e.g. "A Watson".')],
    email: Annotated[Optional[str], typer.Option(help='New address ("" removes it).')] = None,
    role: Annotated[Optional[str], typer.Option(help='New role ("" removes it).')] = None,
    rename: Annotated[Optional[str], typer.Option(help="New name; their actions move to it (recorded).")] = None,
    authority: Annotated[
        Optional[str], typer.Option(help="Which council's owner of this name (when two councils have one).")
    ] = None,
    move_to: Annotated[
        Optional[str],
        typer.Option("--move-to", help="The council they now work for: its name or one of its inspection ids."),
    ] = None,
    coordinator: Coordinator = None,
    not_coordinator: Annotated[
        Optional[list[str]], typer.Option("--not-coordinator", help="Inspection they no longer coordinate (repeat).")
    ] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Change an owner.  Example: ilacs owner set "A Watson" --email anna.watson@council.gov.uk"""
    from ilacs_cli.domain import owners

    store = open_store(db)
    _print_owner(
        owners.set_owner(
            store,
            name,
            authority=authority,
            move_to=move_to,
            new_name=rename,
            email=email,
            role=role,
            coordinator_for=coordinator or [],
            not_coordinator_for=not_coordinator or [],
            by=by,
        )
    )


@owner_app.command("list")
def owner_list(db: DbOption = None, json: Json = False, csv: Csv = False) -> None:
    """Registered owners, then names on actions with no registration (so no e-mail).  Example: ilacs owner list"""
    from ilacs_cli import render
    from ilacs_cli.domain import owners

    found = owners.list_owners(open_store(db))
    if not found:
        nothing("no owners yet: register one with `ilacs owner add NAME --email ADDRESS`, or add actions")
    if json:
        print(render.as_json(found))
        return
    render.table(
        "Owners",
        ["name", "authority", "email", "role", "coordinates", "open actions", "registered"],
        [
            [
                o.name,
                o.authority or "not set",
                o.email or "",
                o.role or "",
                " ".join(o.coordinates),
                o.actions_open,
                "yes" if o.registered else "no",
            ]
            for o in found
        ],
        csv_out=csv,
    )
