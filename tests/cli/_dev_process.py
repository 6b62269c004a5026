"""Start `mcplite dev` as a real subprocess and find the URL it prints (for test_dev*.py)."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGET = str(pathlib.Path(__file__).with_name("dev_target.py"))
START_SECONDS = 20
_URL = re.compile(rb"inspector at (http://\S+)")
# What each running ``mcplite dev`` wrote to stderr, by base URL: drained by a thread for
# the whole run, so a chatty process never blocks on a full pipe, and shown when a test
# times out waiting for the page (stderr_of).
_STDERR: dict[str, bytearray] = {}


def stderr_of(base: str) -> str:
    """The tail of what the ``mcplite dev`` serving ``base`` wrote to stderr."""
    return bytes(_STDERR.get(base, b""))[-4000:].decode(errors="replace")


def _drain(fd: int, into: bytearray) -> None:
    while chunk := os.read(fd, 65536):
        into += chunk


@contextlib.contextmanager
def dev_process(*args: str, command: Sequence[str] = ()) -> Iterator[tuple[str, str]]:
    """``(base_url, token)`` of a running ``mcplite dev``; stopped with SIGINT at the end."""
    argv = [sys.executable, "-m", "mcplite", "dev", *args, "--no-browser"]
    if command:
        argv += ["--", *command]
    proc = subprocess.Popen(argv, cwd=ROOT, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert proc.stderr is not None
    try:
        seen = b""
        deadline = time.monotonic() + START_SECONDS
        while (m := _URL.search(seen)) is None:
            left = deadline - time.monotonic()
            assert left > 0 and proc.poll() is None, f"mcplite dev did not start: {seen!r}"
            ready, _, _ = select.select([proc.stderr], [], [], left)
            if ready:
                seen += os.read(proc.stderr.fileno(), 4096)
        url = m.group(1).decode()
        base, _, token = url.partition("/?token=")
        captured = _STDERR[base] = bytearray(seen)
        threading.Thread(target=_drain, args=(proc.stderr.fileno(), captured), daemon=True).start()
        yield base, token
    finally:
        proc.send_signal(2)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
