"""The schema on PostgreSQL, from the same list of named migrations as SQLite's (storage/migrations.py).

No PostgreSQL database predates PostgreSQL support: the migrations m001 to m020, SQLite's history of the
schema (tables rebuilt, SQLite's way to change one), are applied on PostgreSQL as one baseline that makes the
schema they end with, and are recorded under their own names. Every later migration has a PostgreSQL form of its
own in FORMS, applied in the same order and in the same transaction as on SQLite: an upgrade of either backend is
the same step. tests/storage/test_postgres_schema.py fails when a migration lacks its form, and when the tables,
columns and triggers made here differ from what the migrations make on SQLite (MADE_TABLES, HISTORY_TRIGGERS).

What differs from SQLite, on purpose:
- text is compared and sorted byte by byte (COLLATE "C" on every text column), as SQLite does, so that every
  listing, export and paper reads the same on both; where SQLite's NOCASE counts (owners' names, authors), the
  queries say lower(), which folds the same 26 letters on both, and a unique index on lower(name) keeps one
  owner of a name in each authority;
- ids are identity columns; `rowid` on batches, judgements and coordinators keeps the order rows were made in,
  which SQLite keeps itself (exports list them in that order);
- history is append-only by trigger functions (PL/pgSQL), with SQLite's messages, and by the application role's
  grants (docs/postgres.md);
- the views for Datasette are not made: `ilacs serve` on PostgreSQL serves a SQLite snapshot, which has them.
"""

from __future__ import annotations

BASELINE_UNTIL = "m020_boards"  # the last migration the baseline stands for

_STATUS = "('not-started', 'in-progress', 'blocked', 'done', 'cancelled', 'unknown')"
_GRADES = "('outstanding', 'good', 'requires-improvement', 'inadequate', 'not-applicable')"

_REFUSE_UPDATES = "".join(
    f"CREATE TRIGGER {table}_refuse_update BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION "
    f"history_refuses('{what} are {kind}: they cannot be changed, only {then}');\n"
    for table, what, kind, then in (
        ("status_updates", "status updates", "history", "added to"),
        ("changes", "changes", "history", "added to"),
        ("measures", "measures", "history", "withdrawn"),
        ("readings", "readings", "history", "added to"),
        ("measure_withdrawals", "withdrawals", "history", "added to"),
        ("replies", "replies", "evidence", "added to"),
        ("reply_decisions", "decisions on replies", "evidence", "added to"),
        ("date_requests", "date requests", "evidence", "added to"),
        ("boards", "boards", "history", "withdrawn"),
        ("board_withdrawals", "withdrawals", "history", "added to"),
    )
)
_REFUSE_DELETES = "".join(
    f"CREATE TRIGGER {table}_refuse_delete BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION "
    f"history_refuses_unless_removed('{what} are history: they cannot be deleted, only {then}', "
    f"'{inspection}');\n"
    for table, what, then, inspection in (
        ("status_updates", "status updates", "added to", "SELECT inspection_id FROM actions WHERE id = ($1).action_id"),
        ("changes", "changes", "added to", "SELECT ($1).inspection_id"),
        ("measures", "measures", "withdrawn", "SELECT ($1).inspection_id"),
        ("readings", "readings", "added to", "SELECT inspection_id FROM measures WHERE id = ($1).measure_id"),
        (
            "measure_withdrawals",
            "withdrawals",
            "added to",
            "SELECT inspection_id FROM measures WHERE id = ($1).measure_id",
        ),
        ("boards", "boards", "withdrawn", "SELECT ($1).inspection_id"),
        ("board_withdrawals", "withdrawals", "added to", "SELECT inspection_id FROM boards WHERE id = ($1).board_id"),
    )
)

BASELINE = f"""
CREATE TABLE calendar (
    day TEXT COLLATE "C" PRIMARY KEY,
    number INTEGER NOT NULL,
    working INTEGER NOT NULL CHECK (working IN (0, 1))
);
CREATE INDEX calendar_number ON calendar (number, working);
CREATE TABLE inspections (
    id TEXT COLLATE "C" PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
    authority TEXT COLLATE "C",
    authority_source TEXT COLLATE "C",
    kind TEXT COLLATE "C" CHECK (kind IS NULL OR kind IN ('standard', 'short', 'focused-visit', 'monitoring-visit', 'jtai')),
    fieldwork_start TEXT COLLATE "C",
    fieldwork_end TEXT COLLATE "C",
    published TEXT COLLATE "C",
    previous_id TEXT COLLATE "C",
    source TEXT COLLATE "C",
    notes TEXT COLLATE "C",
    inferred TEXT COLLATE "C" NOT NULL DEFAULT '{{}}',
    sources TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    received TEXT COLLATE "C"
);
CREATE TABLE judgements (
    inspection_id TEXT COLLATE "C" NOT NULL REFERENCES inspections (id),
    area TEXT COLLATE "C" NOT NULL CHECK (area IN ('leadership', 'help-and-protection', 'children-in-care', 'care-leavers', 'children-in-care-and-care-leavers', 'overall')),
    grade TEXT COLLATE "C" CHECK (grade IS NULL OR grade IN {_GRADES}),
    previous_grade TEXT COLLATE "C" CHECK (previous_grade IS NULL OR previous_grade IN {_GRADES}),
    source TEXT COLLATE "C",
    PRIMARY KEY (inspection_id, area),
    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE
);
CREATE TABLE areas (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    inspection_id TEXT COLLATE "C" NOT NULL REFERENCES inspections (id),
    number INTEGER NOT NULL,
    title TEXT COLLATE "C" NOT NULL CHECK (trim(title) <> ''),
    points TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    source TEXT COLLATE "C",
    UNIQUE (inspection_id, number)
);
CREATE TABLE owners (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    authority TEXT COLLATE "C" CHECK (authority IS NULL OR trim(authority) <> ''),
    name TEXT COLLATE "C" NOT NULL CHECK (trim(name) <> '' AND strpos(name, chr(10)) = 0 AND strpos(name, chr(13)) = 0),
    email TEXT COLLATE "C" CHECK (email IS NULL OR (email LIKE '%_@_%' AND strpos(email, chr(10)) = 0 AND strpos(email, chr(13)) = 0)),
    role TEXT COLLATE "C" CHECK (role IS NULL OR strpos(role, chr(10)) = 0 AND strpos(role, chr(13)) = 0),
    created_at TEXT COLLATE "C" NOT NULL
);
-- SQLite's UNIQUE (authority, name) on a NOCASE column: names differing only in case are one owner
CREATE UNIQUE INDEX owners_authority_name ON owners (authority, lower(name));
CREATE TABLE coordinators (
    inspection_id TEXT COLLATE "C" NOT NULL REFERENCES inspections (id),
    owner_id BIGINT NOT NULL REFERENCES owners (id),
    PRIMARY KEY (inspection_id, owner_id),
    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE
);
CREATE TABLE reminders_sent (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    day TEXT COLLATE "C" NOT NULL,
    recipient TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C",
    fingerprint TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    items INTEGER NOT NULL,
    message_id TEXT COLLATE "C",
    sent_at TEXT COLLATE "C" NOT NULL,
    UNIQUE (day, recipient, fingerprint)
);
CREATE TABLE batches (
    id TEXT COLLATE "C" PRIMARY KEY,
    at TEXT COLLATE "C" NOT NULL,
    author TEXT COLLATE "C",
    origin TEXT COLLATE "C" NOT NULL CONSTRAINT batches_origin CHECK (origin IN ('seed', 'import', 'command', 'undo')),
    command TEXT COLLATE "C" NOT NULL,
    note TEXT COLLATE "C",
    undoes TEXT COLLATE "C" REFERENCES batches (id),
    rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE
);
CREATE INDEX batches_author ON batches (author, at);
CREATE INDEX batches_undoes ON batches (undoes);
CREATE TABLE removals (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    batch TEXT COLLATE "C" NOT NULL REFERENCES batches (id),
    inspection_id TEXT COLLATE "C" NOT NULL,
    authority TEXT COLLATE "C",
    backup TEXT COLLATE "C" NOT NULL,
    under_way INTEGER NOT NULL DEFAULT 1 CHECK (under_way IN (0, 1))
);
CREATE TABLE reminder_claims (
    day TEXT COLLATE "C" NOT NULL,
    recipient TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT COLLATE "C" NOT NULL,
    run TEXT COLLATE "C" NOT NULL,
    claimed_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (day, recipient, fingerprint)
);
CREATE TABLE actions (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    inspection_id TEXT COLLATE "C" NOT NULL REFERENCES inspections (id),
    area_id BIGINT REFERENCES areas (id),
    key TEXT COLLATE "C",
    ref TEXT COLLATE "C",
    title TEXT COLLATE "C" NOT NULL CHECK (trim(title) <> ''),
    owner TEXT COLLATE "C",
    due TEXT COLLATE "C",
    wording TEXT COLLATE "C",
    measure TEXT COLLATE "C",
    status TEXT COLLATE "C" NOT NULL DEFAULT 'not-started' CHECK (status IN {_STATUS}),
    created_at TEXT COLLATE "C" NOT NULL,
    source TEXT COLLATE "C",
    updated_at TEXT COLLATE "C",
    updated_by TEXT COLLATE "C",
    update_note TEXT COLLATE "C",
    inferred TEXT COLLATE "C" NOT NULL DEFAULT '{{}}',
    revised_due TEXT COLLATE "C",
    revised_reason TEXT COLLATE "C",
    approved_by TEXT COLLATE "C",
    revised_on TEXT COLLATE "C",
    UNIQUE (inspection_id, key)
);
CREATE INDEX actions_due ON actions (status, due);
CREATE INDEX actions_owner ON actions (lower(owner));
CREATE INDEX actions_inspection ON actions (inspection_id, status, due);
CREATE INDEX actions_area ON actions (inspection_id, area_id, status, due);
CREATE INDEX actions_effective_due ON actions (status, coalesce(revised_due, due));
CREATE INDEX actions_inspection_effective_due ON actions (inspection_id, status, coalesce(revised_due, due));
CREATE TABLE status_updates (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES actions (id),
    at TEXT COLLATE "C" NOT NULL,
    author TEXT COLLATE "C",
    old_status TEXT COLLATE "C" CHECK (old_status IS NULL OR old_status IN {_STATUS}),
    new_status TEXT COLLATE "C" NOT NULL CHECK (new_status IN {_STATUS}),
    old_due TEXT COLLATE "C",
    new_due TEXT COLLATE "C",
    note TEXT COLLATE "C",
    batch TEXT COLLATE "C",
    undoes BIGINT REFERENCES status_updates (id),
    origin TEXT COLLATE "C" NOT NULL DEFAULT 'command' CONSTRAINT status_updates_origin CHECK (origin IN ('seed', 'import', 'command', 'undo')),
    on_day TEXT COLLATE "C"
);
CREATE INDEX status_updates_action ON status_updates (action_id, id);
CREATE INDEX status_updates_batch ON status_updates (batch);
CREATE INDEX status_updates_undoes ON status_updates (undoes);
CREATE TABLE change_subjects (
    name TEXT COLLATE "C" PRIMARY KEY,
    what TEXT COLLATE "C" NOT NULL
);
INSERT INTO change_subjects (name, what) VALUES
    ('action', 'a field of an action'),
    ('deadline', 'a field of a deadline'),
    ('owner', 'a field of an owner, or an inspection they coordinate'),
    ('inspection', 'a fact of an inspection, a judgement or an area for improvement, as a seed file gave it');
CREATE TABLE changes (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    batch TEXT COLLATE "C" NOT NULL REFERENCES batches (id),
    subject TEXT COLLATE "C" NOT NULL REFERENCES change_subjects (name),
    subject_id BIGINT CHECK (subject_id IS NOT NULL OR subject = 'inspection'),
    inspection_id TEXT COLLATE "C" CHECK ((inspection_id IS NULL) = (subject = 'owner')),
    field TEXT COLLATE "C" NOT NULL,
    old TEXT COLLATE "C",
    new TEXT COLLATE "C",
    undoes BIGINT REFERENCES changes (id)
);
CREATE INDEX changes_subject ON changes (subject, subject_id, id);
CREATE INDEX changes_batch ON changes (batch);
CREATE INDEX changes_inspection ON changes (inspection_id, id);
CREATE TABLE measures (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    inspection_id TEXT COLLATE "C" NOT NULL REFERENCES inspections (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    key TEXT COLLATE "C",
    title TEXT COLLATE "C" NOT NULL CHECK (trim(title) <> ''),
    unit TEXT COLLATE "C" NOT NULL,
    baseline DOUBLE PRECISION,
    baseline_on TEXT COLLATE "C",
    target DOUBLE PRECISION NOT NULL,
    target_by TEXT COLLATE "C",
    better TEXT COLLATE "C" NOT NULL CHECK (better IN ('higher', 'lower')),
    tolerance DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (tolerance >= 0),
    actions TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    source TEXT COLLATE "C",
    inferred TEXT COLLATE "C" NOT NULL DEFAULT '{{}}',
    batch TEXT COLLATE "C" NOT NULL REFERENCES batches (id),
    UNIQUE (inspection_id, key)
);
CREATE INDEX measures_area ON measures (inspection_id, area_id);
CREATE INDEX measures_batch ON measures (batch);
CREATE TABLE readings (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    value DOUBLE PRECISION NOT NULL,
    on_day TEXT COLLATE "C" NOT NULL,
    source TEXT COLLATE "C",
    note TEXT COLLATE "C",
    batch TEXT COLLATE "C" NOT NULL REFERENCES batches (id)
);
CREATE INDEX readings_measure ON readings (measure_id, on_day, id);
CREATE INDEX readings_batch ON readings (batch);
CREATE TABLE measure_withdrawals (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    batch TEXT COLLATE "C" NOT NULL REFERENCES batches (id),
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    reading_id BIGINT REFERENCES readings (id)
);
CREATE INDEX measure_withdrawals_measure ON measure_withdrawals (measure_id, reading_id);
CREATE TABLE deadlines (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    inspection_id TEXT COLLATE "C" NOT NULL REFERENCES inspections (id),
    key TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL CHECK (trim(title) <> ''),
    kind TEXT COLLATE "C" NOT NULL DEFAULT 'deadline' CHECK (kind IN ('deadline', 'milestone')),
    due TEXT COLLATE "C",
    wording TEXT COLLATE "C",
    rule_count INTEGER,
    rule_unit TEXT COLLATE "C" CHECK (rule_unit IS NULL OR rule_unit IN ('working-days', 'calendar-days')),
    rule_after TEXT COLLATE "C" CHECK (rule_after IS NULL OR rule_after IN ('published', 'fieldwork_end', 'received')),
    status TEXT COLLATE "C" NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'missed', 'unknown')),
    met_on TEXT COLLATE "C",
    source TEXT COLLATE "C",
    inferred TEXT COLLATE "C" NOT NULL DEFAULT '{{}}',
    revised_due TEXT COLLATE "C",
    revised_reason TEXT COLLATE "C",
    approved_by TEXT COLLATE "C",
    revised_on TEXT COLLATE "C",
    UNIQUE (inspection_id, key)
);
CREATE INDEX deadlines_inspection ON deadlines (inspection_id, status, due);
CREATE TABLE evidence (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES actions (id),
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('link', 'file')),
    target TEXT COLLATE "C" NOT NULL,
    size BIGINT,
    sha256 TEXT COLLATE "C",
    note TEXT COLLATE "C",
    added_at TEXT COLLATE "C" NOT NULL,
    added_by TEXT COLLATE "C",
    batch TEXT COLLATE "C" REFERENCES batches (id)
);
CREATE INDEX evidence_action ON evidence (action_id, id);
CREATE TABLE replies (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    message_id TEXT COLLATE "C" NOT NULL UNIQUE,
    sender TEXT COLLATE "C" NOT NULL,
    owner TEXT COLLATE "C",
    subject TEXT COLLATE "C",
    sent_at TEXT COLLATE "C",
    on_day TEXT COLLATE "C",
    received_at TEXT COLLATE "C" NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL CHECK (outcome IN ('recorded', 'held', 'ignored')),
    reason TEXT COLLATE "C",
    lines TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    not_understood TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    batch TEXT COLLATE "C" REFERENCES batches (id)
);
CREATE INDEX replies_outcome ON replies (outcome, id);
CREATE TABLE reply_decisions (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    reply_id BIGINT NOT NULL UNIQUE REFERENCES replies (id),
    decision TEXT COLLATE "C" NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    at TEXT COLLATE "C" NOT NULL,
    author TEXT COLLATE "C",
    batch TEXT COLLATE "C" REFERENCES batches (id)
);
CREATE TABLE date_requests (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    reply_id BIGINT NOT NULL REFERENCES replies (id),
    action_id BIGINT NOT NULL,
    requested_due TEXT COLLATE "C" NOT NULL,
    reason TEXT COLLATE "C",
    author TEXT COLLATE "C",
    at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX date_requests_action ON date_requests (action_id, id);
CREATE TABLE boards (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    inspection_id TEXT COLLATE "C" NOT NULL REFERENCES inspections (id),
    day TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C",
    batch TEXT COLLATE "C" NOT NULL REFERENCES batches (id)
);
CREATE INDEX boards_inspection ON boards (inspection_id, day);
CREATE TABLE board_withdrawals (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    batch TEXT COLLATE "C" NOT NULL REFERENCES batches (id),
    board_id BIGINT NOT NULL REFERENCES boards (id)
);
CREATE INDEX board_withdrawals_board ON board_withdrawals (board_id);

-- An action's current status is its latest update: kept here, in one place.
CREATE FUNCTION status_update_sets_action() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE actions SET status = NEW.new_status,
        due = CASE WHEN NEW.new_due IS NOT NULL THEN NEW.new_due ELSE due END,
        updated_at = NEW.at, updated_by = NEW.author, update_note = NEW.note
    WHERE id = NEW.action_id;
    RETURN NULL;
END $$;
CREATE TRIGGER status_update_sets_action AFTER INSERT ON status_updates
    FOR EACH ROW EXECUTE FUNCTION status_update_sets_action();

-- History is append-only: a change refused with the message its trigger names.
CREATE FUNCTION history_refuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;
-- ... except while `ilacs remove` deletes an inspection with everything under it (a removal under way).
CREATE FUNCTION history_refuses_unless_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    inspection TEXT;
BEGIN
    EXECUTE TG_ARGV[1] INTO inspection USING OLD;
    IF EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1 AND r.inspection_id = inspection) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;
{_REFUSE_UPDATES}CREATE TRIGGER replies_refuse_delete BEFORE DELETE ON replies FOR EACH ROW EXECUTE FUNCTION
    history_refuses('replies are evidence: they cannot be deleted, only added to');
{_REFUSE_DELETES}"""

# The PostgreSQL form of each migration after the baseline, by name; each is applied where SQLite applies its own.
FORMS: dict[str, str] = {
    "m021_replies_go_with_their_inspection": """
CREATE FUNCTION history_refuses_unless_removing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM removals r WHERE r.under_way = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;
DROP TRIGGER replies_refuse_delete ON replies;
CREATE TRIGGER replies_refuse_delete BEFORE DELETE ON replies FOR EACH ROW EXECUTE FUNCTION
    history_refuses_unless_removing('replies are evidence: they cannot be deleted, only added to');
CREATE TRIGGER reply_decisions_refuse_delete BEFORE DELETE ON reply_decisions FOR EACH ROW EXECUTE FUNCTION
    history_refuses_unless_removing('decisions on replies are evidence: they cannot be deleted, only added to');
CREATE TRIGGER date_requests_refuse_delete BEFORE DELETE ON date_requests FOR EACH ROW EXECUTE FUNCTION
    history_refuses_unless_removed('date requests are evidence: they cannot be deleted, only added to',
                                   'SELECT inspection_id FROM actions WHERE id = ($1).action_id');
CREATE INDEX replies_batch ON replies (batch);
CREATE INDEX reply_decisions_batch ON reply_decisions (batch);
""",
}

# The table that records which migrations a database has had (SQLite's is sqlite-utils' _sqlite_migrations).
MIGRATIONS_TABLE = """
CREATE TABLE ilacs_migrations (
    name TEXT COLLATE "C" PRIMARY KEY,
    applied_at TEXT COLLATE "C" NOT NULL
)"""
