"""``mcplite bench --html FILE``: one self-contained page (inline SVG and CSS, no scripts)."""

from __future__ import annotations

from html import escape
from typing import Any, Final

import msgspec

from .._core.histogram import Histogram
from .bench_report import histogram_rows

WIDTH: Final = 720
HEIGHT: Final = 220
PAD: Final = 48
COLOURS: Final = {"p50": "#2b6cb0", "p99": "#dd6b20", "max": "#c53030", "calls": "#2f855a"}

_STYLE: Final = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 760px; color: #222 }
table { border-collapse: collapse; margin: 1em 0 } td, th { padding: 2px 10px; text-align: left }
th { color: #555; font-weight: normal }
td.n { text-align: right; font-variant-numeric: tabular-nums }
svg { background: #fafafa; border: 1px solid #ddd } .warn { color: #c05621 }
text { font: 11px system-ui, sans-serif; fill: #444 }
"""


def _axes(x_label: str, y_label: str, y_max: float) -> list[str]:
    bottom, right = HEIGHT - PAD, WIDTH - 10
    parts = [
        f'<line x1="{PAD}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>',
        f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{bottom}" stroke="#888"/>',
        f'<text x="{(PAD + right) / 2:.0f}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{escape(x_label)}</text>",
        f'<text x="12" y="{HEIGHT / 2:.0f}" transform="rotate(-90 12 {HEIGHT / 2:.0f})" '
        f'text-anchor="middle">{escape(y_label)}</text>',
    ]
    for i in range(5):
        value = y_max * i / 4
        y = bottom - (bottom - 10) * i / 4
        parts.append(f'<text x="{PAD - 4}" y="{y + 4:.0f}" text-anchor="end">{value:,.3g}</text>')
    return parts


def _svg(parts: list[str], title: str) -> str:
    body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img"><title>{escape(title)}</title>{body}</svg>'
    )


def latency_chart(result: dict[str, Any]) -> str:
    """Latency (p50, p99, max) and calls per step over the run."""
    timeline = result["timeline"]
    step = result["timeline_step_seconds"]
    y_max = max([x["max"] for x in timeline] + [0.001])
    n = max(len(timeline), 1)
    bottom, span = HEIGHT - PAD, WIDTH - 10 - PAD
    parts = _axes(f"seconds into the run (one point per {step:g} s)", "latency, ms", y_max)
    top_calls = max([x["calls"] for x in timeline] + [1])
    for i, x in enumerate(timeline):
        h = (bottom - 10) * x["calls"] / top_calls
        left = PAD + span * i / n
        parts.append(
            f'<rect x="{left:.1f}" y="{bottom - h:.1f}" width="{span / n * 0.9:.1f}" '
            f'height="{h:.1f}" fill="{COLOURS["calls"]}" opacity="0.15"/>'
        )
    for key in ("max", "p99", "p50"):
        points = " ".join(
            f"{PAD + span * (i + 0.5) / n:.1f},{bottom - (bottom - 10) * x[key] / y_max:.1f}"
            for i, x in enumerate(timeline)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{COLOURS[key]}" stroke-width="1.5"/>'
        )
    for j, key in enumerate(("p50", "p99", "max", "calls")):
        parts.append(
            f'<text x="{WIDTH - 150 + j * 36}" y="22" fill="{COLOURS[key]}" '
            f'style="fill:{COLOURS[key]}">{key}</text>'
        )
    return _svg(parts, "latency over time")


def histogram_chart(result: dict[str, Any]) -> str:
    rows = histogram_rows(Histogram.from_dict(result["histogram"]), rows=24)
    most = max([n for _, _, n in rows] + [1])
    bottom, span = HEIGHT - PAD, WIDTH - 10 - PAD
    parts = _axes("latency, ms (log-spaced ranges)", "calls", float(most))
    width = span / max(len(rows), 1)
    for i, (low, high, n) in enumerate(rows):
        h = (bottom - 10) * n / most
        left = PAD + width * i
        parts.append(
            f'<rect x="{left:.1f}" y="{bottom - h:.1f}" width="{width * 0.9:.1f}" '
            f'height="{h:.1f}" fill="{COLOURS["p50"]}"><title>{low * 1e3:.3f}-{high * 1e3:.3f}'
            f" ms: {n:,} calls</title></rect>"
        )
        if i % max(1, len(rows) // 6) == 0:
            parts.append(f'<text x="{left:.0f}" y="{bottom + 14}">{low * 1e3:.3g}</text>')
    return _svg(parts, "latency histogram")


def compare_chart(result: dict[str, Any]) -> str:
    rows = result["compare"]
    top = max([r["calls_per_second"]["max"] for r in rows] + [1.0])
    bottom, span = HEIGHT - PAD, WIDTH - 10 - PAD
    parts = _axes("target", "calls/s (median, min..max)", top)
    width = span / max(len(rows), 1)
    for i, r in enumerate(rows):
        c = r["calls_per_second"]
        left = PAD + width * i + width * 0.1

        def y(v: float) -> float:
            return float(bottom - (bottom - 10) * v / top)

        parts.append(
            f'<rect x="{left:.1f}" y="{y(c["median"]):.1f}" width="{width * 0.8:.1f}" '
            f'height="{bottom - y(c["median"]):.1f}" fill="{COLOURS["calls"]}"/>'
        )
        mid = left + width * 0.4
        parts.append(
            f'<line x1="{mid:.1f}" y1="{y(c["min"]):.1f}" x2="{mid:.1f}" y2="{y(c["max"]):.1f}" '
            'stroke="#222"/>'
        )
        parts.append(
            f'<text x="{mid:.0f}" y="{bottom + 14}" text-anchor="middle">'
            f"{escape(r['target'][:40])}</text>"
        )
    return _svg(parts, "throughput by target")


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def render_html(result: dict[str, Any]) -> str:
    settings = result["settings"]
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">']
    parts.append(f"<title>mcplite bench</title><style>{_STYLE}</style></head><body>")
    parts.append("<h1>mcplite bench</h1>")
    if "compare" in result:
        parts.append("<h2>Comparison</h2>")
        parts.append(compare_chart(result))
        head = "<tr><th>target</th><th>calls/s median</th><th>min..max</th><th>p50 ms</th>"
        head += "<th>p99 ms</th><th>errors</th><th>ratio</th></tr>"
        body = "".join(
            f"<tr><td>{escape(r['target'])}</td>"
            f'<td class="n">{r["calls_per_second"]["median"]:,.1f}</td>'
            f'<td class="n">{r["calls_per_second"]["min"]:,.0f}..'
            f"{r['calls_per_second']['max']:,.0f}</td>"
            f'<td class="n">{r["p50_ms"]["median"]:.3f}</td>'
            f'<td class="n">{r["p99_ms"]["median"]:.3f}</td>'
            f'<td class="n">{r["errors"]:,}</td><td class="n">{r["throughput_ratio"]}</td></tr>'
            for r in result["compare"]
        )
        parts.append(f"<table>{head}{body}</table>")
    else:
        lat = result["latency_ms"]
        parts.append(
            _table(
                [
                    ("target", result.get("target", "")),
                    ("calls", f"{result['calls']:,} in {result['elapsed_seconds']:.2f} s"),
                    ("calls/s", f"{result['calls_per_second']:,.1f}"),
                    *[(f"{k} ms", f"{lat[k]:.3f}") for k in ("p50", "p90", "p99", "p99.9", "max")],
                    ("errors", result["errors"] or 0),
                    (
                        "bytes sent / received",
                        f"{result['bytes']['sent']:,} / {result['bytes']['received']:,}",
                    ),
                ]
            )
        )
        parts.append("<h2>Latency over time</h2>")
        parts.append(latency_chart(result))
        parts.append("<h2>Latency histogram</h2>")
        parts.append(histogram_chart(result))
    ceiling = result.get("ceiling")
    if ceiling:
        parts.append(
            f"<p>Ceiling: {ceiling['calls_per_second']:,.1f} calls/s against the "
            f"{escape(ceiling['target'])}, same load shape.</p>"
        )
    for note in result.get("notes", []):
        parts.append(f'<p class="warn">{escape(note)}</p>')
    parts.append("<h2>Settings</h2>")
    parts.append(_table(sorted((k, msgspec.json.encode(v).decode()) for k, v in settings.items())))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
