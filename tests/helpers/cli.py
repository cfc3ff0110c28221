"""Running the real CLI: in this process or as `python -m ilacs_cli`, on a pty, in a clean environment; `ok()` for a
command that must succeed and `refused()` / `refusal()` for one that must fail in a few lines."""

import os
import subprocess
import sys


def is_user_setting(name):
    """Whether the environment variable `name` is the user's own setting (mail, their own framework file), which no
    test may read."""
    return name.startswith(("ILACS_SMTP_", "ILACS_INBOX_")) or name in (
        "ILACS_COORDINATOR",
        "ILACS_FRAMEWORK",
        "ILACS_REPLY_KEY",
    )


def cli_env(folder, *, drop=()):
    """This process's environment for `python -m ilacs_cli` processes started by hand: no user mail settings, no
    ILACS_DB (each command names its database), nor any of `drop`; ILACS_CONFIG a missing file in `folder`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not is_user_setting(name) and name != "ILACS_DB" and name not in drop
    }
    env["ILACS_CONFIG"] = str(folder / "config.toml")
    return env


def run_ilacs(*args, db=None, env=None, separate=False, timeout=None):
    """Run the real CLI (`ilacs_cli.cli.main`, the `ilacs` script's entry point) against a real SQLite file, with
    the arguments, environment and standard streams a separate process would have; returns a CompletedProcess.

    It runs in this process (about 20 times faster: no interpreter and import start-up per command), closing every
    database connection it leaves before returning, so files on disk are as a finished process leaves them.
    `separate=True`, or ILACS_TEST_SUBPROCESS=1 for a whole run, or a call from another thread, starts
    `python -m ilacs_cli` instead. `timeout=SECONDS` starts it too, and raises subprocess.TimeoutExpired (failing
    the test) if it has not finished by then: for a command that could hang.
    """
    full_env = {**os.environ, **(env or {})}
    if db is not None:
        full_env["ILACS_DB"] = str(db)
    import threading

    # The process's streams and environment are swapped while a command runs: only one thread may do that.
    if (
        separate
        or timeout is not None
        or os.environ.get("ILACS_TEST_SUBPROCESS") == "1"
        or threading.current_thread() is not threading.main_thread()
    ):
        return subprocess.run(
            [sys.executable, "-m", "ilacs_cli", *args],
            capture_output=True,
            text=True,
            env=full_env,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
    return _run_in_process([str(arg) for arg in args], full_env)


def on_windows_streams(*args, db):
    """`ilacs ARGS` with standard streams as Windows gives a redirected or piped program: encoded cp1252, each LF
    written turned into CRLF. Returns (exit status, stdout's bytes, stderr's bytes)."""
    env = {**os.environ, "ILACS_DB": str(db)}
    done = _run_in_process([str(arg) for arg in args], env, encoding="cp1252", newline="\r\n", decoded=False)
    return done.returncode, done.stdout, done.stderr


def _run_in_process(args, env, *, encoding="utf-8", newline=None, decoded=True):
    import gc
    import io
    import traceback

    from ilacs_cli.cli import main

    # Only what the command makes needs collecting after it: set everything older aside (collecting the whole test
    # process's heap after each command took 45 of its 62 ms).
    gc.freeze()
    saved = (dict(os.environ), sys.argv, sys.stdin, sys.stdout, sys.stderr)
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding=encoding, newline=newline) for _ in range(2))
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
    if not decoded:
        return subprocess.CompletedProcess(["ilacs", *args], code, out.buffer.getvalue(), err.buffer.getvalue())
    decode = lambda stream: stream.buffer.getvalue().decode("utf-8", errors="replace")  # noqa: E731
    return subprocess.CompletedProcess(["ilacs", *args], code, decode(out), decode(err))


def ok(*args, db=None, env=None, strip=False, whole=False):
    """`ilacs ARGS`, which must exit 0 (else the test fails showing its stderr); returns its stdout, or with
    `strip=True` its stdout stripped (an id, a line to compare whole), or with `whole=True` the CompletedProcess
    (for what it says on stderr too)."""
    out = run_ilacs(*args, db=db, env=env)
    assert out.returncode == 0, out.stderr
    if whole:
        return out
    return out.stdout.strip() if strip else out.stdout


def refusal(out, *, code, says=(), lines=1):
    """`out` (a finished `ilacs`) was refused as a user sees it: exit status `code`, exactly `lines` lines on stderr
    containing `says` (a text, or each of several), no traceback; returns its stderr."""
    said = out.stderr.strip().splitlines()
    assert out.returncode == code, out.stderr
    assert "Traceback" not in out.stderr and len(said) == lines, out.stderr
    assert all(text in out.stderr for text in ([says] if isinstance(says, str) else says)), out.stderr
    return out.stderr


def refused(*args, db, code, says=(), lines=1, env=None, separate=False):
    """Run `ilacs ARGS`: it must be a `refusal` (exit status `code`, `lines` lines naming `says`, no traceback) and
    leave the database file byte for byte as it was (or absent, if it was); returns its stderr. `separate` as for
    run_ilacs."""
    before = contents(db)
    out = run_ilacs(*args, db=db, env=env, separate=separate)
    refusal(out, code=code, says=says, lines=lines)
    assert contents(db) == before, "the database changed"
    return out.stderr


def contents(db):
    """What a database holds, to compare before and after: a file's bytes (None when absent), or every row of a
    PostgreSQL database's tables (helpers/postgres.py)."""
    if isinstance(db, str):
        from helpers.postgres import contents as rows

        return rows(db)
    return db.read_bytes() if db.exists() else None


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
    process = subprocess.Popen(
        [sys.executable, "-m", "ilacs_cli", *args], stdout=follower, stderr=subprocess.PIPE, env=env
    )
    os.close(follower)
    chunks = []
    while True:  # read while it writes: a table larger than the terminal's buffer would block it otherwise
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process has closed the terminal and all it wrote is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    stderr = process.stderr.read().decode("utf-8", "replace")
    assert process.wait(timeout=60) == 0, stderr
    return b"".join(chunks).decode().replace("\r\n", "\n")
