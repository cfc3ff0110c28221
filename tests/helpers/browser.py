"""Headless Chromium run once per call (--dump-dom, --screenshot, --print-to-pdf); helpers.devtools drives it over
the DevTools protocol instead."""

import shutil
import subprocess


def chromium():
    """The Chromium on PATH, or None (tests then skip; CI installs it)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_browser(browser, tmp_path, *args):
    """Chromium headless with `args`, in its own profile under `tmp_path`; the CompletedProcess."""
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
