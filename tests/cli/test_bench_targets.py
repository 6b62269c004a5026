"""``mcplite bench``, the issue's list one line at a time: every kind of target (a file, a
module, ``-- COMMAND``, a URL, ``--config``/``--server``), both eras over stdio, each
session its own, the warm-up left out, bytes each way, errors by kind, the live progress
line and the terminal charts, and what goes wrong before and during a run (a target that
will not load, a resource that fails, an HTTP server that dies, Ctrl-C in an open loop
over HTTP)."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mcplite._cli import main as cli
from tests.cli.test_bench import EVERYTHING, MISBEHAVING, ROOT, RUN_TIMEOUT_SECONDS, bench
from tests.cli.test_cli import free_port, wait_listening

NAME = "bench-test-server"
QUICK = ["--calls", "20", "--warmup", "0"]


@contextlib.contextmanager
def served(*extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``mcplite run tests/cli/bench_servers.py --http``: its URL while it runs."""
    port = free_port()
    listen = ["--http", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mcplite", "run", MISBEHAVING, *listen, *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
                proc.kill()
                proc.wait()


def _config(tmp_path: pathlib.Path, url: str) -> str:
    path = tmp_path / "mcp.json"
    entries = {
        "local": {"command": sys.executable, "args": [MISBEHAVING]},
        "remote": {"type": "http", "url": url},
    }
    path.write_text(json.dumps({"mcpServers": entries}))
    return str(path)


@pytest.mark.parametrize(
    "kind", ["file", "module", "command", "url", "config-stdio", "config-http"]
)
def test_every_kind_of_target(
    capsys: pytest.CaptureFixture[str],
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    monkeypatch.chdir(ROOT)  # the module target resolves from the repository root
    with served() as url:
        target = {
            "file": [MISBEHAVING],
            "module": ["tests.cli.bench_servers"],
            "command": ["--", sys.executable, MISBEHAVING],
            "url": [url],
            "config-stdio": ["--config", _config(tmp_path, url), "--server", "local"],
            "config-http": ["--config", _config(tmp_path, url), "--server", "remote"],
        }[kind]
        # "-- COMMAND" takes the rest of the line: the workload goes first.
        code, report, err = bench(capsys, "--tool", "tick", *QUICK, *target)
    assert code == 0, err
    assert report["calls"] == 20 and report["errors"] == {}
    assert report["server"]["name"] == NAME


@pytest.mark.parametrize("era", ["2025-11-25", None], ids=["handshake", "2026-07-28"])
def test_stdio_both_eras(capsys: pytest.CaptureFixture[str], era: str | None) -> None:
    pin = ["--protocol-version", era] if era else []
    code, report, err = bench(
        capsys, "--tool", "test_simple_text", *QUICK, *pin, "--", sys.executable, EVERYTHING
    )
    assert code == 0, err
    assert report["calls"] == 20 and report["errors"] == {}
    assert report["server"]["protocol_version"] == (era or "2026-07-28")


def _log_lines(path: pathlib.Path) -> list[tuple[str, str]]:
    return [tuple(line.split()) for line in path.read_text().splitlines()]  # type: ignore[misc]


def test_each_stdio_session_is_its_own_process(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls.log"
    monkeypatch.setenv("BENCH_LOG", str(log))
    code, _, err = bench(
        capsys, MISBEHAVING, "--tool", "logged", *QUICK, "--sessions", "3", "--concurrency", "3"
    )
    assert code == 0, err
    lines = _log_lines(log)
    assert len(lines) == 21  # the call that checks the workload, then the 20 measured
    assert len({pid for pid, _ in lines}) == 3  # three server processes, each one used


def test_each_http_session_is_its_own_session(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path
) -> None:
    log = tmp_path / "calls.log"
    with served(env={"BENCH_LOG": str(log)}) as url:
        code, report, err = bench(
            capsys,
            url,
            "--tool",
            "logged",
            *QUICK,
            "--sessions",
            "4",
            "--concurrency",
            "8",
            # Sessions (and so session state) exist in the handshake era only.
            "--protocol-version",
            "2025-11-25",
        )
    assert code == 0, err
    lines = _log_lines(log)
    assert len({pid for pid, _ in lines}) == 1  # one server process ...
    tokens = [token for _, token in lines]
    assert len(set(tokens)) == 4  # ... four sessions, every one of them used
    assert report["settings"]["sessions"] == 4


def test_the_warmup_is_not_measured(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls.log"
    monkeypatch.setenv("BENCH_LOG", str(log))
    code, report, err = bench(
        capsys, MISBEHAVING, "--tool", "logged", "--calls", "20", "--warmup", "0.3"
    )
    assert code == 0, err
    assert report["calls"] == 20 and sum(s["calls"] for s in report["timeline"]) == 20
    # The server saw the warm-up's calls too; the report did not count them.
    assert len(_log_lines(log)) > 21


@pytest.mark.parametrize("way", ["sent", "received"])
def test_bytes_are_counted_each_way(capsys: pytest.CaptureFixture[str], way: str) -> None:
    big = 20_000
    text, size = ("y" * big, 1) if way == "sent" else ("y", big)
    code, report, err = bench(
        capsys, MISBEHAVING, "--tool", "sized", f"text={text}", f"size={size}", *QUICK
    )
    assert code == 0, err
    b = report["bytes"]
    other = "received" if way == "sent" else "sent"
    # The big side carries the 20,000 characters in every message; the other side does not.
    assert big < b[f"{way}_per_call"] < big + 1_000, b
    assert b[f"{other}_per_call"] < 1_000, b
    assert b[way] == pytest.approx(b[f"{way}_per_call"] * 20, rel=0.01)


def test_errors_are_counted_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    # moody: call 1 checks the workload; of the measured calls 2..31, 7, 14, 21 and 28
    # answer a JSON-RPC error and 11 and 22 outlive the timeout.
    argv = [MISBEHAVING, "--tool", "moody", "--calls", "30", "--warmup", "0", "--timeout", "0.3"]
    code, report, err = bench(capsys, *argv)
    assert code == 1, err
    assert report["errors"] == {"rpc -32050": 4, "timeout": 2}
    assert report["ok"] == 24 and report["calls"] == 30
    assert "moody refused on purpose" in report["error_examples"]["rpc -32050"]
    # The timed-out calls are in the latencies, at about the timeout.
    assert report["latency_ms"]["max"] >= 290
    code = cli.main(["bench", *argv, "--no-ceiling"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "errors     6 (rpc -32050 4, timeout 2)" in out
    assert "rpc -32050: moody refused on purpose" in out


_PROGRESS = re.compile(
    r"\r +\d+\.\d s +[\d,]+ calls +[\d,]+/s +p99 +\d+\.\d\d ms +errors \d+ +in flight \d+\x1b\[K"
)


def test_the_live_progress_line_and_the_terminal_charts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli.main(
        [
            *["bench", MISBEHAVING, "--tool", "tick", "--duration", "1.2", "--warmup", "0"],
            *["--progress", "--no-ceiling"],
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    # Rewritten in place (carriage return, clear to end of line) about twice a second,
    # then wiped before the report.
    assert len(_PROGRESS.findall(err)) >= 2, repr(err)
    assert err.endswith("\r\x1b[K")
    assert "\r" not in out and "calls" not in err.rsplit("\r\x1b[K", 1)[1]
    lines = out.splitlines()
    start = lines.index("histogram  (ms)")
    bars = [line for line in lines[start + 1 :] if line.startswith("  ")]
    assert bars and all(re.fullmatch(r" +[\d.]+ - [\d.]+ +█+ [\d,]+", b) for b in bars)
    total = sum(int(b.rsplit(" ", 1)[1].replace(",", "")) for b in bars)
    calls = int(re.search(r"^calls +([\d,]+) in", out, re.M).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert total == calls
    spark = re.search(r"^calls/0\.1s ([▁▂▃▄▅▆▇█]+)  \(max [\d,]+\)$", out, re.M)
    assert spark is not None and len(spark.group(1)) >= 11  # 1.2 s in 0.1 s steps


def test_a_python_target_that_fails_to_load(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('the database is not there')\n")
    code, report, err = bench(capsys, str(broken), "--tool", "tick")
    assert code == 3 and report == {}
    assert "cannot start or connect to" in err and "the database is not there" in err
    code, _, err = bench(capsys, "no_such_module_here", "--tool", "tick")
    assert code == 2 and "no module named 'no_such_module_here'" in err


def test_a_workload_that_fails_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    everything = ["--", sys.executable, EVERYTHING]
    code, report, err = bench(capsys, "--prompt", "nope", *everything)
    assert code == 2 and report == {}
    assert "has no prompt 'nope' (it has: " in err and "test_simple_prompt" in err
    code, report, err = bench(capsys, "--uri", "test://no-such-resource", *everything)
    assert code == 1 and report == {}
    assert "the first resources/read failed before the run (rpc " in err
    with served() as url:
        code, report, err = bench(capsys, url, "--tool", "nope")
        assert code == 2 and "has no tool 'nope'" in err
        code, report, err = bench(capsys, url, "--tool", "sized", "text=a", "size=big")
        assert code == 2 and "arguments for 'sized' do not match its inputSchema" in err


@pytest.mark.parametrize("era", ["2025-11-25", None], ids=["handshake", "2026-07-28"])
def test_an_http_server_dying_mid_run(capsys: pytest.CaptureFixture[str], era: str | None) -> None:
    pin = ["--protocol-version", era] if era else []
    with served(env={"DOOMED_AFTER": "50"}) as url:
        code, report, err = bench(
            capsys, url, "--tool", "doomed", "--duration", "10", "--warmup", "0", *pin
        )
    assert code == 3, err
    assert report["broken"] and "stopped early" in err
    # Call 1 checked the workload; 2..49 were answered, 50 killed the server.
    assert report["ok"] == 48
    assert report["errors"].get("transport", 0) >= 1
    assert report["elapsed_seconds"] < 10


def test_a_stdio_server_dying_in_an_open_loop(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = bench(
        capsys, MISBEHAVING, "--tool", "doomed", "--rate", "200", *["--duration", "10"], *QUICK[2:]
    )
    assert code == 3, err
    assert report["broken"] and report["settings"]["loop"] == "open"
    assert report["errors"].get("transport", 0) >= 1
    assert report["elapsed_seconds"] < 10


def test_ctrl_c_in_an_open_loop_over_http() -> None:
    with served("--stateless") as url:
        proc = subprocess.Popen(
            [
                *[sys.executable, "-m", "mcplite", "bench", url, "--tool", "tick"],
                *["--rate", "100", "--duration", "30", "--warmup", "0", "--json", "--progress"],
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert proc.stderr is not None
            deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
            seen = b""
            while b" calls " not in seen and time.monotonic() < deadline:
                seen += os.read(proc.stderr.fileno(), 4096)
            assert b" calls " in seen, seen
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=RUN_TIMEOUT_SECONDS)
        finally:
            if proc.poll() is None:  # pragma: no cover - a hung bench
                proc.kill()
                proc.wait()
    assert proc.returncode == 130
    report: dict[str, Any] = json.loads(out)
    assert report["interrupted"] is True and report["settings"]["loop"] == "open"
    assert report["calls"] > 0 and report["errors"] == {}
    assert "ceiling" not in report  # an interrupted run does not go on to measure it
    assert report["elapsed_seconds"] < 30
