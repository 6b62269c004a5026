"""Echo servers per implementation, and how to get the peers installed.

Peers live in a cache directory (``$XDG_CACHE_HOME/mcplite-bench``, else ``~/.cache/...``):
``venv-mcp`` for the official Python SDK (``pip install mcp``) and ``ts`` for the official
TypeScript SDK (``npm install @modelcontextprotocol/sdk``). A peer that cannot be installed is
skipped with a printed line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLIENTS = HERE.parent / "clients"
INSTALL_TIMEOUT_SECONDS = 600
TS_PACKAGES = ["@modelcontextprotocol/sdk", "express"]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mcplite-bench"


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS, check=False
    )


def official_py() -> tuple[str | None, str]:
    """(python of the peer's venv or None, a line saying what happened)."""
    venv = cache_dir() / "venv-mcp"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import importlib.metadata as m; print(m.version('mcp'))"]
    if python.exists():
        done = _run(check)
        if done.returncode == 0:
            return str(python), f"official Python SDK: mcp {done.stdout.strip()} ({venv})"
    try:
        index = _run([sys.executable, "-m", "pip", "index", "versions", "mcp"])
        latest = index.stdout.strip().splitlines()[0] if index.returncode == 0 else "?"
        print(f"  installing the official Python SDK (index: {latest}) into {venv} ...")
        if not python.exists():
            made = _run([sys.executable, "-m", "venv", str(venv)])
            if made.returncode != 0:
                return None, f"skip official-py: cannot create a venv: {made.stderr.strip()[-300:]}"
        pip = _run([str(python), "-m", "pip", "install", "-q", "mcp"])
        if pip.returncode != 0:
            return None, f"skip official-py: pip install mcp failed: {pip.stderr.strip()[-300:]}"
        done = _run(check)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"skip official-py: {exc}"
    if done.returncode != 0:
        return None, f"skip official-py: mcp not importable after install: {done.stderr[-300:]}"
    return str(python), f"official Python SDK: mcp {done.stdout.strip()} ({venv})"


def official_ts() -> tuple[Path | None, str]:
    """(directory holding node_modules and our .mjs scripts, or None; a line saying why)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, "skip official-ts: node/npm not on PATH"
    root = cache_dir() / "ts"
    package = root / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json"
    try:
        if not package.exists():
            print(f"  installing the official TypeScript SDK into {root} ...")
            root.mkdir(parents=True, exist_ok=True)
            if not (root / "package.json").exists():
                (root / "package.json").write_text(
                    '{"name": "mcplite-bench-ts", "private": true}\n'
                )
            done = _run([npm, "install", "--silent", "--no-audit", "--no-fund", *TS_PACKAGES], root)
            if done.returncode != 0 or not package.exists():
                return None, f"skip official-ts: npm install failed: {done.stderr.strip()[-300:]}"
        # ESM resolves packages from the script's own folder: run our scripts from there.
        shutil.copy(HERE / "official_ts_echo.mjs", root / "official_ts_echo.mjs")
        shutil.copy(CLIENTS / "official_ts.mjs", root / "official_ts.mjs")
        version = _run([node, "-p", f"require({str(package)!r}).version"]).stdout.strip()
        node_version = _run([node, "--version"]).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"skip official-ts: {exc}"
    return (
        root,
        f"official TypeScript SDK: @modelcontextprotocol/sdk {version}, node {node_version}",
    )
