"""One set of habits (issue 26): the same filters on `due`, `overdue`, `actions` and `remind`, and an owner or area
that matches nothing answered in one line naming what there is, as an unknown inspection is."""

import json

import pytest
from helpers.cli import ok, refused
from helpers.plans import PLAN, record_actions

AS_OF = "2024-01-02"  # Tue 2 Jan 2024
ACTIONS = [  # (area, title, owner, due, status), added on 11 Dec 2023
    (1, "Watson's late audit", "A Watson", "2023-12-20", "not-started"),
    (2, "Watson's audit due soon", "A Watson", "2024-01-05", "in-progress"),
    (2, "Khan's guidance due soon", "B Khan", "2024-01-04", "not-started"),
    (3, "Khan's late toolkit", "B Khan", "2023-12-21", "blocked"),
]


@pytest.fixture()
def plan(db):
    return db, record_actions(db, PLAN, ACTIONS)


def titles(out):
    return sorted(item["title"] for item in json.loads(out) if item.get("kind", "action") == "action")


@pytest.mark.parametrize("command", ["due", "overdue", "actions"])
def test_the_same_owner_and_inspection_filters_on_each_listing(plan, command):
    db, _ = plan
    when = [] if command == "actions" else ["--as-of", AS_OF]
    expected = {
        "due": (["Watson's audit due soon"], ["Khan's guidance due soon"]),
        "overdue": (["Watson's late audit"], ["Khan's late toolkit"]),
        "actions": (
            ["Watson's audit due soon", "Watson's late audit"],
            ["Khan's guidance due soon", "Khan's late toolkit"],
        ),
    }[command]
    assert titles(ok(command, "--owner", "a watson", "--inspection", PLAN, *when, "--json", db=db)) == expected[0]
    assert titles(ok(command, "--owner", "B KHAN", *when, "--json", db=db)) == expected[1]


def test_due_lists_only_one_inspections_deadlines_with_inspection(plan):
    db, _ = plan
    everything = json.loads(ok("due", "--within", "200", "--as-of", "2024-01-02", "--json", db=db))
    only = json.loads(ok("due", "--within", "200", "--as-of", "2024-01-02", "--inspection", PLAN, "--json", db=db))
    assert {item["inspection"] for item in only} == {PLAN}
    assert len(only) < len(everything) or {item["inspection"] for item in everything} == {PLAN}


@pytest.mark.parametrize(
    "args",
    [
        ["due", "--owner", "A Watsn"],
        ["overdue", "--owner", "A Watsn"],
        ["actions", "--owner", "A Watsn"],
        ["remind", "--owner", "A Watsn", "--as-of", AS_OF],
    ],
)
def test_an_owner_that_owns_nothing_is_named_with_the_nearest_names(plan, args):
    db, _ = plan
    said = refused(*args, db=db, code=1, says=["no action is owned by 'A Watsn'", "did you mean", "A Watson"])
    assert "ilacs owner list" in said


def test_an_area_the_plan_does_not_have_is_refused(plan):
    db, _ = plan
    refused("actions", "--inspection", PLAN, "--area", "9", db=db, code=2, says=f"no area 9: {PLAN} has areas 1, 2, 3")
