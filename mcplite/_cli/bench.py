"""``mcplite bench TARGET``: the message throughput and latency of any MCP server.

The target is anything the other commands take (a URL, ``path.py[:name]``, a module,
``-- COMMAND...``), written with any SDK, in either era (initialize handshake or 2026-07-28
discovery).  Exit codes: 0 every measured call succeeded; 1 some calls failed (errors are
counted by kind, never hidden), or the workload failed before the run; 2 usage (including
a tool that does not exist or arguments that do not match its schema); 3 the target could
not start, or the connection broke mid-run (the partial report is still printed); 130
interrupted (Ctrl-C: the partial report is printed).
"""

from __future__ import annotations

import argparse
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
    DEFAULT_OPEN_LOOP_MAX_IN_FLIGHT,
    SHORT_TIMELINE_STEP_SECONDS,
    TIMELINE_STEP_SECONDS,
    Call,
    Loop,
    Recorder,
    one_call,
)
from .targets import (
    EXIT_CONNECTION,
    EXIT_OK,
    EXIT_SERVER_ERROR,
    EXIT_USAGE,
    UsageError,
    _target,
    call_arguments,
)

DEFAULT_BENCH_DURATION_SECONDS: Final = 10.0
DEFAULT_BENCH_WARMUP_SECONDS: Final = 1.0
DEFAULT_BENCH_CALL_TIMEOUT_SECONDS: Final = 10.0
# How long calls still in flight may finish after Ctrl-C before they are abandoned.
DEFAULT_BENCH_STOP_GRACE_SECONDS: Final = 2.0
# How long opening or closing one session may take before the target counts as failed.
DEFAULT_BENCH_CONNECT_TIMEOUT_SECONDS: Final = 30.0
DEFAULT_BENCH_REPS: Final = 3
PROGRESS_INTERVAL_SECONDS: Final = 0.5
EXIT_INTERRUPTED: Final = 130
METHODS: Final = ("tools/call", "resources/read", "prompts/get", "tools/list", "ping")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "bench", help="measure the throughput and latency of a server under load"
    )
    p.add_argument("target", nargs="?")
    p.add_argument(
        "--tool", nargs="+", metavar=("NAME", "key=value"), help="call this tool (tools/call)"
    )
    p.add_argument("--args", help="tool or prompt arguments as a JSON object")
    p.add_argument("--method", choices=METHODS, help="what to send (default tools/call)")
    p.add_argument("--uri", help="the resource for resources/read")
    p.add_argument(
        "--prompt", nargs="+", metavar=("NAME", "key=value"), help="get this prompt (prompts/get)"
    )
    p.add_argument("--concurrency", type=int, default=None, help="calls in flight (closed loop)")
    p.add_argument("--sessions", type=int, default=1, help="sessions (connections) to spread over")
    p.add_argument("--duration", type=float, default=None, help="measured seconds")
    p.add_argument("--calls", type=int, default=None, help="measured calls (instead of duration)")
    p.add_argument("--warmup", type=float, default=DEFAULT_BENCH_WARMUP_SECONDS)
    p.add_argument("--rate", type=float, default=None, help="open loop: calls per second")
    p.add_argument("--timeout", type=float, default=DEFAULT_BENCH_CALL_TIMEOUT_SECONDS)
    p.add_argument("--protocol-version", default=None, help="pin a protocol revision")
    p.add_argument("--json", action="store_true", help="the report as JSON on stdout")
    p.add_argument("--progress", action="store_true", help="progress line even off a terminal")
    p.add_argument(
        "--compare", nargs="+", metavar="TARGET", help="compare these targets (interleaved)"
    )
    p.add_argument("--reps", type=int, default=DEFAULT_BENCH_REPS, help="repetitions (--compare)")
    p.add_argument("--processes", type=int, default=1, help="client processes sharing the load")
    p.add_argument("--html", metavar="FILE", help="also write the report as one HTML page")
    p.add_argument(
        "--no-ceiling", action="store_true", help="skip measuring against the null server"
    )
    return p


# ---------------------------------------------------------------------- settings


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """Check the command line; the run's settings as plain values."""
    if args.command_line and args.target is not None:
        raise UsageError(f"bench: give a TARGET or -- COMMAND, not both ({args.target!r})")
    named = args.tool or args.prompt or []
    if args.tool and args.prompt:
        raise UsageError("bench: give --tool or --prompt, not both")
    name, pairs = (named[0], named[1:]) if named else (None, [])
    method = args.method or (
        "tools/call"
        if args.tool
        else "resources/read"
        if args.uri
        else "prompts/get"
        if args.prompt
        else None
    )
    if method is None:
        raise UsageError(
            "bench: say what to send: --tool NAME, --uri URI, --prompt NAME or --method"
        )
    if method == "tools/call" and not args.tool:
        raise UsageError("bench: tools/call needs --tool NAME")
    if method == "resources/read" and not args.uri:
        raise UsageError("bench: resources/read needs --uri URI")
    if method == "prompts/get" and not args.prompt:
        raise UsageError("bench: prompts/get needs --prompt NAME")
    arguments = call_arguments(pairs, args.args)
    if arguments and method not in ("tools/call", "prompts/get"):
        raise UsageError(f"bench: {method} takes no arguments, got {sorted(arguments)}")
    for opt in ("sessions", "concurrency", "calls", "reps", "processes"):
        value = getattr(args, opt)
        if value is not None and value < 1:
            raise UsageError(f"--{opt} must be at least 1, got {value}")
    for opt in ("duration", "rate", "timeout"):
        value = getattr(args, opt)
        if value is not None and value <= 0:
            raise UsageError(f"--{opt} must be positive, got {value}")
    if args.warmup < 0:
        raise UsageError(f"--warmup must not be negative, got {args.warmup}")
    duration = args.duration
    if duration is None and args.calls is None:
        duration = DEFAULT_BENCH_DURATION_SECONDS
    open_loop = args.rate is not None
    concurrency = args.concurrency or (DEFAULT_OPEN_LOOP_MAX_IN_FLIGHT if open_loop else 1)
    return {
        "method": method,
        "name": name,
        "uri": args.uri,
        "arguments": arguments,
        "loop": "open" if open_loop else "closed",
        "rate": args.rate,
        "concurrency": concurrency,
        "sessions": args.sessions,
        "duration": duration,
        "calls": args.calls,
        "warmup": args.warmup,
        "timeout": args.timeout,
        "protocol_version": args.protocol_version,
    }


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


async def _bench(args: argparse.Namespace, settings: dict[str, Any]) -> dict[str, Any]:
    # lazy: cycle: bench_multi imports bench
    from .bench_multi import ceiling, ceiling_note, compare, compare_target, measure_any

    processes = args.processes
    if args.compare:
        targets = [compare_target(spec) for spec in args.compare]
        return await compare(targets, settings, args.reps, processes, not args.no_ceiling)

    target = _target(args.target, args.command_line)
    label = args.target or " ".join(args.command_line)
    progress = (args.progress or sys.stderr.isatty()) and processes == 1
    result = await measure_any(target, settings, processes, progress=progress, label=label)
    result.setdefault("notes", [])
    if not args.no_ceiling and not result["interrupted"] and not result["broken"]:
        result["ceiling"] = await ceiling(settings, isinstance(target, str), processes)
        rate = settings["rate"] or result["calls_per_second"]
        note = ceiling_note(rate, result["ceiling"]["calls_per_second"], bool(settings["rate"]))
        if note:
            result["notes"].append(note)
    return result


def run(args: argparse.Namespace) -> int:
    """The ``bench`` command."""
    # lazy: CLI bench: the report only after a run
    from .bench_report import render_compare, render_text

    settings = _settings(args)
    if args.compare and (args.target or args.command_line):
        raise UsageError("bench: --compare takes every TARGET itself; give no other TARGET")
    if not args.compare and args.target is None and not args.command_line:
        raise UsageError(
            "bench: give a TARGET (a URL, path.py[:name], module[:name]) or -- COMMAND"
        )
    try:
        result = asyncio.run(_bench(args, settings))
    except TargetFailed as exc:
        print(f"mcplite: {exc}", file=sys.stderr)
        return EXIT_CONNECTION
    except WorkloadFailed as exc:
        print(f"mcplite: {exc}", file=sys.stderr)
        return EXIT_SERVER_ERROR
    if args.json:
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(result), indent=2).decode() + "\n")
    elif args.compare:
        sys.stdout.write(render_compare(result))
    else:
        sys.stdout.write(render_text(result))
    for note in result.get("notes", []):
        print(f"mcplite: warning: {note}", file=sys.stderr)
    if args.html:
        from .bench_html import render_html  # lazy: CLI bench: HTML only with --html

        try:
            with open(args.html, "w", encoding="utf-8") as f:
                f.write(render_html(result))
        except OSError as exc:
            print(f"mcplite: cannot write {args.html}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.compare:
        if result["interrupted"]:
            return EXIT_INTERRUPTED
        if any(row["broken"] for row in result["compare"]):
            return EXIT_CONNECTION
        return EXIT_SERVER_ERROR if any(row["errors"] for row in result["compare"]) else EXIT_OK
    if result.get("broken"):
        print(f"mcplite: the run stopped early: {result['broken']}", file=sys.stderr)
    return exit_code(result)


__all__ = ["EXIT_USAGE", "add_parser", "measure", "run"]
