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
import sys
from typing import Any, Final

import msgspec

from .bench_loop import DEFAULT_OPEN_LOOP_MAX_IN_FLIGHT
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
DEFAULT_BENCH_REPS: Final = 3
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


async def _bench(args: argparse.Namespace, settings: dict[str, Any]) -> dict[str, Any]:
    # Every command imports this module (for add_parser); what measures loads on a run.
    # lazy: CLI bench: the measuring code only when `mcplite bench` runs
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

    # Every command imports this module (for add_parser); what measures loads on a run.
    # lazy: CLI bench: the measuring code only when `mcplite bench` runs
    from .bench_run import EXIT_INTERRUPTED, TargetFailed, WorkloadFailed, exit_code

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


__all__ = ["EXIT_USAGE", "add_parser", "run"]
