"""Output forms: terminal tables (rich), plain aligned text for pipes, JSON and CSV."""

from __future__ import annotations

import dataclasses
import sys

from ilacs_cli.errors import visible


def plain_wanted() -> bool:
    """Plain text when stdout is not a terminal. NO_COLOR keeps a terminal's table layout without colour."""
    return not sys.stdout.isatty()


def as_json(value) -> str:
    """Stable JSON (ISO dates) of dataclasses and lists of them."""
    import json

    def convert(item):
        if dataclasses.is_dataclass(item):  # fields marked metadata={"json": False} are internal
            return {
                field.name: convert(getattr(item, field.name))
                for field in dataclasses.fields(item)
                if field.metadata.get("json", True)
            }
        if isinstance(item, (list, tuple)):
            return [convert(val) for val in item]
        if isinstance(item, dict):
            return {key: convert(val) for key, val in item.items()}
        return item

    return json.dumps(convert(value), indent=2, ensure_ascii=False)


# The narrowest a wrapping column (titles, names) is let to get before a table leaves out an optional column.
MIN_WRAP = 10


def printable(value: object) -> str:
    """A cell's text with every control character written as a visible escape (errors.visible)."""
    return visible(value)


def _printable_row(line: list) -> list[str]:
    """A row's cells as text, escaped by `printable` only when some cell needs it (one test for the whole row)."""
    cells = list(map(str, line))
    return cells if "".join(cells).isprintable() else [printable(cell) for cell in cells]


def table(
    title: str | None,
    headers: list[str],
    rows: list[list[str]],
    *,
    csv_out: bool = False,
    whole: tuple[str, ...] = (),
    fixed: dict[str, int] | None = None,
    same: dict[str, str] | None = None,
    optional: tuple[str, ...] = (),
    red: list[bool] | None = None,
) -> None:
    """Print rows as CSV, plain aligned text, or a rich table.

    In a terminal only (CSV and piped text keep every column, for scripts), the table fits the terminal's width:
    `whole` columns (ids, statuses, dates, numbers) are never cut or wrapped, as wide as their widest cell, and
    `fixed` ones ({header: width}) wrap at a known place, while the others wrap; `same` columns ({header: value}),
    made constant by a filter, are left out and named in the title; `optional` columns are left out, in that order,
    while the table would not fit, and a caption says so; `red` rows (overdue) are red when colour is on (not with
    NO_COLOR)."""
    rows = [_printable_row(line) for line in rows]
    if csv_out:  # every CSV's headers are names a script or Power Query can use: `working_days_late`
        from ilacs_cli.exchange.sheets import neutral_row  # text Excel would run as a formula made inert

        _csv_to_stdout([[header.replace(" ", "_") for header in headers], *map(neutral_row, rows)])
        return
    title = printable(title) if title else title
    if plain_wanted():
        lines = [headers, *rows]
        widths = [max(map(len, column)) for column in zip(*lines)]
        layout = "  ".join(f"{{:<{width}}}" for width in widths)
        text = "\n".join(layout.format(*line).rstrip() for line in lines)
        sys.stdout.write(f"{title}\n{text}\n" if title else f"{text}\n")
        return
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console, same, fixed = Console(), same or {}, fixed or {}
    cells = [[str(line[index]) for line in rows] for index in range(len(headers))]

    def width(index: int) -> int:
        header = headers[index]
        if header in fixed:
            return fixed[header]
        widest = max([cell_len(cell) for cell in cells[index]] + [cell_len(word) for word in header.split()])
        return widest if header in whole else min(widest, MIN_WRAP)

    shown = [index for index, header in enumerate(headers) if header not in same]
    left_out = []
    for header in optional:  # each column costs its width, its padding and one rule
        if sum(width(index) + 3 for index in shown) + 1 <= console.width:
            break
        shown = [index for index in shown if headers[index] != header]
        left_out.append(header)
    if same and title:
        title = f"{title}: " + ", ".join(f"{header} {value}" for header, value in same.items())
    rich_table = Table(
        title=Text(title) if title else None,
        title_justify="left",
        caption=Text(f"Not shown at this width: {', '.join(left_out)} (--csv or --json give every column)")
        if left_out
        else None,
        caption_justify="left",
    )
    for index in shown:
        header = headers[index]
        if header in whole or header in fixed:  # a fixed width: rich never shrinks it; the header may wrap
            rich_table.add_column(header, width=width(index))
        else:
            rich_table.add_column(header, overflow="fold")
    for number, line in enumerate(zip(*(cells[index] for index in shown))):
        rich_table.add_row(
            *(Text(cell) for cell in line),  # Text: user text is never read as rich markup
            style="red" if red and red[number] else None,
        )
    console.print(rich_table)


def _csv_to_stdout(rows: list[list[str]]) -> None:
    """CSV rows on stdout, each ending CRLF as CSV's do, in UTF-8. Written to the bytes beneath stdout: through the
    text stream, Windows turns the row end's LF into CRLF again (`\\r\\r\\n`, a blank row after every row in Excel)."""
    import csv
    import io

    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stream without bytes beneath (an embedding program's): it does its own line ends
        csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
        return
    sys.stdout.flush()
    out = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
    try:
        csv.writer(out).writerows(rows)
        out.flush()
    finally:
        out.detach()


def guide(database: str) -> str:
    """What bare `ilacs` says: where the plan is and the everyday commands, in a screen, not the whole help."""
    return f"""ilacs tracks the action plan after an Ofsted ILACS inspection.
Database: {database}

Every day
  ilacs overdue                          what is late, oldest first
  ilacs due --within 10                  what falls due in 10 working days
  ilacs actions --owner "A Watson"       one person's actions
  ilacs update 12 --status in-progress --note "Audit booked"
  ilacs done 12                          an action done (D3: a deadline met)
For a board
  ilacs summary                          progress by inspection and area
  ilacs report ID -o paper.docx          the board paper (also .html, .md)
  ilacs changes                          what changed in the last 30 days
Starting
  ilacs seed                             five example plans (to try; then
                                         ilacs remove --examples)
  ilacs add-inspection ID --authority NAME --published DATE

Every command: ilacs -h    One command: ilacs COMMAND -h
"""
