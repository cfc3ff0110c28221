"""The action plan as councils lay it out: one row per action, with its latest update and its RAG rating.

The rating rule itself is rules.RagRule (BRAG or RAG, by the council's settings); this module applies it to each
action, and counts the ratings for `summary`, `list` and `show`. Returns plain dataclasses; never
prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ilacs_cli.domain import plan, rules
from ilacs_cli.domain.plan import require_inspection

if TYPE_CHECKING:
    from ilacs_cli.storage.actions import PlanActionRow
    from ilacs_cli.storage.store import Reader


@dataclass
class PlanRow:
    inspection: str
    area: int | None
    area_title: str | None
    action_id: int
    ref: str | None
    action: str
    lead_officer: str | None
    target_date: str | None
    target_wording: str | None
    measure: str | None
    latest_update_on: str | None
    latest_update_by: str | None
    latest_update_note: str | None
    status: str
    rag: str
    # Re-scheduled with approval: `target_date` is then the revised date, the one the RAG counts against.
    planned_due: str | None = None
    revised_due: str | None = None
    revised_reason: str | None = None
    approved_by: str | None = None
    revised_on: str | None = None


def plan_rows(
    db: Reader, as_of: dt.date, inspection: str | None = None, settings: rules.RatingSettings | None = None
) -> Iterator[PlanRow]:
    """Every action (of one inspection, or all) with its latest update and rating (under `settings`, default
    BRAG), by inspection, area and due date.

    Rows are produced as they are read, so a national export need not hold them all at once.
    """
    if inspection is not None:
        require_inspection(db, inspection)
    rule = rules.rag_rule(as_of, db.calendar, settings)
    return (_plan_row(action, rule) for action in db.actions.in_plan_order(inspection))


def rating_counts(
    db: Reader, as_of: dt.date, settings: rules.RatingSettings, inspection: str | None = None
) -> dict[tuple[str, int | None], dict[str, int]]:
    """How many actions have each rating (rules.rag_counts), by (inspection, area) and by (inspection, ALL_AREAS):
    the same rule and rows as the export and the paper, so every output counts alike."""
    rags: dict[tuple[str, int | None], list[str]] = {}
    for row in plan_rows(db, as_of, inspection, settings):
        rags.setdefault((row.inspection, row.area), []).append(row.rag)
        rags.setdefault((row.inspection, ALL_AREAS), []).append(row.rag)
    return {where: rules.rag_counts(found, settings) for where, found in rags.items()}


def rate_actions(db: Reader, as_of: dt.date, settings: rules.RatingSettings, actions: list[plan.Action]) -> list[str]:
    """Each action's rating under `settings`, by the same rule as plan_rows (for `actions` and `show`)."""
    rule = rules.rag_rule(as_of, db.calendar, settings)
    return [rule.rate(action.status, action.due, action.updated_at) for action in actions]


ALL_AREAS = -1  # rating_counts's key for the whole inspection (areas are numbered from 1; None is no area)


def no_ratings(settings: rules.RatingSettings) -> dict[str, int]:
    """The counts of an inspection or area with no actions: every rating 0."""
    return rules.rag_counts([], settings)


def _plan_row(action: PlanActionRow, rule: rules.RagRule) -> PlanRow:
    updated_at = action.updated_at
    return PlanRow(
        action.inspection,
        action.area,
        action.area_title,
        action.id,
        action.ref,
        action.title,
        action.owner,
        action.due,
        action.wording,
        action.measure,
        action.update_on or (updated_at[:10] if updated_at else None),
        action.updated_by,
        action.update_note,
        action.status,
        rule.rate(action.status, action.due, updated_at),
        action.planned_due,
        action.revised_due,
        action.revised_reason,
        action.approved_by,
        action.revised_on,
    )
