"""Output forms: terminal tables (rich), plain aligned text for pipes, JSON and CSV."""

from __future__ import annotations

import dataclasses
import os
import sys


def plain_wanted() -> bool:
    """Plain text when stdout is not a terminal or NO_COLOR is set."""
    return not sys.stdout.isatty() or "NO_COLOR" in os.environ


def as_json(value) -> str:
    """Stable JSON (ISO dates) of dataclasses and lists of them."""
    import json

    def convert(item):
        if dataclasses.is_dataclass(item):  # fields marked metadata={"json": False} are internal
            return {field.name: convert(getattr(item, field.name)) for field in dataclasses.fields(item)
                    if field.metadata.get("json", True)}
        if isinstance(item, (list, tuple)):
            return [convert(val) for val in item]
        if isinstance(item, dict):
            return {key: convert(val) for key, val in item.items()}
        return item
    return json.dumps(convert(value), indent=2, ensure_ascii=False)


def table(title: str | None, headers: list[str], rows: list[list[str]], *, csv_out: bool = False) -> None:
    """Print rows as CSV, plain aligned text, or a rich table."""
    if csv_out:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(headers)
        writer.writerows(rows)
        return
    if plain_wanted():
        lines = [headers, *([str(cell) for cell in line] for line in rows)]
        widths = [max(map(len, column)) for column in zip(*lines)]
        layout = "  ".join(f"{{:<{width}}}" for width in widths)
        text = "\n".join(layout.format(*line).rstrip() for line in lines)
        sys.stdout.write(f"{title}\n{text}\n" if title else f"{text}\n")
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rich_table = Table(title=Text(title) if title else None, title_justify="left")
    for header in headers:
        rich_table.add_column(header)
    for line in rows:
        rich_table.add_row(*(Text(str(cell)) for cell in line))  # Text: user text is never read as rich markup
    Console().print(rich_table)
