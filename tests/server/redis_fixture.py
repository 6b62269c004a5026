"""A real ``redis-server`` and real worker processes for the shared-session tests.

The server runs on a free loopback port with persistence off (no RDB, no AOF), from the
distribution's package (.ci/run installs it).  Tests that need it skip, saying why, only when
``redis-server`` or redis-py cannot be found.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().parent / "shared_worker.py"
START_SECONDS = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(
    port: int, proc: subprocess.Popen[bytes], seconds: float = START_SECONDS
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class RedisServer:
    """``redis-server`` on a free loopback port, persistence off."""

    def __init__(self, exe: str) -> None:
        self.exe = exe
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        wait_listening(self.port, self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def ttl(self, sid: str, part: str) -> int:
        with self.client() as r:
            return int(r.ttl(f"mcplite:{{{sid}}}:{part}"))

    def xlen(self, sid: str, stream: str) -> int:
        with self.client() as r:
            return int(r.xlen(f"mcplite:{{{sid}}}:e:{stream}"))


@dataclass
class Workers:
    ports: list[int]
    redis: RedisServer | None = None
    store: Any = None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    async def events_kept(self, sid: str, stream: str) -> int:
        if self.redis is not None:
            return self.redis.xlen(sid, stream)
        return len(await self.store.events.replay(sid, stream, -1))


def redis_server_or_skip() -> Iterator[RedisServer]:
    exe = shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.path.exists(p)), None
    )
    if exe is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    try:
        import redis  # noqa: F401
    except ImportError:
        pytest.skip("redis-py is not installed (pip install 'mcplite[redis]')")
    server = RedisServer(exe)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def start_workers(redis: RedisServer, n: int = 2, *extra: str) -> Workers:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ports = [free_port() for _ in range(n)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(port), redis.url, *extra], env=env, cwd=ROOT
        )
        for port in ports
    ]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_listening(port, proc)
    except BaseException:
        for proc in procs:
            stop(proc)
        raise
    return Workers(ports, redis, None, procs)


def stop_workers(workers: Workers) -> None:
    for proc in workers.procs:
        stop(proc)
