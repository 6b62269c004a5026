"""scripts/conformance_report.py: the tasks scenarios the suite leaves unscored are gated.

The suite runs the io.modelcontextprotocol/tasks scenarios (SEP-2663) but does not score them,
so a leg stayed green while they failed; conformance/required-server-stateless.txt lists them
and a failing or missing one fails the leg (issue 16, item 5).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "conformance_report.py"
REQUIRED = ROOT / "conformance" / "required-server-stateless.txt"
TASKS = [
    "tasks-capability-negotiation",
    "tasks-dispatch-and-envelope",
    "tasks-lifecycle",
    "tasks-mrtr-composition",
    "tasks-mrtr-input",
    "tasks-request-headers",
    "tasks-request-state-removal",
    "tasks-required-task-error",
    "tasks-status-notifications",
    "tasks-wire-fields",
]


def suite_output(failing: set[str], absent: frozenset[str] = frozenset()) -> str:
    rows = ["✓ server-initialize: 3 passed, 0 failed"]
    for name in TASKS:
        if name in absent:
            continue
        rows.append(
            f"✗ {name}: 1 passed, 2 failed" if name in failing else f"✓ {name}: 2 passed, 0 failed"
        )
    # The suite checked its baseline and found nothing unexpected: it does not judge unscored.
    return "SUMMARY\n" + "\n".join(rows) + "\n\nBaseline check passed\n"


def unscored_list() -> str:
    lines = "".join(f"  - {name} [extension]\n" for name in TASKS)
    return f"Scenarios:\n  - server-initialize [2026-07-28]\nnever scored:\n{lines}"


def run(
    tmp_path: Path, output: str, *extra: str, baseline: str = ""
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "out.txt").write_text(output, encoding="utf-8")
    (tmp_path / "list.txt").write_text(unscored_list(), encoding="utf-8")
    (tmp_path / "baseline.txt").write_text(baseline, encoding="utf-8")
    out, base, listed = (str(tmp_path / n) for n in ("out.txt", "baseline.txt", "list.txt"))
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "report",
            "--label",
            "server-stateless",
            "--rc",
            "0",
            "--output",
            out,
            "--baseline",
            base,
            "--unscored",
            listed,
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_required_file_names_the_ten_tasks_scenarios() -> None:
    text = REQUIRED.read_text(encoding="utf-8")
    names = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    assert names == TASKS


def test_without_the_required_file_a_failing_tasks_scenario_is_only_reported(
    tmp_path: Path,
) -> None:
    proc = run(tmp_path, suite_output({"tasks-lifecycle"}))
    assert proc.returncode == 0, proc.stdout
    assert "not scored (extension/pending): 9/10 pass; failing: tasks-lifecycle" in proc.stdout


def test_a_failing_required_tasks_scenario_fails_the_leg(tmp_path: Path) -> None:
    proc = run(tmp_path, suite_output({"tasks-lifecycle"}), "--required", str(REQUIRED))
    assert proc.returncode == 1, proc.stdout
    assert "unexpected failure: tasks-lifecycle" in proc.stdout
    assert "server-stateless: 10 passed, 1 failed (0 expected, 1 unexpected)" in proc.stdout
    assert "not scored" not in proc.stdout


def test_all_required_tasks_scenarios_passing_is_green(tmp_path: Path) -> None:
    proc = run(tmp_path, suite_output(set()), "--required", str(REQUIRED))
    assert proc.returncode == 0, proc.stdout
    assert "server-stateless: 11 passed, 0 failed (0 expected, 0 unexpected)" in proc.stdout


def test_a_baselined_tasks_failure_is_expected_and_a_passing_one_stale(tmp_path: Path) -> None:
    baseline = "tasks-lifecycle\ntasks-wire-fields\n"
    proc = run(
        tmp_path, suite_output({"tasks-lifecycle"}), "--required", str(REQUIRED), baseline=baseline
    )
    assert proc.returncode == 0, proc.stdout
    assert "expected failures (in baseline.txt): tasks-lifecycle" in proc.stdout
    assert "stale baseline entry: tasks-wire-fields passes now" in proc.stdout
    strict = run(
        tmp_path,
        suite_output({"tasks-lifecycle"}),
        "--required",
        str(REQUIRED),
        "--strict-baseline",
        baseline=baseline,
    )
    assert strict.returncode == 1, strict.stdout


def test_a_required_scenario_that_did_not_run_fails_a_full_run(tmp_path: Path) -> None:
    output = suite_output(set(), absent=frozenset({"tasks-mrtr-input"}))
    proc = run(tmp_path, output, "--required", str(REQUIRED))
    assert proc.returncode == 1, proc.stdout
    assert "required scenario did not run: tasks-mrtr-input" in proc.stdout
    # A --scenario run of another scenario does not expect the rest to run.
    one = run(tmp_path, output, "--required", str(REQUIRED), "--scenario", "tasks-lifecycle")
    assert one.returncode == 0, one.stdout
