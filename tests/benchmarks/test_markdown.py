"""benchmarks/_markdown.py: the README "Performance" section rendered from a results JSON
(``python -m benchmarks --markdown``).  Synthetic results, no benchmark runs here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import __main__ as bench_main, _markdown
from benchmarks._plan import CELLS


def _entry(cell: str, impl: str, runs: list[dict[str, float]]) -> dict[str, Any]:
    median = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in runs[0]}
    return {"cell": cell, "impl": impl, "runs": runs, "median": median}


def _rates(cell: str, impl: str, *rates: float) -> tuple[str, dict[str, Any]]:
    runs = [{"rate": r, "p50_ms": 1.0, "p99_ms": 2.0} for r in rates]
    return f"{cell}/{impl}", _entry(cell, impl, runs)


def results() -> dict[str, Any]:
    cells = dict(
        [
            # Three repetitions: floor 1000/1200/800 calls/s, mcplite 500/400/800:
            # medians 1000 / 500 -> 2.00x; per repetition 2.00, 3.00, 1.00.
            _rates("stdio-seq", "floor", 1000, 1200, 800),
            _rates("stdio-seq", "mcplite", 500, 400, 800),
            _rates("stdio-seq", "mcplite-server", 1250, 1500, 1000),
            _rates("stdio-seq", "floor-blocking", 2000, 2400, 1600),
            _rates("stdio-seq", "official-py", 100, 120, 80),
            _rates("http-json-16", "floor", 900, 900, 900),
            _rates("http-json-16", "mcplite", 600, 600, 600),
            _rates("stdio-64", "floor", 4000, 4000, 4000),
            _rates("stdio-64", "mcplite", 2000, 2000, 2000),
            _rates("stdio-256", "floor", 4000, 4000, 4000),
            _rates("stdio-256", "mcplite", 1000, 1000, 1000),
        ]
    )
    cold = [{"cold_ms": v} for v in (100.0, 110.0, 90.0)]
    cells["cold-start/floor"] = _entry("cold-start", "floor", cold)
    cells["cold-start/mcplite"] = _entry("cold-start", "mcplite", [{"cold_ms": 120.0}] * 3)
    sessions = [{"per_session_kib": 8.0, "rss1_kib": 1.0, "rssn_kib": 2.0, "sessions": 1000}]
    cells["http-sessions-1000/floor"] = _entry("http-sessions-1000", "floor", sessions)
    cells["stdio-seq/official-ts"] = {"cell": "stdio-seq", "impl": "official-ts", "runs": []}
    cells["stdio-seq/official-ts"]["skipped"] = "skip: official TypeScript SDK not installed"
    return {
        "versions": {
            "python": "3.12.1",
            "machine": "aarch64, 8 cpus",
            "cpus": "8",
            "official-py": "official Python SDK: mcp 9.9 (/home/someone/.cache/venv-mcp)",
        },
        "method": {"repetitions": 3, "warmup_seconds": 1.0, "duration_seconds": 4.0},
        "import": {"import asyncio, msgspec": 30.0, "import mcplite": 45.0},
        "cells": cells,
        "elapsed_seconds": 1500.0,
    }


def render(data: dict[str, Any]) -> str:
    """The section with the README's typography spelled in ASCII, to compare against."""
    text = _markdown.render(data)
    for char, ascii_ in (
        (_markdown.TIMES, "x"),
        (_markdown.DASH, "-"),
        (_markdown.AT_MOST, "<="),
        (_markdown.DIVIDED, "/"),
    ):
        text = text.replace(char, ascii_)
    return text


def table_rows(text: str) -> dict[str, list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    out = {}
    for line in rows:
        cols = [c.strip() for c in line.strip("|").split("|")]
        out[cols[0]] = cols[1:]
    return out


def test_the_run_its_machine_and_the_claim() -> None:
    text = render(results())
    assert "a 8-core aarch64 machine, Python 3.12.1" in text
    assert "3 interleaved repetitions, 1 s warm-up and a 4 s window" in text
    assert "**Ratios, not absolute numbers, are the claim**" in text
    assert "`import mcplite` took 45 ms, `import asyncio, msgspec` 30 ms" in text
    assert "The run took 25 minutes." in text
    assert "mcp 9.9" in text and "/home/someone" not in text  # no machine paths


def test_every_measured_cell_has_a_row_in_the_harness_order() -> None:
    rows = table_rows(render(results()))
    measured = {"stdio-seq", "http-json-16", "cold-start", "stdio-64", "stdio-256"}
    expected = [c.title for c in CELLS if c.id in measured]
    # The 16-in-flight HTTP cell is there; the sessions cell is titled by its count.
    assert "HTTP JSON, 16 in flight" in expected
    expected.append("HTTP server memory per idle session, 1,000 sessions")
    assert [r for r in rows if r != "workload"] == expected


def test_ratios_with_their_spread_and_both_floors() -> None:
    rows = table_rows(render(results()))
    head = rows["workload"]
    seq = dict(zip(head, rows["stdio, sequential"], strict=True))
    assert seq["floor"] == "1,000 calls/s"
    assert seq["mcplite / floor"] == "2.00x (1.00-3.00)"  # medians, then per repetition
    assert seq["server alone / floor"] == "0.80x (0.80-0.80)"
    assert seq["blocking floor / floor"] == "0.50x (0.50-0.50)"
    assert seq["server alone / blocking floor"] == "1.60x (1.60-1.60)"
    assert seq["official Python SDK / floor"] == "10.0x (10.00-10.00)"
    assert seq["official TypeScript SDK / floor"] == "not run"
    assert seq["target"] == (
        "mcplite <= 1.2x: missed; mcplite <= 1x: missed; server alone <= 0.75x: missed"
    )
    cold = dict(zip(head, rows["cold start: spawn -> initialize -> tools/list"], strict=True))
    assert cold["floor"] == "100 ms" and cold["mcplite / floor"] == "1.20x (1.09-1.33)"


def test_scale_cells_say_the_peers_did_not_run() -> None:
    text = render(results())
    rows = table_rows(text)
    head = rows["workload"]
    big = dict(zip(head, rows["stdio, 256 in flight"], strict=True))
    assert big["official Python SDK / floor"] == "not run (scale cell)"
    assert "The official SDKs do not run on the scale cells" in text
    # 1000 calls/s at 256 against 2000 at 64: half, under the 90 % the check asks.
    assert "stdio mcplite 50% (missed)" in text


def test_a_quick_run_without_repetitions_shows_no_spread() -> None:
    data = results()
    for entry in data["cells"].values():
        entry["runs"] = entry["runs"][:1]
    data["method"]["repetitions"] = 1
    rows = table_rows(render(data))
    seq = dict(zip(rows["workload"], rows["stdio, sequential"], strict=True))
    assert seq["mcplite / floor"] == "2.00x"


def test_the_flag_prints_the_section_from_a_results_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results()))
    assert bench_main.main(["--markdown", str(path)]) == 0
    assert capsys.readouterr().out == _markdown.render(results())
    # Without a path: the --json path.
    assert bench_main.main(["--markdown", "--json", str(path)]) == 0
    assert capsys.readouterr().out == _markdown.render(results())
