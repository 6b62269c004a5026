"""What ``mcplite bench`` prints: the result as plain values, as text for a terminal.

Latencies are of every measured call, failed ones included (a timeout shows as one); the
error counts say how many failed and why.
"""

from __future__ import annotations

import math
from typing import Any, Final

from .._core.histogram import Histogram
from .bench_loop import Recorder

PERCENTILES: Final = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("p99.9", 0.999))
HISTOGRAM_ROWS: Final = 12
BAR_WIDTH: Final = 40
SPARKS: Final = "▁▂▃▄▅▆▇█"


def latency_ms(h: Histogram) -> dict[str, float]:
    out = {name: round(h.percentile(q) * 1e3, 3) for name, q in PERCENTILES}
    out["max"] = round(h.max_us / 1e3, 3)
    out["min"] = round(h.min_us / 1e3, 3)
    out["mean"] = round(h.mean * 1e3, 3)
    return out


def summarize(
    rec: Recorder,
    settings: dict[str, Any],
    *,
    elapsed: float,
    sent: int,
    received: int,
    interrupted: bool,
) -> dict[str, Any]:
    h = rec.histogram
    errors = sum(rec.errors.values())
    # Calls that finished after the window closed count in its last step.
    steps = max(1, math.ceil(elapsed / rec.step - 0.5))
    timeline = rec.timeline[:steps]
    for c, e, s in rec.timeline[steps:]:
        timeline[-1][0] += c
        timeline[-1][1] += e
        timeline[-1][2].merge(s)
    return {
        "settings": settings,
        "calls": h.count,
        "ok": h.count - errors,
        "elapsed_seconds": round(elapsed, 4),
        "calls_per_second": round(h.count / elapsed, 1) if elapsed > 0 else 0.0,
        "latency_ms": latency_ms(h),
        "errors": dict(sorted(rec.errors.items())),
        "error_examples": dict(sorted(rec.error_examples.items())),
        "bytes": {
            "sent": sent,
            "received": received,
            "sent_per_call": round(sent / h.count, 1) if h.count else 0.0,
            "received_per_call": round(received / h.count, 1) if h.count else 0.0,
        },
        "timeline_step_seconds": rec.step,
        "timeline": [
            {"calls": c, "errors": e, **{k: latency_ms(s)[k] for k in ("p50", "p99", "max")}}
            for c, e, s in timeline
        ],
        "histogram": h.to_dict(),
        "interrupted": interrupted,
        "broken": rec.broken,
    }


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def histogram_rows(h: Histogram, rows: int = HISTOGRAM_ROWS) -> list[tuple[float, float, int]]:
    """At most ``rows`` (low, high, count) ranges in seconds, log-spaced from min to max."""
    buckets = list(h.buckets())
    if not buckets:
        return []
    lo = max(buckets[0][0], 1e-6)
    hi = max(buckets[-1][1], lo * 1.0001)
    span = math.log(hi / lo)
    out: list[list[float]] = [
        [lo * math.exp(span * i / rows), lo * math.exp(span * (i + 1) / rows), 0]
        for i in range(rows)
    ]
    for low, _high, n in buckets:
        i = min(rows - 1, max(0, int(math.log(max(low, lo) / lo) / span * rows)))
        out[i][2] += n
    return [(a, b, int(n)) for a, b, n in out if n]


def sparkline(values: list[float]) -> str:
    if not values:
        return ""
    top = max(values) or 1.0
    return "".join(
        SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))] for v in values
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f}"


def render_text(result: dict[str, Any]) -> str:
    s = result["settings"]
    lines: list[str] = []
    what = (
        s["method"]
        + (f" {s['name']}" if s.get("name") else "")
        + (f" {s['uri']}" if s.get("uri") else "")
    )
    if s["loop"] == "open":
        shape = f"open loop at {s['rate']:g} calls/s (at most {s['concurrency']} in flight)"
    else:
        shape = f"closed loop, {s['concurrency']} in flight"
    server = result.get("server") or {}
    lines.append(f"target     {result.get('target', '?')}")
    if server.get("name"):
        lines.append(
            f"server     {server['name']} {server.get('version') or ''} "
            f"({server.get('protocol_version')})"
        )
    lines.append(f"workload   {what}; {shape} over {s['sessions']} session(s)")
    lines.append(
        f"calls      {result['calls']:,} in {result['elapsed_seconds']:.2f} s = "
        f"{result['calls_per_second']:,.1f} calls/s"
    )
    lat = result["latency_ms"]
    lines.append(
        "latency    "
        + "  ".join(f"{k} {lat[k]:.3f}" for k in ("p50", "p90", "p99", "p99.9", "max"))
        + " ms"
    )
    errors = result["errors"]
    if errors:
        total = sum(errors.values())
        parts = ", ".join(f"{kind} {n:,}" for kind, n in errors.items())
        lines.append(f"errors     {total:,} ({parts})")
        for kind, example in result.get("error_examples", {}).items():
            lines.append(f"             {kind}: {example[:100]}")
    else:
        lines.append("errors     0")
    b = result["bytes"]
    lines.append(
        f"bytes      sent {_size(b['sent'])} ({b['sent_per_call']:,.0f}/call), "
        f"received {_size(b['received'])} ({b['received_per_call']:,.0f}/call)"
    )
    h = Histogram.from_dict(result["histogram"])
    rows = histogram_rows(h)
    if rows:
        lines.append("histogram  (ms)")
        most = max(n for _, _, n in rows)
        for low, high, n in rows:
            bar = "█" * max(1, round(n / most * BAR_WIDTH))
            lines.append(f"  {_ms(low):>10} - {_ms(high):<10} {bar} {n:,}")
    timeline = result["timeline"]
    if timeline:
        step = result["timeline_step_seconds"]
        line = sparkline([float(x["calls"]) for x in timeline])
        lines.append(f"calls/{step:g}s {line}  (max {max(x['calls'] for x in timeline):,})")
    ceiling = result.get("ceiling")
    if ceiling:
        lines.append(
            f"ceiling    {ceiling['calls_per_second']:,.1f} calls/s against the "
            f"{ceiling['target']}, same load shape (the generator's own limit)"
        )
    if result.get("interrupted"):
        lines.append("note       interrupted: a partial report")
    if result.get("broken"):
        lines.append(f"note       the run stopped early: {result['broken']}")
    return "\n".join(lines) + "\n"


def render_compare(result: dict[str, Any]) -> str:
    s = result["settings"]
    what = s["method"] + (f" {s['name']}" if s.get("name") else "")
    shape = (
        f"open loop at {s['rate']:g} calls/s"
        if s["loop"] == "open"
        else f"closed loop, {s['concurrency']} in flight"
    )
    lines = [
        f"workload   {what}; {shape} over {s['sessions']} session(s); "
        f"{s['reps']} interleaved repetitions, median (min..max)",
    ]
    rows = result["compare"]
    width = max([len(r["target"]) for r in rows] + [6])
    for r in rows:
        c, p50, p99 = r["calls_per_second"], r["p50_ms"], r["p99_ms"]
        ratio = r["throughput_ratio"]
        rel = "baseline" if r is rows[0] else (f"{ratio:.2f}x" if ratio is not None else "-")
        lines.append(
            f"  {r['target']:<{width}}  {c['median']:>10,.1f} calls/s "
            f"({c['min']:,.0f}..{c['max']:,.0f})  p50 {p50['median']:.3f} ms  "
            f"p99 {p99['median']:.3f} ms  errors {r['errors']:,}  {rel}"
        )
    ceiling = result.get("ceiling")
    if ceiling:
        lines.append(
            f"ceiling    {ceiling['calls_per_second']:,.1f} calls/s against the "
            f"{ceiling['target']}, same load shape"
        )
    if result.get("interrupted"):
        lines.append("note       interrupted: a partial report")
    return "\n".join(lines) + "\n"
