"""The README "Performance" section, rendered from a results JSON (``--markdown``).

Pure: ``render(results)`` takes what ``python -m benchmarks`` wrote and returns Markdown. One
row per cell the run measured, in the harness's order; the floor's own number, then each row's
ratio to the asyncio floor (times the floor's cost, below 1x is faster) with its run-to-run
spread: the min-max of the per-repetition ratios (repetitions are interleaved, so repetition i
of a row is paired with repetition i of its floor).
"""

from __future__ import annotations

import re
from typing import Any

from ._plan import CELLS, SCALE_MIN_SHARE, Cell, targets
from ._report import scale_checks

# The README's typography (ruff's RUF001 would flag the characters themselves).
TIMES, DASH, AT_MOST, DIVIDED = "\u00d7", "\u2013", "\u2264", "\u00f7"

# (row, the row it is divided by, column heading); a column shows only when the run has
# its row.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("mcplite", "floor", f"mcplite {DIVIDED} floor"),
    ("mcplite-server", "floor", f"server alone {DIVIDED} floor"),
    ("floor-blocking", "floor", f"blocking floor {DIVIDED} floor"),
    ("mcplite-server", "floor-blocking", f"server alone {DIVIDED} blocking floor"),
    ("official-py", "floor", f"official Python SDK {DIVIDED} floor"),
    ("official-py-server", "floor", f"its server alone {DIVIDED} floor"),
    ("official-ts", "floor", f"official TypeScript SDK {DIVIDED} floor"),
    ("official-ts-server", "floor", f"its server alone {DIVIDED} floor"),
)
PEER_ROWS = frozenset({"official-py", "official-py-server", "official-ts", "official-ts-server"})
# "official Python SDK: mcp 1.2 (<cache dir>)": the README names no machine paths.
_PATH_NOTE = re.compile(r"\s*\([^)]*/[^)]*\)")
_MACHINE = re.compile(r"(\S+), (\d+) cpus")  # versions["machine"]: "x86_64, 2 cpus"
SHORT_ROW = {"mcplite": "mcplite", "mcplite-server": "server alone"}


def _metric(cell: Cell) -> tuple[str, bool]:
    """(key of the number in a run, higher is better)."""
    keys = {"throughput": "rate", "cold": "cold_ms", "rss": "rss_kib"}
    return keys.get(cell.task, "per_session_kib"), cell.task == "throughput"


def _absolute(cell: Cell, median: dict[str, float]) -> str:
    if cell.task == "throughput":
        return f"{median['rate']:,.0f} calls/s"
    if cell.task == "cold":
        return f"{median['cold_ms']:.0f} ms"
    if cell.task == "rss":
        return f"{median['rss_kib'] / 1024:.1f} MiB"
    return f"{median['per_session_kib']:.1f} KiB/session"


def _times(a: float, b: float, higher_is_better: bool) -> float | None:
    """How many times the floor's cost ``a`` is (``b`` is the floor's number)."""
    if a <= 0 or b <= 0:
        return None
    return b / a if higher_is_better else a / b


def _fmt(ratio: float) -> str:
    digits = 2 if ratio < 10 else 1 if ratio < 100 else 0
    return f"{ratio:.{digits}f}{TIMES}"


def ratio_with_spread(
    cell: Cell, row: dict[str, Any], floor: dict[str, Any]
) -> tuple[float, float, float] | None:
    """(ratio of the medians, lowest and highest per-repetition ratio), or None."""
    if "median" not in row or "median" not in floor:
        return None
    key, higher = _metric(cell)
    ratio = _times(row["median"][key], floor["median"][key], higher)
    if ratio is None:
        return None
    pairs = [
        _times(mine[key], theirs[key], higher)
        for mine, theirs in zip(row.get("runs", []), floor.get("runs", []))
    ]
    reps = [r for r in pairs if r is not None] or [ratio]
    return ratio, min(reps), max(reps)


def _cell_text(cell: Cell, impl: str, base: str, cells: dict[str, Any]) -> str:
    row = cells.get(f"{cell.id}/{impl}")
    if row is None:
        if impl in PEER_ROWS and cell.scale:
            return "not run (scale cell)"
        return DASH
    if "median" not in row:
        return "not run" if impl in PEER_ROWS else DASH
    got = ratio_with_spread(cell, row, cells.get(f"{cell.id}/{base}", {}))
    if got is None:
        return DASH
    ratio, low, high = got
    if len(row.get("runs", [])) < 2:
        return _fmt(ratio)
    return f"{_fmt(ratio)} ({low:.2f}{DASH}{high:.2f})"


def _targets_text(cell: Cell, cells: dict[str, Any]) -> str:
    parts = []
    for impl in ("mcplite", "mcplite-server"):
        for goal in targets(cell.id, impl):
            got = ratio_with_spread(
                cell, cells.get(f"{cell.id}/{impl}", {}), cells.get(f"{cell.id}/floor", {})
            )
            if got is None:
                verdict = "not measured"
            else:
                verdict = "met" if got[0] <= goal.limit else "missed"
            parts.append(f"{SHORT_ROW[impl]} {AT_MOST} {goal.limit:g}{TIMES}: {verdict}")
    return "; ".join(parts)


def _title(cell: Cell, floor: dict[str, Any]) -> str:
    if cell.task == "sessions":
        runs = floor.get("runs") or [{}]
        count = runs[0].get("sessions", cell.sessions)
        return f"HTTP server memory per idle session, {count:,} sessions"
    return cell.title


def render(results: dict[str, Any]) -> str:
    cells: dict[str, Any] = results.get("cells", {})
    versions: dict[str, Any] = results.get("versions", {})
    method: dict[str, Any] = results.get("method", {})
    measured = [c for c in CELLS if f"{c.id}/floor" in cells]
    impls = {key.partition("/")[2] for key in cells}
    columns = [c for c in COLUMNS if c[0] in impls and c[1] in impls]
    reps = method.get("repetitions", "?")
    window = (
        f"{method.get('warmup_seconds', '?'):g} s warm-up and a "
        f"{method.get('duration_seconds', '?'):g} s window per measurement"
        if isinstance(method.get("warmup_seconds"), (int, float))
        and isinstance(method.get("duration_seconds"), (int, float))
        else "the default windows"
    )
    machine = str(versions.get("machine", ""))
    found = _MACHINE.fullmatch(machine)
    if found is not None:
        where = f"a {versions.get('cpus') or found.group(2)}-core {found.group(1)} machine"
    else:
        where = machine or "an unrecorded machine"
    lines = [
        f"One run of `python -m benchmarks` on {where}, Python {versions.get('python', '?')}: "
        f"{reps} interleaved repetition{'' if reps == 1 else 's'}, {window}; client and "
        "server share the cores. "
        "Each SDK uses its own client, an `echo(text)` tool, protocol 2025-11-25. Two floors "
        "run in the same run: a hand-written asyncio + msgspec loop (`benchmarks/floor.py`, "
        '"floor"), and on sequential stdio cells the same server on blocking stdin/stdout '
        'with no event loop ("blocking floor", `floor.py stdio-blocking`). "Server alone" '
        "drives a server with the floor's client.",
        "",
        "**Ratios, not absolute numbers, are the claim**: each is the row's cost over the "
        f"asyncio floor's in the same run (below 1{TIMES} is faster), from the medians of the "
        "repetitions; in brackets, the lowest and highest ratio of a single repetition (the "
        "run-to-run spread). The floor column gives this machine's absolute numbers only to "
        "scale the ratios.",
        "",
    ]
    heads = ["workload", "floor", *(head for _, _, head in columns), "target"]
    lines.append("| " + " | ".join(heads) + " |")
    lines.append("|" + "---|" * len(heads))
    for cell in measured:
        floor = cells[f"{cell.id}/floor"]
        floor_text = _absolute(cell, floor["median"]) if "median" in floor else "not run"
        row = [_title(cell, floor), floor_text]
        row += [_cell_text(cell, impl, base, cells) for impl, base, _ in columns]
        row.append(_targets_text(cell, cells))
        lines.append("| " + " | ".join(row) + " |")
    lines += _footnotes(results, cells)
    return "\n".join(lines) + "\n"


def _footnotes(results: dict[str, Any], cells: dict[str, Any]) -> list[str]:
    out: list[str] = [""]
    if any(key.partition("/")[2] in PEER_ROWS for key in cells):
        out.append(
            "The official SDKs do not run on the scale cells (64 and 256 in flight, 1 and "
            "8 MiB, 1,000 sessions, 1,000 tools): they would make a full run much longer."
        )
    checks = [c for c in scale_checks(cells) if "verdict" in c]
    if checks:
        titles = {c.id: c.title.partition(",")[0] for c in CELLS}
        parts = [
            f"{titles.get(c['high'], c['high'])} {SHORT_ROW.get(c['impl'], c['impl'])} "
            f"{c['share']:.0%} ({'met' if c['verdict'] == 'PASS' else 'missed'})"
            for c in checks
        ]
        out.append(
            "Throughput from 64 to 256 in flight (the 256 cell keeps at least "
            f"{SCALE_MIN_SHARE:.0%} of the 64 cell's calls/s): " + "; ".join(parts) + "."
        )
    imports = results.get("import", {})
    if "import mcplite" in imports and "import asyncio, msgspec" in imports:
        out.append(
            f"`import mcplite` took {imports['import mcplite']:.0f} ms, "
            f"`import asyncio, msgspec` {imports['import asyncio, msgspec']:.0f} ms "
            "(best of several fresh interpreters)."
        )
    peers = [
        _PATH_NOTE.sub("", v)
        for k, v in results.get("versions", {}).items()
        if k.startswith("official")
    ]
    if peers:
        out.append("Peers: " + "; ".join(peers) + ".")
    elapsed = results.get("elapsed_seconds")
    if isinstance(elapsed, (int, float)):
        took = f"{elapsed:.0f} s" if elapsed < 120 else f"{elapsed / 60:.0f} minutes"
        out.append(f"The run took {took}.")
    # One paragraph each.
    return [line for note in out[1:] for line in ("", note)]
