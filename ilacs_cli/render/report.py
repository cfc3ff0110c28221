"""The progress paper on one action plan, as Markdown or as one self-contained HTML page (inline CSS, SVG).

Depends only on the report dataclasses; every user-supplied string is escaped for the form it goes into.
"""

from __future__ import annotations

import html

from ilacs_cli.dates import human
from ilacs_cli.rules import JUDGEMENT_NAMES, RAG_DESCRIPTION, grade_name
from ilacs_cli.render.reminders import escape_markdown
from ilacs_cli.reports import AreaProgress, DeadlineOutcome, LateItem, Progress, Report, UpdateLine

# Chart order, with the Markdown bar character and the HTML colour of each status.
SEGMENTS = [("done", "#", "#00703c"), ("in-progress", "+", "#1d70b8"), ("blocked", "!", "#d4351c"),
            ("not-started", ".", "#b1b4b6"), ("cancelled", "x", "#f3f2f1")]
TEXT_BAR_WIDTH = 20
RAG_HEADERS = ["Area", "Ref", "Action", "Lead officer", "Target date", "Latest update", "Status", "RAG"]
LATE_HEADERS = ["Owner", "Id", "Action", "Area", "Due", "Working days late", "Status", "Latest update"]
UPDATE_HEADERS = ["Date", "Action", "By", "Change", "Note"]
PROGRESS_HEADERS = ["Area", "Not started", "In progress", "Blocked", "Done", "Cancelled", "% done", "Overdue"]


def _day(iso: str | None) -> str:
    return human(iso[:10]) if iso else "unknown"


def _counts(progress: Progress) -> dict[str, int]:
    return {"done": progress.done, "in-progress": progress.in_progress, "blocked": progress.blocked,
            "not-started": progress.not_started, "cancelled": progress.cancelled}


def _area_label(area: AreaProgress | int | None) -> str:
    number = area.area if isinstance(area, AreaProgress) else area
    return f"Area {number}" if number is not None else "No area"


def _done_text(progress: Progress) -> str:
    if progress.total == 0:
        return "no actions"
    percent = "—" if progress.percent_done is None else f"{progress.percent_done}%"
    late = f", {progress.overdue} overdue" if progress.overdue else ""
    return f"{progress.done} of {progress.total - progress.cancelled} done ({percent}){late}"


def title(report: Report) -> str:
    """'Action plan progress: East Sussex County Council (east-sussex-2023)'."""
    return f"Action plan progress: {report.authority or 'authority unknown'} ({report.inspection})"


def facts(report: Report) -> str:
    """The line under the title: as-of date, fieldwork, publication, kind, previous inspection."""
    previous = f"; previous inspection {report.previous_inspection}" if report.previous_inspection else ""
    return (f"As of {_day(report.as_of)}. Fieldwork {_day(report.fieldwork_start)} to {_day(report.fieldwork_end)}; "
            f"published {_day(report.published)}; kind {report.kind or 'unknown'}{previous}.")


def outcome(item: DeadlineOutcome) -> str:
    """'met on time (Wed 24 Apr 2024)', 'overdue: 5 working days late', 'open: 12 working days left'."""
    days = item.working_days
    plural = "" if days == 1 else "s"
    if item.outcome == "met on time":
        return f"met on time ({_day(item.deadline.met_on)})"
    if item.outcome == "met late":
        return f"met late ({_day(item.deadline.met_on)}, {days} working day{plural} late)"
    if item.outcome == "overdue":
        return f"overdue: {days} working day{plural} late"
    if item.outcome == "open":
        return "open: due today" if days == 0 else f"open: {days} working day{plural} left"
    return item.outcome


def _due(due: str | None, wording: str | None) -> str:
    return _day(due) + (f" ({wording})" if wording else "")


def _latest(row) -> str:
    if row.latest_update_on is None:
        return ""
    by = f" {row.latest_update_by}" if row.latest_update_by else ""
    note = f": {row.latest_update_note}" if row.latest_update_note else ""
    return f"{_day(row.latest_update_on)}{by}{note}"


def _rag_cells(report: Report) -> list[list[str]]:
    return [[str(r.area) if r.area is not None else "", r.ref or "", r.action, r.lead_officer or "unknown",
             _due(r.target_date, r.target_wording), _latest(r), r.status, r.rag.capitalize()] for r in report.plan]


def _late_cells(items: list[LateItem]) -> list[list[str]]:
    return [[item.owner or "owner unknown", item.id, item.title, str(item.area) if item.area is not None else "",
             _day(item.due), str(item.working_days_late) if item.working_days_late is not None else "",
             item.status, item.latest_note or ""] for item in items]


def _late_deadline_cells(items: list[LateItem]) -> list[list[str]]:
    return [[d.id, d.title, _day(d.due), "" if d.working_days_late is None else str(d.working_days_late)]
            for d in items]


def _change(update: UpdateLine) -> str:
    if update.correction:
        return update.correction.replace(" -> ", " → ")
    change = f"{update.old_status} → {update.new_status}" if update.old_status else f"added as {update.new_status}"
    return change + (f"; due now {_day(update.new_due)}" if update.new_due else "")


def _update_cells(report: Report) -> list[list[str]]:
    return [[_day(u.at), f"[{u.action_id}] {u.action_title}", u.author or "", _change(u), u.note or ""]
            for u in report.updates]


def _progress_cells(report: Report) -> list[list[str]]:
    return [[_area_label(a), str(a.progress.not_started), str(a.progress.in_progress), str(a.progress.blocked),
             str(a.progress.done), str(a.progress.cancelled),
             "—" if a.progress.percent_done is None else f"{a.progress.percent_done}%", str(a.progress.overdue)]
            for a in report.progress.areas]


def _rag_totals(report: Report) -> str:
    return f"Red {report.rag['red']}, amber {report.rag['amber']}, green {report.rag['green']}."


def _by_owner(items: list[LateItem]) -> str:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.owner or "owner unknown"] = counts.get(item.owner or "owner unknown", 0) + 1
    return "; ".join(f"{owner} {number}" for owner, number in counts.items())


def _scale(report: Report) -> int:
    return max((area.progress.total for area in report.progress.areas), default=0)


def _segments(progress: Progress, largest: int, width: float) -> list[tuple[str, int, float, float]]:
    """(status, count, start, length) of each non-empty segment, on a common scale where `largest` fills `width`."""
    result, done_so_far = [], 0
    for status, _, _ in SEGMENTS:
        number = _counts(progress)[status]
        if number:
            start = done_so_far * width / largest
            done_so_far += number
            result.append((status, number, start, done_so_far * width / largest - start))
    return result


# -- Markdown -----------------------------------------------------------------------

def _cell(value: str) -> str:
    return escape_markdown(" ".join(value.split()))


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    return (["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)] +
            ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows])


def _text_bar(progress: Progress, largest: int) -> str:
    chars = dict((status, char) for status, char, _ in SEGMENTS)
    text = ""
    for status, _, start, length in _segments(progress, largest, TEXT_BAR_WIDTH):
        text += chars[status] * (round(start + length) - round(start))
    return text.ljust(TEXT_BAR_WIDTH)


def markdown(report: Report) -> str:
    """The progress paper as Markdown (tables; the chart as a text bar per area)."""
    lines = [f"# {escape_markdown(title(report))}", "", escape_markdown(facts(report)), "", "## Judgements", ""]
    lines += _md_table(["Judgement", "Grade", "Previous grade"],
                       [[JUDGEMENT_NAMES[j.area], grade_name(j.grade),
                         grade_name(j.previous_grade)] for j in report.judgements])
    lines += ["", "## Deadlines", ""]
    lines += _md_table(["Id", "Deadline", "Due", "Rule", "Outcome"],
                       [[d.deadline.id, d.deadline.title, _due(d.deadline.due, d.deadline.wording),
                         d.deadline.rule or "stated date", outcome(d)] for d in report.deadlines])
    lines += ["", "## Progress by area for improvement", ""]
    for area in report.progress.areas:
        lines.append(f"- {_area_label(area)}: {_cell(area.area_title or 'area not stated')}")
    largest = _scale(report)
    lines += ["", "```text"]
    lines += [f"{_area_label(a):<8} {_text_bar(a.progress, largest) if largest else ''}  {_done_text(a.progress)}"
              for a in report.progress.areas]
    lines += ["```", "", "Bars: " + ", ".join(f"`{char}` {status}" for status, char, _ in SEGMENTS) +
              "; one bar length is the area with most actions.", ""]
    lines += _md_table(PROGRESS_HEADERS, _progress_cells(report))
    lines += ["", f"All areas: {_done_text(report.progress.progress)}.", "", "## RAG rating", "",
              f"{_rag_totals(report)} {RAG_DESCRIPTION}", ""]
    lines += _md_table(RAG_HEADERS, _rag_cells(report)) if report.plan else ["No actions recorded."]
    lines += ["", "## Late, and who owns it", ""]
    actions = [item for item in report.late if item.kind == "action"]
    deadlines = [item for item in report.late if item.kind == "deadline"]
    if not report.late:
        lines.append(f"Nothing is overdue as of {_day(report.as_of)}.")
    if actions:
        lines += [f"By owner: {escape_markdown(_by_owner(actions))}.", ""]
        lines += _md_table(LATE_HEADERS, _late_cells(actions))
    if deadlines:
        lines += ["", "Deadlines overdue:", ""]
        lines += _md_table(["Id", "Deadline", "Due", "Working days late"],
                           _late_deadline_cells(deadlines))
    lines += ["", f"## Status updates and corrections from {_day(report.since)} to {_day(report.as_of)}", ""]
    lines += (_md_table(UPDATE_HEADERS, _update_cells(report)) if report.updates
              else ["No status updates or corrections recorded in this period."])
    lines.append("")
    return "\n".join(lines)


# -- HTML ---------------------------------------------------------------------------

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 64em; margin: 1em auto; padding: 0 1em;
       line-height: 1.4; }
h1 { font-size: 1.4em; border-bottom: 3px solid #1d70b8; padding-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; }
p.facts { color: #505a5f; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; font-size: .92em; }
th, td { border: 1px solid #b1b4b6; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
td.num { text-align: right; }
td.rag { font-weight: bold; text-align: center; }
td.rag-red { background: #d4351c; color: #fff; }
td.rag-amber { background: #f47738; color: #0b0c0c; }
td.rag-green { background: #00703c; color: #fff; }
td.late { color: #d4351c; font-weight: bold; }
ol.areas li { margin-bottom: .2em; }
svg.chart { width: 100%; max-width: 52em; height: auto; display: block; margin: .5em 0; }
svg.chart text { font-family: Arial, Helvetica, sans-serif; font-size: 13px; fill: #0b0c0c; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h1, h2 { page-break-after: avoid; break-after: avoid; }
  tr, svg.chart { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def _table(headers: list[str], rows: list[list[str]], classes: dict[int, str] | None = None) -> str:
    """An HTML table; every cell escaped; `classes` gives a class to a column by index."""
    esc = html.escape
    parts = ["<table>\n<thead><tr>", "".join(f"<th>{esc(h)}</th>" for h in headers), "</tr></thead>\n<tbody>\n"]
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = (classes or {}).get(index)
            if css == "rag":
                css = f"rag rag-{cell.lower()}"
            cells.append(f'<td class="{esc(css)}">{esc(cell)}</td>' if css else f"<td>{esc(cell)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>\n")
    parts.append("</tbody>\n</table>\n")
    return "".join(parts)


def chart(report: Report) -> str:
    """Inline SVG: one horizontal bar per area, stacked by status, all on the same scale."""
    esc = html.escape
    label_width, bar_width, text_width, row_height, bar_height = 80, 460, 260, 28, 18
    width = label_width + bar_width + text_width
    areas = report.progress.areas
    legend_y = len(areas) * row_height + 14
    height = legend_y + 24
    largest = _scale(report)
    colours = {status: colour for status, _, colour in SEGMENTS}
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-labelledby="chart-title">\n'
             f'<title id="chart-title">Actions by status for each area for improvement of '
             f'{esc(report.inspection)}</title>\n']
    for index, area in enumerate(areas):
        y = index * row_height + 4
        label = _area_label(area)
        parts.append(f'<g class="area" data-area="{esc(label)}">\n'
                     f'<text x="0" y="{y + bar_height - 4}">{esc(label)}</text>\n')
        if largest:
            for status, number, start, length in _segments(area.progress, largest, bar_width):
                stroke = ' stroke="#505a5f"' if status == "cancelled" else ""
                parts.append(f'<rect class="bar" data-status="{status}" data-count="{number}" '
                             f'x="{label_width + start:.1f}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                             f'fill="{colours[status]}"{stroke}><title>{esc(label)}: {number} {status}</title>'
                             '</rect>\n')
        parts.append(f'<text x="{label_width + bar_width + 10}" y="{y + bar_height - 4}">'
                     f'{esc(_done_text(area.progress))}</text>\n</g>\n')
    x = 0
    for status, _, colour in SEGMENTS:
        stroke = ' stroke="#505a5f"' if status == "cancelled" else ""
        parts.append(f'<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{colour}"{stroke}></rect>'
                     f'<text x="{x + 20}" y="{legend_y + 12}">{status}</text>\n')
        x += 30 + 8 * len(status)
    parts.append("</svg>\n")
    return "".join(parts)


def html_page(report: Report) -> str:
    """The progress paper as one self-contained HTML page: inline CSS, the chart as inline SVG, print-ready."""
    esc = html.escape
    actions = [item for item in report.late if item.kind == "action"]
    deadlines = [item for item in report.late if item.kind == "deadline"]
    parts = ['<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
             f"<title>{esc(title(report))}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
             f"<h1>{esc(title(report))}</h1>\n<p class=\"facts\">{esc(facts(report))}</p>\n",
             "<h2>Judgements</h2>\n",
             _table(["Judgement", "Grade", "Previous grade"],
                    [[JUDGEMENT_NAMES[j.area], grade_name(j.grade),
                      grade_name(j.previous_grade)] for j in report.judgements]),
             "<h2>Deadlines</h2>\n",
             _table(["Id", "Deadline", "Due", "Rule", "Outcome"],
                    [[d.deadline.id, d.deadline.title, _due(d.deadline.due, d.deadline.wording),
                      d.deadline.rule or "stated date", outcome(d)] for d in report.deadlines]),
             "<h2>Progress by area for improvement</h2>\n<ol class=\"areas\">\n"]
    for area in report.progress.areas:
        parts.append(f"<li>{esc(_area_label(area))}: {esc(area.area_title or 'area not stated')}</li>\n")
    parts += ["</ol>\n", chart(report),
              _table(PROGRESS_HEADERS, _progress_cells(report), {i: "num" for i in range(1, 8)}),
              f"<p>All areas: {esc(_done_text(report.progress.progress))}.</p>\n",
              f"<h2>RAG rating</h2>\n<p>{esc(_rag_totals(report))} {esc(RAG_DESCRIPTION)}</p>\n",
              _table(RAG_HEADERS, _rag_cells(report), {7: "rag"}) if report.plan else "<p>No actions recorded.</p>\n",
              "<h2>Late, and who owns it</h2>\n"]
    if not report.late:
        parts.append(f"<p>Nothing is overdue as of {esc(_day(report.as_of))}.</p>\n")
    if actions:
        parts += [f"<p>By owner: {esc(_by_owner(actions))}.</p>\n",
                  _table(LATE_HEADERS, _late_cells(actions), {5: "late"})]
    if deadlines:
        parts += ["<p>Deadlines overdue:</p>\n",
                  _table(["Id", "Deadline", "Due", "Working days late"],
                         _late_deadline_cells(deadlines),
                         {3: "late"})]
    parts.append(f"<h2>Status updates and corrections from {esc(_day(report.since))} to {esc(_day(report.as_of))}</h2>\n")
    parts.append(_table(UPDATE_HEADERS, _update_cells(report)) if report.updates
                 else "<p>No status updates or corrections recorded in this period.</p>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)
