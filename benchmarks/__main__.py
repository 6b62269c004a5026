"""python -m benchmarks [--quick] [--only REGEX] [--peers|--no-peers] [--json PATH] ...
   python -m benchmarks soak [--seconds N]   (leak check under hostile load: soak.py)
   python -m benchmarks server-cpu           (HTTP server CPU per call: server_cpu.py)
   python -m benchmarks client-cpu           (HTTP client CPU per call: client_cpu.py)
   python -m benchmarks proxy                (mcplite proxy vs a direct connection: proxy.py)

Method (reference/perf-baseline.md): every measurement runs in fresh processes; throughput cells
have an untimed warm-up then a timed window; repetitions are interleaved (every cell and
implementation once, then again), and each cell reports the median over repetitions. Ratios are
"times worse than the floor" (floor calls/s / row calls/s; row time or memory / floor's).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from . import _execute, _plan, micro
from ._report import print_tables


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short windows, 1 repetition, fewer cells")
    p.add_argument("--only", metavar="REGEX", help="run cells whose 'cell/impl' name matches")
    p.add_argument(
        "--peers",
        dest="peers",
        action="store_true",
        default=None,
        help="include the official SDKs (default: on, off with --quick)",
    )
    p.add_argument("--no-peers", dest="peers", action="store_false")
    p.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="asyncio",
        help="uvloop adds floor+uvloop and mcplite+uvloop rows",
    )
    p.add_argument("--repetitions", type=int, help="interleaved repetitions (default 3; quick 1)")
    p.add_argument("--warmup", type=float, help="untimed warm-up seconds (default 1; quick 0.2)")
    p.add_argument("--duration", type=float, help="timed window seconds (default 4; quick 0.5)")
    p.add_argument("--sessions", type=int, default=100, help="idle HTTP sessions to open")
    p.add_argument("--no-micro", action="store_true", help="skip the micro-benchmarks")
    p.add_argument(
        "--json",
        metavar="PATH",
        default="bench-results.json",
        help="where to write the results (default ./bench-results.json)",
    )
    p.add_argument("--list", action="store_true", help="list cells and implementations, then exit")
    p.add_argument(
        "--markdown",
        nargs="?",
        const="",
        metavar="RESULTS",
        help="print the README Performance section from a results JSON (default: the --json "
        "path) and exit; runs nothing",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["soak"]:  # python -m benchmarks soak --seconds N
        from . import soak

        return soak.main(args_in[1:])
    if args_in[:1] == ["server-cpu"]:  # python -m benchmarks server-cpu: server CPU per call
        from . import server_cpu

        return server_cpu.main(args_in[1:])
    if args_in[:1] == ["client-cpu"]:  # python -m benchmarks client-cpu: client CPU per call
        from . import client_cpu

        return client_cpu.main(args_in[1:])
    if args_in[:1] == ["proxy"]:  # python -m benchmarks proxy: gateway overhead
        from . import proxy

        return proxy.main(args_in[1:])
    args = parse_args(argv)
    if args.markdown is not None:
        from ._markdown import render

        source = Path(args.markdown or args.json)
        print(render(json.loads(source.read_text())), end="")
        return 0
    quick = args.quick
    peers = args.peers if args.peers is not None else not quick
    reps = args.repetitions or (1 if quick else 3)
    only = re.compile(args.only) if args.only else None

    def selected(name: str) -> bool:
        return only is None or only.search(name) is not None

    loops = ["asyncio"]
    if args.loop == "uvloop":
        if importlib.util.find_spec("uvloop") is None:
            print("skip uvloop rows: uvloop is not importable")
        else:
            loops.append("uvloop")
    impls = _plan.impls(peers, loops)
    cells = [c for c in _plan.CELLS if not quick or c.id in _plan.QUICK_CELLS]
    plan = [
        (c, i) for c in cells for i in impls if c.applies_to(i) and selected(f"{c.id}/{i.name}")
    ]
    if args.list:
        for c, i in plan:
            print(f"{c.id}/{i.name}")
        return 0

    env = _execute.Env(
        warmup_seconds=args.warmup if args.warmup is not None else (0.2 if quick else 1.0),
        duration_seconds=args.duration if args.duration is not None else (0.5 if quick else 4.0),
        cold_count=3 if quick else 5,
        sessions=args.sessions,
    )
    from .servers import mcplite_echo

    env.mcplite_missing = mcplite_echo.api_missing()
    if env.mcplite_missing and any(i.client == "mcplite" or i.server == "mcplite" for _, i in plan):
        print(f"note: mcplite cells will be skipped: {env.mcplite_missing}")
    versions: dict[str, str] = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {_cpus()} cpus",
        "cpus": str(_cpus()),
    }
    if any(i.peer for _, i in plan):
        from . import servers

        if any(_plan.OFFICIAL_PY in (i.client, i.server) for _, i in plan):
            env.official_py, line = servers.official_py()
            print(line)
            versions["official-py"] = line
        if any(_plan.OFFICIAL_TS in (i.client, i.server) for _, i in plan):
            env.official_ts, line = servers.official_ts()
            print(line)
            versions["official-ts"] = line

    print(_compile_bytecode())
    started = time.monotonic()
    results: dict[str, Any] = {
        "versions": versions,
        "method": {
            "repetitions": reps,
            "warmup_seconds": env.warmup_seconds,
            "duration_seconds": env.duration_seconds,
            "quick": quick,
        },
        "micro": [],
        "import": {},
        "cells": {},
    }

    if not args.no_micro and selected("micro/"):
        print("\nmicro-benchmarks (best of 5, ns per operation):")
        results["micro"] = micro.run(0.1 if quick else 1.0, selected)
    if selected("import-time"):
        print("\nimport time (fresh interpreters, best of N):")
        for label, snippet in _execute.IMPORT_SNIPPETS.items():
            if label == "import mcplite" and importlib.util.find_spec("mcplite") is None:
                print(f"  skip {label}: not importable")
                continue
            ms = _execute.import_time(snippet, 5 if quick else 15)
            results["import"][label] = ms
            print(f"  {label:<28} {ms:7.1f} ms")

    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    skipped: dict[tuple[str, str], str] = {}
    print(f"\n{len(plan)} end-to-end cells x {reps} repetition(s):")
    for rep in range(reps):
        for cell, impl in plan:
            key = (cell.id, impl.name)
            if key in skipped:
                continue
            try:
                result = _execute.run(cell, impl, env)
            except _execute.Skip as exc:
                skipped[key] = f"skip: {exc}"
                print(f"  skip {cell.id}/{impl.name}: {exc}")
                continue
            except Exception as exc:
                skipped[key] = f"error: {exc}"
                print(f"  ERROR {cell.id}/{impl.name}: {exc}")
                continue
            runs.setdefault(key, []).append(result)
            print(f"  [{rep + 1}/{reps}] {cell.id}/{impl.name}: {_short(result)}", flush=True)

    for cell, impl in plan:
        key = (cell.id, impl.name)
        entry: dict[str, Any] = {
            "cell": cell.id,
            "impl": impl.name,
            "client": impl.client,
            "server": impl.server,
            "loop": impl.loop,
            "runs": runs.get(key, []),
        }
        if key in runs:
            entry["median"] = _median(runs[key])
        else:
            entry["skipped"] = skipped.get(key, "not run")
        results["cells"][f"{cell.id}/{impl.name}"] = entry
    results["summary"] = print_tables(cells, impls, results["cells"])
    results["elapsed_seconds"] = time.monotonic() - started
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.json} ({results['elapsed_seconds']:.0f} s)")
    return 0


def _compile_bytecode() -> str:
    """Write the .pyc files of mcplite and of the harness first, as an install does: with
    PYTHONDONTWRITEBYTECODE set (or a tree just edited) every fresh process would compile
    each stale module again, and import time and cold start would measure the compiler."""
    import compileall

    dirs = [Path(__file__).resolve().parent]
    spec = importlib.util.find_spec("mcplite")
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(p) for p in spec.submodule_search_locations]
    ok = all(compileall.compile_dir(d, quiet=1) for d in dirs)
    return f"bytecode: {'compiled' if ok else 'FAILED to compile'} " + ", ".join(
        d.name for d in dirs
    )


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _median(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float))]
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def _short(result: dict[str, Any]) -> str:
    if "rate" in result:
        return (
            f"{result['rate']:,.0f}/s p50 {result['p50_ms']:.3f} ms p99 {result['p99_ms']:.3f} ms"
        )
    if "cold_ms" in result:
        return f"{result['cold_ms']:.1f} ms"
    if "per_session_kib" in result:
        return (
            f"{result['rss1_kib'] / 1024:.1f} -> {result['rssn_kib'] / 1024:.1f} MiB, "
            f"{result['per_session_kib']:.1f} KiB/session"
        )
    return f"{result['rss_kib'] / 1024:.1f} MiB"


if __name__ == "__main__":
    sys.exit(main())
