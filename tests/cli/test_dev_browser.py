"""`mcplite dev` in headless Chromium: runs tests/cli/dev_browser_flow.py in a pytest of its
own.  Playwright's sync API keeps an event loop and a driver subprocess in the process that
uses it; in the main test process that state leaked into later asyncio subprocess tests
(a child reaped behind asyncio's back) and the flow itself timed out under the full suite.
Skips, saying why, only where Chromium or Playwright is missing (`.ci/run` installs both)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from tests.cli._dev_process import ROOT

FLOW = "tests/cli/dev_browser_flow.py"
FLOW_SECONDS = 300


def test_the_inspector_in_headless_chromium() -> None:
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    proc = subprocess.run(
        [sys.executable, "-X", "dev", "-m", "pytest", "-q", "-p", "no:cacheprovider", FLOW],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=FLOW_SECONDS,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-2000:]
