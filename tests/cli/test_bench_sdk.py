"""``mcplite bench --compare`` between the same echo server on mcplite and on the official
Python SDK (``mcp`` from PyPI, installed into its own virtualenv by ``benchmarks.servers``).
Skips, saying why, only when that SDK cannot be installed."""

from __future__ import annotations

import json
import pathlib
import sys

import pytest

from benchmarks.servers import official_py
from mcplite._cli import main as cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVERS = ROOT / "benchmarks" / "servers"


@pytest.fixture(scope="module")
def sdk_python() -> str:
    python, line = official_py()
    if python is None:
        pytest.skip(f"the official Python SDK cannot be installed here: {line}")
    return python


def test_compare_mcplite_with_the_official_sdk(
    capsys: pytest.CaptureFixture[str], sdk_python: str
) -> None:
    ours = f"{sys.executable} -m benchmarks.servers.mcplite_echo stdio"
    theirs = f"{sdk_python} {SERVERS / 'official_py_echo.py'} stdio"
    code = cli.main(
        [
            "bench",
            "--json",
            "--no-ceiling",
            "--compare",
            ours,
            theirs,
            "--tool",
            "echo",
            "text=hello",
            "--concurrency",
            "4",
            "--duration",
            "0.5",
            "--warmup",
            "0.2",
            "--reps",
            "2",
            "--protocol-version",
            "2025-11-25",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = json.loads(out)["compare"]
    assert [r["reps"] for r in rows] == [2, 2]
    assert all(r["errors"] == 0 and r["calls_per_second"]["median"] > 0 for r in rows)
    assert rows[1]["server"]["protocol_version"] == "2025-11-25"
    print(f"mcplite vs official SDK: {rows[1]['throughput_ratio']}x", file=sys.stderr)
