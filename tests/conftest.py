import email
import email.policy
import os
import shutil
import socket
import struct
import subprocess
import sys
import zlib

import pytest


def run_ilacs(*args, db=None, env=None, separate=False):
    """Run the real CLI (`ilacs_cli.cli.main`, the `ilacs` script's entry point) against a real SQLite file, with
    the arguments, environment and standard streams a separate process would have; returns a CompletedProcess.

    It runs in this process (about 20 times faster: no interpreter and import start-up per command), closing every
    database connection it leaves before returning, so files on disk are as a finished process leaves them.
    `separate=True`, or ILACS_TEST_SUBPROCESS=1 for a whole run, or a call from another thread, starts
    `python -m ilacs_cli` instead.
    """
    full_env = {**os.environ, **(env or {})}
    if db is not None:
        full_env["ILACS_DB"] = str(db)
    import threading

    # The process's streams and environment are swapped while a command runs: only one thread may do that.
    if (
        separate
        or os.environ.get("ILACS_TEST_SUBPROCESS") == "1"
        or threading.current_thread() is not threading.main_thread()
    ):
        return subprocess.run(
            [sys.executable, "-m", "ilacs_cli", *args],
            capture_output=True,
            text=True,
            env=full_env,
            stdin=subprocess.DEVNULL,
        )
    return _run_in_process([str(arg) for arg in args], full_env)


def _run_in_process(args, env):
    import gc
    import io
    import traceback

    from ilacs_cli.cli import main

    # Only what the command makes needs collecting after it: set everything older aside (collecting the whole test
    # process's heap after each command took 45 of its 62 ms).
    gc.freeze()
    saved = (dict(os.environ), sys.argv, sys.stdin, sys.stdout, sys.stderr)
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    os.environ.clear()
    os.environ.update(env)
    sys.argv, sys.stdin, sys.stdout, sys.stderr = ["ilacs", *args], io.TextIOWrapper(io.BytesIO()), out, err
    code = 0
    try:
        main()
    except SystemExit as done:
        if isinstance(done.code, str):
            print(done.code, file=err)
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:  # what Python prints when a program dies of an exception
        err.write(traceback.format_exc())
        code = 1
    finally:
        out.flush()
        err.flush()
        os.environ.clear()
        os.environ.update(saved[0])
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved[1:]
        gc.collect()  # close the connections the command left open, as a process's exit would
    decode = lambda stream: stream.buffer.getvalue().decode("utf-8", errors="replace")  # noqa: E731
    return subprocess.CompletedProcess(["ilacs", *args], code, decode(out), decode(err))


def ok(*args, db, env=None):
    """stdout of `ilacs ARGS`, which must succeed."""
    out = run_ilacs(*args, db=db, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout


def record_actions(db, inspection, actions, on="11/12/2023"):
    """Add each (area, title, owner, due, status) to the inspection's plan on day `on`, then move it to its status
    by a real status update by its owner; returns the actions' ids."""
    ids = []
    for area, title, owner, due, status in actions:
        added = run_ilacs(
            "add-action", inspection, "--on", on, "--area", str(area), "--owner", owner, "--due", due, title, db=db
        )
        assert added.returncode == 0, added.stderr
        ids.append(added.stdout.strip())
        if status != "not-started":
            moved = run_ilacs(
                "update", ids[-1], "--status", status, "--by", owner, "--note", f"moved to {status}", "--on", on, db=db
            )
            assert moved.returncode == 0, moved.stderr
    return ids


def in_terminal(*args, db, columns=80, no_color=False):
    """What `ilacs ARGS` shows on a real terminal (a pty) of `columns` columns."""
    leader, follower = os.openpty()
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update(
        {
            "ILACS_DB": str(db),
            "COLUMNS": str(columns),
            "TERM": "xterm-256color",
            **({"NO_COLOR": "1"} if no_color else {}),
        }
    )
    done = subprocess.run([sys.executable, "-m", "ilacs_cli", *args], stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode == 0, done.stderr
    return b"".join(chunks).decode().replace("\r\n", "\n")


def copy_of(template, tmp_path):
    """A test's own copy of a database built once per session or module (every ilacs process has exited, so the
    WAL is checkpointed into the file). The file's mode is copied too: ilacs creates databases 0600."""
    path = tmp_path / "plan.db"
    shutil.copyfile(template, path)
    shutil.copymode(template, path)
    return path


@pytest.fixture(scope="session", autouse=True)
def bytecode_cache(tmp_path_factory):
    """With PYTHONDONTWRITEBYTECODE set, every `python -m ilacs_cli` compiles ilacs_cli from source again (about
    0.1 s of the 0.2 s a command takes), hundreds of times a run. The CLI processes keep their bytecode in a
    folder of this session instead: still nothing is written beside the sources, and the code run is the same."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE")
        patch.setenv("PYTHONPYCACHEPREFIX", str(tmp_path_factory.mktemp("pycache")))
        yield


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    """Tests never read the user's own config file or SMTP settings."""
    monkeypatch.setenv("ILACS_CONFIG", str(tmp_path / "config.toml"))
    for name in list(os.environ):
        if name.startswith("ILACS_SMTP_") or name == "ILACS_COORDINATOR":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):
    """`ilacs seed` run once per session by the real CLI into its own folder; tests copy it (`db`, module templates).

    Seeding takes about half a second, copying the file a millisecond. Like every test, the seed reads no user
    config or SMTP settings."""
    path = tmp_path_factory.mktemp("seeded") / "plan.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ILACS_CONFIG", str(path.parent / "config.toml"))
        for name in list(os.environ):
            if name.startswith("ILACS_SMTP_") or name == "ILACS_COORDINATOR":
                patch.delenv(name)
        result = run_ilacs("seed", db=path)
    assert result.returncode == 0, result.stderr
    # seed has exited: its WAL is checkpointed into the file, so the file alone is the whole database
    wal = path.with_name(f"{path.name}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "seed left a write-ahead log: copying the file would lose it"
    return path


@pytest.fixture()
def db(seeded_template, tmp_path):
    """This test's own copy of the seeded database."""
    return copy_of(seeded_template, tmp_path)


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts; it can drop the connection to play a dying server."""

    def __init__(self):
        self.messages = []
        self.logins = []
        self.drop_after = None  # accept this many messages, then cut the connection on the next one
        self.delay = 0.0  # seconds to take over each message, as a busy server does

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.close()
            return "421 4.3.2 shutting down"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)


@pytest.fixture()
def smtp_server():
    """A real SMTP server on localhost (aiosmtpd); yields (mailbox, environment for ilacs to send through it)."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=mailbox.authenticate, auth_require_tls=False
    )
    controller.start()
    env = {
        "ILACS_SMTP_HOST": "127.0.0.1",
        "ILACS_SMTP_PORT": str(port),
        "ILACS_SMTP_SECURITY": "none",
        "ILACS_SMTP_FROM": "ILACS reminders <ilacs@council.example.gov.uk>",
        "ILACS_SMTP_TIMEOUT": "10",
    }
    try:
        yield mailbox, env
    finally:
        controller.stop()


# -- real clients: a browser, an office suite ------------------------------------------


def png_pixels(path):
    """Width, height and RGB rows of an 8-bit RGB or RGBA PNG (enough for a browser's screenshot)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6) and body[12] == 0  # not interlaced
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    channels = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(idat), width * (4 if colour == 6 else 3)
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_browser(browser, tmp_path, *args):
    profile = tmp_path / "chromium-profile"
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_to_pdf(office, document, tmp_path):
    """`document` converted to PDF by LibreOffice headless (its own profile, so runs in parallel do not meet)."""
    outdir = tmp_path / "office-out"
    outdir.mkdir(exist_ok=True)
    result = subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'office-profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(document),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = outdir / (document.stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stderr[-2000:]
    return pdf


def pdf_pages(pdf):
    """Each page's text (poppler's pdftotext, layout kept), and each page's size in points."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    import re

    sizes = [
        tuple(round(float(n)) for n in found) for found in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]
    return text.split("\f")[: len(sizes)], sizes
