"""Debian's `chromium`, headless, for the tests that look at a page (shared by tests).

CI (``CI`` set, as `.ci/run` sets it) installs the package and fails a browser test without it; a local
run without it skips.
"""

from __future__ import annotations

import os
import shutil

import pytest

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
