"""The result tables: per cell, each row's value, ratio to the floor, ratios to peers, targets."""

from __future__ import annotations

from typing import Any

from ._plan import (
    FLOOR_BLOCKING,
    PEERS,
    SCALE_MIN_SHARE,
    SCALE_PAIRS,
    SCALE_ROWS,
    TARGETS,
    Cell,
    Impl,
    targets,
)


def _value(cell: Cell, median: dict[str, float]) -> tuple[float, str, bool]:
    """(number, formatted, higher_is_better)."""
    if cell.task == "throughput":
        return (
            median["rate"],
            (f"{median['rate']:>9,.0f}/s  {median['p50_ms']:7.3f} / {median['p99_ms']:7.3f} ms"),
            True,
        )
    if cell.task == "cold":
        return median["cold_ms"], f"{median['cold_ms']:9.1f} ms", False
    if cell.task == "rss":
        return median["rss_kib"], f"{median['rss_kib'] / 1024:9.1f} MiB", False
    return (
        median["per_session_kib"],
        (
            f"{median['rss1_kib'] / 1024:5.1f} -> {median['rssn_kib'] / 1024:5.1f} MiB, "
            f"{median['per_session_kib']:6.1f} KiB/session"
        ),
        False,
    )


def _ratio(mine: float, theirs: float, higher_is_better: bool) -> float | None:
    """How many times worse ``mine`` is than ``theirs`` (below 1: better)."""
    if mine <= 0 or theirs <= 0:
        return None
    return theirs / mine if higher_is_better else mine / theirs


def print_tables(cells: list[Cell], impls: list[Impl], results: dict[str, Any]) -> list[Any]:
    summary: list[dict[str, Any]] = []
    peer_rows = [i.name for i in impls if i.name in PEERS]
    print("\nresults: median of repetitions; ratio = times worse than the floor (below 1x: better)")
    for cell in cells:
        rows: list[tuple[Impl, dict[str, Any]]] = [
            (i, results[f"{cell.id}/{i.name}"]) for i in impls if f"{cell.id}/{i.name}" in results
        ]
        if not rows:
            continue
        note = "  (scale cell: peers not run)" if cell.scale and peer_rows else ""
        print(f"\n{cell.title}  [{cell.id}]{note}")
        values: dict[str, float] = {}
        for impl, entry in rows:
            if "median" in entry:
                values[impl.name] = _value(cell, entry["median"])[0]
        for impl, entry in rows:
            if "median" not in entry:
                print(f"  {impl.name:<24} {entry.get('skipped', 'not run')}")
                continue
            number, text, higher = _value(cell, entry["median"])
            parts = [f"  {impl.name:<24} {text}"]
            floor = values.get(impl.floor_name)
            ratio = (
                _ratio(number, floor, higher) if floor and impl.name != impl.floor_name else None
            )
            if ratio is not None:
                parts.append(f"{ratio:5.2f}x floor")
            if not impl.name.startswith("floor") and FLOOR_BLOCKING in values:
                r = _ratio(number, values[FLOOR_BLOCKING], higher)
                if r is not None:
                    parts.append(f"{r:5.2f}x {FLOOR_BLOCKING}")
            if not impl.peer and not impl.name.startswith("floor"):
                for peer in peer_rows:
                    if peer in values:
                        r = _ratio(number, values[peer], higher)
                        if r is not None:
                            parts.append(f"{r:5.2f}x {peer}")
            row: dict[str, Any] = {
                "cell": cell.id,
                "impl": impl.name,
                "value": number,
                "ratio_to_floor": ratio,
            }
            for goal in targets(cell.id, impl.name):
                label = f"target <= {goal.limit:g}x (#{goal.issue})"
                if ratio is None:
                    parts.append(f"{label}: no floor")
                    continue
                verdict = "PASS" if ratio <= goal.limit else "FAIL"
                parts.append(f"{label}: {verdict}")
                row.setdefault("targets", []).append(
                    {"limit": goal.limit, "issue": goal.issue, "verdict": verdict}
                )
            summary.append(row)
            print("  ".join(parts))
    checks = scale_checks(results)
    if checks:
        print(
            "\nthroughput from 64 to 256 in flight "
            f"(256 keeps >= {SCALE_MIN_SHARE:.0%} of 64's calls/s):"
        )
        for c in checks:
            verdict = c.get("verdict", "(no target)")
            print(
                f"  {c['low']} -> {c['high']}  {c['impl']:<16} {c['low_rate']:>9,.0f}/s -> "
                f"{c['high_rate']:>9,.0f}/s  {c['share']:.2f}  {verdict}"
            )
        summary.extend(checks)
        failed = [c for c in checks if c.get("verdict") == "FAIL"]
        for c in failed:
            print(f"  FAIL {c['high']}/{c['impl']}: {c['share']:.2f} of {c['low']}")
    verdicts = [(sr, g) for sr in summary for g in sr.get("targets", [])]
    measured = {(sr["cell"], sr["impl"], g["issue"]) for sr, g in verdicts}
    unmeasured = [
        t
        for t in TARGETS
        if f"{t.cell}/{t.impl}" in results and (t.cell, t.impl, t.issue) not in measured
    ]
    if verdicts or unmeasured:
        passed = sum(g["verdict"] == "PASS" for _, g in verdicts)
        print(f"\ntargets: {passed} of {len(verdicts) + len(unmeasured)} pass")
        for sr, g in verdicts:
            if g["verdict"] == "FAIL":
                print(
                    f"  FAIL {sr['cell']}/{sr['impl']}: {sr['ratio_to_floor']:.2f}x "
                    f"(target <= {g['limit']:g}x, issue {g['issue']})"
                )
        for t in unmeasured:
            print(f"  NOT MEASURED {t.cell}/{t.impl} (target <= {t.limit:g}x, issue {t.issue})")
    return summary


def scale_checks(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 15's "throughput must not fall from 64 to 256 in flight": for each row that ran
    both cells of a pair, the 256 cell's calls/s as a share of the 64 cell's (floors shown,
    without a verdict)."""
    out: list[dict[str, Any]] = []
    for low, high in SCALE_PAIRS:
        prefix = f"{low}/"
        for key, entry in results.items():
            if not key.startswith(prefix) or "median" not in entry:
                continue
            impl = key[len(prefix) :]
            other = results.get(f"{high}/{impl}", {})
            if "median" not in other or entry["median"]["rate"] <= 0:
                continue
            share = other["median"]["rate"] / entry["median"]["rate"]
            check: dict[str, Any] = {
                "check": "scale",
                "low": low,
                "high": high,
                "impl": impl,
                "low_rate": entry["median"]["rate"],
                "high_rate": other["median"]["rate"],
                "share": share,
            }
            if impl.partition("+")[0] in SCALE_ROWS:
                check["min_share"] = SCALE_MIN_SHARE
                check["verdict"] = "PASS" if share >= SCALE_MIN_SHARE else "FAIL"
            out.append(check)
    return out
