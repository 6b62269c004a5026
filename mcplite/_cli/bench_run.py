"""One measured ``mcplite bench`` run: open the sessions, check the workload, drive the
load loop (``bench_loop``), summarize (``bench_report``).

``bench`` (the command) and ``bench_multi`` (ceilings, several processes, comparisons) both
build on this; the worker process of ``--processes`` runs it alone (``bench_worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from typing import Any, Final

import msgspec

from .._core.jsonschema import first_error
from .._io.transport import watch_push
from .bench_loop import (
    SHORT_TIMELINE_STEP_SECONDS,
    TIMELINE_STEP_SECONDS,
    Call,
    Loop,
    Recorder,
    one_call,
)
from .targets import EXIT_CONNECTION, EXIT_OK, EXIT_SERVER_ERROR, UsageError

# How long calls still in flight may finish after Ctrl-C before they are abandoned.
DEFAULT_BENCH_STOP_GRACE_SECONDS: Final = 2.0
# How long opening or closing one session may take before the target counts as failed.
DEFAULT_BENCH_CONNECT_TIMEOUT_SECONDS: Final = 30.0
PROGRESS_INTERVAL_SECONDS: Final = 0.5
EXIT_INTERRUPTED: Final = 130


# ---------------------------------------------------------------------- sessions


class CountingTransport:
    """A transport that counts the bytes of the JSON-RPC messages each way (the transport's
    own framing, HTTP headers or SSE lines, is not counted)."""

    __slots__ = ("inner", "received", "sent")

    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "inner", inner)
        object.__setattr__(self, "sent", 0)
        object.__setattr__(self, "received", 0)

    async def receive(self) -> bytes:
        data: bytes = await self.inner.receive()
        object.__setattr__(self, "received", self.received + len(data))
        return data

    async def send(self, data: bytes, related: Any = None) -> None:
        object.__setattr__(self, "sent", self.sent + len(data))
        await self.inner.send(data, related)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        if name == "push_to":  # the lean stdio path, counted too
            return watch_push(self.inner, self._count_received)
        # Optional transport hooks (set_protocol_version, register_tools, ...) pass through.
        return getattr(self.inner, name)

    def _count_received(self, data: bytes) -> None:
        object.__setattr__(self, "received", self.received + len(data))

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.inner, name, value)


def describe(target: Any) -> str:
    return " ".join(target) if isinstance(target, list) else str(target)


async def open_session(target: Any, settings: dict[str, Any]) -> tuple[Any, CountingTransport]:
    """A started client whose transport counts bytes."""
    from .._client.client import Client  # lazy: CLI bench: the client stack off `mcplite` start

    counted: list[CountingTransport] = []

    async def factory() -> Any:
        if isinstance(target, str):
            # lazy: CLI bench: HTTP client only for a URL target
            from .._client.streamable_http import StreamableHTTPTransport

            inner: Any = StreamableHTTPTransport(target)
        else:
            # lazy: CLI bench: stdio spawn only for a command target
            from .._io.stdio import spawn_stdio

            inner = await spawn_stdio(target, stderr="capture")
        counted.append(CountingTransport(inner))
        return counted[-1]

    client = Client(
        factory,
        name="mcplite-bench",
        protocol_version=settings["protocol_version"],
        listen=False,
    )
    try:
        async with asyncio.timeout(DEFAULT_BENCH_CONNECT_TIMEOUT_SECONDS):
            await client.start()
    except BaseException as exc:
        stderr = bytes(getattr(counted[0].inner, "stderr", b"")) if counted else b""
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        detail = f"; its stderr ends: {' | '.join(tail)}" if tail else ""
        raise TargetFailed(
            f"cannot start or connect to {describe(target)}: {exc!r}{detail}"
        ) from None
    return client, counted[0]


class TargetFailed(Exception):
    pass


def make_call(client: Any, settings: dict[str, Any]) -> Call:
    method, timeout = settings["method"], settings["timeout"]
    name, arguments = settings["name"], settings["arguments"]
    if method == "tools/call":
        return lambda: client.call_tool(name, arguments, timeout=timeout)
    if method == "resources/read":
        uri = settings["uri"]
        return lambda: client.read_resource(uri, timeout=timeout)
    if method == "prompts/get":
        strs = {
            k: v if isinstance(v, str) else msgspec.json.encode(v).decode()
            for k, v in arguments.items()
        }
        return lambda: client.get_prompt(name, strs, timeout=timeout)
    if method == "tools/list":
        return lambda: client.list_tools(timeout=timeout)
    return lambda: client.ping(timeout=timeout)


async def check_workload(client: Any, settings: dict[str, Any]) -> None:
    """Refuse, before the run, a tool or prompt the server does not have, arguments that do
    not match the tool's inputSchema, and a first call that fails."""
    method, name = settings["method"], settings["name"]
    if method == "tools/call":
        if client.server_capabilities.tools is msgspec.UNSET:
            raise UsageError("bench: the server does not advertise the tools capability")
        tools = {tool.name: tool for tool in await client.list_all_tools()}
        if name not in tools:
            have = ", ".join(sorted(tools)) or "none"
            raise UsageError(f"bench: the server has no tool {name!r} (it has: {have})")
        schema = msgspec.to_builtins(tools[name].input_schema)
        err = first_error(settings["arguments"], schema)
        if err is not None:
            raise UsageError(f"bench: arguments for {name!r} do not match its inputSchema: {err}")
    elif method == "prompts/get":
        if client.server_capabilities.prompts is msgspec.UNSET:
            raise UsageError("bench: the server does not advertise the prompts capability")
        prompts = {p.name for p in await client.list_all_prompts()}
        if name not in prompts:
            have = ", ".join(sorted(prompts)) or "none"
            raise UsageError(f"bench: the server has no prompt {name!r} (it has: {have})")
    kind, exc = await one_call(make_call(client, settings))
    if kind is not None:
        why = f"{kind}: {exc}" if exc is not None else "the result has isError"
        raise WorkloadFailed(f"bench: the first {method} failed before the run ({why})")


class WorkloadFailed(Exception):
    pass


# ---------------------------------------------------------------------- the run


def _progress(loop: Loop, rec: Recorder, counters: list[CountingTransport]) -> str:
    start = rec.window_start
    now = time.perf_counter()
    if start is None or now < start:
        return "  warming up..."
    elapsed = now - start
    n = rec.histogram.count
    rate = n / elapsed if elapsed > 0 else 0.0
    errors = sum(rec.errors.values())
    p99 = rec.histogram.percentile(0.99) * 1e3
    return (
        f"  {elapsed:6.1f} s  {n:>10,} calls  {rate:>10,.0f}/s  p99 {p99:8.2f} ms  "
        f"errors {errors:,}  in flight {loop.in_flight}"
    )


async def _show_progress(loop: Loop, rec: Recorder, counters: list[CountingTransport]) -> None:
    while True:
        await asyncio.sleep(PROGRESS_INTERVAL_SECONDS)
        sys.stderr.write("\r" + _progress(loop, rec, counters) + "\x1b[K")
        sys.stderr.flush()


async def check_target(target: Any, settings: dict[str, Any]) -> None:
    """Start one session and check the workload on it (before a multi-process run)."""
    client, _ = await open_session(target, settings)
    try:
        await check_workload(client, settings)
    finally:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(DEFAULT_BENCH_CONNECT_TIMEOUT_SECONDS):
                await client.aclose()


async def measure(
    target: Any,
    settings: dict[str, Any],
    *,
    progress: bool = False,
    label: str | None = None,
    checked: bool = False,
) -> dict[str, Any]:
    """Open the sessions, check the workload (unless ``checked``), run it; the result (see
    bench_report)."""
    sessions: list[tuple[Any, CountingTransport]] = []
    result: dict[str, Any]
    try:
        for _ in range(settings["sessions"]):
            sessions.append(await open_session(target, settings))
        if not checked:
            await check_workload(sessions[0][0], settings)
        result = await _run(sessions, settings, progress)
    finally:
        for client, _ in sessions:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(DEFAULT_BENCH_CONNECT_TIMEOUT_SECONDS):
                    await client.aclose()
    result["target"] = label or describe(target)
    result["server"] = {
        "name": getattr(sessions[0][0].server_info, "name", None),
        "version": getattr(sessions[0][0].server_info, "version", None),
        "protocol_version": sessions[0][0].protocol_version,
    }
    return result


async def _run(
    sessions: list[tuple[Any, CountingTransport]], settings: dict[str, Any], progress: bool
) -> dict[str, Any]:
    from .bench_report import summarize  # lazy: CLI bench: the report only after a run

    # Ten points a second for a short run, one a second for a long one.
    span = settings["duration"] or 0.0
    rec = Recorder(step=SHORT_TIMELINE_STEP_SECONDS if span <= 10 else TIMELINE_STEP_SECONDS)
    counters = [c for _, c in sessions]
    loop = Loop(
        [make_call(client, settings) for client, _ in sessions],
        rec,
        concurrency=settings["concurrency"],
        duration=settings["duration"],
        max_calls=settings["calls"],
        warmup=settings["warmup"],
        rate=settings["rate"],
    )
    interrupted = False
    aio = asyncio.get_running_loop()

    def interrupt() -> None:
        nonlocal interrupted
        interrupted = True
        loop.stop.set()

    with contextlib.suppress(NotImplementedError, RuntimeError):
        aio.add_signal_handler(signal.SIGINT, interrupt)
    shower = asyncio.create_task(_show_progress(loop, rec, counters)) if progress else None
    bytes_before: tuple[int, int] | None = None

    def window_opened() -> None:
        nonlocal bytes_before
        bytes_before = (sum(c.sent for c in counters), sum(c.received for c in counters))

    rec.on_open = window_opened
    runner = asyncio.create_task(loop.run())
    try:
        stopped = asyncio.create_task(loop.stop.wait())
        try:
            await asyncio.wait([runner, stopped], return_when="FIRST_COMPLETED")
        finally:
            stopped.cancel()
        if not runner.done():
            # Stopped early: let the calls in flight finish for a moment, then abandon them.
            await asyncio.wait([runner], timeout=DEFAULT_BENCH_STOP_GRACE_SECONDS)
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        else:
            runner.result()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            aio.remove_signal_handler(signal.SIGINT)
        if shower is not None:
            shower.cancel()
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    finished = not interrupted and rec.broken is None
    if loop.window_end is not None and finished:
        end = max(loop.window_end, rec.last_done)
    else:
        end = max(rec.last_done, rec.window_start or 0.0)
    before = bytes_before or (0, 0)
    sent = sum(c.sent for c in counters) - before[0]
    received = sum(c.received for c in counters) - before[1]
    return summarize(
        rec,
        settings,
        elapsed=end - rec.window_start if rec.window_start is not None else 0.0,
        sent=sent if bytes_before else 0,
        received=received if bytes_before else 0,
        interrupted=interrupted,
    )


def exit_code(result: dict[str, Any]) -> int:
    if result.get("interrupted"):
        return EXIT_INTERRUPTED
    if result.get("broken"):
        return EXIT_CONNECTION
    if result["errors"]:
        return EXIT_SERVER_ERROR
    return EXIT_OK
