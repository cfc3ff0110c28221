"""Reminder digests as plain text (cron mail, e-mail body), Markdown and self-contained HTML.

Depends only on the digest dataclasses; every user-supplied string is escaped for the form it goes into.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from ilacs_cli.dates.days import human
from ilacs_cli.domain.reminders import (
    BOARD_NO_EMAIL,
    EXCEPTIONS,
    NO_EMAIL,
    OFF_TARGET,
    Digest,
    MeasureItem,
    ReminderGroup,
    ReminderItem,
)
from ilacs_cli.domain.replies import GRAMMAR_LINES, ReplyTo
from ilacs_cli.domain.rules import UNKNOWN, deadline_status_name, status_name
from ilacs_cli.render import printable

COLUMNS = ["Id", "Action or deadline", "Owner", "Due", "Working days", "Status"]
MEASURE_COLUMNS = ["Id", "Measure", "Area", "Latest reading", "Target", "Direction of travel"]
# Sections whose lines name each action's owner (the reader is not the owner).
OWNER_SHOWN = (NO_EMAIL, EXCEPTIONS, BOARD_NO_EMAIL)
FOOTER = "Sent by ilacs. Please record progress with your plan coordinator, or yourself with the command: {command}"
COMMAND = "ilacs update ID --status STATUS --note TEXT"


def _day(iso: str) -> str:
    return human(dt.date.fromisoformat(iso))


def recipient(digest: Digest) -> str:
    return f"{digest.name} <{digest.email}>" if digest.email else f"{digest.name} (no e-mail on file)"


def summary(digest: Digest) -> str:
    """'As of Mon 23 Nov 2026: 2 overdue, 1 due within 10 working days.'"""
    asked = f"; {digest.not_stated} with no status recorded" if digest.not_stated else ""
    held = (
        f" {digest.held} {'reply' if digest.held == 1 else 'replies'} by e-mail held for your decision: "
        f"ilacs inbox --held."
        if digest.held
        else ""
    )
    return (
        f"As of {_day(digest.as_of)}: {digest.overdue} overdue, {digest.due_soon} due within "
        f"{digest.within} working days{asked}.{exceptions(digest)}{held}{boards(digest)}"
    )


def boards(digest: Digest) -> str:
    """' Improvement Board (east-sussex-2023) meets on Mon 8 Jan 2024: please send an update on 2 actions not
    updated since the last board, Wed 13 Dec 2023.' for each board the digest asks for updates before (or nothing)."""
    said = []
    for request in digest.boards:
        count = f"{request.actions} action{'' if request.actions == 1 else 's'}"
        since = (
            f"not updated since the last board, {_day(request.since)}"
            if request.since
            else "(the plan's first recorded board)"
        )
        said.append(
            f" {request.name} ({request.inspection}) meets on {_day(request.day)}: please send an update on "
            f"{count} {since}."
        )
    return "".join(said)


def exceptions(digest: Digest) -> str:
    """' In plans you coordinate: 2 overdue or blocked actions, 1 measure off target.' (or nothing)."""
    parts = []
    if digest.exceptions:
        parts.append(f"{digest.exceptions} overdue or blocked action{'' if digest.exceptions == 1 else 's'}")
    if digest.off_target:
        count = len(digest.off_target)
        parts.append(f"{count} measure{'' if count == 1 else 's'} off target")
    return f" In plans you coordinate: {', '.join(parts)}." if parts else ""


def group_heading(group: ReminderGroup) -> str:
    plan = f"{group.authority or 'authority unknown'} ({group.inspection})"
    if group.area is not None:
        return f"{plan}, area {group.area}: {group.area_title}"
    return plan


def when(item: ReminderItem) -> str:
    """How late, or how long is left, in working days."""
    if item.status == UNKNOWN:  # never called late: the source document gave no status, and no one has since
        return "please record it"
    if item.due is None:  # a blocked action with no due date (an exception)
        return "no due date"
    days = item.working_days
    plural = "" if days == 1 else "s"
    if item.overdue:
        return f"{days} working day{plural} late"
    return "due today" if days == 0 else f"{days} working day{plural} left"


def due(item: ReminderItem) -> str:
    """'Thu 31 Oct 2024 (by October)'; re-scheduled: 'Thu 31 Oct 2024, revised to Fri 31 Jan 2025, approved by ...'."""
    from ilacs_cli.domain.rules import due_shown

    return due_shown(item.due, item.planned_due, item.revised_due, item.approved_by, _day, "not set", item.wording)


def cells(item: ReminderItem) -> list[str]:
    """One item as the row COLUMNS describe."""
    owner = item.owner or ("" if item.kind == "deadline" else "owner unknown")
    return [item.id, item.title, owner, due(item), when(item), _status(item)]


def amount(value: float | int | None, unit: str) -> str:
    """'24%', '12 children'."""
    if value is None:
        return "none yet"
    return f"{value}{unit}" if unit == "%" else f"{value} {unit}"


def measure_cells(item: MeasureItem) -> list[str]:
    """One measure as the row MEASURE_COLUMNS describe."""
    latest = amount(item.latest, item.unit) + (f" on {_day(item.latest_on)}" if item.latest_on else "")
    target = (
        amount(item.target, item.unit)
        + (f" by {_day(item.target_by)}" if item.target_by else "")
        + f" ({item.better} is better)"
    )
    return [item.id, item.title, str(item.area), latest, target, item.direction or "one reading so far"]


def plan_heading(inspection: str, authority: str | None) -> str:
    return f"{authority or 'authority unknown'} ({inspection})"


def _by_plan(items: list[MeasureItem]) -> dict[tuple[str, str | None], list[MeasureItem]]:
    plans: dict[tuple[str, str | None], list[MeasureItem]] = {}
    for item in items:
        plans.setdefault((item.inspection, item.authority), []).append(item)
    return plans


def _status(item: ReminderItem) -> str:
    """'In progress' for an action; a deadline's status ('open') as it is."""
    return status_name(item.status) if item.kind == "action" else deadline_status_name(item.status)


# -- plain text ---------------------------------------------------------------------


def text(digests: list[Digest], *, addressed: bool = True, reply: ReplyTo | None = None) -> str:
    """Digests as plain text; `addressed` adds a To: line to each (for a report, not an e-mail body); `reply`
    (one digest's e-mail) adds the reply grammar in two lines."""
    return ("\n" + "-" * 72 + "\n\n").join(_text(digest, addressed, reply) for digest in digests)


def _text(digest: Digest, addressed: bool, reply: ReplyTo | None = None) -> str:
    lines = [f"To: {recipient(digest)}"] if addressed else []
    lines.append(summary(digest))
    if reply:
        lines += ["", *GRAMMAR_LINES]
    for section in digest.sections:
        lines += ["", section.heading]
        for group in section.groups:
            lines.append(f"  {group_heading(group)}")
            for item in group.items:
                owner = f"; owner {item.owner or 'unknown'}" if section.heading in OWNER_SHOWN else ""
                lines.append(f"    [{item.id}] {item.title}")
                lines.append(f"        due {due(item)}: {when(item)}; {_status(item).lower()}{owner}")
    if digest.off_target:
        lines += ["", OFF_TARGET]
        for (inspection, authority), measures in _by_plan(digest.off_target).items():
            lines.append(f"  {plan_heading(inspection, authority)}")
            for measure in measures:
                _, title, area, latest, target, travel = measure_cells(measure)
                lines.append(f"    [{measure.id}] {title} (area {area})")
                lines.append(f"        latest {latest}; target {target}; {travel}")
    if not addressed:
        lines += ["", FOOTER.format(command=COMMAND)]
    return "\n".join(printable(line) for line in lines) + "\n"


# -- Markdown -----------------------------------------------------------------------

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")  # an HTML tag, comment or autolink would start here
_EMPHASIS = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # an underscore inside a word is never emphasis
_PUNCTUATION_AFTER = re.compile(r"\\(?=[!-/:-@\[-`{-~])")  # a backslash that would escape what follows


def escape_markdown(value: str, *, table: bool = False) -> str:
    """User text made inert in Markdown, control characters shown as escapes, with a backslash only where the text
    would otherwise be read as markup: text pasted into Word, Teams or an e-mail shows few or no backslashes.

    Escaped: a backslash before punctuation, backticks, asterisks, an underscore at a word's edge, `<` opening a
    tag, `~~`, square brackets where they could make a link (`](`, `][`, `[...]:`), `!` before `[`, and `|` in
    a table cell (`table`). Parentheses, `#`, `{}` and a lone `[23]` are left alone: nothing reads them there."""
    text = printable(value)
    text = _PUNCTUATION_AFTER.sub(r"\\\\", text)
    text = text.replace("`", "\\`").replace("*", "\\*").replace("~~", "\\~\\~")
    text = _EMPHASIS.sub(r"\\_", text)
    text = _TAG_START.sub(r"\\<", text)
    if re.search(r"\]\s*[(\[:]", text):
        text = text.replace("[", "\\[").replace("]", "\\]")
    text = text.replace("![", "\\![") if "![" in text else text
    return text.replace("|", "\\|") if table else text


def _markdown_table(heading: str, columns: list[str], rows: list[list[str]]) -> list[str]:
    """A level-3 heading and a Markdown table under it, every cell escaped."""
    return [
        "",
        f"### {escape_markdown(heading)}",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(escape_markdown(cell, table=True) for cell in row) + " |" for row in rows),
    ]


def markdown(digests: list[Digest]) -> str:
    """Digests as Markdown: a heading per recipient, a table per inspection and area."""
    lines: list[str] = []
    for digest in digests:
        lines += [f"# To: {escape_markdown(recipient(digest))}", "", escape_markdown(summary(digest))]
        for section in digest.sections:
            lines += ["", f"## {section.heading}"]
            for group in section.groups:
                lines += _markdown_table(group_heading(group), COLUMNS, [cells(item) for item in group.items])
        if digest.off_target:
            lines += ["", f"## {OFF_TARGET}"]
            for (inspection, authority), measures in _by_plan(digest.off_target).items():
                lines += _markdown_table(
                    plan_heading(inspection, authority), MEASURE_COLUMNS, [measure_cells(item) for item in measures]
                )
        lines.append("")
    return "\n".join(lines)


# -- HTML ---------------------------------------------------------------------------

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 60em; margin: 1em auto; padding: 0 1em; }
h1 { font-size: 1.3em; border-bottom: 2px solid #1d70b8; padding-bottom: .2em; }
h2 { font-size: 1.1em; margin-top: 1.4em; }
caption { font-size: 1em; font-weight: bold; color: #505a5f; text-align: left; padding: .8em 0 .4em; }
p { font-family: Arial, Helvetica, sans-serif; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1em; font-family: Arial, Helvetica, sans-serif;
        font-size: 14px; }
th, td { border: 1px solid #b1b4b6; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
tbody th { background: none; font-weight: normal; }
td.late { color: #b00020; font-weight: bold; }
td.nowrap { white-space: nowrap; }
code { font-family: Consolas, "Courier New", monospace; background: #f3f2f1; padding: 0 .2em; }
section + section { page-break-before: always; }
p.footer { color: #505a5f; font-size: .9em; }
"""
# What a mail client that drops styles still draws: borders, padding, a grey header row.
TABLE = '<table border="1" cellpadding="6" cellspacing="0" width="100%">'
HEADER_CELL = '<th align="left" valign="top" bgcolor="#f3f2f1" scope="col">'
ROW_HEADER = COLUMNS.index("Action or deadline")  # the cell that names its row, read before each of the others


def heading(digest: Digest) -> str:
    """The e-mail's one top heading: 'Action plan reminder for A Watson, Tue 2 Jan 2024'."""
    return f"Action plan reminder for {digest.name}, {_day(digest.as_of)}"


def html_page(digests: list[Digest], *, addressed: bool = True, reply: ReplyTo | None = None) -> str:
    """Digests as one self-contained HTML page (a style sheet in its head); `addressed` adds a To: heading to
    each; `reply` (one digest's e-mail) adds to each of the owner's actions links that open a reply already
    addressed, its first line written ("12 done: ")."""
    esc = html.escape
    title = f"ILACS action plan reminders, {_day(digests[0].as_of)}" if digests else "ILACS action plan reminders"
    parts = [
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n',
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
    ]
    for digest in digests:
        parts.append("<section>\n")
        parts.append(f"<h1>{esc('To: ' + recipient(digest) if addressed else heading(digest))}</h1>\n")
        parts.append(f"<p>{esc(summary(digest))}</p>\n")
        if reply:
            parts.append(f"<p>{esc(' '.join(GRAMMAR_LINES))}</p>\n")
        for section in digest.sections:
            parts.append(f"<h2>{esc(section.heading)}</h2>\n")
            for group in section.groups:
                parts.append(f"{TABLE}\n<caption>{esc(group_heading(group))}</caption>\n<thead><tr>")
                parts.append(
                    "".join(f"{HEADER_CELL}{esc(column)}</th>" for column in COLUMNS) + "</tr></thead>\n<tbody>\n"
                )
                for item in group.items:
                    row = [f'<td valign="top">{esc(cell)}</td>' for cell in cells(item)]
                    row[ROW_HEADER] = (
                        f'<th valign="top" align="left" scope="row">{esc(item.title)}{_answers(item, reply)}</th>'
                    )
                    row[3] = f'<td valign="top" class="nowrap">{esc(due(item))}</td>'
                    if item.overdue:
                        row[4] = f'<td valign="top" class="late"><font color="#b00020">{esc(when(item))}</font></td>'
                    parts.append("<tr>" + "".join(row) + "</tr>\n")
                parts.append("</tbody>\n</table>\n")
        if digest.off_target:
            parts.append(f"<h2>{esc(OFF_TARGET)}</h2>\n")
            for (inspection, authority), measures in _by_plan(digest.off_target).items():
                parts.append(f"{TABLE}\n<caption>{esc(plan_heading(inspection, authority))}</caption>\n<thead><tr>")
                parts.append(
                    "".join(f"{HEADER_CELL}{esc(column)}</th>" for column in MEASURE_COLUMNS)
                    + "</tr></thead>\n<tbody>\n"
                )
                for measure in measures:
                    row = [f'<td valign="top">{esc(cell)}</td>' for cell in measure_cells(measure)]
                    row[1] = f'<th valign="top" align="left" scope="row">{esc(measure.title)}</th>'
                    parts.append("<tr>" + "".join(row) + "</tr>\n")
                parts.append("</tbody>\n</table>\n")
        if not addressed:
            parts.append(f'<p class="footer">{esc(FOOTER).format(command=f"<code>{esc(COMMAND)}</code>")}</p>\n')
        parts.append("</section>\n")
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


ANSWERS = (
    ("Mark done", "done: "),
    ("Send an update", "in progress: "),
    ("Ask for a new date", "new date DD/MM/YYYY: "),
)


def _answers(item: ReminderItem, reply: ReplyTo | None) -> str:
    """Links that open a reply to the council's inbox with the action's first line written, for an action the
    reply's token lists; each link's text names the action, so a screen reader's list of links is clear."""
    if reply is None or item.kind != "action" or int(item.id) not in reply.actions:
        return ""
    from urllib.parse import quote

    subject = quote(reply.subject(f"Re: action {item.id}"))
    links = [
        f'<a href="mailto:{quote(reply.address, safe="@+.")}?subject={subject}&amp;body={quote(f"{item.id} {verb}")}"'
        f' aria-label="{html.escape(f"{label} for action {item.id}: {item.title}")}">{label}</a>'
        for label, verb in ANSWERS
    ]
    return '<br><span class="answers">' + " · ".join(links) + "</span>"


def email_html(digest: Digest, *, reply: ReplyTo | None = None) -> str:
    """One digest as the HTML part of an e-mail: the style sheet inlined into each element's style attribute
    (css-inline), since Outlook and many webmail clients drop a <style> block, and the sheet kept too for those
    that read it."""
    import css_inline

    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False).inline(
        html_page([digest], addressed=False, reply=reply)
    )
