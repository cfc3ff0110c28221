"""Actions and their status updates (the history of each action's status and due date): the rows, the reads for
listings, reminders and plans, and the writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from ilacs_cli.storage import sql, sqlite
from ilacs_cli.storage.corrections import REVISED, Corrections
from ilacs_cli.storage.database import Repository, WritingRepository, now
from ilacs_cli.storage.windows import DueWindow


class ActionRow(NamedTuple):
    id: int
    inspection: str
    authority: str | None
    area_id: int | None
    area: int | None  # the area for improvement's number
    area_title: str | None
    key: str | None
    ref: str | None
    title: str
    owner: str | None
    due: str | None
    wording: str | None
    measure: str | None
    status: str
    created_at: str
    source: str | None
    updated_at: str | None  # the latest status update's time, author and note
    updated_by: str | None
    update_note: str | None
    due_number: int | None
    owner_name: str | None  # the registered owner of this name in the action's authority, if any
    owner_email: str | None
    inferred: str  # JSON: field -> the reason it was inferred
    planned_due: str | None  # the date first planned; `due` is the revised one when it was re-scheduled
    revised_due: str | None
    revised_reason: str | None
    approved_by: str | None
    revised_on: str | None


class ActionLineRow(NamedTuple):
    """An action as a plan's listings show it (show, actions, overdue, due): `ActionRow` without the names, history
    and owner's address that only exports, reminders and papers use. Half the columns: on 3,310 overdue actions of
    a national database the query took 20 ms against 50 ms for whole records."""

    id: int
    inspection: str
    area: int | None
    ref: str | None
    title: str
    owner: str | None
    due: str | None
    wording: str | None
    measure: str | None
    status: str
    updated_at: str | None
    due_number: int | None
    inferred: str
    planned_due: str | None  # the date first planned; `due` is the revised one when it was re-scheduled
    revised_due: str | None
    revised_reason: str | None
    approved_by: str | None
    revised_on: str | None


class OwedActionRow(NamedTuple):
    """An action as a reminder names it: where it belongs (authority, area) and its owner's registered name and
    address in the action's authority, if any; none of its measure, source or latest update."""

    id: int
    inspection: str
    authority: str | None
    area: int | None
    area_title: str | None
    title: str
    owner: str | None
    due: str | None
    wording: str | None
    status: str
    due_number: int | None
    owner_name: str | None
    owner_email: str | None
    planned_due: str | None  # the date first planned; `due` is the revised one when it was re-scheduled
    revised_due: str | None
    revised_reason: str | None
    approved_by: str | None
    revised_on: str | None


class PlanActionRow(NamedTuple):
    """An action as a plan's rows lay it out (export, the board paper, the workbook): its area's number and title
    and its latest update, without the owner's address or the history's fields."""

    id: int
    inspection: str
    area: int | None
    area_title: str | None
    ref: str | None
    title: str
    owner: str | None
    due: str | None
    wording: str | None
    measure: str | None
    status: str
    updated_at: str | None
    updated_by: str | None
    update_note: str | None
    planned_due: str | None  # the date first planned; `due` is the revised one when it was re-scheduled
    revised_due: str | None
    revised_reason: str | None
    approved_by: str | None
    revised_on: str | None
    update_on: str | None  # the day the latest update describes (its --on, else the day it was recorded)


class StatusUpdateRow(NamedTuple):
    id: int
    action_id: int
    at: str
    author: str | None
    old_status: str | None
    new_status: str
    old_due: str | None
    new_due: str | None
    note: str | None
    batch: str | None
    undoes: int | None
    origin: str
    on_day: str | None  # the day it describes, when not the day it was entered
    sequence: int | None  # the order of its command among all commands
    inspection: str
    action_title: str
    area: int | None
    action_status: str  # the action's status and due date now
    action_due: str | None
    # The Message-ID of the owner's reply by e-mail it was recorded from (issue 30: `ilacs inbox`, or a held reply
    # accepted), found by the command that recorded both; None for every other update.
    reply: str | None


class ActionCountsRow(NamedTuple):
    """How many actions of one area (or of an inspection's actions with no area) have each status, and are late."""

    inspection: str
    area: int | None  # the area's number; None: actions with no area
    area_title: str | None
    not_started: int
    in_progress: int
    blocked: int
    done: int
    cancelled: int
    not_stated: int  # status unknown
    overdue: int
    rescheduled: int  # given a revised date (ilacs reschedule), whatever their status


_DUE = sql.effective_due("a")  # the date an action is late against, and listed by


_ACTION = sql.columns(
    ActionRow,
    {
        "id": "a.id",
        "inspection": "a.inspection_id",
        "authority": "i.authority",
        "area_id": "a.area_id",
        "area": "ar.number",
        "area_title": "ar.title",
        "key": "a.key",
        "ref": "a.ref",
        "title": "a.title",
        "owner": "a.owner",
        "due": _DUE,
        "wording": "a.wording",
        "measure": "a.measure",
        "status": "a.status",
        "created_at": "a.created_at",
        "source": "a.source",
        "updated_at": "a.updated_at",
        "updated_by": "a.updated_by",
        "update_note": "a.update_note",
        "due_number": "c_due.number",
        "owner_name": "o.name",
        "owner_email": "o.email",
        "inferred": "a.inferred",
        "planned_due": "a.due",
        "revised_due": "a.revised_due",
        "revised_reason": "a.revised_reason",
        "approved_by": "a.approved_by",
        "revised_on": "a.revised_on",
    },
)


_ACTION_SOURCES = f"""FROM actions a JOIN inspections i ON i.id = a.inspection_id
               LEFT JOIN areas ar ON ar.id = a.area_id
               LEFT JOIN calendar c_due ON c_due.day = {_DUE}
               LEFT JOIN owners o ON o.authority = i.authority AND lower(o.name) = lower(a.owner)"""


_ACTIONS = f"SELECT {_ACTION} {_ACTION_SOURCES}"


_ACTION_LINES = f"""SELECT {
    sql.columns(
        ActionLineRow,
        {
            "id": "a.id",
            "inspection": "a.inspection_id",
            "area": "ar.number",
            "ref": "a.ref",
            "title": "a.title",
            "owner": "a.owner",
            "due": _DUE,
            "wording": "a.wording",
            "measure": "a.measure",
            "status": "a.status",
            "updated_at": "a.updated_at",
            "due_number": "c_due.number",
            "inferred": "a.inferred",
            "planned_due": "a.due",
            "revised_due": "a.revised_due",
            "revised_reason": "a.revised_reason",
            "approved_by": "a.approved_by",
            "revised_on": "a.revised_on",
        },
    )
}
    FROM actions a LEFT JOIN areas ar ON ar.id = a.area_id LEFT JOIN calendar c_due ON c_due.day = {_DUE}"""


_OWED_ACTIONS = f"""SELECT {
    sql.columns(
        OwedActionRow,
        {
            "id": "a.id",
            "inspection": "a.inspection_id",
            "authority": "i.authority",
            "area": "ar.number",
            "area_title": "ar.title",
            "title": "a.title",
            "owner": "a.owner",
            "due": _DUE,
            "wording": "a.wording",
            "status": "a.status",
            "due_number": "c_due.number",
            "owner_name": "o.name",
            "owner_email": "o.email",
            "planned_due": "a.due",
            "revised_due": "a.revised_due",
            "revised_reason": "a.revised_reason",
            "approved_by": "a.approved_by",
            "revised_on": "a.revised_on",
        },
    )
}
    {_ACTION_SOURCES}"""


_PLAN_ACTIONS = f"""SELECT {
    sql.columns(
        PlanActionRow,
        {
            "id": "a.id",
            "inspection": "a.inspection_id",
            "area": "ar.number",
            "area_title": "ar.title",
            "ref": "a.ref",
            "title": "a.title",
            "owner": "a.owner",
            "due": _DUE,
            "wording": "a.wording",
            "measure": "a.measure",
            "status": "a.status",
            "updated_at": "a.updated_at",
            "updated_by": "a.updated_by",
            "update_note": "a.update_note",
            "planned_due": "a.due",
            "revised_due": "a.revised_due",
            "revised_reason": "a.revised_reason",
            "approved_by": "a.approved_by",
            "revised_on": "a.revised_on",
            "update_on": "(SELECT coalesce(s.on_day, substr(s.at, 1, 10)) FROM status_updates s "
            "WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1)",
        },
    )
}
    FROM actions a LEFT JOIN areas ar ON ar.id = a.area_id"""


_UPDATE = sql.columns(
    StatusUpdateRow,
    {
        "id": "s.id",
        "action_id": "s.action_id",
        "at": "s.at",
        "author": "s.author",
        "old_status": "s.old_status",
        "new_status": "s.new_status",
        "old_due": "s.old_due",
        "new_due": "s.new_due",
        "note": "s.note",
        "batch": "s.batch",
        "undoes": "s.undoes",
        "origin": "s.origin",
        "on_day": "s.on_day",
        "sequence": "b.rowid",
        "inspection": "a.inspection_id",
        "action_title": "a.title",
        "area": "ar.number",
        "action_status": "a.status",
        "action_due": "a.due",
        "reply": "coalesce((SELECT r.message_id FROM replies r WHERE r.batch = s.batch), (SELECT r.message_id "
        "FROM reply_decisions d JOIN replies r ON r.id = d.reply_id WHERE d.batch = s.batch))",
    },
)


_UPDATES = f"""SELECT {_UPDATE} FROM status_updates s JOIN actions a ON a.id = s.action_id
               LEFT JOIN areas ar ON ar.id = a.area_id LEFT JOIN batches b ON b.id = s.batch"""


def action_filters(
    id: int | None,
    inspection: str | None,
    owner: str | None,
    status: str | tuple[str, ...] | None,
    area: int | None,
    due_before: dt.date | None,
    window: DueWindow | None,
) -> tuple[str, dict]:
    """The WHERE clause and parameters of the actions' listings (matching, lines, owed)."""
    where, params = sql.filters(
        {
            "a.id = :id": id,
            "a.inspection_id = :inspection": inspection,
            "lower(a.owner) = lower(:owner)": owner,
            "ar.number = :area": area,
            f"{_DUE} < :due_before": due_before,
        }
    )
    if status is not None:
        clause, statuses = sql.statuses_in("a.status", status)
        where = f"{where} AND {clause}"
        params.update(statuses)
    if window is not None:
        clause, window_params = sql.window(window, "a")
        where, params = f"{where} AND {clause}", {**params, **window_params}
    return where, params


class ActionReads(Repository):
    """Actions and status updates, read."""

    def get(self, action_id: int) -> ActionRow | None:
        found = self.matching(id=action_id)
        return found[0] if found else None

    def matching(
        self,
        *,
        id: int | None = None,
        inspection: str | None = None,
        owner: str | None = None,
        status: str | tuple[str, ...] | None = None,
        area: int | None = None,
        due_before: dt.date | None = None,
        window: DueWindow | None = None,
    ) -> list[ActionRow]:
        """Actions matching every filter given (`status`: one, or any of several), earliest due first (no due date
        last); owners ignoring case."""
        where, params = action_filters(id, inspection, owner, status, area, due_before, window)
        return self._all(f"{_ACTIONS} WHERE {where} ORDER BY {_DUE} IS NULL, {_DUE}, a.id", params, ActionRow)

    def lines(
        self,
        *,
        inspection: str | None = None,
        owner: str | None = None,
        status: str | tuple[str, ...] | None = None,
        area: int | None = None,
        due_before: dt.date | None = None,
        window: DueWindow | None = None,
    ) -> list[ActionLineRow]:
        """As `actions`, each as the shorter record a listing needs."""
        where, params = action_filters(None, inspection, owner, status, area, due_before, window)
        return self._all(f"{_ACTION_LINES} WHERE {where} ORDER BY {_DUE} IS NULL, {_DUE}, a.id", params, ActionLineRow)

    def owed(
        self, window: DueWindow, *, inspection: str | None = None, owner: str | None = None
    ) -> list[OwedActionRow]:
        """As `actions` in `window` (of one inspection, or owned by one name), each as a reminder names it."""
        where, params = action_filters(None, inspection, owner, None, None, None, window)
        return self._all(f"{_OWED_ACTIONS} WHERE {where} ORDER BY {_DUE} IS NULL, {_DUE}, a.id", params, OwedActionRow)

    def ids(self) -> list[int]:
        return [row[0] for row in self._all("SELECT id FROM actions ORDER BY id")]

    def owners(self, inspection: str | None = None) -> list[str]:
        """The names on actions (of one inspection, or all), once each in any case, alphabetically."""
        return [
            row[0]
            for row in self._all(
                "SELECT min(owner) FROM actions WHERE (:inspection IS NULL OR inspection_id = :inspection) "
                "AND owner IS NOT NULL GROUP BY lower(owner) ORDER BY lower(owner)",
                {"inspection": inspection},
            )
        ]

    def in_plan_order(self, inspection: str | None = None) -> Iterator[PlanActionRow]:
        """Every action (of one inspection, or all) as a plan lists them: by inspection, area, due date; streamed."""
        return self._rows(
            f"""{_PLAN_ACTIONS} WHERE :inspection IS NULL OR a.inspection_id = :inspection
                              ORDER BY a.inspection_id, ar.number IS NULL, ar.number, {_DUE} IS NULL, {_DUE}, a.id""",
            {"inspection": inspection},
            PlanActionRow,
        )

    def counts(
        self, overdue: DueWindow, statuses: tuple[str, ...], inspection: str | None = None
    ) -> list[ActionCountsRow]:
        """Per area of every inspection (or the one named), areas with no actions included, then per inspection
        its actions with no area: how many actions have each of `statuses` (the row's fields, in order), and how
        many are in the `overdue` window; by inspection and area number. Counted in one pass over the actions, then
        joined to the areas."""
        if len(statuses) != len(ActionCountsRow._fields) - 5:
            raise ValueError(f"one count per status of {ActionCountsRow._fields[3:-2]}, not {statuses}")
        # count(*) FILTER: a third faster here than sum(a.status = ...) over 29,376 actions (19 against 29 ms)
        by_status = ", ".join(
            f"{sqlite.count_where(f'a.status = {status!r}')} AS s{index}" for index, status in enumerate(statuses)
        )
        counts = ", ".join(f"coalesce(c.s{index}, 0)" for index in range(len(statuses)))
        late, params = sql.window(overdue, "a")
        counted = sqlite.materialized(
            "counted",
            f"""
                  SELECT a.inspection_id, a.area_id, {by_status}, {sqlite.count_where(late)} AS late,
                    {sqlite.count_where("a.revised_due IS NOT NULL")} AS rescheduled
                  FROM actions a WHERE :inspection IS NULL OR a.inspection_id = :inspection
                  GROUP BY a.inspection_id, a.area_id""",
        )
        return self._all(
            f"""WITH {counted}
                SELECT * FROM (
                  SELECT ar.inspection_id AS inspection, ar.number AS area, ar.title, {counts}, coalesce(c.late, 0),
                    coalesce(c.rescheduled, 0)
                  FROM areas ar LEFT JOIN counted c ON c.area_id = ar.id
                  WHERE :inspection IS NULL OR ar.inspection_id = :inspection
                  UNION ALL
                  SELECT c.inspection_id, NULL, NULL, {counts}, c.late, c.rescheduled FROM counted c
                  WHERE c.area_id IS NULL) AS areas_counted
                ORDER BY inspection, area IS NULL, area""",
            {**params, "inspection": inspection},
            ActionCountsRow,
        )

    def updates(self, action_id: int) -> list[StatusUpdateRow]:
        return self._all(f"{_UPDATES} WHERE s.action_id = ? ORDER BY s.id", (action_id,), StatusUpdateRow)

    def update_counts(self, inspection: str | None = None) -> dict[int, int]:
        """How many status updates each action has (of one inspection, or all), by action id."""
        return dict(
            self._all(
                """SELECT s.action_id, count(*) FROM status_updates s JOIN actions a ON a.id = s.action_id
               WHERE :inspection IS NULL OR a.inspection_id = :inspection GROUP BY s.action_id""",
                {"inspection": inspection},
            )
        )

    def updates_between(
        self, inspection: str | None, since: dt.date, until: dt.date | None = None
    ) -> list[StatusUpdateRow]:
        """Status updates (of one inspection's actions, or all) recorded from `since` to `until` (whole days; no
        end when None), oldest first."""
        return self._all(
            f"{_UPDATES} WHERE (:inspection IS NULL OR a.inspection_id = :inspection) "
            "AND s.at >= :since AND (:until IS NULL OR s.at < :until) ORDER BY s.at, s.id",
            {"inspection": inspection, **sql.between(since, until)},
            StatusUpdateRow,
        )

    def updates_describing(self, inspection: str, since: dt.date, until: dt.date) -> list[StatusUpdateRow]:
        """Status updates of one inspection's actions that describe a day from `since` to `until` (the day given
        with --on, else the day recorded), by that day then as recorded."""
        return self._all(
            f"{_UPDATES} WHERE a.inspection_id = :inspection "
            "AND coalesce(s.on_day, substr(s.at, 1, 10)) BETWEEN :since AND :until "
            "ORDER BY coalesce(s.on_day, substr(s.at, 1, 10)), s.at, s.id",
            {"inspection": inspection, "since": since.isoformat(), "until": until.isoformat()},
            StatusUpdateRow,
        )

    def updates_of_batch(self, batch: str) -> list[StatusUpdateRow]:
        """The status updates one command wrote, newest first."""
        return self._all(f"{_UPDATES} WHERE s.batch = ? ORDER BY s.id DESC", (batch,), StatusUpdateRow)

    def updates_after(self, action_id: int, update_id: int) -> list[StatusUpdateRow]:
        """Status updates of an action recorded after the given one."""
        return self._all(
            f"{_UPDATES} WHERE s.action_id = ? AND s.id > ? ORDER BY s.id", (action_id, update_id), StatusUpdateRow
        )


class Actions(ActionReads, WritingRepository):
    """Actions and status updates, read and written."""

    def add(
        self,
        *,
        inspection: str,
        area_id: int | None,
        title: str,
        owner: str | None,
        due: str | None,
        wording: str | None,
        ref: str | None = None,
        measure: str | None = None,
        key: str | None = None,
        source: str | None = None,
        status: str = "not-started",
        note: str | None = "action added",
        author: str | None = None,
        at: str | None = None,
        on_day: str | None = None,
        inferred: str = "{}",
    ) -> int | None:
        """Write an action and its first status update (describing `on_day`, when not the day it is written);
        returns its id, or None when an action with that seed key exists already (nothing is written then)."""
        stamp = at or now()
        action_id = self.db.insert(
            "INSERT INTO actions (inspection_id, area_id, key, ref, title, owner, due, wording, measure, created_at, "
            "source, inferred) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (inspection_id, key) DO NOTHING",
            (inspection, area_id, key, ref, title, owner, due, wording, measure, stamp, source, inferred),
        )
        if action_id is None:
            return None
        self.record_update(
            action_id, old_status=None, new_status=status, note=note, at=stamp, author=author, on_day=on_day
        )
        return action_id

    def record_update(
        self,
        action_id: int,
        *,
        old_status: str | None,
        new_status: str,
        old_due: str | None = None,
        new_due: str | None = None,
        note: str | None = None,
        undoes: int | None = None,
        at: str | None = None,
        on_day: str | None = None,
        author: str | None = None,
    ) -> None:
        """Add a status update (the trigger sets the action's status, due date and latest update from it),
        stamped with this transaction's batch, origin and author (unless another author is given)."""
        batch = self.db.current_batch()
        self.db.write(
            "INSERT INTO status_updates (action_id, at, author, old_status, new_status, old_due, new_due, "
            "note, batch, undoes, origin, on_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                action_id,
                at or now(),
                author or batch.author,
                old_status,
                new_status,
                old_due,
                new_due,
                note,
                batch.id,
                undoes,
                batch.origin,
                on_day,
            ),
        )

    def correct(self, action_id: int, changes: Mapping[str, object], *, undoes: dict[str, int] | None = None) -> None:
        """Set an action's title, owner, measure, area_id, ref, wording or revised date (with its reason, approver
        and day), each change recorded with its old value (status and due date change only by status updates)."""
        Corrections(self.db).correct(
            "action", action_id, changes, ("title", "owner", "measure", "area_id", "ref", "wording", *REVISED), undoes
        )
