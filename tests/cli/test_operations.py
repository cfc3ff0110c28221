"""Real operations (issue 14, items 2, 4, 10, 11): a disk that fills, files half made, permissions and other
users, a group sharing a plan, network shares, the environment.

A full disk is a real one: a small tmpfs, which only root can mount (skipped otherwise). Another user is a real
one: `nobody`, in a process of its own (skipped unless run as root, which can start one; as root itself every
permission check passes, so these tests would mean nothing).
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers.cli import contents, ok
from helpers.cli import run_ilacs as ilacs
from helpers.plans import add_officers, copy_of

PLAN = "east-sussex-2023"
NOBODY = 65534


def one_line(out, code=1):
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    return out.stderr


# -- a small disk ---------------------------------------------------------------------------------------------------


@pytest.fixture()
def small_disk():
    """An 8 MB tmpfs of this test's own; `fill(disk, leave)` fills it."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("needs root, to mount a small tmpfs as a disk that fills")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("needs mount and umount (util-linux), to mount a small tmpfs as a disk that fills")
    where = Path(tempfile.mkdtemp(prefix="ilacs-disk-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)]).returncode:
        where.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)])
        where.rmdir()


def fill(disk: Path, leave: int = 0) -> None:
    """Fill the disk with a file, leaving `leave` bytes free (0: full, written until the disk refuses more)."""
    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    free = shutil.disk_usage(disk).free - leave
    with open(filler, "wb", buffering=0) as file:
        try:
            while free > 0:
                free -= file.write(b"\0" * min(free, 1 << 16))
            if not leave:
                while True:
                    file.write(b"\0" * 4096)
        except OSError:
            pass


def empty(disk: Path) -> None:
    (disk / "filler").unlink(missing_ok=True)


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name not in ("filler",))


# -- item 2: a mail sent when the disk fills --------------------------------------------------------------------


@pytest.mark.sqlite_only("the disk holding a file")
def test_a_reminder_sent_as_the_disk_fills_is_named_and_not_sent_again(seeded_template, small_disk, smtp_server):
    mailbox, env = smtp_server
    db = copy_of(seeded_template, small_disk)
    addresses = add_officers(db, 3, title="Check")
    accepted = mailbox.handle_DATA

    async def accept_then_fill(server, session, envelope):  # the disk fills as the first e-mail goes
        answer = await accepted(server, session, envelope)
        fill(small_disk)
        return answer

    mailbox.handle_DATA = accept_then_fill
    out = ilacs("remind", "--send", "--as-of", "02/01/2024", "--inspection", PLAN, db=db, env=env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    [(first, _)] = mailbox.messages
    lines = out.stderr.strip().splitlines()
    assert any(
        f"sent to Officer 0 <{first[0]}>, but not recorded as sent" in line and "check their inbox" in line
        for line in lines
    ), out.stderr
    for address in addresses[1:]:
        assert any(f"<{address}>" in line and "not sent" in line for line in lines), out.stderr
    assert "the disk holding" in lines[-1] and "is full" in lines[-1]
    assert len(lines) == 4  # one line for each recipient, one for the cause

    mailbox.handle_DATA = accepted
    empty(small_disk)
    again = ilacs("remind", "--send", "--as-of", "02/01/2024", "--inspection", PLAN, db=db, env=env)
    assert again.returncode == 0, again.stderr
    received = [rcpt[0] for rcpt, _ in mailbox.messages]
    assert sorted(received) == sorted(addresses)  # the first recipient's claim stays: not sent twice
    ok("check", db=db)


# -- item 4: nothing half made ----------------------------------------------------------------------------------


@pytest.mark.sqlite_only("a new file made all or nothing")
@pytest.mark.slow  # several processes, as another user or on a full disk
def test_a_failed_first_command_leaves_no_database(seeded_template, small_disk, tmp_path):
    dump = tmp_path / "all.json"
    ok("export", "--all", "--format", "json", "-o", str(dump), db=seeded_template)
    data = small_disk / "data"
    data.mkdir()
    commands = {
        "default": (["list"], {"XDG_DATA_HOME": str(data), "ILACS_DB": ""}),
        "seed": (["seed", "--db", str(small_disk / "seeded.db")], {}),
        "init": (["init", "--db", str(small_disk / "empty.db")], {}),
        "restore": (["import", str(dump), "--db", str(small_disk / "restored.db")], {}),
    }
    for leave in (0, 64 << 10, 700 << 10):
        fill(small_disk, leave)
        for name, (args, env) in commands.items():
            out = ilacs(*args, env=env)
            if out.returncode:
                one_line(out)
                assert leftovers(small_disk) == ["data"] and not os.listdir(data), (name, leave, out.stderr)
            for made in small_disk.glob("*.db"):  # it worked: then it is whole
                ok("check", "--db", str(made))
                made.unlink()
            shutil.rmtree(data / "ilacs", ignore_errors=True)
    empty(small_disk)
    for name, (args, env) in commands.items():
        out = ilacs(*args, env=env)
        assert out.returncode == 0, (name, out.stderr)
    assert ok("list", "--csv", "--db", str(small_disk / "restored.db")) == ok("list", "--csv", db=seeded_template)


# -- item 10: messages that say what is wrong ---------------------------------------------------------------------


@pytest.mark.sqlite_only("the disk holding a file")
def test_a_full_disk_is_called_full_and_a_backup_blames_its_own_disk(seeded_template, small_disk, tmp_path):
    db = copy_of(seeded_template, small_disk)
    fill(small_disk)
    out = one_line(ilacs("update", "1", "--status", "done", db=db))
    assert "is full" in out and "I/O" not in out
    empty(small_disk)
    assert "done" not in ok("history", "1", db=db).splitlines()[-1]
    source = copy_of(seeded_template, tmp_path)
    fill(small_disk)
    out = one_line(ilacs("backup", str(small_disk / "copy.db"), db=source))
    assert f"cannot write the backup {small_disk / 'copy.db'}" in out and "full" in out and str(source) not in out
    assert leftovers(small_disk) == ["plan.db"]


def test_a_utf16_csv_is_read_as_text(db, tmp_path):
    exported = tmp_path / "plan.csv"
    ok("export", PLAN, "--format", "csv", "-o", str(exported), db=db)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(exported.read_text(encoding="utf-8-sig").encode("utf-16"))  # with its byte-order mark
    out = ilacs("import", str(utf16), "--inspection", PLAN, "--dry-run", db=db)
    assert out.returncode == 0, out.stderr
    assert "0 added" in out.stdout and "\x00" not in out.stdout + out.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("ILACS_SMTP_TIMEOUT", "nan"),
        ("ILACS_SMTP_TIMEOUT", "-1"),
        ("ILACS_SMTP_TIMEOUT", "0"),
        ("ILACS_SMTP_TIMEOUT", "inf"),
        ("ILACS_SMTP_PORT", "٣"),
        ("ILACS_SMTP_HOST", "relay\nevil"),
        ("ILACS_SMTP_USER", "me\r\nRCPT TO:<x@y.example>"),
        ("ILACS_BUSY_TIMEOUT_MS", "²"),
        ("ILACS_NETWORK_DB", "yes"),
        ("ILACS_DB", "/dev/null"),
        ("ILACS_DB", "/"),
    ],
)
@pytest.mark.sqlite_only("settings of a file's place and lock")
def test_every_environment_variable_is_checked_in_one_line(db, name, value):
    env = {
        "ILACS_SMTP_HOST": "127.0.0.1",
        "ILACS_SMTP_PORT": "9",
        "ILACS_SMTP_FROM": "ilacs@council.example.gov.uk",
        "ILACS_SMTP_USER": "ilacs",
        "ILACS_SMTP_PASSWORD": "secret",
        "ILACS_DB": str(db),
        name: value,
    }
    out = ilacs("mail", "check", env=env) if name.startswith("ILACS_SMTP") else ilacs("list", env=env)
    assert out.returncode in (1, 2) and "Traceback" not in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and (name in out.stderr or value in out.stderr), out.stderr


# -- another user -----------------------------------------------------------------------------------------------


@pytest.fixture()
def shared_folder(seeded_template):
    """A folder others may enter holding a seeded plan.db of root's, and a way to run ilacs as `nobody` there."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("needs root, to run ilacs as another user (as root every permission check passes)")
    try:  # a checkout in a folder others may not enter (CI's) refuses `nobody` its interpreter: exec fails
        runs = subprocess.run([sys.executable, "-c", "pass"], user=NOBODY, group=NOBODY).returncode == 0
    except PermissionError:
        runs = False
    if not runs:
        pytest.skip(f"{NOBODY} cannot run {sys.executable} (a folder on its path is closed to other users)")
    folder = Path(tempfile.mkdtemp(prefix="ilacs-shared-"))
    folder.chmod(0o755)
    shutil.copyfile(seeded_template, folder / "plan.db")

    def as_nobody(*args, groups=()):
        env = {key: value for key, value in os.environ.items() if key != "ILACS_DB"}
        return subprocess.run(
            [sys.executable, "-m", "ilacs_cli", *map(str, args)],
            capture_output=True,
            text=True,
            env={**env, "HOME": str(folder)},
            user=NOBODY,
            group=NOBODY,
            extra_groups=list(groups),
            cwd=folder,
            stdin=subprocess.DEVNULL,
        )

    try:
        yield folder, as_nobody
    finally:
        shutil.rmtree(folder)


@pytest.mark.slow  # several processes, as another user or on a full disk
def test_another_users_files_say_what_is_wrong_and_read_where_they_can(shared_folder):
    folder, as_nobody = shared_folder
    db = folder / "plan.db"
    db.chmod(0o600)  # private: one line naming the file's owner, not a usage error about ILACS_DB
    for out in (as_nobody("list", "--db", db), as_nobody("--db", db, "list")):
        text = one_line(out)
        assert "root's private file" in text and "ILACS_DB" not in text and "Invalid value" not in text
    db.chmod(0o644)  # readable, in a folder nobody may write: WAL needs the -shm file there
    text = one_line(as_nobody("overdue", "--db", db))
    assert "-shm" in text and "WAL" in text and str(folder) in text
    db.chmod(0o444)  # no one can write it: read as immutable
    before = contents(db)
    listed = as_nobody("list", "--csv", "--db", db)
    assert listed.returncode == 0 and PLAN in listed.stdout, listed.stderr
    assert as_nobody("backup", folder / "nobody.db", "--db", db).returncode == 1  # folder not writable: one line
    text = one_line(as_nobody("update", "1", "--status", "done", "--db", db))
    assert "cannot change" in text
    assert contents(db) == before and not list(folder.glob("plan.db-*"))


# -- item 11: a team on one machine -----------------------------------------------------------------------------


@pytest.mark.sqlite_only("a file's group")
@pytest.mark.slow  # several processes, as another user or on a full disk
def test_init_group_shares_the_database_its_logs_and_backups(shared_folder, seeded_template):
    import grp
    import sqlite3

    folder, as_nobody = shared_folder
    group = next(entry for entry in grp.getgrall() if entry.gr_gid not in (0, NOBODY))
    team = folder / "team"
    team.mkdir()
    os.chown(team, 0, group.gr_gid)
    team.chmod(0o770)
    db = team / "plan.db"
    ok("init", "--group", group.gr_name, "--db", str(db))
    info = db.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_gid) == (0o660, group.gr_gid)
    ok("seed", PLAN, "--db", str(db))
    holder = sqlite3.connect(db)  # this process makes the -wal and -shm, with its own group
    holder.execute("SELECT count(*) FROM actions").fetchone()
    try:
        ok("list", "--db", str(db))  # ilacs gives them the database's group
        for suffix in ("-wal", "-shm"):
            log = Path(f"{db}{suffix}").stat()
            assert (stat.S_IMODE(log.st_mode), log.st_gid) == (0o660, group.gr_gid), suffix
    finally:
        holder.close()
    written = as_nobody(
        "add-action",
        PLAN,
        "--area",
        "1",
        "--owner",
        "A Member",
        "--due",
        "31/12/2026",
        "Team action",
        "--by",
        "A Member",
        "--db",
        db,
        groups=[group.gr_gid],
    )
    assert written.returncode == 0, written.stderr  # another member of the group writes it
    assert as_nobody("list", "--db", db).returncode == 1  # not a member: refused
    ok("backup", str(team / "copy.db"), "--db", str(db))
    copy = (team / "copy.db").stat()
    assert (stat.S_IMODE(copy.st_mode), copy.st_gid) == (0o660, group.gr_gid)
    one_line(ilacs("init", "--group", "no-such-group-here", "--db", str(team / "other.db")), 2)
    assert not (team / "other.db").exists() and sorted(os.listdir(team)) == ["copy.db", "plan.db"]


@pytest.mark.sqlite_only("a file's place")
def test_a_database_on_a_network_share_is_refused_in_one_line(db, tmp_path, monkeypatch):
    from ilacs_cli.storage import dbfile

    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 0:21 / / rw,relatime - ext4 /dev/sda1 rw\n"
        f"98 22 0:50 / {tmp_path} rw,relatime - nfs4 server:/export rw,vers=4.2\n"
    )
    monkeypatch.setattr(dbfile, "MOUNTINFO", mountinfo)  # as Linux lists an NFS mount of this folder
    text = one_line(ilacs("list", db=db))
    assert "NFS" in text and "local disk" in text and "one machine" in text
    assert one_line(ilacs("init", "--db", str(tmp_path / "new.db")))
    assert not (tmp_path / "new.db").exists()
    assert ilacs("list", db=db, env={"ILACS_NETWORK_DB": "one-machine"}).returncode == 0
    assert "ILACS_NETWORK_DB" in one_line(ilacs("list", db=db, env={"ILACS_NETWORK_DB": "1"}), 2)
    # Windows: a UNC path, or a drive letter Windows calls remote (GetDriveTypeW 4)
    assert dbfile._windows_share(r"\\fileserver\plans\plan.db") == "a network share"
    assert dbfile._windows_share("H:\\plans\\plan.db", lambda root: 4) == "a network drive"
    assert dbfile._windows_share("C:\\plans\\plan.db", lambda root: 3) is None
