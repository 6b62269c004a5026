"""Helpers for scripts/conformance.sh: baseline files in, a verdict out (stdlib only).

    conformance_report.py yaml --key server|client BASELINE.txt OUT.yml
    conformance_report.py report --label L --rc N --output OUT.txt --baseline BASELINE.txt
                                 [--results DIR] [--unscored LIST.txt] [--scenario NAME]
                                 [--required REQUIRED.txt] [--strict-baseline]

A baseline file lists expected-failure scenario names, one per line (``#`` starts a comment); an
entry may also be ``scenario:check-id`` to expect one check's failure only, as the suite allows.
``yaml`` turns it into the suite's ``--expected-failures`` file. ``report`` reads the suite's
console output (its SUMMARY and baseline sections) and exits 1 on any failure not in the
baseline; baseline entries that pass now are reported as stale (and fail with
``--strict-baseline``).

A required file (same format, scenario names only) lists scenarios this leg must run and pass
although the suite does not score them (extension scenarios such as the tasks extension's,
SEP-2663): each is judged like a scored one against the baseline, and one that did not run at
all fails a full run (not a ``--scenario`` run of another scenario).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROW = re.compile(r"^([✓✗]) (\S+): (\d+) passed, (\d+) failed$")
TIMESTAMP_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}T[\d-]+Z$")
SECTIONS = {
    "Expected failures (in baseline):": "expected",
    "Stale baseline entries": "stale",
    "Unexpected failures (not in baseline):": "unexpected",
}
MAX_CHECKS_SHOWN = 5
MAX_MESSAGE_CHARS = 300


def read_baseline(path: Path) -> list[str]:
    if not path.exists():
        return []
    entries = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        entry = raw.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def write_yaml(key: str, baseline: Path, out: Path) -> None:
    entries = read_baseline(baseline)
    # JSON strings are valid YAML scalars, so names need no further quoting rules.
    body = "".join(f"  - {json.dumps(entry)}\n" for entry in entries)
    out.write_text(f"{key}:\n{body}" if entries else f"{key}: []\n", encoding="utf-8")


def parse_output(text: str) -> tuple[dict[str, bool], dict[str, list[str]], bool]:
    """Scenario -> passed (no FAILURE check), baseline sections, whether the check ran.

    Scenarios that recorded no check at all are listed in ``sections["empty"]``.
    """
    rows: dict[str, bool] = {}
    sections: dict[str, list[str]] = {name: [] for name in [*SECTIONS.values(), "empty"]}
    current = ""
    baseline_ran = False
    for line in ANSI.sub("", text).splitlines():
        row = ROW.match(line)
        if row:
            rows[row.group(2)] = row.group(1) == "✓" and row.group(4) == "0"
            if row.group(3) == row.group(4) == "0":
                sections["empty"].append(row.group(2))
            continue
        header = next((v for k, v in SECTIONS.items() if line.startswith(k)), None)
        if header:
            current, baseline_ran = header, True
        elif line.startswith("Baseline check passed") or line.startswith("Baseline is stale"):
            baseline_ran = True
        elif current and line.startswith("  ") and len(line.split()) == 2:
            sections[current].append(line.split()[1])
        elif not line.startswith("  "):
            current = ""
    return rows, sections, baseline_ran


def parse_unscored(path: Path | None) -> set[str]:
    """Scenario names under 'never scored' in ``conformance list --requirements REV``."""
    if path is None or not path.exists():
        return set()
    text = path.read_text(encoding="utf-8", errors="replace")
    if "never scored" not in text:
        return set()
    return set(re.findall(r"^\s+- (\S+) \[", text.split("never scored", 1)[1], re.M))


def failing_checks(results: Path | None) -> dict[str, list[str]]:
    """Scenario -> "check-id: message" for each FAILURE/WARNING check in the results dir."""
    found: dict[str, list[str]] = {}
    if results is None or not results.is_dir():
        return found
    for checks_file in sorted(results.rglob("checks.json")):
        name = TIMESTAMP_SUFFIX.sub("", checks_file.parent.relative_to(results).as_posix())
        try:
            checks = json.loads(checks_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        lines = []
        for check in checks if isinstance(checks, list) else []:
            if isinstance(check, dict) and check.get("status") in ("FAILURE", "WARNING"):
                message = " ".join(str(check.get("errorMessage") or "").split())
                message = message[:MAX_MESSAGE_CHARS]
                lines.append(f"{check.get('status')} {check.get('id')}: {message}".rstrip(": "))
        found[name] = lines
        found.setdefault(name.removeprefix("server-"), lines)
    return found


def report(args: argparse.Namespace) -> int:
    label: str = args.label
    text = Path(args.output).read_text(encoding="utf-8", errors="replace")
    rows, sections, baseline_ran = parse_output(text)
    judged_here = False
    if args.scenario and not rows:
        # One scenario: no SUMMARY table. Judge it here, and apply the baseline here too (the
        # suite calls a scenario whose client exited non-zero with no checks "passing").
        plain = ANSI.sub("", text)
        counts = re.search(r"^Passed: \d+/\d+, (\d+) failed, (\d+) warnings", plain, re.M)
        if counts:
            broken = "OVERALL: FAILED" in plain or "EXITED WITH ERROR" in plain
            rows = {args.scenario: counts.group(1) == "0" and not broken}
            baseline_ran, judged_here = False, True
    if not rows:
        print(f"{label}: no scenario results (suite exit status {args.rc}); see the output above")
        return 1
    baseline = read_baseline(Path(args.baseline))
    required = read_baseline(Path(args.required)) if args.required else []
    unscored = parse_unscored(Path(args.unscored) if args.unscored else None) & set(rows)
    unscored -= set(required)
    scored = {name: ok for name, ok in rows.items() if name not in unscored}
    missing = [n for n in required if n not in rows and (not args.scenario or args.scenario == n)]
    if baseline_ran:
        unexpected, stale, expected = (
            sections["unexpected"],
            sections["stale"],
            sections["expected"],
        )
    else:  # the suite did not check the baseline: apply it here, scenario-level entries only
        listed = set(baseline)
        unexpected = [n for n, ok in scored.items() if not ok and n not in listed]
        stale = [n for n, ok in scored.items() if ok and n in listed]
        expected = [n for n, ok in scored.items() if not ok and n in listed]
    if baseline_ran and required:
        # The suite's baseline sections leave out the scenarios it does not score: judge the
        # required ones here (scenario-level baseline entries only).
        listed = set(baseline)
        for name in required:
            if name not in rows or name in unexpected or name in stale or name in expected:
                continue
            if not rows[name]:
                (expected if name in listed else unexpected).append(name)
            elif name in listed:
                stale.append(name)
    checks = failing_checks(Path(args.results) if args.results else None)
    for name in unexpected:
        scenario = name.split(":", 1)[0]
        note = "" if not rows.get(scenario, False) else " (WARNING checks only)"
        print(f"unexpected failure: {name}{note}")
        shown = checks.get(scenario, [])
        for line in shown[:MAX_CHECKS_SHOWN]:
            print(f"    {line}")
        if len(shown) > MAX_CHECKS_SHOWN:
            print(f"    ... and {len(shown) - MAX_CHECKS_SHOWN} more (see the results directory)")
    if expected:
        print(f"expected failures (in {Path(args.baseline).name}): {', '.join(expected)}")
    for name in stale:
        print(f"stale baseline entry: {name} passes now; remove it from {Path(args.baseline).name}")
    if sections["empty"]:
        # The suite scores a scenario without checks as passing, even when the client under
        # test exited with an error before doing anything: worth a look when these appear.
        print(f"no checks recorded (scored as passing): {', '.join(sections['empty'])}")
    for name in missing:
        print(f"required scenario did not run: {name} (listed in {Path(args.required).name})")
    if unscored:
        bad = sorted(name for name in unscored if not rows[name])
        line = f"not scored (extension/pending): {len(unscored) - len(bad)}/{len(unscored)} pass"
        print(line + (f"; failing: {', '.join(bad)}" if bad else ""))
    passed = sum(scored.values())
    print(
        f"{label}: {passed} passed, {len(scored) - passed} failed "
        f"({len(expected)} expected, {len(unexpected)} unexpected"
        + (f", {len(stale)} stale baseline entries)" if stale else ")")
    )
    if unexpected or missing or (stale and args.strict_baseline):
        return 1
    if args.rc and not stale and not judged_here:
        print(f"{label}: the suite exited with status {args.rc}; see the output above")
        return 1
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    yaml_cmd = sub.add_parser("yaml")
    yaml_cmd.add_argument("--key", choices=["server", "client"], required=True)
    yaml_cmd.add_argument("baseline")
    yaml_cmd.add_argument("out")
    rep = sub.add_parser("report")
    rep.add_argument("--label", required=True)
    rep.add_argument("--rc", type=int, required=True)
    rep.add_argument("--output", required=True)
    rep.add_argument("--baseline", required=True)
    rep.add_argument("--results")
    rep.add_argument("--unscored")
    rep.add_argument("--required")
    rep.add_argument("--scenario")
    rep.add_argument("--strict-baseline", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "yaml":
        write_yaml(args.key, Path(args.baseline), Path(args.out))
        return 0
    return report(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
