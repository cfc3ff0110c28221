"""Named, append-only schema migrations, applied by sqlite-utils' Migrations.

Imported by every command (the store checks which are applied); sqlite-utils itself is imported only when a
database is created or is behind. Each migration carries its own literal SQL: never build one from a constant
that may change later, or new and upgraded databases would differ (tests/cli/test_migrations.py compares them).
"""

from __future__ import annotations

M001_SCHEMA = """
CREATE TABLE calendar (
    day TEXT PRIMARY KEY,
    number INTEGER NOT NULL,
    working INTEGER NOT NULL CHECK (working IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX calendar_number ON calendar (number, working);
CREATE TABLE inspections (
    id TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9-]*'),
    authority TEXT,
    authority_source TEXT,
    kind TEXT CHECK (kind IS NULL OR kind IN ('standard', 'short', 'focused-visit', 'monitoring-visit', 'jtai')),
    fieldwork_start TEXT,
    fieldwork_end TEXT,
    published TEXT,
    previous_id TEXT,
    source TEXT,
    notes TEXT
);
CREATE TABLE judgements (
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    area TEXT NOT NULL CHECK (area IN ('leadership', 'help-and-protection', 'children-in-care', 'care-leavers', 'children-in-care-and-care-leavers', 'overall')),
    grade TEXT CHECK (grade IS NULL OR grade IN ('outstanding', 'good', 'requires-improvement', 'inadequate', 'not-applicable')),
    previous_grade TEXT CHECK (previous_grade IS NULL OR previous_grade IN ('outstanding', 'good', 'requires-improvement', 'inadequate', 'not-applicable')),
    source TEXT,
    PRIMARY KEY (inspection_id, area)
);
CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL CHECK (trim(title) <> ''),
    points TEXT NOT NULL DEFAULT '[]',
    source TEXT,
    UNIQUE (inspection_id, number)
);
CREATE TABLE deadlines (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    key TEXT NOT NULL,
    title TEXT NOT NULL CHECK (trim(title) <> ''),
    kind TEXT NOT NULL DEFAULT 'deadline' CHECK (kind IN ('deadline', 'milestone')),
    due TEXT,
    wording TEXT,
    rule_count INTEGER,
    rule_unit TEXT CHECK (rule_unit IS NULL OR rule_unit IN ('working-days', 'calendar-days')),
    rule_after TEXT CHECK (rule_after IS NULL OR rule_after IN ('published', 'fieldwork_end')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'missed')),
    met_on TEXT,
    source TEXT,
    UNIQUE (inspection_id, key)
);
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    area_id INTEGER REFERENCES areas (id),
    key TEXT,
    ref TEXT,
    title TEXT NOT NULL CHECK (trim(title) <> ''),
    owner TEXT,
    due TEXT,
    wording TEXT,
    measure TEXT,
    status TEXT NOT NULL DEFAULT 'not-started' CHECK (status IN ('not-started', 'in-progress', 'blocked', 'done', 'cancelled')),
    created_at TEXT NOT NULL,
    source TEXT,
    UNIQUE (inspection_id, key)
);
CREATE INDEX actions_due ON actions (status, due);
CREATE INDEX actions_owner ON actions (owner);
CREATE TABLE status_updates (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions (id),
    at TEXT NOT NULL,
    author TEXT,
    old_status TEXT CHECK (old_status IS NULL OR old_status IN ('not-started', 'in-progress', 'blocked', 'done', 'cancelled')),
    new_status TEXT NOT NULL CHECK (new_status IN ('not-started', 'in-progress', 'blocked', 'done', 'cancelled')),
    old_due TEXT,
    new_due TEXT,
    note TEXT
);
CREATE INDEX status_updates_action ON status_updates (action_id, id);
-- An action's current status is its latest update: kept here, in one place.
CREATE TRIGGER status_update_sets_action AFTER INSERT ON status_updates
BEGIN
    UPDATE actions SET status = NEW.new_status,
        due = CASE WHEN NEW.new_due IS NOT NULL THEN NEW.new_due ELSE due END
    WHERE id = NEW.action_id;
END;
"""


def m001_initial(db) -> None:
    """Tables for inspections, judgements, areas, deadlines, actions, status updates and the calendar."""
    from ilacs_cli.dates.workdays import calendar_rows

    _run(db, M001_SCHEMA)
    db["calendar"].insert_all(
        ({"day": day, "number": number, "working": working} for day, number, working in calendar_rows()),
        batch_size=5000,
    )


def _run(db, script: str) -> None:
    """Execute each statement of an SQL script in turn (inside the migration's transaction)."""
    for statement in _statements(script):
        db.execute(statement)


def _statements(script: str) -> list[str]:
    import sqlite3

    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return statements


M002_SCHEMA = """
CREATE TABLE owners (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (trim(name) <> '' AND instr(name, char(10)) = 0 AND instr(name, char(13)) = 0),
    email TEXT CHECK (email IS NULL OR (email LIKE '%_@_%' AND instr(email, char(10)) = 0 AND instr(email, char(13)) = 0)),
    role TEXT CHECK (role IS NULL OR instr(role, char(10)) = 0 AND instr(role, char(13)) = 0),
    created_at TEXT NOT NULL
);
CREATE TABLE coordinators (
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    owner_id INTEGER NOT NULL REFERENCES owners (id),
    PRIMARY KEY (inspection_id, owner_id)
);
CREATE TABLE reminders_sent (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    recipient TEXT NOT NULL,
    name TEXT,
    fingerprint TEXT NOT NULL,
    subject TEXT NOT NULL,
    items INTEGER NOT NULL,
    message_id TEXT,
    sent_at TEXT NOT NULL,
    UNIQUE (day, recipient, fingerprint)
);
"""


def m002_owners_and_reminders(db) -> None:
    """Owners with e-mail addresses, plan coordinators, and the log of reminders sent."""
    _run(db, M002_SCHEMA)


M003_SCHEMA = """
ALTER TABLE status_updates ADD COLUMN batch TEXT;
ALTER TABLE status_updates ADD COLUMN undoes INTEGER REFERENCES status_updates (id);
CREATE INDEX status_updates_batch ON status_updates (batch);
CREATE INDEX status_updates_undoes ON status_updates (undoes);
-- History is evidence: nothing may change or remove a status update, only add one.
CREATE TRIGGER status_updates_refuse_update BEFORE UPDATE ON status_updates
BEGIN
    SELECT RAISE(ABORT, 'status updates are history: they cannot be changed, only added to');
END;
CREATE TRIGGER status_updates_refuse_delete BEFORE DELETE ON status_updates
BEGIN
    SELECT RAISE(ABORT, 'status updates are history: they cannot be deleted, only added to');
END;
"""


def m003_history_is_append_only(db) -> None:
    """Status updates carry the command (batch) that wrote them and what they undo; triggers refuse edits."""
    _run(db, M003_SCHEMA)


M004_SCHEMA = """
CREATE INDEX actions_inspection ON actions (inspection_id, status, due);
CREATE INDEX deadlines_inspection ON deadlines (inspection_id, status, due);
"""


def m004_indexes_by_inspection(db) -> None:
    """Per-inspection counts (list, summary) read one inspection's actions, not every action's."""
    _run(db, M004_SCHEMA)


M005_SCHEMA = """
-- The latest status update's time, author and note, kept on the action (as its status is) so that reads need
-- not look them up: the trigger that sets the status sets them too.
ALTER TABLE actions ADD COLUMN updated_at TEXT;
ALTER TABLE actions ADD COLUMN updated_by TEXT;
ALTER TABLE actions ADD COLUMN update_note TEXT;
UPDATE actions SET (updated_at, updated_by, update_note) = (
    SELECT s.at, s.author, s.note FROM status_updates s
    WHERE s.id = (SELECT max(id) FROM status_updates WHERE action_id = actions.id));
DROP TRIGGER status_update_sets_action;
CREATE TRIGGER status_update_sets_action AFTER INSERT ON status_updates
BEGIN
    UPDATE actions SET status = NEW.new_status,
        due = CASE WHEN NEW.new_due IS NOT NULL THEN NEW.new_due ELSE due END,
        updated_at = NEW.at, updated_by = NEW.author, update_note = NEW.note
    WHERE id = NEW.action_id;
END;
-- Progress counts per inspection and area (summary, report) read this index alone, in its order.
CREATE INDEX actions_area ON actions (inspection_id, area_id, status, due);
-- Owners are matched ignoring case (`actions --owner`, `overdue --owner`, reminders): index them so.
DROP INDEX actions_owner;
CREATE INDEX actions_owner ON actions (owner COLLATE NOCASE);
"""


def m005_latest_update_on_actions(db) -> None:
    """Each action carries its latest update (time, author, note); actions indexed by inspection and area, and by
    owner ignoring case."""
    _run(db, M005_SCHEMA)


M006_SCHEMA = """
-- Owners belong to an authority: "A Watson" may be registered by two councils, and an action's owner is
-- matched only within its inspection's authority. SQLite changes a table's constraints by rebuilding it
-- (foreign keys are off while migrations run, and checked after).
CREATE TABLE owners_by_authority (
    id INTEGER PRIMARY KEY,
    authority TEXT CHECK (authority IS NULL OR trim(authority) <> ''),
    name TEXT NOT NULL COLLATE NOCASE CHECK (trim(name) <> '' AND instr(name, char(10)) = 0 AND instr(name, char(13)) = 0),
    email TEXT CHECK (email IS NULL OR (email LIKE '%_@_%' AND instr(email, char(10)) = 0 AND instr(email, char(13)) = 0)),
    role TEXT CHECK (role IS NULL OR instr(role, char(10)) = 0 AND instr(role, char(13)) = 0),
    created_at TEXT NOT NULL,
    UNIQUE (authority, name)
);
-- Each owner goes to the one authority of the actions they own and the plans they coordinate; to the only
-- authority when the database holds one; else nowhere (authority NULL: matched to no action until placed).
INSERT INTO owners_by_authority (id, authority, name, email, role, created_at)
SELECT o.id, coalesce(
    (SELECT CASE WHEN count(DISTINCT authority) = 1 THEN max(authority) END FROM (
        SELECT i.authority FROM actions a JOIN inspections i ON i.id = a.inspection_id
        WHERE a.owner = o.name COLLATE NOCASE AND i.authority IS NOT NULL
        UNION
        SELECT i.authority FROM coordinators c JOIN inspections i ON i.id = c.inspection_id
        WHERE c.owner_id = o.id AND i.authority IS NOT NULL)),
    (SELECT CASE WHEN count(DISTINCT authority) = 1 THEN max(authority) END FROM inspections
     WHERE authority IS NOT NULL)),
  o.name, o.email, o.role, o.created_at
FROM owners o;
DROP TABLE owners;
ALTER TABLE owners_by_authority RENAME TO owners;
"""


def m006_owners_belong_to_an_authority(db) -> None:
    """Owners carry their authority; one name may be registered once per authority."""
    _run(db, M006_SCHEMA)


M007_SCHEMA = """
-- Where each status update came from, as a column rather than as text in its author's name.
ALTER TABLE status_updates ADD COLUMN origin TEXT NOT NULL DEFAULT 'command'
    CHECK (origin IN ('seed', 'import', 'command', 'undo'));
-- Filling it in for the history already held is the one edit of history allowed, so the trigger that
-- refuses edits steps aside for it. Before this column, seed loads and imports were told by their author.
DROP TRIGGER status_updates_refuse_update;
UPDATE status_updates SET origin = CASE
    WHEN undoes IS NOT NULL THEN 'undo'
    WHEN author LIKE 'seed: %' THEN 'seed'
    WHEN author LIKE 'import: %' THEN 'import'
    ELSE 'command' END;
CREATE TRIGGER status_updates_refuse_update BEFORE UPDATE ON status_updates
BEGIN
    SELECT RAISE(ABORT, 'status updates are history: they cannot be changed, only added to');
END;
"""


def m007_status_update_origin(db) -> None:
    """Status updates say where they came from: seed, import, command or undo."""
    _run(db, M007_SCHEMA)


M008_SCHEMA = """
-- Every command that changes the plan is a batch: who ran it, when, what it was, and what it undoes.
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    author TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('seed', 'import', 'command', 'undo')),
    command TEXT NOT NULL,
    note TEXT,
    undoes TEXT REFERENCES batches (id)
);
CREATE INDEX batches_author ON batches (author, at);
CREATE INDEX batches_undoes ON batches (undoes);
-- The commands recorded before this table: one batch for each batch id the history holds.
INSERT INTO batches (id, at, author, origin, command)
SELECT batch, min(at), max(author), max(origin),
       CASE max(origin) WHEN 'command' THEN 'update' ELSE max(origin) END
FROM status_updates WHERE batch IS NOT NULL GROUP BY batch ORDER BY min(at), min(id);
-- Corrections: each field of an action, deadline or owner changed in place, with what it was before.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL REFERENCES batches (id),
    subject TEXT NOT NULL CHECK (subject IN ('action', 'deadline', 'owner')),
    subject_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    undoes INTEGER REFERENCES changes (id)
);
CREATE INDEX changes_subject ON changes (subject, subject_id, id);
CREATE INDEX changes_batch ON changes (batch);
-- The day a status update describes (update --on), when it is not the day it was entered.
ALTER TABLE status_updates ADD COLUMN on_day TEXT;
-- An inspection removed (ilacs remove): who, when, and the backup made first. Its history may be deleted only
-- while its removal is under way, inside the transaction that records it.
CREATE TABLE removals (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL REFERENCES batches (id),
    inspection_id TEXT NOT NULL,
    authority TEXT,
    backup TEXT NOT NULL,
    under_way INTEGER NOT NULL DEFAULT 1 CHECK (under_way IN (0, 1))
);
DROP TRIGGER status_updates_refuse_delete;
CREATE TRIGGER status_updates_refuse_delete BEFORE DELETE ON status_updates
WHEN NOT EXISTS (SELECT 1 FROM removals r JOIN actions a ON a.inspection_id = r.inspection_id
                 WHERE r.under_way = 1 AND a.id = OLD.action_id)
BEGIN
    SELECT RAISE(ABORT, 'status updates are history: they cannot be deleted, only added to');
END;
CREATE TRIGGER changes_refuse_update BEFORE UPDATE ON changes
BEGIN
    SELECT RAISE(ABORT, 'changes are history: they cannot be changed, only added to');
END;
CREATE TRIGGER changes_refuse_delete BEFORE DELETE ON changes
WHEN NOT EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1 AND (
    (OLD.subject = 'action' AND EXISTS (SELECT 1 FROM actions a WHERE a.id = OLD.subject_id
                                        AND a.inspection_id = r.inspection_id))
    OR (OLD.subject = 'deadline' AND EXISTS (SELECT 1 FROM deadlines d WHERE d.id = OLD.subject_id
                                             AND d.inspection_id = r.inspection_id))))
BEGIN
    SELECT RAISE(ABORT, 'changes are history: they cannot be deleted, only added to');
END;
"""


def m008_every_change_recorded(db) -> None:
    """Commands recorded as batches (who, when, what); corrections as changes with their old values; the day an
    update describes; inspections removed."""
    _run(db, M008_SCHEMA)


M009_SCHEMA = """
-- A digest being sent: claimed under the write lock before it goes to the SMTP server, so that two runs of
-- `ilacs remind --send` (cron and a catch-up timer) never both send it. Removed when it is logged as sent, or
-- when sending fails; a claim left by a run that was killed is taken over once it is stale.
CREATE TABLE reminder_claims (
    day TEXT NOT NULL,
    recipient TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    run TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (day, recipient, fingerprint)
);
"""


def m009_reminder_claims(db) -> None:
    """Digests claimed by the run sending them, so overlapping runs never send one twice."""
    _run(db, M009_SCHEMA)


# Where a time is stored, with the column that names its row. Claims (reminder_claims) stay in UTC: only their age
# is compared, never their day.
M010_TIMES = (
    ("status_updates", "id", "at"),
    ("batches", "rowid", "at"),
    ("actions", "id", "created_at"),
    ("actions", "id", "updated_at"),
    ("owners", "id", "created_at"),
    ("reminders_sent", "id", "sent_at"),
)
M010_REFUSE_UPDATE = """
CREATE TRIGGER status_updates_refuse_update BEFORE UPDATE ON status_updates
BEGIN
    SELECT RAISE(ABORT, 'status updates are history: they cannot be changed, only added to');
END;
"""


def m010_times_in_england(db) -> None:
    """Times are England's local time with its offset (they were UTC), so that a time's first ten characters are
    its day in England: an update at 00:30 BST belongs to that day, not the one before. The same instants, written
    the way they are compared; as in m007, the trigger that refuses edits steps aside for this one."""
    from ilacs_cli.dates.days import in_england

    db.execute("DROP TRIGGER status_updates_refuse_update")
    for table, key, column in M010_TIMES:
        rows = db.execute(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()
        db.conn.executemany(
            f"UPDATE {table} SET {column} = ? WHERE {key} = ?", [(in_england(time), row) for row, time in rows]
        )
    _run(db, M010_REFUSE_UPDATE)


M011_SCHEMA = """
-- Read-only views for colleagues browsing the plan (Datasette, or any SQLite client): what is overdue and due soon
-- today, with working days counted in the calendar table; progress by area; each plan's actions with their latest
-- update; deadlines with their rules. Areas appear by number, never by row id, and no view names an owner's
-- e-mail address. "Today" is the machine's local date. These views restate rules.py's definitions of overdue
-- (open, due before today) and due soon (open, due today or within 10 working days): tests/cli/test_browse.py checks
-- them against `ilacs overdue` and `ilacs due`.
CREATE VIEW plan AS
SELECT a.inspection_id AS inspection, i.authority, ar.number AS area, ar.title AS area_title, a.id AS action_id,
       a.ref, a.title AS action, a.owner, a.due, a.wording AS target_as_written, a.measure, a.status,
       a.updated_at AS latest_update_at, a.updated_by AS latest_update_by, a.update_note AS latest_update
FROM actions a JOIN inspections i ON i.id = a.inspection_id LEFT JOIN areas ar ON ar.id = a.area_id
ORDER BY a.inspection_id, ar.number IS NULL, ar.number, a.due IS NULL, a.due, a.id;
CREATE VIEW overdue AS
SELECT p.inspection, p.authority, p.area, p.area_title, p.action_id, p.ref, p.action, p.owner, p.due,
       (SELECT number FROM calendar WHERE day = date('now', 'localtime'))
         - (SELECT number FROM calendar WHERE day = p.due) AS working_days_late,
       CAST(julianday(date('now', 'localtime')) - julianday(p.due) AS INTEGER) AS days_late,
       p.status, p.latest_update_at, p.latest_update
FROM plan p
WHERE p.status IN ('not-started', 'in-progress', 'blocked') AND p.due < date('now', 'localtime')
ORDER BY working_days_late DESC, p.inspection, p.action_id;
CREATE VIEW due_soon AS
SELECT p.inspection, p.authority, p.area, p.area_title, p.action_id, p.ref, p.action, p.owner, p.due,
       (SELECT number FROM calendar WHERE day = p.due)
         - (SELECT number FROM calendar WHERE day = date('now', 'localtime')) AS working_days_left,
       p.status, p.latest_update_at, p.latest_update
FROM plan p
WHERE p.status IN ('not-started', 'in-progress', 'blocked') AND p.due >= date('now', 'localtime')
  AND p.due < (SELECT min(day) FROM calendar WHERE working = 1 AND number =
               (SELECT number FROM calendar WHERE day = date('now', 'localtime')) + 11)
ORDER BY p.due, p.inspection, p.action_id;
CREATE VIEW progress_by_area AS
SELECT a.inspection_id AS inspection, ar.number AS area, ar.title AS area_title,
       sum(a.status = 'not-started') AS not_started, sum(a.status = 'in-progress') AS in_progress,
       sum(a.status = 'blocked') AS blocked, sum(a.status = 'done') AS done, sum(a.status = 'cancelled') AS cancelled,
       count(*) AS actions,
       CASE WHEN count(*) > sum(a.status = 'cancelled')
            THEN 100 * sum(a.status = 'done') / (count(*) - sum(a.status = 'cancelled')) END AS percent_done,
       sum(a.status IN ('not-started', 'in-progress', 'blocked') AND a.due < date('now', 'localtime')) AS overdue
FROM actions a LEFT JOIN areas ar ON ar.id = a.area_id
GROUP BY a.inspection_id, a.area_id
ORDER BY a.inspection_id, ar.number IS NULL, ar.number;
CREATE VIEW deadlines_with_rules AS
SELECT d.inspection_id AS inspection, i.authority, 'D' || d.id AS deadline, d.title, d.due, d.wording,
       CASE WHEN d.rule_count IS NOT NULL
            THEN d.rule_count || ' ' || replace(d.rule_unit, '-', ' ') || ' after '
                 || CASE d.rule_after WHEN 'published' THEN 'publication' ELSE 'the end of fieldwork' END END AS rule,
       d.status, d.met_on
FROM deadlines d JOIN inspections i ON i.id = d.inspection_id
ORDER BY d.inspection_id, d.due IS NULL, d.due, d.id;
"""


def m011_views_for_browsers(db) -> None:
    """Views of the plan for colleagues' browsers and other SQLite clients: overdue, due soon, progress by area, the
    plan, deadlines with their rules."""
    _run(db, M011_SCHEMA)


M012_SCHEMA = """
-- Stated, inferred or unknown (issue 18). A fact a document does not give is a value: an action's status
-- 'unknown' (shown "not stated") and a deadline's outcome 'unknown' ("outcome not recorded"), neither done nor
-- late. A fact worked out from a document keeps its reason: `inferred` holds a JSON object of field: reason on
-- inspections, deadlines and actions; an inspection's `sources` is a JSON list of the documents its facts come
-- from ({file, date, title}). SQLite changes a CHECK constraint by rebuilding the table (foreign keys are off
-- while migrations run, and checked after); the views of m011 and the triggers that read these tables are made
-- again around the rebuild, as they were, with one column more in progress_by_area.
DROP VIEW overdue;
DROP VIEW due_soon;
DROP VIEW progress_by_area;
DROP VIEW plan;
DROP VIEW deadlines_with_rules;
DROP TRIGGER changes_refuse_delete;
ALTER TABLE inspections ADD COLUMN inferred TEXT NOT NULL DEFAULT '{}';
ALTER TABLE inspections ADD COLUMN sources TEXT NOT NULL DEFAULT '[]';
CREATE TABLE deadlines_m012 (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    key TEXT NOT NULL,
    title TEXT NOT NULL CHECK (trim(title) <> ''),
    kind TEXT NOT NULL DEFAULT 'deadline' CHECK (kind IN ('deadline', 'milestone')),
    due TEXT,
    wording TEXT,
    rule_count INTEGER,
    rule_unit TEXT CHECK (rule_unit IS NULL OR rule_unit IN ('working-days', 'calendar-days')),
    rule_after TEXT CHECK (rule_after IS NULL OR rule_after IN ('published', 'fieldwork_end')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'missed', 'unknown')),
    met_on TEXT,
    source TEXT,
    inferred TEXT NOT NULL DEFAULT '{}',
    UNIQUE (inspection_id, key)
);
INSERT INTO deadlines_m012 (id, inspection_id, key, title, kind, due, wording, rule_count, rule_unit, rule_after,
                            status, met_on, source)
SELECT id, inspection_id, key, title, kind, due, wording, rule_count, rule_unit, rule_after, status, met_on, source
FROM deadlines;
DROP TABLE deadlines;
ALTER TABLE deadlines_m012 RENAME TO deadlines;
CREATE INDEX deadlines_inspection ON deadlines (inspection_id, status, due);
DROP TRIGGER status_update_sets_action;
DROP TRIGGER status_updates_refuse_update;
DROP TRIGGER status_updates_refuse_delete;
CREATE TABLE actions_m012 (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    area_id INTEGER REFERENCES areas (id),
    key TEXT,
    ref TEXT,
    title TEXT NOT NULL CHECK (trim(title) <> ''),
    owner TEXT,
    due TEXT,
    wording TEXT,
    measure TEXT,
    status TEXT NOT NULL DEFAULT 'not-started' CHECK (status IN ('not-started', 'in-progress', 'blocked', 'done', 'cancelled', 'unknown')),
    created_at TEXT NOT NULL,
    source TEXT,
    updated_at TEXT,
    updated_by TEXT,
    update_note TEXT,
    inferred TEXT NOT NULL DEFAULT '{}',
    UNIQUE (inspection_id, key)
);
INSERT INTO actions_m012 (id, inspection_id, area_id, key, ref, title, owner, due, wording, measure, status,
                          created_at, source, updated_at, updated_by, update_note)
SELECT id, inspection_id, area_id, key, ref, title, owner, due, wording, measure, status, created_at, source,
       updated_at, updated_by, update_note
FROM actions;
DROP TABLE actions;
ALTER TABLE actions_m012 RENAME TO actions;
CREATE INDEX actions_due ON actions (status, due);
CREATE INDEX actions_owner ON actions (owner COLLATE NOCASE);
CREATE INDEX actions_inspection ON actions (inspection_id, status, due);
CREATE INDEX actions_area ON actions (inspection_id, area_id, status, due);
CREATE TABLE status_updates_m012 (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions (id),
    at TEXT NOT NULL,
    author TEXT,
    old_status TEXT CHECK (old_status IS NULL OR old_status IN ('not-started', 'in-progress', 'blocked', 'done', 'cancelled', 'unknown')),
    new_status TEXT NOT NULL CHECK (new_status IN ('not-started', 'in-progress', 'blocked', 'done', 'cancelled', 'unknown')),
    old_due TEXT,
    new_due TEXT,
    note TEXT,
    batch TEXT,
    undoes INTEGER REFERENCES status_updates (id),
    origin TEXT NOT NULL DEFAULT 'command' CHECK (origin IN ('seed', 'import', 'command', 'undo')),
    on_day TEXT
);
INSERT INTO status_updates_m012 (id, action_id, at, author, old_status, new_status, old_due, new_due, note, batch,
                                 undoes, origin, on_day)
SELECT id, action_id, at, author, old_status, new_status, old_due, new_due, note, batch, undoes, origin, on_day
FROM status_updates;
DROP TABLE status_updates;
ALTER TABLE status_updates_m012 RENAME TO status_updates;
CREATE INDEX status_updates_action ON status_updates (action_id, id);
CREATE INDEX status_updates_batch ON status_updates (batch);
CREATE INDEX status_updates_undoes ON status_updates (undoes);
CREATE TRIGGER status_update_sets_action AFTER INSERT ON status_updates
BEGIN
    UPDATE actions SET status = NEW.new_status,
        due = CASE WHEN NEW.new_due IS NOT NULL THEN NEW.new_due ELSE due END,
        updated_at = NEW.at, updated_by = NEW.author, update_note = NEW.note
    WHERE id = NEW.action_id;
END;
CREATE TRIGGER status_updates_refuse_update BEFORE UPDATE ON status_updates
BEGIN
    SELECT RAISE(ABORT, 'status updates are history: they cannot be changed, only added to');
END;
CREATE TRIGGER status_updates_refuse_delete BEFORE DELETE ON status_updates
WHEN NOT EXISTS (SELECT 1 FROM removals r JOIN actions a ON a.inspection_id = r.inspection_id
                 WHERE r.under_way = 1 AND a.id = OLD.action_id)
BEGIN
    SELECT RAISE(ABORT, 'status updates are history: they cannot be deleted, only added to');
END;
CREATE TRIGGER changes_refuse_delete BEFORE DELETE ON changes
WHEN NOT EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1 AND (
    (OLD.subject = 'action' AND EXISTS (SELECT 1 FROM actions a WHERE a.id = OLD.subject_id
                                        AND a.inspection_id = r.inspection_id))
    OR (OLD.subject = 'deadline' AND EXISTS (SELECT 1 FROM deadlines d WHERE d.id = OLD.subject_id
                                             AND d.inspection_id = r.inspection_id))))
BEGIN
    SELECT RAISE(ABORT, 'changes are history: they cannot be deleted, only added to');
END;
CREATE VIEW plan AS
SELECT a.inspection_id AS inspection, i.authority, ar.number AS area, ar.title AS area_title, a.id AS action_id,
       a.ref, a.title AS action, a.owner, a.due, a.wording AS target_as_written, a.measure, a.status,
       a.updated_at AS latest_update_at, a.updated_by AS latest_update_by, a.update_note AS latest_update
FROM actions a JOIN inspections i ON i.id = a.inspection_id LEFT JOIN areas ar ON ar.id = a.area_id
ORDER BY a.inspection_id, ar.number IS NULL, ar.number, a.due IS NULL, a.due, a.id;
CREATE VIEW overdue AS
SELECT p.inspection, p.authority, p.area, p.area_title, p.action_id, p.ref, p.action, p.owner, p.due,
       (SELECT number FROM calendar WHERE day = date('now', 'localtime'))
         - (SELECT number FROM calendar WHERE day = p.due) AS working_days_late,
       CAST(julianday(date('now', 'localtime')) - julianday(p.due) AS INTEGER) AS days_late,
       p.status, p.latest_update_at, p.latest_update
FROM plan p
WHERE p.status IN ('not-started', 'in-progress', 'blocked') AND p.due < date('now', 'localtime')
ORDER BY working_days_late DESC, p.inspection, p.action_id;
CREATE VIEW due_soon AS
SELECT p.inspection, p.authority, p.area, p.area_title, p.action_id, p.ref, p.action, p.owner, p.due,
       (SELECT number FROM calendar WHERE day = p.due)
         - (SELECT number FROM calendar WHERE day = date('now', 'localtime')) AS working_days_left,
       p.status, p.latest_update_at, p.latest_update
FROM plan p
WHERE p.status IN ('not-started', 'in-progress', 'blocked') AND p.due >= date('now', 'localtime')
  AND p.due < (SELECT min(day) FROM calendar WHERE working = 1 AND number =
               (SELECT number FROM calendar WHERE day = date('now', 'localtime')) + 11)
ORDER BY p.due, p.inspection, p.action_id;
CREATE VIEW progress_by_area AS
SELECT a.inspection_id AS inspection, ar.number AS area, ar.title AS area_title,
       sum(a.status = 'not-started') AS not_started, sum(a.status = 'in-progress') AS in_progress,
       sum(a.status = 'blocked') AS blocked, sum(a.status = 'done') AS done, sum(a.status = 'cancelled') AS cancelled,
       sum(a.status = 'unknown') AS not_stated, count(*) AS actions,
       CASE WHEN count(*) > sum(a.status IN ('cancelled', 'unknown'))
            THEN 100 * sum(a.status = 'done') / (count(*) - sum(a.status IN ('cancelled', 'unknown'))) END
         AS percent_done,
       sum(a.status IN ('not-started', 'in-progress', 'blocked') AND a.due < date('now', 'localtime')) AS overdue
FROM actions a LEFT JOIN areas ar ON ar.id = a.area_id
GROUP BY a.inspection_id, a.area_id
ORDER BY a.inspection_id, ar.number IS NULL, ar.number;
CREATE VIEW deadlines_with_rules AS
SELECT d.inspection_id AS inspection, i.authority, 'D' || d.id AS deadline, d.title, d.due, d.wording,
       CASE WHEN d.rule_count IS NOT NULL
            THEN d.rule_count || ' ' || replace(d.rule_unit, '-', ' ') || ' after '
                 || CASE d.rule_after WHEN 'published' THEN 'publication' ELSE 'the end of fieldwork' END END AS rule,
       d.status, d.met_on
FROM deadlines d JOIN inspections i ON i.id = d.inspection_id
ORDER BY d.inspection_id, d.due IS NULL, d.due, d.id;
"""


def m012_facts_stated_inferred_unknown(db) -> None:
    """Unknown as a value (an action's status, a deadline's outcome); inferred facts with their reasons; each
    inspection's source documents."""
    _run(db, M012_SCHEMA)


# England's date now, in SQL: GMT, or BST (an hour ahead) from 01:00 UTC on the last Sunday of March to 01:00 UTC on
# the last Sunday of October (the Summer Time Order 2002; the Sunday on or after the 25th is the month's last).
# dates/days.py's today_in_england() is the rule's home; this restates it for SQLite clients, which have no time
# zones (tests/cli/test_browse.py checks it against Europe/London hour by hour across the changes of 2000-2100).
M013_TODAY_IN_ENGLAND = """date('now', CASE WHEN datetime('now') >= datetime(strftime('%Y', 'now') || '-03-25', 'weekday 0', '+1 hour')
                          AND datetime('now') < datetime(strftime('%Y', 'now') || '-10-25', 'weekday 0', '+1 hour')
                         THEN '+1 hour' ELSE '+0 hours' END)"""
M013_SCHEMA = f"""
-- "Today" in the browsers' views is England's date (it was the serving machine's: a server on UTC showed
-- yesterday's overdue list until 1 am all summer). One view says what day it is; the others read it.
DROP VIEW overdue;
DROP VIEW due_soon;
DROP VIEW progress_by_area;
CREATE VIEW today_in_england AS SELECT {M013_TODAY_IN_ENGLAND} AS day;
CREATE VIEW overdue AS
SELECT p.inspection, p.authority, p.area, p.area_title, p.action_id, p.ref, p.action, p.owner, p.due,
       (SELECT number FROM calendar WHERE day = t.day) - (SELECT number FROM calendar WHERE day = p.due)
         AS working_days_late,
       CAST(julianday(t.day) - julianday(p.due) AS INTEGER) AS days_late,
       p.status, p.latest_update_at, p.latest_update
FROM plan p, today_in_england t
WHERE p.status IN ('not-started', 'in-progress', 'blocked') AND p.due < t.day
ORDER BY working_days_late DESC, p.inspection, p.action_id;
CREATE VIEW due_soon AS
SELECT p.inspection, p.authority, p.area, p.area_title, p.action_id, p.ref, p.action, p.owner, p.due,
       (SELECT number FROM calendar WHERE day = p.due) - (SELECT number FROM calendar WHERE day = t.day)
         AS working_days_left,
       p.status, p.latest_update_at, p.latest_update
FROM plan p, today_in_england t
WHERE p.status IN ('not-started', 'in-progress', 'blocked') AND p.due >= t.day
  AND p.due < (SELECT min(day) FROM calendar WHERE working = 1 AND number =
               (SELECT number FROM calendar WHERE day = t.day) + 11)
ORDER BY p.due, p.inspection, p.action_id;
CREATE VIEW progress_by_area AS
SELECT a.inspection_id AS inspection, ar.number AS area, ar.title AS area_title,
       sum(a.status = 'not-started') AS not_started, sum(a.status = 'in-progress') AS in_progress,
       sum(a.status = 'blocked') AS blocked, sum(a.status = 'done') AS done, sum(a.status = 'cancelled') AS cancelled,
       sum(a.status = 'unknown') AS not_stated, count(*) AS actions,
       CASE WHEN count(*) > sum(a.status IN ('cancelled', 'unknown'))
            THEN 100 * sum(a.status = 'done') / (count(*) - sum(a.status IN ('cancelled', 'unknown'))) END
         AS percent_done,
       sum(a.status IN ('not-started', 'in-progress', 'blocked') AND a.due < t.day) AS overdue
FROM actions a LEFT JOIN areas ar ON ar.id = a.area_id, today_in_england t
GROUP BY a.inspection_id, a.area_id
ORDER BY a.inspection_id, ar.number IS NULL, ar.number;
"""


def m013_views_read_englands_today(db) -> None:
    """The browsers' views count overdue and due soon from England's date, not the serving machine's."""
    _run(db, M013_SCHEMA)


M014_SCHEMA = """
-- A correction names the inspection it belongs to (NULL for an owner, who belongs to none), and what a correction
-- may be about is a table later migrations add to: the first new subject is an inspection's own facts, which a
-- `seed --replace` changes and `undo` puts back. History may be deleted only while its inspection's removal is
-- under way. SQLite changes constraints by rebuilding the table (foreign keys are off while migrations run).
CREATE TABLE change_subjects (
    name TEXT PRIMARY KEY,
    what TEXT NOT NULL
);
INSERT INTO change_subjects (name, what) VALUES
    ('action', 'a field of an action'),
    ('deadline', 'a field of a deadline'),
    ('owner', 'a field of an owner, or an inspection they coordinate'),
    ('inspection', 'a fact of an inspection, a judgement or an area for improvement, as a seed file gave it');
DROP TRIGGER changes_refuse_update;
DROP TRIGGER changes_refuse_delete;
CREATE TABLE changes_m014 (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL REFERENCES batches (id),
    subject TEXT NOT NULL REFERENCES change_subjects (name),
    subject_id INTEGER CHECK (subject_id IS NOT NULL OR subject = 'inspection'),
    inspection_id TEXT CHECK ((inspection_id IS NULL) = (subject = 'owner')),
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    undoes INTEGER REFERENCES changes (id)
);
INSERT INTO changes_m014 (id, batch, subject, subject_id, inspection_id, field, old, new, undoes)
SELECT c.id, c.batch, c.subject, c.subject_id,
       CASE c.subject WHEN 'action' THEN (SELECT inspection_id FROM actions WHERE id = c.subject_id)
                      WHEN 'deadline' THEN (SELECT inspection_id FROM deadlines WHERE id = c.subject_id) END,
       c.field, c.old, c.new, c.undoes
FROM changes c;
DROP TABLE changes;
ALTER TABLE changes_m014 RENAME TO changes;
CREATE INDEX changes_subject ON changes (subject, subject_id, id);
CREATE INDEX changes_batch ON changes (batch);
CREATE INDEX changes_inspection ON changes (inspection_id, id);
CREATE TRIGGER changes_refuse_update BEFORE UPDATE ON changes
BEGIN
    SELECT RAISE(ABORT, 'changes are history: they cannot be changed, only added to');
END;
CREATE TRIGGER changes_refuse_delete BEFORE DELETE ON changes
WHEN NOT EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1 AND r.inspection_id = OLD.inspection_id)
BEGIN
    SELECT RAISE(ABORT, 'changes are history: they cannot be deleted, only added to');
END;
"""


def m014_changes_name_their_inspection(db) -> None:
    """Corrections name their inspection, and may be about an inspection's own facts (seed --replace)."""
    _run(db, M014_SCHEMA)


M015_SCHEMA = """
-- Measures of success (issue 28): an indicator under an area for improvement, with a unit, a baseline (value and
-- day), a target (and the day it should be met by), a polarity and a tolerance. Facts from a document are stated,
-- inferred (reasons in `inferred`, as for actions) or unknown (a baseline a document does not give is NULL). A
-- measure is never changed or deleted in place: undo withdraws it (measure_withdrawals); only `ilacs remove`
-- deletes it, with its inspection. `key` is a seed file's, so that seeding again adds nothing.
CREATE TABLE measures (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    area_id INTEGER NOT NULL REFERENCES areas (id),
    key TEXT,
    title TEXT NOT NULL CHECK (trim(title) <> ''),
    unit TEXT NOT NULL,
    baseline REAL,
    baseline_on TEXT,
    target REAL NOT NULL,
    target_by TEXT,
    better TEXT NOT NULL CHECK (better IN ('higher', 'lower')),
    tolerance REAL NOT NULL DEFAULT 0 CHECK (tolerance >= 0),
    actions TEXT NOT NULL DEFAULT '[]',
    source TEXT,
    inferred TEXT NOT NULL DEFAULT '{}',
    batch TEXT NOT NULL REFERENCES batches (id),
    UNIQUE (inspection_id, key)
);
CREATE INDEX measures_area ON measures (inspection_id, area_id);
CREATE INDEX measures_batch ON measures (batch);
-- Readings are history: dated values with their source, only ever added to.
CREATE TABLE readings (
    id INTEGER PRIMARY KEY,
    measure_id INTEGER NOT NULL REFERENCES measures (id),
    value REAL NOT NULL,
    on_day TEXT NOT NULL,
    source TEXT,
    note TEXT,
    batch TEXT NOT NULL REFERENCES batches (id)
);
CREATE INDEX readings_measure ON readings (measure_id, on_day, id);
CREATE INDEX readings_batch ON readings (batch);
-- What undo records to reverse `measure add` or a reading: a row naming the measure (reading_id NULL) or the
-- reading it withdraws, in the undo's batch.
CREATE TABLE measure_withdrawals (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL REFERENCES batches (id),
    measure_id INTEGER NOT NULL REFERENCES measures (id),
    reading_id INTEGER REFERENCES readings (id)
);
CREATE INDEX measure_withdrawals_measure ON measure_withdrawals (measure_id, reading_id);
CREATE TRIGGER measures_refuse_update BEFORE UPDATE ON measures
BEGIN
    SELECT RAISE(ABORT, 'measures are history: they cannot be changed, only withdrawn');
END;
CREATE TRIGGER measures_refuse_delete BEFORE DELETE ON measures
WHEN NOT EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1 AND r.inspection_id = OLD.inspection_id)
BEGIN
    SELECT RAISE(ABORT, 'measures are history: they cannot be deleted, only withdrawn');
END;
CREATE TRIGGER readings_refuse_update BEFORE UPDATE ON readings
BEGIN
    SELECT RAISE(ABORT, 'readings are history: they cannot be changed, only added to');
END;
CREATE TRIGGER readings_refuse_delete BEFORE DELETE ON readings
WHEN NOT EXISTS (SELECT 1 FROM removals r JOIN measures m ON m.inspection_id = r.inspection_id
                 WHERE r.under_way = 1 AND m.id = OLD.measure_id)
BEGIN
    SELECT RAISE(ABORT, 'readings are history: they cannot be deleted, only added to');
END;
CREATE TRIGGER measure_withdrawals_refuse_update BEFORE UPDATE ON measure_withdrawals
BEGIN
    SELECT RAISE(ABORT, 'withdrawals are history: they cannot be changed, only added to');
END;
CREATE TRIGGER measure_withdrawals_refuse_delete BEFORE DELETE ON measure_withdrawals
WHEN NOT EXISTS (SELECT 1 FROM removals r JOIN measures m ON m.inspection_id = r.inspection_id
                 WHERE r.under_way = 1 AND m.id = OLD.measure_id)
BEGIN
    SELECT RAISE(ABORT, 'withdrawals are history: they cannot be deleted, only added to');
END;
"""


def m015_measures_and_readings(db) -> None:
    """Measures of success with baselines, targets, polarity and tolerance; their readings; withdrawals by undo."""
    _run(db, M015_SCHEMA)


M016_SCHEMA = """
-- Every statutory timetable (issue 28): an inspection keeps the day the council received its report, which the 2007
-- regulations count working days from, and a deadline's rule may count from it. SQLite changes a CHECK constraint by
-- rebuilding the table. The rename runs with legacy_alter_table on (m016_timetables sets it), as SQLite's own
-- procedure for rebuilding a table allows: the triggers and views that name deadlines are then neither rewritten
-- nor checked, so they stay exactly as the migrations before this one made them (m014 makes the changes table's
-- again) and read the new table by its name. Only the view that words the rules is made again, with the new event.
DROP VIEW deadlines_with_rules;
ALTER TABLE inspections ADD COLUMN received TEXT;
CREATE TABLE deadlines_m016 (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    key TEXT NOT NULL,
    title TEXT NOT NULL CHECK (trim(title) <> ''),
    kind TEXT NOT NULL DEFAULT 'deadline' CHECK (kind IN ('deadline', 'milestone')),
    due TEXT,
    wording TEXT,
    rule_count INTEGER,
    rule_unit TEXT CHECK (rule_unit IS NULL OR rule_unit IN ('working-days', 'calendar-days')),
    rule_after TEXT CHECK (rule_after IS NULL OR rule_after IN ('published', 'fieldwork_end', 'received')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'missed', 'unknown')),
    met_on TEXT,
    source TEXT,
    inferred TEXT NOT NULL DEFAULT '{}',
    UNIQUE (inspection_id, key)
);
INSERT INTO deadlines_m016 (id, inspection_id, key, title, kind, due, wording, rule_count, rule_unit, rule_after,
                            status, met_on, source, inferred)
SELECT id, inspection_id, key, title, kind, due, wording, rule_count, rule_unit, rule_after, status, met_on, source,
       inferred
FROM deadlines;
DROP TABLE deadlines;
ALTER TABLE deadlines_m016 RENAME TO deadlines;
CREATE INDEX deadlines_inspection ON deadlines (inspection_id, status, due);
CREATE VIEW deadlines_with_rules AS
SELECT d.inspection_id AS inspection, i.authority, 'D' || d.id AS deadline, d.title, d.due, d.wording,
       CASE WHEN d.rule_count IS NOT NULL
            THEN d.rule_count || ' ' || replace(d.rule_unit, '-', ' ') || ' after '
                 || CASE d.rule_after WHEN 'published' THEN 'publication'
                                      WHEN 'received' THEN 'the report was received'
                                      ELSE 'the end of fieldwork' END END AS rule,
       d.status, d.met_on
FROM deadlines d JOIN inspections i ON i.id = d.inspection_id
ORDER BY d.inspection_id, d.due IS NULL, d.due, d.id;
"""


def m016_timetables(db) -> None:
    """Inspections keep the day their report was received; a deadline's rule may count from it."""
    db.execute("PRAGMA legacy_alter_table = ON")
    try:
        _run(db, M016_SCHEMA)
    finally:
        db.execute("PRAGMA legacy_alter_table = OFF")


M017_SCHEMA = """
-- A date re-scheduled with approval (issue 28): the date planned (an action's target, a deadline's rule date)
-- stays in `due`; the revised date, why, who approved it and the day it was approved sit beside it. Each change
-- to them is a correction (changes), so history, --as-of and undo read them like any other field.
ALTER TABLE actions ADD COLUMN revised_due TEXT;
ALTER TABLE actions ADD COLUMN revised_reason TEXT;
ALTER TABLE actions ADD COLUMN approved_by TEXT;
ALTER TABLE actions ADD COLUMN revised_on TEXT;
ALTER TABLE deadlines ADD COLUMN revised_due TEXT;
ALTER TABLE deadlines ADD COLUMN revised_reason TEXT;
ALTER TABLE deadlines ADD COLUMN approved_by TEXT;
ALTER TABLE deadlines ADD COLUMN revised_on TEXT;
-- Lateness counts against the revised date when there is one (storage/sql.py: effective_due).
CREATE INDEX actions_effective_due ON actions (status, coalesce(revised_due, due));
CREATE INDEX actions_inspection_effective_due ON actions (inspection_id, status, coalesce(revised_due, due));
-- Evidence of completion: a link, or a file's resolved path, size and SHA-256, never its content (it may hold
-- children's details). Adding and withdrawing one is recorded as a change (subject action, field evidence).
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions (id),
    kind TEXT NOT NULL CHECK (kind IN ('link', 'file')),
    target TEXT NOT NULL,
    size INTEGER,
    sha256 TEXT,
    note TEXT,
    added_at TEXT NOT NULL,
    added_by TEXT,
    batch TEXT REFERENCES batches (id)
);
CREATE INDEX evidence_action ON evidence (action_id, id);
"""


def m017_revised_dates_and_evidence(db) -> None:
    """Revised dates beside the planned ones, with the reason, the approver and the day; evidence of completion."""
    _run(db, M017_SCHEMA)


M018_SCHEMA = """
-- Owners' replies by e-mail (issue 30). Each message read is claimed here by its Message-ID, in the transaction
-- that records what it said, so no message is recorded twice, across runs or by two runs at once. A recorded
-- reply names the batch of its status updates; a held one waits for the coordinator's decision.
CREATE TABLE replies (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    sender TEXT NOT NULL,
    owner TEXT,
    subject TEXT,
    sent_at TEXT,
    on_day TEXT,
    received_at TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('recorded', 'held', 'ignored')),
    reason TEXT,
    lines TEXT NOT NULL DEFAULT '[]',
    not_understood TEXT NOT NULL DEFAULT '[]',
    batch TEXT REFERENCES batches (id)
);
CREATE INDEX replies_outcome ON replies (outcome, id);
-- The coordinator's decision on a held reply: once, and for good.
CREATE TABLE reply_decisions (
    id INTEGER PRIMARY KEY,
    reply_id INTEGER NOT NULL UNIQUE REFERENCES replies (id),
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    at TEXT NOT NULL,
    author TEXT,
    batch TEXT REFERENCES batches (id)
);
-- `12 new date 30/06/2025: reason`: a request for the coordinator to approve, never applied by itself.
CREATE TABLE date_requests (
    id INTEGER PRIMARY KEY,
    reply_id INTEGER NOT NULL REFERENCES replies (id),
    action_id INTEGER NOT NULL,
    requested_due TEXT NOT NULL,
    reason TEXT,
    author TEXT,
    at TEXT NOT NULL
);
CREATE INDEX date_requests_action ON date_requests (action_id, id);
CREATE TRIGGER replies_refuse_update BEFORE UPDATE ON replies
BEGIN
    SELECT RAISE(ABORT, 'replies are evidence: they cannot be changed, only added to');
END;
CREATE TRIGGER replies_refuse_delete BEFORE DELETE ON replies
BEGIN
    SELECT RAISE(ABORT, 'replies are evidence: they cannot be deleted, only added to');
END;
CREATE TRIGGER reply_decisions_refuse_update BEFORE UPDATE ON reply_decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions on replies are evidence: they cannot be changed, only added to');
END;
CREATE TRIGGER date_requests_refuse_update BEFORE UPDATE ON date_requests
BEGIN
    SELECT RAISE(ABORT, 'date requests are evidence: they cannot be changed, only added to');
END;
"""


def m018_replies(db) -> None:
    """Owners' replies by e-mail: each message claimed once, held replies and decisions, requests for new dates."""
    _run(db, M018_SCHEMA)


M019_SCHEMA = """
-- Percentages as people round them, half up (1 of 8 is 13%), in the view a browser reads as in every other output
-- (rules.percent); the view is otherwise m013's.
DROP VIEW progress_by_area;
CREATE VIEW progress_by_area AS
SELECT a.inspection_id AS inspection, ar.number AS area, ar.title AS area_title,
       sum(a.status = 'not-started') AS not_started, sum(a.status = 'in-progress') AS in_progress,
       sum(a.status = 'blocked') AS blocked, sum(a.status = 'done') AS done, sum(a.status = 'cancelled') AS cancelled,
       sum(a.status = 'unknown') AS not_stated, count(*) AS actions,
       CASE WHEN count(*) > sum(a.status IN ('cancelled', 'unknown'))
            THEN (200 * sum(a.status = 'done') + count(*) - sum(a.status IN ('cancelled', 'unknown')))
                 / (2 * (count(*) - sum(a.status IN ('cancelled', 'unknown')))) END
         AS percent_done,
       sum(a.status IN ('not-started', 'in-progress', 'blocked') AND a.due < t.day) AS overdue
FROM actions a LEFT JOIN areas ar ON ar.id = a.area_id, today_in_england t
GROUP BY a.inspection_id, a.area_id
ORDER BY a.inspection_id, ar.number IS NULL, ar.number;
"""


def m019_percentages_half_up(db) -> None:
    """The browser's progress view rounds its percentage half up, as the paper, summary and workbook do."""
    _run(db, M019_SCHEMA)


M020_SCHEMA = """
-- Board meetings (issue 30): the board or panel that takes each paper. History like measures: never changed or
-- deleted in place; undo withdraws one (board_withdrawals); only `ilacs remove` deletes them, with the inspection.
CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    inspection_id TEXT NOT NULL REFERENCES inspections (id),
    day TEXT NOT NULL,
    name TEXT,
    batch TEXT NOT NULL REFERENCES batches (id)
);
CREATE INDEX boards_inspection ON boards (inspection_id, day);
CREATE TABLE board_withdrawals (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL REFERENCES batches (id),
    board_id INTEGER NOT NULL REFERENCES boards (id)
);
CREATE INDEX board_withdrawals_board ON board_withdrawals (board_id);
CREATE TRIGGER boards_refuse_update BEFORE UPDATE ON boards
BEGIN
    SELECT RAISE(ABORT, 'boards are history: they cannot be changed, only withdrawn');
END;
CREATE TRIGGER boards_refuse_delete BEFORE DELETE ON boards
WHEN NOT EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1 AND r.inspection_id = OLD.inspection_id)
BEGIN
    SELECT RAISE(ABORT, 'boards are history: they cannot be deleted, only withdrawn');
END;
CREATE TRIGGER board_withdrawals_refuse_update BEFORE UPDATE ON board_withdrawals
BEGIN
    SELECT RAISE(ABORT, 'withdrawals are history: they cannot be changed, only added to');
END;
CREATE TRIGGER board_withdrawals_refuse_delete BEFORE DELETE ON board_withdrawals
WHEN NOT EXISTS (SELECT 1 FROM removals r JOIN boards b ON b.inspection_id = r.inspection_id
                 WHERE r.under_way = 1 AND b.id = OLD.board_id)
BEGIN
    SELECT RAISE(ABORT, 'withdrawals are history: they cannot be deleted, only added to');
END;
"""


def m020_boards(db) -> None:
    """Board meetings by inspection and day, withdrawn (never deleted) by undo."""
    _run(db, M020_SCHEMA)


M021_SCHEMA = """
-- Replies, their decisions and date requests go with their inspection when `ilacs remove` deletes it (after its
-- backup), and at no other time: a removal under way is the one exception to their being evidence. Replies name
-- no inspection of their own: storage/inspections.py chooses them by the actions they name.
DROP TRIGGER replies_refuse_delete;
CREATE TRIGGER replies_refuse_delete BEFORE DELETE ON replies
WHEN NOT EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1)
BEGIN
    SELECT RAISE(ABORT, 'replies are evidence: they cannot be deleted, only added to');
END;
CREATE TRIGGER reply_decisions_refuse_delete BEFORE DELETE ON reply_decisions
WHEN NOT EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1)
BEGIN
    SELECT RAISE(ABORT, 'decisions on replies are evidence: they cannot be deleted, only added to');
END;
CREATE TRIGGER date_requests_refuse_delete BEFORE DELETE ON date_requests
WHEN NOT EXISTS (SELECT 1 FROM removals r JOIN actions a ON a.inspection_id = r.inspection_id
                 WHERE r.under_way = 1 AND a.id = OLD.action_id)
BEGIN
    SELECT RAISE(ABORT, 'date requests are evidence: they cannot be deleted, only added to');
END;
-- An update's reply (its origin in history and changes) is found by the command that recorded both.
CREATE INDEX replies_batch ON replies (batch);
CREATE INDEX reply_decisions_batch ON reply_decisions (batch);
"""


def m021_replies_go_with_their_inspection(db) -> None:
    """Replies, decisions and date requests deleted with their inspection by `remove`, and only then; replies
    found by the command that recorded them."""
    _run(db, M021_SCHEMA)


MIGRATIONS = [
    m001_initial,
    m002_owners_and_reminders,
    m003_history_is_append_only,
    m004_indexes_by_inspection,
    m005_latest_update_on_actions,
    m006_owners_belong_to_an_authority,
    m007_status_update_origin,
    m008_every_change_recorded,
    m009_reminder_claims,
    m010_times_in_england,
    m011_views_for_browsers,
    m012_facts_stated_inferred_unknown,
    m013_views_read_englands_today,
    m014_changes_name_their_inspection,
    m015_measures_and_readings,
    m016_timetables,
    m017_revised_dates_and_evidence,
    m018_replies,
    m019_percentages_half_up,
    m020_boards,
    m021_replies_go_with_their_inspection,
]
NAMES = [migration.__name__ for migration in MIGRATIONS]
M006 = m006_owners_belong_to_an_authority.__name__  # the store tells users which owners it could not place
# `ilacs check` looks for these: history is append-only, and each action's status is its latest update's.
HISTORY_TRIGGERS = (
    "status_update_sets_action",
    "status_updates_refuse_update",
    "status_updates_refuse_delete",
    "changes_refuse_update",
    "changes_refuse_delete",
    "measures_refuse_update",
    "measures_refuse_delete",
    "readings_refuse_update",
    "readings_refuse_delete",
    "measure_withdrawals_refuse_update",
    "measure_withdrawals_refuse_delete",
    "replies_refuse_update",
    "replies_refuse_delete",
    "reply_decisions_refuse_update",
    "reply_decisions_refuse_delete",
    "date_requests_refuse_update",
    "date_requests_refuse_delete",
    "boards_refuse_update",
    "boards_refuse_delete",
    "board_withdrawals_refuse_update",
    "board_withdrawals_refuse_delete",
)


# fmt: off
# What the migrations make: each table with its columns, and the views, triggers and indexes by name. A file that
# lacks any of it was damaged or changed outside ilacs: `ilacs check` says what is missing, and no command writes
# to it. tests/storage/test_schema.py fails when a new database and these differ: a migration changes them too.
MADE_TABLES = {
    "actions": (
        "id", "inspection_id", "area_id", "key", "ref", "title", "owner", "due", "wording", "measure", "status",
        "created_at", "source", "updated_at", "updated_by", "update_note", "inferred", "revised_due",
        "revised_reason", "approved_by", "revised_on",
    ),
    "areas": ("id", "inspection_id", "number", "title", "points", "source"),
    "batches": ("id", "at", "author", "origin", "command", "note", "undoes"),
    "board_withdrawals": ("id", "batch", "board_id"),
    "boards": ("id", "inspection_id", "day", "name", "batch"),
    "calendar": ("day", "number", "working"),
    "change_subjects": ("name", "what"),
    "changes": ("id", "batch", "subject", "subject_id", "inspection_id", "field", "old", "new", "undoes"),
    "coordinators": ("inspection_id", "owner_id"),
    "deadlines": (
        "id", "inspection_id", "key", "title", "kind", "due", "wording", "rule_count", "rule_unit", "rule_after",
        "status", "met_on", "source", "inferred", "revised_due", "revised_reason", "approved_by", "revised_on",
    ),
    "evidence": ("id", "action_id", "kind", "target", "size", "sha256", "note", "added_at", "added_by", "batch"),
    "inspections": (
        "id", "authority", "authority_source", "kind", "fieldwork_start", "fieldwork_end", "published",
        "previous_id", "source", "notes", "inferred", "sources", "received",
    ),
    "judgements": ("inspection_id", "area", "grade", "previous_grade", "source"),
    "measure_withdrawals": ("id", "batch", "measure_id", "reading_id"),
    "measures": (
        "id", "inspection_id", "area_id", "key", "title", "unit", "baseline", "baseline_on", "target", "target_by",
        "better", "tolerance", "actions", "source", "inferred", "batch",
    ),
    "owners": ("id", "authority", "name", "email", "role", "created_at"),
    "readings": ("id", "measure_id", "value", "on_day", "source", "note", "batch"),
    "date_requests": ("id", "reply_id", "action_id", "requested_due", "reason", "author", "at"),
    "replies": (
        "id", "message_id", "sender", "owner", "subject", "sent_at", "on_day", "received_at", "outcome", "reason",
        "lines", "not_understood", "batch",
    ),
    "reply_decisions": ("id", "reply_id", "decision", "at", "author", "batch"),
    "reminder_claims": ("day", "recipient", "fingerprint", "run", "claimed_at"),
    "reminders_sent": ("id", "day", "recipient", "name", "fingerprint", "subject", "items", "message_id", "sent_at"),
    "removals": ("id", "batch", "inspection_id", "authority", "backup", "under_way"),
    "status_updates": (
        "id", "action_id", "at", "author", "old_status", "new_status", "old_due", "new_due", "note", "batch",
        "undoes", "origin", "on_day",
    ),
}
MADE_OBJECTS = {
    "view": ("deadlines_with_rules", "due_soon", "overdue", "plan", "progress_by_area", "today_in_england"),
    "trigger": HISTORY_TRIGGERS,
    "index": (
        "actions_area", "actions_due", "actions_effective_due", "actions_inspection",
        "actions_inspection_effective_due", "actions_owner", "batches_author", "batches_undoes", "board_withdrawals_board",
        "boards_inspection", "calendar_number",
        "changes_batch", "changes_inspection", "changes_subject", "date_requests_action", "deadlines_inspection",
        "evidence_action", "measure_withdrawals_measure", "measures_area", "measures_batch", "readings_batch",
        "readings_measure", "replies_batch", "replies_outcome", "reply_decisions_batch", "status_updates_action",
        "status_updates_batch",
        "status_updates_undoes",
    ),
}
# fmt: on


def apply(conn) -> None:
    """Apply every pending migration to the open sqlite3 connection."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("ilacs")
    for migration in MIGRATIONS:
        migrations()(migration)
    migrations.apply(Database(conn))
