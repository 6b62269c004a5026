"""Run one measurement: start the HTTP server if the cell needs one, run a client runner process,
stop everything, return the runner's RESULT. Everything binds 127.0.0.1 and is time-bounded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._plan import FLOOR, FLOOR_BLOCKING, MCPLITE, OFFICIAL_PY, OFFICIAL_TS, Cell, Impl

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
SERVER_START_TIMEOUT_SECONDS = 30.0
SERVER_STOP_TIMEOUT_SECONDS = 5.0
RUNNER_SLACK_SECONDS = 90.0


class Skip(Exception):
    """This cell cannot run for this implementation; the message says why."""


@dataclass
class Env:
    """Where each implementation's interpreters and scripts are (None: not available)."""

    official_py: str | None = None
    official_ts: Path | None = None
    mcplite_missing: str | None = None
    node: str = "node"
    warmup_seconds: float = 1.0
    duration_seconds: float = 4.0
    cold_count: int = 5
    sessions: int = 100
    extra: dict[str, Any] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _check_available(kind: str, env: Env) -> None:
    if kind == MCPLITE and env.mcplite_missing:
        raise Skip(env.mcplite_missing)
    if kind == OFFICIAL_PY and env.official_py is None:
        raise Skip("official Python SDK not installed")
    if kind == OFFICIAL_TS and env.official_ts is None:
        raise Skip("official TypeScript SDK not installed")


def server_cmd(
    kind: str,
    env: Env,
    loop: str,
    port: int | None = None,
    sse: bool = False,
    cell: Cell | None = None,
) -> list[str]:
    py = sys.executable
    # Scale cells raise the limits they need, by option (the same flags on every Python echo
    # server): message size on both ends, 1,000 tools, caps on sessions/connections/in-flight.
    extra: list[str] = []
    if cell is not None:
        if cell.max_message_bytes:
            extra += ["--max-message-bytes", str(cell.max_message_bytes)]
        if cell.tools > 1:
            extra += ["--tools", str(cell.tools)]
        if cell.scale:
            extra += ["--scale"]
    if kind == FLOOR_BLOCKING:
        return [py, "-m", "benchmarks.servers.floor_echo", "stdio-blocking", *extra]
    if kind in (FLOOR, MCPLITE):
        module = (
            "benchmarks.servers.floor_echo" if kind == FLOOR else "benchmarks.servers.mcplite_echo"
        )
        cmd = [py, "-m", module]
        cmd += (
            ["stdio"]
            if port is None
            else ["http", "--port", str(port)] + (["--sse"] if sse else [])
        )
        return cmd + extra + (["--loop", loop] if loop != "asyncio" else [])
    if extra:
        raise Skip("the peers' echo servers take no scale options")
    tail = ["stdio"] if port is None else ["http", str(port), "sse" if sse else "json"]
    if kind == OFFICIAL_PY:
        assert env.official_py is not None
        return [env.official_py, str(HERE / "servers" / "official_py_echo.py"), *tail]
    assert env.official_ts is not None
    return [env.node, str(env.official_ts / "official_ts_echo.mjs"), *tail]


def client_cmd(kind: str, env: Env, spec: dict[str, Any]) -> list[str]:
    arg = json.dumps(spec)
    if kind in (FLOOR, MCPLITE):
        return [sys.executable, "-m", f"benchmarks.clients.{kind}", arg]
    if kind == OFFICIAL_PY:
        assert env.official_py is not None
        return [env.official_py, "-m", "benchmarks.clients.official_py", arg]
    assert env.official_ts is not None
    return [env.node, str(env.official_ts / "official_ts.mjs"), arg]


def _child_env() -> dict[str, str]:
    child = dict(os.environ)
    child["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + child["PYTHONPATH"] if "PYTHONPATH" in child else ""
    )
    return child


def _wait_listening(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise Skip(f"server exited with {proc.returncode}: {err.strip()[-400:]}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise Skip(f"server did not listen on {HOST}:{port} within {SERVER_START_TIMEOUT_SECONDS}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(SERVER_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(cell: Cell, impl: Impl, env: Env) -> dict[str, Any]:
    """One repetition of one cell for one implementation, in fresh processes."""
    _check_available(impl.client, env)
    _check_available(impl.server, env)
    spec: dict[str, Any] = {
        "task": cell.task,
        "transport": "http" if cell.transport.startswith("http") else cell.transport,
        "concurrency": cell.concurrency,
        "payload_bytes": cell.payload_bytes,
        "warmup_seconds": env.warmup_seconds,
        "duration_seconds": env.duration_seconds,
        "count": env.cold_count,
        "sessions": cell.sessions or env.sessions,
        "loop": impl.loop,
        "method": cell.method,
        "tools": cell.tools,
        "max_message_bytes": cell.max_message_bytes,
    }
    server: subprocess.Popen[bytes] | None = None
    try:
        if cell.transport == "stdio":
            spec["server_cmd"] = server_cmd(impl.server, env, impl.loop, cell=cell)
        elif cell.transport.startswith("http"):
            port = _free_port()
            cmd = server_cmd(
                impl.server, env, impl.loop, port, sse=cell.transport == "http-sse", cell=cell
            )
            server = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=_child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            _wait_listening(server, port)
            spec["url"] = f"http://{HOST}:{port}/mcp"
            spec["server_pid"] = server.pid
        timeout = env.warmup_seconds + env.duration_seconds + RUNNER_SLACK_SECONDS
        try:
            done = subprocess.run(
                client_cmd(impl.client, env, spec),
                cwd=ROOT,
                env=_child_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"client runner timed out after {timeout:.0f}s") from exc
        out = done.stdout.decode(errors="replace")
        lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            err = done.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"client runner exited {done.returncode}: {err[-600:]}")
        result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
        return result
    finally:
        if server is not None:
            _stop(server)
            if server.stderr is not None:
                server.stderr.close()


IMPORT_SNIPPETS = {
    "import asyncio, msgspec": "import asyncio, msgspec",
    "import mcplite": "import mcplite",
}


def import_time(snippet: str, count: int) -> float:
    """Best-of-``count`` milliseconds for ``snippet`` in fresh interpreters (startup excluded)."""
    code = "import time; t0 = time.perf_counter(); " + snippet + "; print(time.perf_counter() - t0)"
    best = float("inf")
    for _ in range(count):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=_child_env(),
            capture_output=True,
            timeout=60,
            check=False,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip()[-300:])
        best = min(best, float(done.stdout.strip()))
    return best * 1e3
