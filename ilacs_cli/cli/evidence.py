"""Commands on evidence of completion: `ilacs evidence add|check`."""

from typing import Annotated, Optional

import typer

from ilacs_cli.cli.common import (
    AFTERWORDS,
    By,
    Csv,
    DbOption,
    InspectionOption,
    Json,
    command_group,
    human_time,
    nothing,
    open_store,
)
from ilacs_cli.render import printable

evidence_app = command_group(
    "evidence", "Evidence that an action is complete: a link, or a file's path, size and SHA-256 (never its content)."
)


def evidence_line(item) -> str:
    """'E1 file /share/audit.pdf (12,345 bytes, sha256 9f86d081…) — note' as show and add print it."""
    if item.kind == "link":
        shown = f"{item.id} link {item.target}"
    else:
        shown = f"{item.id} file {item.target} ({item.size:,} bytes, sha256 {item.sha256[:12]}…)"
    return shown + (f": {item.note}" if item.note else "")


@evidence_app.command("add")
def evidence_add(
    action: Annotated[str, typer.Argument(help="Action id, e.g. 12.")],
    link_or_path: Annotated[str, typer.Argument(help="A link (https://...) or the path of an existing file.")],
    note: Annotated[Optional[str], typer.Option(help="What it shows (recorded with it).")] = None,
    by: By = None,
    db: DbOption = None,
) -> None:
    """Record evidence on an action: a link, or a file by its resolved path, size and SHA-256 (the file itself is never copied: it may hold children's details); undo takes it back.  Example: ilacs evidence add 12 "S:/Audits/supervision-audit.xlsx" --note "Audit of 40 cases" """
    from ilacs_cli.domain import evidence

    item = evidence.add(open_store(db), action, link_or_path, note=note, by=by)
    print(printable(f"action {item.action}: {evidence_line(item)}"))


@evidence_app.command("check")
def evidence_check(
    inspection: InspectionOption = None,
    db: DbOption = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Check each file recorded as evidence against the disk: ok, missing, or changed (its size or SHA-256 differs). Exits 1 when any is missing or changed, 0 when all are ok.  Example: ilacs evidence check --inspection east-sussex-2023"""
    from ilacs_cli import render
    from ilacs_cli.domain import evidence

    found = evidence.check(open_store(db), inspection)
    if not found:
        nothing("no files are recorded as evidence" + (f" in {inspection}" if inspection else ""))
    if json:
        print(render.as_json(found))
    else:
        render.table(
            "Evidence files",
            ["id", "action", "inspection", "state", "file", "bytes", "sha256", "added"],
            [
                [
                    e.id,
                    e.action,
                    e.inspection,
                    e.state,
                    e.target,
                    e.size if csv else f"{e.size:,}",
                    e.sha256 if csv else f"{e.sha256[:12]}…",
                    e.added_at if csv else human_time(e.added_at),
                ]
                for e in found
            ],
            csv_out=csv,
            whole=("id", "action", "state", "bytes"),
            optional=("sha256", "added", "inspection"),
        )
    wrong = [e for e in found if e.state != "ok"]
    if wrong:
        missing = sum(e.state == "missing" for e in wrong)
        AFTERWORDS.append(
            f"ilacs: {missing} missing, {len(wrong) - missing} changed of {len(found)} evidence files: "
            "record the file again with `ilacs evidence add`, or put it back"
        )
        raise typer.Exit(1)
