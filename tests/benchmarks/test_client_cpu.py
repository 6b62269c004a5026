"""Smoke test of ``python -m benchmarks client-cpu``: both clients against the floor's server,
a few calls, one round. It checks that every row is measured and reported, not how fast."""

from __future__ import annotations

import re
import sys

import pytest

from benchmarks import client_cpu

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def test_client_cpu_reports_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert client_cpu.main(["--calls", "40", "--inflight", "4", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    for row in ("floor/json", "mcplite/json", "floor/sse", "mcplite/sse"):
        for k in (4, 1):
            assert re.search(rf"{row} +{k} in flight +\d+\.\d us", out), (row, k, out)
    assert len(re.findall(r"x floor", out)) == 4, out


def test_measure_returns_cpu_per_call_for_each_concurrency() -> None:
    got = client_cpu.measure("mcplite", sse=True, calls=20, inflights=[3, 1])
    assert set(got) == {3, 1}
    assert all(us > 0 for us in got.values()), got


def test_in_process_reports_each_mode_and_concurrency(capsys: pytest.CaptureFixture[str]) -> None:
    client_cpu.in_process(calls=30, inflight=4, rounds=1, profile=None)
    out = capsys.readouterr().out
    for mode in ("json", "sse"):
        for k in (4, 1):
            assert re.search(rf"mcplite/{mode} +{k} in flight +\d+\.\d us/call", out), out


@pytest.mark.parametrize("sse", [False, True])
async def test_the_fake_server_answers_every_call(sse: bool) -> None:
    assert await client_cpu._in_process_child(sse, calls=10, inflight=2, profile="") > 0
