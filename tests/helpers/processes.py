"""Whether a process a test started (or had started) has ended."""

import os
import time
from pathlib import Path


def is_gone(pid):
    """Whether no process `pid` runs: none has that id, or it is a zombie (ended, waiting for a parent to reap it;
    in a container whose first process does not reap, orphans stay so)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # no such process, or another user's has the id now
        return True
    try:
        # the state follows the command's name in parentheses, which may itself hold spaces or parentheses
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:  # ended since os.kill on Linux; on a system without /proc, it runs
        return Path("/proc/self").exists()


def gone_within(pid, seconds):
    """Whether process `pid` is gone (is_gone) within `seconds`: a killed process takes a moment to be seen so."""
    deadline = time.monotonic() + seconds
    while not is_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
