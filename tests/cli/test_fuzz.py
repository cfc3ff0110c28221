"""Hostile and odd input: random argument lists and unicode thrown at every command of the real CLI.

Commands and their options come from the click command typer builds from `ilacs_cli.cli.app`, so a new command
or option is fuzzed without editing this file. Argument lists come from a seeded random generator (the same lists
on every run). They run through `ilacs_cli.cli.main()` many times in one worker process (this file run as a
script, with its own environment and working folder), which catches SystemExit and counts any other exception as
a traceback; a sample also runs through `python -m ilacs_cli` as separate processes. Every run must end with exit
status 0, 1, 2 or 3 and no traceback, and a run that fails must leave the database file byte-identical.
"""

import gc
import io
import json
import os
import random
import shutil
import subprocess
import sys
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers.cli import contents
from helpers.paths import SEEDS, TESTS, damage
from helpers.plans import copy_of

pytestmark = pytest.mark.slow  # some 2,000 argument lists through the CLI in two worker processes

SEED = 20240517
CASES_PER_COMMAND = 85
WORKERS = 2  # worker processes, each with its own copy of the database and its own working folder
ALLOWED_STATUSES = {0, 1, 2, 3}
INSPECTIONS = ["east-sussex-2023", "east-sussex-2018", "southend-2019", "telford-wrekin-2024", "west-sussex-2019"]

# -- hostile values ---------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "   ",
    "\t",
    "\n",
    "a\nb",
    "line one\r\nline two",
    "x" * 5000,
    "é" * 300,
    "z" * 300,
    "\u202eevil\u202c",
    "\u200fمرحبا\u200f",
    "שלום",
    "\u200b",
    "\ufeffBOM",
    "e\u0301\u0301\u0301",
    "Ω≈ç√∫",
    "😀",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈 flag",
    "日本語のテキスト",
    "\x07\x1b[31mred\x1b[0m\x08\x7f",
    "\x01\x02\x03",
    "\x1b]0;title\x07",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x")',
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    "../../etc/passwd",
    "..",
    ".",
    "-",
    "--",
    "-x",
    "--help",
    "%s%s%n",
    "{0}{1}",
    "{{}}",
    "'; DROP TABLE actions; --",
    '" OR 1=1 --',
    "NULL",
    "None",
    "true",
    "[bold red]markup[/]",
    "<script>alert(1)</script>",
    "a@b",
    "a <b@c.d>",
    "x=y=z",
    "=",
    "==",
    "\\",
    "\\n",
    "*",
    "?",
    "$(echo hi)",
    "`id`",
]
NUMBERS = [
    "0",
    "1",
    "2",
    "3",
    "-1",
    "-999999",
    "99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1e9",
    "3.5",
    "0x10",
    "1_000",
    "٣",
    "１",
    "+5",
    " 7 ",
    "NaN",
    "inf",
]
DATES = [
    "31/02/2024",
    "29/02/2023",
    "0000-00-00",
    "2024-13-01",
    "32/01/2024",
    "00/00/0000",
    "29/02/2024",
    "31 Feb 2024",
    "2024-02-30",
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",
    "2061-01-01",
    "2060-12-31",
    "2000-01-01",
    "today",
    "TODAY",
    "+0 days",
    "+0 working days",
    "+10 working days",
    "+3000000 days",
    "+99999 working days",
    "+99999999999999999999 working days",
    "99999999999999999999",
    "Jan 99999999999",
    "mid-June 2025",
    "mid-Smarch 2025",
    "spring 2025",
    "winter 2025",
    "June 2025",
    "June 0",
    "31/10/2024",
    "2024-10-31",
    "31 Oct 2024",
    "Fri 17 May 2024",
    "17.05.2024",
    "1/1/1",
    "-1 days",
    "+-1 days",
]
DOMAIN = {
    "inspection": INSPECTIONS + ["nowhere-2020", "EAST-SUSSEX-2023"],
    "coordinator": INSPECTIONS + ["nowhere-2020"],
    "not_coordinator": INSPECTIONS + ["nowhere-2020"],
    "action": ["1", "2", "3", "23", "0", "-1", "999", "D1", "D2"],
    "target": ["1", "2", "23", "D1", "D2", "D999", "d1", "D", "D-1", "999"],
    "status": ["not-started", "in-progress", "blocked", "done", "cancelled", "finished", "DONE"],
    "format": ["csv", "xlsx", "json", "markdown", "html", "text", "pdf"],
    "grade": [
        "overall=good",
        "overall=outstanding",
        "leadership=inadequate",
        "overall=",
        "=good",
        "nonsense",
        "overall=excellent",
    ],
    "kind": ["standard", "short", "focused-visit", "monitoring-visit", "jtai", "other"],
    "plan_unit": ["working-days", "calendar-days", "weeks"],
    "email": [
        "a.watson@council.gov.uk",
        "b@example.org",
        "A <a@b.c>",
        "a@b.c, d@e.f",
        "a@b.c\nBcc: x@y.z",
        "",
        "not-an-address",
    ],
    "name": ["A Watson", "a watson", "B Khan", "New Person", "X"],
    "owner": ["A Watson", "a watson", "Head of Safeguarding", "Nobody"],
    "rename": ["A Watson", "B Khan", "Renamed"],
    "mapping": ["Lead Officer(s)=owner", "Action=title", "=owner", "Col=", "Col=nonsense"],
    "sheet": ["Sheet1", "Action plan", "missing"],
    "output": [
        "out.txt",
        "out.xlsx",
        "report.html",
        "-",
        "plan.csv",
        "sub/none.txt",
        "../../etc/passwd",
        "",
        "z" * 300,
        "rapport-été-😀.md",
    ],
    "file": ["plan.csv", "plan.xlsx", "dump.json", "bad.json", "empty.csv", "missing.csv", "seed.toml", "notes.txt"],
    "files": ["seed.toml", "broken.toml", "missing.toml", "plan.csv", "dump.json"],
    "db": ["other.db", "missing/none.db", "bad.json", ""],
}
for _name in ("as_of", "due", "on", "since", "published", "fieldwork_start", "fieldwork_end", "due_before"):
    DOMAIN[_name] = DATES
for _name in ("area", "within", "plan_days"):
    DOMAIN[_name] = NUMBERS
ALPHABET = (
    "abcXYZ019 -_.,:;'\"=+@#%&()[]{}<>|\\\t\n\r\x01\x0b\x1b\x7f\u00a0éßøñ€£™ΩЖжاردو\u202e\u202c\u200f\u200d"
    "\u0301\ufeff日本中文한국😀🚀👩‍💻"
)


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))


def safe(value: str) -> str:
    """Nothing absolute: every path a run writes stays under its own working folder."""
    return "." + value if value.startswith(("/", "~")) else value


def kind_of(param) -> str:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    described = str(annotation if annotation is not None else getattr(param, "type", "")).lower()
    return "int" if "int" in described else "path" if "path" in described else "text"


def value_for(param, rng: random.Random) -> str:
    roll = rng.random()
    if param.name in DOMAIN and roll < 0.5:
        return safe(rng.choice(DOMAIN[param.name]))
    if kind_of(param) == "int" and roll < 0.75:
        return rng.choice(NUMBERS)
    if roll < 0.8:
        return safe(rng.choice(HOSTILE + DATES + NUMBERS))
    return safe(random_text(rng))


# -- the commands, from the real typer app ---------------------------------------------


# A server runs until it is stopped, so a valid argument list would never return: tests/cli/test_browse.py tests it.
SERVERS = (["serve"],)


def leaf_commands():
    """[(path of names, click command)] for every command of the app and of its sub-groups, but servers."""
    import typer.main

    from ilacs_cli.cli import app

    found = []

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in sorted(subcommands.items()):
                walk(sub, path + [name])
        elif path not in SERVERS:
            found.append((path, command))

    walk(typer.main.get_command(app), [])
    return found


def argument_list(path, command, rng: random.Random) -> list[str]:
    chunks = []
    for param in command.params:
        if param.param_type_name != "option":
            continue
        chance = 0.05 if param.name == "db" else 0.85 if param.required else 0.35
        if rng.random() >= chance:
            continue
        for _ in range(rng.randint(1, 3) if param.multiple else 1 if rng.random() < 0.9 else 2):
            flag = rng.choice(param.opts + param.secondary_opts)
            if getattr(param, "is_flag", False):
                chunks.append([flag] if rng.random() < 0.95 else [f"{flag}={random_text(rng)}"])
            elif flag.startswith("--") and rng.random() < 0.2:
                chunks.append([f"{flag}={value_for(param, rng)}"])
            else:
                chunks.append([flag, value_for(param, rng)])
    arguments = [param for param in command.params if param.param_type_name == "argument"]
    positionals = []
    for param in arguments:
        wanted = rng.randint(0, 3) if param.nargs == -1 else 1 if rng.random() < 0.85 else rng.choice([0, 2])
        positionals += [value_for(param, rng) for _ in range(wanted)]
    if not arguments and rng.random() < 0.1:
        positionals.append(safe(random_text(rng)))
    rng.shuffle(chunks)
    if rng.random() < 0.05:
        chunks.insert(rng.randint(0, len(chunks)), [rng.choice(["--no-such-option", "--", "-", "--help", "-h"])])
    tokens = [token for chunk in chunks for token in chunk]
    for value in positionals:  # positionals keep their order; options fall around them
        tokens.insert(rng.randint(0, len(tokens)), value)
    return path + tokens


def all_cases(seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    cases = [[], ["owner"], ["no-such-command"], ["--help"], ["owner", "no-such"], [random_text(rng)]]
    for path, command in leaf_commands():
        cases += [argument_list(path, command, rng) for _ in range(CASES_PER_COMMAND)]
    return cases


# -- the worker: this file run as a script ------------------------------------------------


def database_bytes(db: Path) -> bytes:
    """The database file, and its write-ahead log if one is left (it holds committed pages not yet in the file)."""
    wal = Path(f"{db}-wal")
    return contents(db) + (b"WAL" + wal.read_bytes() if wal.exists() else b"")


def run_in_process(args: list[str], db: Path) -> dict:
    from ilacs_cli.cli import main

    before = database_bytes(db)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    saved = sys.argv, sys.stdout, sys.stderr
    sys.argv, sys.stdout, sys.stderr = ["ilacs", *args], out, err
    status, trace = None, None
    try:
        main()
        trace = "main() returned instead of exiting"
    except SystemExit as exit_:
        code = exit_.code
        status = 0 if code is None else code if isinstance(code, int) else 1
    except BaseException:  # what main() re-raises would be a traceback for a user
        trace = traceback.format_exc()
    finally:
        sys.argv, sys.stdout, sys.stderr = saved
    if Path(f"{db}-wal").exists():  # a connection left open: close it (checkpointing its log) before comparing
        gc.collect()
        if not Path(f"{db}-wal").exists():  # no connection open: freeze what survived (mostly modules the runs
            gc.freeze()  # imported lazily), so that later collections do not scan it again and again
    stdout = out.buffer.getvalue().decode("utf-8", "replace")
    stderr = err.buffer.getvalue().decode("utf-8", "replace")
    if trace is None and ("Traceback" in stdout or "Traceback" in stderr):
        trace = stderr if "Traceback" in stderr else stdout
    return {
        "args": args,
        "status": status,
        "trace": trace,
        "stderr": stderr[-2000:],
        "changed": database_bytes(db) != before,
        "wal_left": Path(f"{db}-wal").exists(),
    }


def worker(cases_file: str, results_file: str) -> None:
    db = Path(os.environ["ILACS_DB"])
    # The modules main() imports live as long as this process: frozen (no connection is open yet), they are left out
    # of the gc.collect() that closes a connection a run left open, which took most of the fuzz's time before.
    import ilacs_cli.cli  # noqa: F401

    gc.freeze()
    results = [run_in_process(args, db) for args in json.loads(Path(cases_file).read_text(encoding="utf-8"))]
    Path(results_file).write_text(json.dumps(results), encoding="utf-8")


# -- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(seeded_template, tmp_path_factory):
    """A seeded database and the files runs may import, made once: (database, folder of files)."""
    root = tmp_path_factory.mktemp("fuzz-template")
    path, files = copy_of(seeded_template, root), root / "files"
    files.mkdir()
    for args in (
        ["export", "east-sussex-2023", "-o", "plan.csv"],
        ["export", "east-sussex-2023", "-f", "xlsx", "-o", "plan.xlsx"],
        ["export", "--all", "--format", "json", "-o", "dump.json"],
    ):
        made = subprocess.run(
            [sys.executable, "-m", "ilacs_cli", *args, "--db", str(path)], cwd=files, capture_output=True, text=True
        )
        assert made.returncode == 0, made.stderr
    (files / "bad.json").write_text("{not json", encoding="utf-8")
    (files / "empty.csv").write_text("", encoding="utf-8")
    (files / "notes.txt").write_text("=cmd|' /C calc'!A0\n", encoding="utf-8")
    shutil.copyfile(SEEDS / "east-sussex-2023.toml", files / "seed.toml")
    (files / "broken.toml").write_text("format = [\n", encoding="utf-8")
    return path, files


# The machine's time zone and every ILACS_* variable vary between workers and runs (issue 14): zones where the date
# is not England's, and values each wrong in its own way, which a command must refuse in one line or not need.
ENVIRONMENTS = [
    {
        "TZ": "Pacific/Kiritimati",
        "ILACS_USER": "Ann Example",
        "ILACS_SMTP_PORT": "\u0663",
        "ILACS_SMTP_TIMEOUT": "nan",
        "ILACS_SMTP_SECURITY": "tls?",
        "ILACS_SMTP_AUTH": "kerberos",
        "ILACS_COORDINATOR": "not an address",
        "ILACS_SMTP_TENANT": "../x",
        "ILACS_SMTP_CLIENT_ID": "\x07",
        "ILACS_SMTP_CLIENT_CERTIFICATE_THUMBPRINT": "zz",
        "ILACS_SMTP_AUTHORITY": "http://",
        "ILACS_SMTP_TOKEN_COMMAND": "/bin/false",
    },
    {
        "TZ": "America/Los_Angeles",
        "ILACS_USER": "\x1b]0;owned\x07Ann\r\n",
        "ILACS_SMTP_HOST": "smtp.example\r\nRCPT",
        "ILACS_SMTP_FROM": "=?utf-8?",
        "ILACS_SMTP_USER": "\x7f",
        "ILACS_SMTP_PASSWORD_FILE": "/no/such/file",
        "ILACS_SMTP_CLIENT_SECRET_FILE": "/dev/null",
        "ILACS_SMTP_CLIENT_CERTIFICATE_FILE": "../../etc/passwd",
        "ILACS_SMTP_CLIENT_SECRET": "",
        "ILACS_SMTP_PASSWORD": "\x1b[2J",
    },
    {"TZ": "Asia/Kolkata", "ILACS_BUSY_TIMEOUT_MS": "5s"},
    {"TZ": "UTC", "ILACS_NETWORK_DB": "maybe", "ILACS_COMPLETE": "bash_source"},
    {"TZ": "Etc/GMT+12", "ILACS_CONFIG": "."},
]


def workplace(template, tmp_path, variant=None):
    """A copy of the seeded database; a working folder four levels down (so ../../etc/passwd stays inside
    tmp_path, in a folder that does not exist) holding the files to import; an environment with no mail settings,
    then ENVIRONMENTS[variant]'s time zone and ILACS_* values."""
    db = copy_of(template[0], tmp_path)
    cwd = tmp_path / "a" / "b" / "c" / "work"
    shutil.copytree(template[1], cwd)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ILACS_") and name not in ("NO_COLOR", "COLUMNS")
    }
    env.update(
        {
            "ILACS_DB": str(db),
            "ILACS_CONFIG": str(tmp_path / "no-such-config.toml"),
            "HOME": str(tmp_path / "home"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "ILACS_BUSY_TIMEOUT_MS": "200",
        }
    )
    if variant is not None:
        env.update(ENVIRONMENTS[variant % len(ENVIRONMENTS)])
    return db, cwd, env


def judge(results) -> tuple[Counter, list[str]]:
    statuses, problems = Counter(), []
    for result in results:
        statuses[result["status"] if result["trace"] is None else "traceback"] += 1
        if result["trace"] is not None:
            problems.append(f"traceback for {result['args']!r}:\n{result['trace'][-1500:]}")
        elif result["status"] not in ALLOWED_STATUSES:
            problems.append(f"exit status {result['status']} for {result['args']!r}: {result['stderr'][-300:]}")
        elif result["status"] != 0 and result["changed"]:
            problems.append(
                f"database changed by failing run {result['args']!r} (exit {result['status']}): "
                f"{result['stderr'][-300:]}"
            )
    return statuses, problems


def test_random_argument_lists_never_crash_or_change_the_database_on_error(template, tmp_path):
    cases = all_cases(SEED)
    shares = [cases[index::WORKERS] for index in range(WORKERS)]
    workers = []
    for index, share in enumerate(shares):
        place = tmp_path / f"worker{index}"
        place.mkdir()
        db, cwd, env = workplace(template, place, variant=index)
        cases_file, results_file = place / "cases.json", place / "results.json"
        cases_file.write_text(json.dumps(share), encoding="utf-8")
        workers.append(
            (
                results_file,
                subprocess.Popen(
                    [sys.executable, __file__, str(cases_file), str(results_file)],
                    cwd=cwd,
                    env={**env, "PYTHONPATH": str(TESTS)},  # this file imports helpers.*, run as a script
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    results = []
    for (results_file, process), share in zip(workers, shares):
        _, stderr = process.communicate(timeout=900)
        assert process.returncode == 0, stderr[-3000:]
        found = json.loads(results_file.read_text(encoding="utf-8"))
        assert [result["args"] for result in found] == share
        results += found
    statuses, problems = judge(results)
    tracebacks = sum(result["trace"] is not None for result in results)
    changed_by_success = sum(result["changed"] for result in results if result["status"] == 0)
    print(
        f"\nfuzz ({WORKERS} worker processes): {len(results)} runs over {len(leaf_commands())} commands; exit "
        f"statuses {dict(sorted(statuses.items(), key=str))}; tracebacks {tracebacks}; successful runs that "
        f"changed the database {changed_by_success}; runs leaving a -wal file {sum(r['wal_left'] for r in results)}"
    )
    for problem in problems[:40]:
        print(problem)
    # The byte comparison can see a change: successful writes did change the file.
    assert changed_by_success > 0
    assert not problems, f"{len(problems)} bad runs; first: {problems[0]}"


# -- each class of hostile input, at every command (issue 27) -------------------------------------------

# A value put in place of arguments and option values: (class, value).
HOSTILE_VALUES = [
    ("bytes that are not UTF-8", "caf\udce9 plan"),  # as Python hands on b"caf\xe9" from a Latin-1 terminal
    ("an argument of 131,072 characters", "x" * 131_072),
    ("control characters", "a\x1b]0;title\x07\x1b[2J\x08b"),
]
# Files put in place of every file a command is given, by extension: endless (a device), nested deep, huge numbers.
HOSTILE_FILES = ("endless", "deep", "big")
CASES_PER_CLASS = 3  # argument lists per command and class


def hostile_files(folder: Path) -> None:
    """endless.* (links to /dev/zero, /dev/urandom for .xlsx), deep.* (nested 100,000 deep), big.json (a number of
    5,001 digits), in `folder`."""
    for extension in (".csv", ".xlsx", ".json", ".toml", ".db"):
        (folder / f"endless{extension}").symlink_to("/dev/urandom" if extension == ".xlsx" else "/dev/zero")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (folder / "deep.toml").write_text("a = " + "[" * 5_000 + "]" * 5_000 + "\n", encoding="utf-8")
    (folder / "deep.csv").write_text("Action\n" + '"' + "x\n" * 1_000, encoding="utf-8")  # a quote never closed
    (folder / "big.json").write_text('{"format": "ilacs-export", "n": ' + "9" * 5_001 + "}", encoding="utf-8")


def with_value(args: list[str], start: int, value: str, rng: random.Random) -> list[str]:
    """`args` with some of its values after the command's own words (at least one, where there is one) replaced
    by `value`: positionals, option values and the value of --option=value."""
    slots = [index for index in range(start, len(args)) if not args[index].startswith("-") or "=" in args[index]]
    chosen = {index for index in slots if rng.random() < 0.5} or set(slots[:1])
    out = list(args)
    for index in chosen:
        out[index] = out[index].split("=", 1)[0] + "=" + value if out[index].startswith("-") else value
    return out if chosen else [*args, value]


def with_files(args: list[str], kind: str) -> list[str]:
    """`args` with every file of a known extension replaced by the hostile file of that kind and extension."""
    known = {".csv", ".xlsx", ".json", ".toml", ".db"}
    out = []
    for token in args:
        extension = Path(token).suffix.lower()
        if extension in known and not token.startswith("-"):
            token = f"{kind}{extension}" if kind == "endless" or extension in (".json", ".toml", ".csv") else token
        out.append(token)
    return out


def hostile_cases(seed: int) -> list[tuple[str, list[str]]]:
    """(class, argument list) for every command and each class of hostile value or file."""
    rng = random.Random(seed)
    cases = []
    file_cases = [
        ["import", "{kind}.csv", "--inspection", "east-sussex-2023"],
        ["import", "{kind}.xlsx", "--inspection", "east-sussex-2023"],
        ["import", "{kind}.json", "--db", "restored.db"],
        ["seed", "{kind}.toml"],
        ["list", "--db", "{kind}.db"],
    ]
    for path, command in leaf_commands():
        for name, value in HOSTILE_VALUES:
            for _ in range(CASES_PER_CLASS):
                cases.append((name, with_value(argument_list(path, command, rng), len(path), value, rng)))
        for kind in HOSTILE_FILES:
            cases.append((f"{kind} files", with_files(argument_list(path, command, rng), kind)))
    for kind in HOSTILE_FILES:
        cases += [(f"{kind} files", [token.replace("{kind}", kind) for token in args]) for args in file_cases]
    return cases


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero and /dev/urandom for endless files")
def test_every_command_with_each_class_of_hostile_input(template, tmp_path):
    """Issue 27: each class of hostile input at every command, in one worker process: no traceback, an exit status
    of 0 to 3, a refusal in one line (exit 1: an ilacs message; exit 2 may be click's usage, three lines), and the
    database byte for byte unchanged by any run that failed."""
    cases = hostile_cases(SEED + 2)
    place = tmp_path / "worker"
    place.mkdir()
    db, cwd, env = workplace(template, place)
    hostile_files(cwd)
    results = run_worker([args for _, args in cases], place, cwd, env)
    statuses, problems = judge(results)
    for (name, _), result in zip(cases, results):
        said = result["stderr"].strip().splitlines()
        if result["status"] == 1 and result["trace"] is None and len(said) != 1:
            problems.append(f"{name}: {len(said)} lines for {result['args']!r}: {result['stderr'][-300:]}")
        if any(len(line) > 2_100 for line in said):
            problems.append(f"{name}: a line of {max(map(len, said)):,} characters for {result['args'][:3]!r}")
    by_class = Counter(name for name, _ in cases)
    refused = Counter(name for (name, _), result in zip(cases, results) if result["status"] != 0)
    print(
        f"\nhostile classes: {len(results)} runs over {len(leaf_commands())} commands; "
        + "; ".join(f"{name}: {by_class[name]} runs, {refused[name]} refused" for name in by_class)
        + f"; exit statuses {dict(sorted(statuses.items(), key=str))}"
    )
    for problem in problems[:30]:
        print(problem[:1500])
    assert not problems, f"{len(problems)} bad runs; first: {problems[0][:1500]}"


def run_worker(cases: list[list[str]], place: Path, cwd: Path, env: dict) -> list[dict]:
    """Run `cases` through main() in one worker process (this file as a script) in `cwd`; their results."""
    cases_file, results_file = place / "cases.json", place / "results.json"
    cases_file.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, __file__, str(cases_file), str(results_file)],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(TESTS)},  # this file imports helpers.*, run as a script
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(results_file.read_text(encoding="utf-8"))


def newer(db: Path) -> None:
    """What a newer ilacs leaves: a migration this version does not know."""
    import sqlite3

    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('ilacs', 'm099_future', '2027')"
        )
    connection.close()


def table_gone(db: Path) -> None:
    """What a hand edit in a database browser leaves: a table of history dropped."""
    import sqlite3

    with sqlite3.connect(db) as connection:
        connection.execute("DROP TABLE changes")
    connection.close()


@pytest.mark.parametrize("spoil", [damage, newer, table_gone], ids=["damaged", "newer", "table-gone"])
def test_every_command_on_a_damaged_or_newer_database_writes_nothing(template, tmp_path, spoil):
    """Issue 27: random argument lists for every command on a database that is damaged (pages overwritten, or a
    table dropped), or that a newer ilacs changed: no traceback, an exit status of 0 to 3, and the database byte for byte as it was after every run,
    whether it failed or not (nothing may be written to such a file)."""
    rng = random.Random(SEED + 3)
    cases = [argument_list(path, command, rng) for path, command in leaf_commands() for _ in range(CASES_PER_CLASS)]
    place = tmp_path / "worker"
    place.mkdir()
    db, cwd, env = workplace(template, place)
    spoil(db)
    results = run_worker(cases, place, cwd, env)
    statuses, problems = judge(results)
    problems += [f"{result['args']!r} changed the database" for result in results if result["changed"]]
    print(
        f"\n{spoil.__name__} database: {len(results)} runs over {len(leaf_commands())} commands; exit statuses "
        f"{dict(sorted(statuses.items(), key=str))}; runs that changed it {sum(r['changed'] for r in results)}"
    )
    for problem in problems[:30]:
        print(problem[:1500])
    assert not problems, f"{len(problems)} bad runs; first: {problems[0][:1500]}"


def test_a_sample_through_python_m_ilacs(template, tmp_path):
    """The same checks with each argument list in its own `python -m ilacs_cli` process, on its own database."""
    rng = random.Random(SEED + 1)
    cases = [argument_list(path, command, rng) for path, command in leaf_commands()]  # one for each command

    def one(index_args):
        index, args = index_args
        place = tmp_path / f"run{index}"
        place.mkdir()
        db, cwd, env = workplace(template, place, variant=index)
        before = database_bytes(db)
        ran = subprocess.run(
            [sys.executable, "-m", "ilacs_cli", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=120,
        )
        stdout, stderr = (stream.decode("utf-8", "replace") for stream in (ran.stdout, ran.stderr))
        trace = stderr if "Traceback" in stderr or "Traceback" in stdout else None
        return {
            "args": args,
            "status": ran.returncode,
            "trace": trace,
            "stderr": stderr[-2000:],
            "changed": database_bytes(db) != before,
            "wal_left": Path(f"{db}-wal").exists(),
        }

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(one, enumerate(cases)))
    statuses, problems = judge(results)
    print(
        f"\nfuzz (separate processes): {len(results)} runs; exit statuses {dict(sorted(statuses.items(), key=str))}; "
        f"tracebacks {sum(result['trace'] is not None for result in results)}"
    )
    for problem in problems[:20]:
        print(problem)
    assert not problems, f"{len(problems)} bad runs; first: {problems[0]}"


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2])
