"""``server.run()`` by hand at a terminal: one stderr line, ``--help``; nothing under a host."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = "examples/server.py"
TIMEOUT_SECONDS = 20


def test_help_prints_usage_instead_of_waiting_on_stdin() -> None:
    # stdin stays an open pipe: without the fix this waits for JSON-RPC until the timeout.
    proc = subprocess.Popen(
        [sys.executable, SERVER, "--help"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT_SECONDS)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert out.startswith("usage: python examples/server.py\n")
    assert "notes is an MCP server" in out and "mcplite inspect examples/server.py" in out
    assert err == ""


def test_under_a_host_nothing_is_added() -> None:
    proc = subprocess.run(
        [sys.executable, SERVER],
        cwd=ROOT,
        input="",
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX (pty)")
def test_on_a_terminal_one_stderr_line_says_how_to_try_it() -> None:
    import pty

    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, SERVER],
        cwd=ROOT,
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(terminal)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline().decode()
    finally:
        proc.kill()
        proc.wait()
        os.close(controller)
    assert line.startswith("notes: an MCP server speaking JSON-RPC on stdin/stdout")
    assert "`mcplite inspect examples/server.py`" in line
    assert proc.stdout is not None and proc.stdout.read() == b""
    proc.stdout.close()
    proc.stderr.close()
