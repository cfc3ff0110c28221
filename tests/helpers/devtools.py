"""axe-core, the accessibility engine, run inside the Chromium the other browser tests use.

Chromium is driven over the DevTools protocol through a pipe (`--remote-debugging-pipe`: JSON messages ending in a
NUL byte on file descriptors 3 and 4), not a port and a websocket: no port to find or race for, no websocket client
to install, and the browser goes when the pipe closes. The page can then be shown as printed (print media
emulated) before axe looks at it, which `--dump-dom` cannot do.

axe-core comes from the npm registry with npm's own client (`npm pack`), pinned, into the virtual environment, once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

AXE_VERSION = "4.14.1"
# Every WCAG 2.x A and AA rule axe has, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_script() -> Path | None:
    """axe.min.js of AXE_VERSION in this virtual environment, fetched with `npm pack` if npm is here; else None."""
    home = Path(sys.prefix) / f"axe-core-{AXE_VERSION}"
    script = home / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        packed = subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", folder],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if packed.returncode != 0:
            return None
        with tarfile.open(Path(folder) / f"axe-core-{AXE_VERSION}.tgz") as archive:
            source = archive.extractfile("package/axe.min.js").read()
        home.mkdir(exist_ok=True)
        partial = home / f"axe.min.js.{os.getpid()}"
        partial.write_bytes(source)
        os.replace(partial, script)  # whole, even with two test workers fetching at once
    return script


class Browser:
    """Headless Chromium on the DevTools protocol, through a pipe."""

    def __init__(self, chromium: str, profile: Path):
        reading, self._to_browser = os.pipe()
        self._from_browser, writing = os.pipe()
        # A small Python puts the child's ends on 3 and 4 and becomes Chromium (no preexec_fn in a threaded test).
        # (os.dup's copies are not inheritable, and one may already be 3 or 4: so set_inheritable.)
        move = (
            "import os, sys; reading, writing = int(sys.argv[1]), int(sys.argv[2]); "
            "reading, writing = os.dup(reading), os.dup(writing); os.dup2(reading, 3); os.dup2(writing, 4); "
            "os.set_inheritable(3, True); os.set_inheritable(4, True); os.closerange(5, 1024); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                move,
                str(reading),
                str(writing),
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-sync",
                "--disable-background-networking",
                "--disable-component-update",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(reading, writing),
        )
        os.close(reading)
        os.close(writing)
        self._buffer = b""
        self._next = 0

    def call(self, method: str, session: str | None = None, **params) -> dict:
        """Send one command and return its result (events that arrive meanwhile are dropped)."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe during {method}")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def close(self) -> None:
        os.close(self._to_browser)
        os.close(self._from_browser)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def open(self, url: str, media: str = "screen") -> str:
        """A new tab showing `url` laid out for `media` ("screen" or "print"), loaded; returns its session."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Emulation.setEmulatedMedia", session, media=media)
        self.call("Page.navigate", session, url=url)
        for _ in range(200):
            if self.evaluate(session, "document.readyState") == "complete":
                break
            time.sleep(0.05)
        assert self.evaluate(session, "matchMedia('print').matches") == (media == "print"), media
        return session

    def evaluate(self, session: str, expression: str):
        """The value of a JavaScript expression in the tab (a promise awaited), as JSON gives it."""
        found = self.call("Runtime.evaluate", session, expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in found:
            raise RuntimeError(found["exceptionDetails"])
        return found["result"].get("value")

    def axe(self, session: str, script: Path) -> dict:
        """axe's results for the tab ({"violations": [...], ...}): every WCAG 2.x A/AA rule and best practice."""
        self.evaluate(session, script.read_text(encoding="utf-8") + ";0")
        options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
        return json.loads(self.evaluate(session, f"axe.run(document, {options}).then(r => JSON.stringify(r))"))


def by_rule(results: dict) -> dict[str, int]:
    """{rule id: nodes} of axe's violations."""
    return {violation["id"]: len(violation["nodes"]) for violation in results["violations"]}
