"""Nothing gets past the front door (issue 27): hostile input is answered in one line, with a non-zero exit, no
traceback, and the database byte for byte as it was. Each test names the issue's item it closes."""

import pytest
from helpers.cli import refusal, refused, run_ilacs

LONG = "x" * 300  # a name the file system cannot hold (at most 255 bytes between slashes)


@pytest.mark.parametrize(
    "args, env",
    [
        (["import", LONG + ".csv"], None),
        (["import", LONG], None),
        (["list", "--db", f"/tmp/{LONG}.db"], None),
        (["mail", "check"], {"ILACS_CONFIG": f"/tmp/{LONG}.toml"}),
    ],
)
def test_item_2_a_file_name_too_long_is_one_line(db, args, env):
    said = refused(*args, db=db, env=env, code=2, says="too long")
    assert len(said) < 300  # the name is quoted, cut at 80 characters


def test_item_2_an_ilacs_db_too_long_is_one_line():
    refusal(run_ilacs("overdue", env={"ILACS_DB": f"/tmp/{LONG}.db"}), code=2, says="too long")


NOT_UTF8 = "caf\udce9"  # the bytes b"caf\xe9" (Latin-1) as Python hands on an argument that is not UTF-8


@pytest.mark.parametrize(
    "args",
    [
        ["add-action", "east-sussex-2023", "--area", "1", "--owner", "O", "--due", "31/12/2025", NOT_UTF8],
        ["update", "1", "--note", NOT_UTF8],
        ["show", NOT_UTF8],
        ["actions", "--owner", NOT_UTF8],
        ["owner", "add", NOT_UTF8, "--email", "a@example.gov.uk"],
        ["import", NOT_UTF8 + ".csv"],
        ["changes", "--since", NOT_UTF8],
    ],
)
def test_item_1_an_argument_that_is_not_utf8_is_one_line(db, args):
    number = args.index(next(arg for arg in args if "\udce9" in arg)) + 1
    refused(*args, db=db, code=2, says=f"argument {number} is not UTF-8 text (byte 0xe9 after '", separate=True)


def test_item_1_a_setting_that_is_not_utf8_is_one_line(db):
    refused("list", db=db, env={"ILACS_USER": "\udcff"}, code=2, says="ILACS_USER is not UTF-8 text (byte 0xff)")
