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
