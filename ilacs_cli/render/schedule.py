"""The daily reminders as a scheduler takes them: a crontab line (Linux, macOS), or for Windows' Task Scheduler a
`schtasks` line for cmd.exe and the same task in PowerShell. Each names the program and the database by their
full paths, as options, so that the task needs no environment of its own; each is quoted for the shell it is for."""

from __future__ import annotations

import datetime as dt
import shlex
import subprocess

TASK = "ilacs reminders"
WEEKDAYS = "MON,TUE,WED,THU,FRI"


def crontab(program: list[str], arguments: list[str], at: dt.time) -> str:
    """A crontab line running the reminders at `at` (the machine's time) on weekdays."""
    command = " ".join(shlex.quote(part) for part in [*program, *arguments])
    return f"{at.minute} {at.hour} * * 1-5  {command}"


def schtasks(program: list[str], arguments: list[str], at: dt.time) -> str:
    """`schtasks /Create` for cmd.exe: the command the task runs (/TR) is one argument, its own quotes escaped."""
    run = subprocess.list2cmdline([*program, *arguments]).replace('"', '\\"')
    return f'schtasks /Create /TN "{TASK}" /SC WEEKLY /D {WEEKDAYS} /ST {at:%H:%M} /TR "{run}"'


def powershell(program: list[str], arguments: list[str], at: dt.time) -> list[str]:
    """The same task in PowerShell (5.1 and 7): single-quoted strings, in which nothing but a quote is special."""

    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    execute, rest = program[0], [*program[1:], *arguments]
    return [
        f"$action = New-ScheduledTaskAction -Execute {quoted(execute)} "
        f"-Argument {quoted(subprocess.list2cmdline(rest))}",
        f"$trigger = New-ScheduledTaskTrigger -Weekly -DaysOfWeek Monday,Tuesday,Wednesday,Thursday,Friday "
        f"-At {at:%H:%M}",
        f"Register-ScheduledTask -TaskName {quoted(TASK)} -Action $action -Trigger $trigger",
    ]
