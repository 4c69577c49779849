"""Debian's `chromium`, headless, for the tests that look at a page (shared by tests).

CI (``CI`` set, as `.ci/run` sets it) installs the package and fails a browser test without it; a local
run without it skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: Screenshots the browser tests leave for a person to look at (CI keeps the folder).
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

#: Headless, no first-run or background traffic, a fixed window; the page gets 30 s of virtual time.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
    "--virtual-time-budget=30000",
]


def chromium() -> str:
    """The chromium binary; fails in CI and skips elsewhere when it is not installed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run installs Debian's `chromium` package")
        pytest.skip("Debian's `chromium` is not installed (apt-get install -y chromium); CI installs it")
    return browser


def dump_dom(url: str, profile: Path, *flags: str, timeout: float = 300) -> str:
    """The page's DOM once its scripts ran, from headless Chromium with a fresh profile.

    Args:
        url: The page (a ``file://`` URI or a loopback server's).
        profile: A fresh folder for the browser's profile.
        *flags: More switches after `FLAGS` (a later switch wins, e.g. ``--window-size``).
        timeout: Seconds before the browser is killed.
    """
    proc = subprocess.run(
        [chromium(), *FLAGS, *flags, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.stdout


def screenshot(url: str, profile: Path, name: str, *flags: str, timeout: float = 300) -> Path:
    """Save the page as ``test-artifacts/<name>`` (an earlier one removed first); return its path.

    Fails unless a PNG of more than 20 kB was written (a blank page is smaller). Arguments as `dump_dom`.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    subprocess.run(
        [chromium(), *FLAGS, *flags, f"--user-data-dir={profile}", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=timeout,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    return shot
