"""``mcplite bench`` against real servers: the conformance everything server over stdio and
both HTTP modes, misbehaving servers (stalls, errors, death), bad input and Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mcplite._cli import main as cli
from tests.cli.test_cli import free_port, wait_listening

ROOT = pathlib.Path(__file__).resolve().parents[2]
EVERYTHING = str(ROOT / "tests" / "conformance" / "everything_server.py")
MISBEHAVING = str(ROOT / "tests" / "cli" / "bench_servers.py")
RUN_TIMEOUT_SECONDS = 60
SHORT = ["--duration", "0.5", "--warmup", "0.1"]


def bench(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    """Run ``mcplite bench ... --json`` in process: (exit code, report, stderr).  The ceiling
    run is skipped unless ``--ceiling`` is among the arguments (it is tested on its own)."""
    extra = [] if "--ceiling" in argv else ["--no-ceiling"]
    code = cli.main(["bench", "--json", *extra, *(a for a in argv if a != "--ceiling")])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


@contextlib.contextmanager
def http_server(*extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, EVERYTHING, "--http", f"127.0.0.1:{port}", *extra],
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            proc.kill()
            proc.wait()


def check_clean(report: dict[str, Any]) -> None:
    assert report["calls"] > 0
    assert report["errors"] == {}
    assert report["ok"] == report["calls"]
    assert report["calls_per_second"] > 0
    lat = report["latency_ms"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99.9"] <= lat["max"]
    assert report["bytes"]["sent"] > 0 and report["bytes"]["received"] > 0
    assert sum(step["calls"] for step in report["timeline"]) == report["calls"]


def test_stdio_closed_loop_with_sessions(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = bench(
        capsys,
        *SHORT,
        "--tool",
        "test_simple_text",
        "--concurrency",
        "4",
        "--sessions",
        "2",
        "--",
        sys.executable,
        EVERYTHING,
    )
    assert code == 0, err
    check_clean(report)
    assert report["settings"]["sessions"] == 2
    assert report["server"]["name"] == "mcp-conformance-test-server"


@pytest.mark.parametrize("mode", [[], ["--stateless"]], ids=["stateful", "stateless"])
@pytest.mark.parametrize("era", ["2025-11-25", None], ids=["handshake", "2026-07-28"])
def test_http_both_modes_both_eras(
    capsys: pytest.CaptureFixture[str], mode: list[str], era: str | None
) -> None:
    pin = ["--protocol-version", era] if era else []
    with http_server(*mode) as url:
        code, report, _ = bench(
            capsys,
            url,
            *SHORT,
            *pin,
            "--tool",
            "test_simple_text",
            "--sessions",
            "2",
            "--concurrency",
            "4",
        )
    assert code == 0, report
    check_clean(report)
    if era:
        assert report["server"]["protocol_version"] == era
    else:
        assert report["server"]["protocol_version"] == "2026-07-28"


def test_http_ceiling_is_measured_over_http(capsys: pytest.CaptureFixture[str]) -> None:
    with http_server() as url:
        code, report, _ = bench(
            capsys, url, *SHORT, "--tool", "test_simple_text", "--concurrency", "2", "--ceiling"
        )
    assert code == 0, report
    assert report["ceiling"]["target"] == "built-in null server (http)"
    assert report["ceiling"]["calls_per_second"] > 0


@pytest.mark.parametrize(
    "workload",
    [
        ["--method", "ping", "--protocol-version", "2025-11-25"],
        ["--method", "tools/list"],
        ["--uri", "test://static-text"],
        ["--prompt", "test_prompt_with_arguments", "arg1=a", "arg2=b"],
        ["--tool", "test_x_mcp_header", "--args", '{"region": "eu", "level": 2}'],
    ],
    ids=["ping", "tools-list", "resources-read", "prompts-get", "args-json"],
)
def test_every_method(capsys: pytest.CaptureFixture[str], workload: list[str]) -> None:
    code, report, _ = bench(
        capsys, "--calls", "50", "--warmup", "0", *workload, "--", sys.executable, EVERYTHING
    )
    assert code == 0, report
    check_clean(report)
    assert report["calls"] == 50


def test_text_report_has_histogram_and_sparkline(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["bench", MISBEHAVING, "--tool", "tick", *SHORT, "--progress"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "calls/s" in out and "p99.9" in out
    assert "against the built-in null server (stdio)" in out
    assert "histogram  (ms)" in out and "█" in out
    assert "calls/0.1s " in out
    assert "calls" in err  # the progress line


def test_open_loop_shows_a_stall_the_closed_loop_hides(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Every 100th call blocks the server for 100 ms.  At 200 calls/s, some 20 calls are due
    # during each stall; measured from their intended start they wait up to 100 ms.
    code, report, _ = bench(
        capsys,
        MISBEHAVING,
        "--tool",
        "tick",
        "--rate",
        "200",
        "--duration",
        "1",
        "--warmup",
        "0",
    )
    assert code == 0
    assert report["settings"]["loop"] == "open"
    assert 150 <= report["calls"] <= 201
    assert report["latency_ms"]["p99"] >= 50, report["latency_ms"]
    assert report["latency_ms"]["max"] >= 80


def test_closed_loop_counts_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = bench(
        capsys, MISBEHAVING, "--tool", "flaky", "--calls", "100", "--warmup", "0"
    )
    assert code == 1  # some calls failed
    assert report["calls"] == 100
    assert report["errors"] == {"isError": 20}
    assert report["ok"] == 80


def test_timeouts_are_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = bench(
        capsys,
        MISBEHAVING,
        "--tool",
        "slow",
        "seconds=0",
        "--calls",
        "1",
        "--warmup",
        "0",
        "--timeout",
        "5",
    )
    assert code == 0 and report["calls"] == 1
    code, report, _ = bench(
        capsys,
        MISBEHAVING,
        "--tool",
        "slow",
        "seconds=0.2",
        "--calls",
        "1",
        "--warmup",
        "0",
        "--timeout",
        "0.05",
        "--args",
        "{}",
    )
    # The first call (before the run) already times out: an error before the run.
    assert code == 1 and report == {}


def test_server_dying_mid_run_gives_a_partial_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = bench(
        capsys, MISBEHAVING, "--tool", "doomed", "--duration", "5", "--warmup", "0"
    )
    assert code == 3
    assert report["broken"]
    assert 40 <= report["ok"] <= 50
    assert report["errors"].get("transport", 0) >= 1
    assert "stopped early" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--tool", "nope"],
            "has no tool 'nope' (it has: doomed, flaky, logged, moody, sized, slow, tick)",
        ),
        (["--tool", "slow"], "do not match its inputSchema"),
        (["--tool", "slow", "seconds=fast"], "do not match its inputSchema"),
        (["--prompt", "nope"], "does not advertise the prompts capability"),
        (["--tool", "tick", "--args", "[1]"], "--args must be a JSON object"),
        (["--tool", "tick", "--sessions", "0"], "--sessions must be at least 1"),
        (["--tool", "tick", "--rate", "0"], "--rate must be positive"),
        ([], "say what to send"),
        (["--method", "resources/read"], "needs --uri"),
        (["--method", "ping", "--args", '{"a": 1}'], "takes no arguments"),
    ],
)
def test_bad_input_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, report, err = bench(capsys, MISBEHAVING, *argv)
    assert code == 2, err
    assert report == {}
    assert message in err


def test_a_failing_target_is_refused_before_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = bench(
        capsys, "--tool", "x", "--", sys.executable, "-c", "import sys; sys.exit('boom')"
    )
    assert code == 3
    assert "cannot start or connect to" in err and "boom" in err
    code, _, err = bench(capsys, "no_such_file.py", "--tool", "x")
    assert code == 2 and "no such file" in err
    code, _, err = bench(capsys, f"http://127.0.0.1:{free_port()}/mcp", "--tool", "x")
    assert code == 3 and "cannot start or connect to" in err


def test_ctrl_c_prints_the_partial_report() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcplite",
            "bench",
            MISBEHAVING,
            "--tool",
            "tick",
            "--duration",
            "30",
            "--warmup",
            "0",
            "--json",
            "--progress",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        # The first progress line means the run is measuring.
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        seen = b""
        while b"calls" not in seen and time.monotonic() < deadline:
            seen += os.read(proc.stderr.fileno(), 4096)
        assert b"calls" in seen, seen
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=RUN_TIMEOUT_SECONDS)
    finally:
        if proc.poll() is None:  # pragma: no cover - a hung bench
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    report = json.loads(out)
    assert report["interrupted"] is True
    assert report["calls"] > 0 and report["errors"] == {}
    assert report["elapsed_seconds"] < 30


def test_the_ceiling_warning() -> None:
    from mcplite._cli.bench_multi import ceiling_note

    assert ceiling_note(79.0, 100.0, open_loop=False) is None
    note = ceiling_note(90.0, 100.0, open_loop=False)
    assert note is not None and "90% of the generator's own ceiling" in note
    note = ceiling_note(100.0, 100.0, open_loop=True)
    assert note is not None and note.startswith("the rate asked for")
    assert ceiling_note(10.0, 0.0, open_loop=False) is None


def test_a_run_at_the_ceiling_warns(capsys: pytest.CaptureFixture[str]) -> None:
    # The null server itself: the result is the ceiling, give or take the noise.
    code, report, err = bench(
        capsys,
        *SHORT,
        "--tool",
        "null",
        "--ceiling",
        "--",
        sys.executable,
        "-m",
        "mcplite._cli.bench_null",
    )
    assert code == 0
    rate, limit = report["calls_per_second"], report["ceiling"]["calls_per_second"]
    if rate >= 0.8 * limit:
        assert report["notes"] and "warning: " in err
    else:  # pragma: no cover - a very noisy machine
        assert not report["notes"]


def test_processes_share_the_load(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = bench(
        capsys,
        MISBEHAVING,
        "--tool",
        "tick",
        "--calls",
        "101",
        "--warmup",
        "0",
        "--processes",
        "2",
        "--concurrency",
        "3",
    )
    assert code == 0, report
    assert report["calls"] == 101  # 51 + 50
    assert report["settings"]["processes"] == 2
    assert report["errors"] == {}
    assert report["bytes"]["sent"] > 0


def test_compare_interleaves_repetitions(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = bench(
        capsys,
        "--compare",
        MISBEHAVING,
        f"{sys.executable} {MISBEHAVING}",
        "--tool",
        "tick",
        "--duration",
        "0.3",
        "--warmup",
        "0",
        "--reps",
        "2",
    )
    assert code == 0, err
    rows = report["compare"]
    assert [r["reps"] for r in rows] == [2, 2]
    assert rows[0]["throughput_ratio"] == 1.0 and rows[1]["throughput_ratio"] > 0
    c = rows[1]["calls_per_second"]
    assert 0 < c["min"] <= c["median"] <= c["max"]
    # Interleaved: A B A B.
    order = [line.split(": ", 1)[1] for line in err.splitlines() if "rep " in line]
    assert order == [MISBEHAVING, f"{sys.executable} {MISBEHAVING}"] * 2
    code = cli.main(
        [
            "bench",
            "--compare",
            MISBEHAVING,
            "--tool",
            "tick",
            "--reps",
            "1",
            "--duration",
            "0.2",
            "--warmup",
            "0",
            "--no-ceiling",
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0 and "baseline" in out and "median (min..max)" in out


def test_compare_refuses_an_extra_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = bench(capsys, MISBEHAVING, "--compare", MISBEHAVING, "--tool", "tick")
    assert code == 2 and "--compare takes every TARGET itself" in err


def _svgs(page: str) -> list[Any]:
    import re
    import xml.etree.ElementTree as ET

    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", page, re.S)]


def test_html_report_is_one_self_contained_page(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path
) -> None:
    page = tmp_path / "run.html"
    code, report, _ = bench(
        capsys,
        MISBEHAVING,
        "--tool",
        "tick",
        "--rate",
        "200",
        "--duration",
        "0.5",
        "--warmup",
        "0",
        "--html",
        str(page),
    )
    assert code == 0
    text = page.read_text()
    svgs = _svgs(text)
    titles = [svg.find("{http://www.w3.org/2000/svg}title").text for svg in svgs]
    assert titles == ["latency over time", "latency histogram"]
    assert "open" in text and f"{report['calls']:,}" in text
    compare = tmp_path / "compare.html"
    code, _, _ = bench(
        capsys,
        "--compare",
        MISBEHAVING,
        f"{sys.executable} {MISBEHAVING}",
        "--tool",
        "tick",
        "--duration",
        "0.2",
        "--warmup",
        "0",
        "--reps",
        "1",
        "--html",
        str(compare),
    )
    assert code == 0
    assert [
        svg.find("{http://www.w3.org/2000/svg}title").text for svg in _svgs(compare.read_text())
    ] == ["throughput by target"]
    code, _, err = bench(
        capsys,
        MISBEHAVING,
        "--tool",
        "tick",
        "--calls",
        "1",
        "--warmup",
        "0",
        "--html",
        str(tmp_path / "no" / "such" / "dir.html"),
    )
    assert code == 2 and "cannot write" in err
