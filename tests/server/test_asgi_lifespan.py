"""Server(lifespan=...) under the ASGI lifespan protocol, in a real uvicorn (issue 17, item 3).

uvicorn (the ``test`` extra) runs tests/server/asgi_lifespan_app.py: with two workers each
process enters the lifespan once before serving and exits it on shutdown; a lifespan that
fails at startup stops uvicorn with the message and a non-zero status.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_asgi import free_port, last_message, post

pytest.importorskip("uvicorn")

HERE = Path(__file__).resolve().parent
DEADLINE_SECONDS = 20.0


def _uvicorn(port: int, log: Path, *, workers: int, fail: bool = False) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        MCPLITE_TEST_LIFESPAN_LOG=str(log),
        PYTHONPATH=os.pathsep.join([str(HERE.parents[1]), os.environ.get("PYTHONPATH", "")]),
    )
    if fail:
        env["MCPLITE_TEST_LIFESPAN_FAIL"] = "1"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "--workers",
            str(workers),
            "--app-dir",
            str(HERE),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "on",
            "asgi_lifespan_app:make_app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(log: Path, word: str) -> list[str]:
    if not log.exists():
        return []
    return [ln.split()[1] for ln in log.read_text().splitlines() if ln.split()[0] == word]


def _wait(what: str, ok: object, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not ok():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown (lifespan.shutdown)
    try:
        _, err = proc.communicate(timeout=DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=5)
    return err


def test_two_workers_each_enter_and_exit_the_lifespan_once(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "lifespan.log"
    proc = _uvicorn(port, log, workers=2)
    try:
        _wait("two workers to enter the lifespan", lambda: len(_lines(log, "enter")) == 2, proc)

        def listening() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return True
            except OSError:
                return False

        _wait("uvicorn to listen", listening, proc)
        entered = set(_lines(log, "enter"))
        seen = set()
        for i in range(6):
            body = {
                "jsonrpc": "2.0",
                "id": i,
                "method": "tools/call",
                "params": {"name": "whoami", "arguments": {}},
            }
            status, _, data = post(port, body)
            assert status == 200, data
            text = last_message(data)["result"]["content"][0]["text"]
            assert text.startswith("lifespan of ")
            seen.add(text.removeprefix("lifespan of "))
        assert seen <= entered  # every answer came from a worker's own lifespan value
    finally:
        err = _stop(proc)
    assert proc.returncode == 0, err
    assert sorted(_lines(log, "exit")) == sorted(entered), log.read_text()
    assert len(_lines(log, "enter")) == 2  # once per process, never per request


def test_a_failing_startup_stops_uvicorn_with_the_message(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "lifespan.log"
    proc = _uvicorn(port, log, workers=1, fail=True)
    try:
        _, err = proc.communicate(timeout=DEADLINE_SECONDS)
    finally:
        if proc.poll() is None:
            _stop(proc)
    assert proc.returncode != 0
    assert (
        "mcplite: held: the lifespan failed at startup: RuntimeError: database unreachable" in err
    ), err
    assert _lines(log, "enter") and not _lines(log, "exit")
